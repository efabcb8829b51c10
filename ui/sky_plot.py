"""The "Sky plot" dock: click a place on the map, see its skyline and the satellites there.

The skyline is the DSM's horizon at a receiver the chosen height above the ground; with an
NMEA log, the satellites of the log's epoch nearest to the click are drawn on it, green
when line-of-sight from the clicked place, red when a building blocks them. The
computations are the pure core's (:mod:`citytwin.processing.navcomm.sky_plot`); this
module picks, draws and writes the PNG.

matplotlib is imported with this module, which the plugin imports only when the dock is
first opened. It is used without pyplot: one ``Figure`` on a Qt canvas, released by
:meth:`SkyPlotDock.close_plot`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure
from qgis.core import (
    QgsCoordinateTransform,
    QgsCsException,
    QgsMapLayerProxyModel,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsDockWidget, QgsFileWidget, QgsMapLayerComboBox, QgsVertexMarker
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..common.errors import CityTwinError
from ..common.fonts import font_families
from .mpl_canvas import FigureCanvasQTAgg
from .pick_tool import PointPickTool, release_pick_tool
from .signals import SignalConnections

EXPORT_DPI = 150


def _is_dsm(layer) -> bool:
    name = layer.name().lower()
    return isinstance(layer, QgsRasterLayer) and ("dsm" in name or "surface" in name or "表面" in name)


class SkyPlotDock(QgsDockWidget):
    """Dock with the sky plot of the last picked place."""

    OBJECT_NAME = "CityTwinSkyPlotDock"
    #: Emitted after a plot was drawn (number of satellites shown).
    plotted = pyqtSignal(int)

    def __init__(self, iface, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.OBJECT_NAME)
        self.setWindowTitle(self.tr("CityTwin — Sky Plot"))
        self.iface = iface
        self.map_canvas = iface.mapCanvas()
        self._connections = SignalConnections()
        self._surfaces: dict[tuple, object] = {}
        self._logs: dict[tuple, object] = {}
        self.data = None
        self.marker: QgsVertexMarker | None = None
        self.tool: PointPickTool | None = PointPickTool(self.map_canvas)

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._make_form(body))
        row = QHBoxLayout()
        self.pick_button = QPushButton(self.tr("Pick on map"), body)
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip(self.tr("Click a place on the map to plot its sky"))
        self.pick_button.clicked.connect(self._pick_button_clicked)
        self.png_button = QPushButton(self.tr("Export PNG…"), body)
        self.png_button.clicked.connect(self.choose_png)
        row.addWidget(self.pick_button)
        row.addStretch(1)
        row.addWidget(self.png_button)
        layout.addLayout(row)
        self.message = QLabel(body)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.figure = Figure(figsize=(5.0, 5.4), dpi=100, layout="constrained")
        self.plot_canvas = FigureCanvasQTAgg(self.figure)
        self.plot_canvas.setParent(body)
        self.plot_canvas.setMinimumHeight(300)
        layout.addWidget(self.plot_canvas, 1)
        self.setWidget(body)
        self.setMinimumWidth(340)

        self.tool.setButton(self.pick_button)
        self._connections.connect(self.tool.picked, self.pick_at)
        self.choose_dsm()
        self.message.setText(self.tr("Choose the DSM, then click a place on the map."))

    def _make_form(self, body: QWidget) -> QFormLayout:
        form = QFormLayout()
        self.dsm_combo = QgsMapLayerComboBox(body)
        self.dsm_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.dtm_combo = QgsMapLayerComboBox(body)
        self.dtm_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.dtm_combo.setAllowEmptyLayer(True)
        self.dtm_combo.setLayer(None)
        self.log_widget = QgsFileWidget(body)
        self.log_widget.setFilter(self.tr("NMEA logs (*.nmea *.nma *.log *.txt)"))
        self.height_spin = QDoubleSpinBox(body)
        self.height_spin.setRange(0.0, 500.0)
        self.height_spin.setValue(1.5)
        self.height_spin.setSuffix(" m")
        self.mask_spin = QDoubleSpinBox(body)
        self.mask_spin.setRange(0.0, 89.0)
        self.mask_spin.setValue(25.0)
        self.mask_spin.setSuffix("°")
        form.addRow(self.tr("DSM:"), self.dsm_combo)
        form.addRow(self.tr("DTM (optional):"), self.dtm_combo)
        form.addRow(self.tr("NMEA log (optional):"), self.log_widget)
        form.addRow(self.tr("Receiver height:"), self.height_spin)
        form.addRow(self.tr("Elevation mask:"), self.mask_spin)
        return form

    def choose_dsm(self) -> None:
        """Pre-select a raster named like a DSM, and one named like a DTM."""
        for layer in QgsProject.instance().mapLayers().values():
            if _is_dsm(layer):
                self.dsm_combo.setLayer(layer)
            elif isinstance(layer, QgsRasterLayer) and ("dtm" in layer.name().lower() or "地面" in layer.name()):
                self.dtm_combo.setLayer(layer)

    def connections(self) -> SignalConnections:
        """Connections to objects outside the dock (undone by :meth:`close_plot`)."""
        return self._connections

    # -- picking ------------------------------------------------------------------------
    def activate_pick_tool(self) -> None:
        if self.tool is not None and self.map_canvas.mapTool() is not self.tool:
            self.map_canvas.setMapTool(self.tool)

    def _pick_button_clicked(self, checked: bool) -> None:
        if checked:
            self.activate_pick_tool()
        elif self.tool is not None and self.map_canvas.mapTool() is self.tool:
            self.map_canvas.unsetMapTool(self.tool)

    def _surface(self, layer: QgsRasterLayer, like=None):
        from ..processing.navcomm.surface import Surface

        path = layer.source()
        stamp = Path(path).stat().st_mtime if Path(path).exists() else 0
        key = (path, stamp, like is not None)
        if key not in self._surfaces:
            self._surfaces[key] = like.read_like(path) if like is not None else Surface.read(path)
        return self._surfaces[key]

    def _log(self):
        from ..layers.nmea import read_nmea

        path = self.log_widget.filePath().strip()
        if not path:
            return None
        key = (path, Path(path).stat().st_mtime if Path(path).exists() else 0)
        if key not in self._logs:
            self._logs = {key: read_nmea(path)}
        return self._logs[key]

    def pick_at(self, map_point: QgsPointXY) -> bool:
        """Plot the sky at ``map_point`` (canvas CRS)."""
        from ..processing.navcomm.sky_plot import sky_plot_data

        layer = self.dsm_combo.currentLayer()
        if not isinstance(layer, QgsRasterLayer):
            self.message.setText(self.tr("Choose the DSM raster first."))
            return False
        try:
            transform = QgsCoordinateTransform(
                self.map_canvas.mapSettings().destinationCrs(), layer.crs(), QgsProject.instance()
            )
            point = transform.transform(map_point)
        except QgsCsException as exc:
            self.message.setText(
                self.tr("The click could not be transformed to the DSM's CRS: {error}").format(error=str(exc))
            )
            return False
        try:
            dsm = self._surface(layer)
            dtm_layer = self.dtm_combo.currentLayer()
            dtm = self._surface(dtm_layer, like=dsm) if isinstance(dtm_layer, QgsRasterLayer) else None
            self.data = sky_plot_data(
                dsm,
                point.x(),
                point.y(),
                dtm,
                receiver_height=self.height_spin.value(),
                mask_deg=self.mask_spin.value(),
                log=self._log(),
            )
        except (CityTwinError, OSError) as exc:
            self.message.setText(str(exc))
            return False
        if not self.isVisible():
            self.show()
        self._mark(map_point)
        self.redraw()
        shown = len(self.data.satellites)
        if shown == 0 and self.log_widget.filePath().strip():
            self.message.setText(self.tr("No epoch of the log within 50 m of this place: skyline only."))
        else:
            self.message.setText(self.tr("Sky at {x:.1f}, {y:.1f} ({crs}).").format(
                x=point.x(), y=point.y(), crs=layer.crs().authid()))  # fmt: skip
        self.plotted.emit(shown)
        return True

    def _mark(self, map_point: QgsPointXY) -> None:
        if self.marker is None:
            self.marker = QgsVertexMarker(self.map_canvas)
            self.marker.setIconType(QgsVertexMarker.IconType.ICON_CROSS)
            self.marker.setColor(QColor("#d7191c"))
            self.marker.setIconSize(14)
            self.marker.setPenWidth(3)
        self.marker.setCenter(map_point)

    # -- drawing -----------------------------------------------------------------------------
    def labels(self) -> dict[str, str]:
        return {
            "title": self.tr("Sky plot"),
            "los": self.tr("LOS"),
            "nlos": self.tr("NLOS (blocked)"),
            "skyline": self.tr("Buildings (DSM horizon)"),
            "mask": self.tr("Elevation mask"),
            "svf": self.tr("Sky-view factor {svf:.2f} · open sky above {mask:g}°: {open:.0%}"),
            "satellites": self.tr("{n_los} LOS / {n_nlos} NLOS satellites · epoch {time} ({distance:.0f} m away)"),
        }

    def redraw(self, figure: Figure | None = None) -> None:
        from ..processing.navcomm.sky_plot import draw_sky_plot

        figure = figure or self.figure
        if self.data is None:
            return
        with rc_context({"font.family": font_families(), "font.size": 9}):
            draw_sky_plot(figure, self.data, self.labels())
            if figure is self.figure:
                self.plot_canvas.draw_idle()

    def choose_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export sky plot"), "sky_plot.png", "PNG (*.png)")
        if path:
            self.export_png(path)

    def export_png(self, path: str) -> Path | None:
        """Write the current plot as a PNG (same content as the dock, fixed size)."""
        if self.data is None:
            self.message.setText(self.tr("Pick a place first."))
            return None
        figure = Figure(figsize=(6.0, 6.6), dpi=EXPORT_DPI, layout="constrained")
        self.redraw(figure)
        with rc_context({"font.family": font_families()}):
            figure.savefig(path, dpi=EXPORT_DPI)
        self.message.setText(self.tr("Written: {path}").format(path=path))
        return Path(path)

    # -- release ---------------------------------------------------------------------------
    def close_plot(self) -> None:
        """Disconnect, give the map its previous tool back, release the figure (call on unload)."""
        self._connections.disconnect_all()
        release_pick_tool(self.map_canvas, self.tool)
        self.tool = None
        if self.marker is not None:
            with contextlib.suppress(RuntimeError):
                self.map_canvas.scene().removeItem(self.marker)
            self.marker = None
        self._surfaces.clear()
        self._logs.clear()
        self.figure.clear()
        self.plot_canvas.close()
