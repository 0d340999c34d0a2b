"""Shared test settings: matplotlib without a display, a modest hypothesis profile."""
import os

os.environ.setdefault("MPLBACKEND", "Agg")

try:
    from hypothesis import settings

    settings.register_profile("descend", max_examples=40, deadline=None)
    settings.load_profile("descend")
except ImportError:  # pragma: no cover
    pass
