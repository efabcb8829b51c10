"""GPX 1.0/1.1 files -> waypoints, track and route points, and track and route lines.

Read through pyogrio with GDAL's GPX driver (its layers ``waypoints``, ``routes``,
``route_points``, ``tracks``, ``track_points``). Every frame is in EPSG:4326 (GPX is
WGS 84 by definition), has the columns below whether or not the file has any such
feature, and ``time`` is datetime64[ns, UTC] (NaT when a point has no time):

================  ================================================================
``waypoints``     ``name``, ``time``, ``ele_m``, point geometry
``track_points``  ``track_id``, ``track`` (its name), ``segment``, ``point``,
                  ``name``, ``time``, ``ele_m``, point geometry
``route_points``  ``route_id``, ``route`` (its name), ``point``, ``name``,
                  ``time``, ``ele_m``, point geometry
``tracks``        ``track_id``, ``name``, ``segments``, ``points``, MultiLineString
                  (one part per segment of two or more points; None without any)
``routes``        ``route_id``, ``name``, ``points``, LineString (None below two points)
================  ================================================================

``track_id``/``route_id`` number tracks and routes from 0 in file order (names need
not be unique); ``segment`` and ``point`` number segments within a track and points
within a segment (or route) from 0. ``ele_m`` is the GPX ``<ele>``, metres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .report import ReadReport

if TYPE_CHECKING:  # imported where used: geopandas is slow to import, and the plugin starts up fast
    import geopandas as gpd

CRS = "EPSG:4326"

WAYPOINT_COLUMNS = ("name", "time", "ele_m", "geometry")
TRACK_POINT_COLUMNS = ("track_id", "track", "segment", "point", "name", "time", "ele_m", "geometry")
ROUTE_POINT_COLUMNS = ("route_id", "route", "point", "name", "time", "ele_m", "geometry")
TRACK_COLUMNS = ("track_id", "name", "segments", "points", "geometry")
ROUTE_COLUMNS = ("route_id", "name", "points", "geometry")

#: GDAL's GPX fields read for each point layer, with the names they get here.
_POINT_FIELDS = {
    "waypoints": {"name": "name", "time": "time", "ele": "ele_m"},
    "track_points": {
        "track_fid": "track_id",
        "track_seg_id": "segment",
        "track_seg_point_id": "point",
        "name": "name",
        "time": "time",
        "ele": "ele_m",
    },
    "route_points": {
        "route_fid": "route_id",
        "route_point_id": "point",
        "name": "name",
        "time": "time",
        "ele": "ele_m",
    },
}


@dataclass
class GpxData:
    """What :func:`read_gpx` read (frames and columns in the module docstring)."""

    waypoints: gpd.GeoDataFrame
    track_points: gpd.GeoDataFrame
    route_points: gpd.GeoDataFrame
    tracks: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    report: ReadReport


def read_gpx(
    path: str | Path,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> GpxData:
    """Read a GPX file's waypoints, routes and tracks.

    Track and route lines are built from their points (GDAL's own track geometry fails
    on a segment of one point). Times without a time zone are read as UTC, which GPX
    prescribes (noted).

    Parameters
    ----------
    path
        The GPX file.
    progress, is_canceled
        Progress (0-1) and cancel callbacks, called between layers; cancel raises
        :class:`~citytwin.common.errors.Canceled`.

    Returns
    -------
    GpxData
        ``report.rows`` and ``report.kept`` count the points (waypoints, track and route
        points) read.

    Raises
    ------
    InputError
        When the file is missing, empty, not XML that GDAL reads as GPX (the message
        gives the parser's line when it has one), or otherwise unreadable.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    _check_file(path)
    report = ReadReport(source=str(path))
    try:
        driver = pyogrio.read_info(path, layer=0)["driver"]
    except pyogrio.errors.DataSourceError as exc:
        raise _open_error(path, exc) from exc
    if driver != "GPX":
        raise InputError(f"not a GPX file (GDAL reads it as {driver})", source=path)

    def read(layer: str, step: int, **options) -> pd.DataFrame:
        check_canceled(is_canceled)
        try:
            frame = pyogrio.read_dataframe(path, layer=layer, **options)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise _open_error(path, exc) from exc
        progress(step / 5)
        return frame

    names = {"tracks": None, "routes": None}
    for step, layer in enumerate(names, start=1):
        names[layer] = read(layer, step, columns=["name"], read_geometry=False, fid_as_index=True)["name"]
    points = {}
    for step, (layer, fields) in enumerate(_POINT_FIELDS.items(), start=3):
        points[layer] = _points(read(layer, step, columns=list(fields)), fields, report)

    waypoints = points["waypoints"]
    track_points = points["track_points"]
    track_points["track"] = _names_of(track_points["track_id"], names["tracks"])
    route_points = points["route_points"]
    route_points["route"] = _names_of(route_points["route_id"], names["routes"])
    tracks = _tracks(track_points, names["tracks"], report)
    routes = _routes(route_points, names["routes"], report)
    report.rows = report.kept = len(waypoints) + len(track_points) + len(route_points)
    progress(1.0)
    return GpxData(
        waypoints=gpd.GeoDataFrame(waypoints[list(WAYPOINT_COLUMNS)], geometry="geometry", crs=CRS),
        track_points=gpd.GeoDataFrame(track_points[list(TRACK_POINT_COLUMNS)], geometry="geometry", crs=CRS),
        route_points=gpd.GeoDataFrame(route_points[list(ROUTE_POINT_COLUMNS)], geometry="geometry", crs=CRS),
        tracks=tracks,
        routes=routes,
        report=report,
    )


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", source=path)
    if not path.is_file():
        raise InputError("not a file", source=path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", source=path) from exc
    if size == 0:
        raise InputError("the file is empty", source=path)


def _open_error(path: Path, exc: Exception) -> InputError:
    message = str(exc)
    # GDAL: "XML parsing of GPX file failed : mismatched tag at line 3, column 30"
    where = re.search(r"at line (\d+)", message)
    if "not recognized as a supported file format" in message:
        message = "not a GPX file (GDAL does not recognise its format)"
    elif "GPX" in message:
        message = f"not a readable GPX file ({message})"
    else:  # another driver claimed the file and failed
        message = f"not a GPX file ({message})"
    return InputError(message, source=path, line=int(where.group(1)) if where else None)


def _points(frame: pd.DataFrame, fields: dict[str, str], report: ReadReport) -> pd.DataFrame:
    frame = frame.rename(columns=fields)
    frame["time"] = _utc(frame["time"], report)
    for column in fields.values():
        if column in ("track_id", "segment", "point", "route_id"):
            frame[column] = frame[column].astype(np.int64)
    frame["ele_m"] = frame["ele_m"].astype(np.float64)
    return frame


def _utc(times: pd.Series, report: ReadReport) -> pd.Series:
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return times.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    if pd.api.types.is_datetime64_dtype(times.dtype):
        if times.notna().any():
            report.note("Times without a time zone were read as UTC (as GPX prescribes).")
        return times.astype("datetime64[ns]").dt.tz_localize("UTC")
    # Mixed or unparsed values: let pandas sort them out, UTC.
    return pd.to_datetime(times, utc=True, errors="coerce").astype("datetime64[ns, UTC]")


def _names_of(ids: pd.Series, names: pd.Series) -> pd.Series:
    return pd.Series(names.reindex(ids.to_numpy()).to_numpy(dtype=object), index=ids.index, dtype=object)


def _lines(xy: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One LineString per ``key`` through its points in order, for keys with two points or more.

    Returns those keys (sorted) and their lines.
    """
    import shapely

    order = np.argsort(key, kind="stable")
    key, xy = key[order], xy[order]
    keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    long = counts >= 2
    if not long.any():
        return keys[:0], np.zeros(0, dtype=object)
    keep = long[inverse]
    _, dense = np.unique(inverse[keep], return_inverse=True)  # shapely wants indices 0..n-1
    return keys[long], shapely.linestrings(xy[keep], indices=dense)


def _place(geometry: np.ndarray, index: pd.Index, ids: np.ndarray, values: np.ndarray) -> None:
    positions = index.get_indexer(ids)
    found = positions >= 0  # a point of a track or route GDAL did not list keeps no line
    geometry[positions[found]] = values[found]


def _tracks(track_points: pd.DataFrame, names: pd.Series, report: ReadReport) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    track = track_points["track_id"].to_numpy()
    segment = track_points["segment"].to_numpy()
    stride = int(segment.max()) + 1 if len(segment) else 1
    segment_keys, segment_lines = _lines(
        shapely.get_coordinates(track_points.geometry.to_numpy()), track * stride + segment
    )
    short = len(np.unique(track * stride + segment)) - len(segment_keys)
    if short:
        report.note(f"{short:,} track segment(s) with a single point have no line.")
    geometry = np.full(len(names), None, dtype=object)
    if len(segment_lines):
        track_ids, dense = np.unique(segment_keys // stride, return_inverse=True)
        _place(geometry, names.index, track_ids, shapely.multilinestrings(segment_lines, indices=dense))
    counts = pd.DataFrame({"track_id": track, "segment": segment}).groupby("track_id")["segment"]
    frame = pd.DataFrame(
        {
            "track_id": names.index.to_numpy(dtype=np.int64),
            "name": names.to_numpy(dtype=object),
            "segments": counts.nunique().reindex(names.index, fill_value=0).to_numpy(dtype=np.int64),
            "points": counts.size().reindex(names.index, fill_value=0).to_numpy(dtype=np.int64),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=CRS), crs=CRS)[list(TRACK_COLUMNS)]


def _routes(route_points: pd.DataFrame, names: pd.Series, report: ReadReport) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    route = route_points["route_id"].to_numpy()
    route_ids, lines = _lines(shapely.get_coordinates(route_points.geometry.to_numpy()), route)
    geometry = np.full(len(names), None, dtype=object)
    _place(geometry, names.index, route_ids, lines)
    counts = pd.Series(route).value_counts().reindex(names.index, fill_value=0)
    short = int((counts == 1).sum())
    if short:
        report.note(f"{short:,} route(s) with a single point have no line.")
    frame = pd.DataFrame(
        {
            "route_id": names.index.to_numpy(dtype=np.int64),
            "name": names.to_numpy(dtype=object),
            "points": counts.to_numpy(dtype=np.int64),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=CRS), crs=CRS)[list(ROUTE_COLUMNS)]
