"""Point clouds as OGC 3D Tiles 1.1: an octree with level of detail, built out of core.

Every source point is written exactly once (``ADD`` refinement): a tile keeps a
spatially uniform sample of the points of its cube (one point per cell of a
``grid``-per-edge sampling lattice, at most ``budget``) and hands the rest to its eight
children; a tile with at most ``budget`` points (or at ``max_depth``) keeps them all.
So the point counts of all levels add up to the source count, a viewer that stops at
any depth sees the whole city thinned evenly, and ``geometricError`` (the sampling
spacing, cube edge / grid) halves with every level; leaves have 0.

Memory is bounded by the chunk size, not by the file (the Potree converter's scheme,
written for our tile layout):

1. *Spool*: the sources are streamed in chunks (:func:`~citytwin.twin.reader.iter_chunks`,
   the next chunk read on a second thread), placed in the package's ENU frame
   (:class:`~citytwin.twin.ecef.EnuGrid`) and appended to the file of their octree cube at
   :func:`bucket_level` (the root cube comes from the header extents), while a 32^3
   counting grid, the colour statistics and the height histogram are filled.
2. *Chunks*: a spooled cube with more than :data:`CHUNK_POINTS` points is split (one more
   pass over that file only) into the largest sub-cubes that hold at most that many.
3. *Chunk subtrees*: each chunk is loaded alone, sorted in Morton order, and every point
   placed in the tile of its depth (:func:`assign_depths`); all its tiles are written
   except the chunk's own root, whose sample waits on disk. Two chunks are tiled at a
   time (NumPy and file writes release the GIL).
4. *Upper levels*: above the chunks, each tile samples its children's waiting points
   (eight times the budget at most), the children's remaining points are written, and
   the tile's own sample waits for its parent, up to the root.

Tile content: a glTF 2.0 binary with one POINTS primitive: POSITION float32 offsets
from the tile's centre (the node's ``translation`` holds the centre in float64, so
nothing jitters), COLOR_0 normalized unsigned-byte RGBA (linear, as glTF defines it), and per-point classification
(UINT8) and intensity (UINT16) as ``EXT_structural_metadata`` property attributes
(``_CLASSIFICATION``, ``_INTENSITY``; each element in 4 bytes, as glTF wants vertex
attributes aligned). Axes are glTF's (Y up); 3D Tiles turns them to Z up.

Why hand-written: py3dtiles (the Python tiler) writes ``.glb`` tiles that fail the
Khronos validator, takes minutes for 10M points, and tiles no meshes; PDAL and
Entwine write EPT/COPC, not 3D Tiles.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from . import tile_kernel
from .cloud import ASPRS_CLASSES
from .ecef import EnuGrid, LocalFrame
from .export import (
    ARRAY_BUFFER,
    FLOAT,
    POINTS,
    SRGB_TO_LINEAR_BYTE,
    UNSIGNED_BYTE,
    UNSIGNED_SHORT,
    GlbBuilder,
    column_bounds,
)

#: One spooled point: ENU offsets (float64) and the attributes a package carries.
SPOOL_DTYPE = np.dtype(
    [
        ("e", "<f8"),
        ("n", "<f8"),
        ("u", "<f8"),
        ("red", "<u2"),
        ("green", "<u2"),
        ("blue", "<u2"),
        ("classification", "u1"),
        ("intensity", "<u2"),
    ]
)
#: Points a chunk may hold (about 70 MB of spooled records, a few times that while built).
CHUNK_POINTS = 2_000_000
#: Points read per batch from a source or a spool file.
BATCH_POINTS = 1_000_000
#: Counting grid: 2**COUNT_LEVEL cells per edge of the root cube.
COUNT_LEVEL = 5
#: Bins of the height histogram (robust elevation colours).
Z_BINS = 1024
#: Default points per tile: tens of thousands, what CesiumJS and Potree serve per request.
DEFAULT_BUDGET = 50_000
#: Smallest sampling cell (m): below it a cube is a leaf whatever its count (duplicate points).
MIN_SPACING = 0.001
#: Smallest half-size of a bounding box (m): a flat tile still gets a volume.
MIN_HALF = 0.005
COLOUR_MODES = ("auto", "rgb", "classification", "elevation", "intensity")
_DIMS = ("classification", "intensity", "red", "green", "blue")


Key = tuple[int, int, int, int]  # octree level, ix, iy, iz


@dataclass(frozen=True)
class CloudSource:
    """A point-cloud file for a package; ``source_crs`` only when the file has no CRS record."""

    path: Path
    source_crs: Any = None


@dataclass(frozen=True)
class Cube:
    """The root cube of the octree (ENU): its low corner and edge."""

    lo: np.ndarray
    edge: float

    @classmethod
    def around(cls, mins: np.ndarray, maxs: np.ndarray) -> Cube:
        edge = float(max(np.max(maxs - mins), 1.0)) * (1 + 1e-9)
        return cls((np.asarray(mins) + np.asarray(maxs)) / 2 - edge / 2, edge)

    @classmethod
    def of_extents(cls, frame: LocalFrame, extents: Sequence[Sequence[float]], margin: float = 1.0) -> Cube:
        """The cube around header extents (base CRS) placed in the frame: the box sampled
        on a 5 x 5 x 2 lattice, so the Earth's curvature between corners is inside."""
        pts = []
        for e in extents:
            gx, gy, gz = np.meshgrid(np.linspace(e[0], e[3], 5), np.linspace(e[1], e[4], 5), [e[2], e[5]])
            pts.append(frame.to_enu(gx.ravel(), gy.ravel(), gz.ravel()))
        enu = np.concatenate(pts)
        return cls.around(enu.min(axis=0) - margin, enu.max(axis=0) + margin)

    def ijk(self, xyz: np.ndarray, level: int = 5) -> list[np.ndarray]:
        """Column, row and layer of each point's cell of a 2**level grid, clamped to the cube."""
        n = 2**level
        return [np.clip(((xyz[:, a] - self.lo[a]) * (n / self.edge)).astype(np.int64), 0, n - 1) for a in range(3)]

    def cells(self, xyz: np.ndarray, level: int = 5) -> np.ndarray:
        """Flat index of the counting-grid cell (2**level per edge) of each point, clamped to the cube."""
        return flat(self.ijk(xyz, level), level)


def flat(ijk: list[np.ndarray], level: int, shift: int = 0) -> np.ndarray:
    """Flat cell index in a 2**(level - shift) grid of cells given in a 2**level grid."""
    n = 2 ** (level - shift)
    return ((ijk[0] >> shift) * n + (ijk[1] >> shift)) * n + (ijk[2] >> shift)


@dataclass
class SpoolSummary:
    """What pass 1 learnt: count, ENU bounds and what colours the points can have."""

    count: int = 0
    mins: np.ndarray = field(default_factory=lambda: np.full(3, np.inf))
    maxs: np.ndarray = field(default_factory=lambda: np.full(3, -np.inf))
    rgb_max: int = 0
    has_rgb: bool = True
    has_classification: bool = True
    has_intensity: bool = True
    intensity_hist: np.ndarray = field(default_factory=lambda: np.zeros(65536, dtype=np.int64))
    sources: list[dict[str, Any]] = field(default_factory=list)
    cube: Cube | None = None
    counts: np.ndarray | None = None  # points per cell of the cube's counting grid
    bucket_level: int = 0
    buckets: dict[Key, Path] = field(default_factory=dict)  # spooled points of each cube of bucket_level
    z_hist: np.ndarray = field(default_factory=lambda: np.zeros(Z_BINS, dtype=np.int64))


def bucket_level(total: int, max_depth: int | None) -> int:
    """The octree level whose cubes pass 1 spools to: about CHUNK_POINTS / 2 points each for a
    2.5D city (4**level occupied cubes), at most 3 (512 files) and not below ``max_depth``."""
    level = int(np.ceil(np.log(max(total / (CHUNK_POINTS / 2), 1.0)) / np.log(4.0)))
    return max(0, min(level, 3, COUNT_LEVEL, max_depth if max_depth is not None else COUNT_LEVEL))


def spool_clouds(
    sources: Sequence[CloudSource],
    frame: LocalFrame,
    work: Path,
    chunk_size: int = BATCH_POINTS,
    max_depth: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> SpoolSummary:
    """Pass 1: every point of ``sources`` in ``frame``'s ENU coordinates, spooled to ``work``.

    The octree's root cube comes from the files' header extents, so each point goes
    straight to the file of its cube at :func:`bucket_level` and is counted on the
    counting grid in the same pass (a point outside a wrong header extent is clamped
    into the border cells: counted, tiled and boxed all the same).
    """
    from .reader import open_stream

    summary = SpoolSummary()
    streams = []
    for s in sources:
        stream = open_stream(s.path, chunk_size=chunk_size, source_crs=s.source_crs, dims=_DIMS)
        if not frame.same_crs(stream.crs_wkt):  # reproject only when needed (a no-op transform still costs)
            stream = open_stream(
                s.path, chunk_size=chunk_size, target_crs=frame.crs_wkt, source_crs=s.source_crs, dims=_DIMS
            )
        streams.append(stream)
    cube = summary.cube = Cube.of_extents(frame, [s.extent for s in streams])
    summary.counts = np.zeros(8**COUNT_LEVEL, dtype=np.int64)
    total = sum(s.point_count for s in streams) or 1
    level = summary.bucket_level = bucket_level(total, max_depth)
    done = 0
    for source, stream in zip(sources, streams):
        written = 0
        e = stream.extent
        to_enu = EnuGrid(frame, (e[0], e[1], e[3], e[4])).to_enu
        for chunk in _prefetched(stream.chunks(is_canceled=is_canceled)):
            check_canceled(is_canceled)
            enu = to_enu(chunk.x, chunk.y, chunk.z)
            _summarise(summary, chunk.attributes, enu)
            counts, z_hist, order, cubes = tile_kernel.place(enu, cube.lo, cube.edge, COUNT_LEVEL, level, Z_BINS)
            summary.counts += counts
            summary.z_hist += z_hist
            # Records are filled already sorted by cube: gathers of plain arrays are several
            # times faster than of 33-byte records.
            records = np.empty(len(chunk), dtype=SPOOL_DTYPE)
            for k, axis in enumerate(("e", "n", "u")):
                records[axis] = enu[order, k]
            for name in _DIMS:
                records[name] = chunk.attributes[name][order] if name in chunk.attributes else 0
            _append_by_cube(records, cubes[order], level, work, summary.buckets)
            written += len(chunk)
            done += len(chunk)
            progress(min(done / total, 1.0))
        summary.sources.append({"path": str(source.path), "points": written, "crs_wkt": stream.crs_wkt})
        summary.count += written
    if np.any(summary.mins < cube.lo) or np.any(summary.maxs > cube.lo + cube.edge):
        _rebucket(summary, work, is_canceled)
    return summary


def _rebucket(summary: SpoolSummary, work: Path, is_canceled: CancelCheck) -> None:
    """Points outside the header extents (a wrong header): the cube from the real bounds, spooled again.

    Clamping them into the border cells would pile them into deep, tiny-error tiles that a
    viewer opens only from a metre away, and break the memory bound of a chunk.
    """
    cube = summary.cube = Cube.around(summary.mins - 1.0, summary.maxs + 1.0)
    old, summary.buckets = summary.buckets, {}
    summary.counts[:] = 0
    summary.z_hist[:] = 0
    level = summary.bucket_level
    for path in old.values():
        for records in _batches(path):
            check_canceled(is_canceled)
            counts, z_hist, order, cubes = tile_kernel.place(
                _xyz(records), cube.lo, cube.edge, COUNT_LEVEL, level, Z_BINS
            )
            summary.counts += counts
            summary.z_hist += z_hist
            _append_by_cube(records[order], cubes[order], level, work, summary.buckets, prefix="rebucket")
        path.unlink()


def _prefetched(chunks: Iterator[Any]) -> Iterator[Any]:
    """The items of ``chunks``, the next one read on a second thread while the caller works on one.

    laspy decodes (and LAZ decompresses) mostly outside the GIL, so reading chunk i+1
    overlaps placing chunk i in the frame.
    """
    from concurrent.futures import ThreadPoolExecutor

    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="citytwin-read") as pool:
        future = pool.submit(next, chunks, done)
        while True:
            item = future.result()
            if item is done:
                return
            future = pool.submit(next, chunks, done)
            yield item


def _summarise(summary: SpoolSummary, attrs: dict[str, np.ndarray], enu: np.ndarray) -> None:
    """What the colours need to know about the points: attributes present, ranges, histograms."""
    summary.has_rgb &= "red" in attrs
    summary.has_classification &= "classification" in attrs
    summary.has_intensity &= "intensity" in attrs
    if "red" in attrs:
        summary.rgb_max = max(summary.rgb_max, int(max(attrs[c].max() for c in ("red", "green", "blue"))))
    if "intensity" in attrs:
        summary.intensity_hist += np.bincount(np.asarray(attrs["intensity"], dtype=np.uint16), minlength=65536)
    lo, hi = column_bounds(enu)
    summary.mins, summary.maxs = np.minimum(summary.mins, lo), np.maximum(summary.maxs, hi)


def _append_by_cube(
    records: np.ndarray, cubes: np.ndarray, level: int, work: Path, files: dict[Key, Path], prefix: str = "bucket"
) -> None:
    """Append each record to the file of its cube (flat index at ``level``; records sorted by it)."""
    n = 2**level
    starts = np.flatnonzero(np.r_[True, cubes[1:] != cubes[:-1]])
    for a, b in zip(starts, np.r_[starts[1:], len(cubes)]):
        c = int(cubes[a])
        key = (level, c // (n * n), (c // n) % n, c % n)
        path = files.setdefault(key, work / f"{prefix}-{key[0]}-{key[1]}-{key[2]}-{key[3]}.bin")
        with path.open("ab") as handle:
            records[a:b].tofile(handle)


def read_spool(path: Path, start: int = 0, count: int = -1) -> np.ndarray:
    """Records ``start`` .. ``start + count`` of a spool file (all when ``count`` is -1)."""
    with path.open("rb") as handle:
        handle.seek(start * SPOOL_DTYPE.itemsize)
        return np.fromfile(handle, dtype=SPOOL_DTYPE, count=count)


def _batches(path: Path, batch: int = BATCH_POINTS):
    total = path.stat().st_size // SPOOL_DTYPE.itemsize
    for start in range(0, total, batch):
        yield read_spool(path, start, min(batch, total - start))


def _xyz(records: np.ndarray) -> np.ndarray:
    return np.column_stack([records["e"], records["n"], records["u"]])


# -- colours ----------------------------------------------------------------------------------
def _percentiles_of_hist(hist: np.ndarray, low: float, high: float) -> tuple[float, float]:
    cdf = np.cumsum(hist) / max(hist.sum(), 1)
    return float(np.searchsorted(cdf, low / 100.0)), float(np.searchsorted(cdf, high / 100.0))


@dataclass
class PointColours:
    """How tiles colour their points: one rule for the whole package (a tile alone cannot decide)."""

    mode: str
    legend: dict[str, Any]
    _lut: np.ndarray | None = None
    _range: tuple[float, float] = (0.0, 1.0)
    _colormap: str = "viridis"
    _z0: float = 0.0

    def __call__(self, records: np.ndarray) -> np.ndarray:
        from .scene import colormap_rgb

        rgba = np.full((len(records), 4), 255, dtype=np.uint8)
        if self.mode == "rgb":
            for k, name in enumerate(("red", "green", "blue")):
                rgba[:, k] = self._lut[records[name]]
        elif self.mode == "classification":
            rgba[:, :3] = self._lut[records["classification"]]
        else:
            values = records["u"] + self._z0 if self.mode == "elevation" else records["intensity"].astype(np.float64)
            lo, hi = self._range
            rgba[:, :3] = SRGB_TO_LINEAR_BYTE[
                colormap_rgb((values - lo) / (hi - lo) if hi > lo else np.full(len(values), 0.5), self._colormap)
            ]
        return rgba


def colour_mode(summary: SpoolSummary, colour_by: str) -> str:
    """The colour mode ``colour_by`` means for these clouds (``auto``: RGB, else classification, else elevation)."""
    if colour_by not in COLOUR_MODES:
        raise InputError(f"unknown point colouring '{colour_by}' (one of {', '.join(COLOUR_MODES)})", field="colour_by")
    offers = {"rgb": summary.has_rgb, "classification": summary.has_classification, "elevation": True}
    offers["intensity"] = summary.has_intensity
    mode = colour_by
    if mode == "auto":
        mode = next(m for m in ("rgb", "classification", "elevation") if offers[m])
    if not offers[mode]:
        have = ", ".join(m for m, ok in offers.items() if ok)
        raise InputError(f"cannot colour points by '{mode}': every cloud must have it (they offer {have})")
    return mode


def point_colours(summary: SpoolSummary, colour_by: str, frame: LocalFrame) -> PointColours:
    """The colouring rule of ``colour_by`` (``auto``: RGB, else classification, else elevation).

    The rule gives linear RGBA bytes, as glTF's COLOR_0 wants; the legend keeps the sRGB colours.
    """
    from .scene import DEFAULT_COLORMAPS, ROBUST_PERCENTILES, class_colour, hex_to_rgb

    mode = colour_mode(summary, colour_by)
    if mode == "rgb":
        is16 = summary.rgb_max > 255
        v = np.arange(65536, dtype=np.int64)
        # A table over every 16-bit value: one gather per channel. 16-bit content: integer
        # rounding of v * 255 / 65535 (exact for 8-bit values written as v * 257); 8-bit
        # content in the 16-bit fields (many writers do this) is kept as it is.
        lut = ((v * 255 + 32767) // 65535 if is16 else np.clip(v, 0, 255)).astype(np.uint8)
        return PointColours(mode, {"kind": "rgb", "bits": 16 if is16 else 8}, SRGB_TO_LINEAR_BYTE[lut])
    if mode == "classification":
        lut = np.zeros((256, 3), dtype=np.uint8)
        entries = []
        for code in range(256):
            name, colour = class_colour(code)
            lut[code] = hex_to_rgb(colour)
            if code in ASPRS_CLASSES:
                entries.append([code, name, colour])
        return PointColours(mode, {"kind": "classes", "entries": entries}, SRGB_TO_LINEAR_BYTE[lut])
    colormap = DEFAULT_COLORMAPS[mode]
    if mode == "elevation":
        z_edges = summary.cube.lo[2] + np.arange(Z_BINS + 1) * (summary.cube.edge / Z_BINS)
        i_lo, i_hi = _percentiles_of_hist(summary.z_hist, *ROBUST_PERCENTILES)
        lo = float(z_edges[min(int(i_lo), Z_BINS)]) + frame.origin[2]
        hi = float(z_edges[min(int(i_hi) + 1, Z_BINS)]) + frame.origin[2]
    else:
        lo, hi = _percentiles_of_hist(summary.intensity_hist, *ROBUST_PERCENTILES)
    legend = {"kind": "continuous", "title": mode, "vmin": lo, "vmax": hi, "colormap": colormap}
    return PointColours(mode, legend, None, (lo, hi), colormap, float(frame.origin[2]))


# -- the octree ---------------------------------------------------------------------------------


@dataclass
class PointTile:
    """One tile of the octree (in the package's ENU frame)."""

    key: Key
    geometric_error: float
    count: int = 0
    uri: str | None = None
    box_min: np.ndarray | None = None  # of its content and every descendant
    box_max: np.ndarray | None = None
    children: list[Key] = field(default_factory=list)


@dataclass
class PointTree:
    tiles: dict[Key, PointTile]
    root: Key
    level_counts: list[int]
    total: int
    colours: dict[str, Any]
    budget: int
    grid: int


def _grid_for(budget: int) -> int:
    # A city is a 2.5D surface: a lattice of g x g x g cells over it holds about g^2
    # occupied cells, so g ~ sqrt(budget) fills a tile to about its budget.
    return int(max(2, 2 ** round(np.log2(max(np.sqrt(budget / 2.0), 2.0)))))


class _Octree:
    def __init__(self, lo: np.ndarray, edge: float, budget: int, max_depth: int | None) -> None:
        self.lo, self.edge, self.budget, self.max_depth = lo, edge, budget, max_depth
        self.grid = _grid_for(budget)

    def cube(self, key: Key) -> tuple[np.ndarray, float]:
        size = self.edge / 2 ** key[0]
        return self.lo + np.array(key[1:], dtype=np.float64) * size, size

    def spacing(self, level: int) -> float:
        return self.edge / 2**level / self.grid

    def is_leaf_level(self, level: int) -> bool:
        return (self.max_depth is not None and level >= self.max_depth) or self.spacing(level) < MIN_SPACING

    def sample(self, key: Key, xyz: np.ndarray) -> np.ndarray:
        """Indices (ascending) of a uniform sample: the first point of each occupied lattice cell.

        Deterministic (file order decides); coarsened by halves while it exceeds the budget.
        """
        lo, size = self.cube(key)
        grid = self.grid
        ijk = np.clip(((xyz - lo) / (size / grid)).astype(np.int64), 0, grid - 1)
        while True:
            keys = (ijk[:, 0] * grid + ijk[:, 1]) * grid + ijk[:, 2]
            _, first = np.unique(keys, return_index=True)
            if len(first) <= self.budget or grid == 1:
                break
            grid //= 2
            ijk >>= 1
        if len(first) > self.budget:  # pragma: no cover - grid 1 holds one point
            first = first[: self.budget]
        return np.sort(first)

    @staticmethod
    def child(key: Key, octant: int) -> Key:
        level, x, y, z = key
        return (level + 1, 2 * x + (octant >> 2 & 1), 2 * y + (octant >> 1 & 1), 2 * z + (octant & 1))

    @staticmethod
    def parent(key: Key) -> Key:
        level, x, y, z = key
        return (level - 1, x >> 1, y >> 1, z >> 1)


def _gltf_xyz(enu: np.ndarray) -> np.ndarray:
    """ENU -> glTF axes (x east, y up, z south), in the input's precision."""
    enu = np.asarray(enu)
    return np.stack([enu[..., 0], enu[..., 2], -enu[..., 1]], axis=-1)


POINT_SCHEMA = {
    "id": "citytwin_points",
    "classes": {
        "point": {
            "name": "Lidar point",
            "properties": {
                "classification": {
                    "description": "ASPRS LAS classification code",
                    "type": "SCALAR",
                    "componentType": "UINT8",
                },
                "intensity": {"description": "LAS return intensity", "type": "SCALAR", "componentType": "UINT16"},
            },
        }
    },
}


def write_point_glb(path: Path, records: np.ndarray, colours: Callable[[np.ndarray], np.ndarray]) -> tuple:
    """One tile's ``.glb``; returns the ENU (min, max) of its points."""
    axes = ("e", "n", "u")
    lo = np.array([records[a].min() for a in axes])
    hi = np.array([records[a].max() for a in axes])
    centre = (lo + hi) / 2
    # Straight into glTF axes and float32 (x east, y up, z south): no (N, 3) float64 temporaries.
    positions = np.empty((len(records), 3), dtype=np.float32)
    positions[:, 0] = records["e"] - centre[0]
    positions[:, 1] = records["u"] - centre[2]
    positions[:, 2] = centre[1] - records["n"]
    glb = GlbBuilder()
    attributes = {
        "POSITION": glb.accessor(positions, FLOAT, "VEC3", ARRAY_BUFFER, min_max=True),
        "COLOR_0": glb.accessor(colours(records), UNSIGNED_BYTE, "VEC4", ARRAY_BUFFER, normalized=True),
        "_CLASSIFICATION": glb.accessor(records["classification"], UNSIGNED_BYTE, "SCALAR", ARRAY_BUFFER, stride=4),
        "_INTENSITY": glb.accessor(records["intensity"], UNSIGNED_SHORT, "SCALAR", ARRAY_BUFFER, stride=4),
    }
    glb.doc["materials"].append(
        {"name": "points", "pbrMetallicRoughness": {"metallicFactor": 0.0}, "extensions": {"KHR_materials_unlit": {}}}
    )
    primitive = {
        "attributes": attributes,
        "mode": POINTS,
        "material": 0,
        "extensions": {"EXT_structural_metadata": {"propertyAttributes": [0]}},
    }
    glb.mesh_node("points", primitive)
    top = {
        "extensionsUsed": ["EXT_structural_metadata", "KHR_materials_unlit"],
        "extensions": {
            "EXT_structural_metadata": {
                "schema": POINT_SCHEMA,
                "propertyAttributes": [
                    {
                        "class": "point",
                        "properties": {
                            "classification": {"attribute": "_CLASSIFICATION"},
                            "intensity": {"attribute": "_INTENSITY"},
                        },
                    }
                ],
            }
        },
    }
    root = {"name": "tile", "translation": [float(v) for v in _gltf_xyz(centre)]}
    with path.open("wb") as handle:
        glb.write(handle, {"version": "2.0", "generator": "CityTwin"}, root, top)
    return lo, hi


#: Bits per axis of the Morton codes (3 x 21 = 63 bits of a uint64).
MORTON_BITS = 21


def _spread3(v: np.ndarray) -> np.ndarray:
    """Bits of ``v`` (< 2**21) moved to every third position (the classic bit-interleave masks)."""
    v = v.astype(np.uint64) & np.uint64(0x1FFFFF)
    for shift, mask in ((32, 0x1F00000000FFFF), (16, 0x1F0000FF0000FF), (8, 0x100F00F00F00F00F),
                        (4, 0x10C30C30C30C30C3), (2, 0x1249249249249249)):  # fmt: skip
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def morton3(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Morton (Z-order) codes: bit triples (x, y, z), x highest, so 3 bits name an octant as ``octants`` does."""
    return (_spread3(x) << np.uint64(2)) | (_spread3(y) << np.uint64(1)) | _spread3(z)


def demorton3(code: int) -> tuple[int, int, int]:
    """(x, y, z) of one Morton code."""
    x = y = z = 0
    k = 0
    while code:
        z |= (code & 1) << k
        y |= ((code >> 1) & 1) << k
        x |= ((code >> 2) & 1) << k
        code >>= 3
        k += 1
    return x, y, z


def assign_depths(codes: np.ndarray, bits: int, grid_bits: int, budget: int, leaf: int) -> np.ndarray:
    """The depth (0 = the chunk's cube) of the tile each point goes to; ``codes`` sorted ascending.

    Level by level over the points not yet placed: a node (the codes sharing their top
    ``3 d`` bits) with at most ``budget`` of them keeps them all; a larger one keeps the
    first point (in Morton order) of each sampling cell (``grid_bits`` more bits per
    axis), cells coarsened by halves for a node that would exceed the budget. At depth
    ``leaf`` every remaining point is placed. Sorted codes make every node and cell a
    run of consecutive points, so each level is a few linear NumPy passes: no per-node
    Python loop and no sort.
    """
    depth = np.full(len(codes), -1, dtype=np.int64)
    todo = np.arange(len(codes))
    for d in range(leaf + 1):
        if len(todo) == 0:
            break
        c = codes[todo]
        node = c >> np.uint64(3 * (bits - d))
        new_node = np.r_[True, node[1:] != node[:-1]]
        group = np.cumsum(new_node) - 1
        counts = np.bincount(group)
        if d == leaf:
            depth[todo] = d
            break
        take = counts[group] <= budget
        big = ~take
        shift = 3 * (bits - d - grid_bits)
        while big.any():
            cell = c >> np.uint64(shift)
            first = np.r_[True, cell[1:] != cell[:-1]] & big
            fits = (np.bincount(group[first], minlength=len(counts)) <= budget)[group]
            take |= first & fits
            big &= ~fits
            shift += 3  # coarser cells for the nodes still over budget (one cell per node at most)
        depth[todo[take]] = d
        todo = todo[~take]
    return depth


class PointTiler:
    """Builds the point octree of spooled points into ``folder`` (see the module's description)."""

    def __init__(
        self,
        summary: SpoolSummary,
        folder: Path,
        work: Path,
        colours: PointColours,
        budget: int = DEFAULT_BUDGET,
        max_depth: int | None = None,
        uri_prefix: str = "points/",
        progress: ProgressCallback = no_progress,
        is_canceled: CancelCheck = never_canceled,
        workers: int = 2,
    ) -> None:
        if budget < 1:
            raise InputError(f"the point budget per tile must be at least 1 (got {budget})", field="budget")
        if max_depth is not None and max_depth < 0:
            raise InputError(f"the tree depth must be 0 or more (got {max_depth})", field="max_depth")
        self.summary, self.folder, self.work = summary, folder, work
        self.colours, self.uri_prefix = colours, uri_prefix
        self.progress, self.is_canceled, self.workers = progress, is_canceled, max(1, int(workers))
        self.cube = summary.cube
        self.tree = _Octree(self.cube.lo, self.cube.edge, int(budget), max_depth)
        self.tiles: dict[Key, PointTile] = {}
        self.level_counts: dict[int, int] = {}
        self.done = 0
        self._lock = threading.Lock()  # the tile table and counters, shared by the chunk workers

    # -- bookkeeping
    def _tile(self, key: Key) -> PointTile:
        with self._lock:
            if key not in self.tiles:
                error = 0.0 if self.tree.is_leaf_level(key[0]) else self.tree.spacing(key[0])
                self.tiles[key] = PointTile(key, error)
            return self.tiles[key]

    def _write(self, key: Key, records: np.ndarray) -> None:
        tile = self._tile(key)
        if len(records) == 0:
            return
        name = f"{key[0]}-{key[1]}-{key[2]}-{key[3]}.glb"
        lo, hi = write_point_glb(self.folder / name, records, self.colours)
        with self._lock:
            tile.uri, tile.count = self.uri_prefix + name, len(records)
            tile.box_min, tile.box_max = lo, hi
            self.level_counts[key[0]] = self.level_counts.get(key[0], 0) + len(records)
            self.done += len(records)

    def _pending_path(self, key: Key) -> Path:
        return self.work / f"pending-{key[0]}-{key[1]}-{key[2]}-{key[3]}.bin"

    # -- chunks: the spooled cubes, split where they hold too many points
    def _pyramid(self) -> dict[int, np.ndarray]:
        n = 2**COUNT_LEVEL
        pyramid = {COUNT_LEVEL: self.summary.counts.reshape(n, n, n)}
        for level in range(COUNT_LEVEL - 1, -1, -1):
            c = pyramid[level + 1]
            pyramid[level] = c.reshape(2**level, 2, 2**level, 2, 2**level, 2).sum(axis=(1, 3, 5))
        return pyramid

    def _chunks_in(self, bucket: Key, pyramid: dict[int, np.ndarray]) -> list[Key]:
        """The largest cubes inside ``bucket`` with at most CHUNK_POINTS points (COUNT_LEVEL cubes at most)."""
        deepest = COUNT_LEVEL
        while deepest > 0 and self.tree.is_leaf_level(deepest - 1):
            deepest -= 1  # never split below a leaf level: a leaf keeps all its points
        chunks, stack = [], [bucket]
        while stack:
            key = stack.pop()
            count = pyramid[key[0]][key[1:]]
            if count == 0:
                continue
            if count <= CHUNK_POINTS or key[0] >= deepest:
                chunks.append(key)
            else:
                stack.extend(_Octree.child(key, o) for o in range(8))
        return chunks

    def _split(self, path: Path, chunks: list[Key]) -> dict[Key, Path]:
        """Distribute a spooled cube's points to the files of its chunks (read in batches)."""
        n = 2**COUNT_LEVEL
        lookup = np.full(n**3, -1, dtype=np.int64)
        for index, (level, x, y, z) in enumerate(chunks):
            span = 2 ** (COUNT_LEVEL - level)
            lookup.reshape(n, n, n)[x * span : (x + 1) * span, y * span : (y + 1) * span, z * span : (z + 1) * span] = (
                index
            )
        files: dict[Key, Path] = {}
        for records in _batches(path):
            check_canceled(self.is_canceled)
            which = lookup[self.cube.cells(_xyz(records), COUNT_LEVEL)]
            if (which < 0).any():  # pragma: no cover - the chunks tile the cube they split
                raise RuntimeError("a point fell outside the chunks of its cube")
            for k in np.unique(which):
                key = chunks[int(k)]
                target = files.setdefault(key, self.work / f"chunk-{key[0]}-{key[1]}-{key[2]}-{key[3]}.bin")
                with target.open("ab") as handle:
                    records[which == k].tofile(handle)
        path.unlink()
        return files

    def _plan(self) -> list[tuple[Key, Path]]:
        pyramid = self._pyramid()
        plan = []
        for bucket, path in sorted(self.summary.buckets.items()):
            chunks = self._chunks_in(bucket, pyramid)
            if chunks == [bucket]:
                plan.append((bucket, path))
            else:
                plan.extend(self._split(path, chunks).items())
        return plan

    def _load_and_build(self, key: Key, path: Path) -> None:
        records = read_spool(path)
        path.unlink()
        self._build_chunk(key, records)

    # -- pass 4: one chunk, all its levels at once in Morton order
    def _build_chunk(self, key: Key, records: np.ndarray) -> None:
        """Every tile of a chunk's subtree; the chunk's own sample waits in its pending file."""
        check_canceled(self.is_canceled)
        lo, size = self.tree.cube(key)
        grid_bits = int(np.log2(self.tree.grid))
        leaf = 0
        while not self.tree.is_leaf_level(key[0] + leaf) and leaf < MORTON_BITS - grid_bits:
            leaf += 1
        bits = grid_bits + leaf
        codes = tile_kernel.morton(records, lo, size / 2**bits, bits)
        order = np.argsort(codes)
        codes = codes[order]
        depth = assign_depths(codes, bits, grid_bits, self.tree.budget, leaf)
        # Tiles: group the points by (depth, node prefix); each group is one tile. Codes are
        # sorted, so a stable sort by depth alone (small integers: a linear radix sort)
        # leaves every depth's points in prefix order, and one gather puts the records so.
        by_tile = np.argsort(depth.astype(np.int8), kind="stable")
        depth = depth[by_tile]
        prefix = codes[by_tile] >> (3 * (bits - depth.astype(np.uint64)))
        records = records[order[by_tile]]
        del order, codes, by_tile
        starts = np.flatnonzero(np.r_[True, (prefix[1:] != prefix[:-1]) | (depth[1:] != depth[:-1])])
        ends = np.r_[starts[1:], len(prefix)]
        for a, b in zip(starts, ends):
            check_canceled(self.is_canceled)
            d = int(depth[a])
            x, y, z = demorton3(int(prefix[a]))
            tile_key = (key[0] + d, (key[1] << d) + x, (key[2] << d) + y, (key[3] << d) + z)
            rows = records[a:b]
            if d == 0:
                rows.tofile(self._pending_path(key))
                self._tile(key)
                continue
            self._write(tile_key, rows)
            parent = tile_key
            while parent != key:  # link the tile to its ancestors (they all hold points)
                child, parent = parent, _Octree.parent(parent)
                siblings = self._tile(parent).children
                if child in siblings:
                    break
                siblings.append(child)

    # -- pass 5: above the chunks, bottom-up
    def _build_up(self, chunks: list[Key]) -> None:
        waiting = set(chunks)
        for level in range(max((k[0] for k in chunks), default=0), 0, -1):
            for parent in sorted({_Octree.parent(k) for k in waiting if k[0] == level}):
                check_canceled(self.is_canceled)
                children = sorted(k for k in waiting if k[0] == level and _Octree.parent(k) == parent)
                parts = [read_spool(self._pending_path(k)) for k in children]
                records = np.concatenate(parts)
                owner = np.repeat(np.arange(len(children)), [len(p) for p in parts])
                keep = np.zeros(len(records), dtype=bool)
                if self.tree.is_leaf_level(level - 1):
                    keep[:] = True  # a leaf keeps every point of its cube (its error is 0)
                else:
                    keep[self.tree.sample(parent, _xyz(records))] = True
                tile = self._tile(parent)
                for k, child in enumerate(children):
                    self._write(child, records[~keep & (owner == k)])
                    self._pending_path(child).unlink()
                    tile.children.append(child)
                    waiting.discard(child)
                records[keep].tofile(self._pending_path(parent))
                waiting.add(parent)
        root = (0, 0, 0, 0)
        self._write(root, read_spool(self._pending_path(root)))
        self._pending_path(root).unlink()

    def _prune(self, key: Key) -> bool:
        """Drop tiles left with no points below them; fill bounding boxes bottom-up. True if kept."""
        tile = self.tiles[key]
        tile.children = [c for c in tile.children if self._prune(c)]
        boxes = [(self.tiles[c].box_min, self.tiles[c].box_max) for c in tile.children]
        if tile.box_min is not None:
            boxes.append((tile.box_min, tile.box_max))
        if not boxes:
            del self.tiles[key]
            return False
        tile.box_min = np.min([b[0] for b in boxes], axis=0)
        tile.box_max = np.max([b[1] for b in boxes], axis=0)
        if not tile.children:
            tile.geometric_error = 0.0  # it holds every point of its cube
        return True

    def run(self) -> PointTree:
        """Build every tile; progress runs from 0 to 1 with the points written."""
        from concurrent.futures import ThreadPoolExecutor

        self.folder.mkdir(parents=True, exist_ok=True)
        plan = self._plan()
        # Two chunks at a time: NumPy's sorts, gathers and file writes release the GIL, so
        # a second worker keeps the second core busy (memory: two chunks, still bounded).
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="citytwin-tiles")
        try:
            for future in [pool.submit(self._load_and_build, key, path) for key, path in plan]:
                future.result()
                # Reported here, on the caller's thread (QGIS feedback objects live there).
                self.progress(min(self.done / max(self.summary.count, 1), 1.0))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        chunks = [key for key, _ in plan]
        self._build_up(chunks)
        root = (0, 0, 0, 0)
        self._prune(root)
        levels = [self.level_counts.get(level, 0) for level in range(max(self.level_counts, default=0) + 1)]
        return PointTree(
            self.tiles, root, levels, int(sum(levels)), self.colours.legend, self.tree.budget, self.tree.grid
        )


def tile_json(tree: PointTree, key: Key) -> dict[str, Any]:
    """The 3D Tiles JSON of ``key`` and its subtree (boxes in the package's ENU frame)."""
    tile = tree.tiles[key]
    node: dict[str, Any] = {
        "boundingVolume": {"box": box_of(tile.box_min, tile.box_max)},
        "geometricError": tile.geometric_error,
        "refine": "ADD",
    }
    if tile.uri:
        node["content"] = {"uri": tile.uri}
    if tile.children:
        node["children"] = [tile_json(tree, c) for c in tile.children]
    return node


def box_of(lo: np.ndarray, hi: np.ndarray) -> list[float]:
    """A 3D Tiles ``box`` (centre and three half-axes) of an axis-aligned ENU box, at least MIN_HALF thick."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    centre = (lo + hi) / 2
    half = np.maximum((hi - lo) / 2, MIN_HALF)
    return [float(v) for v in (*centre, half[0], 0, 0, 0, half[1], 0, 0, 0, half[2])]
