"""Compiled ray tracer of the horizon module (numba), with a plain-Python fallback.

Why hand-written and compiled: a sky-view grid of a 1000 x 1000 DSM at 72 sectors is
72 million rays of a hundred-odd samples each, and every ray stops at its own place
(the raster edge, or as soon as nothing further can raise its horizon). NumPy can only
sample every ray to its full length in temporary arrays; a compiled loop samples one
cell at a time, stops early and runs the receivers on all cores (``prange``). No
dependency of the plugin offers this: GDAL's viewshed answers a different question (a
binary visibility raster, one observer at a time), and relief-visualisation packages
(RVT, after Zakšek et al. 2011) compute the solid-angle SVF of terrain for the surface
itself, without receivers above it or a no-data share.

Sampling rule (shared, sample for sample, by :func:`citytwin.processing.navcomm.horizon._reference_horizon`):
a receiver at fractional column ``u0 = (x - x0) / dx`` and row ``v0 = (y0 - y) / dy``,
an azimuth with ``du = sin(az) / dx`` and ``dv = -cos(az) / dy``; the sample at
distance ``d`` (from :func:`ray_distances`) lies in column ``floor(u0 + d * du)`` and
row ``floor(v0 + d * dv)``. A sample outside the raster ends the ray (truncated);
samples in the receiver's own cell are skipped; a no-data sample counts as a gap and
does not block; the others give ``tan = (dsm - z) / d`` and the ray keeps the largest.

Early exits that never change the result (a unit test compares with the plain
reference): the ray stops when even the highest cell of the whole DSM could not raise
its horizon over the rest of the ray, and skips the samples of an 8 x 8 block whose
highest cell could not raise it. Both tests hold for every remaining distance (both
ends are checked, because a negative horizon gets *less* steep with distance). Blocks
with no-data, and the global test on a DSM with any no-data, never skip, so the gap
counts stay exact.

Without numba (or with ``CITYTWIN_NO_NUMBA=1``) the same functions run as plain Python:
identical results, a few hundred times slower (about 20 ms a receiver at 72 sectors in
a dense city: fine for points, hours for a 1000 x 1000 grid).
"""

from __future__ import annotations

import os
import threading

import numpy as np

#: Relative growth of the sample step beyond ``cell / STEP_GROWTH`` from the receiver.
STEP_GROWTH = 0.02
#: Blocks of the max pyramid are 2**BLOCK_SHIFT cells on a side.
BLOCK_SHIFT = 3
#: Samples closer than this to a block's exit are not skipped (rounding safety), in metres.
_EXIT_MARGIN = 1e-6
#: Receivers traced in a row in one direction by one task.
_RUN = 256

#: Held around every call of :func:`trace_rays`: numba's fallback threading layer
#: (workqueue, used where neither TBB nor OpenMP is installed) aborts the whole process
#: when two threads launch parallel kernels at once, and QGIS runs algorithms in threads.
LOCK = threading.Lock()

AVAILABLE = False
if os.environ.get("CITYTWIN_NO_NUMBA", "") in ("", "0"):
    try:  # numba is optional: the plain-Python path gives the same result
        from numba import njit, prange

        AVAILABLE = True
    except ImportError:  # pragma: no cover - depends on the installation
        AVAILABLE = False

if not AVAILABLE:  # pragma: no cover - depends on the installation
    prange = range

    def njit(*_args, **_kwargs):
        return lambda function: function


def ray_distances(cell: float, max_distance: float, growth: float = STEP_GROWTH) -> np.ndarray:
    """Distances of the samples along every ray: steps of one cell, then of ``growth × d``.

    ``d₁ = cell``, ``dₖ₊₁ = dₖ + max(cell, growth · dₖ)``, up to ``max_distance``
    (inclusive). With 1 m cells and the default growth: 1 m steps to 50 m, 2 m at
    100 m, 20 m at 1 km; 201 samples to 1 km.
    """
    # A Python loop on purpose: a few hundred steps, and the exact sum order is the rule.
    distances = []
    d = float(cell)
    while d <= max_distance:
        distances.append(d)
        d += max(cell, growth * d)
    return np.asarray(distances, dtype=np.float64)


def block_maxima(z: np.ndarray, shift: int = BLOCK_SHIFT) -> tuple[np.ndarray, float]:
    """The max pyramid: highest cell of each ``2**shift`` block and of the whole DSM,
    ``+inf`` where a block (or the DSM) has no-data so that it is never skipped."""
    size = 1 << shift
    rows, cols = z.shape
    padded = np.full((-(-rows // size) * size, -(-cols // size) * size), -np.inf)
    padded[:rows, :cols] = np.where(np.isnan(z), np.inf, z)
    blocks = padded.reshape(padded.shape[0] // size, size, padded.shape[1] // size, size).max(axis=(1, 3))
    return np.ascontiguousarray(blocks), float(blocks.max())


@njit(cache=True, nogil=True, inline="always")
def _outside(fr, fc, rows, cols):  # pragma: no cover - compiled
    return fc < 0 or fc >= cols or fr < 0 or fr >= rows


@njit(cache=True, nogil=True)
def _block_exit(r, c, shift, rows, cols, u0, v0, du, dv):  # pragma: no cover - compiled
    """Distance at which the ray leaves the block holding cell (r, c), clipped to the raster."""
    size = 1 << shift
    c_lo = (c >> shift) << shift
    r_lo = (r >> shift) << shift
    t = np.inf
    if du > 0:
        t = min(t, (min(c_lo + size, cols) - u0) / du)
    elif du < 0:
        t = min(t, (c_lo - u0) / du)
    if dv > 0:
        t = min(t, (min(r_lo + size, rows) - v0) / dv)
    elif dv < 0:
        t = min(t, (r_lo - v0) / dv)
    return t


@njit(cache=True, nogil=True)
def _first_outside(k, dist, u0, v0, du, dv, rows, cols):  # pragma: no cover - compiled
    """Index of the first sample from ``k`` on that is off the raster (``len(dist)`` if none).

    The raster is convex and the receiver on it, so the samples on it are a prefix of
    the ray (``floor(u0 + d * du)`` is monotonic in ``d`` in floating point too): bisect.
    """
    lo = k
    hi = dist.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if _outside(v0 + dist[mid] * dv, u0 + dist[mid] * du, rows, cols):
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, nogil=True, inline="always")
def _cannot_raise(rise, best, d_near, d_far):  # pragma: no cover - compiled
    # rise / d <= best for every d in [d_near, d_far]: rise / d is monotonic, check both ends.
    return rise <= best * d_near and rise <= best * d_far


@njit(cache=True, nogil=True)
def _trace_ray(z, blocks, shift, top, u0, v0, r0, c0, du, dv, zr, dist, beyond_own):  # pragma: no cover - compiled
    """(largest tan, gap samples, samples on the raster, truncated) of one ray."""
    rows, cols = z.shape
    n = dist.shape[0]
    best = -np.inf
    gaps = 0
    count = 0
    k = 0
    while k < n:
        d = dist[k]
        fc = u0 + d * du
        fr = v0 + d * dv
        if _outside(fr, fc, rows, cols):  # the same test on floor(fr), floor(fc): rows, cols are whole
            return best, gaps, count, True
        k += 1
        r = int(fr)  # truncation is floor here: fr, fc >= 0
        c = int(fc)
        if r == r0 and c == c0:
            continue
        count += 1
        value = z[r, c]
        if np.isnan(value):
            gaps += 1
            continue
        best = max(best, (value - zr) / d)
        if d <= beyond_own or k == n:  # near the receiver a skipped sample could be in its own cell
            continue
        if _cannot_raise(top - zr, best, dist[k], dist[n - 1]):  # the DSM has no no-data here: no gaps ahead
            end = _first_outside(k, dist, u0, v0, du, dv, rows, cols)
            return best, gaps, count + end - k, end < n
        rise = blocks[r >> shift, c >> shift] - zr
        if rise <= best * dist[k]:  # worth the block's exit distance (divisions)
            t_exit = _block_exit(r, c, shift, rows, cols, u0, v0, du, dv) - _EXIT_MARGIN
            if rise <= best * t_exit:
                while k < n and dist[k] < t_exit:  # all in this block (no no-data there): on the raster, not gaps
                    count += 1
                    k += 1
    return best, gaps, count, False


@njit(parallel=True, cache=True, nogil=True)
def trace_rays(
    z, blocks, shift, top, x0, y0, dx, dy, rx, ry, rz, sin_az, cos_az, dist, best, gaps, count, truncated
):  # pragma: no cover - compiled
    """Trace every azimuth from every receiver (all inside the raster, finite height).

    ``sin_az``/``cos_az`` are ``(1, A)`` (shared) or ``(N, A)``; results go to the
    ``(N, A)`` arrays ``best`` (largest tan, -inf when no valid sample), ``gaps``,
    ``count`` (samples on the raster outside the own cell) and ``truncated``.
    """
    n_rx = rx.shape[0]
    n_az = sin_az.shape[1]
    stride = 0 if sin_az.shape[0] == 1 else 1  # shared azimuths: row 0 for all
    beyond_own = np.hypot(dx, dy)
    # Tasks are (azimuth, run of receivers): neighbouring receivers traced in the same
    # direction read the same cache lines, which receiver-by-receiver order would not.
    n_runs = (n_rx + _RUN - 1) // _RUN
    for task in prange(n_az * n_runs):
        a = task // n_runs
        first = (task % n_runs) * _RUN
        for i in range(first, min(first + _RUN, n_rx)):
            u0 = (rx[i] - x0) / dx
            v0 = (y0 - ry[i]) / dy
            du = sin_az[i * stride, a] / dx
            dv = -cos_az[i * stride, a] / dy
            result = _trace_ray(
                z, blocks, shift, top, u0, v0, int(np.floor(v0)), int(np.floor(u0)), du, dv, rz[i], dist, beyond_own
            )
            best[i, a], gaps[i, a], count[i, a], truncated[i, a] = result
