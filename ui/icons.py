"""Icons: from the compiled Qt resources when present, else straight from files."""

from __future__ import annotations

from qgis.PyQt.QtCore import QFile
from qgis.PyQt.QtGui import QIcon

from ..common.paths import icon_path

RESOURCE_PREFIX = ":/plugins/citytwin/icons/"


def plugin_icon(name: str) -> QIcon:
    """The icon ``icons/<name>``; works whether or not ``resources_rc`` was compiled."""
    resource = RESOURCE_PREFIX + name
    if QFile.exists(resource):
        return QIcon(resource)
    return QIcon(str(icon_path(name)))
