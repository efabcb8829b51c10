"""The "Time-series plot" dock: click a PS point on the map, see its displacement series.

What users of QGIS's InSAR viewers (e.g. "PS Time Series Viewer") expect: the picked
point's observations, the fitted model as a smooth curve and the residuals below it,
several points overlaid on request, and the plot exported as PNG or CSV. The model is
the one a fit-result layer was made with (recognised from its fields), else the terms
ticked in the dock; either way the clicked point is fitted again on its own series with
the core's ``fit_series``. Reading, fitting and the CSV rows live in the pure module
``processing/ts_plot_data.py``; this module only picks, draws and writes files.

matplotlib is imported with this module, which the plugin imports only when the dock is
first opened (QGIS start-up does not pay for it). It is used without pyplot (no global
figure registry, no backend switch inside QGIS): one ``Figure`` on a Qt canvas, released
by :meth:`TimeSeriesPlotDock.close_plot`.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import dates as mdates
from matplotlib import rc_context
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from qgis.core import (
    Qgis,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeature,
    QgsFeatureRequest,
    QgsMapLayerProxyModel,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsDockWidget, QgsMapLayerComboBox, QgsMapTool, QgsVertexMarker
from qgis.PyQt.QtCore import Qt, QVariant, pyqtSignal
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..common.errors import InputError
from ..common.fonts import font_families
from ..processing.timeseries import ModelTerms
from ..processing.ts_plot_data import (
    NoDateFields,
    SeriesFit,
    fit_point_series,
    fitted_layer_terms,
    has_date_fields,
    has_values,
    nearest_point,
    point_label,
    read_point_series,
    write_series_csv,
)
from .mpl_canvas import FigureCanvasQTAgg
from .pick_tool import PointPickTool, release_pick_tool
from .signals import SignalConnections

#: Size of an exported PNG (inches at EXPORT_DPI: 1500 x 975 pixels), whatever the dock's size.
EXPORT_SIZE_IN = (10.0, 6.5)
EXPORT_DPI = 150


@dataclass
class ShownPoint:
    """A point on the plot: where it came from and its fit."""

    layer_id: str
    feature_id: int
    fit: SeriesFit
    position: QgsPointXY | None = None  # in the layer's CRS, for the marker on the map


def _plain(value):
    """QGIS's NULL (a null QVariant) as None; other values unchanged."""
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    return value


class TimeSeriesPlotDock(QgsDockWidget):
    """Dock with the displacement series of picked PS points, the model and the residuals."""

    OBJECT_NAME = "CityTwinTimeSeriesPlotDock"
    #: Emitted after the plot changed (number of points shown).
    plotted = pyqtSignal(int)

    def __init__(self, iface, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.OBJECT_NAME)
        self.setWindowTitle(self.tr("CityTwin — Time-Series Plot"))
        self.iface = iface
        self.map_canvas = iface.mapCanvas()
        self.shown: list[ShownPoint] = []
        self.artists: dict[str, dict] = {}
        self.markers: list[QgsVertexMarker] = []
        self._connections = SignalConnections()
        self.tool: PointPickTool | None = PointPickTool(self.map_canvas)

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._make_layer_row(body))
        layout.addLayout(self._make_model_row(body))
        self.message = QLabel(body)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.figure = Figure(figsize=(7.0, 4.5), dpi=100, layout="constrained")
        self.plot_canvas = FigureCanvasQTAgg(self.figure)
        self.plot_canvas.setParent(body)
        self.plot_canvas.setMinimumHeight(220)
        self.axes_series, self.axes_residual = self.figure.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [2.6, 1.2]}
        )
        layout.addWidget(self.plot_canvas, 1)
        self.setWidget(body)
        self.setMinimumWidth(360)

        self.tool.setButton(self.pick_button)
        self._connections.connect(self.tool.picked, self.pick_at)
        self._connections.connect(self.map_canvas.destinationCrsChanged, self._mark_on_map)
        current_layer_changed = getattr(iface, "currentLayerChanged", None)
        if current_layer_changed is not None:
            self._connections.connect(current_layer_changed, self.follow_active_layer)
        self.follow_active_layer(iface.activeLayer() if hasattr(iface, "activeLayer") else None)
        self._layer_changed(self.layer_combo.currentLayer())
        self.redraw()

    # -- UI ----------------------------------------------------------------------------
    def _make_layer_row(self, body: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("PS layer:"), body))
        self.layer_combo = QgsMapLayerComboBox(body)
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.PointLayer)
        self.layer_combo.layerChanged.connect(self._layer_changed)
        self.pick_button = QPushButton(self.tr("Pick on map"), body)
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip(self.tr("Click a point of the PS layer on the map to plot its series"))
        self.pick_button.clicked.connect(self._pick_button_clicked)
        self.overlay_check = QCheckBox(self.tr("Overlay"), body)
        self.overlay_check.setToolTip(self.tr("Keep the points already plotted and add the next one"))
        self.clear_button = QPushButton(self.tr("Clear"), body)
        self.clear_button.clicked.connect(self.clear)
        row.addWidget(self.layer_combo, 1)
        for widget in (self.pick_button, self.overlay_check, self.clear_button):
            row.addWidget(widget)
        return row

    def _make_model_row(self, body: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Model:"), body))
        self.velocity_check = QCheckBox(self.tr("Velocity"), body)
        self.velocity_check.setChecked(True)
        self.acceleration_check = QCheckBox(self.tr("Acceleration"), body)
        self.annual_check = QCheckBox(self.tr("Annual"), body)
        self.semiannual_check = QCheckBox(self.tr("Semi-annual"), body)
        for check in self.term_checks():
            check.toggled.connect(lambda _on: self.refit())
            row.addWidget(check)
        self.model_note = QLabel(body)
        row.addWidget(self.model_note, 1)
        self.png_button = QPushButton(self.tr("Export PNG…"), body)
        self.png_button.clicked.connect(self.choose_png)
        self.csv_button = QPushButton(self.tr("Export CSV…"), body)
        self.csv_button.clicked.connect(self.choose_csv)
        row.addWidget(self.png_button)
        row.addWidget(self.csv_button)
        return row

    def term_checks(self) -> tuple[QCheckBox, ...]:
        return (self.velocity_check, self.acceleration_check, self.annual_check, self.semiannual_check)

    def connections(self) -> SignalConnections:
        """Connections to objects outside the dock (undone by :meth:`close_plot`)."""
        return self._connections

    # -- layer and model -----------------------------------------------------------------
    def current_layer(self) -> QgsVectorLayer | None:
        layer = self.layer_combo.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) and layer.isValid() else None

    def follow_active_layer(self, layer) -> None:
        """Choose the active layer when it is a point layer with displacement fields."""
        if (
            isinstance(layer, QgsVectorLayer)
            and layer.geometryType() == QgsWkbTypes.GeometryType.PointGeometry
            and has_date_fields(layer.fields().names())
        ):
            self.layer_combo.setLayer(layer)

    def _layer_changed(self, layer) -> None:
        fitted = fitted_layer_terms(layer.fields().names()) if isinstance(layer, QgsVectorLayer) else None
        for check, on in zip(self.term_checks(), self._terms_flags(fitted) if fitted else ()):
            check.blockSignals(True)
            check.setChecked(on)
            check.blockSignals(False)
        for check in self.term_checks():
            check.setEnabled(fitted is None)
        self.model_note.setText(self.tr("(from the layer's fit)") if fitted is not None else "")
        if isinstance(layer, QgsVectorLayer) and not has_date_fields(layer.fields().names()):
            self._say_no_date_fields(layer)
        elif layer is None:
            self.message.setText(self.tr("Add a PS point layer with displacement fields (YYYYMMDD, D_YYYYMMDD)."))
        else:
            self.message.setText(self.tr("Click a point of '{layer}' on the map.").format(layer=layer.name()))

    @staticmethod
    def _terms_flags(terms: ModelTerms) -> tuple[bool, bool, bool, bool]:
        return terms.velocity, terms.acceleration, terms.annual, terms.semiannual

    def terms_for(self, layer: QgsVectorLayer | None) -> ModelTerms:
        """The layer's own model when it is a fit result, else the ticked terms."""
        if layer is not None:
            fitted = fitted_layer_terms(layer.fields().names())
            if fitted is not None:
                return fitted
        velocity, acceleration, annual, semiannual = (check.isChecked() for check in self.term_checks())
        return ModelTerms(velocity=velocity, acceleration=acceleration, annual=annual, semiannual=semiannual)

    def _say_no_date_fields(self, layer: QgsVectorLayer) -> None:
        self.message.setText(
            self.tr(
                "The layer '{layer}' has no displacement fields: a PS layer needs one field per date, "
                "named YYYYMMDD, D_YYYYMMDD or DYYYYMMDD."
            ).format(layer=layer.name())
        )

    # -- picking ------------------------------------------------------------------------
    def activate_pick_tool(self) -> None:
        if self.tool is not None and self.map_canvas.mapTool() is not self.tool:
            self.map_canvas.setMapTool(self.tool)

    def _pick_button_clicked(self, checked: bool) -> None:
        if checked:
            self.activate_pick_tool()
        elif self.tool is not None and self.map_canvas.mapTool() is self.tool:
            self.map_canvas.unsetMapTool(self.tool)

    def pick_at(self, map_point: QgsPointXY) -> bool:
        """Plot the point of the current layer nearest to ``map_point`` (canvas CRS)."""
        layer = self.current_layer()
        if layer is None:
            self.message.setText(self.tr("Choose a PS point layer first."))
            return False
        if not has_date_fields(layer.fields().names()):
            self._say_no_date_fields(layer)
            return False
        tolerance = QgsMapTool.searchRadiusMU(self.map_canvas)
        try:
            feature = self.nearest_feature(layer, map_point, tolerance)
        except QgsCsException as exc:
            self.message.setText(self.tr("The click could not be transformed to the layer's CRS: {error}").format(
                error=str(exc)))  # fmt: skip
            return False
        if feature is None:
            self.message.setText(self.tr("No point of '{layer}' near the click.").format(layer=layer.name()))
            return False
        if not self.isVisible():
            self.show()
        return self.show_feature(layer, feature)

    def nearest_feature(self, layer: QgsVectorLayer, map_point: QgsPointXY, tolerance: float) -> QgsFeature | None:
        """The layer's feature nearest to ``map_point`` within ``tolerance`` map units, or None."""
        transform = QgsCoordinateTransform(
            self.map_canvas.mapSettings().destinationCrs(), layer.crs(), QgsProject.instance()
        )
        x, y = map_point.x(), map_point.y()
        search = transform.transformBoundingBox(
            QgsRectangle(x - tolerance, y - tolerance, x + tolerance, y + tolerance)
        )
        request = QgsFeatureRequest().setFilterRect(search).setNoAttributes()
        ids, xs, ys = [], [], []
        for feature in layer.getFeatures(request):
            geometry = feature.geometry()
            if geometry.isNull() or geometry.isEmpty():
                continue
            vertex = geometry.vertexAt(0)  # the point (the first part of a multipoint)
            on_map = transform.transform(QgsPointXY(vertex.x(), vertex.y()), Qgis.TransformDirection.Reverse)
            ids.append(feature.id())
            xs.append(on_map.x())
            ys.append(on_map.y())
        best = nearest_point(np.array(xs), np.array(ys), x, y, tolerance)
        return None if best is None else layer.getFeature(ids[best])

    def show_feature(self, layer: QgsVectorLayer, feature: QgsFeature) -> bool:
        """Fit and plot one feature's series (replacing the plot unless Overlay is ticked)."""
        names = layer.fields().names()
        values = [_plain(value) for value in feature.attributes()]
        label = point_label(names, values, feature.id())
        try:
            series = read_point_series(names, values, label, source=layer.name())
        except NoDateFields:
            self._say_no_date_fields(layer)
            return False
        except InputError as exc:
            self.message.setText(str(exc))
            return False
        if not has_values(series):
            self.message.setText(self.tr("The point {point} has no displacement values.").format(point=label))
            return False
        try:
            fit = fit_point_series(series, self.terms_for(layer))
        except InputError as exc:
            self.message.setText(str(exc))
            return False
        geometry = feature.geometry()
        position = None
        if geometry is not None and not geometry.isNull() and not geometry.isEmpty():
            vertex = geometry.vertexAt(0)
            position = QgsPointXY(vertex.x(), vertex.y())
        entry = ShownPoint(layer.id(), feature.id(), fit, position)
        if not self.overlay_check.isChecked():
            self.shown = [entry]
        else:
            same = [k for k, e in enumerate(self.shown) if (e.layer_id, e.feature_id) == (layer.id(), feature.id())]
            if same:
                self.shown[same[0]] = entry
            else:
                self.shown.append(entry)
        self._report(fit)
        self.redraw()
        return True

    def _report(self, fit: SeriesFit) -> None:
        if fit.fitted:
            self.message.setText(
                self.tr("Point {point}: {n} epochs; model {model}.").format(
                    point=fit.series.label, n=fit.n_epochs, model=self.describe_terms(fit.terms)
                )
            )
        else:
            self.message.setText(
                self.tr("Point {point}: no model fitted ({reason}).").format(point=fit.series.label, reason=fit.flag)
            )

    def refit(self) -> None:
        """Fit the plotted points again after the ticked terms changed."""
        project = QgsProject.instance()
        for entry in self.shown:
            layer = project.mapLayer(entry.layer_id)
            terms = self.terms_for(layer if isinstance(layer, QgsVectorLayer) else None)
            with contextlib.suppress(InputError):
                entry.fit = fit_point_series(entry.fit.series, terms)
        self.redraw()

    def clear(self) -> None:
        self.shown = []
        self.redraw()

    # -- drawing -------------------------------------------------------------------------
    def describe_terms(self, terms: ModelTerms) -> str:
        parts = [self.tr("offset")]
        names = (self.tr("velocity"), self.tr("acceleration"), self.tr("annual"), self.tr("semi-annual"))
        parts += [name for name, on in zip(names, self._terms_flags(terms)) if on]
        parts += [self.tr("step {date}").format(date=np.datetime_as_string(step)) for step in terms.steps]
        return " + ".join(parts)

    def legend_text(self, fit: SeriesFit) -> str:
        if not fit.fitted:
            return self.tr("{point}: no fit").format(point=fit.series.label)
        if math.isfinite(fit.velocity):
            return self.tr("{point}: v = {vel} ± {sd} mm/yr, RMSE {rmse} mm").format(
                point=fit.series.label, vel=f"{fit.velocity:.2f}", sd=f"{fit.velocity_sd:.2f}", rmse=f"{fit.rmse:.2f}"
            )
        return self.tr("{point}: RMSE {rmse} mm").format(point=fit.series.label, rmse=f"{fit.rmse:.2f}")

    def redraw(self) -> None:
        top, bottom = self.axes_series, self.axes_residual
        top.clear()
        bottom.clear()
        self.artists = {}
        with rc_context({"font.family": font_families(), "font.size": 9}):
            for k, entry in enumerate(self.shown):
                self.artists[entry.fit.series.label] = self._draw_point(entry.fit, f"C{k % 10}")
            bottom.axhline(0.0, color="0.45", linewidth=0.8)
            top.set_ylabel(self.tr("Displacement (mm)"))
            bottom.set_ylabel(self.tr("Residual\n(mm)"))  # two lines: the residual axes are short
            bottom.set_xlabel(self.tr("Date"))
            for axes in (top, bottom):
                axes.grid(True, color="0.88", linewidth=0.6)
            if self.shown:
                terms = self.shown[-1].fit.terms
                top.set_title(self.tr("Model: {model}").format(model=self.describe_terms(terms)), fontsize=9)
                top.legend(loc="best", fontsize=8, framealpha=0.85)
                locator = mdates.AutoDateLocator()
                bottom.xaxis.set_major_locator(locator)
                bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            else:
                top.text(0.5, 0.5, self.tr("Click a PS point on the map"), transform=top.transAxes,
                         ha="center", va="center", color="0.4")  # fmt: skip
        self.png_button.setEnabled(bool(self.shown))
        self.csv_button.setEnabled(bool(self.shown))
        self._mark_on_map()
        self.plot_canvas.draw_idle()
        self.plotted.emit(len(self.shown))

    def _remove_markers(self) -> None:
        for marker in self.markers:
            with contextlib.suppress(RuntimeError):  # the canvas (and its scene) is already gone
                self.map_canvas.scene().removeItem(marker)
        self.markers = []

    def _mark_on_map(self) -> None:
        """A ring on the map at each plotted point, in the colour of its curve."""
        self._remove_markers()
        project = QgsProject.instance()
        destination = self.map_canvas.mapSettings().destinationCrs()
        for k, entry in enumerate(self.shown):
            layer = project.mapLayer(entry.layer_id)
            if entry.position is None or layer is None:
                continue
            try:
                centre = QgsCoordinateTransform(layer.crs(), destination, project).transform(entry.position)
            except QgsCsException:
                continue
            marker = QgsVertexMarker(self.map_canvas)
            marker.setCenter(centre)
            marker.setIconType(QgsVertexMarker.IconType.ICON_CIRCLE)
            marker.setIconSize(16)
            marker.setPenWidth(3)
            marker.setColor(QColor(to_hex(f"C{k % 10}")))
            self.markers.append(marker)

    def _draw_point(self, fit: SeriesFit, colour: str) -> dict:
        series = fit.series
        observed = series.observed
        (observations,) = self.axes_series.plot(series.dates[observed], series.displacement[observed],
                                                linestyle="none", marker="o", markersize=3.5, color=colour,
                                                alpha=0.75, label="_nolegend_")  # fmt: skip
        (model,) = self.axes_series.plot(fit.dense_dates, fit.dense_model, color=colour, linewidth=1.8,
                                         label=self.legend_text(fit))  # fmt: skip
        with_residual = observed & np.isfinite(fit.residual)
        (residual,) = self.axes_residual.plot(series.dates[with_residual], fit.residual[with_residual], color=colour,
                                              marker="o", markersize=2.5, linewidth=0.7)  # fmt: skip
        return {"observations": observations, "model": model, "residual": residual}

    # -- exports -------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> Path:
        """Write the plot as a PNG (EXPORT_SIZE_IN at EXPORT_DPI), atomically."""
        path = Path(path)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(handle)
        size = self.figure.get_size_inches().copy()
        try:
            self.figure.set_size_inches(*EXPORT_SIZE_IN, forward=False)
            self.figure.savefig(temporary, format="png", dpi=EXPORT_DPI, facecolor="white")
            Path(temporary).replace(path)  # atomic (os.replace)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        finally:
            self.figure.set_size_inches(*size, forward=False)
            self.plot_canvas.draw_idle()
        return path

    def export_csv(self, path: str | Path) -> Path:
        """Write pid, date, displacement, model and residual of every plotted point, atomically."""
        return write_series_csv(path, [entry.fit for entry in self.shown])

    def _default_name(self, suffix: str) -> str:
        labels = [entry.fit.series.label for entry in self.shown]
        stem = labels[0] if len(labels) == 1 else f"{len(labels)}_points"
        return "ts_" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem) + suffix

    def _choose(self, title: str, file_filter: str, suffix: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, title, self._default_name(suffix), file_filter)
        if not path:
            return None
        return Path(path) if path.lower().endswith(suffix) else Path(path + suffix)

    def choose_png(self) -> None:
        path = self._choose(self.tr("Export the plot as PNG"), self.tr("PNG image (*.png)"), ".png")
        if path is not None:
            self._written(lambda: self.export_png(path))

    def choose_csv(self) -> None:
        path = self._choose(self.tr("Export the series as CSV"), self.tr("CSV table (*.csv)"), ".csv")
        if path is not None:
            self._written(lambda: self.export_csv(path))

    def _written(self, write) -> None:
        try:
            path = write()
        except OSError as exc:
            self.message.setText(self.tr("The file could not be written: {error}").format(error=str(exc)))
            return
        self.message.setText(self.tr("Written: {path}").format(path=str(path)))

    # -- release ---------------------------------------------------------------------------
    def close_plot(self) -> None:
        """Disconnect, give the map its previous tool back, release the figure (call on unload)."""
        self._connections.disconnect_all()
        release_pick_tool(self.map_canvas, self.tool)
        self.tool = None
        self.shown = []
        self.artists = {}
        self._remove_markers()
        self.figure.clear()
        self.plot_canvas.close()
