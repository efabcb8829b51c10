"""(Geo)DataFrames into Processing feature sinks, and styles applied on load.

The readers return pandas/geopandas frames; Processing outputs are feature sinks so
that every output format and destination QGIS offers (GeoPackage, memory, PostGIS,
...) works. Geometries travel as WKB; column types map to QGIS field types.
"""

from __future__ import annotations

import contextlib
import glob
import traceback
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputLayerDefinition,
    QgsProperty,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDateTime, Qt

from ..common.errors import Canceled
from .qgis_fields import make_fields

_KEEP_ALIVE: list[QgsProcessingLayerPostProcessorInterface] = []


def _kind(dtype) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int64"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "string"


def _wkb_type(frame) -> int:
    if "geometry" not in frame or frame.geometry.isna().all():
        return QgsWkbTypes.Type.NoGeometry
    types = set(frame.geometry.geom_type.dropna())
    if types <= {"Point"}:
        return QgsWkbTypes.Type.Point
    if types <= {"Polygon", "MultiPolygon"}:
        return QgsWkbTypes.Type.MultiPolygon
    if types <= {"LineString", "MultiLineString"}:
        return QgsWkbTypes.Type.MultiLineString
    return QgsWkbTypes.Type.Unknown


def _to_qt(value: Any, kind: str):
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "datetime":
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        result = QDateTime.fromMSecsSinceEpoch(int(stamp.value // 1_000_000), Qt.TimeSpec.UTC)
        return result
    if kind == "int64":
        return int(value)
    if kind == "double":
        return float(value)
    if kind == "bool":
        return bool(value)
    return str(value)


def write_frame(algorithm, parameters, name: str, context, frame, feedback, crs=None) -> str:
    """Write ``frame`` into the sink parameter ``name``; returns the destination id.

    A cancel (or a failure) part-way removes the file this call created, so no half-written
    output is left. A file that existed is never removed: a layer added to an existing
    GeoPackage, or a file being overwritten, stays as the writer left it.
    """
    columns = [c for c in frame.columns if c != "geometry"]
    kinds = [_kind(frame[c].dtype) for c in columns]
    fields = make_fields(list(zip(columns, kinds)))
    wkb_type = _wkb_type(frame)
    if crs is None:
        crs = (
            QgsCoordinateReferenceSystem(frame.crs.to_wkt())
            if getattr(frame, "crs", None)
            else QgsCoordinateReferenceSystem()
        )
    created = _new_file(parameters.get(name))
    sink, dest = algorithm.parameterAsSink(parameters, name, context, fields, wkb_type, crs)
    if sink is None:
        raise QgsProcessingException(algorithm.invalidSinkError(parameters, name))
    try:
        _write_features(sink, frame, columns, kinds, fields, wkb_type, feedback)
    except Exception as exc:
        # Close the writer before its files go: the traceback keeps the writing frame,
        # which holds the sink, alive.
        traceback.clear_frames(exc.__traceback__)
        del sink
        _remove_new_file(created, dest)
        raise
    return dest


def _write_features(sink, frame, columns, kinds, fields, wkb_type, feedback) -> None:
    import shapely

    geometries = None
    if wkb_type != QgsWkbTypes.Type.NoGeometry:
        geoms = frame.geometry.to_numpy()
        if wkb_type in (QgsWkbTypes.Type.MultiPolygon, QgsWkbTypes.Type.MultiLineString):
            geoms = shapely.force_2d(geoms)
        geometries = shapely.to_wkb(geoms, include_srid=False)
    values = [frame[c].to_numpy(dtype=object) for c in columns]
    total = max(len(frame), 1)
    for i in range(len(frame)):
        if i % 5000 == 0:
            if feedback is not None and feedback.isCanceled():
                raise Canceled()
            if feedback is not None:
                feedback.setProgress(100.0 * i / total)
        feature = QgsFeature(fields)
        feature.setAttributes([_to_qt(column[i], kind) for column, kind in zip(values, kinds)])
        if geometries is not None and geometries[i] is not None:
            geometry = QgsGeometry()
            geometry.fromWkb(geometries[i])
            if wkb_type in (QgsWkbTypes.Type.MultiPolygon, QgsWkbTypes.Type.MultiLineString):
                geometry.convertToMultiType()
            feature.setGeometry(geometry)
        if not sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert):
            raise QgsProcessingException(sink.lastError())


def _new_file(value: Any) -> tuple[Path, set[str]] | None:
    """The file a sink parameter's value is about to create, and the names beside it that
    exist already.

    Read from the value itself: ``parameterAsOutputLayer`` would register a layer to load
    (and make up a temporary name of its own). None for a temporary output, a memory
    layer, a database, or a file that exists (a new layer in an existing GeoPackage):
    those are never removed.
    """
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink
    if isinstance(value, QgsProperty):
        if value.propertyType() != QgsProperty.Type.StaticProperty:
            return None
        value = value.staticValue()
    if not isinstance(value, str) or value == QgsProcessing.TEMPORARY_OUTPUT:
        return None
    path = Path(value.split("|")[0])
    if not path.is_absolute() or path.exists() or not path.parent.is_dir():
        return None
    return path, {p.name for p in path.parent.glob(glob.escape(path.stem) + ".*")}


def _remove_new_file(created: tuple[Path, set[str]] | None, dest: str) -> None:
    """Remove a canceled sink's file and its side files (a shapefile's .dbf, ...), when this
    write created them; what was there before is left alone."""
    if created is None:
        return
    path, before = created
    if Path(str(dest).split("|")[0]) != path:
        return  # the sink went elsewhere (e.g. a generated temporary name)
    for side in path.parent.glob(glob.escape(path.stem) + ".*"):
        if side.name not in before:
            with contextlib.suppress(OSError):  # a file still held elsewhere: the cancel stands
                side.unlink(missing_ok=True)


class StyleOnLoad(QgsProcessingLayerPostProcessorInterface):
    """Applies CityTwin's default style, base role and time axis to a loaded output."""

    def __init__(self, kind: str, section: str, time_field: str | None = None, index: str | None = None) -> None:
        super().__init__()
        self.kind, self.section, self.time_field, self.index = kind, section, time_field, index

    def postProcessLayer(self, layer, context, feedback) -> None:
        from qgis.core import Qgis

        from ..layers.qgis_styles import apply_default_style
        from ..layers.roles import ROLE_PROPERTY

        apply_default_style(layer, self.kind, self.index)
        layer.setCustomProperty(ROLE_PROPERTY, self.section)
        if self.time_field and hasattr(layer.temporalProperties(), "setStartField"):
            props = layer.temporalProperties()
            props.setMode(Qgis.VectorTemporalMode.FeatureDateTimeInstantFromField)
            props.setStartField(self.time_field)
            props.setIsActive(True)
        layer.triggerRepaint()


def style_on_load(context, dest_id: str, kind: str, section: str, time_field: str | None = None, index=None) -> None:
    """Register :class:`StyleOnLoad` for an output that QGIS loads when the run ends."""
    if not context.willLoadLayerOnCompletion(dest_id):
        return
    processor = StyleOnLoad(kind, section, time_field, index)
    # The post-processor must outlive the algorithm run; QGIS does not own it.
    _KEEP_ALIVE.append(processor)
    del _KEEP_ALIVE[:-64]
    context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(processor)


def crs_wkt(crs) -> str | None:
    """WKT2 of a QGIS CRS (what pyproj reads), None when it is not set."""
    from qgis.core import QgsCoordinateReferenceSystem

    return crs.toWkt(QgsCoordinateReferenceSystem.WktVariant.WKT2_2019) if crs.isValid() else None


def source_to_frame(source, field_names: list[str] | None = None, feedback=None):
    """A QGIS feature source as a GeoDataFrame (geometry via WKB) with its CRS.

    For building footprints and similar layers of thousands of features; bulk point
    data are read from their files by the core instead.
    """
    import geopandas as gpd
    import shapely

    names = field_names if field_names is not None else [f.name() for f in source.fields()]
    rows, geometries = [], []
    for i, feature in enumerate(source.getFeatures()):
        if feedback is not None and i % 2000 == 0 and feedback.isCanceled():
            raise Canceled()
        geometry = feature.geometry()
        geometries.append(shapely.from_wkb(bytes(geometry.asWkb())) if not geometry.isNull() else None)
        rows.append({name: _from_qt(feature[name]) for name in names})
    crs = source.sourceCrs()
    return gpd.GeoDataFrame(rows, columns=names, geometry=geometries, crs=crs.toWkt() if crs.isValid() else None)


def _from_qt(value):
    from qgis.PyQt.QtCore import QDate, QDateTime, QVariant

    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDateTime):
        return value.toPyDateTime()
    if isinstance(value, QDate):
        return value.toPyDate()
    return value


class FrameMessages:
    """Translation context of this module's functions (pylupdate5 files ``FrameMessages.tr`` strings under it)."""

    @staticmethod
    def tr(text: str) -> str:
        from qgis.PyQt.QtCore import QCoreApplication

        return QCoreApplication.translate("FrameMessages", text)


def require_crs(source):
    """The source's CRS; a clear error naming the layer when it has none (distances need metres)."""
    crs = source.sourceCrs()
    if not crs.isValid():
        raise QgsProcessingException(
            FrameMessages.tr("Layer '{layer}' has no CRS: assign one (distances are in metres).").format(
                layer=source.sourceName()
            )
        )
    return crs


def projected(frame, label: str, feedback):
    """``frame`` in a projected CRS: as it is, or in the UTM zone of its centre (said in the log)."""
    if frame.crs is not None and frame.crs.is_geographic:
        utm = frame.estimate_utm_crs()
        feedback.pushInfo(
            FrameMessages.tr("{layer} is in geographic coordinates; distances are computed in {crs}.").format(
                layer=label, crs=utm.name
            )
        )
        return frame.to_crs(utm)
    return frame
