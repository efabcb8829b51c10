"""supportsQt6=yes has to be earned: scoped enums, exec(), QAction via the compat shim.

Every ``Class.Name`` attribute access on a Qt or QGIS class that resolves to an enum
*member* (rather than an enum type) is an unscoped enum, which PyQt6 rejects.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "build", "dist", "tests", "bench", "scripts", "__pycache__"}


def plugin_files() -> list[Path]:
    return sorted(
        p
        for p in ROOT.rglob("*.py")
        if not SKIP.intersection(p.relative_to(ROOT).parts) and p.name != "resources_rc.py"
    )


def qt_names(tree: ast.AST) -> dict[str, object]:
    """Names imported from qgis.PyQt.* and qgis.core/gui, resolved to their objects."""
    names = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith(("qgis.PyQt", "qgis.core", "qgis.gui"))
        ):
            module = importlib.import_module(node.module)
            for alias in node.names:
                if hasattr(module, alias.name):
                    names[alias.asname or alias.name] = getattr(module, alias.name)
    return names


def is_enum_member(value: object) -> bool:
    enum_type = type(value)
    return type(enum_type).__name__ == "enumtype"  # sip's metatype of wrapped enums


@pytest.mark.parametrize("path", plugin_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_enums_are_scoped(qgis_app, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = qt_names(tree)
    offenders = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names:
            owner = names[node.value.id]
            value = getattr(owner, node.attr, None)
            if is_enum_member(value):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert not offenders, "use scoped enums (Class.EnumType.Member):\n" + "\n".join(offenders)


@pytest.mark.parametrize("path", plugin_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_qt5_only_calls(path):
    text = path.read_text(encoding="utf-8")
    for qt5_only in ("exec_(", "QRegExp", "QDesktopWidget", "QtWidgets import QAction", "QtWidgets.QAction"):
        if path.name == "qt_compat.py" and "QAction" in qt5_only:
            continue
        assert qt5_only not in text, f"{path.relative_to(ROOT)} uses {qt5_only} (gone in Qt6)"
