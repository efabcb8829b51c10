"""Turn a built base (GeoPackage) into a QGIS project: groups, styles, time axis.

Headless (no iface): works in Processing algorithms and qgis_process. Layer styles
are stored in the GeoPackage's ``layer_styles`` table (the fused grid's alternative
styles in the project's style manager); the project (``.qgz``) is written to a
temporary file beside the target and renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsDateTimeRange,
    QgsLayerDefinition,
    QgsLayerTreeGroup,
    QgsMapLayerStyle,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QDateTime, Qt

from .base_build import BuiltBase
from .qgis_styles import apply_default_style, grid_styles
from .roles import ROLE_PROPERTY

#: Group order in the layer tree, top to bottom: points above lines above polygons
#: above rasters, so that nothing hides what lies below it.
DRAW_ORDER = ("navigation", "communication", "monitoring", "realscene3d", "remote_sensing")

GRID_PROPERTY = "citytwin/layer_kind"


class CityTwinBase:
    """Translation context of this module (pylupdate5 files ``CityTwinBase.tr`` strings under it)."""

    @staticmethod
    def tr(text: str) -> str:
        return QCoreApplication.translate("CityTwinBase", text)


def section_titles() -> dict[str, str]:
    return {
        "navigation": CityTwinBase.tr("Navigation"),
        "communication": CityTwinBase.tr("Communication"),
        "remote_sensing": CityTwinBase.tr("Remote sensing"),
        "realscene3d": CityTwinBase.tr("Real-scene 3D"),
        "monitoring": CityTwinBase.tr("Monitoring"),
    }


def layer_title(kind: str, name: str, index: str | None = None) -> str:
    """A readable layer name from its kind and table name."""
    label = {
        "fused_grid": CityTwinBase.tr("Fused grid"),
        "nav_epochs": CityTwinBase.tr("GNSS epochs"),
        "nav_satellites": CityTwinBase.tr("GNSS satellites in view"),
        "gpx_waypoints": CityTwinBase.tr("GPX waypoints"),
        "gpx_points": CityTwinBase.tr("GPX track points"),
        "gpx_lines": CityTwinBase.tr("GPX tracks"),
        "cell_sites": CityTwinBase.tr("Cell sites"),
        "drive_test": CityTwinBase.tr("Drive test"),
        "index_raster": (index or "").upper(),
        "ps_points": CityTwinBase.tr("PS velocity"),
        "pointcloud_extents": CityTwinBase.tr("Point-cloud tiles"),
        "buildings": CityTwinBase.tr("Buildings"),
    }.get(kind, kind)
    suffix = name.split("_", 1)[1] if "_" in name and kind not in ("fused_grid", "index_raster") else ""
    if kind == "index_raster":
        suffix = name.split("_", 1)[1] if "_" in name else ""
    suffix = re.sub(r"(\d{4})_?(\d{2})_?(\d{2})", r"\1-\2-\3", suffix)
    for redundant in ("drive_test_", "_satellites", "_waypoints", "_track_points", "_tracks", "_routes"):
        suffix = suffix.replace(redundant, "_" if redundant.startswith("_") else "")
    suffix = suffix.replace("_", " ").strip()
    return f"{label} — {suffix}" if suffix else label


def _datetime(text: str) -> QDateTime:
    value = QDateTime.fromString(text.rstrip("Z"), Qt.DateFormat.ISODate)
    value.setTimeSpec(Qt.TimeSpec.UTC)
    return value


def _set_temporal(layer, entry) -> None:
    if entry.raster and entry.fixed_time:
        props = layer.temporalProperties()
        props.setMode(Qgis.RasterTemporalMode.FixedTemporalRange)
        props.setFixedTemporalRange(QgsDateTimeRange(_datetime(entry.fixed_time[0]), _datetime(entry.fixed_time[1])))
        props.setIsActive(True)
    elif not entry.raster and entry.time_field:
        props = layer.temporalProperties()
        if entry.end_field:
            props.setMode(Qgis.VectorTemporalMode.FeatureDateTimeStartAndEndFromFields)
            props.setEndField(entry.end_field)
        else:
            props.setMode(Qgis.VectorTemporalMode.FeatureDateTimeInstantFromField)
        props.setStartField(entry.time_field)
        props.setIsActive(True)


def _open_layer(gpkg: Path, entry):
    title = layer_title(entry.kind, entry.name, entry.index)
    if entry.raster:
        return QgsRasterLayer(f"GPKG:{gpkg}:{entry.name}", title, "gdal")
    return QgsVectorLayer(f"{gpkg}|layername={entry.name}", title, "ogr")


def _style_grid(layer: QgsVectorLayer) -> None:
    """The first named style is shown; the others wait in the layer's style manager
    (Layer Properties > Style > Styles, or the layer's context menu)."""
    styles = grid_styles(layer)
    snapshots = {}
    for name, apply in styles.items():
        apply()
        snapshot = QgsMapLayerStyle()
        snapshot.readFromLayer(layer)
        snapshots[name] = snapshot
    manager = layer.styleManager()
    first, *others = list(styles)
    manager.renameStyle(manager.currentStyle(), first)
    for name in others:
        manager.addStyle(name, snapshots[name])
    styles[first]()


def _add_layers(project: QgsProject, built: BuiltBase, groups: dict[str, QgsLayerTreeGroup]) -> list[str]:
    problems = []
    latest_image = max((e.fixed_time[0] for e in built.layers if e.raster and e.fixed_time), default=None)
    for entry in built.layers:
        layer = _open_layer(built.gpkg, entry)
        if not layer.isValid():
            problems.append(entry.name)
            continue
        layer.setCustomProperty(GRID_PROPERTY, entry.kind)
        if entry.kind == "fused_grid":
            _style_grid(layer)
        else:
            layer.setCustomProperty(ROLE_PROPERTY, entry.section)
            apply_default_style(layer, entry.kind, entry.index)
        _set_temporal(layer, entry)
        if isinstance(layer, QgsVectorLayer):
            # Styles travel with the data: stored in the GeoPackage's layer_styles table.
            # (GeoPackage style names hold at most 30 characters.)
            layer.saveStyleToDatabase("CityTwin", "CityTwin default style", True, "")
        project.addMapLayer(layer, False)
        group = groups.get(entry.section)
        if group is not None:
            node = group.addLayer(layer)
        else:  # the fused grid: a polygon layer, drawn just above the imagery
            root = project.layerTreeRoot()
            node = root.insertLayer(root.children().index(groups["remote_sensing"]), layer)
        # Detail layers and older or secondary images are there but not drawn at first.
        detail = entry.kind in ("nav_satellites", "gpx_points")
        secondary_image = entry.raster and (entry.index != "ndvi" or (entry.fixed_time or (None,))[0] != latest_image)
        if detail or secondary_image:
            node.setItemVisibilityChecked(False)
    return problems


def create_base_project(built: BuiltBase, project_path: Path | None = None) -> QgsProject:
    """A new QgsProject holding the base; written to ``project_path`` when given."""
    project = QgsProject()
    crs = QgsCoordinateReferenceSystem(built.crs)
    project.setCrs(crs)
    project.setTitle(built.description.name)
    titles = section_titles()
    groups: dict[str, QgsLayerTreeGroup] = {}
    for section in DRAW_ORDER:
        group = project.layerTreeRoot().addGroup(titles[section])
        group.setCustomProperty(ROLE_PROPERTY, section)
        group.setExpanded(True)
        groups[section] = group
    problems = _add_layers(project, built, groups)
    if problems:
        raise RuntimeError("layers could not be opened from the base: " + ", ".join(problems))
    if built.time_range:
        settings = project.timeSettings()
        settings.setTemporalRange(QgsDateTimeRange(_datetime(built.time_range[0]), _datetime(built.time_range[1])))
        settings.setTimeStep(1)
        settings.setTimeStepUnit(_time_step_unit(built.description.time_unit))
    if built.grid is not None:
        g = built.grid
        x1, y1 = g.origin_x + g.n_cols * g.cell_size, g.origin_y + g.n_rows * g.cell_size
        extent = QgsRectangle(g.origin_x, g.origin_y, x1, y1)
        project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, crs))
    if project_path is not None:
        write_project(project, Path(project_path))
    return project


def _time_step_unit(unit: str):
    units = QgsUnitTypes.TemporalUnit
    return {
        "day": units.TemporalDays,
        "week": units.TemporalWeeks,
        "month": units.TemporalMonths,
        "quarter": units.TemporalMonths,
        "year": units.TemporalYears,
    }[unit]


def write_project(project: QgsProject, path: Path) -> Path:
    """Write ``project`` to ``path`` through a temporary file in the same folder."""
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    if not project.write(str(tmp)):
        tmp.unlink(missing_ok=True)
        raise OSError(f"{path}: the project could not be written ({project.error()})")
    tmp.replace(path)
    return path


@contextlib.contextmanager
def _restore_cwd(folder: str):
    try:
        yield
    finally:
        os.chdir(folder)


def add_base_to_project(project_path: Path, target: QgsProject) -> list[str]:
    """Insert the groups and layers of a base project into ``target`` (keeps styles and
    temporal settings; through a layer definition, as Layer > Add from Layer Definition
    File does). Returns the ids of the added layers."""
    import tempfile

    source = QgsProject()
    if not source.read(str(project_path)):
        raise OSError(f"{project_path}: cannot be read ({source.error()})")
    # loadLayerDefinition changes the process's working directory to the .qlr's
    # folder, which is deleted right after: restore it, or later subprocesses fail.
    working_directory = str(Path.cwd())
    with tempfile.TemporaryDirectory(prefix="citytwin-qlr-") as folder, _restore_cwd(working_directory):
        qlr = str(Path(folder) / "base.qlr")
        ok, message = QgsLayerDefinition.exportLayerDefinition(qlr, source.layerTreeRoot().children())
        if not ok:
            raise OSError(f"{project_path}: {message}")
        before = set(target.mapLayers())
        ok, message = QgsLayerDefinition.loadLayerDefinition(qlr, target, target.layerTreeRoot())
        if not ok:
            raise OSError(f"{project_path}: {message}")
    if not target.crs().isValid() or not before:
        target.setCrs(source.crs())
    span = target.timeSettings().temporalRange()
    incoming = source.timeSettings().temporalRange()
    if incoming.begin().isValid():
        if span.begin().isValid():
            begin = min(span.begin(), incoming.begin())
            end = max(span.end(), incoming.end())
        else:
            begin, end = incoming.begin(), incoming.end()
        target.timeSettings().setTemporalRange(QgsDateTimeRange(begin, end))
    return sorted(set(target.mapLayers()) - before)
