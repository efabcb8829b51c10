"""The "Digital Base" panel: what the project holds of the city's digital base."""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import QgsIconUtils, QgsMapLayer, QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..common.deps import missing_requirements
from ..layers.base_crs import is_cgcs2000_gk_epsg
from ..layers.qgis_project_state import BaseState, read_base_state
from ..layers.roles import SECTIONS
from .icons import plugin_icon
from .signals import SignalConnections

LAYER_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class DigitalBaseDock(QgsDockWidget):
    """Dock listing the base layers per section, the base CRS, time range and packages.

    It follows the project through its signals (layers added or removed, groups
    renamed, CRS and time range changed, project read or cleared) and refreshes
    once per burst of changes.
    """

    OBJECT_NAME = "CityTwinDigitalBaseDock"

    #: Emitted when the user asks to install missing packages.
    install_requested = pyqtSignal()
    #: Emitted when the user double-clicks a layer (its id).
    layer_activated = pyqtSignal(str)
    #: Emitted when a base was built from the dock (the project path).
    base_built = pyqtSignal(str)

    def __init__(
        self,
        project: QgsProject,
        parent: QWidget | None = None,
        point_cloud_info: Callable[[], None] | None = None,
        open_algorithm: Callable[[str], None] | None = None,
        time_series_plot: Callable[[], None] | None = None,
        scene_package: Callable[[], None] | None = None,
        sky_plot: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(self.OBJECT_NAME)
        self.setWindowTitle(self.tr("CityTwin — Digital Base"))
        self._project = project
        self._connections = SignalConnections()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(50)
        self._refresh_timer.timeout.connect(self.refresh)

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)

        self.project_label = QLabel(body)
        self.crs_label = QLabel(body)
        self.crs_label.setWordWrap(True)
        self.time_label = QLabel(body)
        for label in (self.project_label, self.crs_label, self.time_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)

        self.tabs = QTabWidget(body)
        contents = QWidget(self.tabs)
        contents_layout = QVBoxLayout(contents)
        contents_layout.setContentsMargins(0, 4, 0, 0)
        self.tree = QTreeWidget(contents)
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.tree.itemDoubleClicked.connect(self._on_item_double_clicked)
        contents_layout.addWidget(self.tree)
        self.other_label = QLabel(contents)
        contents_layout.addWidget(self.other_label)
        self.tabs.addTab(contents, self.tr("Contents"))

        from .base_builder import BaseBuilderWidget

        self.builder = BaseBuilderWidget(self.tabs)
        self.builder.built.connect(self.base_built)
        self.tabs.addTab(self.builder, self.tr("Build"))
        self.subsidence_buttons = self._make_subsidence_tab(open_algorithm, time_series_plot)
        self.carbon = self._make_carbon_tab(open_algorithm)
        self.navcomm = self._make_navcomm_tab(open_algorithm, sky_plot)
        layout.addWidget(self.tabs)

        layout.addLayout(self._make_packages_row(body))
        layout.addLayout(self._make_real_scene_row(body, point_cloud_info, scene_package))

        self.setWidget(body)
        self._section_items: dict[str, QTreeWidgetItem] = {}
        self._connect_project()
        self.refresh()

    def _make_subsidence_tab(self, open_algorithm, time_series_plot) -> dict[str, QPushButton]:
        """The subsidence workflow in order: one button per algorithm, then the plot."""
        tab = QWidget(self.tabs)
        tab_layout = QVBoxLayout(tab)
        steps = (
            ("citytwin:fittimeseries", self.tr("1. Fit displacement time series…")),
            ("citytwin:decomposelos", self.tr("Vertical and east-west decomposition…")),
            ("citytwin:subsidencerate", self.tr("2. Subsidence rate surface…")),
            ("citytwin:subsidencehotspots", self.tr("3. Subsidence hotspots…")),
            ("citytwin:buildingrisk", self.tr("4. Building damage risk…")),
        )
        buttons: dict[str, QPushButton] = {}
        for algorithm_id, text in steps:
            button = QPushButton(text, tab)
            button.setStyleSheet("text-align: left; padding: 3px 8px;")
            if open_algorithm is not None:
                button.clicked.connect(lambda _checked=False, a=algorithm_id: open_algorithm(a))
            else:
                button.setEnabled(False)
            tab_layout.addWidget(button)
            buttons[algorithm_id] = button
        plot = QPushButton(plugin_icon("timeseries.svg"), self.tr("Time-series plot"), tab)
        if time_series_plot is not None:
            plot.clicked.connect(lambda _checked=False: time_series_plot())
        else:
            plot.setEnabled(False)
        tab_layout.addWidget(plot)
        buttons["plot"] = plot
        tab_layout.addStretch(1)
        self.tabs.addTab(tab, self.tr("Subsidence"))
        return buttons

    def _make_carbon_tab(self, open_algorithm):
        from .carbon_panel import CarbonPanel

        panel = CarbonPanel(self.tabs, open_algorithm)
        self.tabs.addTab(panel, self.tr("Carbon"))
        return panel

    def _make_navcomm_tab(self, open_algorithm, sky_plot):
        from .navcomm_panel import NavCommPanel

        panel = NavCommPanel(self.tabs, open_algorithm, sky_plot)
        # The coverage panel's results make the tab taller than a docked panel: it scrolls.
        scroll = QScrollArea(self.tabs)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(panel)
        self.tabs.addTab(scroll, self.tr("Nav & comm"))
        return panel

    def _make_real_scene_row(self, body: QWidget, point_cloud_info, scene_package) -> QHBoxLayout:
        row = QHBoxLayout()
        self.info_button = QPushButton(self.tr("Point cloud information…"), body)
        self.info_button.setIcon(plugin_icon("pointcloud_info.svg"))
        self.package_button = QPushButton(self.tr("Export 3D scene package…"), body)
        self.package_button.setIcon(plugin_icon("view3d.svg"))
        self.package_button.setToolTip(
            self.tr("The base's point clouds, buildings and DTM as a 3D Tiles scene package with a web viewer")
        )
        for button, slot in ((self.info_button, point_cloud_info), (self.package_button, scene_package)):
            if slot is not None:
                button.clicked.connect(lambda _checked=False, s=slot: s())
            else:
                button.setEnabled(False)
            row.addWidget(button)
        return row

    def _make_packages_row(self, body: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.packages_label = QLabel(body)
        self.packages_label.setWordWrap(True)
        self.install_button = QPushButton(self.tr("Install…"), body)
        self.install_button.setIcon(plugin_icon("install.svg"))
        self.install_button.clicked.connect(self.install_requested)
        row.addWidget(self.packages_label, 1)
        row.addWidget(self.install_button)
        return row

    # -- section names are built at call time so the active translator applies
    def section_title(self, section: str) -> str:
        titles = {
            "navigation": self.tr("Navigation"),
            "communication": self.tr("Communication"),
            "remote_sensing": self.tr("Remote sensing"),
            "realscene3d": self.tr("Real-scene 3D"),
            "monitoring": self.tr("Monitoring"),
        }
        return titles[section]

    def _connect_project(self) -> None:
        project = self._project
        for signal in (
            project.layersAdded,
            project.layersRemoved,
            project.cleared,
            project.readProject,
            project.crsChanged,
            project.metadataChanged,
            project.fileNameChanged,
            project.layerTreeRoot().nameChanged,
            project.layerTreeRoot().addedChildren,
            project.layerTreeRoot().removedChildren,
            project.timeSettings().temporalRangeChanged,
        ):
            self._connections.connect(signal, self.schedule_refresh)

    def connections(self) -> SignalConnections:
        return self._connections

    def schedule_refresh(self, *_args: object) -> None:
        """Coalesce bursts of project signals into one refresh."""
        self._refresh_timer.start()

    def teardown(self) -> None:
        """Disconnect from the project (called by the plugin's unload)."""
        self.builder.teardown()
        self.carbon.teardown()
        self.navcomm.teardown()
        self._refresh_timer.stop()
        self._connections.disconnect_all()

    def refresh(self) -> None:
        """Rebuild the panel from the project's current state."""
        state = read_base_state(self._project)
        self._show_header(state)
        self._show_sections(state)
        self._show_packages()

    def _show_header(self, state: BaseState) -> None:
        self.project_label.setText(self.tr("Project: {name}").format(name=state.project_title or self.tr("(unsaved)")))
        if not state.crs_authid:
            self.crs_label.setText(self.tr("Base CRS: not set"))
        else:
            epsg_text = state.crs_authid.split(":")[-1]
            epsg = int(epsg_text) if state.crs_authid.startswith("EPSG:") and epsg_text.isdigit() else None
            text = self.tr("Base CRS: {authid} — {name}").format(authid=state.crs_authid, name=state.crs_description)
            if not is_cgcs2000_gk_epsg(epsg):
                text += " " + self.tr("(not a CGCS2000 Gauss-Krüger zone)")
            self.crs_label.setText(text)
        if state.temporal_range is None:
            self.time_label.setText(self.tr("Time axis: not set"))
        else:
            self.time_label.setText(
                self.tr("Time axis: {start} – {end}").format(start=state.temporal_range[0], end=state.temporal_range[1])
            )
        self.other_label.setText(self.tr("Other layers: {n}").format(n=state.other_layer_count))

    def _show_sections(self, state: BaseState) -> None:
        expanded = {s for s, item in self._section_items.items() if item.isExpanded()}
        first_build = not self._section_items
        self.tree.clear()
        self._section_items = {}
        for section in SECTIONS:
            layers = state.layers_by_section.get(section, [])
            item = QTreeWidgetItem(
                [self.tr("{section} ({n})").format(section=self.section_title(section), n=len(layers))]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, section)
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            self.tree.addTopLevelItem(item)
            self._section_items[section] = item
            if layers:
                for layer in layers:
                    item.addChild(self._layer_item(layer))
            else:
                empty = QTreeWidgetItem([self.tr("No layers yet")])
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                item.addChild(empty)
            item.setExpanded(first_build or section in expanded or bool(layers))

    def _layer_item(self, layer: QgsMapLayer) -> QTreeWidgetItem:
        item = QTreeWidgetItem([layer.name()])
        item.setIcon(0, QgsIconUtils.iconForLayer(layer))
        item.setData(0, LAYER_ID_ROLE, layer.id())
        item.setToolTip(0, layer.source())
        return item

    def _show_packages(self) -> None:
        missing = missing_requirements()
        if missing:
            self.packages_label.setText(
                self.tr("Missing Python packages: {names}").format(names=", ".join(req.distribution for req in missing))
            )
            self.install_button.setVisible(True)
        else:
            self.packages_label.setText(self.tr("Python packages: all available"))
            self.install_button.setVisible(False)

    def section_texts(self) -> dict[str, list[str]]:
        """Texts shown per section (header first), for tests and screenshots."""
        result = {}
        for section, item in self._section_items.items():
            result[section] = [item.text(0)] + [item.child(i).text(0) for i in range(item.childCount())]
        return result

    def _on_item_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        layer_id = item.data(0, LAYER_ID_ROLE)
        if layer_id:
            self.layer_activated.emit(layer_id)
