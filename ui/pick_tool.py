"""A map tool that reports where the user clicked (shared by the plot docks)."""

from __future__ import annotations

import contextlib

from qgis.core import QgsPointXY
from qgis.gui import QgsMapTool
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QCursor


class PointPickTool(QgsMapTool):
    """Map tool: a left click emits the clicked map point (canvas CRS)."""

    picked = pyqtSignal(QgsPointXY)

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.setCursor(QCursor(Qt.CursorShape.CrossCursor))

    def canvasReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.picked.emit(QgsPointXY(event.mapPoint()))


def release_pick_tool(canvas, tool: PointPickTool | None) -> None:
    """Give the map its previous tool back and delete ``tool`` (a dock's ``close_plot``)."""
    if tool is None:
        return
    with contextlib.suppress(RuntimeError):  # the canvas is already gone
        if canvas.mapTool() is tool:
            canvas.unsetMapTool(tool)
    tool.setAction(None)
    tool.setButton(None)
    tool.setParent(None)  # QgsMapTool is a child of the canvas
    tool.deleteLater()
