"""Point-cloud files indexed for the base: extent polygon, count, CRS, classes.

Only headers are read (plus, optionally, a streamed class census), so indexing a
folder of large tiles is quick. Rendering and deriving belong to ``twin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress, sub_progress
from ..twin.pointcloud_info import read_point_cloud_info
from .report import ReadReport

# Extent polygons are densified before reprojection so that their edges follow the
# curvature of the transformation (e.g. UTM -> Gauss-Krüger across zones).
_DENSIFY_POINTS = 21


@dataclass
class PointCloudIndex:
    """``extents``: GeoDataFrame (target CRS) with one row per file; ``report``."""

    extents: object
    report: ReadReport


def _extent_polygon(mins, maxs, source_crs, target_crs):
    import pyproj
    import shapely

    xmin, ymin = mins[0], mins[1]
    xmax, ymax = maxs[0], maxs[1]
    if source_crs is None or target_crs is None or pyproj.CRS(source_crs).equals(pyproj.CRS(target_crs)):
        return shapely.box(xmin, ymin, xmax, ymax)
    transformer = pyproj.Transformer.from_crs(source_crs, target_crs, always_xy=True)
    t = np.linspace(0, 1, _DENSIFY_POINTS)
    xs = np.concatenate(
        [xmin + (xmax - xmin) * t, np.full_like(t, xmax), xmax - (xmax - xmin) * t, np.full_like(t, xmin)]
    )
    ys = np.concatenate(
        [np.full_like(t, ymin), ymin + (ymax - ymin) * t, np.full_like(t, ymax), ymax - (ymax - ymin) * t]
    )
    tx, ty = transformer.transform(xs, ys)
    return shapely.Polygon(np.column_stack([tx, ty]))


def index_point_clouds(
    paths: list[str | Path],
    target_crs=None,
    assumed_crs=None,
    scan_classes: bool = False,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> PointCloudIndex:
    """Index point-cloud files as extent polygons in ``target_crs``.

    A file without a CRS record is never guessed: it is indexed only when the user
    gave ``assumed_crs`` (and a note says so); otherwise it is skipped and reported.
    Files that cannot be read are skipped and reported, not fatal: one bad tile must
    not stop a city's index.
    """
    import geopandas as gpd
    import pyproj

    from ..common.errors import InputError

    source = str(paths[0]) if len(paths) == 1 else f"{len(paths)} point-cloud files"
    report = ReadReport(source, rows=len(paths), unit="files")
    rows, extents_native = [], []
    for i, path in enumerate(paths):
        check_canceled(is_canceled)
        try:
            info = read_point_cloud_info(
                path,
                scan_classes=scan_classes,
                progress=sub_progress(progress, i / len(paths), (i + 1) / len(paths)),
                is_canceled=is_canceled,
            )
        except InputError as exc:
            report.skip(i + 1, "unreadable")
            report.note(str(exc))
            continue
        crs = info.crs.crs_wkt
        if crs is None:
            if assumed_crs is None:
                report.skip(i + 1, "no CRS")
                report.note(f"{path}: no CRS record; assign its CRS to add it to the base.")
                continue
            crs = pyproj.CRS(assumed_crs).to_wkt()
            report.note(f"{path}: no CRS record; the CRS you assigned ({pyproj.CRS(assumed_crs).name}) is used.")
        for message in info.crs.messages if info.crs.crs_wkt else ():
            report.note(f"{path}: {message}")
        area = (info.maxs[0] - info.mins[0]) * (info.maxs[1] - info.mins[1])
        rows.append(
            {
                "path": str(path),
                "name": Path(path).name,
                "format": info.file_format,
                "las_version": info.las_version,
                "point_format": info.point_format,
                "point_count": info.point_count,
                "crs": pyproj.CRS(crs).to_string(),
                "z_min": info.mins[2],
                "z_max": info.maxs[2],
                "density_per_m2": info.point_count / area if area > 0 else np.nan,
                "classes": ",".join(str(c) for c in info.classes) if info.class_counts else None,
                "has_rgb": info.has_rgb,
            }
        )
        extents_native.append((info.mins, info.maxs, crs))
    report.kept = len(rows)
    # Without a target CRS the first file's CRS is the frame's: one frame, one CRS.
    frame_crs = target_crs if target_crs is not None else (extents_native[0][2] if rows else None)
    geoms = [_extent_polygon(mins, maxs, crs, frame_crs) for mins, maxs, crs in extents_native]
    columns = ["path", "name", "format", "las_version", "point_format", "point_count", "crs", "z_min", "z_max",
               "density_per_m2", "classes", "has_rgb"]  # fmt: skip
    extents = gpd.GeoDataFrame(rows, columns=columns, geometry=geoms, crs=frame_crs)
    progress(1.0)
    return PointCloudIndex(extents, report)
