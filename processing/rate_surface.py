"""Subsidence rate surface: point velocities interpolated to a raster (pure core).

Inverse distance weighting with a search radius (Shepard 1968; the form of GDAL's
``invdistnn`` gridding and of SAGA's "Inverse Distance Weighted"): a cell's value is

    ẑ(c) = Σ wᵢ zᵢ / Σ wᵢ,  wᵢ = 1 / dᵢᵖ,

over the at most ``max_points`` nearest points within ``radius`` of the cell centre. A
cell with fewer than ``min_points`` points in its search circle is left as nodata: the
surface is masked where points are too sparse to support it, rather than extrapolated.
A point at the cell centre (d = 0) gives the cell its value.

Units are those of the values (mm/yr for velocities); distances in CRS units (metres,
the CRS must be projected).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from ..twin.terrain import NODATA, RasterSpec

#: Cells interpolated per block (bounds memory: block x max_points distances).
BLOCK_CELLS = 200_000


@dataclass
class RateSurface:
    values: np.ndarray  # (rows, cols) float32, NODATA where masked
    counts: np.ndarray  # (rows, cols) int32, points in the search circle
    spec: RasterSpec
    nodata: float = NODATA


def idw_surface(
    x: np.ndarray,
    y: np.ndarray,
    values: np.ndarray,
    cell_size: float,
    radius: float,
    *,
    power: float = 2.0,
    min_points: int = 3,
    max_points: int = 12,
    bounds: tuple[float, float, float, float] | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> RateSurface:
    """IDW of ``values`` at ``(x, y)`` on a grid of ``cell_size`` over ``bounds`` (default: the points')."""
    from scipy.spatial import cKDTree

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if not (x.size == y.size == values.size):
        raise InputError(f"{x.size} x, {y.size} y and {values.size} values: the arrays must match")
    if not radius > 0:
        raise InputError(f"the search radius must be positive, got {radius}", field="radius")
    if not power > 0:
        raise InputError(f"the IDW power must be positive, got {power}", field="power")
    if min_points < 1 or max_points < min_points:
        raise InputError(f"need 1 <= min_points ({min_points}) <= max_points ({max_points})", field="min_points")
    good = np.isfinite(x) & np.isfinite(y) & np.isfinite(values)
    if not good.any():
        raise InputError("no point with a finite value to interpolate")
    x, y, values = x[good], y[good], values[good]
    if bounds is None:
        bounds = (x.min(), y.min(), x.max(), y.max())
    spec = RasterSpec.covering(bounds, cell_size)
    if spec.n_cells > 200_000_000:
        raise InputError(f"{spec.n_cols} x {spec.n_rows} cells is too many: choose a larger cell size", field="cell")
    tree = cKDTree(np.column_stack([x, y]))
    xs, ys = spec.cell_centres()
    cx, cy = np.meshgrid(xs, ys)  # row-major, north-up like the output array
    cx, cy = cx.ravel(), cy.ravel()
    out = np.full(spec.n_cells, NODATA, dtype=np.float32)
    counts = np.zeros(spec.n_cells, dtype=np.int32)
    k = min(max_points, x.size)
    for start in range(0, spec.n_cells, BLOCK_CELLS):
        check_canceled(is_canceled)
        stop = min(start + BLOCK_CELLS, spec.n_cells)
        dist, idx = tree.query(np.column_stack([cx[start:stop], cy[start:stop]]), k=k, distance_upper_bound=radius)
        dist = dist.reshape(stop - start, k)
        idx = idx.reshape(stop - start, k)
        inside = np.isfinite(dist)
        n_in = inside.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            weights = np.where(inside, 1.0 / np.where(inside, dist, 1.0) ** power, 0.0)
        z = np.where(inside, values[np.minimum(idx, x.size - 1)], 0.0)
        exact = inside & (dist == 0)
        has_exact = exact.any(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = np.where(
                has_exact,
                np.sum(np.where(exact, z, 0.0), axis=1) / np.maximum(exact.sum(axis=1), 1),
                np.sum(np.where(exact, 0.0, weights * z), axis=1) / np.sum(np.where(exact, 0.0, weights), axis=1),
            )
        enough = n_in >= min_points
        out[start:stop] = np.where(enough, estimate, NODATA).astype(np.float32)
        counts[start:stop] = n_in
        progress(stop / spec.n_cells)
    return RateSurface(out.reshape(spec.shape), counts.reshape(spec.shape), spec)
