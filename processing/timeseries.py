"""Displacement time-series fitting for InSAR persistent scatterers (pure core).

Each point's series d(t) (mm, one value per acquisition, NaN where missing) is fitted by
linear least squares with a design matrix G whose columns the user chooses:

=====================  ===========================  ==========================================
term                   column of G                  reported as
=====================  ===========================  ==========================================
offset                 1                            ``offset`` (mm)
velocity               t                            ``vel`` (mm/yr)
acceleration           t²/2  (k! convention)        ``acc`` (mm/yr²), a true acceleration
annual                 cos 2πτ, sin 2πτ             ``ann_amp`` (mm), ``ann_phase`` (degree)
semi-annual            cos 4πτ, sin 4πτ             ``sem_amp`` (mm), ``sem_phase`` (degree)
step at date s         H(t − s) (0 before, 1 from)  ``step_YYYYMMDD`` (mm)
=====================  ===========================  ==========================================

t is the time in years (365.25 days) since the first acquisition, so the offset is the
modelled value at the first date and, with an acceleration term, ``vel`` is the velocity
at the first date. τ is the time in years since 1 January of the first acquisition's
year: a seasonal term is A·cos(2πkτ − φ), so the annual maximum falls on day of year
φ/360 × 365.25 and the phase compares between series of different start dates. The
polynomial uses the k! convention (MintPy, Yunjun et al. 2019): d = c₀ + v·t + a·t²/2, so
``acc`` is d²d/dt².

Per point, with the N epochs that have a value (missing epochs are skipped for that point
only) and P model parameters:

* coefficients β̂ = (GᵀG)⁻¹Gᵀd over the point's own epochs;
* residuals e = d − Gβ̂, a-posteriori variance σ̂² = eᵀe/(N − P) (``sigma0``, mm) and
  covariance C = σ̂²(GᵀG)⁻¹; each ``*_sd`` is a square root of C's diagonal, the
  amplitude's and phase's by first-order propagation through (a, b) ↦ (√(a²+b²),
  atan2(b, a)) with the cos/sin covariance;
* ``rmse`` = √(eᵀe/N) (mm), ``n_epochs`` = N;
* ``cum_disp`` (mm): the fitted model's change from the first to the last acquisition
  date of the dataset (noise-free cumulative displacement over the period).

A point with N ≤ P (σ̂ undefined), no values or a rank-deficient G (e.g. no epoch after a
step) gets NaN results and a ``fit_flag``; other points are unaffected.

Re-referencing: :func:`reference_series` averages the series of chosen stable points
(epoch by epoch, NaN-aware); :func:`fit_series` subtracts it from every series before the
fit, so all velocities are relative to the reference.

Speed: the data are processed in chunks of rows, two chunks at a time on two threads, each
worker storing its own rows of the outputs. Gap-free rows share one (GᵀG)⁻¹; rows with
gaps get their own normal matrix GᵀG − Σ_missing g gᵀ (the sum over the present epochs
when most are missing), inverted by elimination. The compiled kernel
(:mod:`.fit_kernel`, numba) does this in one pass per row; the NumPy twin builds the
normal matrices with a sparse product and inverts them with a batched elimination
(:func:`_spd_inverse`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from . import fit_kernel

YEAR_DAYS = 365.25
#: Rows fitted per chunk: 50,000 x 300 epochs is 60 MB of float32 (120 MB as float64 on the NumPy path).
DEFAULT_CHUNK_ROWS = 50_000

FLAG_NO_DATA = "no data"
FLAG_TOO_FEW = "fewer epochs than model terms + 1"
FLAG_RANK = "model not determined by the epochs present"

#: Conversion of input displacement units to millimetres.
UNIT_TO_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0}


@dataclass(frozen=True)
class ModelTerms:
    """Which terms the model has (the offset is always fitted)."""

    velocity: bool = True
    acceleration: bool = False
    annual: bool = False
    semiannual: bool = False
    steps: tuple[np.datetime64, ...] = ()

    def __post_init__(self) -> None:
        steps = tuple(sorted({np.datetime64(s, "D") for s in self.steps}))
        object.__setattr__(self, "steps", steps)

    @property
    def parameter_names(self) -> list[str]:
        """Names of the columns of G, in order."""
        names = ["offset"]
        if self.velocity:
            names.append("vel")
        if self.acceleration:
            names.append("acc")
        if self.annual:
            names += ["ann_cos", "ann_sin"]
        if self.semiannual:
            names += ["sem_cos", "sem_sin"]
        names += [step_field(s) for s in self.steps]
        return names

    @property
    def n_parameters(self) -> int:
        return len(self.parameter_names)

    def describe(self) -> str:
        parts = ["offset"]
        parts += [name for name, on in (("velocity", self.velocity), ("acceleration", self.acceleration)) if on]
        parts += [name for name, on in (("annual", self.annual), ("semi-annual", self.semiannual)) if on]
        parts += [f"step {np.datetime_as_string(s)}" for s in self.steps]
        return " + ".join(parts)


def step_field(date: np.datetime64) -> str:
    """Output field of a step at ``date``: ``step_YYYYMMDD``."""
    return "step_" + np.datetime_as_string(np.datetime64(date, "D")).replace("-", "")


def parse_step_dates(text: str, source: str | None = None) -> tuple[np.datetime64, ...]:
    """Dates given as ``YYYY-MM-DD`` or ``YYYYMMDD``, separated by commas, semicolons or spaces."""
    found = []
    for raw in text.replace(";", ",").replace(" ", ",").split(","):
        token = raw.strip()
        if not token:
            continue
        digits = token.replace("-", "")
        try:
            if len(digits) != 8 or not digits.isdigit():
                raise ValueError
            found.append(np.datetime64(dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])), "D"))
        except ValueError:
            raise InputError(f"'{token}' is not a date (YYYY-MM-DD or YYYYMMDD)", source=source) from None
    return tuple(found)


def time_in_years(dates: np.ndarray) -> np.ndarray:
    """Years (365.25 days) since the first date."""
    days = (np.asarray(dates, "datetime64[D]") - np.asarray(dates, "datetime64[D]")[0]).astype(np.float64)
    return days / YEAR_DAYS


def _season_time(dates: np.ndarray) -> np.ndarray:
    dates = np.asarray(dates, "datetime64[D]")
    jan1 = dates[0].astype("datetime64[Y]").astype("datetime64[D]")
    return (dates - jan1).astype(np.float64) / YEAR_DAYS


def design_matrix(dates: np.ndarray, terms: ModelTerms, first_date: np.datetime64 | None = None) -> np.ndarray:
    """G (epochs x parameters) for ``dates``; t counts from ``first_date`` (default dates[0]).

    ``first_date`` lets a model fitted on a full series be evaluated at other dates (e.g.
    a plot's dense time axis) with the same time origin.
    """
    dates = np.asarray(dates, "datetime64[D]")
    origin = np.datetime64(first_date, "D") if first_date is not None else dates[0]
    with_origin = np.concatenate([[origin], dates])
    t = time_in_years(with_origin)[1:]
    tau = _season_time(with_origin)[1:]
    columns = [np.ones_like(t)]
    if terms.velocity:
        columns.append(t)
    if terms.acceleration:
        columns.append(0.5 * t * t)
    if terms.annual:
        columns += [np.cos(2 * np.pi * tau), np.sin(2 * np.pi * tau)]
    if terms.semiannual:
        columns += [np.cos(4 * np.pi * tau), np.sin(4 * np.pi * tau)]
    for step in terms.steps:
        columns.append((dates >= step).astype(np.float64))
    return np.column_stack(columns)


def output_fields(terms: ModelTerms) -> list[tuple[str, str, str]]:
    """(field, unit, description) of :func:`fit_series`' result columns, in order."""
    fields = [("offset", "mm", "modelled displacement at the first date"), ("offset_sd", "mm", "σ of offset")]
    if terms.velocity:
        when = " at the first date" if terms.acceleration else ""
        fields += [("vel", "mm/yr", f"velocity{when}"), ("vel_sd", "mm/yr", "σ of velocity")]
    if terms.acceleration:
        fields += [("acc", "mm/yr²", "acceleration (d = c + v·t + a·t²/2)"), ("acc_sd", "mm/yr²", "σ of acceleration")]
    for key, on, label in (("ann", terms.annual, "annual"), ("sem", terms.semiannual, "semi-annual")):
        if on:
            fields += [
                (f"{key}_amp", "mm", f"{label} amplitude A of A·cos(2πkτ − φ)"),
                (f"{key}_amp_sd", "mm", f"σ of {label} amplitude"),
                (f"{key}_phase", "degree", f"{label} phase φ (τ in years from 1 January of the first year)"),
                (f"{key}_phase_sd", "degree", f"σ of {label} phase"),
            ]
    for step in terms.steps:
        name = step_field(step)
        fields += [(name, "mm", f"step on {np.datetime_as_string(step)}"), (f"{name}_sd", "mm", "σ of the step")]
    fields += [
        ("rmse", "mm", "root mean square of the residuals"),
        ("sigma0", "mm", "a-posteriori σ = √(eᵀe/(N − P))"),
        ("n_epochs", "", "epochs with a value used in the fit"),
        ("cum_disp", "mm", "modelled displacement from the first to the last date"),
        ("fit_flag", "", "why a point has no fit (empty when fitted)"),
    ]
    return fields


@dataclass
class FitResult:
    """Per-point results of :func:`fit_series` (arrays of length n_points)."""

    terms: ModelTerms
    columns: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)

    @property
    def n_points(self) -> int:
        return len(self.columns["rmse"])

    def coefficients(self) -> np.ndarray:
        """Raw coefficients (n_points x P) in the order of ``terms.parameter_names``."""
        return self.columns["_coef"]


def reference_series(displacement: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean series (per epoch, ignoring NaN) of the points ``rows``; NaN where none has a value."""
    rows = np.asarray(rows)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    if rows.size == 0:
        raise InputError("the reference area holds no point: choose a point or area covered by the data")
    block = np.asarray(displacement[rows], dtype=np.float64)
    counts = np.sum(~np.isnan(block), axis=0)
    sums = np.nansum(block, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _spd_inverse(matrices: np.ndarray, rtol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Inverses of a stack of symmetric positive semi-definite matrices, and which are regular.

    Gauss-Jordan elimination vectorised over the stack (no pivoting: it is stable for
    SPD matrices). Written here because ``numpy.linalg.inv`` calls LAPACK once per
    matrix: for a million 6x6 matrices that overhead makes it about ten times slower
    than these P² whole-stack operations. A pivot below ``rtol`` times its original
    diagonal marks the matrix singular (its inverse is then meaningless).
    """
    a = matrices.astype(np.float64, copy=True)
    k, p, _ = a.shape
    inverse = np.broadcast_to(np.eye(p), a.shape).copy()
    diagonal = np.einsum("kii->ki", matrices).copy()
    regular = np.ones(k, dtype=bool)
    for j in range(p):
        pivot = a[:, j, j].copy()
        small = ~(pivot > rtol * np.maximum(diagonal[:, j], np.finfo(float).tiny))
        regular &= ~small
        pivot[small] = 1.0
        a[:, j, :] /= pivot[:, None]
        inverse[:, j, :] /= pivot[:, None]
        factor = a[:, :, j].copy()
        factor[:, j] = 0.0
        factor[small] = 0.0
        a -= factor[:, :, None] * a[:, j, None, :]
        inverse -= factor[:, :, None] * inverse[:, j, None, :]
    return inverse, regular


#: Relative size of a pivot below which a normal matrix counts as singular.
SINGULAR_RTOL = 1e-10


def _fit_rows_numpy(block, scale, ref_mm, g, gtg, gtg_inv, gtg_regular, pairs, outer):
    """NumPy twin of :func:`fit_kernel.fit_rows`: (coef, inverse diagonal, pair covariances, ete, count, regular)."""
    d = np.array(block, dtype=np.float64)
    if scale != 1.0:
        d *= scale
    d -= ref_mm
    missing = np.isnan(d)
    d[missing] = 0.0
    n_dates, p = g.shape
    count = (n_dates - missing.sum(axis=1)).astype(np.int32)
    rhs = d @ g
    dtd = np.einsum("ij,ij->i", d, d)
    gap_rows = np.flatnonzero(count < n_dates)
    # Gap-free rows share the inverse of GᵀG, computed once by the caller.
    inverse = np.broadcast_to(gtg_inv, (len(d), p, p)).copy()
    regular = np.full(len(d), bool(gtg_regular))
    if gap_rows.size:
        normal = np.empty((gap_rows.size, p, p))
        import scipy.sparse

        sparse_rows = count[gap_rows] * 2 >= n_dates  # few missing: subtract their outer products
        few = gap_rows[sparse_rows]
        many = gap_rows[~sparse_rows]
        if few.size:
            removed = scipy.sparse.csr_matrix(missing[few].astype(np.float64)) @ outer
            normal[sparse_rows] = gtg[None] - removed.reshape(-1, p, p)
        if many.size:
            normal[~sparse_rows] = ((~missing[many]).astype(np.float64) @ outer).reshape(-1, p, p)
        inverse[gap_rows], regular[gap_rows] = _spd_inverse(normal, SINGULAR_RTOL)
    coef = np.einsum("kpq,kq->kp", inverse, rhs)
    ete = np.maximum(dtd - np.einsum("kp,kp->k", coef, rhs), 0.0)
    pair_cov = inverse[:, pairs[:, 0], pairs[:, 1]] if len(pairs) else np.empty((len(d), 0))
    return coef, np.einsum("kii->ki", inverse).copy(), pair_cov, ete, count, regular


def _fit_rows_compiled(block, scale, ref_mm, g, gtg, gtg_inv, gtg_regular, pairs, _outer):
    block = np.ascontiguousarray(block)
    if block.dtype not in (np.float32, np.float64):
        block = block.astype(np.float64)
    return fit_kernel.fit_rows(block, scale, ref_mm, g, gtg, gtg_inv, gtg_regular, pairs, SINGULAR_RTOL)


def _amplitude_phase(a, b, vaa, vbb, vab):
    """(A, σA, φ in degrees, σφ in degrees) of a·cos + b·sin, by first-order propagation."""
    aa, bb, ab2 = a * a, b * b, 2.0 * a * b
    amp2 = aa + bb
    cross = ab2 * vab
    with np.errstate(invalid="ignore", divide="ignore"):
        var_amp = (aa * vaa + bb * vbb + cross) / amp2
        var_phase = (bb * vaa + aa * vbb - cross) / (amp2 * amp2)
    degrees = np.mod(np.arctan2(b, a) * (180.0 / np.pi), 360.0)
    phase_sd = np.sqrt(np.maximum(var_phase, 0.0)) * (180.0 / np.pi)
    return np.sqrt(amp2), np.sqrt(np.maximum(var_amp, 0.0)), degrees, phase_sd


def fit_series(
    displacement: np.ndarray,
    dates: np.ndarray,
    terms: ModelTerms,
    *,
    unit: str = "mm",
    reference: np.ndarray | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
    source: str | None = None,
    use_compiled: bool | None = None,
) -> FitResult:
    """Fit ``terms`` to every row of ``displacement`` (points x epochs, NaN = missing).

    Parameters
    ----------
    displacement
        (n_points, n_dates) array (any float dtype; float32 from the readers), in ``unit``.
    dates
        ``datetime64`` acquisition dates, strictly increasing.
    terms
        The model (see module docstring).
    unit
        ``"mm"``, ``"cm"`` or ``"m"``; results are always in mm, mm/yr and mm/yr².
    reference
        A reference series (n_dates, in ``unit``; see :func:`reference_series`) subtracted
        from every row before fitting; an epoch where it is NaN is skipped everywhere.
    chunk_rows
        Rows per chunk.
    source
        File or layer named in errors.
    use_compiled
        Force (True) or avoid (False) numba's kernel; default: use it when installed.

    Returns
    -------
    FitResult
        ``columns`` holds one array per field of :func:`output_fields` plus ``_coef``
        (raw coefficients).
    """
    dates, displacement, ref = _checked_inputs(displacement, dates, terms, unit, reference, source)
    scale = UNIT_TO_MM[unit]
    g = design_matrix(dates, terms)
    ref_mm = np.zeros(dates.size) if ref is None else ref * scale
    chunk_rows = max(int(chunk_rows), 1)
    n = displacement.shape[0]
    compiled = fit_kernel.AVAILABLE if use_compiled is None else use_compiled
    fit_rows = _fit_rows_compiled if compiled else _fit_rows_numpy
    gtg = g.T @ g
    outer = (g[:, :, None] * g[:, None, :]).reshape(dates.size, -1)
    full_inverse, full_regular = _spd_inverse(gtg[None], SINGULAR_RTOL)
    results = _Results(n, terms, g)
    shared = (g, gtg, full_inverse[0], bool(full_regular[0]), results.pairs, outer)

    def work(start: int) -> int:
        stop = min(start + chunk_rows, n)
        # Each chunk owns its rows of the outputs: the workers store their results themselves.
        results.store(start, fit_rows(displacement[start:stop], scale, ref_mm, *shared))
        return stop

    # Two chunks at a time on two threads (the compiled kernel and NumPy's large
    # operations release the GIL).
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        running: deque = deque()
        done = 0
        try:
            for start in range(0, n, chunk_rows):
                check_canceled(is_canceled)
                running.append(pool.submit(work, start))
                if len(running) >= 2:
                    done = max(done, running.popleft().result())
                    progress(done / n)
            while running:
                check_canceled(is_canceled)
                done = max(done, running.popleft().result())
                progress(done / n)
        finally:
            for future in running:
                future.cancel()

    columns = results.columns()
    notes = [f"Model: {terms.describe()}; {n} points, {dates.size} dates ({dates[0]} to {dates[-1]})."]
    flagged = int(np.count_nonzero(columns["fit_flag"] != ""))
    if flagged:
        notes.append(f"{flagged} point(s) could not be fitted (see fit_flag).")
    return FitResult(terms, columns, notes)


def _checked_inputs(displacement, dates, terms: ModelTerms, unit: str, reference, source):
    if unit not in UNIT_TO_MM:
        raise InputError(f"unknown displacement unit '{unit}' (use mm, cm or m)", source=source)
    dates = np.asarray(dates, "datetime64[D]")
    displacement = np.asarray(displacement)
    if displacement.ndim != 2 or displacement.shape[1] != dates.size:
        raise InputError(
            f"the displacement array has shape {displacement.shape}, expected (points, {dates.size} dates)",
            source=source,
        )
    if dates.size == 0:
        raise InputError("no acquisition dates", source=source)
    gaps = np.diff(dates).astype(np.int64)
    if np.any(gaps <= 0):
        i = int(np.flatnonzero(gaps <= 0)[0])
        what = "appears twice" if gaps[i] == 0 else "is out of order"
        raise InputError(f"the date {dates[i + 1]} {what}: dates must be strictly increasing", source=source)
    for step in terms.steps:
        if not dates[0] < step <= dates[-1]:
            raise InputError(
                f"the step date {step} is outside the series ({dates[0]} to {dates[-1]}): "
                "a step needs acquisitions before and after it",
                source=source,
            )
    ref = None
    if reference is not None:
        ref = np.asarray(reference, dtype=np.float64)
        if ref.shape != (dates.size,):
            raise InputError(f"the reference series has {ref.size} values for {dates.size} dates", source=source)
    return dates, displacement, ref


class _Results:
    """Output columns, filled chunk by chunk (in the main thread while the workers fit the next chunks)."""

    def __init__(self, n: int, terms: ModelTerms, g: np.ndarray) -> None:
        self.terms = terms
        self.names = terms.parameter_names
        self.p = len(self.names)
        self.ends = g[-1] - g[0]
        keys = [key for key, on in (("ann", terms.annual), ("sem", terms.semiannual)) if on]
        self.pair_keys = keys
        self.pairs = np.array(
            [(self.names.index(f"{key}_cos"), self.names.index(f"{key}_sin")) for key in keys], dtype=np.int64
        ).reshape(-1, 2)
        self.coef = np.full((n, self.p), np.nan)
        self.out = {
            name: np.full(n, np.nan) for name, _, _ in output_fields(terms) if name not in ("n_epochs", "fit_flag")
        }
        self.n_epochs = np.zeros(n, dtype=np.int32)
        self.flags = np.full(n, "", dtype=object)

    def store(self, first: int, parts: tuple) -> None:
        c_coef, c_inv_diag, c_pair_cov, c_ete, c_count, c_regular = parts
        last = first + len(c_count)
        p, names, out = self.p, self.names, self.out
        self.n_epochs[first:last] = c_count
        ok = c_regular & (c_count > p)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2 = c_ete / (c_count - p)
        # Slices when every row is fitted (the usual case), fancy indexing otherwise.
        good = slice(first, last) if ok.all() else np.arange(first, last)[ok]
        if not isinstance(good, slice):
            rows = np.arange(first, last)
            self.flags[rows[c_count == 0]] = FLAG_NO_DATA
            self.flags[rows[(c_count > 0) & (c_count <= p)]] = FLAG_TOO_FEW
            self.flags[rows[(c_count > p) & ~c_regular]] = FLAG_RANK
            c_coef, c_inv_diag, c_pair_cov = c_coef[ok], c_inv_diag[ok], c_pair_cov[ok]
            c_ete, c_count, s2 = c_ete[ok], c_count[ok], s2[ok]
        variance = c_inv_diag * s2[:, None]
        sd = np.sqrt(variance)
        self.coef[good] = c_coef
        out["offset"][good], out["offset_sd"][good] = c_coef[:, 0], sd[:, 0]
        for name in ("vel", "acc", *(step_field(step) for step in self.terms.steps)):
            if name in names:
                k = names.index(name)
                out[name][good], out[f"{name}_sd"][good] = c_coef[:, k], sd[:, k]
        for m, key in enumerate(self.pair_keys):
            i, j = self.pairs[m]
            amp, amp_sd, phase, phase_sd = _amplitude_phase(
                c_coef[:, i], c_coef[:, j], variance[:, i], variance[:, j], c_pair_cov[:, m] * s2
            )
            out[f"{key}_amp"][good], out[f"{key}_amp_sd"][good] = amp, amp_sd
            out[f"{key}_phase"][good], out[f"{key}_phase_sd"][good] = phase, phase_sd
        out["sigma0"][good] = np.sqrt(s2)
        out["rmse"][good] = np.sqrt(c_ete / c_count)
        out["cum_disp"][good] = c_coef @ self.ends

    def columns(self) -> dict[str, np.ndarray]:
        columns = {}
        for name, _, _ in output_fields(self.terms):
            columns[name] = (
                self.n_epochs if name == "n_epochs" else self.flags if name == "fit_flag" else self.out[name]
            )
        columns["_coef"] = self.coef
        return columns


def model_values(coefficients: np.ndarray, dates: np.ndarray, terms: ModelTerms, first_date) -> np.ndarray:
    """The fitted model of one point (coefficients of length P) at ``dates``."""
    return design_matrix(dates, terms, first_date=first_date) @ np.asarray(coefficients, dtype=np.float64)


def terms_from_fields(names: list[str]) -> ModelTerms:
    """The model a fit result layer was made with, recognised from its field names."""
    names = set(names)
    steps = tuple(
        np.datetime64(f"{n[5:9]}-{n[9:11]}-{n[11:13]}") for n in names if n.startswith("step_") and len(n) == 13
    )
    return ModelTerms(
        velocity="vel" in names,
        acceleration="acc" in names,
        annual="ann_amp" in names,
        semiannual="sem_amp" in names,
        steps=steps,
    )
