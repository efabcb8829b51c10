"""Streaming reader of LAS/LAZ/COPC point clouds: chunks in real coordinates, reprojected on the fly.

- :func:`iter_chunks` streams a LAS 1.0-1.4 / LAZ / COPC file (point formats 0-10) as
  :class:`~citytwin.twin.cloud.PointChunk` objects with real (scaled, float64) coordinates,
  the standard attributes a digital base uses and every extra-bytes dimension under its
  own name. Memory is bounded by the chunk size whatever the file size.
- :func:`read_cloud` streams, reprojects and decimates (:mod:`citytwin.twin.decimate`) chunk
  by chunk to a point budget, then shifts the points to a local origin
  (:class:`~citytwin.twin.cloud.LocalCloud`). Peak memory depends on the budget and the
  chunk size, not on the file size.
- :func:`read_copc` reads the part of a COPC file a view needs: only the octree nodes that
  meet ``bounds`` and are fine enough for ``resolution`` are read and decompressed.

CRS: the source CRS is the file's own record (:func:`~citytwin.twin.crs.read_crs_report`),
or ``source_crs`` when the file has none (a file's own record always wins). A file
without a CRS is never guessed: reprojecting it without ``source_crs`` is an
:class:`~citytwin.common.errors.InputError`. Reprojection uses one pyproj transformer
(``always_xy``) per read. Heights: when both CRSs are 3D (compound horizontal + vertical,
or geographic 3D) x, y and z are transformed together; otherwise only x/y are transformed
(with the horizontal parts) and z is left as it is. The reported output CRS then says so:
a compound source reprojected to a 2D target gives the compound "target + source
vertical CRS", because z is still in the source's vertical datum.

Speed: the voxel test runs in a compiled kernel (:mod:`citytwin.twin.voxel_kernel`,
numba) when numba is installed, and chunk i is then decimated on one worker thread while
chunk i+1 is read (the kernel releases the GIL). Without numba the NumPy path runs on the
calling thread only: measured on a 2-core machine, a thread made it about 10 % slower
(many short NumPy calls hand the GIL back and forth). A second worker gathers what a
chunk keeps, as raw records (:class:`_Kept`), and asks the final fit's first question
ahead (:meth:`VoxelDecimator.take_on`), building coordinates and attributes only for the
points that answer keeps: when the stream ends, the result is usually ready. What pays
besides: voxels are computed from the file's integer coordinates, and an uncompressed LAS
is read into NumPy buffers (:func:`_las_records`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from . import voxel_kernel
from .cloud import LocalCloud, PointChunk
from .crs import CrsReport, read_crs_report
from .decimate import VoxelDecimator, concat_chunks
from .pointcloud_info import _open as _open_checked

#: Points per chunk: about 35 MB of raw records for point format 3.
DEFAULT_CHUNK_SIZE = 1_000_000
#: Points of a decimated cloud: what a 3D view draws smoothly.
DEFAULT_BUDGET = 3_000_000
#: Attributes read by default (each when the point format has it), plus every extra dimension.
STANDARD_ATTRIBUTES = (
    "classification",
    "intensity",
    "return_number",
    "number_of_returns",
    "gps_time",
    "red",
    "green",
    "blue",
)
_COORDINATES = {"x", "y", "z", "X", "Y", "Z"}
#: Relative margin around bounds taken back to the source CRS (curved edges, rounding).
_BOUNDS_MARGIN = 0.01


# -- planning: what to read, in which CRS -------------------------------------------------
@dataclass
class _Reprojection:
    transformer: Any  # pyproj.Transformer
    with_z: bool

    def apply(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
        # In place on fresh float64 arrays: no extra copies of the chunk.
        if self.with_z:
            self.transformer.transform(x, y, z, inplace=True)
        else:
            self.transformer.transform(x, y, inplace=True)


@dataclass
class _Plan:
    """Everything decided from the header before any point is read."""

    path: Path
    header: Any
    point_count: int
    is_copc: bool
    crs: CrsReport
    names: list[str]
    reprojection: _Reprojection | None
    output_crs_wkt: str | None
    bounds: tuple[float, float, float, float] | None
    source_bounds: tuple[float, float, float, float] | None  # superset of bounds, source CRS
    copc_query: bool
    resolution: float | None
    selection: Any  # laspy.DecompressionSelection

    @property
    def filters(self) -> bool:
        return self.bounds is not None


def _as_crs(value: Any, path: Path, what: str):
    import pyproj

    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"the {what} {value!r} is not a known CRS ({exc})", source=path) from exc


def _horizontal(crs):
    if crs.is_compound:
        return crs.sub_crs_list[0]
    if len(crs.axis_info) == 3 and hasattr(crs, "to_2d"):  # geographic 3D
        return crs.to_2d()
    return crs


def _is_3d(crs) -> bool:
    return crs.is_compound or len(crs.axis_info) == 3


def _plan_crs(path: Path, report: CrsReport, target_crs: Any, source_crs: Any):
    """(source CRS, reprojection, output CRS WKT)."""
    import pyproj

    source = pyproj.CRS.from_wkt(report.crs_wkt) if report.crs_wkt else None
    if source is None and source_crs is not None:
        source = _as_crs(source_crs, path, "source CRS")
    if target_crs is None:
        return source, None, source.to_wkt() if source is not None else None
    target = _as_crs(target_crs, path, "target CRS")
    if source is None:
        detail = " ".join(report.messages)
        raise InputError(
            f"the CRS of the points is missing, so they cannot be reprojected to {target.name}: "
            f"assign the CRS the data was captured in (it is never guessed). {detail}".strip(),
            source=path,
        )
    if source.equals(target):
        return source, None, source.to_wkt()
    if _is_3d(source) and _is_3d(target):
        transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)
        return source, _Reprojection(transformer, with_z=True), target.to_wkt()
    # Heights stay in the source's vertical datum: transform x/y with the horizontal parts.
    source_h, target_h = _horizontal(source), _horizontal(target)
    transformer = pyproj.Transformer.from_crs(source_h, target_h, always_xy=True)
    output = target_h
    if source.is_compound:
        output = pyproj.crs.CompoundCRS(
            name=f"{target_h.name} + {source.sub_crs_list[1].name}", components=[target_h, source.sub_crs_list[1]]
        )
    return source, _Reprojection(transformer, with_z=False), output.to_wkt()


def _attribute_names(point_format, dims: Sequence[str] | None) -> list[str]:
    available = list(point_format.dimension_names)
    extra = list(point_format.extra_dimension_names)
    if dims is None:
        return [name for name in STANDARD_ATTRIBUTES if name in available] + extra
    # Names the point format lacks (RGB in format 1, ...) are skipped, not errors: a view
    # asks for colour "when present".
    return [name for name in dict.fromkeys(dims) if name not in _COORDINATES and name in available]


def _decompression_selection(point_format, names: list[str]):
    """Only the LAZ layers the attributes need (effective for point formats 6-10)."""
    import laspy

    selection = laspy.DecompressionSelection
    layers = {
        "classification": selection.CLASSIFICATION,
        "intensity": selection.INTENSITY,
        "gps_time": selection.GPS_TIME,
        "red": selection.RGB,
        "green": selection.RGB,
        "blue": selection.RGB,
        "nir": selection.NIR,
        "scan_angle": selection.SCAN_ANGLE,
        "scan_angle_rank": selection.SCAN_ANGLE,
        "user_data": selection.USER_DATA,
        "point_source_id": selection.POINT_SOURCE_ID,
    }
    flags = {"synthetic", "key_point", "withheld", "overlap", "scan_direction_flag", "edge_of_flight_line"}
    extra = set(point_format.extra_dimension_names)
    chosen = selection.base() | selection.Z  # base: x, y, returns and scanner channel
    for name in names:
        if name in layers:
            chosen |= layers[name]
        elif name in flags:
            chosen |= selection.FLAGS
        elif name in extra:
            chosen |= selection.ALL_EXTRA_BYTES
        elif name.startswith("wavepacket") or name in {"return_point_wave_location", "x_t", "y_t", "z_t"}:
            chosen |= selection.WAVEPACKET
    return chosen


def _check_bounds(bounds: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    if bounds is None:
        return None
    values = tuple(float(v) for v in bounds)
    if len(values) != 4 or not (values[0] <= values[2] and values[1] <= values[3]) or not np.all(np.isfinite(values)):
        raise ValueError(f"bounds must be (xmin, ymin, xmax, ymax) with min <= max: {bounds!r}")
    return values  # type: ignore[return-value]


def _source_bounds(bounds, reprojection: _Reprojection | None):
    """Bounds in the source CRS that contain ``bounds`` (output CRS), with a margin."""
    if bounds is None or reprojection is None:
        return bounds
    from pyproj.enums import TransformDirection

    xmin, ymin, xmax, ymax = reprojection.transformer.transform_bounds(
        *bounds, densify_pts=21, direction=TransformDirection.INVERSE
    )
    pad_x = (xmax - xmin) * _BOUNDS_MARGIN + 1e-9 * max(abs(xmin), abs(xmax), 1.0)
    pad_y = (ymax - ymin) * _BOUNDS_MARGIN + 1e-9 * max(abs(ymin), abs(ymax), 1.0)
    return (xmin - pad_x, ymin - pad_y, xmax + pad_x, ymax + pad_y)


def _plan(
    path: str | Path,
    target_crs: Any,
    source_crs: Any,
    bounds: Sequence[float] | None,
    dims: Sequence[str] | None,
    resolution: float | None,
    chunk_size: int,
) -> _Plan:
    path = Path(path)
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be at least 1: {chunk_size}")
    if resolution is not None and not resolution > 0:
        raise ValueError(f"resolution must be a positive length: {resolution}")
    checked_bounds = _check_bounds(bounds)
    # Read the header only: the file is opened again when the points are streamed, so an
    # iterator that is never used holds no open file.
    with _open_checked(path) as reader:
        header = reader.header
    report = read_crs_report(header)
    _source, reprojection, output_wkt = _plan_crs(path, report, target_crs, source_crs)
    point_format = header.point_format
    names = _attribute_names(point_format, dims)
    is_copc = any(vlr.user_id == "copc" for vlr in header.vlrs)
    return _Plan(
        path=path,
        header=header,
        point_count=int(header.point_count),
        is_copc=is_copc,
        crs=report,
        names=names,
        reprojection=reprojection,
        output_crs_wkt=output_wkt,
        bounds=checked_bounds,
        source_bounds=_source_bounds(checked_bounds, reprojection),
        copc_query=is_copc and (checked_bounds is not None or resolution is not None),
        resolution=resolution,
        selection=_decompression_selection(point_format, names),
    )


# -- reading: raw records, then points --------------------------------------------------
@dataclass
class _Piece:
    """One chunk as read: the raw records, which of them pass the filters, their coordinates."""

    record: Any  # laspy.ScaleAwarePointRecord
    index: np.ndarray | None  # positions that pass the bounds filter (None: all)
    x: np.ndarray | None  # output coordinates of those points (None: not computed yet)
    y: np.ndarray | None
    z: np.ndarray | None
    read: int  # points read from the file for this piece

    def __len__(self) -> int:
        return len(self.record) if self.index is None else int(self.index.shape[0])


def _records(plan: _Plan, chunk_size: int) -> Iterator[Any]:
    """Raw laspy records of the file, ``chunk_size`` at a time."""
    import laspy

    path = plan.path
    if plan.copc_query:
        from laspy.copc import Bounds

        query_bounds = None
        if plan.source_bounds is not None:
            xmin, ymin, xmax, ymax = plan.source_bounds
            query_bounds = Bounds(mins=np.array([xmin, ymin]), maxs=np.array([xmax, ymax]))
        try:
            with laspy.CopcReader.open(str(path), decompression_selection=plan.selection) as reader:
                # Only the octree nodes meeting the bounds and the resolution are read.
                points = reader.query(bounds=query_bounds, resolution=plan.resolution)
        except (laspy.errors.LaspyException, ValueError, OSError, RuntimeError) as exc:
            raise InputError(f"the COPC query cannot be read ({exc})", source=path) from exc
        for start in range(0, len(points), chunk_size):
            yield points[start : start + chunk_size]
        return

    done = 0
    total = plan.point_count
    try:
        if not plan.header.are_points_compressed:
            for record in _las_records(plan, chunk_size):
                done += len(record)
                yield record
        else:
            with laspy.open(str(path), decompression_selection=plan.selection) as reader:
                for record in reader.chunk_iterator(chunk_size):
                    done += len(record)
                    yield record
    except (laspy.errors.LaspyException, ValueError, OSError, RuntimeError) as exc:
        # A cut-off LAS ends mid-record (numpy ValueError); a damaged LAZ chunk makes
        # lazrs raise (a RuntimeError subclass or OSError, depending on the backend).
        raise InputError(f"the points cannot be read after point {done:,} of {total:,} ({exc})", source=path) from exc
    if done < total:
        raise InputError(
            f"the file is truncated: the header promises {total:,} points, only {done:,} could be read",
            source=path,
        )


def _las_records(plan: _Plan, chunk_size: int) -> Iterator[Any]:
    """The records of an uncompressed LAS file, read into NumPy buffers.

    Written here rather than laspy's ``chunk_iterator`` for one reason, measured: laspy
    reads each chunk into a new zero-filled ``bytearray``, whose memory the kernel hands
    out 4 KB page by page (8 000 page faults per 1M points of format 3, most of the time
    of a read from the page cache). A NumPy buffer of that size is backed by transparent
    huge pages where the system offers them: reading a 10M-point file took 0.16-0.20 s
    of system time instead of 0.27-0.28 s. The bytes are the same (the point data is one
    run of ``point_count`` records from ``offset_to_point_data``), and laspy still parses
    the header and gives the records their dtype.
    """
    import laspy

    header = plan.header
    point_format = header.point_format
    size = point_format.size
    with plan.path.open("rb") as source:
        source.seek(header.offset_to_point_data)
        left = plan.point_count
        while left > 0:
            n = min(chunk_size, left)
            buffer = np.empty(n * size, dtype=np.uint8)
            got = source.readinto(buffer)
            whole = got // size
            if whole:
                rows = np.frombuffer(buffer, dtype=point_format.dtype(), count=whole)
                yield laspy.ScaleAwarePointRecord(rows, point_format, header.scales, header.offsets)
            if whole < n:
                return  # the file ends early: the caller reports how far it got
            left -= n


def _in_box(x: np.ndarray, y: np.ndarray, box) -> np.ndarray:
    xmin, ymin, xmax, ymax = box
    return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


def _piece(plan: _Plan, record: Any, need_xyz: bool) -> _Piece:
    """Filter and reproject one chunk."""
    n = len(record)
    if plan.reprojection is None and plan.bounds is None:
        if not need_xyz:
            return _Piece(record, None, None, None, None, n)
        return _Piece(record, None, np.asarray(record.x), np.asarray(record.y), np.asarray(record.z), n)

    index = None
    if plan.reprojection is None:
        # Cheap prefilter on the integer coordinates (one unit of margin), then the exact
        # test on the real coordinates of the survivors.
        scales, offsets = record.scales, record.offsets
        xmin, ymin, xmax, ymax = plan.bounds
        xi, yi = record.array["X"], record.array["Y"]
        rough = (
            (xi >= np.floor((xmin - offsets[0]) / scales[0]) - 1)
            & (xi <= np.ceil((xmax - offsets[0]) / scales[0]) + 1)
            & (yi >= np.floor((ymin - offsets[1]) / scales[1]) - 1)
            & (yi <= np.ceil((ymax - offsets[1]) / scales[1]) + 1)
        )
        index = np.flatnonzero(rough)
    elif plan.source_bounds is not None:
        index = np.flatnonzero(_in_box(np.asarray(record.x), np.asarray(record.y), plan.source_bounds))

    sub = record if index is None else _subset(record, index)
    x, y, z = np.asarray(sub.x), np.asarray(sub.y), np.asarray(sub.z)
    if plan.reprojection is not None and x.size:
        plan.reprojection.apply(x, y, z)
        bad = ~(np.isfinite(x) & np.isfinite(y) & np.isfinite(z))
        if bad.any():
            raise InputError(
                f"{int(bad.sum()):,} points cannot be transformed from the file's CRS ({plan.crs.name or 'assigned'}) "
                "to the target CRS: they lie outside the area either CRS is defined for. Check the CRS.",
                source=plan.path,
            )
    if plan.bounds is not None:
        exact = np.flatnonzero(_in_box(x, y, plan.bounds))
        if exact.size < x.size:
            x, y, z = x[exact], y[exact], z[exact]
            index = exact if index is None else index[exact]
    return _Piece(record, index, x, y, z, n)


def _subset(record: Any, index: np.ndarray | slice) -> Any:
    import laspy

    array = record.array
    # Gathering records as opaque bytes is ~5x faster than NumPy's field-by-field copy
    # of a structured dtype.
    opaque = array.view(np.dtype((np.void, array.dtype.itemsize)))
    rows = (opaque[index] if isinstance(index, slice) else np.take(opaque, index)).view(array.dtype)
    return laspy.ScaleAwarePointRecord(rows, record.point_format, record.scales, record.offsets)


def _attributes(record: Any, names: list[str]) -> dict[str, np.ndarray]:
    # np.array copies: bit fields are unpacked, strided fields of the structured array
    # become contiguous, scaled extra dimensions become their real values.
    return {name: np.array(record[name]) for name in names}


def _chunk(piece: _Piece, names: list[str]) -> PointChunk:
    sub = piece.record if piece.index is None else _subset(piece.record, piece.index)
    if piece.x is None:
        return PointChunk(np.asarray(sub.x), np.asarray(sub.y), np.asarray(sub.z), _attributes(sub, names))
    return PointChunk(piece.x, piece.y, piece.z, _attributes(sub, names))


class _LazyChunk:
    """A piece as the decimator sees it: coordinates on demand, kept points as :class:`_Kept`.

    ``reprojected``: the piece's coordinates are not the records' (they are carried along).
    """

    def __init__(self, piece: _Piece, names: list[str], reprojected: bool) -> None:
        self.piece = piece
        self.names = names
        self.reprojected = reprojected

    def __len__(self) -> int:
        return len(self.piece)

    def _coordinates(self) -> None:
        piece = self.piece
        if piece.x is None:
            sub = piece.record if piece.index is None else _subset(piece.record, piece.index)
            piece.x, piece.y, piece.z = np.asarray(sub.x), np.asarray(sub.y), np.asarray(sub.z)

    @property
    def x(self) -> np.ndarray:
        self._coordinates()
        return self.piece.x

    @property
    def y(self) -> np.ndarray:
        self._coordinates()
        return self.piece.y

    @property
    def z(self) -> np.ndarray:
        self._coordinates()
        return self.piece.z

    def raw_xyz(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The file's integer coordinates of the piece's points (see :meth:`_Kept.raw_xyz`)."""
        piece = self.piece
        rows = piece.record.array if piece.index is None else piece.record.array[piece.index]
        return rows["X"], rows["Y"], rows["Z"]

    def take(self, index: np.ndarray | slice) -> _Kept:
        piece = self.piece
        rows = index if piece.index is None else piece.index[index]
        xyz = [(piece.x[index], piece.y[index], piece.z[index])] if self.reprojected else None
        return _Kept([_subset(piece.record, rows)], self.names, xyz)


class _Kept:
    """Points the decimator keeps, held as the file's raw records until the end.

    A dense file's working set is re-thinned at least once more (the final fit drops about
    a fifth of it), so coordinates and attributes are built once, for the final points only
    (:meth:`chunk`), and the working set costs one record (20-60 bytes) a point. The
    records also give the decimator the file's integer coordinates (:meth:`raw_xyz`) to
    re-thin on. Reprojected coordinates (which the records cannot give back) are carried.
    The records stay in their parts (one per chunk read): joining them would only copy.
    """

    def __init__(self, parts: list[Any], names: list[str], xyz: list[tuple[np.ndarray, ...]] | None = None) -> None:
        self.parts = parts  # laspy.ScaleAwarePointRecord, in stream order
        self.names = names
        self.xyz = xyz  # per part, when reprojected
        self._raw: tuple[np.ndarray, ...] | None = None
        self._real: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)

    def _coordinate(self, axis: int) -> np.ndarray:
        if self._real is None:
            parts = self.xyz or [(part.x, part.y, part.z) for part in self.parts]
            self._real = tuple(_joined([np.asarray(p[a]) for p in parts], np.float64) for a in range(3))
        return self._real[axis]

    @property
    def x(self) -> np.ndarray:
        return self._coordinate(0)

    @property
    def y(self) -> np.ndarray:
        return self._coordinate(1)

    @property
    def z(self) -> np.ndarray:
        return self._coordinate(2)

    def raw_xyz(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The records' integer ``X``, ``Y``, ``Z``. Only meaningful to a decimator on the
        file's lattice (:attr:`VoxelDecimator.accepts_raw`), i.e. when not reprojected."""
        if self._raw is None:
            arrays = [part.array for part in self.parts]
            self._raw = tuple(_joined([a[name] for a in arrays], np.int32) for name in ("X", "Y", "Z"))
        return self._raw

    def take(self, index: np.ndarray | slice) -> _Kept:
        """The points at increasing positions ``index`` (or a slice)."""
        if len(self.parts) == 1:
            xyz = None if self.xyz is None else [tuple(v[index] for v in self.xyz[0])]
            return _Kept([_subset(self.parts[0], index)], self.names, xyz)
        if isinstance(index, slice):
            index = np.arange(len(self))[index]
        bounds = np.cumsum([0] + [len(part) for part in self.parts])
        cuts = np.searchsorted(index, bounds)
        parts, xyz = [], []
        for k, part in enumerate(self.parts):
            local = index[cuts[k] : cuts[k + 1]] - bounds[k]
            if local.size:
                parts.append(_subset(part, local))
                if self.xyz is not None:
                    xyz.append(tuple(v[local] for v in self.xyz[k]))
        if not parts:  # nothing taken: an empty part of the first keeps the record layout
            return _Kept(self.parts[:1], self.names, None if self.xyz is None else self.xyz[:1]).take(index)
        return _Kept(parts, self.names, xyz if self.xyz is not None else None)

    @classmethod
    def concat(cls, pieces: list[_Kept]) -> _Kept:
        """The pieces as one, in order (their parts side by side: nothing is copied)."""
        xyz = None
        if all(p.xyz is not None for p in pieces):
            xyz = [part for p in pieces for part in p.xyz]
        return cls([part for p in pieces for part in p.parts], pieces[0].names, xyz)

    def chunk(self, executor: Executor | None = None) -> PointChunk:
        """The points with real coordinates and attributes; built on ``executor`` too when given
        (NumPy releases the GIL in these copies, so coordinates and attributes build side by side)."""
        if executor is None:
            return PointChunk(self.x, self.y, self.z, self._attributes(self.names))
        half = len(self.names) // 2
        later = executor.submit(self._attributes, self.names[half:])
        attributes = self._attributes(self.names[:half])
        x, y, z = self.x, self.y, self.z
        attributes.update(later.result())
        return PointChunk(x, y, z, {name: attributes[name] for name in self.names})

    def _attributes(self, names: list[str]) -> dict[str, np.ndarray]:
        return {name: _joined([np.asarray(part[name]) for part in self.parts], None) for name in names}


def _joined(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    """One contiguous array of ``arrays`` (copied, so strided record fields become plain arrays)."""
    if len(arrays) == 1:
        return np.array(arrays[0], dtype=dtype)
    return np.concatenate(arrays, dtype=dtype)


def _pieces(plan: _Plan, chunk_size: int, need_xyz: bool) -> Iterator[_Piece]:
    for record in _records(plan, chunk_size):
        yield _piece(plan, record, need_xyz)


# -- public API ---------------------------------------------------------------------------
def iter_chunks(
    path: str | Path,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    target_crs: Any = None,
    source_crs: Any = None,
    bounds: Sequence[float] | None = None,
    dims: Sequence[str] | None = None,
    resolution: float | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Iterator[PointChunk]:
    """Stream the points of a LAS/LAZ/COPC file in chunks of real coordinates.

    Parameters
    ----------
    path
        LAS 1.0-1.4, LAZ or COPC file, point formats 0-10.
    chunk_size
        Points read per chunk (chunks yielded are at most this long; empty ones are
        skipped when a bounds filter removes every point of a chunk).
    target_crs
        CRS to reproject to (anything ``pyproj.CRS.from_user_input`` takes, e.g.
        ``"EPSG:4548"``). None: coordinates stay in the source CRS.
    source_crs
        CRS of the points when the file has no CRS record (a file's own record wins).
    bounds
        ``(xmin, ymin, xmax, ymax)`` in the output CRS: only points inside, edges
        included. For a COPC file only the octree nodes meeting the bounds are read.
    dims
        Attributes to read (x, y, z are always read). Default: classification,
        intensity, return_number, number_of_returns, gps_time and red/green/blue (each
        when the point format has it) and every extra-bytes dimension. Names the point
        format lacks are skipped. For LAZ of point formats 6-10 only the needed layers
        are decompressed.
    resolution
        COPC only: read the octree levels giving about this point spacing (metres, in
        the file's CRS). Ignored for other files.
    progress, is_canceled
        Progress (0-1, share of the points read) and cancel callbacks; cancel raises
        :class:`~citytwin.common.errors.Canceled`.

    Yields
    ------
    PointChunk
        Coordinates float64 in the output CRS; attributes under laspy's dimension names.

    Raises
    ------
    InputError
        Missing, empty, unreadable or truncated file (naming it and how far reading got);
        reprojection asked for a file without a CRS and without ``source_crs``.
    """
    plan = _plan(path, target_crs, source_crs, bounds, dims, resolution, chunk_size)
    return _iter_chunks(plan, int(chunk_size), progress, is_canceled)


def _iter_chunks(
    plan: _Plan, chunk_size: int, progress: ProgressCallback, is_canceled: CancelCheck
) -> Iterator[PointChunk]:
    check_canceled(is_canceled)
    total = plan.point_count
    done = 0
    for piece in _pieces(plan, chunk_size, need_xyz=True):
        check_canceled(is_canceled)
        done += piece.read
        if len(piece):
            yield _chunk(piece, plan.names)
        if not plan.copc_query and total:
            progress(min(done / total, 1.0))
    progress(1.0)


@dataclass(frozen=True)
class PointStream:
    """A planned read: what the header says, and the chunks on demand.

    For algorithms that reduce every point (terrain, building heights) and need the
    output CRS, the point count and the extent before the first chunk.
    """

    path: Path
    point_count: int
    crs_wkt: str | None  # CRS of the output coordinates (None: the file has none)
    crs: CrsReport  # the file's own CRS record, as read
    extent: tuple[float, float, float, float, float, float]  # header extent, output CRS
    _plan: Any
    _chunk_size: int

    def chunks(
        self, progress: ProgressCallback = no_progress, is_canceled: CancelCheck = never_canceled
    ) -> Iterator[PointChunk]:
        return _iter_chunks(self._plan, self._chunk_size, progress, is_canceled)


def open_stream(
    path: str | Path,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    target_crs: Any = None,
    source_crs: Any = None,
    bounds: Sequence[float] | None = None,
    dims: Sequence[str] | None = None,
) -> PointStream:
    """Plan a streamed read (:func:`iter_chunks` semantics) and return it with the header facts."""
    plan = _plan(path, target_crs, source_crs, bounds, dims, None, chunk_size)
    extent = tuple(float(v) for v in _output_extent(plan))
    return PointStream(plan.path, plan.point_count, plan.output_crs_wkt, plan.crs, extent, plan, int(chunk_size))


def read_copc(
    path: str | Path,
    bounds: Sequence[float] | None = None,
    resolution: float | None = None,
    target_crs: Any = None,
    source_crs: Any = None,
    dims: Sequence[str] | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> PointChunk:
    """Read what a view needs from a COPC file: the points in ``bounds`` at ``resolution``.

    Only the octree nodes that meet ``bounds`` (output CRS, edges included) and whose
    level is fine enough for ``resolution`` (metres, file CRS) are read and decompressed;
    the points returned are exactly those of these nodes inside ``bounds``. Other
    parameters as in :func:`iter_chunks`.

    Raises
    ------
    InputError
        The file is not a COPC file (or missing, unreadable, without CRS for reprojection).
    """
    plan = _plan(path, target_crs, source_crs, bounds, dims, resolution, DEFAULT_CHUNK_SIZE)
    if not plan.is_copc:
        raise InputError("not a COPC file (no COPC info record): use iter_chunks or read_cloud", source=plan.path)
    plan.copc_query = True
    chunks = list(_iter_chunks(plan, DEFAULT_CHUNK_SIZE, progress, is_canceled))
    if not chunks:
        names = plan.names
        empty = np.empty(0)
        return PointChunk(empty, empty.copy(), empty.copy(), {name: np.empty(0) for name in names})
    return concat_chunks(chunks)


def _output_extent(plan: _Plan) -> np.ndarray:
    """(xmin, ymin, zmin, xmax, ymax, zmax) of the points in the output CRS, from the header."""
    mins = np.array(plan.header.mins, dtype=np.float64)
    maxs = np.array(plan.header.maxs, dtype=np.float64)
    if plan.reprojection is not None:
        xmin, ymin, xmax, ymax = plan.reprojection.transformer.transform_bounds(
            mins[0], mins[1], maxs[0], maxs[1], densify_pts=21
        )
        mins[:2], maxs[:2] = (xmin, ymin), (xmax, ymax)
        if plan.reprojection.with_z:
            mins[2], maxs[2] = mins[2] - 1000.0, maxs[2] + 1000.0  # datum shifts: a generous z range
    if plan.bounds is not None:
        xmin, ymin, xmax, ymax = plan.bounds
        mins[:2] = np.maximum(mins[:2], (xmin, ymin))
        maxs[:2] = np.minimum(maxs[:2], (xmax, ymax))
        maxs = np.maximum(maxs, mins)  # bounds beside the data: an empty but valid box
    return np.concatenate([mins, maxs])


def _lattice_fits(scales: Iterable[float]) -> bool:
    """True when the axes' scales are whole multiples of each other (voxels on the file's lattice)."""
    values = np.asarray(list(scales), dtype=np.float64)
    ratio = values.max() / values
    return bool(np.all(values > 0) and np.all(np.abs(ratio - np.rint(ratio)) <= 1e-6 * ratio))


def read_cloud(
    path: str | Path,
    budget: int = DEFAULT_BUDGET,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    target_crs: Any = None,
    source_crs: Any = None,
    bounds: Sequence[float] | None = None,
    dims: Sequence[str] | None = None,
    resolution: float | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> LocalCloud:
    """Read a point cloud decimated to at most ``budget`` points, in a local frame.

    Streams the file (:func:`iter_chunks` semantics), reprojects and decimates chunk by
    chunk (:class:`~citytwin.twin.decimate.VoxelDecimator`: at most one point per voxel,
    the first in file order; the voxel is the finest that fits the budget), then shifts
    the points to a round local origin (:meth:`LocalCloud.choose_origin`). The result is
    the same for any ``chunk_size``.

    Parameters
    ----------
    path, chunk_size, target_crs, source_crs, bounds, dims, progress, is_canceled
        As in :func:`iter_chunks`.
    budget
        Most points to return; all points when the file (within ``bounds``) has fewer.
    resolution
        Finest voxel edge (metres of the output CRS) of the decimation; for a COPC file
        also the octree resolution queried, so only the needed nodes are read.

    Returns
    -------
    LocalCloud
        ``crs_wkt`` is the CRS of the output coordinates (None when the file has no CRS
        and none was assigned); ``total_points`` the points read that passed ``bounds``
        (the whole file without bounds); ``voxel_size`` None when nothing was dropped.

    Notes
    -----
    Peak memory is about ``2 * budget`` kept points (as raw records, plus the built points
    of the fit's first answer) plus four chunks in flight, whatever the file size.
    """
    plan = _plan(path, target_crs, source_crs, bounds, dims, resolution, chunk_size)
    header = plan.header
    check_canceled(is_canceled)
    # Voxels straight from the file's integer coordinates when they are not reprojected.
    raw = plan.reprojection is None and _lattice_fits(header.scales)
    decimator = VoxelDecimator(
        budget,
        voxel_size=resolution,
        extent=_output_extent(plan),
        quantum=np.array(header.scales) if raw else None,
        lattice_offsets=np.array(header.offsets) if raw else None,
        expected_points=plan.point_count if not (plan.filters or plan.copc_query) else None,
    )

    def add(piece: _Piece) -> None:
        chunk = _LazyChunk(piece, plan.names, reprojected=plan.reprojection is not None)
        decimator.add(chunk, decimator.prepare_raw(*chunk.raw_xyz()) if raw and len(piece) else None)

    total = plan.point_count
    done = 0
    # With the compiled kernel (which releases the GIL) chunk i is decimated on a worker
    # thread while chunk i+1 is read; one worker keeps the stream order. Without it the
    # NumPy decimation holds the GIL in many short calls and a thread only costs (see above).
    with (
        ThreadPoolExecutor(max_workers=1) if voxel_kernel.AVAILABLE else contextlib.nullcontext() as pool,
        ThreadPoolExecutor(max_workers=1) if voxel_kernel.AVAILABLE else contextlib.nullcontext() as taker,
    ):
        # and a second worker gathers the points kept of chunk i while chunk i+1 is tested.
        decimator.take_on(taker, finish=_Kept.chunk)
        pending = None
        for piece in _pieces(plan, int(chunk_size), need_xyz=not raw):
            check_canceled(is_canceled)
            if pending is not None:
                pending.result()
            if pool is None:
                add(piece)
            else:
                pending = pool.submit(add, piece)
            done += piece.read
            if not plan.copc_query and total:
                progress(0.95 * min(done / total, 1.0))
        if pending is not None:
            pending.result()
        check_canceled(is_canceled)
        parts = decimator.result_parts()
        # Coordinates and attributes of the final points only (see _Kept).
        if any(isinstance(part, _Kept) for part in parts):
            parts = [_Kept.concat(parts).chunk(pool)]
    decimator.take_on(None)
    common = {
        "crs_wkt": plan.output_crs_wkt,
        "source": str(plan.path),
        "total_points": decimator.points_seen,
        "voxel_size": decimator.voxel_size,
    }
    if sum(len(part) for part in parts):
        cloud = LocalCloud.from_chunks(parts, **common)
    else:
        extent = _output_extent(plan)
        cloud = LocalCloud(
            origin=LocalCloud.choose_origin(*extent[:3]),
            xyz=np.empty((0, 3), dtype=np.float32),
            attributes={name: np.empty(0) for name in plan.names},
            **common,
        )
    progress(1.0)
    return cloud
