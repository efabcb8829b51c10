"""Locations inside the installed plugin folder."""

from __future__ import annotations

from pathlib import Path

_PLUGIN_DIR = Path(__file__).resolve().parent.parent


def plugin_dir() -> Path:
    """The folder that holds ``metadata.txt`` (the ``citytwin`` package)."""
    return _PLUGIN_DIR


def icon_path(name: str) -> Path:
    """Path of an icon shipped in ``icons/`` (works without compiled resources)."""
    return _PLUGIN_DIR / "icons" / name


def i18n_dir() -> Path:
    """Folder of the compiled translations (``citytwin_<locale>.qm``)."""
    return _PLUGIN_DIR / "i18n"
