"""Compiled kernel of the voxel decimation (numba), used when numba is installed.

Why hand-written and compiled: the decimator's question per point — "is this the first
point of a voxel not seen before?" — depends on every point before it, so NumPy can only
answer it in vectorised rounds (``decimate._VoxelSet``), about 100 ns a point. The same
sequential loop compiled by numba costs a few nanoseconds a point and can run beside the
LAZ decompression threads (``nogil``). No library offers this: PDAL's voxel filters keep a
different point (centre or first-in-voxel over the whole file, not streamed), and
Open3D/pyvista decimate whole in-memory clouds.

The kernel keeps exactly the semantics of the NumPy path — same column table (``zlow``,
64-bit ``mask``), the first point of a column sets its window (``z - 32``) — and returns
the points it cannot place in the table (outside the column box or the column's window),
which the caller hands to the same Python spill set. A unit test runs both paths on the
same streams and requires identical results.

Optional by design: without numba (``CITYTWIN_NO_NUMBA=1`` forces this) the NumPy path
runs, slower but identical.
"""

from __future__ import annotations

import os

import numpy as np

_EMPTY = -(2**62)
_HALF_WINDOW = 32
_Z_LIMIT = 2**40
#: Largest |raw origin| (quanta) the raw kernel takes: with 32-bit raw coordinates the
#: differences stay below 2**49, where its division is exact (see _floor_div).
RAW_ORIGIN_LIMIT = 2**48

AVAILABLE = False
if os.environ.get("CITYTWIN_NO_NUMBA", "") in ("", "0"):
    try:  # numba is optional: the NumPy path gives the same result
        from numba import njit

        AVAILABLE = True
    except ImportError:  # pragma: no cover - depends on the installation
        AVAILABLE = False

if AVAILABLE:

    @njit(cache=True, nogil=True, inline="always")
    def _visit(i, x, y, z, nx, ny, zlow, mask, keep, spill, n_spill):  # pragma: no cover - compiled
        """Point ``i`` in voxel (x, y, z): mark it kept if it opens the voxel; returns the spill count."""
        if x < 0 or x >= nx or y < 0 or y >= ny or z <= -_Z_LIMIT or z >= _Z_LIMIT:
            spill[n_spill] = i
            return n_spill + 1
        c = y * nx + x
        zl = zlow[c]
        if zl == _EMPTY:
            zl = z - _HALF_WINDOW
            zlow[c] = zl
        r = z - zl
        if r < 0 or r >= 64:
            spill[n_spill] = i
            return n_spill + 1
        bit = np.uint64(1) << np.uint64(r)
        # Without a branch: whether a voxel is new is a coin toss the CPU cannot predict.
        m = mask[c]
        keep[i] = (m & bit) == 0
        mask[c] = m | bit
        return n_spill

    @njit(cache=True, nogil=True)
    def _first_new(ix, iy, iz, nx, ny, zlow, mask, keep, spill):  # pragma: no cover - compiled
        n_spill = 0
        for i in range(ix.shape[0]):
            x = ix[i]
            y = iy[i]
            z = iz[i]
            n_spill = _visit(i, x, y, z, nx, ny, zlow, mask, keep, spill, n_spill)
        return n_spill

    @njit(cache=True, nogil=True, inline="always")
    def _floor_div(d, inv):  # pragma: no cover - compiled
        # floor(d / e) for an integer d through a float reciprocal inv = 1/e (a multiply
        # instead of a 40-cycle integer division), exact without a correction step: the
        # fraction of (d + 0.5) / e lies in [0.5/e, 1 - 0.5/e], and the two roundings (of
        # 1/e and of the product) move the quotient by at most |d + 0.5| / e * 2**-52, less
        # than 0.5/e while |d| < 2**51, so the floor holds. Here d = X - origin with X a
        # 32-bit raw coordinate and |origin| < RAW_ORIGIN_LIMIT (the caller checks), so
        # |d| < 2**49.
        return np.int64(np.floor((d + 0.5) * inv))

    @njit(cache=True, nogil=True)
    def _raw_first_new(xi, yi, zi, ox, oy, oz, ex, ey, ez, nx, ny, zlow, mask, keep, spill):  # pragma: no cover
        """:func:`_first_new` straight from a LAS file's integer coordinates ``(raw - origin) // edge``."""
        n_spill = 0
        ix_, iy_, iz_ = 1.0 / ex, 1.0 / ey, 1.0 / ez
        px = py = pz = np.int64(-(2**62))
        for i in range(xi.shape[0]):
            x = _floor_div(np.int64(xi[i]) - ox, ix_)
            y = _floor_div(np.int64(yi[i]) - oy, iy_)
            z = _floor_div(np.int64(zi[i]) - oz, iz_)
            if x == px and y == py and z == pz:
                continue  # the voxel of the point just before (scan lines): never a first point
            px, py, pz = x, y, z
            n_spill = _visit(i, x, y, z, nx, ny, zlow, mask, keep, spill, n_spill)
        return n_spill


def first_new(
    ix: np.ndarray, iy: np.ndarray, iz: np.ndarray, nx: int, ny: int, zlow: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(keep mask, indices of the points left for the spill set, in stream order)."""
    n = ix.shape[0]
    keep = np.zeros(n, dtype=np.bool_)
    spill = np.empty(n, dtype=np.int64)
    count = _first_new(
        np.ascontiguousarray(ix, dtype=np.int64),
        np.ascontiguousarray(iy, dtype=np.int64),
        np.ascontiguousarray(iz, dtype=np.int64),
        np.int64(nx),
        np.int64(ny),
        zlow,
        mask,
        keep,
        spill,
    )
    return keep, spill[:count]


def raw_first_new(
    xi: np.ndarray,
    yi: np.ndarray,
    zi: np.ndarray,
    origin: np.ndarray,
    edges: np.ndarray,
    nx: int,
    ny: int,
    zlow: np.ndarray,
    mask: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`first_new` of the voxels ``(raw - origin) // edges`` of a file's integer coordinates."""
    n = xi.shape[0]
    keep = np.zeros(n, dtype=np.bool_)
    spill = np.empty(n, dtype=np.int64)
    count = _raw_first_new(
        xi, yi, zi, *(np.int64(v) for v in origin), *(np.int64(v) for v in edges), np.int64(nx), np.int64(ny),
        zlow, mask, keep, spill,
    )  # fmt: skip
    return keep, spill[:count]


def warm_up() -> float:
    """Load (or compile, the first time on a machine) the kernels for the array layouts the
    reader passes; returns the seconds it took. Numba does this on the first call anyway:
    calling it ahead (e.g. in a background task) takes that one-off cost off the first read."""
    import time

    start = time.perf_counter()
    if AVAILABLE:
        records = np.zeros(4, dtype=[("X", "<i4"), ("Y", "<i4"), ("Z", "<i4"), ("pad", "<i2")])
        zlow, mask = np.full(4, _EMPTY, dtype=np.int64), np.zeros(4, dtype=np.uint64)
        raw_first_new(records["X"], records["Y"], records["Z"], np.zeros(3), np.ones(3), 2, 2, zlow, mask)
        cells = np.zeros(4, dtype=np.int64)
        first_new(cells, cells, cells, 2, 2, zlow, mask)
    return time.perf_counter() - start
