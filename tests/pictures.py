"""What every picture test asserts of a written PNG (a helper module, not a test file)."""
from __future__ import annotations

import os

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: str | os.PathLike[str], min_side: int = 100) -> None:
    """``path`` is a complete PNG of at least ``min_side`` pixels a side (at most 3000), and its
    folder holds no temporary file left by the atomic write."""
    with open(path, "rb") as fh:
        assert fh.read(8) == PNG_SIGNATURE
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert min(im.size) >= min_side and max(im.size) <= 3000, im.size
        im.verify()
    run_folder = (".descend.lock", ".current")  # descend train's lock and version link (not temporary)
    assert not [f for f in os.listdir(os.path.dirname(path))  # no temp left
                if f.startswith(".") and f not in run_folder and not f.startswith(".run-")]
