"""CityTwin's QGIS plugin object: menu, toolbar, dock, provider; all undone on unload."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsProject
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import QMenu, QMessageBox, QPushButton, QToolBar

from .common.deps import activate_packages_dir, deactivate_packages_dir, missing_requirements
from .common.metadata import plugin_metadata
from .processing.qgis_provider import CityTwinProvider
from .translation import install_translator, remove_translator
from .ui.icons import plugin_icon
from .ui.qt_compat import QAction
from .ui.signals import SignalConnections

try:  # compiled from resources.qrc by `make`; icons also load from files without it
    from . import resources_rc
except (ImportError, AttributeError):  # not built, or no pyrcc support on this Qt
    resources_rc = None

PROVIDER_ID = "citytwin"
MENU_OBJECT_NAME = "CityTwinMenu"
TOOLBAR_OBJECT_NAME = "CityTwinToolbar"


def profile_packages_dir() -> Path:
    """Prefix folder in the QGIS profile where the installer puts missing packages."""
    return Path(QgsApplication.qgisSettingsDirPath()) / "python" / "citytwin_packages"


class CityTwinPlugin:
    """The plugin. ``initGui`` is the only place that touches ``iface``."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: CityTwinProvider | None = None
        self.menu: QMenu | None = None
        self.toolbar: QToolBar | None = None
        self.dock = None
        self.view3d = None
        self.view3d_action: QAction | None = None
        self.ts_plot = None
        self.ts_plot_action: QAction | None = None
        self.sky_plot = None
        self.sky_plot_action: QAction | None = None
        self.scene_package = None
        self.actions: list[QAction] = []
        self.connections = SignalConnections()
        self._message_item = None
        self._install_dialog = None
        self._temp_dir: Path | None = None
        self._packages_dir = profile_packages_dir()
        activate_packages_dir(self._packages_dir)
        self.translator = install_translator()

    @staticmethod
    def tr(text: str) -> str:
        return QCoreApplication.translate("CityTwinPlugin", text)

    # -- Processing ------------------------------------------------------------------
    def initProcessing(self) -> None:
        """Register the provider (also called alone by qgis_process)."""
        if self.provider is None:
            provider = CityTwinProvider()
            # The registry refuses (and deletes) a second provider with the same id,
            # e.g. when another copy of CityTwin is loaded: then there is none to remove.
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider

    # -- GUI ---------------------------------------------------------------------------
    def initGui(self) -> None:
        self.initProcessing()
        main_window = self.iface.mainWindow()

        self.menu = QMenu(self.tr("&CityTwin"), main_window)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        self.toolbar = self.iface.addToolBar(self.tr("CityTwin"))
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)

        from .ui.dock import DigitalBaseDock

        self.dock = DigitalBaseDock(
            QgsProject.instance(),
            main_window,
            point_cloud_info=self.open_point_cloud_info,
            open_algorithm=self.open_algorithm,
            time_series_plot=self.show_ts_plot,
            scene_package=self.open_scene_package,
            sky_plot=self.show_sky_plot,
        )
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.connections.connect(self.dock.install_requested, self.open_installer)
        self.connections.connect(self.dock.layer_activated, self._activate_layer)
        self.connections.connect(self.dock.base_built, self.add_built_base)

        panel_action = self.dock.toggleViewAction()
        panel_action.setIcon(plugin_icon("citytwin.svg"))
        panel_action.setText(self.tr("Digital Base Panel"))
        panel_action.setToolTip(self.tr("Show or hide the CityTwin Digital Base panel"))
        self._add_action(panel_action, owned=False)
        self.view3d_action = self._make_action("view3d.svg", self.tr("3D View"), self.toggle_view3d)
        self.view3d_action.setCheckable(True)
        self.view3d_action.setToolTip(self.tr("Show the base's point clouds in 3D"))
        self._add_action(self.view3d_action)
        self.ts_plot_action = self._make_action("timeseries.svg", self.tr("Time-series plot"), self.show_ts_plot)
        self.ts_plot_action.setCheckable(True)  # checked while its map tool is active
        self.ts_plot_action.setToolTip(self.tr("Click a PS point on the map to plot its displacement series"))
        self._add_action(self.ts_plot_action)
        self.sky_plot_action = self._make_action("skyplot.svg", self.tr("Sky plot"), self.show_sky_plot)
        self.sky_plot_action.setCheckable(True)  # checked while its map tool is active
        self.sky_plot_action.setToolTip(self.tr("Click a place on the map to see its skyline and satellites"))
        self._add_action(self.sky_plot_action)
        self._add_action(
            self._make_action("pointcloud_info.svg", self.tr("Point Cloud Information…"), self.open_point_cloud_info)
        )
        self.menu.addSeparator()
        self._add_action(
            self._make_action("install.svg", self.tr("Install Missing Packages…"), self.open_installer),
            toolbar=False,
        )
        self._add_action(self._make_action("citytwin.svg", self.tr("About CityTwin"), self.show_about), toolbar=False)

        menu_bar = main_window.menuBar()
        help_menu = self._help_menu_action(menu_bar)
        if help_menu is not None:
            menu_bar.insertMenu(help_menu, self.menu)
        else:
            menu_bar.addMenu(self.menu)

        self._report_missing_packages()

    @staticmethod
    def _help_menu_action(menu_bar: Any) -> QAction | None:
        for action in menu_bar.actions():
            menu = action.menu()
            if menu is not None and menu.objectName() == "mHelpMenu":
                return action
        return None

    def _make_action(self, icon: str, text: str, slot: Any) -> QAction:
        action = QAction(plugin_icon(icon), text, self.iface.mainWindow())
        action.setObjectName("CityTwin" + "".join(ch for ch in text.title() if ch.isalnum()))
        self.connections.connect(action.triggered, slot)
        return action

    def _add_action(self, action: QAction, toolbar: bool = True, owned: bool = True) -> None:
        self.menu.addAction(action)
        if toolbar:
            self.toolbar.addAction(action)
        if owned:
            self.actions.append(action)

    def _report_missing_packages(self) -> None:
        missing = missing_requirements()
        if not missing:
            return
        bar = self.iface.messageBar()
        item = bar.createMessage(
            self.tr("CityTwin"),
            self.tr("Missing Python packages: {names}. Point-cloud, 3D and monitoring tools need them.").format(
                names=", ".join(req.distribution for req in missing)
            ),
        )
        button = QPushButton(self.tr("Install…"), item)
        self.connections.connect(button.clicked, self.open_installer)
        item.layout().addWidget(button)
        bar.pushWidget(item, Qgis.MessageLevel.Warning)
        self._message_item = item

    # -- actions -----------------------------------------------------------------------
    def open_point_cloud_info(self) -> None:
        import processing  # QGIS's own Processing plugin (absolute import)

        processing.execAlgorithmDialog(f"{PROVIDER_ID}:pointcloudinfo", {})

    def open_scene_package(self):
        """Open "Export 3D scene package" pre-filled with the base's point clouds, buildings and DTM."""
        from .ui.scene_package_dialog import ScenePackageLauncher, package_parameters, point_cloud_entries

        project = QgsProject.instance()
        if self.scene_package is None:
            self.scene_package = ScenePackageLauncher(self.iface.mainWindow(), self.iface.messageBar())
        return self.scene_package.open(package_parameters(project, point_cloud_entries(project)))

    def open_installer(self) -> None:
        from .ui.install_dialog import DependencyInstallDialog

        missing = missing_requirements()
        if not missing:
            self.iface.messageBar().pushMessage(
                self.tr("CityTwin"), self.tr("All required Python packages are installed."), Qgis.MessageLevel.Info, 5
            )
            return
        if self._install_dialog is not None:
            self._install_dialog.raise_()
            return
        dialog = DependencyInstallDialog(missing, self._packages_dir, self.iface.mainWindow())
        self._install_dialog = dialog
        dialog.finished_install.connect(self._on_install_finished)
        dialog.finished.connect(self._on_install_dialog_closed)
        dialog.show()

    def _on_install_finished(self, still_missing: list[str]) -> None:
        if self.dock is not None:
            self.dock.refresh()
        if not still_missing and self._message_item is not None:
            self.iface.messageBar().popWidget(self._message_item)
            self._message_item = None
        level = Qgis.MessageLevel.Success if not still_missing else Qgis.MessageLevel.Critical
        text = (
            self.tr("The Python packages were installed.")
            if not still_missing
            else self.tr("Some packages could not be installed: {names}").format(names=", ".join(still_missing))
        )
        self.iface.messageBar().pushMessage(self.tr("CityTwin"), text, level, 10)

    def _on_install_dialog_closed(self, _result: int) -> None:
        if self._install_dialog is not None:
            self._install_dialog.deleteLater()
            self._install_dialog = None

    def add_built_base(self, project_path: str) -> None:
        """Put a freshly built base into the current project and show it."""
        from .layers.qgis_base_project import add_base_to_project

        project = QgsProject.instance()
        try:
            added = add_base_to_project(Path(project_path), project)
        except OSError as exc:
            self.iface.messageBar().pushMessage(self.tr("CityTwin"), str(exc), Qgis.MessageLevel.Critical, 10)
            return
        canvas = self.iface.mapCanvas()
        extent = project.viewSettings().defaultViewExtent()
        layers = [project.mapLayer(layer_id) for layer_id in added]
        if layers:
            from qgis.core import QgsCoordinateTransform, QgsRectangle

            full = QgsRectangle()
            for layer in layers:
                if layer is not None and layer.isValid() and not layer.extent().isEmpty():
                    transform = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), project)
                    full.combineExtentWith(transform.transformBoundingBox(layer.extent()))
            extent = full
        if not extent.isEmpty():
            canvas.setExtent(extent)
            canvas.refresh()
        self.iface.messageBar().pushMessage(
            self.tr("CityTwin"),
            self.tr("The base was added to the project: {n} layers.").format(n=len(added)),
            Qgis.MessageLevel.Success,
            8,
        )

    def toggle_view3d(self, checked: bool = True) -> None:
        """Show (creating it on first use) or hide the 3D View dock."""
        if self.view3d is None:
            if not checked:
                return
            from .ui.view3d import View3DDock

            self.view3d = View3DDock(self.iface, self.iface.mainWindow())
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.view3d)
            self.connections.connect(self.view3d.visibilityChanged, self.view3d_action.setChecked)
            project = QgsProject.instance()
            for signal in (project.layersAdded, project.layersRemoved, project.readProject):
                self.connections.connect(signal, self.view3d.refresh_sources)
        self.view3d.setVisible(checked)
        if checked:
            self.view3d.raise_()
            self.view3d.refresh_sources()

    def open_algorithm(self, algorithm_id: str) -> None:
        """The Processing dialog of one of our algorithms (as from the toolbox)."""
        import processing

        processing.execAlgorithmDialog(algorithm_id, {})

    def show_ts_plot(self, _checked: bool = True) -> None:
        """Show the time-series plot dock (created on first use) and activate its pick tool."""
        if self.ts_plot is None:
            try:
                from .ui.ts_plot import TimeSeriesPlotDock
            except ImportError as exc:  # matplotlib missing or broken
                self.ts_plot_action.setChecked(False)
                self.iface.messageBar().pushMessage(
                    self.tr("CityTwin"),
                    self.tr("The time-series plot needs matplotlib ({error}): use Install Missing Packages…").format(
                        error=str(exc)
                    ),
                    Qgis.MessageLevel.Critical,
                    10,
                )
                return
            self.ts_plot = TimeSeriesPlotDock(self.iface, self.iface.mainWindow())
            self.ts_plot.tool.setAction(self.ts_plot_action)
            self.iface.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.ts_plot)
        self.ts_plot.show()
        self.ts_plot.raise_()
        self.ts_plot.follow_active_layer(self.iface.activeLayer())
        self.ts_plot.activate_pick_tool()
        self.ts_plot_action.setChecked(True)

    def show_sky_plot(self, _checked: bool = True) -> None:
        """Show the sky plot dock (created on first use) and activate its pick tool."""
        if self.sky_plot is None:
            try:
                from .ui.sky_plot import SkyPlotDock
            except ImportError as exc:  # matplotlib missing or broken
                self.sky_plot_action.setChecked(False)
                self.iface.messageBar().pushMessage(
                    self.tr("CityTwin"),
                    self.tr("The sky plot needs matplotlib ({error}): use Install Missing Packages…").format(
                        error=str(exc)
                    ),
                    Qgis.MessageLevel.Critical,
                    10,
                )
                return
            self.sky_plot = SkyPlotDock(self.iface, self.iface.mainWindow())
            self.sky_plot.tool.setAction(self.sky_plot_action)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.sky_plot)
        self.sky_plot.show()
        self.sky_plot.raise_()
        self.sky_plot.activate_pick_tool()
        self.sky_plot_action.setChecked(True)

    def _activate_layer(self, layer_id: str) -> None:
        layer = QgsProject.instance().mapLayer(layer_id)
        if layer is not None:
            self.iface.setActiveLayer(layer)

    def show_about(self) -> None:
        meta = plugin_metadata()
        QMessageBox.about(
            self.iface.mainWindow(),
            self.tr("About CityTwin"),
            self.tr("CityTwin {version}\n\n{about}\n\n{homepage}").format(
                version=meta.get("version", ""), about=meta.get("about", ""), homepage=meta.get("homepage", "")
            ),
        )

    def temp_dir(self) -> Path:
        """A temporary folder for this session, created on first use, removed on unload."""
        if self._temp_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="citytwin-"))
        return self._temp_dir

    # -- unload ------------------------------------------------------------------------
    @staticmethod
    def _discard(obj: Any) -> None:
        obj.setParent(None)
        obj.deleteLater()

    def _close_dialogs(self) -> None:
        if self._install_dialog is not None:
            self._install_dialog.close()
            self._install_dialog.deleteLater()
            self._install_dialog = None
        if self.scene_package is not None:
            # Closes the export dialog (a run in progress is canceled) and its message.
            self.scene_package.teardown()
            self._discard(self.scene_package)
            self.scene_package = None

    def unload(self) -> None:
        """Undo everything initGui and initProcessing did."""
        self.connections.disconnect_all()
        self._close_dialogs()
        if self._message_item is not None and self.iface is not None:
            with contextlib.suppress(RuntimeError):  # already closed by the user and deleted
                self.iface.messageBar().popWidget(self._message_item)
            self._message_item = None
        # Widgets are detached from the main window at once (setParent(None)) and then
        # deleted: unload may run inside a nested event loop, where deleteLater alone
        # would leave them among the main window's children until QGIS returns to its
        # top-level loop.
        if self.view3d is not None:
            # VTK is released before Qt destroys its widget (pyvistaqt#69).
            self.view3d.close_view()
            self.iface.removeDockWidget(self.view3d)
            self._discard(self.view3d)
            self.view3d = None
        self.view3d_action = None
        if self.ts_plot is not None:
            # Gives the map its tool back and releases the figure before Qt deletes the dock.
            self.ts_plot.close_plot()
            self.iface.removeDockWidget(self.ts_plot)
            self._discard(self.ts_plot)
            self.ts_plot = None
        self.ts_plot_action = None
        if self.sky_plot is not None:
            self.sky_plot.close_plot()
            self.iface.removeDockWidget(self.sky_plot)
            self._discard(self.sky_plot)
            self.sky_plot = None
        self.sky_plot_action = None
        if self.dock is not None:
            self.dock.teardown()
            self.iface.removeDockWidget(self.dock)
            self._discard(self.dock)
            self.dock = None
        if self.menu is not None:
            self.menu.clear()
            self.iface.mainWindow().menuBar().removeAction(self.menu.menuAction())
            self._discard(self.menu)
            self.menu = None
        for action in self.actions:
            self._discard(action)
        self.actions = []
        if self.toolbar is not None:
            self.iface.mainWindow().removeToolBar(self.toolbar)
            self._discard(self.toolbar)
            self.toolbar = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None
        remove_translator(self.translator)
        self.translator = None
        deactivate_packages_dir(self._packages_dir)
