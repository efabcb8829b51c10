"""A legend drawn in Qt: class swatches or a colour ramp with its end values.

VTK's scalar bar and cube-axes actors format numeric labels and crash the QGIS 3.22
desktop with the vtk 9.7 wheel (see the environment notes), so the 3D view draws its
legend here, in plain Qt widgets, from the legend description of the scene.
"""

from __future__ import annotations

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QLinearGradient, QPainter, QPixmap
from qgis.PyQt.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


def _swatch(color: str, size: int = 12) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return pixmap


class LegendWidget(QWidget):
    """Shows either ``[(label, '#rrggbb'), ...]`` or ``(min, max, [colours], unit)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CityTwin3DLegend")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.setSpacing(2)
        self.entries: list[str] = []

    def clear(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self.entries = []

    def show_classes(self, classes: list[tuple[str, str]]) -> None:
        self.clear()
        for label, color in classes:
            row = QWidget(self)
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            swatch = QLabel(row)
            swatch.setPixmap(_swatch(color))
            text = QLabel(label, row)
            layout.addWidget(swatch)
            layout.addWidget(text, 1)
            self._layout.addWidget(row)
            self.entries.append(label)
        self._layout.addStretch(1)

    def show_ramp(self, low: float, high: float, colors: list[str], unit: str = "") -> None:
        self.clear()
        width, height = 140, 12
        pixmap = QPixmap(width, height)
        painter = QPainter(pixmap)
        gradient = QLinearGradient(0, 0, width, 0)
        for i, color in enumerate(colors):
            gradient.setColorAt(i / max(len(colors) - 1, 1), QColor(color))
        painter.fillRect(0, 0, width, height, gradient)
        painter.end()
        bar = QLabel(self)
        bar.setPixmap(pixmap)
        ends = QWidget(self)
        layout = QHBoxLayout(ends)
        layout.setContentsMargins(0, 0, 0, 0)
        low_text, high_text = f"{low:.4g} {unit}".strip(), f"{high:.4g} {unit}".strip()
        layout.addWidget(QLabel(low_text, ends))
        layout.addStretch(1)
        right = QLabel(high_text, ends)
        right.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(right)
        self._layout.addWidget(bar)
        self._layout.addWidget(ends)
        self._layout.addStretch(1)
        self.entries = [low_text, high_text]
