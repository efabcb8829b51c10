"""Compiled kernels of the point tiler (numba), with NumPy paths that give the same results.

Why hand-written and compiled: placing a point (its counting cell, its spool cube, the
height histogram) and its Morton code are a handful of integer operations per point;
NumPy spends them in a dozen passes over temporary arrays (about 0.2 us a point, a
quarter of a package export), one compiled loop in a few nanoseconds. No library does
this: PDAL and Entwine tile to EPT/COPC, not to our octree.

Optional like :mod:`citytwin.twin.voxel_kernel`: without numba (or with
``CITYTWIN_NO_NUMBA=1``) the NumPy path runs; a unit test requires identical output.
"""

from __future__ import annotations

import numpy as np

from . import voxel_kernel

AVAILABLE = voxel_kernel.AVAILABLE

if AVAILABLE:
    from numba import njit

    @njit(cache=True, nogil=True, inline="always")
    def _cell(v, lo, scale, n):  # pragma: no cover - compiled
        c = int(np.floor((v - lo) * scale))
        return min(max(c, 0), n - 1)

    @njit(cache=True, nogil=True)
    def _place(enu, lo, edge, count_level, level, z_bins, counts, z_hist, order):  # pragma: no cover - compiled
        n_pts = enu.shape[0]
        n = 1 << count_level
        m = 1 << level
        shift = count_level - level
        scale = n / edge
        z_scale = z_bins / edge
        cubes = np.empty(n_pts, dtype=np.int64)
        per_cube = np.zeros(m * m * m + 1, dtype=np.int64)
        for p in range(n_pts):
            i = _cell(enu[p, 0], lo[0], scale, n)
            j = _cell(enu[p, 1], lo[1], scale, n)
            k = _cell(enu[p, 2], lo[2], scale, n)
            counts[(i * n + j) * n + k] += 1
            z_hist[_cell(enu[p, 2], lo[2], z_scale, z_bins)] += 1
            cube = ((i >> shift) * m + (j >> shift)) * m + (k >> shift)
            cubes[p] = cube
            per_cube[cube + 1] += 1
        for c in range(m * m * m):  # counting sort: stable, linear
            per_cube[c + 1] += per_cube[c]
        for p in range(n_pts):
            c = cubes[p]
            order[per_cube[c]] = p
            per_cube[c] += 1
        return cubes

    @njit(cache=True, nogil=True)
    def _morton(e, n, u, lo, inv_cell, bits):  # pragma: no cover - compiled
        top = (1 << bits) - 1
        codes = np.empty(e.shape[0], dtype=np.uint64)
        for p in range(e.shape[0]):
            q0 = min(max(int(np.floor((e[p] - lo[0]) * inv_cell)), 0), top)
            q1 = min(max(int(np.floor((n[p] - lo[1]) * inv_cell)), 0), top)
            q2 = min(max(int(np.floor((u[p] - lo[2]) * inv_cell)), 0), top)
            code = np.uint64(0)
            for b in range(bits - 1, -1, -1):
                code = (
                    (code << np.uint64(3))
                    | np.uint64(((q0 >> b) & 1) << 2)
                    | np.uint64(((q1 >> b) & 1) << 1)
                    | np.uint64((q2 >> b) & 1)
                )
            codes[p] = code
        return codes


def place(
    enu: np.ndarray, lo: np.ndarray, edge: float, count_level: int, level: int, z_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counting cells, spool cubes and height bins of ENU points in the cube (``lo``, ``edge``).

    Returns ``(counts, z_hist, order, cubes)``: points per cell of the 2**count_level grid
    (flat), per height bin, the stable order that sorts the points by cube (flat index of
    the 2**level grid), and each point's cube. Coordinates are clamped into the cube.
    """
    enu = np.ascontiguousarray(enu, dtype=np.float64)
    lo = np.asarray(lo, dtype=np.float64)
    n = 2**count_level
    if AVAILABLE:
        counts = np.zeros(n**3, dtype=np.int64)
        z_hist = np.zeros(z_bins, dtype=np.int64)
        order = np.empty(len(enu), dtype=np.int64)
        cubes = _place(enu, lo, float(edge), count_level, level, z_bins, counts, z_hist, order)
        return counts, z_hist, order, cubes
    ijk = [np.clip(np.floor((enu[:, a] - lo[a]) * (n / edge)).astype(np.int64), 0, n - 1) for a in range(3)]
    counts = np.bincount((ijk[0] * n + ijk[1]) * n + ijk[2], minlength=n**3)
    bins = np.clip(np.floor((enu[:, 2] - lo[2]) * (z_bins / edge)).astype(np.int64), 0, z_bins - 1)
    z_hist = np.bincount(bins, minlength=z_bins)
    shift, m = count_level - level, 2**level
    cubes = ((ijk[0] >> shift) * m + (ijk[1] >> shift)) * m + (ijk[2] >> shift)
    # At most 512 cubes: int16 numbers make NumPy's stable sort a linear radix sort.
    order = np.argsort(cubes.astype(np.int16), kind="stable")
    return counts, z_hist, order, cubes


def morton(records: np.ndarray, lo: np.ndarray, cell: float, bits: int) -> np.ndarray:
    """Morton codes (x highest bit of each triple) of the ENU records' lattice cells (clamped)."""
    from .pointtiles import morton3

    lo = np.asarray(lo, dtype=np.float64)
    if AVAILABLE:
        return _morton(records["e"], records["n"], records["u"], lo, 1.0 / cell, bits)
    q = [
        np.clip(np.floor((records[a] - lo[k]) * (1.0 / cell)).astype(np.int64), 0, 2**bits - 1)
        for k, a in enumerate(("e", "n", "u"))
    ]
    return morton3(q[0], q[1], q[2])
