"""Terrain rasters from point clouds: DSM, DTM and nDSM, streamed chunk by chunk.

Every point is used, yet memory stays bounded: each chunk is reduced at once into
per-cell accumulators (arrays of the raster's size: highest point, lowest point,
point count, sum and count of ground points, 32 bytes a cell) and then dropped, so a
file of any size needs only the raster and one chunk in memory.

Surfaces (float32, nodata -9999, north-up):

- **DSM**: highest point per cell of every class except noise (ASPRS 7 low noise,
  18 high noise). Cells without points are nodata — never interpolated.
- **DTM** where the cloud is classified (it has class-2 points): the *mean* z of the
  ground points in each cell. The mean rather than the minimum, because lidar ground
  returns scatter a few centimetres around the surface and the minimum of n of them is
  biased low by about one standard deviation; the mean rather than the median, because
  a streamed median would need every ground z kept, while the mean needs two numbers a
  cell. On a slope, the mean of evenly spread points is the surface at the cell centre.
- **DTM** where the cloud has no class-2 points (photogrammetry, unclassified lidar):
  the lowest point per cell, cleaned by a simplified *progressive morphological filter*
  (Zhang, Chen, Whitman, Shyu, Yan & Zhang 2003, "A progressive morphological filter for
  removing nonground measurements from airborne LIDAR data", IEEE TGRS 41(4), 872-882),
  grid version as in PCL and PDAL ``filters.pmf``: the lowest-point surface is opened
  (grey erosion then dilation) with square windows growing 3, 5, 9, 17, ... cells up to
  ``filter_window_m``; a cell whose surface drops by more than the elevation threshold
  ``dh_k = min(dh0 + slope * (w_k - w_(k-1)) * cell, dh_max)`` (``dh0`` for the 3-cell
  window) is not ground. Objects narrower than the last window in some direction
  (buildings, trees, cars) are removed; the window must be wider than the smaller side
  of the largest building. A known weakness: low outliers (below-ground noise) become
  "ground" pits, as in the original method.
- **DTM gaps** (under buildings, water, sparse ground): filled by the weighted mean of
  the linear interpolations along the cell's row and column between the nearest
  measured ground cells (GDAL ``FillNodata``'s four-direction search with linear
  weights, exact on planar terrain; see :func:`fill_gaps`), or the nearest measured
  cell at data edges. Only cells within ``max_fill_m`` (default 50 m, i.e. buildings
  up to 100 m across) of a ground cell are filled; farther cells stay nodata rather
  than being invented.
- **nDSM** = DSM - DTM where both exist, clipped at 0: it is the height of objects
  above ground, and negative values (water returns below the banks, interpolation
  error under low points) are not heights.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass, field
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

#: Value of cells without data in every raster written here.
NODATA = -9999.0
#: ASPRS classes never used for surfaces: 7 low point (noise), 18 high noise.
NOISE_CLASSES = (7, 18)
#: ASPRS ground class.
GROUND_CLASSES = (2,)
#: Default distance (m) from the nearest ground cell beyond which the DTM stays nodata.
MAX_FILL_M = 50.0
#: Default largest window (m) of the ground filter: wider than the largest building.
FILTER_WINDOW_M = 60.0
#: Points read per chunk by the file wrappers (about 40 MB for point format 3).
DEFAULT_CHUNK_SIZE = 1_000_000

_GROUND_FILTER_MODES = ("auto", "always", "never")


# -- the raster grid ------------------------------------------------------------------
@dataclass(frozen=True)
class RasterSpec:
    """A north-up grid of square cells snapped to multiples of ``cell_size``.

    The grid is stored as integer *global* cell indices — column ``floor(x / cell_size)``
    and row ``floor(y / cell_size)`` — so that grids of one cell size line up across
    files and a point's cell never depends on where a chunk started (the same snapping
    as :class:`citytwin.layers.grid.GridSpec`). Arrays on this grid have shape
    ``(n_rows, n_cols)`` with row 0 at the *top* (north), as GeoTIFFs store them.

    Attributes
    ----------
    cell_size
        Side of a cell, in CRS units (metres).
    col0
        Global column of the left-most column: ``xmin = col0 * cell_size``.
    row0
        Global row of the bottom row: ``ymin = row0 * cell_size``.
    n_cols, n_rows
        Size of the grid.
    """

    cell_size: float
    col0: int
    row0: int
    n_cols: int
    n_rows: int

    @classmethod
    def covering(cls, bounds: Sequence[float], cell_size: float) -> RasterSpec:
        """The smallest snapped grid covering ``(xmin, ymin, xmax, ymax)``."""
        cell_size = _check_cell_size(cell_size)
        xmin, ymin, xmax, ymax = (float(v) for v in bounds)
        if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) or xmax < xmin or ymax < ymin:
            raise InputError(f"invalid bounds {tuple(bounds)}", field="bounds")
        col0, row0 = math.floor(xmin / cell_size), math.floor(ymin / cell_size)
        # A point exactly on the upper edge still needs its own cell (floor division).
        n_cols = math.floor(xmax / cell_size) - col0 + 1
        n_rows = math.floor(ymax / cell_size) - row0 + 1
        return cls(cell_size, col0, row0, n_cols, n_rows)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_rows, self.n_cols)

    @property
    def n_cells(self) -> int:
        return self.n_rows * self.n_cols

    @property
    def xmin(self) -> float:
        return self.col0 * self.cell_size

    @property
    def ymin(self) -> float:
        return self.row0 * self.cell_size

    @property
    def xmax(self) -> float:
        return (self.col0 + self.n_cols) * self.cell_size

    @property
    def ymax(self) -> float:
        return (self.row0 + self.n_rows) * self.cell_size

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.xmin, self.ymin, self.xmax, self.ymax)

    @property
    def geotransform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform (upper-left corner, north-up)."""
        return (self.xmin, self.cell_size, 0.0, self.ymax, 0.0, -self.cell_size)

    def rows_cols(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Array row and column of each point (int64); -1 for both outside the grid or NaN."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            gcol = np.floor(x / self.cell_size)
            grow = np.floor(y / self.cell_size)
        col = gcol - self.col0
        row = (self.row0 + self.n_rows - 1) - grow
        inside = (col >= 0) & (col < self.n_cols) & (row >= 0) & (row < self.n_rows)
        rows = np.where(inside, row, -1).astype(np.int64)
        cols = np.where(inside, col, -1).astype(np.int64)
        return rows, cols

    def flat_index(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of each point's cell in ``array.ravel()`` (row-major, north-up); -1 outside."""
        rows, cols = self.rows_cols(x, y)
        return np.where(rows >= 0, rows * self.n_cols + cols, -1)

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x (per column) and y (per row, top first) of the cell centres."""
        xs = (self.col0 + np.arange(self.n_cols) + 0.5) * self.cell_size
        ys = (self.row0 + self.n_rows - 1 - np.arange(self.n_rows) + 0.5) * self.cell_size
        return xs, ys


def _check_cell_size(cell_size: float) -> float:
    try:
        value = float(cell_size)
    except (TypeError, ValueError):
        raise InputError(f"the cell size must be a number, got {cell_size!r}", field="cell_size") from None
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"the cell size must be positive, got {cell_size}", field="cell_size")
    return value


# -- the result -----------------------------------------------------------------------
@dataclass
class Surfaces:
    """DSM, DTM and nDSM of a cloud on one grid (float32, ``nodata`` where unknown).

    Attributes
    ----------
    spec
        The grid.
    dsm, dtm, ndsm
        ``(n_rows, n_cols)`` float32 arrays, north-up.
    point_count
        Points per cell used for the DSM (noise excluded), int32.
    ground_count
        Ground points per cell (classified cloud) or 1 for cells the ground filter kept
        (unclassified cloud), int32: where the DTM is measured rather than interpolated.
    ground_method
        ``"classes"`` (mean of the ground-class points) or ``"filter"`` (progressive
        morphological filter on the lowest points).
    nodata
        The nodata value of the three surfaces.
    crs_wkt
        CRS of the grid, when known (None: never guessed).
    """

    spec: RasterSpec
    dsm: np.ndarray
    dtm: np.ndarray
    ndsm: np.ndarray
    point_count: np.ndarray
    ground_count: np.ndarray
    ground_method: str
    nodata: float = NODATA
    crs_wkt: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    def valid(self, name: str) -> np.ndarray:
        """Boolean mask of the cells of ``"dsm"``, ``"dtm"`` or ``"ndsm"`` that hold data."""
        return getattr(self, name) != self.nodata

    def masked(self, name: str) -> np.ndarray:
        """A float64 copy of a surface with NaN where it has no data."""
        values = getattr(self, name).astype(np.float64)
        values[~self.valid(name)] = np.nan
        return values

    def write(
        self,
        folder: str | Path,
        stem: str,
        crs_wkt: str | None = None,
        is_canceled: CancelCheck = never_canceled,
    ) -> dict[str, Path]:
        """Write ``<stem>_dsm.tif``, ``<stem>_dtm.tif`` and ``<stem>_ndsm.tif`` into ``folder``.

        All three are written to temporary files first and renamed only when all are
        complete, so an error or a cancel leaves none of them (and no temporary file).

        Parameters
        ----------
        folder
            Existing folder to write into.
        stem
            Start of the file names.
        crs_wkt
            CRS to record; defaults to :attr:`crs_wkt`. None writes no CRS (it is never
            guessed).
        is_canceled
            Checked before each raster.

        Returns
        -------
        dict
            ``{"dsm": path, "dtm": path, "ndsm": path}``.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError("the output folder does not exist", source=folder)
        targets = {name: folder / f"{stem}_{name}.tif" for name in ("dsm", "dtm", "ndsm")}
        return self.write_files(targets, crs_wkt, is_canceled)

    def write_files(
        self,
        targets: dict[str, str | Path],
        crs_wkt: str | None = None,
        is_canceled: CancelCheck = never_canceled,
    ) -> dict[str, Path]:
        """Write the surfaces named in ``targets`` (``"dsm"``, ``"dtm"``, ``"ndsm"``) to those GeoTIFFs.

        All or none: every raster is written to a temporary file beside its target, and
        they are renamed only when all are complete.
        """
        unknown = sorted(set(targets) - {"dsm", "dtm", "ndsm"})
        if unknown:
            raise ValueError(f"unknown surfaces {unknown}: use dsm, dtm, ndsm")
        wkt = crs_wkt if crs_wkt is not None else self.crs_wkt
        paths = {name: Path(target) for name, target in targets.items()}
        for path in paths.values():
            if not path.parent.is_dir():
                raise InputError("the output folder does not exist", source=path.parent)
        temps: dict[str, Path] = {}
        try:
            for name, target in paths.items():
                check_canceled(is_canceled)
                temps[name] = temp_path_beside(target)
                _write_geotiff_file(getattr(self, name), self.spec, wkt, temps[name], self.nodata)
            check_canceled(is_canceled)
            for name, target in paths.items():
                temps[name].replace(target)  # os.replace: atomic on one file system
                del temps[name]
        finally:
            for temp in temps.values():
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
        return paths


# -- GeoTIFF output -------------------------------------------------------------------
def temp_path_beside(target: Path) -> Path:
    """A hidden temporary name next to ``target`` for an atomic write (write, then ``replace``)."""
    # Same folder as the target, so that os.replace is a rename on one file system.
    return target.parent / f".{target.stem}.{uuid.uuid4().hex[:12]}.tmp{target.suffix}"


def _write_geotiff_file(array: np.ndarray, spec: RasterSpec, crs_wkt: str | None, path: Path, nodata: float) -> None:
    from osgeo import osr

    array = np.asarray(array)
    if array.shape != spec.shape:
        raise ValueError(f"array shape {array.shape} does not match the grid {spec.shape}")
    with gdal_exceptions() as gdal:
        options = ["COMPRESS=LZW", "TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "PREDICTOR=3", "BIGTIFF=IF_SAFER"]
        ds = gdal.GetDriverByName("GTiff").Create(str(path), spec.n_cols, spec.n_rows, 1, gdal.GDT_Float32, options)
        try:
            ds.SetGeoTransform(spec.geotransform)
            if crs_wkt:
                srs = osr.SpatialReference()
                srs.ImportFromWkt(crs_wkt)
                ds.SetSpatialRef(srs)
            band = ds.GetRasterBand(1)
            band.SetNoDataValue(float(nodata))
            band.WriteArray(array.astype(np.float32, copy=False))
            band.FlushCache()
        finally:
            ds = None  # closes the file: it must be complete before it gets its name


def write_geotiff(
    array: np.ndarray, spec: RasterSpec, crs_wkt: str | None, path: str | Path, nodata: float = NODATA
) -> Path:
    """Write one float32 band as a tiled, LZW-compressed GeoTIFF, atomically.

    Parameters
    ----------
    array
        ``(n_rows, n_cols)`` values, north-up (row 0 at the top).
    spec
        The grid (gives the geotransform).
    crs_wkt
        CRS to record, or None to record none.
    path
        Target file; written as a temporary file in the same folder, then renamed.
    nodata
        Value of cells without data.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    temp = temp_path_beside(target)
    try:
        _write_geotiff_file(array, spec, crs_wkt, temp, nodata)
        temp.replace(target)  # os.replace: atomic on one file system
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target


# -- streaming accumulation -----------------------------------------------------------
def _total_points(chunks: Iterable[PointChunk], total_points: int | None) -> int | None:
    if total_points is not None:
        return int(total_points)
    if isinstance(chunks, Sized) and isinstance(chunks, Sequence):
        return sum(len(c) for c in chunks)
    return None


def _classification(chunk: PointChunk) -> np.ndarray | None:
    values = chunk.attributes.get("classification")
    return None if values is None else np.asarray(values)


def _group_reduce(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort ``flat`` once and return (distinct keys, group starts, order) for reduceat.

    A sort plus ``ufunc.reduceat`` is as fast as ``ufunc.at`` on numpy >= 1.25 and many
    times faster on the older numpy some QGIS builds ship.
    """
    order = np.argsort(flat, kind="stable")
    sorted_flat = flat[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_flat[1:] != sorted_flat[:-1]]))
    return sorted_flat[starts], starts, order


def _class_table(classes: Sequence[int]) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[[int(c) for c in classes if 0 <= int(c) < 256]] = True
    return table


class _SurfaceAccumulator:
    """Per-cell reductions of streamed points on a grid that grows with the data.

    With ``clip_bounds`` the grid is fixed and points outside are dropped; otherwise it
    starts at ``hint_bounds`` (a file header's extent) or the first chunk's extent and
    grows, by at least its size on the side that needs it (so that a file read in
    scan-strip order is reallocated a few times, not once per chunk). The final grid is
    cropped to the points' extent, so it does not depend on the chunking.
    """

    def __init__(
        self,
        cell_size: float,
        clip_bounds: Sequence[float] | None = None,
        hint_bounds: Sequence[float] | None = None,
        ground_classes: Sequence[int] = GROUND_CLASSES,
    ) -> None:
        self.cell_size = _check_cell_size(cell_size)
        # 256-entry tables (ASPRS classes are bytes): indexing beats np.isin several times.
        self.is_ground = _class_table(ground_classes)
        self.is_noise = _class_table(NOISE_CLASSES)
        self.clip: RasterSpec | None = None
        self.c0 = self.r0 = self.nc = self.nr = 0
        self.allocated = False
        if clip_bounds is not None:
            self.clip = RasterSpec.covering(clip_bounds, self.cell_size)
            self._allocate(self.clip.col0, self.clip.row0, self.clip.n_cols, self.clip.n_rows)
        elif hint_bounds is not None and all(math.isfinite(float(v)) for v in hint_bounds):
            hint = RasterSpec.covering(hint_bounds, self.cell_size)
            self._allocate(hint.col0, hint.row0, hint.n_cols, hint.n_rows)
        # Extent of the points seen (global cell indices).
        self.seen = [math.inf, math.inf, -math.inf, -math.inf]
        self.points = 0
        self.ground_points = 0
        self.classified = False

    def _allocate(self, c0: int, r0: int, nc: int, nr: int) -> None:
        shape = (nr, nc)  # bottom-up internally: row r is global row r0 + r
        new = {
            "zmax": np.full(shape, -np.inf),
            "zmin": np.full(shape, np.inf),
            "count": np.zeros(shape, np.int32),
            "gsum": np.zeros(shape, np.float64),
            "gcount": np.zeros(shape, np.int32),
        }
        if self.allocated:
            dr, dc = self.r0 - r0, self.c0 - c0
            for name, array in new.items():
                array[dr : dr + self.nr, dc : dc + self.nc] = getattr(self, name)
        for name, array in new.items():
            setattr(self, name, array)
        self.c0, self.r0, self.nc, self.nr = c0, r0, nc, nr
        self.allocated = True

    def _grow_to(self, cmin: int, rmin: int, cmax: int, rmax: int) -> None:
        if (
            self.allocated
            and cmin >= self.c0
            and rmin >= self.r0
            and cmax < self.c0 + self.nc
            and rmax < self.r0 + self.nr
        ):
            return
        if not self.allocated:
            self._allocate(cmin, rmin, cmax - cmin + 1, rmax - rmin + 1)
            return
        c0, r0, c1, r1 = self.c0, self.r0, self.c0 + self.nc - 1, self.r0 + self.nr - 1
        # Doubling: a file read strip by strip reallocates a few times, not once a chunk.
        slack_c, slack_r = max(self.nc, 1), max(self.nr, 1)
        if cmin < c0:
            c0 = min(cmin, c0 - slack_c)
        if rmin < r0:
            r0 = min(rmin, r0 - slack_r)
        if cmax > c1:
            c1 = max(cmax, c1 + slack_c)
        if rmax > r1:
            r1 = max(rmax, r1 + slack_r)
        self._allocate(c0, r0, c1 - c0 + 1, r1 - r0 + 1)

    def add(self, chunk: PointChunk) -> None:
        x = np.asarray(chunk.x, dtype=np.float64)
        y = np.asarray(chunk.y, dtype=np.float64)
        z = np.asarray(chunk.z, dtype=np.float64)
        classes = _classification(chunk)
        keep = np.isfinite(x) & np.isfinite(y) & np.isfinite(z)
        if classes is not None:
            classes = np.asarray(classes, dtype=np.uint8)
            keep &= ~self.is_noise[classes]
        if not keep.all():
            x, y, z = x[keep], y[keep], z[keep]
            classes = classes[keep] if classes is not None else None
        if x.size == 0:
            return
        gcol = np.floor(x / self.cell_size).astype(np.int64)
        grow = np.floor(y / self.cell_size).astype(np.int64)
        if self.clip is not None:
            inside = (gcol >= self.c0) & (gcol < self.c0 + self.nc) & (grow >= self.r0) & (grow < self.r0 + self.nr)
            if not inside.all():
                gcol, grow, z = gcol[inside], grow[inside], z[inside]
                classes = classes[inside] if classes is not None else None
            if z.size == 0:
                return
        cmin, cmax, rmin, rmax = int(gcol.min()), int(gcol.max()), int(grow.min()), int(grow.max())
        self._grow_to(cmin, rmin, cmax, rmax)
        self.seen = [min(self.seen[0], cmin), min(self.seen[1], rmin), max(self.seen[2], cmax), max(self.seen[3], rmax)]
        flat = (grow - self.r0) * self.nc + (gcol - self.c0)

        keys, starts, order = _group_reduce(flat)
        zs = z[order]
        zmax, zmin, count = self.zmax.reshape(-1), self.zmin.reshape(-1), self.count.reshape(-1)
        zmax[keys] = np.maximum(zmax[keys], np.maximum.reduceat(zs, starts))
        zmin[keys] = np.minimum(zmin[keys], np.minimum.reduceat(zs, starts))
        count[keys] += np.diff(np.append(starts, zs.size)).astype(np.int32)
        self.points += int(z.size)

        if classes is not None:
            self.classified = True
            ground = self.is_ground[classes]
            if ground.any():
                gkeys, gstarts, gorder = _group_reduce(flat[ground])
                gz = z[ground][gorder]
                gsum, gcount = self.gsum.reshape(-1), self.gcount.reshape(-1)
                gsum[gkeys] += np.add.reduceat(gz, gstarts)
                gcount[gkeys] += np.diff(np.append(gstarts, gz.size)).astype(np.int32)
                self.ground_points += int(gz.size)

    def final_spec(self) -> RasterSpec:
        if self.clip is not None:
            return self.clip
        c0, r0, c1, r1 = (int(v) for v in self.seen)
        return RasterSpec(self.cell_size, c0, r0, c1 - c0 + 1, r1 - r0 + 1)

    def cropped(self, name: str, spec: RasterSpec) -> np.ndarray:
        """Accumulator ``name`` on ``spec``, flipped north-up."""
        dr, dc = spec.row0 - self.r0, spec.col0 - self.c0
        return getattr(self, name)[dr : dr + spec.n_rows, dc : dc + spec.n_cols][::-1]


# -- ground filter and gap filling ----------------------------------------------------
def _filter_windows(cell_size: float, max_window_m: float) -> list[int]:
    """Zhang et al.'s exponential window sizes 2 * 2**k + 1 cells, up to the maximum."""
    largest = max(3, math.ceil(max_window_m / cell_size) | 1)  # odd, so it has a centre
    windows, k = [], 0
    while 2 * 2**k + 1 < largest:
        windows.append(2 * 2**k + 1)
        k += 1
    windows.append(largest)
    return windows


def _nearest_fill(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    if known.all():
        return values.copy()
    rows, cols = ndimage.distance_transform_edt(~known, return_distances=False, return_indices=True)
    return values[rows, cols]


def progressive_morphological_filter(
    lowest: np.ndarray,
    cell_size: float,
    max_window_m: float = FILTER_WINDOW_M,
    slope: float = 1.0,
    initial_threshold: float = 0.3,
    max_threshold: float = 2.5,
    is_canceled: CancelCheck = never_canceled,
) -> np.ndarray:
    """Ground cells of a lowest-point grid (simplified PMF, Zhang et al. 2003).

    Parameters
    ----------
    lowest
        Lowest z per cell, NaN where a cell has no points.
    cell_size
        Cell side (m).
    max_window_m
        Largest opening window (m): wider than the smaller side of the largest building.
    slope
        Terrain slope tolerance (m/m) scaling the threshold between windows (PDAL's default).
    initial_threshold
        Elevation threshold (m) of the 3-cell window: the ground roughness tolerated.
    max_threshold
        Cap of the threshold (m): objects taller than this are removed.
    is_canceled
        Checked between windows.

    Returns
    -------
    numpy.ndarray
        Boolean grid, True where the cell's lowest point is ground.
    """
    from scipy import ndimage

    known = np.isfinite(lowest)
    if not known.any():
        return known
    # Empty cells take their nearest neighbour's value: NaN would spread through the
    # min/max filters, and a large sentinel would read as a pit or a tower.
    surface = _nearest_fill(np.where(known, lowest, 0.0), known)
    nonground = np.zeros(lowest.shape, dtype=bool)
    previous = 1
    for window in _filter_windows(cell_size, max_window_m):
        check_canceled(is_canceled)
        opened = ndimage.grey_opening(surface, size=(window, window), mode="nearest")
        if window <= 3:
            threshold = initial_threshold
        else:
            threshold = min(initial_threshold + slope * (window - previous) * cell_size, max_threshold)
        nonground |= (surface - opened) > threshold
        surface = opened
        previous = window
    return known & ~nonground


_FAR = 2**30  # "no known cell on this side": farther than any raster


def _line_estimates(values: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, ...]:
    """Along axis 1 of a block, for every cell: the linear interpolation between the nearest
    known cells on either side (NaN unless both exist and the cell is unknown), its weight
    1 / span (0 without), the distance to the nearest known cell (``_FAR``: none) and the
    value there."""
    n = values.shape[1]
    positions = np.arange(n, dtype=np.int32)
    left = np.maximum.accumulate(np.where(known, positions, -1), axis=1)
    right = np.minimum.accumulate(np.where(known, positions, n)[:, ::-1], axis=1)[:, ::-1]
    has_left, has_right = left >= 0, right < n
    to_left = np.where(has_left, positions - left, _FAR)
    to_right = np.where(has_right, right - positions, _FAR)
    base = (np.arange(values.shape[0], dtype=np.int64) * n)[:, None]
    flat = values.reshape(-1)
    left_value = flat[np.maximum(left, 0) + base]
    right_value = flat[np.minimum(right, n - 1) + base]
    both = has_left & has_right & ~known
    weight = np.zeros(values.shape, np.float32)
    span = (to_left + to_right)[both].astype(np.float32)
    weight[both] = 1.0 / span
    estimate = np.full(values.shape, np.nan, np.float32)
    estimate[both] = left_value[both] + (right_value[both] - left_value[both]) * (to_left[both] / span)
    nearest = np.minimum(to_left, to_right)
    nearest_value = np.where(to_left <= to_right, left_value, right_value)
    return estimate, weight, nearest, nearest_value


def _blend(estimates: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(blended interpolation or NaN, nearest value, its distance) from row and column estimates."""
    (row_estimate, row_weight, row_near, row_value), (col_estimate, col_weight, col_near, col_value) = estimates
    total = row_weight + col_weight
    with np.errstate(invalid="ignore", divide="ignore"):
        blended = (np.nan_to_num(row_estimate) * row_weight + np.nan_to_num(col_estimate) * col_weight) / total
    blended[total == 0] = np.nan
    from_row = row_near <= col_near
    return blended, np.where(from_row, row_value, col_value), np.where(from_row, row_near, col_near)


def _fill_pass(values: np.ndarray, known: np.ndarray, target: np.ndarray, block: int, is_canceled: CancelCheck):
    """Fill the target cells that have a crossing (in place); return the others' nearest
    value along their row or column (NaN without one)."""
    n_rows, n_cols = values.shape
    # Columns on a transposed copy (numpy scans contiguous rows many times faster).
    transposed, transposed_known = np.ascontiguousarray(values.T), np.ascontiguousarray(known.T)
    columns = [np.empty(values.shape, dtype) for dtype in (np.float32, np.float32, np.int32, np.float32)]
    for start in range(0, n_cols, block):
        check_canceled(is_canceled)
        part = slice(start, start + block)
        for array, result in zip(columns, _line_estimates(transposed[part], transposed_known[part])):
            array[:, part] = result.T
    del transposed, transposed_known
    fallback = np.full(values.shape, np.nan, np.float32)
    for start in range(0, n_rows, block):
        check_canceled(is_canceled)
        part = slice(start, start + block)
        rows = _line_estimates(values[part], known[part])
        blended, nearest_value, nearest = _blend([rows, [array[part] for array in columns]])
        wanted = target[part]
        crossed = wanted & np.isfinite(blended)
        values[part][crossed] = blended[crossed]
        edge = wanted & ~crossed & (nearest < _FAR)
        fallback[part][edge] = nearest_value[edge]
    return fallback


def _refill(values: np.ndarray, known: np.ndarray, cells: tuple[np.ndarray, np.ndarray], block: int) -> None:
    """Second pass for a few cells: only the rows and columns through them are scanned."""
    rows_of, cols_of = cells
    found = []
    for lines, along, values_t, known_t in (
        (rows_of, cols_of, values, known),
        (cols_of, rows_of, values.T, known.T),
    ):
        distinct, position = np.unique(lines, return_inverse=True)
        result = [np.empty(lines.size, dtype) for dtype in (np.float32, np.float32, np.int32, np.float32)]
        for start in range(0, distinct.size, block):
            chosen = distinct[start : start + block]
            estimates = _line_estimates(np.ascontiguousarray(values_t[chosen]), np.ascontiguousarray(known_t[chosen]))
            mine = (position >= start) & (position < start + block)
            for array, estimate in zip(result, estimates):
                array[mine] = estimate[position[mine] - start, along[mine]]
        found.append(result)
    blended, nearest_value, nearest = _blend(found)
    values[rows_of, cols_of] = np.where(np.isfinite(blended), blended, np.where(nearest < _FAR, nearest_value, np.nan))


def fill_gaps(
    values: np.ndarray,
    cell_size: float,
    max_distance: float = MAX_FILL_M,
    is_canceled: CancelCheck = never_canceled,
    block: int = 256,
) -> np.ndarray:
    """Fill NaN cells from the measured cells around them, up to ``max_distance`` (m).

    Each gap cell gets the mean of two linear interpolations — along its row and along
    its column, between the nearest measured cells on either side — weighted by the
    inverse of the two gap widths, so the narrower crossing counts more. This is the
    four-direction search of GDAL's ``FillNodata`` (``gdal_fillnodata``) with linear
    instead of inverse-distance weights, which reproduces planar terrain exactly (both
    line interpolations are then exact), where GDAL's cone search is off by a tenth of a
    metre on a 2 % slope; unlike a Delaunay triangulation (``griddata``) it costs a few
    array passes, not seconds per hundred thousand cells. Cells with no measured cell on
    both sides of their row nor of their column (a building whose row and column both
    run into a sparse strip along a data edge) get a second pass over their rows and
    columns with the first pass's values counted as known, then, if still without a
    crossing, the nearest value along them.

    Only cells within ``max_distance`` of a measured cell are filled, the distance
    measured along rows and columns (taxicab: never shorter than the straight line, so
    nothing is filled beyond ``max_distance``). The others stay NaN: a DTM is not
    invented where nothing was measured. Estimates are computed in float32, the DTM's
    type (4 µm at 50 m).
    """
    from scipy import ndimage

    known = np.isfinite(values)
    out = values.astype(np.float32)
    if known.all() or not known.any():
        return out.astype(np.float64)
    target = ~known & (ndimage.distance_transform_cdt(~known, metric="taxicab") <= max_distance / cell_size)
    fallback = _fill_pass(out, known, target, block, is_canceled)
    left = np.nonzero(target & np.isnan(out))
    if left[0].size:
        check_canceled(is_canceled)
        _refill(out, np.isfinite(out), left, block)
        still = np.isnan(out[left])
        out[left[0][still], left[1][still]] = fallback[left[0][still], left[1][still]]
    return out.astype(np.float64)


# -- the public functions ------------------------------------------------------------
def surfaces_from_chunks(
    chunks: Iterable[PointChunk],
    cell_size: float,
    bounds: Sequence[float] | None = None,
    ground_classes: Sequence[int] = GROUND_CLASSES,
    ground_filter: str = "auto",
    filter_window_m: float = FILTER_WINDOW_M,
    max_fill_m: float = MAX_FILL_M,
    crs_wkt: str | None = None,
    total_points: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Surfaces:
    """DSM, DTM and nDSM of streamed points (see the module notes for the methods).

    Parameters
    ----------
    chunks
        Points in real coordinates; attribute ``classification`` (ASPRS) when classified.
    cell_size
        Raster cell side, in the points' CRS units (m).
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the raster: points outside are ignored. Default:
        the points' extent.
    ground_classes
        Classes that are ground (default ASPRS 2).
    ground_filter
        ``"auto"``: the progressive morphological filter when no point has a ground
        class, the ground classes otherwise; ``"always"``: the filter even on a
        classified cloud; ``"never"``: ground classes only (an error without them).
    filter_window_m
        Largest window of the filter (m): wider than the smaller side of the largest
        building.
    max_fill_m
        DTM gaps are filled up to this distance (m) from measured ground, else nodata.
    crs_wkt
        CRS of the points, kept with the result for :meth:`Surfaces.write`.
    total_points
        Number of points, for progress (default: counted when ``chunks`` is a list).
    progress, is_canceled
        Progress (reported after every chunk) and cancel callbacks.

    Returns
    -------
    Surfaces
    """
    if ground_filter not in _GROUND_FILTER_MODES:
        raise InputError(
            f"the ground filter must be one of {', '.join(_GROUND_FILTER_MODES)}, got {ground_filter!r}",
            field="ground_filter",
        )
    cell_size = _check_cell_size(cell_size)
    accumulator = _SurfaceAccumulator(cell_size, clip_bounds=bounds, ground_classes=ground_classes)
    return _stream_and_finish(
        chunks,
        accumulator,
        ground_filter,
        filter_window_m,
        max_fill_m,
        crs_wkt,
        _total_points(chunks, total_points),
        progress,
        is_canceled,
    )


def _stream_and_finish(
    chunks: Iterable[PointChunk],
    accumulator: _SurfaceAccumulator,
    ground_filter: str,
    filter_window_m: float,
    max_fill_m: float,
    crs_wkt: str | None,
    total: int | None,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> Surfaces:
    read = sub_progress(progress, 0.0, 0.8)
    done = 0
    for chunk in chunks:
        check_canceled(is_canceled)
        accumulator.add(chunk)
        done += len(chunk)
        if total:
            read(done / total)
    check_canceled(is_canceled)
    surfaces = _finish_surfaces(accumulator, ground_filter, filter_window_m, max_fill_m, crs_wkt, is_canceled)
    progress(1.0)
    return surfaces


def _finish_surfaces(
    accumulator: _SurfaceAccumulator,
    ground_filter: str = "auto",
    filter_window_m: float = FILTER_WINDOW_M,
    max_fill_m: float = MAX_FILL_M,
    crs_wkt: str | None = None,
    is_canceled: CancelCheck = never_canceled,
) -> Surfaces:
    """Turn filled accumulators into surfaces (used by building heights' single pass too)."""
    if accumulator.points == 0:
        raise InputError("the point cloud has no points (other than noise) in the area", field="points")
    spec = accumulator.final_spec()
    zmax = accumulator.cropped("zmax", spec)
    count = accumulator.cropped("count", spec).copy()
    has_points = count > 0
    use_filter = ground_filter == "always" or (ground_filter == "auto" and accumulator.ground_points == 0)
    if use_filter:
        lowest = np.where(has_points, accumulator.cropped("zmin", spec), np.nan)
        ground = progressive_morphological_filter(lowest, spec.cell_size, filter_window_m, is_canceled=is_canceled)
        measured = np.where(ground, lowest, np.nan)
        ground_count = ground.astype(np.int32)
        method = "filter"
    else:
        if accumulator.ground_points == 0:
            why = "has no classification" if not accumulator.classified else "has no ground-class points"
            raise InputError(
                f"the point cloud {why} and the ground filter is disabled: no DTM can be made",
                field="classification",
            )
        ground_count = accumulator.cropped("gcount", spec).copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            measured = np.where(ground_count > 0, accumulator.cropped("gsum", spec) / ground_count, np.nan)
        method = "classes"
    check_canceled(is_canceled)
    dtm = fill_gaps(measured, spec.cell_size, max_fill_m, is_canceled)
    dsm = np.where(has_points, zmax, np.nan)
    ndsm = np.maximum(dsm - dtm, 0.0)  # NaN where either is unknown
    return Surfaces(
        spec=spec,
        dsm=_to_float32(dsm),
        dtm=_to_float32(dtm),
        ndsm=_to_float32(ndsm),
        point_count=count,
        ground_count=ground_count,
        ground_method=method,
        crs_wkt=crs_wkt,
        parameters={"cell_size": spec.cell_size, "filter_window_m": filter_window_m, "max_fill_m": max_fill_m},
    )


def _to_float32(values: np.ndarray) -> np.ndarray:
    out = values.astype(np.float32)
    out[~np.isfinite(values)] = NODATA
    return out


# -- reading a file -------------------------------------------------------------------
def surfaces_from_file(
    path: str | Path,
    cell_size: float,
    bounds: Sequence[float] | None = None,
    ground_classes: Sequence[int] = GROUND_CLASSES,
    ground_filter: str = "auto",
    filter_window_m: float = FILTER_WINDOW_M,
    max_fill_m: float = MAX_FILL_M,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    target_crs: Any = None,
    source_crs: Any = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Surfaces:
    """:func:`surfaces_from_chunks` on a LAS/LAZ/COPC file, streamed by :mod:`citytwin.twin.reader`.

    ``target_crs`` reprojects the points (the rasters are then in that CRS);
    ``source_crs`` is the CRS of a file without a CRS record (never guessed: without
    it such a file gives rasters without a CRS, and reprojecting it is an error).
    ``bounds`` are in the output CRS.
    """
    from .reader import open_stream

    if ground_filter not in _GROUND_FILTER_MODES:
        raise InputError(f"unknown ground filter mode {ground_filter!r}", field="ground_filter")
    cell_size = _check_cell_size(cell_size)
    stream = open_stream(
        path, chunk_size, target_crs=target_crs, source_crs=source_crs, bounds=bounds, dims=["classification"]
    )
    xmin, ymin, _zmin, xmax, ymax, _zmax = stream.extent
    # The header extent is only a first allocation: the grid still grows if it lies.
    accumulator = _SurfaceAccumulator(
        cell_size,
        clip_bounds=bounds,
        hint_bounds=None if bounds else (xmin, ymin, xmax, ymax),
        ground_classes=ground_classes,
    )
    return _stream_and_finish(
        stream.chunks(is_canceled=is_canceled),
        accumulator,
        ground_filter,
        filter_window_m,
        max_fill_m,
        stream.crs_wkt,
        stream.point_count,
        progress,
        is_canceled,
    )
