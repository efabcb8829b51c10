"""Export a 3D scene package from the docks: QGIS's own dialog of ``citytwin:scenepackage``, pre-filled.

QGIS's algorithm dialog gives what a user expects of a Processing tool (progress bar,
Cancel, the log, "Run as Batch Process…") and runs exactly what the toolbox, a batch
run or qgis_process run. The docks only choose the starting values — the point clouds
(the base's entries, or the cloud shown in the 3D view), a building layer with a height
field and a DTM of the project — and, when the package is written, offer to open its
folder from the message bar.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsProject, QgsRasterLayer, QgsVectorLayer, QgsWkbTypes
from qgis.PyQt.QtCore import QObject, QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import QPushButton, QWidget

ALGORITHM_ID = "citytwin:scenepackage"
#: Custom property and kind of the base's point-cloud entries (extent polygons with a ``path``).
KIND_PROPERTY = "citytwin/layer_kind"
POINT_CLOUD_ENTRIES = "pointcloud_extents"
DTM_NAMES = ("dtm", "数字地面模型", "地面模型")


def point_cloud_entries(project: QgsProject) -> list[tuple[str, str | None]]:
    """``(path, crs)`` of the base's point-cloud entries (the CRS the base read each file in)."""
    entries: list[tuple[str, str | None]] = []
    for layer in project.mapLayers().values():
        if layer.customProperty(KIND_PROPERTY) != POINT_CLOUD_ENTRIES or not isinstance(layer, QgsVectorLayer):
            continue
        path_index = layer.fields().indexOf("path")
        crs_index = layer.fields().indexOf("crs")
        if path_index < 0:
            continue
        for feature in layer.getFeatures():
            path = feature[path_index]
            crs = feature[crs_index] if crs_index >= 0 else None
            if path and str(path) not in [p for p, _ in entries]:
                entries.append((str(path), str(crs) if crs else None))
    return entries


def buildings_layer(project: QgsProject) -> tuple[QgsVectorLayer | None, str | None]:
    """The project's polygon layer with the best-known height field (CityTwin's measured heights first)."""
    from ..twin.scene_package import HEIGHT_FIELDS

    best: tuple[int, QgsVectorLayer, str] | None = None
    for layer in project.mapLayers().values():
        if not isinstance(layer, QgsVectorLayer) or layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry:
            continue
        names = [field.name() for field in layer.fields()]
        for rank, name in enumerate(HEIGHT_FIELDS):
            if name in names and (best is None or rank < best[0]):
                best = (rank, layer, name)
                break
    return (best[1], best[2]) if best else (None, None)


def dtm_layer(project: QgsProject) -> QgsRasterLayer | None:
    """A raster layer of the project named (or stored) as a DTM, e.g. the output of "Point cloud to DSM/DTM/nDSM"."""
    for layer in project.mapLayers().values():
        if not isinstance(layer, QgsRasterLayer):
            continue
        text = f"{layer.name()} {Path(layer.source().split('|')[0]).stem}".lower()
        if any(name in text for name in DTM_NAMES):
            return layer
    return None


def package_parameters(project: QgsProject, clouds: list[tuple[str, str | None]]) -> dict[str, Any]:
    """Starting values of the algorithm's dialog: the clouds, and the project's buildings and DTM."""
    parameters: dict[str, Any] = {"INPUT": [path for path, _ in clouds]}
    # One CRS for files without a record: the one the base read them in, when it is the same for all.
    crs_values = {crs for _, crs in clouds if crs}
    if len(crs_values) == 1:
        parameters["SOURCE_CRS"] = crs_values.pop()
    layer, field = buildings_layer(project)
    if layer is not None:
        parameters["BUILDINGS"] = layer.id()
        parameters["HEIGHT_FIELD"] = field
    dtm = dtm_layer(project)
    if dtm is not None:
        parameters["DTM"] = dtm.id()
    return parameters


class ScenePackageLauncher(QObject):
    """Opens the pre-filled dialog (one at a time) and offers the written package's folder."""

    def __init__(self, dialog_parent: QWidget, message_bar: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._dialog_parent = dialog_parent
        self._message_bar = message_bar
        self.dialog = None
        self.last_results: dict[str, Any] | None = None
        self.message_item = None

    def open(self, parameters: dict[str, Any]):
        """Show the algorithm's dialog with ``parameters``; returns it (None without the provider)."""
        from processing.gui.AlgorithmDialog import AlgorithmDialog  # QGIS's Processing plugin

        algorithm = QgsApplication.processingRegistry().createAlgorithmById(ALGORITHM_ID)
        if algorithm is None:
            self._push(self.tr("The CityTwin Processing provider is not loaded."), Qgis.MessageLevel.Critical)
            return None
        self.close()
        use_file_list_widget(algorithm, "INPUT")
        dialog = AlgorithmDialog(algorithm, parent=self._dialog_parent)
        dialog.setParameters(parameters)
        dialog.algorithmFinished.connect(self._finished)
        dialog.destroyed.connect(self._forget)
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def _forget(self, *_args) -> None:
        self.dialog = None

    def _finished(self, successful: bool, results: dict) -> None:
        if not successful or not results.get("OUTPUT"):
            return
        self.last_results = dict(results)
        path = Path(results["OUTPUT"])
        text = self.tr("3D scene package written ({points} points, {tiles} tiles): {path}").format(
            points=f"{int(results.get('POINTS', 0)):,}", tiles=f"{int(results.get('TILES', 0)):,}", path=path
        )
        if self._message_bar is None:
            return
        item = self._message_bar.createMessage(self.tr("CityTwin"), text)
        button = QPushButton(self.tr("Open folder"), item)
        button.setObjectName("CityTwinOpenPackageFolder")
        button.clicked.connect(lambda _checked=False, p=path: open_folder(p))
        item.layout().addWidget(button)
        self._message_bar.pushWidget(item, Qgis.MessageLevel.Success, 0)
        self.message_item = item

    def _push(self, text: str, level) -> None:
        if self._message_bar is not None:
            self._message_bar.pushMessage(self.tr("CityTwin"), text, level, 8)

    def close(self) -> None:
        """Close the dialog (canceling a run in progress); called on unload."""
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        with contextlib.suppress(RuntimeError, TypeError):  # already deleted by Qt / disconnected
            feedback = getattr(dialog, "feedback", None)
            if feedback is not None:
                feedback.cancel()
            dialog.algorithmFinished.disconnect(self._finished)
            dialog.close()

    def teardown(self) -> None:
        """Close the dialog and withdraw the "package written" message (plugin unload)."""
        self.close()
        item, self.message_item = self.message_item, None
        if item is not None and self._message_bar is not None:
            with contextlib.suppress(RuntimeError):  # closed by the user and deleted
                self._message_bar.popWidget(item)


def use_file_list_widget(algorithm, name: str) -> bool:
    """Give the file-list parameter ``name`` of this algorithm instance a widget that can be pre-filled.

    QGIS 3.22's own widget for a multiple-input parameter of files resolves every value it
    is given to a map layer and drops the rest (``setWidgetValue``), so point-cloud files
    — which QGIS cannot open without its PDAL provider — cannot be pre-filled. Processing's
    Python file-list panel can; it is set through the parameter's ``widget_wrapper``
    metadata, on this instance only (the toolbox, batch runs and models keep QGIS's widget).
    """
    try:
        from processing.gui.wrappers import DIALOG_STANDARD, MultipleLayerWidgetWrapper
    except ImportError:  # a QGIS without the old wrappers: its own widget (not pre-filled)
        return False

    class FileListWrapper(MultipleLayerWidgetWrapper):
        def setValue(self, value):
            if self.dialogType == DIALOG_STANDARD and value:
                files = value if isinstance(value, (list, tuple)) else [value]
                self.widget.setSelectedItems([str(v) for v in files])
                return
            super().setValue(value)

    definition = algorithm.parameterDefinition(name)
    definition.setMetadata({**definition.metadata(), "widget_wrapper": {"class": FileListWrapper}})
    return True


def open_folder(path: str | Path) -> bool:
    """Open the package folder (for a .zip, the folder holding it) in the file manager."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
