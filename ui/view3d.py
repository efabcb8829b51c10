"""The "3D View" dock: the base's point clouds in an interactive PyVista view.

The VTK widget (pyvistaqt) is created only when the dock is first shown — after the
main window exists, as VTK needs — and is closed explicitly on unload: embedding VTK in
QGIS is known to crash on exit otherwise (pyvistaqt#69). Scenes are built without
scalar bars or bounds axes (they crash the QGIS 3.22 desktop with the vtk 9.7 wheel);
the legend is drawn in Qt. When the widget cannot start (no OpenGL), the dock says so
and shows an offscreen rendering instead, and a separate viewer window can be opened
from the same cloud file in its own process, which can never take QGIS down.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import numpy as np
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProject,
    QgsRectangle,
    QgsTask,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QProcess, Qt, pyqtSignal
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..common.errors import CityTwinError
from .legend import LegendWidget

COLOUR_MODES = ("auto", "rgb", "classification", "elevation", "intensity")
CAMERAS = ("oblique_south", "oblique_east", "oblique_north", "oblique_west", "top")
DEFAULT_BUDGET = 2_000_000


class View3DDock(QgsDockWidget):
    """Dock with the interactive 3D view of a point cloud of the base."""

    OBJECT_NAME = "CityTwin3DViewDock"
    #: Emitted when a cloud is shown (number of points).
    cloud_shown = pyqtSignal(int)

    def __init__(self, iface, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.OBJECT_NAME)
        self.setWindowTitle(self.tr("CityTwin — 3D View"))
        self.iface = iface
        self.plotter = None
        self.view_error: str | None = None
        self.cloud = None
        self.scene = None
        self.picked: dict | None = None
        self._task: QgsTask | None = None
        self._external: QProcess | None = None
        self._extra_sources: list[str] = []
        self._package_launcher = None

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._make_source_row(body))
        layout.addLayout(self._make_view_row(body))
        self.stack = QStackedWidget(body)
        self.placeholder = QLabel(self.tr("Choose a point cloud and click Load."), self.stack)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack.addWidget(self.placeholder)
        layout.addWidget(self.stack, 1)
        bottom = QHBoxLayout()
        self.legend = LegendWidget(body)
        self.pick_label = QLabel(self.tr("Right-click a point to see its attributes."), body)
        self.pick_label.setWordWrap(True)
        self.pick_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom.addWidget(self.legend)
        bottom.addWidget(self.pick_label, 1)
        layout.addLayout(bottom)
        status_row = QHBoxLayout()
        self.progress = QProgressBar(body)
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.status = QLabel(body)
        self.status.setWordWrap(True)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.progress)
        layout.addLayout(status_row)
        self.setWidget(body)
        self.setMinimumWidth(420)
        self.refresh_sources()

    # -- UI ----------------------------------------------------------------------------
    def _make_source_row(self, body: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.source_combo = QComboBox(body)
        self.source_combo.setMinimumContentsLength(18)
        self.open_button = QPushButton(self.tr("Open…"), body)
        self.open_button.clicked.connect(self.choose_file)
        self.budget = QSpinBox(body)
        self.budget.setRange(10_000, 50_000_000)
        self.budget.setSingleStep(500_000)
        self.budget.setValue(DEFAULT_BUDGET)
        self.budget.setToolTip(self.tr("Point budget: the cloud is thinned evenly to at most this many points"))
        self.load_button = QPushButton(self.tr("Load"), body)
        self.load_button.clicked.connect(lambda: self.load())  # noqa: PLW0108 - clicked passes a bool
        self.map_button = QPushButton(self.tr("Map extent"), body)
        self.map_button.setToolTip(self.tr("Load the part of the cloud inside the 2D map's extent"))
        self.map_button.clicked.connect(self.load_map_extent)
        for widget in (self.source_combo, self.open_button, self.budget, self.load_button, self.map_button):
            row.addWidget(widget)
        row.setStretch(0, 1)
        return row

    def _make_view_row(self, body: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.colour_combo = QComboBox(body)
        labels = (self.tr("Automatic"), self.tr("RGB"), self.tr("Classification"), self.tr("Elevation"),
                  self.tr("Intensity"))  # fmt: skip
        for mode, label in zip(COLOUR_MODES, labels):
            self.colour_combo.addItem(label, mode)
        self.colour_combo.currentIndexChanged.connect(lambda _i: self.show_cloud())
        self.camera_combo = QComboBox(body)
        cameras = (self.tr("Oblique from south"), self.tr("Oblique from east"), self.tr("Oblique from north"),
                   self.tr("Oblique from west"), self.tr("Top"))  # fmt: skip
        for camera, label in zip(CAMERAS, cameras):
            self.camera_combo.addItem(label, camera)
        self.camera_combo.currentIndexChanged.connect(lambda _i: self.apply_camera())
        self.to_map_button = QPushButton(self.tr("Show on map"), body)
        self.to_map_button.setToolTip(self.tr("Zoom the 2D map to the loaded cloud"))
        self.to_map_button.clicked.connect(self.zoom_map_to_cloud)
        self.snapshot_button = QPushButton(self.tr("Image…"), body)
        self.snapshot_button.clicked.connect(self.choose_snapshot)
        self.export_button = QPushButton(self.tr("Export…"), body)
        self.export_button.clicked.connect(self.choose_export)
        self.package_button = QPushButton(self.tr("Scene package…"), body)
        self.package_button.setToolTip(
            self.tr("Export the cloud, with the project's buildings and DTM, as a 3D Tiles scene package for the web")
        )
        self.package_button.clicked.connect(lambda: self.export_scene_package())  # noqa: PLW0108 - clicked passes a bool
        self.window_button = QPushButton(self.tr("Separate window"), body)
        self.window_button.setToolTip(self.tr("Open the cloud in a viewer window of its own process"))
        self.window_button.clicked.connect(self.open_external_viewer)
        for widget in (self.colour_combo, self.camera_combo, self.to_map_button, self.snapshot_button,
                       self.export_button, self.package_button, self.window_button):  # fmt: skip
            row.addWidget(widget)
        return row

    # -- sources -----------------------------------------------------------------------
    def refresh_sources(self, *_args) -> None:
        """Point-cloud entries of the base (layers of kind pointcloud_extents) and opened files.

        A point-cloud entry selected on the map (a selected feature of the extents layer)
        becomes the current one; otherwise the current choice is kept.
        """
        current = self.source_combo.currentData()
        self.source_combo.clear()
        paths: list[str] = []
        selected: str | None = None
        for layer in QgsProject.instance().mapLayers().values():
            if layer.customProperty("citytwin/layer_kind") != "pointcloud_extents":
                continue
            index = layer.fields().indexOf("path")
            if index < 0:
                continue
            selected_ids = set(layer.selectedFeatureIds())
            for feature in layer.getFeatures():
                value = feature[index]
                if not value:
                    continue
                if str(value) not in paths:
                    paths.append(str(value))
                if feature.id() in selected_ids:
                    selected = str(value)
        for path in self._extra_sources:
            if path not in paths:
                paths.append(path)
        for path in paths:
            self.source_combo.addItem(Path(path).name, path)
            self.source_combo.setItemData(self.source_combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        chosen = selected or current
        if chosen in paths:
            self.source_combo.setCurrentIndex(paths.index(chosen))

    def add_source(self, path: str) -> None:
        if path not in self._extra_sources:
            self._extra_sources.append(path)
        self.refresh_sources()
        self.source_combo.setCurrentIndex(self.source_combo.findData(path))

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open a point cloud"), "", self.tr("Point clouds (*.las *.laz *.copc.laz)")
        )
        if path:
            self.add_source(path)
            self.load()

    # -- the VTK view -------------------------------------------------------------------------
    def ensure_view(self) -> bool:
        """Create the interactive widget on first use; False (with a message) if it cannot start."""
        if self.plotter is not None:
            return True
        if self.view_error is not None:
            return False
        try:
            from pyvistaqt import QtInteractor

            self.plotter = QtInteractor(self.stack, auto_update=False)
            self.plotter.set_background("white")
            self.stack.addWidget(self.plotter.interactor)
            self.plotter.enable_point_picking(
                callback=self._on_pick, use_picker=True, show_message=False, show_point=True, left_clicking=False
            )
            return True
        except Exception as exc:  # noqa: BLE001 - any failure of VTK/OpenGL: fall back, never crash
            self.plotter = None
            self.view_error = self.tr(
                "The interactive 3D view cannot start here ({error}). Showing an offscreen image instead; "
                "'Separate window' opens a viewer in its own process."
            ).format(error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            self.placeholder.setText(self.view_error)
            return False

    def close_view(self) -> None:
        """Release VTK before Qt tears the widgets down (call on unload)."""
        if self._task is not None:
            self._task.cancel()
        if self.plotter is not None:
            self.plotter.close()
            self.stack.removeWidget(self.plotter.interactor)
            self.plotter.interactor.setParent(None)
            self.plotter.interactor.deleteLater()
            self.plotter = None
        if self._external is not None and self._external.state() != QProcess.ProcessState.NotRunning:
            self._external.kill()
            self._external.waitForFinished(2000)
        self._external = None
        if self._package_launcher is not None:
            self._package_launcher.teardown()

    # -- loading ----------------------------------------------------------------------------
    def current_path(self) -> str | None:
        return self.source_combo.currentData()

    def load(self, bounds: tuple[float, float, float, float] | None = None, wait: bool = False) -> bool:
        """Read the chosen cloud (thinned to the budget) in a background task."""
        path = self.current_path()
        if not path:
            self.status.setText(self.tr("No point cloud chosen."))
            return False
        if self._task is not None:
            return False
        budget = self.budget.value()
        self.status.setText(self.tr("Reading {name}…").format(name=Path(path).name))
        self.progress.setValue(0)
        self.load_button.setEnabled(False)

        def work(task, path=path, budget=budget, bounds=bounds):
            from ..twin.reader import read_cloud

            return read_cloud(
                path,
                budget=budget,
                bounds=bounds,
                progress=lambda f: task.setProgress(100.0 * f),
                is_canceled=task.isCanceled,
            )

        task = QgsTask.fromFunction(self.tr("CityTwin: reading a point cloud"), work, on_finished=self._loaded)
        task.progressChanged.connect(lambda value: self.progress.setValue(int(value)))
        self._task = task
        QgsApplication.taskManager().addTask(task)
        if wait:
            task.waitForFinished(0)
        return True

    def _loaded(self, exception, result=None) -> None:
        self._task = None
        self.load_button.setEnabled(True)
        if exception is not None:
            message = (
                str(exception) if str(exception) else traceback.format_exception_only(type(exception), exception)[-1]
            )
            self.status.setText(self.tr("Could not read the point cloud: {error}").format(error=message))
            return
        if result is None:  # canceled
            self.status.setText(self.tr("Canceled."))
            return
        self.cloud = result
        self.progress.setValue(100)
        self.show_cloud()

    def show_cloud(self) -> None:
        """(Re)build the scene of the loaded cloud in the chosen colouring."""
        if self.cloud is None:
            return
        try:
            self.scene = make_scene(self.cloud, self.colour_combo.currentData())
        except CityTwinError as exc:
            self.status.setText(str(exc))
            return
        self._show_legend()
        if self.ensure_view():
            self.plotter.clear()
            build_into(self.scene, self.plotter)
            self.stack.setCurrentWidget(self.plotter.interactor)
            self.apply_camera()
        else:
            self._show_offscreen_image()
        total = getattr(self.cloud, "total_points", 0) or len(self.cloud)
        self.status.setText(
            self.tr("{shown} of {total} points shown ({name}).").format(
                shown=f"{len(self.cloud):,}", total=f"{total:,}", name=Path(self.cloud.source).name
            )
        )
        self.cloud_shown.emit(len(self.cloud))

    def _show_legend(self) -> None:
        legend = scene_legend(self.scene)
        if legend is None:
            self.legend.clear()
        elif isinstance(legend, list):
            self.legend.show_classes(legend)
        else:
            self.legend.show_ramp(*legend)

    def _show_offscreen_image(self) -> None:
        import tempfile

        size = self.stack.size()
        with tempfile.TemporaryDirectory(prefix="citytwin-3d-") as folder:
            png = Path(folder) / "view.png"
            render_to_png(
                self.scene, png, self.camera_combo.currentData(), (max(size.width(), 400), max(size.height(), 300))
            )
            self.placeholder.setPixmap(QPixmap(str(png)))
        self.stack.setCurrentWidget(self.placeholder)

    def apply_camera(self) -> None:
        if self.scene is None:
            return
        if self.plotter is not None:
            set_camera(self.scene, self.plotter, self.camera_combo.currentData())
            self.plotter.render()
        elif self.view_error is not None:
            self._show_offscreen_image()

    # -- picking ------------------------------------------------------------------------
    def _on_pick(self, point, *_args) -> None:
        if self.cloud is None or point is None:
            return
        local = np.asarray(point, dtype=np.float64)
        self.show_pick(int(np.argmin(((self.cloud.xyz.astype(np.float64) - local) ** 2).sum(axis=1))))

    def show_pick(self, index: int) -> dict:
        """Show the attributes and real coordinates of point ``index`` of the cloud."""
        real = self.cloud.real_xyz()[index] if hasattr(self.cloud, "real_xyz") else self.cloud.xyz[index]
        info = {"x": float(real[0]), "y": float(real[1]), "z": float(real[2])}
        for name, values in self.cloud.attributes.items():
            value = values[index]
            info[name] = value.item() if hasattr(value, "item") else value
        self.picked = info
        lines = [f"x {info['x']:.3f}  y {info['y']:.3f}  z {info['z']:.3f}"]
        lines += [f"{k}: {v}" for k, v in info.items() if k not in ("x", "y", "z")]
        self.pick_label.setText("\n".join(lines[:10]))
        return info

    # -- 2D map <-> 3D view --------------------------------------------------------------
    def _cloud_crs(self) -> QgsCoordinateReferenceSystem:
        wkt = getattr(self.cloud, "crs_wkt", None) if self.cloud is not None else None
        if wkt is None and self.current_path():
            from ..twin.pointcloud_info import read_point_cloud_info

            wkt = read_point_cloud_info(self.current_path(), scan_classes=False).crs.crs_wkt
        return QgsCoordinateReferenceSystem.fromWkt(wkt) if wkt else QgsCoordinateReferenceSystem()

    def load_map_extent(self) -> bool:
        """Load the part of the chosen cloud that lies inside the 2D map's extent."""
        canvas = self.iface.mapCanvas()
        crs = self._cloud_crs()
        extent = canvas.extent()
        if crs.isValid():
            transform = QgsCoordinateTransform(canvas.mapSettings().destinationCrs(), crs, QgsProject.instance())
            extent = transform.transformBoundingBox(extent)
        return self.load((extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()))

    def zoom_map_to_cloud(self) -> None:
        if self.cloud is None:
            return
        real = self.cloud.real_xyz()
        rect = QgsRectangle(real[:, 0].min(), real[:, 1].min(), real[:, 0].max(), real[:, 1].max())
        canvas = self.iface.mapCanvas()
        crs = self._cloud_crs()
        if crs.isValid():
            transform = QgsCoordinateTransform(crs, canvas.mapSettings().destinationCrs(), QgsProject.instance())
            rect = transform.transformBoundingBox(rect)
        canvas.setExtent(rect)
        canvas.refresh()

    # -- images, exports, separate window ------------------------------------------------
    def choose_snapshot(self) -> None:
        if self.scene is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save a 3D image"), "", self.tr("PNG image (*.png)"))
        if not path:
            return
        try:
            render_to_png(self.scene, Path(path), self.camera_combo.currentData(), (1600, 1000))
        except (CityTwinError, OSError) as exc:
            self.status.setText(self.tr("The image could not be written: {error}").format(error=str(exc)))
            return
        self.status.setText(self.tr("Image written: {path}").format(path=path))

    def choose_export(self) -> None:
        if self.scene is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export the 3D view"), "", self.tr("glTF binary (*.glb);;VTK (*.vtp *.vtm)")
        )
        if not path:
            return
        try:
            written = export_scene(self.scene, Path(path))
        except (CityTwinError, OSError) as exc:
            self.status.setText(self.tr("The export failed: {error}").format(error=str(exc)))
            return
        self.status.setText(self.tr("Exported: {path}").format(path=str(written)))

    def export_scene_package(self):
        """Open "Export 3D scene package" pre-filled with the cloud shown (else the one chosen).

        QGIS's own algorithm dialog runs it (progress, Cancel, batch); the project's
        buildings and DTM are pre-filled too, and the written package's folder is offered.
        """
        from .scene_package_dialog import ScenePackageLauncher, package_parameters, point_cloud_entries

        path = self.cloud.source if self.cloud is not None else self.current_path()
        project = QgsProject.instance()
        entries = dict(point_cloud_entries(project))
        clouds = [(str(path), entries.get(str(path)))] if path else []
        if self._package_launcher is None:
            self._package_launcher = ScenePackageLauncher(self.iface.mainWindow(), self.iface.messageBar(), self)
        return self._package_launcher.open(package_parameters(project, clouds))

    def open_external_viewer(self) -> bool:
        """Open the current cloud in a viewer window of its own process."""
        from ..common.deps import python_executable
        from ..common.paths import plugin_dir

        path = self.current_path()
        if not path:
            return False
        if self._external is not None and self._external.state() != QProcess.ProcessState.NotRunning:
            self._external.kill()
        process = QProcess(self)
        process.setWorkingDirectory(str(plugin_dir().parent))
        arguments = ["-m", f"{plugin_dir().name}.twin.viewer_app", path, "--budget", str(self.budget.value()),
                     "--colour", self.colour_combo.currentData()]  # fmt: skip
        process.start(python_executable(), arguments)
        self._external = process
        self.status.setText(self.tr("Opening a separate viewer window…"))
        return True


# -- adapters to the pure scene modules (kept here so the dock has one place to change) ----
def make_scene(cloud, colour_by: str):
    from ..twin.scene import SceneSpec

    # desktop_safe: no actor that formats numeric labels (they crash the QGIS desktop).
    return SceneSpec(cloud=cloud, colour_by=colour_by, desktop_safe=True)


def scene_legend(scene):
    """``[(label, colour)]`` for classes, ``(min, max, colours)`` for a ramp, None for RGB."""
    from ..twin.scene import color_values

    _rgb, legend = color_values(scene.cloud, scene.colour_by, scene.colormap)
    if legend.kind == "classes":
        return list(legend.entries)
    if legend.kind == "continuous":
        return (legend.vmin, legend.vmax, list(legend.ramp_colours()))
    return None


def build_into(scene, plotter) -> None:
    from ..twin.scene import build_plotter

    build_plotter(scene, plotter)


def set_camera(scene, plotter, camera: str) -> None:
    from ..twin.render import apply_camera

    apply_camera(scene, plotter, camera)


def render_to_png(scene, path: Path, camera: str, size: tuple[int, int]) -> Path:
    from ..twin.render import render_png

    return render_png(scene, path, camera=camera, size=size)


def export_scene(scene, path: Path) -> Path:
    from ..twin.export import export_glb, export_vtk

    if path.suffix.lower() == ".glb":
        return export_glb(scene, path)
    return export_vtk(scene, path)
