"""Compiled per-row least-squares kernel of the time-series fit (numba), used when installed.

Why hand-written and compiled: with missing epochs every point has its own design
(its own rows of G), so the fit is a million small P x P systems. NumPy can only batch
them as whole-array passes (a float64 copy of the data, a sparse product for the normal
matrices, a vectorised elimination), each pass reading the data again; a loop compiled by
numba reads each row once, accumulates Gᵀd, dᵀd and the normal matrix and solves it in
cache, about five times faster, and releases the GIL so two chunks run on two cores.
No library offers a batched masked least squares: ``numpy.linalg.lstsq`` and
``scipy.linalg.lstsq`` take one design for all right-hand sides (MintPy loops over the
distinct masks for this reason).

The kernel keeps exactly the arithmetic of the NumPy twin (``timeseries._fit_rows_numpy``):
the normal matrix is GᵀG minus the outer products of the missing epochs, or, when more
than half of the epochs are missing, the sum over the present ones; the same
Gauss-Jordan elimination without pivoting (stable for symmetric positive definite
matrices) with the same singularity test. A unit test runs both on the same data.

Optional by design: without numba (``CITYTWIN_NO_NUMBA=1`` forces this) the NumPy path
runs, slower but giving the same numbers.
"""

from __future__ import annotations

import os

import numpy as np

AVAILABLE = False
if os.environ.get("CITYTWIN_NO_NUMBA", "") in ("", "0"):
    try:  # numba is optional: the NumPy path gives the same result
        from numba import njit

        AVAILABLE = True
    except ImportError:  # pragma: no cover - depends on the installation
        AVAILABLE = False

if AVAILABLE:
    # "reassoc"/"contract" let LLVM vectorise the sums; NaN semantics stay IEEE (no "nnan").
    @njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
    # One loop body on purpose: numba compiles it to one tight function (no calls per row).
    def _fit_rows(  # noqa: PLR0912, PLR0915  # pragma: no cover - compiled
        d, scale, ref, g, gtg, gtg_inv, gtg_regular, pairs, rtol, coef, inv_diag, pair_cov, ete, count, regular
    ):
        n, t_count = d.shape
        p = g.shape[1]
        gt = np.ascontiguousarray(g.T)
        rhs = np.empty(p)
        a = np.empty((p, p))
        work = np.empty((p, p))
        w = np.empty(t_count)
        missing = np.empty(t_count, dtype=np.int64)
        diagonal = np.empty(p)
        for i in range(n):
            squares = 0.0
            present = 0
            for t in range(t_count):  # branch-free, so that LLVM vectorises it
                v = d[i, t] * scale - ref[t]
                ok_t = not np.isnan(v)
                x = v if ok_t else 0.0
                w[t] = x
                present += ok_t
                squares += x * x
            if present < t_count:
                m = 0
                for t in range(t_count):
                    if np.isnan(d[i, t] * scale - ref[t]):
                        missing[m] = t
                        m += 1
            for j in range(p):
                s = 0.0
                for t in range(t_count):
                    s += gt[j, t] * w[t]
                rhs[j] = s
            count[i] = present
            if present == t_count:  # gap-free: the shared inverse of GᵀG
                inv = gtg_inv
                ok = gtg_regular
            else:
                many = present * 2 < t_count  # most epochs missing: sum the present ones instead
                for j in range(p):
                    for k in range(p):
                        a[j, k] = 0.0
                if many:
                    for t in range(t_count):
                        if not np.isnan(d[i, t] * scale - ref[t]):
                            for j in range(p):
                                gj = g[t, j]
                                for k in range(p):
                                    a[j, k] += gj * g[t, k]
                else:  # GᵀG minus the missing epochs' outer products
                    for m in range(t_count - present):
                        t = missing[m]
                        for j in range(p):
                            gj = g[t, j]
                            for k in range(p):
                                a[j, k] += gj * g[t, k]
                    for j in range(p):
                        for k in range(p):
                            a[j, k] = gtg[j, k] - a[j, k]
                # Gauss-Jordan elimination, the arithmetic of timeseries._spd_inverse.
                inv = work
                ok = True
                for j in range(p):
                    diagonal[j] = max(a[j, j], 2.2250738585072014e-308)
                    for k in range(p):
                        inv[j, k] = 1.0 if j == k else 0.0
                for j in range(p):
                    pivot = a[j, j]
                    if not pivot > rtol * diagonal[j]:
                        ok = False
                        continue
                    for k in range(p):
                        a[j, k] /= pivot
                        inv[j, k] /= pivot
                    for r in range(p):
                        if r != j:
                            f = a[r, j]
                            for k in range(p):
                                a[r, k] -= f * a[j, k]
                                inv[r, k] -= f * inv[j, k]
            regular[i] = ok
            explained = 0.0
            for j in range(p):
                s = 0.0
                for k in range(p):
                    s += inv[j, k] * rhs[k]
                coef[i, j] = s
                inv_diag[i, j] = inv[j, j]
                explained += s * rhs[j]
            for m in range(pairs.shape[0]):
                pair_cov[i, m] = inv[pairs[m, 0], pairs[m, 1]]
            ete[i] = max(squares - explained, 0.0)


def fit_rows(d, scale, ref, g, gtg, gtg_inv, gtg_regular, pairs, rtol):
    """Compiled fit of the rows of ``d``; returns (coef, inverse diagonal, pair covariances, ete, count, regular)."""
    n, p = d.shape[0], g.shape[1]
    coef = np.empty((n, p))
    inv_diag = np.empty((n, p))
    pair_cov = np.empty((n, pairs.shape[0]))
    ete = np.empty(n)
    count = np.empty(n, dtype=np.int32)
    regular = np.empty(n, dtype=np.bool_)
    _fit_rows(
        d, float(scale), ref, g, gtg, gtg_inv, bool(gtg_regular), pairs, float(rtol),
        coef, inv_diag, pair_cov, ete, count, regular,
    )  # fmt: skip
    return coef, inv_diag, pair_cov, ete, count, regular


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernel for the dtypes the readers produce."""
    if not AVAILABLE:
        return
    g = np.column_stack([np.ones(3), np.arange(3.0)])
    gtg = g.T @ g
    pairs = np.zeros((0, 2), dtype=np.int64)
    for dtype in (np.float32, np.float64):
        fit_rows(np.zeros((1, 3), dtype=dtype), 1.0, np.zeros(3), g, gtg, np.linalg.inv(gtg), True, pairs, 1e-10)
