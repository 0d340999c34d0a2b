"""The package as a whole: ``import descend`` stays light, the flat API is there, and every module
has its test file (tests mirror the package)."""
import ast
import pathlib
import subprocess
import sys

from radon.complexity import cc_visit

import descend

SRC = pathlib.Path(descend.__file__).parent
TESTS = pathlib.Path(__file__).parent


def test_import_descend_loads_numpy_and_the_core_only():
    code = ("import sys, descend\n"
            "heavy = [m for m in ('matplotlib', 'sklearn', 'numba', 'scipy', 'rich', 'torch', 'pandas',\n"
            "                     'safetensors', 'descend.cli', 'descend.sklearn', 'descend.plotting',\n"
            "                     'descend.optimizers', 'descend.datasets', 'descend.sweep')\n"
            "         if m in sys.modules]\n"
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_flat_api_resolves():
    for name in descend.__all__:
        assert getattr(descend, name) is not None, name


def _test_file(module: pathlib.Path) -> pathlib.Path:
    """tests/test_<module>.py: the path below descend/ with "/" → "_" and leading "_" dropped;
    a package's __init__.py is the package's own name."""
    parts = list(module.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return TESTS / ("test_" + ("_".join(p.lstrip("_") for p in parts) or "descend") + ".py")


def _defines_something(module: pathlib.Path) -> bool:
    tree = ast.parse(module.read_text())
    return any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in tree.body)


def test_every_module_has_its_test_file():
    modules = [m for m in SRC.rglob("*.py") if m.name != "__main__.py" and _defines_something(m)]
    assert len(modules) > 40
    missing = sorted(str(_test_file(m).name) for m in modules if not _test_file(m).exists())
    assert not missing, f"modules without their tests/test_<module>.py: {missing}"


def test_no_function_is_above_cyclomatic_complexity_15():
    """radon's count (decisions and boolean operands); ruff's C901 in make lint counts fewer."""
    def functions(blocks):
        for block in blocks:
            yield from functions(getattr(block, "methods", []) + getattr(block, "closures", []))
            if type(block).__name__ != "Class":
                yield block

    complex_ = sorted(f"{module.relative_to(SRC)}:{f.lineno} {f.name} ({f.complexity})"
                      for module in SRC.rglob("*.py") for f in functions(cc_visit(module.read_text()))
                      if f.complexity > 15)
    assert not complex_, complex_


# ------------------------------------------------------------------ the README's quick tour runs
README = TESTS.parent / "README.md"


def _blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language``, in order."""
    text = README.read_text()
    return [b.split("\n", 1)[1] for b in text.split("```")[1::2] if b.split("\n", 1)[0] == language]


def test_the_readme_starts_with_the_two_set_up_commands():
    first = README.read_text().split("```")[1]
    assert [line.split("#")[0].strip() for line in first.splitlines()[1:]] == ["make demo", "make test"]


def test_the_readme_quick_tour_runs_and_prints_what_it_shows(capsys):
    """Every Python block of the quick tour runs in order (the data of the fit block given), the
    chain rule it shows is what explain prints, and the SGD step moves w₁₁⁽²⁾ as its comment says."""
    import numpy as np

    tour, fits, optimizers_block, flavor_block = _blocks("python")[:4]
    namespace: dict = {}
    exec(compile(tour, "README quick tour", "exec"), namespace)
    printed = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    shown = _blocks("text")[1]
    assert "∂E/∂w₁₁⁽¹⁾" in shown
    for line in shown.splitlines():
        assert " ".join(line.split()) in printed, line
    assert f"{namespace['model'].get_weights()[1][0, 0]:.7f}" == "0.1006995"
    rng = np.random.default_rng(0)
    namespace["X"] = rng.normal(size=(40, 2))
    namespace["y"] = (namespace["X"][:, 0] > 0).astype(float)
    exec(compile(fits, "README gradient-descent kinds", "exec"), namespace)
    assert namespace["model"].epochs_trained == 150
    exec(compile(optimizers_block, "README optimizers", "exec"), namespace)
    assert namespace["model"].loss.name == "sparse_categorical_crossentropy"
    with descend.config.use_flavor("lecture"):   # the block's set_flavor ends with the test
        exec(compile(flavor_block, "README flavor switch", "exec"), namespace)
        assert namespace["model"].optimizer.flavor == "keras"
    assert descend.config.get_flavor() == "lecture"


def test_every_path_the_readme_names_exists():
    import re

    named = set(re.findall(r"`((?:src|docs|tests|benchmarks)/[\w./-]+)`", README.read_text()))
    assert len(named) > 10
    missing = sorted(p for p in named if not (TESTS.parent / p).exists())
    assert not missing, f"README names files that are not there: {missing}"
