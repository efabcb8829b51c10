"""matplotlib's Qt canvas for the plot docks, on the Qt binding QGIS runs on."""

from __future__ import annotations

from qgis.PyQt.QtCore import QT_VERSION_STR

if QT_VERSION_STR.startswith("5."):  # pins matplotlib to the Qt5 binding QGIS 3 runs on
    from matplotlib.backends.backend_qt5agg import FigureCanvasQTAgg
else:  # Qt6 (QGIS 4): the binding-neutral backend
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

__all__ = ["FigureCanvasQTAgg"]
