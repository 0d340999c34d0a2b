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
