"""The dock's "Build base" panel: pick sources, settings, build in the background.

The build runs the registered ``citytwin:builddigitalbase`` algorithm through a
``QgsProcessingAlgRunnerTask`` with a base description written next to the output, so
the dock produces exactly what the toolbox, a batch run or qgis_process produce.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.gui import QgsFileWidget, QgsProjectionSelectionWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

TIME_UNITS = ("day", "week", "month", "quarter", "year")
ALGORITHM_ID = "citytwin:builddigitalbase"
ALL_PATTERNS = "*.nmea *.nma *.log *.txt *.gpx *.csv *.gz *.tif *.tiff *.jp2 *.las *.laz *.gpkg *.shp *.geojson"


class RecordingFeedback(QgsProcessingFeedback):
    """Feedback that keeps the errors an algorithm reports, to show them in the dock."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N803 - Qt signature
        self.errors.append(error)
        super().reportError(error, fatalError)


class BaseBuilderWidget(QGroupBox):
    """Sources, settings and the Build button of the Digital Base dock."""

    #: Emitted after a successful build with the project path.
    built = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Build a base"))
        self.setObjectName("CityTwinBaseBuilder")
        self._task = None
        self._feedback = None
        self._context = None
        self.last_results: dict | None = None
        self.last_error: str | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(self._make_source_list())
        layout.addLayout(self._make_source_buttons())
        layout.addLayout(self._make_settings())
        layout.addLayout(self._make_run_row())
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

    def _make_source_list(self) -> QListWidget:
        self.sources = QListWidget(self)
        self.sources.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.sources.setMinimumHeight(90)
        return self.sources

    def _make_source_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add sources…"), self)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.open_button = QPushButton(self.tr("Open description…"), self)
        self.save_button = QPushButton(self.tr("Save description…"), self)
        for button in (self.add_button, self.remove_button, self.open_button, self.save_button):
            buttons.addWidget(button)
        self.add_button.clicked.connect(self.choose_sources)
        self.remove_button.clicked.connect(self.remove_selected)
        self.open_button.clicked.connect(self.choose_description)
        self.save_button.clicked.connect(self.choose_description_target)
        return buttons

    def _make_settings(self) -> QFormLayout:
        form = QFormLayout()
        self.crs = QgsProjectionSelectionWidget(self)
        self.crs.setOptionVisible(QgsProjectionSelectionWidget.CrsOption.CrsNotSet, True)
        self.crs.setNotSetText(self.tr("CGCS2000 zone of the data"))
        self.crs.setCrs(QgsCoordinateReferenceSystem())
        form.addRow(self.tr("Base CRS"), self.crs)
        self.cell_size = QDoubleSpinBox(self)
        self.cell_size.setRange(1.0, 100_000.0)
        self.cell_size.setValue(100.0)
        self.cell_size.setSuffix(" m")
        form.addRow(self.tr("Grid cell"), self.cell_size)
        self.time_unit = QComboBox(self)
        labels = (self.tr("Day"), self.tr("Week"), self.tr("Month"), self.tr("Quarter"), self.tr("Year"))
        for unit, label in zip(TIME_UNITS, labels):
            self.time_unit.addItem(label, unit)
        self.time_unit.setCurrentIndex(2)
        form.addRow(self.tr("Time bin"), self.time_unit)
        self.output = QgsFileWidget(self)
        self.output.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output.setFilter(self.tr("GeoPackage (*.gpkg)"))
        form.addRow(self.tr("Output"), self.output)
        return form

    def _make_run_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.build_button = QPushButton(self.tr("Build"), self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        row.addWidget(self.build_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.build_button.clicked.connect(self.build)
        self.cancel_button.clicked.connect(self.cancel)
        return row

    # -- sources -----------------------------------------------------------------------
    def kind_label(self, kind: str) -> str:
        return {
            "nmea": self.tr("NMEA log"),
            "gpx": self.tr("GPX"),
            "opencellid": self.tr("Cell sites"),
            "drive_test": self.tr("Drive test"),
            "imagery": self.tr("Imagery"),
            "ps": self.tr("InSAR PS"),
            "pointcloud": self.tr("Point cloud"),
            "buildings": self.tr("Buildings"),
        }.get(kind, kind)

    def file_filter(self) -> str:
        return ";;".join(
            [
                self.tr("All supported files") + f" ({ALL_PATTERNS})",
                self.tr("NMEA logs (*.nmea *.nma *.log *.txt)"),
                self.tr("GPX (*.gpx)"),
                self.tr("CSV: cell sites, drive tests, EGMS PS (*.csv *.gz *.txt)"),
                self.tr("Multiband images (*.tif *.tiff *.jp2)"),
                self.tr("Point clouds (*.las *.laz)"),
                self.tr("Vector layers: buildings, PS points (*.gpkg *.shp *.geojson)"),
            ]
        )

    def choose_sources(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Add sources to the base"), "", self.file_filter())
        self.add_sources(files)

    def add_sources(self, files: list[str]) -> list[str]:
        """Add files (kinds detected); returns messages about files that were not added."""
        from ..common.errors import CityTwinError
        from ..layers.source_detect import detect_kind, guess_sensor

        problems = []
        for name in files:
            try:
                kind = detect_kind(name)
                options = {"sensor": guess_sensor(name)} if kind == "imagery" else {}
            except CityTwinError as exc:
                problems.append(str(exc))
                continue
            self._add_item(kind, Path(name), options)
        if problems:
            self.status.setText("\n".join(problems))
        return problems

    def _add_item(self, kind: str, path: Path, options: dict | None = None, crs: str | None = None) -> None:
        item = QListWidgetItem(f"{self.kind_label(kind)} — {path.name}")
        item.setToolTip(str(path))
        item.setData(Qt.ItemDataRole.UserRole, (kind, str(path), options or {}, crs))
        self.sources.addItem(item)

    def remove_selected(self) -> None:
        for item in self.sources.selectedItems():
            self.sources.takeItem(self.sources.row(item))

    def source_specs(self):
        from ..layers.base_description import SourceSpec

        specs = []
        for row in range(self.sources.count()):
            kind, path, options, crs = self.sources.item(row).data(Qt.ItemDataRole.UserRole)
            specs.append(SourceSpec(kind, Path(path), dict(options), crs))
        return specs

    # -- descriptions --------------------------------------------------------------------
    def choose_description(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open a base description"), "", self.tr("Base descriptions (*.toml *.json)")
        )
        if path:
            self.load_description(path)

    def load_description(self, path: str) -> None:
        from ..common.errors import CityTwinError
        from ..layers.base_description import read_description

        try:
            description = read_description(path)
        except CityTwinError as exc:
            self.status.setText(str(exc))
            return
        self.sources.clear()
        for spec in description.sources:
            self._add_item(spec.kind, description.resolve(spec.path).resolve(), spec.options, spec.crs)
        self.crs.setCrs(
            QgsCoordinateReferenceSystem(description.crs) if description.crs else QgsCoordinateReferenceSystem()
        )
        self.cell_size.setValue(description.cell_size_m)
        self.time_unit.setCurrentIndex(TIME_UNITS.index(description.time_unit))
        self.output.setFilePath(str(description.output_path))
        self.status.setText(self.tr("Description loaded: {n} sources.").format(n=len(description.sources)))

    def description(self, output: Path):
        from ..layers.base_description import BaseDescription

        crs = self.crs.crs()
        return BaseDescription(
            name=output.stem,
            sources=self.source_specs(),
            crs=(crs.authid() or crs.toWkt()) if crs.isValid() else None,
            cell_size_m=self.cell_size.value(),
            time_unit=self.time_unit.currentData(),
            output=Path(output.name),
            project=Path(output.with_suffix(".qgz").name),
            folder=output.parent,
        )

    def choose_description_target(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the base description"), "", self.tr("TOML (*.toml)"))
        if path:
            self.save_description(Path(path))

    def save_description(self, path: Path) -> Path:
        from ..layers.base_description import write_description

        output = Path(self.output.filePath() or path.with_suffix(".gpkg"))
        return write_description(self.description(output), path)

    # -- build ---------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._task is not None

    def build(self) -> bool:
        """Start the build; returns False (with a message) when it cannot start."""
        if self.is_running():
            return False
        if not self.sources.count():
            self.status.setText(self.tr("Add at least one source first."))
            return False
        if not self.output.filePath():
            self.status.setText(self.tr("Choose where to write the base (a .gpkg file)."))
            return False
        output = Path(self.output.filePath())
        if output.suffix.lower() != ".gpkg":
            output = output.with_suffix(".gpkg")
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(ALGORITHM_ID)
        if algorithm is None:
            self.status.setText(self.tr("The CityTwin Processing provider is not loaded."))
            return False
        description_path = self.save_description(output.with_suffix(".toml"))
        parameters = {
            "DESCRIPTION": str(description_path),
            "OUTPUT": str(output),
            "PROJECT": str(output.with_suffix(".qgz")),
        }
        self._context = QgsProcessingContext()
        self._context.setProject(QgsProject.instance())
        self._feedback = RecordingFeedback()
        self._feedback.progressChanged.connect(lambda value: self.progress.setValue(int(value)))
        self._task = QgsProcessingAlgRunnerTask(algorithm, parameters, self._context, self._feedback)
        self._task.executed.connect(self._finished)
        self.progress.setValue(0)
        self.build_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("Building {name}…").format(name=output.name))
        self.last_results = self.last_error = None
        QgsApplication.taskManager().addTask(self._task)
        return True

    def cancel(self) -> None:
        if self._feedback is not None:
            self._feedback.cancel()
            self.status.setText(self.tr("Canceling…"))

    def _finished(self, ok: bool, results: dict) -> None:
        self.build_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        canceled = self._feedback is not None and self._feedback.isCanceled()
        self._task = None
        if ok:
            self.last_results = dict(results)
            self.progress.setValue(100)
            self.status.setText(
                self.tr("Built: {layers} layers, {cells} grid rows, {skipped} lines skipped. {path}").format(
                    layers=results.get("LAYERS"),
                    cells=results.get("GRID_CELLS"),
                    skipped=results.get("SKIPPED"),
                    path=results.get("PROJECT"),
                )
            )
            self.built.emit(str(results.get("PROJECT")))
        else:
            if canceled:
                self.last_error = self.tr("Canceled: the previous base is unchanged.")
            else:
                errors = self._feedback.errors if self._feedback is not None else []
                self.last_error = self.tr("The build failed: {errors}").format(
                    errors=" ".join(errors) or self.tr("see View > Panels > Log Messages")
                )
            self.status.setText(self.last_error)
            self.progress.setValue(0)

    def teardown(self) -> None:
        """Cancel a running build (plugin unload)."""
        if self._feedback is not None and self._task is not None:
            self._feedback.cancel()
