"""The dock's "Carbon" tab: the sector algorithms in order, then the ledger run in place.

The ledger runs the registered ``citytwin:carbonledger`` algorithm in a
``QgsProcessingAlgRunnerTask`` (progress bar, cancel), so the dock gives exactly what the
toolbox, a batch run or qgis_process give. Its outputs (balance grid, district ledger,
table, chart) go to a folder the user picks; the layers are added to the project with
their default styles, the totals and the chart are shown in the tab, and the chart can
be saved as PNG.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from qgis.core import (
    QgsMapLayerProxyModel,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.gui import QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .algorithm_run import AlgorithmRun, add_styled_layers
from .icons import plugin_icon

ALGORITHM_ID = "citytwin:carbonledger"
STEPS = (
    "citytwin:buildingemissions",
    "citytwin:trafficemissions",
    "citytwin:vegetationsink",
    "citytwin:reconcileinventory",
)


class CarbonPanel(QWidget):
    """Sector buttons, the ledger form, its progress, totals and chart."""

    #: Emitted after a successful ledger run with its outputs.
    ledger_done = pyqtSignal(dict)

    def __init__(self, parent: QWidget | None = None, open_algorithm=None) -> None:
        super().__init__(parent)
        self._run = AlgorithmRun()
        self.results: dict = {}
        layout = QVBoxLayout(self)
        labels = {
            "citytwin:buildingemissions": self.tr("1. Building operational emissions…"),
            "citytwin:trafficemissions": self.tr("2. Road-traffic emissions from GNSS…"),
            "citytwin:vegetationsink": self.tr("3. Vegetation carbon sink from NDVI…"),
            "citytwin:reconcileinventory": self.tr("5. Reconcile with ODIAC / EDGAR…"),
        }
        self.step_buttons: dict[str, QPushButton] = {}
        for algorithm_id in STEPS:
            button = QPushButton(labels[algorithm_id], self)
            button.setStyleSheet("text-align: left; padding: 3px 8px;")
            if open_algorithm is not None:
                button.clicked.connect(lambda _checked=False, a=algorithm_id: open_algorithm(a))
            else:
                button.setEnabled(False)
            self.step_buttons[algorithm_id] = button
        for algorithm_id in list(self.step_buttons)[:3]:
            layout.addWidget(self.step_buttons[algorithm_id])
        layout.addWidget(self._make_ledger_box())
        layout.addWidget(self.step_buttons["citytwin:reconcileinventory"])
        layout.addStretch(1)

    # -- form -----------------------------------------------------------------------------
    def _make_ledger_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("4. District ledger"), self)
        form = QFormLayout()
        self.districts = QgsMapLayerComboBox(box)
        self.districts.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.name_field = QgsFieldComboBox(box)
        self.districts.layerChanged.connect(self.name_field.setLayer)
        self.name_field.setLayer(self.districts.currentLayer())
        self.year = QSpinBox(box)
        self.year.setRange(1990, 2100)
        self.year.setValue(2024)
        self.buildings = self._optional_layer(box, QgsMapLayerProxyModel.Filter.VectorLayer, "co2_elec_t")
        self.traffic = self._optional_layer(box, QgsMapLayerProxyModel.Filter.VectorLayer, "co2_t")
        self.sink = self._optional_layer(box, QgsMapLayerProxyModel.Filter.RasterLayer, None)
        self.cell_size = QDoubleSpinBox(box)
        self.cell_size.setRange(1.0, 10000.0)
        self.cell_size.setValue(100.0)
        self.cell_size.setSuffix(" m")
        self.folder = QgsFileWidget(box)
        self.folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.folder.setFilePath(self._default_folder())
        form.addRow(self.tr("Districts"), self.districts)
        form.addRow(self.tr("Name field"), self.name_field)
        form.addRow(self.tr("Year"), self.year)
        form.addRow(self.tr("Building emissions"), self.buildings)
        form.addRow(self.tr("Traffic emissions"), self.traffic)
        form.addRow(self.tr("Vegetation uptake"), self.sink)
        form.addRow(self.tr("Grid cell size"), self.cell_size)
        form.addRow(self.tr("Output folder"), self.folder)
        outer = QVBoxLayout(box)
        outer.addLayout(form)
        row = QHBoxLayout()
        self.run_button = QPushButton(plugin_icon("citytwin.svg"), self.tr("Run ledger"), box)
        self.cancel_button = QPushButton(self.tr("Cancel"), box)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(box)
        self.progress.setRange(0, 100)
        row.addWidget(self.run_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        outer.addLayout(row)
        self._add_result_widgets(box, outer)
        self.run_button.clicked.connect(self.run_ledger)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self.choose_chart_target)
        return box

    def _add_result_widgets(self, box: QGroupBox, outer: QVBoxLayout) -> None:
        """Status line, district table, chart and its export button."""
        self.status = QLabel(box)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.status)
        self.table = QTableWidget(0, 5, box)
        self.table.setHorizontalHeaderLabels(
            [self.tr("District"), self.tr("Emissions"), self.tr("Uptake"), self.tr("Net"), self.tr("Net / km²")]
        )
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        outer.addWidget(self.table)
        self.chart = QLabel(box)
        self.chart.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chart.setMinimumHeight(160)
        outer.addWidget(self.chart)
        self.export_button = QPushButton(self.tr("Save chart as PNG…"), box)
        self.export_button.setEnabled(False)
        outer.addWidget(self.export_button)

    def _optional_layer(self, parent, filters, field: str | None) -> QgsMapLayerComboBox:
        combo = QgsMapLayerComboBox(parent)
        combo.setFilters(filters)
        combo.setAllowEmptyLayer(True)
        if field:
            # Preselect the first layer that holds the sector's field (the algorithms' outputs).
            for layer in QgsProject.instance().mapLayers().values():
                if isinstance(layer, QgsVectorLayer) and layer.fields().indexOf(field) >= 0:
                    combo.setLayer(layer)
                    break
            else:
                combo.setLayer(None)
        else:
            combo.setLayer(None)
        return combo

    @staticmethod
    def _default_folder() -> str:
        home = QgsProject.instance().homePath()
        return str(Path(home) / "carbon") if home else str(Path(tempfile.gettempdir()) / "citytwin_carbon")

    # -- run ------------------------------------------------------------------------------
    def parameters(self) -> dict:
        folder = Path(self.folder.filePath() or self._default_folder())
        year = self.year.value()
        districts = self.districts.currentLayer()
        params = {
            "DISTRICTS": districts.id() if districts else None,
            "NAME_FIELD": self.name_field.currentField() or "name",
            "YEAR": year,
            "CELL_SIZE": self.cell_size.value(),
            "GRID": str(folder / f"carbon_balance_{year}.tif"),
            "OUTPUT": str(folder / f"carbon_ledger_{year}.gpkg"),
            "TABLE": str(folder / f"carbon_ledger_{year}.xlsx"),
            "CHART": str(folder / f"carbon_ledger_{year}.png"),
        }
        for key, combo in (("BUILDINGS", self.buildings), ("TRAFFIC", self.traffic), ("SINK", self.sink)):
            if combo.currentLayer() is not None:
                params[key] = combo.currentLayer().id()
        return params

    def is_running(self) -> bool:
        return self._run.is_running()

    def run_ledger(self) -> bool:
        if self.is_running():
            return False
        params = self.parameters()
        if not params["DISTRICTS"]:
            self.status.setText(self.tr("Choose a district layer."))
            return False
        if not any(key in params for key in ("BUILDINGS", "TRAFFIC", "SINK")):
            self.status.setText(self.tr("Choose at least one of: building emissions, traffic emissions, uptake."))
            return False
        Path(params["GRID"]).parent.mkdir(parents=True, exist_ok=True)
        if not self._run.start(ALGORITHM_ID, params, self.progress, self._finished):
            self.status.setText(self.tr("The CityTwin Processing provider is not loaded."))
            return False
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("Computing the ledger…"))
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
                else self.tr("The ledger failed: {error}").format(error="; ".join(errors[-2:]))
            )
            return
        self.results = dict(results)
        self.progress.setValue(100)
        self._add_layers(results)
        self.show_results(results)
        if errors:
            self.status.setText(self.status.text() + "\n" + "\n".join(errors))
        self.ledger_done.emit(self.results)

    def _add_layers(self, results: dict) -> None:
        year = self.year.value()
        layers = [
            ("carbon_balance", QgsRasterLayer(results["GRID"], self.tr("Carbon balance {year}").format(year=year))),
            (
                "carbon_districts",
                QgsVectorLayer(results["OUTPUT"], self.tr("Carbon ledger {year}").format(year=year), "ogr"),
            ),
        ]
        add_styled_layers(layers, "monitoring")

    def show_results(self, results: dict) -> None:
        """Totals in the status line, the district table and the chart."""
        from ..processing.carbon.ledger import TOTAL, read_table

        self.status.setText(
            self.tr("Emissions {e:,.1f} t, uptake {u:,.1f} t, net {n:,.1f} tCO2/yr.").format(
                e=results.get("EMISSIONS", 0.0), u=results.get("UPTAKE", 0.0), n=results.get("NET", 0.0)
            )
        )
        table = read_table(results["TABLE"])
        self.table.setRowCount(len(table))
        for r, row in enumerate(table.itertuples(index=False)):
            values = row._asdict()
            cells = [
                str(values["district"]) if values["district"] != TOTAL else self.tr("Total"),
                f"{values.get('emissions_t', 0.0):,.1f}",
                f"{values.get('vegetation_sink_t', 0.0) or 0.0:,.1f}",
                f"{values.get('net_t', 0.0):,.1f}",
                f"{values.get('net_t_per_km2', float('nan')):,.0f}",
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        chart = results.get("CHART")
        if chart and Path(chart).is_file():
            pixmap = QPixmap(chart)
            scaled = pixmap.scaledToWidth(max(240, self.chart.width()), Qt.TransformationMode.SmoothTransformation)
            self.chart.setPixmap(scaled)
            self.chart.setFixedHeight(scaled.height())
            self.export_button.setEnabled(True)

    def choose_chart_target(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save chart"), "", "PNG (*.png)")
        if path:
            self.save_chart(path)

    def save_chart(self, path: str) -> Path:
        """Copy the chart PNG to ``path`` (written beside it, then renamed: atomic)."""
        from ..twin.terrain import temp_path_beside

        target = Path(path if path.lower().endswith(".png") else f"{path}.png")
        temp = temp_path_beside(target)
        shutil.copyfile(self.results["CHART"], temp)
        temp.replace(target)
        return target

    def teardown(self) -> None:
        self._run.cancel()
