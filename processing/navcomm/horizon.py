"""Horizon elevation angles, sky-view factor and open sky from a DSM (pure core).

Definitions
-----------
Horizon elevation of a receiver at height ``z`` in azimuth ``a`` (degrees clockwise
from grid north): the largest ``atan2(dsm - z, d)`` over the DSM samples along the ray,
``d`` the horizontal distance. Negative on a hill top; -90 when the ray has no valid
sample.

Sky-view factor (``svf_from_horizon``): ``SVF = 1 - mean over sectors of sin²(max(h, 0))``,
the share of the diffuse radiation from an isotropic sky received by a horizontal
surface (cosine-weighted), the quantity of urban climatology: Johnson, G.T. & Watson,
I.D. (1984), "The determination of view-factors in urban canyons", Journal of Climate
and Applied Meteorology 23, 329-335; Oke, T.R. (1988), "Street design and urban canopy
layer climate", Energy and Buildings 11, 103-113; computed from horizons by sector as in
Dozier, J. & Frew, J. (1990), "Rapid calculation of terrain parameters for radiation
modeling from digital elevation data", IEEE TGRS 28(5), 963-969. At the middle of the
floor of an infinitely long canyon of height H and width W it is ``cos(atan(2H/W))``.

Open-sky fraction above a mask (``open_sky_fraction``): the unblocked share of the solid
angle of the sky above elevation ``m``; the solid angle above elevation ``e`` per unit
azimuth is proportional to ``1 - sin e``, so it is ``mean over sectors of
(1 - sin(max(h, m))) / (1 - sin m)``. With ``m = 0`` it is the isotropic (solid-angle)
sky-view factor of Zakšek, K., Oštir, K. & Kokalj, Ž. (2011), "Sky-view factor as a
relief visualization technique", Remote Sensing 3, 398-415 — not the SVF above. GNSS
planning uses it with the receiver's elevation mask.

Sampling and its error
----------------------
Nearest-cell sampling along each ray (rule in :mod:`.horizon_kernel`): the receiver's own
cell is skipped, samples start one cell away and advance by one cell (the smaller of dx
and dy) up to ``cell / g`` from the receiver, then by ``g · d`` (``g`` =
:data:`~.horizon_kernel.STEP_GROWTH` = 0.02: 1 m steps to 50 m, 2 m at 100 m, 20 m at
1 km). Against the DSM taken as flat-topped cells:

- an obstacle at least one step deep along the ray is always sampled, its top at most one
  step behind its front; since ``d/dd atan(H/d) = H / (d² + H²) <= 1 / (2d)``, the angle
  is underestimated by at most ``step(d) / (2 d)`` radians: ``cell / (2 d)`` near the
  receiver (2.9° at 10 m, 0.57° at 50 m for 1 m cells), ``g / 2`` = 0.57° beyond;
- an obstacle thinner along the ray than the step (2 m at 100 m, 10 m at 500 m with 1 m
  cells: a mast, a thin wall across the ray) can be missed entirely.

No-data cells do not block; their share of the samples is reported (``gap_fraction``).
A ray that leaves the raster before ``max_distance`` is flagged ``truncated`` (its
horizon may be too low). The DSM's CRS must be projected in metres
(:meth:`Surface.check_metric` is called).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...common.errors import InputError
from ...common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from . import horizon_kernel
from .horizon_kernel import ray_distances
from .surface import Surface

#: Receivers (times sectors) traced between two progress/cancel checks of a grid.
_RAYS_PER_BLOCK = 1_000_000


@dataclass
class HorizonRays:
    """Horizon of N receivers in A azimuths.

    Attributes
    ----------
    elevation_deg
        ``(N, A)`` horizon elevation, degrees (-90 where the ray has no valid sample).
    gap_fraction
        ``(N, A)`` share of the ray's samples on the raster that fell on no-data
        (0 for a ray without any sample on the raster).
    truncated
        ``(N, A)`` the ray left the raster before ``max_distance``.
    outside
        ``(N,)`` the receiver is outside the raster; its rows are NaN (False in ``truncated``).
        A receiver with a NaN height also gets NaN rows, with ``outside`` False.
    """

    elevation_deg: np.ndarray
    gap_fraction: np.ndarray
    truncated: np.ndarray
    outside: np.ndarray


@dataclass
class SkyView:
    """Sky view of N receivers from A equal sectors.

    Attributes
    ----------
    azimuth_deg
        ``(A,)`` sector centres (0, 5, ..., 355 for 72 sectors).
    horizon_deg
        ``(N, A)`` horizon elevation per sector.
    svf
        ``(N,)`` sky-view factor (cosine-weighted, see the module).
    open_sky
        ``(N,)`` open-sky fraction above the mask.
    outside
        ``(N,)`` receiver outside the raster (NaN results).
    gap_fraction
        ``(N,)`` mean over sectors of the rays' no-data share.
    truncated
        ``(N, A)`` the sector's ray left the raster before ``max_distance``.
    """

    azimuth_deg: np.ndarray
    horizon_deg: np.ndarray
    svf: np.ndarray
    open_sky: np.ndarray
    outside: np.ndarray
    gap_fraction: np.ndarray
    truncated: np.ndarray


@dataclass
class SkyViewGrid:
    """Sky view on a grid of receivers.

    Attributes
    ----------
    svf, open_sky
        ``grid.shape`` float arrays, NaN where not computed (unknown height, or indoor).
    indoor
        ``grid.shape`` bool: the receiver is inside a building (DSM above the receiver).
    gap_fraction
        ``grid.shape`` mean no-data share of the rays (NaN where not computed).
    truncated
        ``grid.shape`` share of the sectors whose ray left the raster early (NaN where
        not computed): near the raster's edges the SVF is too high.
    grid
        The receivers' grid as a :class:`Surface` (``z`` = receiver heights, NaN where
        unknown; the DSM's grid when ``step`` is 1, else cells ``step`` times larger
        centred on the computed cells): ``result.grid.write(result.svf, path)``.
    """

    svf: np.ndarray
    open_sky: np.ndarray
    indoor: np.ndarray
    gap_fraction: np.ndarray
    truncated: np.ndarray
    grid: Surface


# -- measures from horizons ------------------------------------------------------------
def svf_from_horizon(horizon_deg: np.ndarray) -> np.ndarray:
    """Sky-view factor ``1 - mean(sin²(max(h, 0)))`` over the last axis (equal sectors).

    The cosine-weighted SVF of a horizontal receiver (Johnson & Watson 1984; Oke 1988);
    NaN horizons give NaN.
    """
    h = np.radians(np.maximum(np.asarray(horizon_deg, dtype=np.float64), 0.0))
    return 1.0 - np.mean(np.sin(h) ** 2, axis=-1)


def open_sky_fraction(horizon_deg: np.ndarray, mask_deg: float) -> np.ndarray:
    """Unblocked share of the sky's solid angle above ``mask_deg``, over the last axis.

    ``mean((1 - sin(max(h, mask))) / (1 - sin(mask)))``; with ``mask_deg = 0`` the
    isotropic sky-view factor of Zakšek et al. (2011).
    """
    _check_mask(mask_deg)
    top = np.radians(np.maximum(np.asarray(horizon_deg, dtype=np.float64), mask_deg))
    return np.mean((1.0 - np.sin(top)) / (1.0 - np.sin(np.radians(mask_deg))), axis=-1)


def sector_azimuths(sectors: int) -> np.ndarray:
    """Centres of ``sectors`` equal azimuth sectors, degrees from north (0 first)."""
    _check_sectors(sectors)
    return np.arange(sectors) * (360.0 / sectors)


# -- receivers ---------------------------------------------------------------------------
def horizon_elevation(
    surface: Surface,
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    azimuth_deg: np.ndarray,
    max_distance: float = 1000.0,
) -> HorizonRays:
    """Horizon elevation angles of receivers over a DSM.

    Parameters
    ----------
    surface
        The DSM (metric CRS; NaN = no-data).
    x, y, z
        ``(N,)`` receivers in the surface's CRS; ``z`` absolute, same datum as the DSM.
    azimuth_deg
        ``(A,)`` azimuths shared by all receivers, or ``(N, A)`` per receiver; degrees
        clockwise from grid north.
    max_distance
        Length of the rays, metres.

    Returns
    -------
    HorizonRays
        See the module for the sampling rule and its error bound.

    Raises
    ------
    InputError
        The DSM's CRS is not metric, ``max_distance`` is not positive or shorter than a
        cell, or the azimuths do not fit the receivers.
    """
    surface.check_metric()
    dist = _distances(surface, max_distance)
    x, y, z = (np.atleast_1d(np.asarray(v, dtype=np.float64)).ravel() for v in (x, y, z))
    if not x.size == y.size == z.size:
        raise InputError(f"x, y and z differ in length ({x.size}, {y.size}, {z.size})", field="z")
    sin_az, cos_az = _azimuth_table(azimuth_deg, x.size)
    rows, _ = surface.rows_cols(x, y)
    outside = rows < 0
    todo = ~outside & np.isfinite(z)
    if sin_az.shape[0] > 1:
        sin_az, cos_az = sin_az[todo], cos_az[todo]
    best, gaps, count, truncated = _trace(_prepare(surface), surface, x[todo], y[todo], z[todo], sin_az, cos_az, dist)
    shape = (x.size, sin_az.shape[1])
    rays = HorizonRays(np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape, dtype=bool), outside)
    rays.elevation_deg[todo] = _degrees(best)
    rays.gap_fraction[todo] = _share(gaps, count)
    rays.truncated[todo] = truncated
    return rays


def sky_view(
    surface: Surface,
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    sectors: int = 72,
    max_distance: float = 1000.0,
    mask_deg: float = 25.0,
) -> SkyView:
    """Horizon by sector, sky-view factor and open-sky fraction of receivers over a DSM.

    One ray per sector, at its centre. Parameters as :func:`horizon_elevation`;
    ``sectors`` (>= 4) equal sectors, ``mask_deg`` the elevation mask of the open sky.
    """
    azimuths = sector_azimuths(sectors)
    _check_mask(mask_deg)
    rays = horizon_elevation(surface, x, y, z, azimuths, max_distance)
    return SkyView(
        azimuth_deg=azimuths,
        horizon_deg=rays.elevation_deg,
        svf=svf_from_horizon(rays.elevation_deg),
        open_sky=open_sky_fraction(rays.elevation_deg, mask_deg),
        outside=rays.outside,
        gap_fraction=np.mean(rays.gap_fraction, axis=1),
        truncated=rays.truncated,
    )


# -- grid ----------------------------------------------------------------------------------
def sky_view_grid(
    dsm: Surface,
    dtm: Surface | None = None,
    receiver_height: float = 1.5,
    sectors: int = 72,
    max_distance: float = 1000.0,
    mask_deg: float = 25.0,
    step: int = 1,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> SkyViewGrid:
    """Sky-view factor and open sky at every (or every ``step``-th) cell of a DSM.

    The receiver of a cell stands at its centre, ``receiver_height`` above the DTM when
    one is given, else above the DSM (on roofs). Cells are not computed (NaN) where that
    height is unknown, where the DSM itself is unknown, and where the receiver would be
    inside a building: DSM above DTM + ``receiver_height`` (``indoor``; only with a DTM).

    Parameters
    ----------
    dsm
        The DSM (metric CRS).
    dtm
        Ground heights on the DSM's grid (``dsm.read_like(path)``), or None.
    receiver_height
        Height of the receiver above the ground (or the DSM), metres.
    sectors, max_distance, mask_deg
        As :func:`sky_view`.
    step
        Compute the cell at the centre of every ``step`` x ``step`` block.
    progress, is_canceled
        Called between blocks of rows.

    Returns
    -------
    SkyViewGrid

    Raises
    ------
    InputError
        Bad parameter (named), non-metric CRS, DTM not on the DSM's grid.
    Canceled
        ``is_canceled()`` returned True.
    """
    dsm.check_metric()
    _check_sectors(sectors)
    _check_mask(mask_deg)
    dist = _distances(dsm, max_distance)
    if not (isinstance(step, (int, np.integer)) and step >= 1):
        raise InputError(f"step must be a whole number >= 1 (got {step!r})", field="step")
    if not np.isfinite(receiver_height):
        raise InputError(f"receiver height must be a number (got {receiver_height!r})", field="receiver_height")
    if dtm is not None and not dtm.same_grid(dsm):
        raise InputError("the DTM is not on the DSM's grid (read it with the DSM's read_like)", source=dtm.path)
    grid, dsm_at, known = _receiver_grid(dsm, dtm, receiver_height, int(step))
    indoor = known & (dsm_at > grid.z) if dtm is not None else np.zeros(grid.shape, dtype=bool)
    todo = known & ~indoor
    azimuths = sector_azimuths(sectors)
    sin_az, cos_az = np.sin(np.radians(azimuths))[None, :], np.cos(np.radians(azimuths))[None, :]
    result = SkyViewGrid(
        svf=np.full(grid.shape, np.nan),
        open_sky=np.full(grid.shape, np.nan),
        indoor=indoor,
        gap_fraction=np.full(grid.shape, np.nan),
        truncated=np.full(grid.shape, np.nan),
        grid=grid,
    )
    prepared = _prepare(dsm)
    xs, ys = grid.cell_centres()
    block = max(1, _RAYS_PER_BLOCK // max(1, grid.n_cols * sectors))
    starts = range(0, grid.n_rows, block)
    for done, start in enumerate(starts):
        check_canceled(is_canceled)
        rows, cols = np.nonzero(todo[start : start + block])
        rows += start
        best, gaps, count, truncated = _trace(
            prepared, dsm, xs[cols], ys[rows], grid.z[rows, cols], sin_az, cos_az, dist
        )
        horizon = _degrees(best)
        result.svf[rows, cols] = svf_from_horizon(horizon)
        result.open_sky[rows, cols] = open_sky_fraction(horizon, mask_deg)
        result.gap_fraction[rows, cols] = np.mean(_share(gaps, count), axis=1)
        result.truncated[rows, cols] = np.mean(truncated, axis=1)
        progress((done + 1) / len(starts))
    return result


def _receiver_grid(
    dsm: Surface, dtm: Surface | None, receiver_height: float, step: int
) -> tuple[Surface, np.ndarray, np.ndarray]:
    """(grid of receiver heights, DSM at the receivers, known mask) for every ``step``-th cell."""
    first = step // 2
    rows = np.arange(first, dsm.n_rows, step)
    cols = np.arange(first, dsm.n_cols, step)
    dsm_at = dsm.z[np.ix_(rows, cols)]
    base = dtm.z[np.ix_(rows, cols)] if dtm is not None else dsm_at
    known = np.isfinite(base) & np.isfinite(dsm_at)
    heights = np.where(known, base + receiver_height, np.nan)
    # Coarse cells centred on the computed cells (the same grid when step is 1).
    x0 = dsm.x0 + (first + 0.5) * dsm.dx - step * dsm.dx / 2
    y0 = dsm.y0 - (first + 0.5) * dsm.dy + step * dsm.dy / 2
    grid = Surface(heights, x0, y0, dsm.dx * step, dsm.dy * step, dsm.crs_wkt, None)
    return grid, dsm_at, known


# -- helpers ---------------------------------------------------------------------------------
def _check_sectors(sectors: int) -> None:
    if not (isinstance(sectors, (int, np.integer)) and sectors >= 4):
        raise InputError(f"sectors must be a whole number >= 4 (got {sectors!r})", field="sectors")


def _check_mask(mask_deg: float) -> None:
    if not -90.0 < mask_deg < 90.0:
        raise InputError(f"the elevation mask must be between -90 and 90 degrees (got {mask_deg!r})", field="mask_deg")


def _distances(surface: Surface, max_distance: float) -> np.ndarray:
    cell = min(surface.dx, surface.dy)
    if not (np.isfinite(max_distance) and max_distance > 0):
        raise InputError(f"max_distance must be positive (got {max_distance!r})", field="max_distance")
    if max_distance < cell:
        raise InputError(f"max_distance ({max_distance} m) is shorter than one cell ({cell} m)", field="max_distance")
    return ray_distances(cell, max_distance)


def _azimuth_table(azimuth_deg: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sines and cosines, ``(1, A)`` when shared or ``(N, A)`` per receiver."""
    azimuth = np.asarray(azimuth_deg, dtype=np.float64)
    if azimuth.ndim == 1:
        azimuth = azimuth[None, :]
    elif azimuth.ndim != 2 or azimuth.shape[0] != n:
        raise InputError(
            f"azimuths must be (A,) or (N, A) with N = {n} receivers (got shape {azimuth.shape})", field="azimuth_deg"
        )
    if azimuth.shape[1] == 0 or not np.isfinite(azimuth).all():
        raise InputError("azimuths must be finite numbers (at least one)", field="azimuth_deg")
    radians = np.radians(azimuth)
    return np.sin(radians), np.cos(radians)


def _prepare(surface: Surface) -> tuple[np.ndarray, np.ndarray, float]:
    """The DSM as the kernel reads it and its max pyramid."""
    z = np.ascontiguousarray(surface.z, dtype=np.float64)
    blocks, top = horizon_kernel.block_maxima(z)
    return z, blocks, top


def _trace(prepared, surface, x, y, z, sin_az, cos_az, dist):
    """(best tan, gaps, count, truncated), each ``(N, A)``, from the kernel."""
    shape = (x.size, sin_az.shape[1])
    best, gaps, count = np.empty(shape), np.empty(shape, dtype=np.int64), np.empty(shape, dtype=np.int64)
    truncated = np.empty(shape, dtype=np.bool_)
    if x.size:
        grid, blocks, top = prepared
        with horizon_kernel.LOCK:
            horizon_kernel.trace_rays(
                grid, blocks, horizon_kernel.BLOCK_SHIFT, top, float(surface.x0), float(surface.y0),
                float(surface.dx), float(surface.dy), np.ascontiguousarray(x), np.ascontiguousarray(y),
                np.ascontiguousarray(z), np.ascontiguousarray(sin_az), np.ascontiguousarray(cos_az), dist,
                best, gaps, count, truncated,
            )  # fmt: skip
    return best, gaps, count, truncated


def _degrees(best_tan: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan(best_tan))  # -inf (no valid sample) -> -90


def _share(gaps: np.ndarray, count: np.ndarray) -> np.ndarray:
    return np.where(count > 0, gaps / np.maximum(count, 1), 0.0)


def _reference_horizon(
    surface: Surface, x: float, y: float, z: float, azimuth_deg: np.ndarray, max_distance: float = 1000.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plain way, for tests and the benchmark: (elevation_deg, gap_fraction, truncated)
    of one receiver, each ``(A,)``, with NumPy along each ray and no early exit.

    The same sampling rule as the kernel, written directly: every sample's cell, drop
    those from the first off the raster on, drop the own cell, max of ``(dsm - z) / d``.
    """
    dist = _distances(surface, max_distance)
    radians = np.radians(np.asarray(azimuth_deg, dtype=np.float64))
    sines, cosines = np.sin(radians), np.cos(radians)
    u0, v0 = (x - surface.x0) / surface.dx, (surface.y0 - y) / surface.dy
    own = (np.floor(v0), np.floor(u0))
    n_rows, n_cols = surface.shape
    elevation, gap_fraction, truncated = (np.empty(sines.size) for _ in range(3))
    for a in range(sines.size):
        cols = np.floor(u0 + dist * (sines[a] / surface.dx))
        rows = np.floor(v0 + dist * (-cosines[a] / surface.dy))
        on = (cols >= 0) & (cols < n_cols) & (rows >= 0) & (rows < n_rows)
        end = dist.size if on.all() else int(np.argmin(on))
        keep = ~((rows[:end] == own[0]) & (cols[:end] == own[1]))
        values = surface.z[rows[:end][keep].astype(np.int64), cols[:end][keep].astype(np.int64)]
        valid = ~np.isnan(values)
        tangents = (values[valid] - z) / dist[:end][keep][valid]
        elevation[a] = np.degrees(np.arctan(tangents.max() if tangents.size else -np.inf))
        gap_fraction[a] = (~valid).sum() / valid.size if valid.size else 0.0
        truncated[a] = end < dist.size
    return elevation, gap_fraction, truncated.astype(bool)
