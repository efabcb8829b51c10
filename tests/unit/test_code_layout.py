"""The architecture, enforced: pure core never imports QGIS or Qt; only qgis.PyQt.

In the spirit of Lizmap's ``test_code_layout.py``. Tier rule (see docs/ARCHITECTURE.md):
modules in ``common/``, ``layers/``, ``twin/`` and ``processing/`` are pure core,
except modules named ``qgis_*.py`` and everything under ``processing/algorithms/``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("common", "layers", "twin", "processing")
QT_OR_QGIS = ("qgis", "PyQt5", "PyQt6", "PySide2", "PySide6", "sip", "pyvistaqt", "qtpy")
SKIP_DIRS = {".venv", "build", "dist", "node_modules", "__pycache__", ".git"}


def python_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS.intersection(rel.parts) or rel.name == "resources_rc.py":
            continue
        files.append(path)
    return sorted(files)


def is_pure(rel: Path) -> bool:
    if rel.parts[0] not in PURE_PACKAGES or len(rel.parts) < 2:
        return False
    if rel.name.startswith("qgis_"):
        return False
    return rel.parts[:2] != ("processing", "algorithms")


def pure_modules() -> list[Path]:
    return [p for p in python_files() if is_pure(p.relative_to(ROOT))]


def imported_names(path: Path) -> list[tuple[int, str]]:
    """Every module imported anywhere in the file (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.lineno, node.module))
    return names


def test_there_are_pure_modules_to_check():
    rels = {p.relative_to(ROOT).as_posix() for p in pure_modules()}
    assert "twin/pointcloud_info.py" in rels
    assert "common/deps.py" in rels
    assert "processing/qgis_provider.py" not in rels


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pure_module_imports_no_qgis_or_qt(path):
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in imported_names(path)
        if name.split(".")[0] in QT_OR_QGIS
    ]
    assert not offenders, "pure core must not import QGIS or Qt:\n" + "\n".join(offenders)


def test_no_file_imports_pyqt_directly():
    offenders = []
    for path in python_files():
        for line, name in imported_names(path):
            if name.split(".")[0] in ("PyQt5", "PyQt6"):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not offenders, "import Qt through qgis.PyQt only:\n" + "\n".join(offenders)


def test_pure_modules_import_in_a_python_without_qgis(tmp_path):
    """Import every pure module in a fresh interpreter where qgis and Qt cannot load."""
    pkg_root = ROOT / "build" / "pkgroot"
    modules = [
        "citytwin." + ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in pure_modules()
    ]
    script = f"""
import importlib, importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {QT_OR_QGIS!r}:
            raise ImportError('blocked ' + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(pkg_root)!r})
for name in {modules!r}:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split('.')[0] in {QT_OR_QGIS!r})
print('LOADED', loaded)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout


def test_plugin_init_imports_nothing_at_package_import():
    tree = ast.parse((ROOT / "__init__.py").read_text(encoding="utf-8"))
    top_level_imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert top_level_imports == [], "citytwin/__init__.py must import lazily inside classFactory"


def test_no_bare_except():
    offenders = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and node.type is None:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "bare except hides real errors:\n" + "\n".join(offenders)
