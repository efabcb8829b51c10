"""Line of sight over a DSM: straight segments and a whole-grid viewshed (numba kernels).

The DSM is taken as flat-topped cell columns: a cell blocks a line of sight when its
height is above the line where the line passes over it. Two ways to ask:

- :func:`segment_clear` tests given segments (an antenna to drive-test points) by
  sampling each at no more than half a cell (a second, independent method for the
  viewshed, and the one used at arbitrary points).
- :func:`viewshed` answers for every cell of the grid at once, from one observer, in
  O(cells): the R2 radial sweep of Franklin and Ray (1994). Rays go from the observer
  to the centre of every cell on the edge of the square window of ``max_distance``;
  each ray visits one cell per column (or per row, along its dominant axis), keeps the
  steepest slope of the cells it has passed, and a cell is visible when the slope to
  its target is not below that. Near the observer many rays cross a cell; here the ray
  that passes closest to the cell's centre decides. Where a ray changes rows within a
  column (columns within a row) the second cell it crosses blocks too.

Conventions shared by both (so that they agree): the observer's own cell and the
target's own cell never block (an antenna's own roof, a receiver's own cell); no-data
(NaN) cells do not block (they are counted by :func:`segment_clear`); the grid's
outside does not block; an ``ignore`` mask lists further cells that never block (the
site's own building, see :mod:`.coverage`). Earth curvature and refraction are left
out: below 5 km they lower a target by less than 2 m (d²/2R·(1-k), k = 0.13).

Why hand-written: GDAL's ``ViewshedGenerate`` (Wang et al. 2000, reference planes)
takes target heights above the DSM rather than per-cell absolute heights (DTM + 1.5 m
for a phone on the street), has no mask of cells to ignore, and treats no-data its own
way; no Python library offers the per-cell variant. The loops are sequential along a
ray, so NumPy cannot vectorise them; numba compiles them (optional like the project's
other kernels: without numba, ``CITYTWIN_NO_NUMBA=1`` forces this, the same functions
run as plain Python, identical but some 500 times slower).

References
----------
W. R. Franklin and C. K. Ray (1994), "Higher isn't necessarily better: visibility
algorithms and experiments", Advances in GIS Research: Sixth International Symposium
on Spatial Data Handling, Edinburgh, pp. 751-770.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from ...common.errors import InputError
from .surface import Surface

AVAILABLE = False
if os.environ.get("CITYTWIN_NO_NUMBA", "") in ("", "0"):
    try:  # numba is optional: the same functions then run as plain Python
        from numba import njit

        AVAILABLE = True
    except ImportError:  # pragma: no cover - depends on the installation
        AVAILABLE = False

#: Longest sampling step of :func:`segment_clear`, in cells.
SEGMENT_STEP_CELLS = 0.5


def _compiled(function=None, **options):
    """numba's ``njit`` (cached, releasing the GIL) when available, else the function itself."""
    if function is None:
        return lambda f: _compiled(f, **options)
    if AVAILABLE:
        return njit(cache=True, nogil=True, **options)(function)
    return function  # pragma: no cover - depends on the installation


@_compiled
def _segments_kernel(z, ignore, use_ignore, x0, y0, dx, dy, start, end, step, clear, gaps):  # pragma: no cover
    rows, cols = z.shape
    for i in range(start.shape[0]):
        us = (start[i, 0] - x0) / dx
        vs = (y0 - start[i, 1]) / dy
        ue = (end[i, 0] - x0) / dx
        ve = (y0 - end[i, 1]) / dy
        zs = start[i, 2]
        ze = end[i, 2]
        if not (np.isfinite(us) and np.isfinite(vs) and np.isfinite(ue) and np.isfinite(ve)):
            clear[i] = False
            gaps[i] = -1
            continue
        if not (np.isfinite(zs) and np.isfinite(ze)):
            clear[i] = False
            gaps[i] = -1
            continue
        rs = math.floor(vs)
        cs = math.floor(us)
        re = math.floor(ve)
        ce = math.floor(ue)
        length = math.hypot((ue - us) * dx, (ve - vs) * dy)
        n = max(1, math.ceil(length / step))
        ok = True
        g = 0
        for k in range(1, n):
            t = k / n
            c = math.floor(us + t * (ue - us))
            r = math.floor(vs + t * (ve - vs))
            if (r == rs and c == cs) or (r == re and c == ce):
                continue
            if r < 0 or r >= rows or c < 0 or c >= cols:
                continue
            if use_ignore and ignore[r, c]:
                continue
            h = z[r, c]
            if np.isnan(h):
                g += 1
                continue
            if h > zs + t * (ze - zs):
                ok = False
                break
        clear[i] = ok
        gaps[i] = g


@dataclass
class SegmentResult:
    """What :func:`segment_clear` found per segment.

    Attributes
    ----------
    clear
        ``(N,)`` True where no DSM cell is above the segment.
    gaps
        ``(N,)`` no-data samples met (up to the first blocking sample of a blocked
        segment); -1 for a segment with a non-finite end.
    """

    clear: np.ndarray
    gaps: np.ndarray


def _ignore_mask(surface: Surface, ignore: np.ndarray | None) -> tuple[np.ndarray, bool]:
    if ignore is None:
        return np.zeros((1, 1), dtype=np.bool_), False
    ignore = np.asarray(ignore, dtype=np.bool_)
    if ignore.shape != surface.shape:
        raise InputError(f"the ignore mask has shape {ignore.shape}, the surface {surface.shape}", field="ignore")
    return np.ascontiguousarray(ignore), True


def _heights(surface: Surface) -> np.ndarray:
    return np.ascontiguousarray(surface.z, dtype=np.float64)


def segment_test(
    surface: Surface,
    start_xyz: np.ndarray,
    end_xyz: np.ndarray,
    ignore: np.ndarray | None = None,
    step_cells: float = SEGMENT_STEP_CELLS,
) -> SegmentResult:
    """:func:`segment_clear` with the count of no-data samples of each segment.

    Parameters and conventions are those of :func:`segment_clear`.
    """
    start = np.ascontiguousarray(np.atleast_2d(np.asarray(start_xyz, dtype=np.float64)))
    end = np.ascontiguousarray(np.atleast_2d(np.asarray(end_xyz, dtype=np.float64)))
    if start.shape[-1] != 3 or end.shape[-1] != 3:
        raise InputError("segment ends must be (N, 3) arrays of x, y, z", field="start_xyz")
    if start.shape[0] != end.shape[0]:  # one point against many: repeat it (the kernel wants equal rows)
        if min(start.shape[0], end.shape[0]) != 1:
            raise InputError(f"{start.shape[0]} segment starts but {end.shape[0]} ends", field="end_xyz")
        n = max(start.shape[0], end.shape[0])
        start, end = np.repeat(start, n // start.shape[0], axis=0), np.repeat(end, n // end.shape[0], axis=0)
    if not 0 < step_cells <= SEGMENT_STEP_CELLS:
        raise InputError(f"the sampling step must be in (0, {SEGMENT_STEP_CELLS}] cells", field="step_cells")
    mask, use_mask = _ignore_mask(surface, ignore)
    clear = np.empty(start.shape[0], dtype=np.bool_)
    gaps = np.empty(start.shape[0], dtype=np.int64)
    step = step_cells * min(surface.dx, surface.dy)
    _segments_kernel(
        _heights(surface), mask, use_mask, surface.x0, surface.y0, surface.dx, surface.dy, start, end, step, clear, gaps
    )
    return SegmentResult(clear, gaps)


def segment_clear(
    surface: Surface,
    start_xyz: np.ndarray,
    end_xyz: np.ndarray,
    ignore: np.ndarray | None = None,
    step_cells: float = SEGMENT_STEP_CELLS,
) -> np.ndarray:
    """True where the straight segment ``start -> end`` clears the DSM.

    Each segment is sampled at equal steps of at most ``step_cells`` (default half a
    cell) of its horizontal length; a sample blocks when the DSM cell under it is
    higher than the segment there. Samples in the start cell or the end cell, outside
    the grid, on no-data (NaN) or in ``ignore`` do not block. A segment with a
    non-finite coordinate is not clear.

    Parameters
    ----------
    surface
        The DSM (metres, north-up).
    start_xyz, end_xyz
        ``(N, 3)`` ends in the surface's CRS, z absolute (same datum as the DSM);
        either may be a single ``(3,)`` point, broadcast against the other.
    ignore
        Optional ``(rows, cols)`` bool mask of cells that never block.
    step_cells
        Longest sampling step in cells, at most 0.5.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` bool. :func:`segment_test` also gives the no-data samples met.
    """
    return segment_test(surface, start_xyz, end_xyz, ignore, step_cells).clear


# -- viewshed (R2 radial sweep) ---------------------------------------------------------------------------------
@_compiled(inline="always")
def _raise_horizon(z, ignore, use_ignore, r, c, zo, d, max_slope):  # pragma: no cover - compiled
    """The steepest slope so far, after passing over cell (r, c) at horizontal distance d."""
    rows, cols = z.shape
    if r < 0 or r >= rows or c < 0 or c >= cols or (use_ignore and ignore[r, c]):
        return max_slope
    h = z[r, c]
    if np.isnan(h):
        return max_slope
    return max(max_slope, (h - zo) / d)


@_compiled
def _ray_kernel(  # pragma: no cover - compiled
    z, target, ignore, use_ignore, uo, vo, zo, dx, dy, r_end, c_end, max_d2, visible, offset
):
    """Walk one ray from the observer (uo, vo) to the centre of cell (r_end, c_end)."""
    rows, cols = z.shape
    du = c_end + 0.5 - uo
    dv = r_end + 0.5 - vo
    along_columns = abs(du) >= abs(dv)
    # One step per column (row) of the dominant axis: position of the k-th step's centre
    # line is start + k * step along it, and the other axis moves by `slope` per step.
    if du == 0.0 and dv == 0.0:
        return  # the observer stands at this cell's centre
    if along_columns:
        first, count, step, slope = math.floor(uo), abs(c_end - math.floor(uo)), 1 if du > 0 else -1, dv / du
    else:
        first, count, step, slope = math.floor(vo), abs(r_end - math.floor(vo)), 1 if dv > 0 else -1, du / dv
    half = 0.5 * abs(slope)  # the ray's reach into the neighbouring cells within one column (row)
    max_slope = -np.inf
    for k in range(1, count + 1):
        major = first + k * step
        if along_columns:
            u = major + 0.5
            v = vo + (u - uo) * slope
            minor_pos = v
        else:
            v = major + 0.5
            u = uo + (v - vo) * slope
            minor_pos = u
        d2 = ((u - uo) * dx) ** 2 + ((v - vo) * dy) ** 2
        if d2 > max_d2:
            break
        d = math.sqrt(d2)
        minor = math.floor(minor_pos)
        r, c = (minor, major) if along_columns else (major, minor)
        if 0 <= r < rows and 0 <= c < cols:
            miss = abs(minor_pos - (minor + 0.5))
            t = target[r, c]
            if miss < offset[r, c] and not np.isnan(t):
                offset[r, c] = miss
                visible[r, c] = (t - zo) / d >= max_slope
        max_slope = _raise_horizon(z, ignore, use_ignore, r, c, zo, d, max_slope)
        # Within this column (row) the ray may also cross a second cell: a blocker too.
        other = math.floor(minor_pos + half)
        if other == minor:
            other = math.floor(minor_pos - half)
        if other != minor:
            r2, c2 = (other, major) if along_columns else (major, other)
            max_slope = _raise_horizon(z, ignore, use_ignore, r2, c2, zo, d, max_slope)


@_compiled
def _viewshed_kernel(  # pragma: no cover - compiled
    z, target, ignore, use_ignore, uo, vo, zo, dx, dy, r0, r1, c0, c1, max_d2, visible, offset
):
    for c in range(c0, c1 + 1):
        _ray_kernel(z, target, ignore, use_ignore, uo, vo, zo, dx, dy, r0, c, max_d2, visible, offset)
        if r1 != r0:
            _ray_kernel(z, target, ignore, use_ignore, uo, vo, zo, dx, dy, r1, c, max_d2, visible, offset)
    for r in range(r0 + 1, r1):
        _ray_kernel(z, target, ignore, use_ignore, uo, vo, zo, dx, dy, r, c0, max_d2, visible, offset)
        if c1 != c0:
            _ray_kernel(z, target, ignore, use_ignore, uo, vo, zo, dx, dy, r, c1, max_d2, visible, offset)


def viewshed_window(surface: Surface, x: float, y: float, max_distance: float) -> tuple[int, int, int, int] | None:
    """Rows r0..r1 and columns c0..c1 (inclusive) of the grid within ``max_distance`` of
    (x, y) along both axes, or None when that square misses the grid."""
    u = (x - surface.x0) / surface.dx
    v = (surface.y0 - y) / surface.dy
    r0 = max(0, math.floor(v - max_distance / surface.dy))
    r1 = min(surface.n_rows - 1, math.floor(v + max_distance / surface.dy))
    c0 = max(0, math.floor(u - max_distance / surface.dx))
    c1 = min(surface.n_cols - 1, math.floor(u + max_distance / surface.dx))
    if r0 > r1 or c0 > c1:
        return None
    return r0, r1, c0, c1


def viewshed(
    surface: Surface,
    observer_xyz: tuple[float, float, float],
    target_z: np.ndarray,
    max_distance: float,
    ignore: np.ndarray | None = None,
) -> np.ndarray:
    """Line of sight from one observer to every cell's target point, in O(cells).

    The R2 radial sweep of Franklin and Ray (1994), see the module's description. A
    cell is visible when its target point ``(cell centre, target_z)`` sees the observer
    over the DSM, with the conventions of :func:`segment_clear` (own cells, no-data,
    outside and ``ignore`` never block). It agrees with :func:`segment_clear` on all but
    a small share of cells, where the ray that decides passes up to half a cell beside
    the cell's centre, reads a building's height at a column's centre rather than at its
    faces, or crosses the corner of a cell that the half-cell samples of the segment test
    miss: 0.1-0.7 % of the cells of box cities at 1-2 m cells (tests and the benchmark
    measure it with :func:`viewshed_agreement`).

    Parameters
    ----------
    surface
        The DSM (metres, north-up).
    observer_xyz
        Observer (antenna) position in the surface's CRS, z absolute; it may lie
        outside the grid.
    target_z
        ``(rows, cols)`` absolute height of each cell's target (for example DTM +
        1.5 m); NaN: no target, the cell is reported not visible.
    max_distance
        Horizontal range in metres; cells farther away are reported not visible.
    ignore
        Optional ``(rows, cols)`` bool mask of cells that never block.

    Returns
    -------
    numpy.ndarray
        ``(rows, cols)`` bool. The observer's own cell is visible (when it has a target).
    """
    x, y, zo = (float(v) for v in observer_xyz)
    if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(zo)):
        raise InputError("the observer's position or height is not a finite number", field="observer_xyz")
    if not max_distance > 0:
        raise InputError("max_distance must be positive", field="max_distance")
    target = np.ascontiguousarray(target_z, dtype=np.float64)
    if target.shape != surface.shape:
        raise InputError(f"target_z has shape {target.shape}, the surface {surface.shape}", field="target_z")
    mask, use_mask = _ignore_mask(surface, ignore)
    visible = np.zeros(surface.shape, dtype=np.bool_)
    window = viewshed_window(surface, x, y, max_distance)
    if window is None:
        return visible
    offset = np.full(surface.shape, np.inf, dtype=np.float32)
    u = (x - surface.x0) / surface.dx
    v = (surface.y0 - y) / surface.dy
    r0, r1, c0, c1 = window
    _viewshed_kernel(
        _heights(surface), target, mask, use_mask, u, v, zo, surface.dx, surface.dy,
        r0, r1, c0, c1, float(max_distance) ** 2, visible, offset,
    )  # fmt: skip
    ro, co = math.floor(v), math.floor(u)
    if 0 <= ro < surface.n_rows and 0 <= co < surface.n_cols:
        visible[ro, co] = bool(np.isfinite(target[ro, co]))
    return visible


@dataclass
class Agreement:
    """How often :func:`viewshed` and :func:`segment_clear` agree on sampled cells.

    Attributes
    ----------
    share
        Share of the sampled cells where both say the same.
    n
        Cells compared (with a target, within range).
    viewshed_only, segment_only
        Cells only the viewshed (only the segment test) finds visible.
    """

    share: float
    n: int
    viewshed_only: int
    segment_only: int


def viewshed_agreement(
    surface: Surface,
    observer_xyz: tuple[float, float, float],
    target_z: np.ndarray,
    visible: np.ndarray,
    max_distance: float,
    n_samples: int = 2000,
    ignore: np.ndarray | None = None,
    seed: int = 0,
) -> Agreement:
    """Compare a viewshed with :func:`segment_clear` (the second method) on random cells.

    Cells are drawn uniformly among those with a finite target within ``max_distance``
    of the observer (the observer's own cell excluded); each is tested by a segment from
    the observer to its centre at its target height.
    """
    xs, ys = surface.cell_centres()
    x, y, zo = (float(v) for v in observer_xyz)
    dist2 = (xs[None, :] - x) ** 2 + (ys[:, None] - y) ** 2
    candidates = np.flatnonzero((np.isfinite(target_z) & (dist2 <= max_distance**2)).ravel())
    ro, co = surface.rows_cols(np.array([x]), np.array([y]))
    if ro[0] >= 0:
        candidates = candidates[candidates != ro[0] * surface.n_cols + co[0]]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(candidates, size=min(n_samples, candidates.size), replace=False)
    rows, cols = np.divmod(chosen, surface.n_cols)
    ends = np.column_stack([xs[cols], ys[rows], np.asarray(target_z)[rows, cols]])
    by_segment = segment_clear(surface, np.array([x, y, zo]), ends, ignore)
    by_viewshed = np.asarray(visible)[rows, cols]
    n = int(chosen.size)
    return Agreement(
        share=float(np.mean(by_segment == by_viewshed)) if n else float("nan"),
        n=n,
        viewshed_only=int(np.count_nonzero(by_viewshed & ~by_segment)),
        segment_only=int(np.count_nonzero(by_segment & ~by_viewshed)),
    )
