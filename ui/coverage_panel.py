"""The coverage box of the dock's "Nav & comm" tab: predict RSRP and compare with a drive test in place.

It runs the registered ``citytwin:cellcoverage`` algorithm in a ``QgsProcessingAlgRunnerTask``
(progress bar, cancel), so the dock gives exactly what the toolbox, a batch run or
qgis_process give. The outputs go to a folder the user picks: the RSRP GeoTIFF, the drive
test with its predictions (GeoPackage) and the per-site comparison (CSV, opens in a
spreadsheet). The map and the drive test are added to the project with their default
styles; the overall figures, the per-site table and a scatter plot of predicted against
measured RSRP are shown in the box, and the plot can be saved as PNG.

matplotlib is imported only when the first scatter plot is drawn.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from qgis.core import (
    QgsMapLayerProxyModel,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .algorithm_run import AlgorithmRun, add_styled_layers
from .icons import plugin_icon

ALGORITHM_ID = "citytwin:cellcoverage"
EXPORT_DPI = 150
#: Fields that mark a point layer as a cell-site table (工参表) for the preselection.
SITE_FIELDS = ("cell_id", "pci", "eci", "earfcn", "antenna_height_m", "tx_power_dbm")
#: Per-site table columns: CSV column -> number format.
TABLE_COLUMNS = (
    ("site", None),
    ("n", "{:d}"),
    ("bias_db", "{:+.1f}"),
    ("rmse_db", "{:.1f}"),
    ("correlation", "{:.2f}"),
    ("offset_db", "{:+.1f}"),
)


def _raster_named(*words: str):
    """The first raster layer of the project whose name holds one of ``words``."""
    for layer in QgsProject.instance().mapLayers().values():
        name = layer.name().lower()
        if isinstance(layer, QgsRasterLayer) and any(word in name for word in words):
            return layer
    return None


def _number(value) -> float:
    """A float from a CSV cell or a QVariant (NaN for empty/NULL)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _site_order(site: str) -> tuple:
    """Sites in natural order: numbers by value (2 before 10), then names."""
    value = _number(site)
    return (0, value, "") if math.isfinite(value) else (1, 0.0, site)


class CoveragePanel(QGroupBox):
    """Sites, DSM/DTM and drive-test form, the run with its progress, the comparison."""

    #: Emitted after a successful run with its outputs.
    coverage_done = pyqtSignal(dict)

    def __init__(self, parent: QWidget | None = None, open_algorithm=None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Cell coverage (3GPP TR 38.901)"))
        self._run = AlgorithmRun()
        self._figure = None
        self.canvas = None
        self.results: dict = {}
        outer = QVBoxLayout(self)
        outer.addLayout(self._make_form())
        outer.addLayout(self._make_run_row())
        self._add_result_widgets(outer)
        self.dialog_button = QPushButton(self.tr("All options (site fields, antenna gain, bandwidth)…"), self)
        self.dialog_button.setStyleSheet("text-align: left; padding: 3px 8px;")
        if open_algorithm is not None:
            self.dialog_button.clicked.connect(lambda _checked=False: open_algorithm(ALGORITHM_ID))
        else:
            self.dialog_button.setEnabled(False)
        outer.addWidget(self.dialog_button)
        self.choose_inputs()

    # -- form -----------------------------------------------------------------------------
    def _make_form(self) -> QFormLayout:
        form = QFormLayout()
        self.sites = QgsMapLayerComboBox(self)
        self.sites.setFilters(QgsMapLayerProxyModel.Filter.PointLayer)
        self.dsm = QgsMapLayerComboBox(self)
        self.dsm.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.dtm = QgsMapLayerComboBox(self)
        self.dtm.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.dtm.setAllowEmptyLayer(True)
        self.drive_test = QgsFileWidget(self)
        self.drive_test.setFilter(self.tr("Drive tests (*.csv *.txt)"))
        self.scenario = QComboBox(self)
        self.scenario.addItems([self.tr("UMa (urban macro)"), self.tr("UMi street canyon")])
        self.extra_loss = QDoubleSpinBox(self)
        self.extra_loss.setRange(0.0, 60.0)
        self.extra_loss.setSuffix(" dB")
        self.extra_loss.setToolTip(self.tr("Vehicle, body and feeder losses the path-loss model does not include"))
        self.calibrate = QCheckBox(self.tr("Calibrate a per-site offset"), self)
        self.calibrate.setChecked(True)
        self.folder = QgsFileWidget(self)
        self.folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.folder.setFilePath(self._default_folder())
        form.addRow(self.tr("Cell sites"), self.sites)
        form.addRow(self.tr("DSM"), self.dsm)
        form.addRow(self.tr("DTM (optional)"), self.dtm)
        form.addRow(self.tr("Drive test (optional)"), self.drive_test)
        form.addRow(self.tr("Scenario"), self.scenario)
        form.addRow(self.tr("Extra losses"), self.extra_loss)
        form.addRow("", self.calibrate)
        form.addRow(self.tr("Output folder"), self.folder)
        return form

    def _make_run_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.run_button = QPushButton(plugin_icon("citytwin.svg"), self.tr("Predict coverage"), self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        row.addWidget(self.run_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.run_button.clicked.connect(self.run_coverage)
        self.cancel_button.clicked.connect(self.cancel)
        return row

    def _add_result_widgets(self, outer: QVBoxLayout) -> None:
        """Status line, per-site table, the scatter plot's place and its export button."""
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.status)
        self.table = QTableWidget(0, len(TABLE_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Site"),
                self.tr("Samples"),
                self.tr("Bias"),
                self.tr("RMSE"),
                self.tr("r"),
                self.tr("Offset"),
            ]
        )
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip(
            self.tr(
                "Per serving site, in dB: bias = mean of predicted − measured, RMSE, r = Pearson correlation; "
                "the offset is what calibration adds to the site's prediction"
            )
        )
        self.table.setVisible(False)
        outer.addWidget(self.table)
        self.plot_area = QVBoxLayout()
        outer.addLayout(self.plot_area)
        self.export_button = QPushButton(self.tr("Save plot as PNG…"), self)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.choose_plot_target)
        outer.addWidget(self.export_button)

    def choose_inputs(self) -> None:
        """Preselect the project's cell-site table, DSM and DTM (by field and layer names)."""
        for layer in QgsProject.instance().mapLayers().values():
            if not isinstance(layer, QgsVectorLayer) or layer.fields().indexOf("rsrp_dbm") >= 0:
                continue  # a drive test also has cell_id and pci
            if any(layer.fields().indexOf(f) >= 0 for f in SITE_FIELDS):
                self.sites.setLayer(layer)
                break
        dsm = _raster_named("dsm", "surface model", "表面")
        if dsm is not None:
            self.dsm.setLayer(dsm)
        self.dtm.setLayer(_raster_named("dtm", "terrain model", "地面"))

    @staticmethod
    def _default_folder() -> str:
        home = QgsProject.instance().homePath()
        return str(Path(home) / "coverage") if home else str(Path(tempfile.gettempdir()) / "citytwin_coverage")

    # -- run ------------------------------------------------------------------------------
    def parameters(self) -> dict:
        folder = Path(self.folder.filePath() or self._default_folder())
        sites, dsm, dtm = self.sites.currentLayer(), self.dsm.currentLayer(), self.dtm.currentLayer()
        params = {
            "SITES": sites.id() if sites else None,
            "DSM": dsm.id() if dsm else None,
            "SCENARIO": self.scenario.currentIndex(),
            "EXTRA_LOSS": self.extra_loss.value(),
            "RSRP": str(folder / "rsrp.tif"),
        }
        if dtm is not None:
            params["DTM"] = dtm.id()
        drive = self.drive_test.filePath().strip()
        if drive:
            params.update(
                {
                    "DRIVE_TEST": drive,
                    "CALIBRATE": self.calibrate.isChecked(),
                    "COMPARISON": str(folder / "drive_test_vs_prediction.gpkg"),
                    "PER_SITE": str(folder / "coverage_per_site.csv"),
                }
            )
        return params

    def is_running(self) -> bool:
        return self._run.is_running()

    def run_coverage(self) -> bool:
        if self.is_running():
            return False
        params = self.parameters()
        if not params["SITES"] or not params["DSM"]:
            self.status.setText(self.tr("Choose a cell-site layer and a DSM."))
            return False
        drive = params.get("DRIVE_TEST")
        if drive and not Path(drive).is_file():
            self.status.setText(self.tr("{file}: no such drive-test file.").format(file=drive))
            return False
        Path(params["RSRP"]).parent.mkdir(parents=True, exist_ok=True)
        if not self._run.start(ALGORITHM_ID, params, self.progress, self._finished):
            self.status.setText(self.tr("The CityTwin Processing provider is not loaded."))
            return False
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("Predicting coverage…"))
        return True

    def cancel(self) -> None:
        self._run.cancel()

    def _finished(self, ok: bool, results: dict) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        canceled, errors = self._run.end()
        if not ok or canceled:
            self.progress.setValue(0)
            self.status.setText(
                self.tr("Canceled.")
                if canceled
                else self.tr("The coverage prediction failed: {error}").format(error="; ".join(errors[-2:]))
            )
            return
        self.results = dict(results)
        self.progress.setValue(100)
        self._add_layers(results)
        self.show_results(results)
        if errors:
            self.status.setText(self.status.text() + "\n" + "\n".join(errors))
        self.coverage_done.emit(self.results)

    def _add_layers(self, results: dict) -> None:
        layers = [("rsrp_raster", QgsRasterLayer(results["RSRP"], self.tr("Predicted RSRP")))]
        if results.get("COMPARISON"):
            layers.append(
                ("drive_test", QgsVectorLayer(results["COMPARISON"], self.tr("Drive test vs prediction"), "ogr"))
            )
        add_styled_layers(layers, "communication")

    # -- results --------------------------------------------------------------------------
    def show_results(self, results: dict) -> None:
        """The overall figures, the per-site table and the scatter plot."""
        if "RMSE" not in results:
            self.status.setText(self.tr("Coverage predicted; no drive test to compare with."))
            self.table.setVisible(False)
            return
        text = self.tr("Drive test vs prediction: RMSE {rmse:.1f} dB, bias {bias:+.1f} dB, r {r:.2f}.").format(
            rmse=results["RMSE"], bias=results["BIAS"], r=results["CORRELATION"]
        )
        if "RMSE_CALIBRATED" in results:
            calibrated = self.tr("After per-site calibration: {after:.1f} dB ({held:.1f} dB on the held-out half).")
            text += " " + calibrated.format(after=results["RMSE_CALIBRATED"], held=results["HOLDOUT_RMSE"])
        self.status.setText(text)
        self._fill_table(results.get("PER_SITE"))
        comparison = results.get("COMPARISON")
        if comparison:
            self.draw_scatter(comparison)

    def _fill_table(self, path: str | None) -> None:
        import csv

        if not path or not Path(path).is_file():
            self.table.setVisible(False)
            return
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            rows = sorted(csv.DictReader(handle), key=lambda row: _site_order(row.get("site", "")))
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (column, form) in enumerate(TABLE_COLUMNS):
                raw = row.get(column, "")
                if form is None:
                    text = raw
                else:
                    value = _number(raw)
                    text = "" if math.isnan(value) else form.format(int(value) if form == "{:d}" else value)
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
                self.table.setItem(r, c, item)
        # Every site visible without scrolling (up to ten; a scroll bar beyond).
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        height = header.height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(r) for r in range(min(len(rows), 10)))
        self.table.setFixedHeight(height)
        self.table.setVisible(True)

    def comparison_points(self, path: str) -> dict[str, list[tuple[float, float, float]]]:
        """(measured, predicted, calibrated) per site from the comparison layer."""
        layer = QgsVectorLayer(path, "comparison", "ogr")
        points: dict[str, list[tuple[float, float, float]]] = {}
        for feature in layer.getFeatures():
            values = tuple(_number(feature[name]) for name in ("rsrp_dbm", "predicted_dbm", "calibrated_dbm"))
            if all(math.isfinite(v) for v in values):
                site = feature["site"]
                points.setdefault(str(site) if site not in (None, "") else "?", []).append(values)
        return points

    def draw_scatter(self, path: str) -> None:
        """Predicted (calibrated when asked) against measured RSRP, one colour per site, with the 1:1 line."""
        from matplotlib import rc_context
        from matplotlib.figure import Figure

        from ..common.fonts import font_families
        from .mpl_canvas import FigureCanvasQTAgg

        points = self.comparison_points(path)
        calibrated = "RMSE_CALIBRATED" in self.results
        if self._figure is None:
            with rc_context({"font.family": font_families()}):
                self._figure = Figure(figsize=(4.2, 3.6), dpi=100)
            self.canvas = FigureCanvasQTAgg(self._figure)
            self.canvas.setMinimumHeight(280)
            self.plot_area.addWidget(self.canvas)
        figure = self._figure
        figure.clear()
        with rc_context({"font.family": font_families()}):
            axes = figure.add_subplot(1, 1, 1)
            shown = 2 if calibrated else 1
            values = [value for site_values in points.values() for v in site_values for value in (v[0], v[shown])]
            for site, site_values in sorted(points.items()):
                measured = [v[0] for v in site_values]
                predicted = [v[shown] for v in site_values]
                axes.scatter(measured, predicted, s=6, alpha=0.6, label=site, linewidths=0)
            if values:
                low, high = min(values), max(values)
                axes.plot([low, high], [low, high], color="0.3", linewidth=0.8, linestyle="--", label="1:1")
            axes.set_xlabel(self.tr("Measured RSRP (dBm)"))
            axes.set_ylabel(self.tr("Calibrated prediction (dBm)") if calibrated else self.tr("Predicted RSRP (dBm)"))
            axes.set_aspect("equal", adjustable="datalim")
            axes.grid(True, linewidth=0.3)
            axes.legend(title=self.tr("Site"), title_fontsize=7, fontsize=7, markerscale=2, loc="upper left")
            figure.tight_layout()
        self.canvas.draw()
        self.export_button.setEnabled(bool(values))

    def choose_plot_target(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save plot"), "", "PNG (*.png)")
        if path:
            self.save_plot(path)

    def save_plot(self, path: str) -> Path:
        """The scatter plot as PNG (written beside the target, then renamed: atomic)."""
        from ..twin.terrain import temp_path_beside

        target = Path(path if path.lower().endswith(".png") else f"{path}.png")
        temp = temp_path_beside(target)
        self._figure.savefig(str(temp), dpi=EXPORT_DPI, format="png", bbox_inches="tight")
        temp.replace(target)
        return target

    def teardown(self) -> None:
        """Cancel a running prediction and release the plot."""
        self._run.cancel()
        if self.canvas is not None:
            self.plot_area.removeWidget(self.canvas)
            self.canvas.deleteLater()
            self.canvas = None
        if self._figure is not None:
            self._figure.clear()
            self._figure = None
