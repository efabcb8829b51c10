"""Summaries of LAS/LAZ/COPC files: header facts plus, optionally, a class census.

The header is read without touching the points; the class census streams the points
in chunks (laspy's ``chunk_iterator``) so memory stays bounded whatever the file size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .crs import CrsReport, read_crs_report

#: Points read per chunk when scanning; about 40 MB for point format 3.
DEFAULT_CHUNK_SIZE = 1_000_000

GPS_TIME_TYPES = {0: "GPS week time", 1: "adjusted standard GPS time"}


@dataclass(frozen=True)
class PointCloudInfo:
    """Facts about one point-cloud file.

    Coordinates are in the file's CRS units (``crs.crs_wkt``; None when the file has
    no CRS record). ``class_counts`` maps ASPRS class codes to point counts and is
    None unless the points were scanned.
    """

    path: str
    file_format: str
    las_version: str
    point_format: int
    point_count: int
    points_by_return: tuple[int, ...]
    mins: tuple[float, float, float]
    maxs: tuple[float, float, float]
    scales: tuple[float, float, float]
    offsets: tuple[float, float, float]
    crs: CrsReport
    system_identifier: str
    generating_software: str
    creation_date: dt.date | None
    gps_time_type: str
    dimensions: tuple[str, ...]
    extra_dimensions: tuple[str, ...]
    has_rgb: bool
    file_size: int
    class_counts: dict[int, int] | None = field(default=None)

    @property
    def classes(self) -> tuple[int, ...]:
        """Class codes present (empty when not scanned)."""
        return tuple(sorted(self.class_counts)) if self.class_counts else ()


def _open(path: Path):
    import laspy

    if not path.exists():
        raise InputError("file not found", source=path)
    if not path.is_file():
        raise InputError("not a file", source=path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", source=path)
    try:
        return laspy.open(str(path))
    except laspy.errors.LaspyException as exc:
        raise InputError(f"not a readable LAS/LAZ file ({exc})", source=path) from exc
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", source=path) from exc


def _file_format(header) -> str:
    if any(vlr.user_id == "copc" for vlr in header.vlrs):
        return "COPC"
    return "LAZ" if header.are_points_compressed else "LAS"


def read_point_cloud_info(
    path: str | Path,
    scan_classes: bool = True,
    chunk_size: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> PointCloudInfo:
    """Read a LAS/LAZ/COPC file's header and, if asked, count its points per class.

    Parameters
    ----------
    path
        The point-cloud file.
    scan_classes
        Stream all points to count them per classification code.
    chunk_size
        Points per chunk while scanning (default :data:`DEFAULT_CHUNK_SIZE`).
    progress, is_canceled
        Progress (0-1) and cancel callbacks; cancel raises
        :class:`~citytwin.common.errors.Canceled`.

    Returns
    -------
    PointCloudInfo

    Raises
    ------
    InputError
        When the file is missing, empty, not a LAS/LAZ file or truncated.
    """
    path = Path(path)
    reader = _open(path)
    with reader:
        header = reader.header
        counts = None
        if scan_classes:
            counts = _count_classes(
                path, reader, header.point_count, chunk_size or DEFAULT_CHUNK_SIZE, progress, is_canceled
            )
        point_format = header.point_format
        standard = set(point_format.standard_dimension_names)
        info = PointCloudInfo(
            path=str(path),
            file_format=_file_format(header),
            las_version=f"{header.version.major}.{header.version.minor}",
            point_format=point_format.id,
            point_count=int(header.point_count),
            points_by_return=tuple(int(n) for n in np.trim_zeros(header.number_of_points_by_return, "b")),
            mins=tuple(float(v) for v in header.mins),
            maxs=tuple(float(v) for v in header.maxs),
            scales=tuple(float(v) for v in header.scales),
            offsets=tuple(float(v) for v in header.offsets),
            crs=read_crs_report(header),
            system_identifier=str(header.system_identifier).strip("\x00 "),
            generating_software=str(header.generating_software).strip("\x00 "),
            creation_date=header.creation_date,
            gps_time_type=GPS_TIME_TYPES.get(int(header.global_encoding.gps_time_type), "unknown"),
            dimensions=tuple(name for name in point_format.dimension_names if name in standard),
            extra_dimensions=tuple(point_format.extra_dimension_names),
            has_rgb="red" in standard,
            file_size=path.stat().st_size,
            class_counts=counts,
        )
    progress(1.0)
    return info


def _count_classes(
    path: Path,
    reader,
    point_count: int,
    chunk_size: int,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> dict[int, int]:
    import laspy

    totals = np.zeros(256, dtype=np.int64)
    done = 0
    try:
        for chunk in reader.chunk_iterator(chunk_size):
            check_canceled(is_canceled)
            totals += np.bincount(np.asarray(chunk.classification, dtype=np.uint8), minlength=256)
            done += len(chunk)
            progress(done / point_count if point_count else 1.0)
    except (laspy.errors.LaspyException, ValueError, OSError, RuntimeError) as exc:
        # A cut-off LAS ends mid-record (numpy ValueError); a damaged LAZ chunk makes
        # lazrs raise (a RuntimeError subclass or OSError, depending on the backend).
        raise InputError(
            f"the points cannot be read after point {done:,} of {point_count:,} ({exc})",
            source=path,
        ) from exc
    if done < point_count:
        raise InputError(
            f"the file is truncated: the header promises {point_count:,} points, only {done:,} could be read",
            source=path,
        )
    return {int(code): int(n) for code, n in enumerate(totals) if n}
