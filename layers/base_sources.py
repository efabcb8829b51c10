"""Load each source of a base description into frames ready to join the base.

Every loader returns a :class:`LoadedSource`: named (Geo)DataFrames or rasters in the
source's own CRS, the reader's report, and the source's time range. A source
without a CRS gets the one the description assigns, or an error that says so: the
base never guesses a CRS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, never_canceled, no_progress
from .base_description import SourceSpec
from .report import ReadReport


@dataclass
class SourceLayer:
    """One layer a source contributes: a frame or a raster file, plus how to show it."""

    name: str
    kind: str
    data: object  # GeoDataFrame / DataFrame, or Path of a raster for kind "index_raster"
    time_field: str | None = None
    end_field: str | None = None
    acquired: np.datetime64 | None = None  # rasters: acquisition instant
    index: str | None = None


@dataclass
class LoadedSource:
    spec: SourceSpec
    path: Path
    layers: list[SourceLayer]
    reports: list[ReadReport]
    time_range: tuple[np.datetime64, np.datetime64] | None = None
    notes: list[str] = field(default_factory=list)


def slug(text: str, limit: int = 40) -> str:
    """A GeoPackage-friendly table name part: lower-case letters, digits, underscores."""
    cleaned = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return (cleaned or "source")[:limit]


def _time_range(*series) -> tuple[np.datetime64, np.datetime64] | None:
    import pandas as pd

    values = [pd.to_datetime(s, utc=True).dropna() for s in series if s is not None and len(s)]
    values = [v for v in values if len(v)]
    if not values:
        return None
    low = min(v.min() for v in values).tz_convert(None).to_datetime64()
    high = max(v.max() for v in values).tz_convert(None).to_datetime64()
    return low, high


def _assign_crs(frame, spec: SourceSpec, path: Path):
    from .base_crs import defined_crs

    if defined_crs(frame.crs) is not None:
        return frame
    if spec.crs:
        return frame.set_crs(spec.crs, allow_override=True)
    raise InputError("the data has no CRS; assign one in the base description ('crs = ...')", source=path)


def _load_nmea(spec: SourceSpec, path: Path, progress, is_canceled) -> LoadedSource:
    import geopandas as gpd

    from .nmea import read_nmea

    log = read_nmea(path, progress=progress, is_canceled=is_canceled)
    epochs = log.epochs.copy()
    has_position = epochs["lat"].notna() & epochs["lon"].notna()
    geometry = gpd.points_from_xy(epochs["lon"].where(has_position), epochs["lat"].where(has_position))
    epochs = gpd.GeoDataFrame(epochs, geometry=geometry, crs=4326)
    stem = slug(path.stem)
    layers = [SourceLayer(f"nav_{stem}", "nav_epochs", epochs, time_field="time")]
    if len(log.satellites):
        satellites = log.satellites.copy()
        satellites["constellation"] = satellites["constellation"].astype(str)
        layers.append(SourceLayer(f"nav_{stem}_satellites", "nav_satellites", satellites, time_field="time"))
    return LoadedSource(spec, path, layers, [log.report], _time_range(epochs["time"]))


def _load_gpx(spec: SourceSpec, path: Path, progress, is_canceled) -> LoadedSource:
    from .gpx import read_gpx

    data = read_gpx(path, progress=progress, is_canceled=is_canceled)
    stem = slug(path.stem)
    layers = []
    for name, frame, kind, time_field in (
        ("waypoints", data.waypoints, "gpx_waypoints", "time"),
        ("track_points", data.track_points, "gpx_points", "time"),
        ("routes", data.routes, "gpx_lines", None),
        ("tracks", data.tracks, "gpx_lines", None),
    ):
        if len(frame):
            layers.append(SourceLayer(f"gpx_{stem}_{name}", kind, frame, time_field=time_field))
    times = [data.waypoints.get("time"), data.track_points.get("time")]
    return LoadedSource(spec, path, layers, [data.report], _time_range(*times))


def _load_opencellid(spec: SourceSpec, path: Path, progress, is_canceled) -> LoadedSource:
    from .cells import read_opencellid

    data = read_opencellid(path, progress=progress, is_canceled=is_canceled)
    layer = SourceLayer(f"cells_{slug(path.stem)}", "cell_sites", data.sites)
    # Cell sites are infrastructure, not observations: they carry no time axis.
    return LoadedSource(spec, path, [layer], [data.report])


def _load_drive_test(spec: SourceSpec, path: Path, progress, is_canceled) -> LoadedSource:
    from .cells import read_drive_test

    data = read_drive_test(path, mapping=spec.options.get("mapping"), progress=progress, is_canceled=is_canceled)
    layer = SourceLayer(f"drive_{slug(path.stem)}", "drive_test", data.measurements, time_field="time")
    return LoadedSource(spec, path, [layer], [data.report], _time_range(data.measurements["time"]))


def _load_imagery(spec: SourceSpec, path: Path, progress, is_canceled, work_dir: Path) -> LoadedSource:
    import pandas as pd

    from .imagery import compute_indices, describe_image

    info = describe_image(path)
    if info.crs_wkt is None and not spec.crs:
        raise InputError("the image has no CRS; assign one in the base description ('crs = ...')", source=path)
    indices = spec.options.get("indices", ("ndvi", "ndbi", "ndwi"))
    result = compute_indices(
        path,
        spec.options.get("sensor", "sentinel2_l2a"),
        work_dir / slug(path.stem),
        indices=indices,
        progress=progress,
        is_canceled=is_canceled,
    )
    acquired = None
    if info.acquired is not None:
        acquired = pd.Timestamp(info.acquired).tz_convert(None).to_datetime64()
    valid = sum(stats.valid for stats in result.stats.values()) // max(len(result.stats), 1)
    report = ReadReport(str(path), rows=info.width * info.height, kept=valid, unit="pixels")
    for note in [*info.notes, *result.notes]:
        report.note(note)
    if acquired is None:
        report.note("No acquisition date in the image: its indices join the base without a time.")
    label = np.datetime_as_string(acquired, unit="D").replace("-", "") if acquired is not None else slug(path.stem)
    layers = [
        SourceLayer(f"{index}_{label}", "index_raster", Path(result.paths[index]), acquired=acquired, index=index)
        for index in result.paths
    ]
    return LoadedSource(spec, path, layers, [report], (acquired, acquired) if acquired is not None else None)


def _load_ps(spec: SourceSpec, path: Path, progress, is_canceled) -> LoadedSource:
    from .insar import date_column_names, read_egms_csv, read_ps_layer

    if path.suffix.lower() in (".csv", ".txt"):
        data = read_egms_csv(path, crs=spec.crs, progress=progress, is_canceled=is_canceled)
    else:
        data = read_ps_layer(
            path, layer=spec.options.get("layer"), crs=spec.crs, progress=progress, is_canceled=is_canceled
        )
    points = data.points.copy()
    # The QGIS InSAR viewer convention: one D_YYYYMMDD field per epoch, in mm.
    for name, column in zip(date_column_names(data.dates), data.displacement.T):
        points[f"D_{name}"] = column
    layer = SourceLayer(f"ps_{slug(path.stem)}", "ps_points", points)
    start, end = data.dates[0].astype("datetime64[s]"), data.dates[-1].astype("datetime64[s]")
    return LoadedSource(spec, path, [layer], [data.report], (start, end))


def _load_pointcloud(spec: SourceSpec, path: Path, progress, is_canceled, target_crs) -> LoadedSource:
    from .pointcloud_index import index_point_clouds

    index = index_point_clouds(
        [path],
        target_crs=target_crs,
        assumed_crs=spec.crs,
        scan_classes=True,
        progress=progress,
        is_canceled=is_canceled,
    )
    if not len(index.extents):
        raise InputError("; ".join(index.report.notes) or "the point cloud could not be indexed", source=path)
    layer = SourceLayer(f"pointcloud_{slug(path.stem)}", "pointcloud_extents", index.extents)
    return LoadedSource(spec, path, [layer], [index.report])


def _load_buildings(spec: SourceSpec, path: Path, progress, is_canceled) -> LoadedSource:
    from .buildings import read_buildings

    data = read_buildings(path, layer=spec.options.get("layer"), mapping=spec.options.get("mapping"))
    progress(1.0)
    layer = SourceLayer(f"buildings_{slug(path.stem)}", "buildings", data.footprints)
    return LoadedSource(spec, path, [layer], [data.report])


def load_source(
    spec: SourceSpec,
    path: Path,
    work_dir: Path,
    target_crs=None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> LoadedSource:
    """Read one source of the description; its frames keep their own CRS."""
    if not path.exists():
        raise InputError("file not found", source=path)
    if spec.kind == "imagery":
        return _load_imagery(spec, path, progress, is_canceled, work_dir)
    if spec.kind == "pointcloud":
        return _load_pointcloud(spec, path, progress, is_canceled, target_crs)
    loaders = {
        "nmea": _load_nmea,
        "gpx": _load_gpx,
        "opencellid": _load_opencellid,
        "drive_test": _load_drive_test,
        "ps": _load_ps,
        "buildings": _load_buildings,
    }
    loaded = loaders[spec.kind](spec, path, progress, is_canceled)
    for layer in loaded.layers:
        if hasattr(layer.data, "geometry") and hasattr(layer.data, "crs"):
            layer.data = _assign_crs(layer.data, spec, path)
    return loaded
