"""Building heights from a point cloud and a footprint layer, streamed chunk by chunk.

For every footprint: the points inside it (of the chosen classes), a high percentile
of their z (the roof: the 95th ignores the few highest returns — antennas, birds,
noise — yet stays on the roof), the ground under it (median of the DTM cells whose
centres are inside, the DTM being interpolated under the building from the ground
around it), and the height = roof - ground.

Points in footprints — exact, and fast for tens of millions of points
----------------------------------------------------------------------
Testing each point against each polygon (or even each point against an R-tree, as
``geopandas.sjoin`` does) costs a microsecond or more a point. Here the footprints are
rasterised once, in memory, to a *label raster* (GDAL ``RasterizeLayer``,
``ALL_TOUCHED=FALSE``: a cell gets the footprint containing its centre) and every cell
crossed by a footprint boundary — computed exactly from the boundary segments'
crossings of the grid lines, not by GDAL's ``ALL_TOUCHED``, which misses cells at
some grid-aligned vertices (OSGeo/gdal#8918, #10606, #12129) — is marked *edge*. A
point in a non-edge cell lies in the same footprint as the cell's centre (no boundary
passes between them), so it gets its label by one array look-up. Only points in edge
cells (a tenth to a third of a building's points, with 1 m cells and 10-20 m
buildings) are tested exactly: ``shapely.contains_xy`` against the footprints whose
bounding boxes contain them, found through a bucket grid. The result is therefore the
same as ``geopandas.sjoin(points, footprints, predicate="within")`` — points on a
boundary line are outside — whatever the cell size, which only trades memory (2 bytes a
cell up to 65,534 footprints, 4 beyond; the raster is kept twice, with and without
the edge marks) against the share of points tested exactly.

The default label cell is the DTM's cell divided by the smallest odd integer that
brings it to 1 m or below (1 m for a 1 m DTM, 2/3 m for a 2 m one): every DTM cell's
centre is then a label cell's centre, and the DTM cells under each footprint are read
from the label raster instead of rasterising the footprints a second time. When the
raster would exceed ``max_id_cells`` its cell is doubled until it fits. Footprints
that overlap share their common points in the layer's order: a point in two footprints
counts for the later one.

Streaming percentiles
---------------------
Percentiles need all values of a group. Instead of keeping every (footprint, z) pair,
each chunk's points inside footprints are reduced to a sparse histogram of z rounded
to ``z_resolution`` (default 1 cm) per footprint — sorted (footprint, z bin) keys with
counts, compacted as they accumulate. Its size is bounded by the number of footprints
times their z range in centimetres (a flat roof with 5 cm noise: about 30 bins), not
by the number of points. The percentile is then exact for z rounded to 1 cm (error
<= 5 mm; LAS files usually store z in 1 mm or 1 cm steps), with the same linear
interpolation between order statistics as numpy and pandas. The point count is exact;
the standard deviation comes from the same histogram (rounding adds at most
``z_resolution² / 12`` to the variance: 0.1 mm on a 5 cm spread).
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.gdal import gdal_exceptions
from ..common.progress import (
    CancelCheck,
    ProgressCallback,
    check_canceled,
    never_canceled,
    no_progress,
    sub_progress,
)
from .cloud import PointChunk
from .terrain import (
    DEFAULT_CHUNK_SIZE,
    NODATA,
    NOISE_CLASSES,
    RasterSpec,
    Surfaces,
    _finish_surfaces,
    _SurfaceAccumulator,
    _total_points,
)

#: Classes left out by default: ground, water and noise are not buildings.
EXCLUDED_CLASSES = (2, 9, *NOISE_CLASSES)
#: Columns added to the footprint layer.
FIELDS = ("pc_points", "pc_roof_z", "pc_ground_z", "pc_height_m", "pc_height_std", "pc_flag")
#: Label raster cell (m) when no DTM decides it, and the raster's size cap (cells).
ID_CELL_SIZE = 1.0
MAX_ID_CELLS = 200_000_000
#: Raw (footprint, z bin) keys buffered before they are compacted into the histogram.
_COMPACT_EVERY = 8_000_000
_Z_OFFSET = 2**31


# -- CRS -----------------------------------------------------------------------------
def _horizontal(crs: Any) -> Any:
    """The horizontal part of a compound CRS (heights do not matter to footprints)."""
    if crs.is_compound and crs.sub_crs_list:
        return crs.sub_crs_list[0]
    return crs


def _footprints_in_points_crs(footprints: Any, points_crs: Any, reproject: bool) -> Any:
    """Footprint geometries (GeoSeries) in the points' CRS, or :class:`InputError`."""
    import pyproj

    if footprints.crs is None:
        raise InputError(
            "the footprint layer has no CRS: assign one (heights are never computed on a guessed CRS)",
            source="footprints",
            field="geometry",
        )
    if points_crs is None:
        return footprints.geometry
    try:
        target = _horizontal(pyproj.CRS.from_user_input(points_crs))
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"the points' CRS is not understood ({exc})", field="points_crs") from exc
    source = _horizontal(pyproj.CRS.from_user_input(footprints.crs))
    if source.equals(target, ignore_axis_order=True):
        return footprints.geometry
    if not reproject:
        raise InputError(
            f"the footprints are in {source.name} but the points in {target.name}: reproject the footprints "
            "(reproject=True) or use a point cloud in the footprints' CRS",
            source="footprints",
            field="geometry",
        )
    return footprints.geometry.to_crs(target)


# -- rasterising footprints -------------------------------------------------------------
def _close_vsimem(name: str) -> None:
    from osgeo import gdal

    gdal.Unlink(name)


class _OgrFootprints:
    """The footprints as an in-memory OGR layer (built once, rasterised on several grids)."""

    def __init__(self, geoms: np.ndarray) -> None:
        import uuid

        import shapely
        from osgeo import ogr

        # Creating 20,000 OGR features one by one from Python takes a quarter of a second;
        # GDAL's CSV driver parses the same polygons as full-precision WKT (which round-trips
        # doubles exactly) from an in-memory file in a fiftieth.
        wkt = shapely.to_wkt(geoms, rounding_precision=-1)
        rows = [f'{k + 1},"{text}"' for k, text in enumerate(wkt) if text is not None and not text.endswith("EMPTY")]
        name = f"/vsimem/citytwin_footprints_{uuid.uuid4().hex}.csv"
        with gdal_exceptions() as gdal:
            gdal.FileFromMemBuffer(name, ("label,WKT\n" + "\n".join(rows) + "\n").encode("ascii"))
            # The in-memory file lives as long as this object (then it is closed and deleted).
            self._cleanup = weakref.finalize(self, _close_vsimem, name)
            self.source = ogr.Open(name)
        self.layer = self.source.GetLayer(0)

    def labels(self, spec: RasterSpec, dtype: Any = np.int32) -> np.ndarray:
        """``(n_rows, n_cols)``: 1 + index of the footprint containing each cell centre, else 0."""
        gdal_types = {np.dtype(np.uint16): "UInt16", np.dtype(np.uint32): "UInt32", np.dtype(np.int32): "Int32"}
        with gdal_exceptions() as gdal:
            raster = gdal.GetDriverByName("MEM").Create(
                "", spec.n_cols, spec.n_rows, 1, gdal.GetDataTypeByName(gdal_types[np.dtype(dtype)])
            )
            raster.SetGeoTransform(spec.geotransform)
            self.layer.ResetReading()
            # Neither side has a CRS (they share the grid's by construction): silence GDAL's
            # warning that it "assumes matching coordinate systems". Errors still raise.
            gdal.PushErrorHandler("CPLQuietErrorHandler")
            try:
                gdal.RasterizeLayer(raster, [1], self.layer, options=["ATTRIBUTE=label", "ALL_TOUCHED=FALSE"])
            finally:
                gdal.PopErrorHandler()
            labels = raster.GetRasterBand(1).ReadAsArray()
            raster = None
        return labels.astype(dtype, copy=False)


def rasterize_labels(geoms: np.ndarray, spec: RasterSpec, dtype: Any = np.int32) -> np.ndarray:
    """``(n_rows, n_cols)`` array: 1 + index of the footprint containing each cell centre, 0 elsewhere.

    GDAL ``RasterizeLayer`` in memory with ``ALL_TOUCHED=FALSE``; a later footprint
    overwrites an earlier one where they overlap.
    """
    return _OgrFootprints(np.asarray(geoms, dtype=object)).labels(spec, dtype)


def _ragged_offsets(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[0]-1, 0, 1, ..., counts[1]-1, ... (vectorised)."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _edge_cells(geoms: np.ndarray, spec: RasterSpec) -> np.ndarray:
    """Flat indices (north-up) of the cells crossed by any footprint boundary.

    A segment enters a new cell only where it crosses a grid line, so the cells on both
    sides of every crossing, plus the cells of the vertices, are exactly the cells it
    passes through (where it passes through a grid corner the two diagonal cells it
    only touches are included too: harmless, they are just tested exactly).
    """
    import shapely

    parts = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if (shapely.get_type_id(parts) == 6).any():  # MultiPolygons (get_parts costs a copy of every polygon)
        parts = shapely.get_parts(parts)
    rings = shapely.get_rings(parts)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    u = coords[:, 0] / spec.cell_size  # global grid units: cell = floor(u)
    v = coords[:, 1] / spec.cell_size
    cols = [np.floor(u)]
    rows = [np.floor(v)]
    same = ring[1:] == ring[:-1]
    u0, v0, u1, v1 = u[:-1][same], v[:-1][same], u[1:][same], v[1:][same]
    for a0, b0, a1, b1, vertical in ((u0, v0, u1, v1, True), (v0, u0, v1, u1, False)):
        low = np.minimum(np.floor(a0), np.floor(a1))
        counts = np.abs(np.floor(a1) - np.floor(a0)).astype(np.int64)  # grid lines crossed
        segment = np.repeat(np.arange(a0.size), counts)
        line = np.repeat(low, counts) + 1 + _ragged_offsets(counts)
        t = (line - a0[segment]) / (a1[segment] - a0[segment])
        other = np.floor(b0[segment] + t * (b1[segment] - b0[segment]))
        for side in (line - 1, line):
            (cols if vertical else rows).append(side)
            (rows if vertical else cols).append(other)
    gcol = np.concatenate(cols)
    grow = np.concatenate(rows)
    col = gcol - spec.col0
    row = (spec.row0 + spec.n_rows - 1) - grow
    inside = (col >= 0) & (col < spec.n_cols) & (row >= 0) & (row < spec.n_rows)
    # Duplicates are harmless: the caller only assigns the edge mark through them.
    return row[inside].astype(np.int64) * spec.n_cols + col[inside].astype(np.int64)


@dataclass
class _Buckets:
    """Footprints whose bounding box touches each square bucket (sorted keys + CSR)."""

    size: float
    keys: np.ndarray
    starts: np.ndarray
    counts: np.ndarray
    members: np.ndarray

    @classmethod
    def build(cls, bounds: np.ndarray, valid: np.ndarray, minimum: float) -> _Buckets:
        index = np.flatnonzero(valid)
        b = bounds[index]
        sides = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        # About one footprint across a bucket: few candidates per point, few buckets per footprint.
        size = float(max(np.median(sides) if sides.size else minimum, minimum))
        bx0, by0 = np.floor(b[:, 0] / size).astype(np.int64), np.floor(b[:, 1] / size).astype(np.int64)
        bx1, by1 = np.floor(b[:, 2] / size).astype(np.int64), np.floor(b[:, 3] / size).astype(np.int64)
        nx, ny = bx1 - bx0 + 1, by1 - by0 + 1
        per = nx * ny
        owner = np.repeat(np.arange(index.size), per)
        k = _ragged_offsets(per)
        keys = cls._key(bx0[owner] + k % nx[owner], by0[owner] + k // nx[owner])
        order = np.argsort(keys, kind="stable")
        keys, members = keys[order], index[owner[order]]
        distinct, starts, counts = np.unique(keys, return_index=True, return_counts=True)
        return cls(size, distinct, starts, counts, members)

    @staticmethod
    def _key(bx: np.ndarray, by: np.ndarray) -> np.ndarray:
        # Global bucket indices fit in 31 bits for any projected CRS extent and >= 1 cm buckets.
        return (by << 32) + (bx + _Z_OFFSET)

    def candidates(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point position, footprint index) pairs for footprints whose bucket holds the point."""
        if self.keys.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        keys = self._key(np.floor(x / self.size).astype(np.int64), np.floor(y / self.size).astype(np.int64))
        position = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        counts = np.where(self.keys[position] == keys, self.counts[position], 0)
        point = np.repeat(np.arange(keys.size), counts)
        member = self.members[np.repeat(self.starts[position], counts) + _ragged_offsets(counts)]
        return point, member


class FootprintIndex:
    """Which footprint each point lies in: label raster, exact edges (see the module notes).

    Parameters
    ----------
    geoms
        Shapely polygons / multipolygons in the points' CRS (None or empty allowed: they
        contain nothing).
    cell_size
        Label raster cell (m).
    max_cells
        Cap of the label raster's size; the cell size is doubled until it fits.
    """

    def __init__(self, geoms: np.ndarray, cell_size: float = ID_CELL_SIZE, max_cells: int = MAX_ID_CELLS) -> None:
        import shapely

        self.geoms = np.asarray(geoms, dtype=object)
        self.n = int(self.geoms.size)
        self.valid = ~(shapely.is_missing(self.geoms) | shapely.is_empty(self.geoms))
        self.bounds = shapely.bounds(self.geoms)
        self.spec: RasterSpec | None = None
        self.ogr: _OgrFootprints | None = None
        if not self.valid.any():
            return
        shapely.prepare(self.geoms[self.valid])  # contains_xy on edge points: twice as fast
        xmin, ymin = np.nanmin(self.bounds[:, 0]), np.nanmin(self.bounds[:, 1])
        xmax, ymax = np.nanmax(self.bounds[:, 2]), np.nanmax(self.bounds[:, 3])
        while True:
            spec = RasterSpec.covering((xmin, ymin, xmax, ymax), cell_size)
            # One empty cell more on every side: a point outside the grid is clamped onto
            # that border (label 0) instead of being masked, four comparisons a point fewer.
            spec = RasterSpec(spec.cell_size, spec.col0 - 1, spec.row0 - 1, spec.n_cols + 2, spec.n_rows + 2)
            if spec.n_cells <= max_cells:
                break
            cell_size *= 2
        self.spec = spec
        self.dtype = np.uint16 if self.n + 2 <= np.iinfo(np.uint16).max else np.uint32
        self.edge = int(np.iinfo(self.dtype).max)
        # The edge cells and the buckets (NumPy, shapely) are computed on a thread while GDAL
        # rasterises (it releases the GIL): the index is ready in about half the time.
        with ThreadPoolExecutor(max_workers=1) as pool:
            edges = pool.submit(_edge_cells, self.geoms, spec)
            buckets = pool.submit(_Buckets.build, self.bounds, self.valid, 4 * spec.cell_size)
            self.ogr = _OgrFootprints(self.geoms)
            # GDAL's labels (cell centre inside) are kept for the DTM cells under the footprints;
            # the look-up copy gets the edge marks.
            self.centre_labels = self.ogr.labels(spec, self.dtype)
            self.labels = self.centre_labels.reshape(-1).copy()
            self.labels[edges.result()] = self.edge
            self.buckets = buckets.result()

    def _cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat label-raster index of each point, clamped onto the empty border (NaN too)."""
        spec = self.spec
        col = np.floor(x / spec.cell_size)
        col -= spec.col0
        # fmax/fmin rather than clip: they turn NaN into the bound, onto the empty border.
        np.fmin(np.fmax(col, 0.0, out=col), spec.n_cols - 1, out=col)
        row = np.floor(y / spec.cell_size)
        np.subtract(spec.row0 + spec.n_rows - 1, row, out=row)
        np.fmin(np.fmax(row, 0.0, out=row), spec.n_rows - 1, out=row)
        row *= spec.n_cols
        row += col
        return row.astype(np.int64)

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the footprint containing each point (int64), -1 for none."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        result = np.full(x.shape, -1, dtype=np.int64)
        position, footprint = self.inside(x, y)
        result[position] = footprint
        return result

    def inside(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the points inside a footprint, and that footprint's index."""
        import shapely

        if self.spec is None or x.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        label = self.labels[self._cells(x, y)]
        position = np.flatnonzero(label)
        label = label[position].astype(np.int64)
        edge = np.flatnonzero(label == self.edge)
        if edge.size:
            ex, ey = x[position[edge]], y[position[edge]]
            point, member = self.buckets.candidates(ex, ey)
            px, py = ex[point], ey[point]
            b = self.bounds[member]
            near = (px > b[:, 0]) & (px < b[:, 2]) & (py > b[:, 1]) & (py < b[:, 3])
            point, member, px, py = point[near], member[near], px[near], py[near]
            within = shapely.contains_xy(self.geoms[member], px, py)
            best = np.zeros(edge.size, dtype=np.int64)  # 1 + footprint; 0: in none
            # The later footprint wins where they overlap, as in the rasterised cells.
            np.maximum.at(best, point[within], member[within] + 1)
            label[edge] = best
            found = label > 0
            position, label = position[found], label[found]
        return position, label - 1


# -- per-footprint accumulation -------------------------------------------------------
class _FootprintStats:
    """A sparse histogram of z per footprint: sorted (footprint, z bin) keys with counts.

    Each chunk is reduced to its distinct keys at once (one sort of its points inside
    footprints); the reductions are merged when they add up to ``_COMPACT_EVERY`` keys.
    """

    def __init__(self, n: int, z_resolution: float) -> None:
        self.n = n
        self.resolution = float(z_resolution)
        self.keys = np.empty(0, dtype=np.int64)
        self.key_counts = np.empty(0, dtype=np.int64)
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []
        self.pending_size = 0

    def reduce(self, footprint: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One chunk's distinct (footprint, z bin) keys and counts (thread-safe: reads only)."""
        zq = np.rint(z / self.resolution).astype(np.int64)
        keys, counts = np.unique((footprint << 32) + (zq + _Z_OFFSET), return_counts=True)
        return keys, counts.astype(np.int64)

    def add(self, footprint: np.ndarray, z: np.ndarray) -> None:
        if footprint.size:
            self.add_reduced(*self.reduce(footprint, z))

    def add_reduced(self, keys: np.ndarray, counts: np.ndarray) -> None:
        if keys.size == 0:
            return
        self.pending.append((keys, counts))
        self.pending_size += keys.size
        if self.pending_size >= _COMPACT_EVERY:
            self._compact()

    def _compact(self) -> None:
        if not self.pending:
            return
        keys = np.concatenate([self.keys, *(k for k, _ in self.pending)])
        counts = np.concatenate([self.key_counts, *(c for _, c in self.pending)])
        self.pending, self.pending_size = [], 0
        distinct, inverse = np.unique(keys, return_inverse=True)
        self.keys = distinct
        self.key_counts = np.bincount(inverse, weights=counts, minlength=distinct.size).astype(np.int64)

    def _bins(self) -> tuple[np.ndarray, np.ndarray]:
        """Footprint index and z of every bin."""
        self._compact()
        return self.keys >> 32, ((self.keys & 0xFFFFFFFF) - _Z_OFFSET) * self.resolution

    @property
    def count(self) -> np.ndarray:
        """Points per footprint (exact)."""
        footprint, _ = self._bins()
        return np.bincount(footprint, weights=self.key_counts, minlength=self.n).astype(np.int64)

    def std(self) -> np.ndarray:
        """Sample standard deviation of z (ddof=1, as pandas), NaN below two points.

        From the 1 cm histogram: the rounding adds at most res²/12 to the variance (a 5 cm
        spread reads 0.1 mm larger).
        """
        footprint, values = self._bins()
        weights = self.key_counts.astype(np.float64)
        n = np.bincount(footprint, weights=weights, minlength=self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(footprint, weights=weights * values, minlength=self.n) / n
            squares = np.bincount(footprint, weights=weights * (values - mean[footprint]) ** 2, minlength=self.n)
            return np.where(n > 1, np.sqrt(squares / np.maximum(n - 1, 1)), np.nan)

    def quantile(self, q: float) -> np.ndarray:
        """The ``q`` quantile of z per footprint (linear interpolation), NaN without points."""
        footprint, values = self._bins()
        result = np.full(self.n, np.nan)
        if self.keys.size == 0:
            return result
        cumulative = np.cumsum(self.key_counts)
        n = np.bincount(footprint, weights=self.key_counts, minlength=self.n).astype(np.int64)
        before = np.cumsum(n) - n  # points of the footprints sorted before this one
        has = n > 0
        position = q * (n[has] - 1)
        lower = np.floor(position).astype(np.int64)
        upper = np.minimum(lower + 1, n[has] - 1)
        fraction = position - lower

        def value_at(order: np.ndarray) -> np.ndarray:
            # The k-th value (0-based) of the whole sorted sequence sits in the first bin
            # whose cumulative count exceeds k.
            return values[np.searchsorted(cumulative, order, side="right")]

        low, high = value_at(before[has] + lower), value_at(before[has] + upper)
        result[has] = low + (high - low) * fraction
        return result


# -- ground under each footprint ------------------------------------------------------
def _dtm_arrays(dtm: Any) -> tuple[np.ndarray, RasterSpec]:
    """(float64 DTM with NaN for nodata, spec) from Surfaces or (array, spec)."""
    if isinstance(dtm, Surfaces):
        return dtm.masked("dtm"), dtm.spec
    try:
        array, spec = dtm
    except (TypeError, ValueError):
        raise InputError("the DTM must be Surfaces or an (array, RasterSpec) pair", field="dtm") from None
    if not isinstance(spec, RasterSpec):
        raise InputError("the DTM must be Surfaces or an (array, RasterSpec) pair", field="dtm")
    values = np.asarray(array, dtype=np.float64).copy()
    if values.shape != spec.shape:
        raise InputError(f"the DTM array's shape {values.shape} does not match its grid {spec.shape}", field="dtm")
    values[(values == NODATA) | ~np.isfinite(values)] = np.nan
    return values, spec


def _grouped_median(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``values`` per group (linear interpolation), NaN for empty groups.

    One float sort of ``group * span + value`` (span > the values' range) orders by group
    then value: several times faster than ``lexsort`` on two keys. The key's rounding
    (1e-9 m at 20,000 groups over 100 m) only matters for values closer than that.
    """
    result = np.full(n_groups, np.nan)
    if values.size == 0:
        return result
    low = float(values.min())
    span = float(values.max()) - low + 1.0
    keys = np.sort(groups * span + (values - low))
    n = np.bincount(groups, minlength=n_groups)
    starts = np.cumsum(n) - n
    has = n > 0
    position = 0.5 * (n[has] - 1)
    lower = np.floor(position).astype(np.int64)
    upper = np.minimum(lower + 1, n[has] - 1)
    offset = np.flatnonzero(has) * span - low
    value_low = keys[starts[has] + lower] - offset
    value_high = keys[starts[has] + upper] - offset
    result[has] = value_low + (value_high - value_low) * (position - lower)
    return result


def _dtm_cell_labels(index: FootprintIndex, spec: RasterSpec) -> np.ndarray:
    """1 + index of the footprint containing each DTM cell's centre (0: none), flat.

    When the DTM cell is an odd multiple k of the label raster's cell (the default choice
    of the label cell), every DTM cell's centre is the centre of the middle one of its
    k x k label cells, so the labels are a strided slice of the label raster GDAL made
    (before the edge marks): no second rasterisation. Otherwise GDAL rasterises the
    footprints on the DTM grid. Either way: ``ALL_TOUCHED=FALSE`` semantics.
    """
    fine = index.spec
    ratio = spec.cell_size / fine.cell_size
    k = round(ratio)
    if abs(ratio - k) > 1e-9 or k % 2 == 0:
        return index.ogr.labels(spec, np.int32).reshape(-1)
    middle = (k - 1) // 2
    # Label-raster column of DTM column j: first + k * j; row of DTM row i: top + k * i.
    first = spec.col0 * k + middle - fine.col0
    top = (fine.row0 + fine.n_rows - 1) - ((spec.row0 + spec.n_rows - 1) * k + middle)
    cols = np.arange(spec.n_cols)
    rows = np.arange(spec.n_rows)
    use_cols = cols[(first + k * cols >= 0) & (first + k * cols < fine.n_cols)]
    use_rows = rows[(top + k * rows >= 0) & (top + k * rows < fine.n_rows)]
    labels = np.zeros(spec.shape, dtype=index.centre_labels.dtype)
    if use_cols.size and use_rows.size:
        c0, c1, r0, r1 = use_cols[0], use_cols[-1] + 1, use_rows[0], use_rows[-1] + 1
        labels[r0:r1, c0:c1] = index.centre_labels[
            top + k * r0 : top + k * (r1 - 1) + 1 : k, first + k * c0 : first + k * (c1 - 1) + 1 : k
        ]
    return labels.reshape(-1)


def _ground_under(index: FootprintIndex, dtm: np.ndarray, spec: RasterSpec) -> np.ndarray:
    """Median of the DTM cells whose centres are inside each footprint.

    A footprint smaller than a DTM cell (no centre inside) takes the DTM at its
    representative point instead. NaN where the DTM has no value there.
    """
    import shapely

    ground = np.full(index.n, np.nan)
    if index.spec is None:
        return ground
    labels = _dtm_cell_labels(index, spec)
    values = dtm.reshape(-1)
    use = np.flatnonzero(labels)
    use = use[np.isfinite(values[use])]
    ground = _grouped_median(labels[use].astype(np.int64) - 1, values[use], index.n)
    missing = np.flatnonzero(index.valid & np.isnan(ground))
    if missing.size:
        points = shapely.point_on_surface(index.geoms[missing])
        flat = spec.flat_index(shapely.get_x(points), shapely.get_y(points))
        known = flat >= 0
        ground[missing[known]] = values[flat[known]]
    return ground


def label_cell_size(dtm_cell_size: float, largest: float = 1.0) -> float:
    """The label raster's cell for a DTM cell: the DTM cell divided by the smallest odd
    integer that brings it to ``largest`` (m) or below, so that DTM cells can be labelled
    from the label raster (their centres are label-cell centres)."""
    k = 1
    while dtm_cell_size / k > largest:
        k += 2
    return dtm_cell_size / k


def _checked_footprints(footprints: Any, points_crs: Any, reproject: bool) -> np.ndarray:
    """The footprints' geometries in the points' CRS, checked to be (multi)polygons."""
    import geopandas as gpd
    import shapely

    if not isinstance(footprints, gpd.GeoDataFrame):
        raise InputError("the footprints must be a GeoDataFrame", source="footprints")
    geometry = _footprints_in_points_crs(footprints, points_crs, reproject)
    geoms = np.asarray(geometry.values, dtype=object)
    kinds = shapely.get_type_id(geoms)
    bad = ~np.isin(kinds, (-1, 3, 6)) & ~shapely.is_empty(geoms)  # -1 missing, 3 Polygon, 6 MultiPolygon
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"footprints must be polygons; feature {first + 1} is a {geoms[first].geom_type}",
            source="footprints",
            line=first + 1,
            field="geometry",
        )
    return geoms


# -- the public functions ------------------------------------------------------------
#: Threads reducing chunks (the machines CityTwin targets have two cores or more).
_WORKERS = 2


def _merge(item: tuple[Any, int], stats: _FootprintStats) -> int:
    future, n_points = item
    stats.add_reduced(*future.result())
    return n_points


def _stream(
    chunks: Iterable[PointChunk],
    index: FootprintIndex,
    stats: _FootprintStats,
    counted: np.ndarray,
    accumulator: _SurfaceAccumulator | None,
    total: int | None,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> None:
    """Reduce every chunk into ``stats`` (and ``accumulator``, making a DTM on the way)."""

    def reduce(chunk: PointChunk) -> tuple[np.ndarray, np.ndarray]:
        x, y, z = np.asarray(chunk.x, np.float64), np.asarray(chunk.y, np.float64), np.asarray(chunk.z, np.float64)
        classes_of_points = chunk.attributes.get("classification")
        if classes_of_points is not None:
            keep = counted[np.asarray(classes_of_points, dtype=np.uint8)]
            x, y, z = x[keep], y[keep], z[keep]
        position, footprint = index.inside(x, y)
        z = z[position]
        finite = np.isfinite(z)
        return stats.reduce(footprint[finite], z[finite])

    read = sub_progress(progress, 0.0, 0.9)
    done = 0
    # Chunks are reduced on two threads (NumPy and shapely release the GIL in their
    # array loops): 1.6x faster on two cores. At most three chunks are in flight, and
    # their reductions are merged in file order, so the result does not depend on it.
    in_flight: deque = deque()
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        try:
            for chunk in chunks:
                check_canceled(is_canceled)
                in_flight.append((pool.submit(reduce, chunk), len(chunk)))
                if accumulator is not None:
                    accumulator.add(chunk)
                while len(in_flight) > _WORKERS:
                    done += _merge(in_flight.popleft(), stats)
                    if total:
                        read(done / total)
            while in_flight:
                done += _merge(in_flight.popleft(), stats)
                if total:
                    read(done / total)
        finally:
            for future, _n in in_flight:
                future.cancel()
    check_canceled(is_canceled)


def building_heights(
    chunks: Iterable[PointChunk],
    footprints: Any,
    dtm: Surfaces | tuple[np.ndarray, RasterSpec] | None = None,
    percentile: float = 95.0,
    min_points: int = 10,
    classes: Sequence[int] | None = None,
    points_crs: Any = None,
    reproject: bool = False,
    dtm_cell_size: float = 1.0,
    id_cell_size: float | None = None,
    max_id_cells: int = MAX_ID_CELLS,
    z_resolution: float = 0.01,
    total_points: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Any:
    """Heights of the footprints from the points inside them (see the module notes).

    Parameters
    ----------
    chunks
        Points in real coordinates, ``classification`` attribute when classified.
    footprints
        GeoDataFrame of polygons (or multipolygons), with a CRS.
    dtm
        Ground surface: :class:`~citytwin.twin.terrain.Surfaces` or ``(array, RasterSpec)``
        (nodata -9999 or NaN), in the points' CRS. None: made from the same points in
        the same pass (ground class 2, else the ground filter) at ``dtm_cell_size``.
    percentile
        Roof percentile of z, in (0, 100].
    min_points
        Footprints with fewer points get no roof or height, and a flag.
    classes
        Classes counted inside footprints; default every class except ground (2),
        water (9) and noise (7, 18). Unclassified points (no ``classification``
        attribute) are all counted.
    points_crs
        CRS of the points (anything pyproj accepts). None: the footprints' CRS is
        assumed. A different CRS is an error unless ``reproject`` is True, then the
        footprints are reprojected to it (only their horizontal parts are compared).
    reproject
        Reproject the footprints to ``points_crs`` when they differ.
    dtm_cell_size
        Cell of the DTM made when ``dtm`` is None (m).
    id_cell_size, max_id_cells
        Label raster cell (m; default: from the DTM's cell, see the module notes) and size
        cap in cells (speed and memory only: results are exact).
    z_resolution
        Bin of the streamed percentile (m).
    total_points
        Number of points, for progress (default: counted when ``chunks`` is a list).
    progress, is_canceled
        Progress (after every chunk) and cancel callbacks.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``footprints`` (own CRS and geometries) with ``pc_points`` (points
        inside), ``pc_roof_z``, ``pc_ground_z``, ``pc_height_m`` (roof - ground),
        ``pc_height_std`` (standard deviation of the points' z: roof roughness) and
        ``pc_flag`` (None when fine, else why a value is missing). Existing columns of
        those names are replaced.
    """
    geoms = _checked_footprints(footprints, points_crs, reproject)
    if not (0 < float(percentile) <= 100):
        raise InputError(f"the percentile must be in (0, 100], got {percentile}", field="percentile")
    if int(min_points) < 1:
        raise InputError(f"the minimum number of points must be at least 1, got {min_points}", field="min_points")
    if not (float(z_resolution) > 0):
        raise InputError(f"the z resolution must be positive, got {z_resolution}", field="z_resolution")

    accumulator = _SurfaceAccumulator(dtm_cell_size) if dtm is None else None
    dtm_values, dtm_spec = (None, None) if dtm is None else _dtm_arrays(dtm)
    if id_cell_size is None:
        id_cell_size = label_cell_size(dtm_cell_size if dtm_spec is None else dtm_spec.cell_size)
    index = FootprintIndex(geoms, id_cell_size, max_id_cells)
    stats = _FootprintStats(index.n, z_resolution)
    # A 256-entry table: indexing it is several times faster than np.isin per chunk.
    counted = np.zeros(256, dtype=bool)
    if classes is None:
        counted[:] = True
        counted[list(EXCLUDED_CLASSES)] = False
    else:
        counted[[c for c in classes if 0 <= int(c) < 256]] = True

    with ThreadPoolExecutor(max_workers=1) as pool:
        # A given DTM's ground under the footprints needs no point: it is computed while
        # the points stream (the stream's two workers wait on reads and merges now and then).
        ground_future = pool.submit(_ground_under, index, dtm_values, dtm_spec) if accumulator is None else None
        total = _total_points(chunks, total_points)
        _stream(chunks, index, stats, counted, accumulator, total, progress, is_canceled)
        if accumulator is not None:
            if accumulator.points == 0:
                raise InputError("the point cloud has no points (other than noise)", field="points")
            surfaces = _finish_surfaces(accumulator, is_canceled=is_canceled)
            ground = _ground_under(index, surfaces.masked("dtm"), surfaces.spec)
        else:
            ground = ground_future.result()
    check_canceled(is_canceled)
    roof = stats.quantile(float(percentile) / 100.0)
    progress(0.97)
    return _result_frame(footprints, index.valid, stats, roof, ground, int(min_points), float(percentile))


def _result_frame(
    footprints: Any,
    valid: np.ndarray,
    stats: _FootprintStats,
    roof: np.ndarray,
    ground: np.ndarray,
    min_points: int,
    percentile: float,
) -> Any:
    count = stats.count
    enough = count >= min_points
    roof = np.where(enough, roof, np.nan)
    height = roof - ground
    flags = np.full(count.size, None, dtype=object)
    # Only flagged footprints get a text: a Python loop over those, not over all of them.
    no_dtm = valid & np.isnan(ground)
    for k in np.flatnonzero(~valid | (count < min_points) | no_dtm):
        if not valid[k]:
            reasons = ["empty geometry"]
        elif count[k] == 0:
            reasons = ["no points"]
        elif not enough[k]:
            reasons = [f"too few points ({count[k]} < {min_points})"]
        else:
            reasons = []
        if no_dtm[k]:
            reasons.append("no DTM under the footprint")
        flags[k] = "; ".join(reasons)
    result = footprints.copy()
    result["pc_points"] = count
    result["pc_roof_z"] = roof
    result["pc_ground_z"] = ground
    result["pc_height_m"] = height
    result["pc_height_std"] = stats.std()
    result["pc_flag"] = flags
    result.attrs["pc_percentile"] = percentile
    return result


def building_heights_from_file(
    path: str | Path,
    footprints: Any,
    dtm: Surfaces | tuple[np.ndarray, RasterSpec] | None = None,
    percentile: float = 95.0,
    min_points: int = 10,
    classes: Sequence[int] | None = None,
    points_crs: Any = None,
    reproject: bool = False,
    dtm_cell_size: float = 1.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Any:
    """:func:`building_heights` on a LAS/LAZ/COPC file; its CRS record is the points' CRS.

    ``points_crs`` is the CRS of a file without a CRS record, which is an error
    otherwise: a CRS is never guessed. A file's own record wins.
    """
    from .reader import open_stream

    stream = open_stream(path, chunk_size, source_crs=points_crs, dims=["classification"])
    if stream.crs_wkt is None:
        raise InputError("the point cloud has no CRS record: give its CRS (points_crs)", source=stream.path)
    return building_heights(
        stream.chunks(is_canceled=is_canceled),
        footprints,
        dtm=dtm,
        percentile=percentile,
        min_points=min_points,
        classes=classes,
        points_crs=stream.crs_wkt,
        reproject=reproject,
        dtm_cell_size=dtm_cell_size,
        total_points=stream.point_count,
        progress=progress,
        is_canceled=is_canceled,
    )


def write_heights_layer(frame: Any, path: str | Path, layer: str | None = None) -> Path:
    """Write the result to a new vector file (driver from the suffix), atomically.

    The file is written under a temporary name in the target folder and renamed when
    complete, so an error leaves no file; an existing file of that name is replaced.
    """
    import contextlib

    from .terrain import temp_path_beside

    target = Path(path)
    temp = temp_path_beside(target)
    try:
        frame.to_file(temp, layer=layer or target.stem, engine="pyogrio")
        temp.replace(target)  # os.replace: atomic on one file system
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target
