"""Time-series fit: known truth, an independent least-squares solver, σ against the scatter
over many noise draws, bad input. Every test runs on both the compiled kernel and NumPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from citytwin.common.errors import Canceled, InputError
from citytwin.processing import fit_kernel
from citytwin.processing.timeseries import (
    FLAG_NO_DATA,
    FLAG_RANK,
    FLAG_TOO_FEW,
    ModelTerms,
    design_matrix,
    fit_series,
    model_values,
    output_fields,
    parse_step_dates,
    reference_series,
    terms_from_fields,
)

# Sentinel-1 revisit: every 12 days over three years.
DATES = np.arange(np.datetime64("2021-01-05"), np.datetime64("2024-01-01"), np.timedelta64(12, "D"))
STEP = np.datetime64("2022-07-15")
FULL = ModelTerms(velocity=True, acceleration=True, annual=True, semiannual=True, steps=(STEP,))


@pytest.fixture(params=["compiled", "numpy"], autouse=True)
def path(request):
    if request.param == "compiled":
        assert fit_kernel.AVAILABLE, "numba is missing: it is part of the test set-up (requirements.txt)"
    return request.param == "compiled"


def _fit(path, *args, **kwargs):
    return fit_series(*args, use_compiled=path, **kwargs)


def _years(dates):
    return (dates - dates[0]).astype(float) / 365.25


def _truth_series(n, rng, noise=1.5):
    """Series built from physical parameters, independently of design_matrix()."""
    t = _years(DATES)
    tau = (DATES - np.datetime64("2021-01-01")).astype(float) / 365.25
    truth = {
        "offset": rng.uniform(-5, 5, n),
        "vel": rng.uniform(-40, 10, n),
        "acc": rng.uniform(-4, 4, n),
        "ann_amp": rng.uniform(2, 8, n),
        "ann_phase": rng.uniform(0, 360, n),
        "sem_amp": rng.uniform(1, 3, n),
        "sem_phase": rng.uniform(0, 360, n),
        "step": rng.uniform(-20, 20, n),
    }
    d = (
        truth["offset"][:, None]
        + truth["vel"][:, None] * t
        + 0.5 * truth["acc"][:, None] * t**2
        + truth["ann_amp"][:, None] * np.cos(2 * np.pi * tau - np.radians(truth["ann_phase"])[:, None])
        + truth["sem_amp"][:, None] * np.cos(4 * np.pi * tau - np.radians(truth["sem_phase"])[:, None])
        + truth["step"][:, None] * (DATES >= STEP)
        + rng.normal(0, noise, (n, DATES.size))
    )
    return d, truth


def _angle_diff(a, b):
    return (a - b + 180.0) % 360.0 - 180.0


def test_known_parameters_are_recovered_with_noise_and_gaps(path):
    rng = np.random.default_rng(7)
    d, truth = _truth_series(400, rng)
    d[rng.random(d.shape) < 0.1] = np.nan  # 10 % of epochs missing, per point
    result = _fit(path, d.astype(np.float32), DATES, FULL)
    c = result.columns
    assert np.all(c["fit_flag"] == "")
    # Tolerance: 5 σ of each estimate (σ checked against the scatter in the next test).
    for name, true in (("vel", "vel"), ("acc", "acc"), ("ann_amp", "ann_amp"), ("sem_amp", "sem_amp")):
        assert np.all(np.abs(c[name] - truth[true]) < 5 * c[f"{name}_sd"]), name
    assert np.all(np.abs(c["step_20220715"] - truth["step"]) < 5 * c["step_20220715_sd"])
    assert np.all(np.abs(_angle_diff(c["ann_phase"], truth["ann_phase"])) < 5 * c["ann_phase_sd"])
    assert np.all(np.abs(_angle_diff(c["sem_phase"], truth["sem_phase"])) < 5 * c["sem_phase_sd"])
    assert np.median(np.abs(c["vel"] - truth["vel"])) < 1.0  # mm/yr
    assert np.mean(c["sigma0"]) == pytest.approx(1.5, rel=0.03)
    assert np.array_equal(c["n_epochs"], np.sum(~np.isnan(d), axis=1))
    # cumulative displacement = noise-free model change over the period
    t_end = _years(DATES)[-1]
    tau = (DATES[[0, -1]] - np.datetime64("2021-01-01")).astype(float) / 365.25

    def model(k):
        return truth["ann_amp"] * np.cos(2 * np.pi * tau[k] - np.radians(truth["ann_phase"])) + truth[
            "sem_amp"
        ] * np.cos(4 * np.pi * tau[k] - np.radians(truth["sem_phase"]))

    true_cum = truth["vel"] * t_end + 0.5 * truth["acc"] * t_end**2 + truth["step"] + model(1) - model(0)
    assert np.median(np.abs(c["cum_disp"] - true_cum)) < 2.0


def test_sigma_matches_the_scatter_over_many_noise_draws(path):
    """One true series, 3000 noise draws: the spread of each estimate equals the mean reported σ."""
    rng = np.random.default_rng(11)
    terms = ModelTerms(velocity=True, acceleration=True, annual=True, steps=(STEP,))
    g = design_matrix(DATES, terms)
    beta = np.array([1.0, -30.0, 2.0, 3.0, -2.0, 10.0])
    draws = 3000
    d = g @ beta + rng.normal(0, 2.0, (draws, DATES.size))
    d[rng.random(d.shape) < 0.05] = np.nan
    c = _fit(path, d, DATES, terms).columns
    for name in ("offset", "vel", "acc", "step_20220715", "ann_amp", "ann_phase"):
        empirical = np.std(c[name], ddof=1)
        reported = np.mean(c[f"{name}_sd"])
        # The std of 3000 draws is known to about 1/sqrt(2*3000) = 1.3 %.
        assert reported == pytest.approx(empirical, rel=0.06), name
    assert np.mean(c["sigma0"]) == pytest.approx(2.0, rel=0.02)


def test_gap_free_fit_agrees_with_scipy_lstsq(path):
    rng = np.random.default_rng(3)
    d, _ = _truth_series(300, rng)
    d = d.astype(np.float32)
    result = _fit(path, d, DATES, FULL, chunk_rows=64)
    g = design_matrix(DATES, FULL)
    coef, residues, _, _ = scipy.linalg.lstsq(g, d.astype(np.float64).T)
    assert np.allclose(result.coefficients(), coef.T, rtol=1e-6, atol=1e-9 * np.abs(coef).max())
    n, p = DATES.size, g.shape[1]
    assert np.allclose(result.columns["sigma0"], np.sqrt(residues / (n - p)), rtol=1e-6)
    assert np.allclose(result.columns["rmse"], np.sqrt(residues / n), rtol=1e-6)
    cov = np.linalg.inv(g.T @ g)
    assert np.allclose(result.columns["vel_sd"], np.sqrt(residues / (n - p) * cov[1, 1]), rtol=1e-6)


def test_each_gappy_row_agrees_with_lstsq_on_its_own_epochs(path):
    rng = np.random.default_rng(5)
    d, _ = _truth_series(60, rng)
    d[rng.random(d.shape) < 0.3] = np.nan
    d[0, :40] = np.nan  # most epochs missing: the normal matrix is summed, not subtracted
    d[1, :60] = np.nan  # nothing before the step: offset and step cannot be told apart
    assert np.isnan(d[0]).sum() * 2 > DATES.size
    result = _fit(path, d, DATES, FULL)
    g = design_matrix(DATES, FULL)
    for i in range(len(d)):
        present = ~np.isnan(d[i])
        if np.linalg.matrix_rank(g[present]) < g.shape[1]:
            assert result.columns["fit_flag"][i] == FLAG_RANK and np.isnan(result.coefficients()[i]).all()
            continue
        coef = scipy.linalg.lstsq(g[present], d[i, present])[0]
        assert np.allclose(result.coefficients()[i], coef, rtol=1e-8, atol=1e-8)
    assert result.columns["fit_flag"][1] == FLAG_RANK


def test_compiled_and_numpy_paths_agree():
    if not fit_kernel.AVAILABLE:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(9)
    d, _ = _truth_series(500, rng)
    d[rng.random(d.shape) < 0.2] = np.nan
    d[3] = np.nan
    d[4, 5:] = np.nan
    a = fit_series(d.astype(np.float32), DATES, FULL, use_compiled=True, chunk_rows=77).columns
    b = fit_series(d.astype(np.float32), DATES, FULL, use_compiled=False).columns
    for name in a:
        if name == "fit_flag":
            assert np.array_equal(a[name], b[name])
        else:
            assert np.allclose(a[name], b[name], rtol=1e-9, atol=1e-9, equal_nan=True), name


def test_acceleration_uses_the_k_factorial_convention(path):
    t = _years(DATES)
    d = 4.0 + 3.0 * t + 0.5 * -6.0 * t**2
    c = _fit(path, d[None, :], DATES, ModelTerms(acceleration=True)).columns
    assert c["acc"][0] == pytest.approx(-6.0, abs=1e-9)  # d²d/dt², not the t² coefficient
    assert c["vel"][0] == pytest.approx(3.0, abs=1e-9)


def test_annual_phase_is_the_day_of_the_maximum(path):
    """A cosine peaking on day 250 of each year: phase = 250/365.25·360 degrees."""
    doy = (DATES - DATES.astype("datetime64[Y]")).astype(float)
    d = 5.0 * np.cos(2 * np.pi * (doy - 250.0) / 365.25)
    c = _fit(path, d[None, :], DATES, ModelTerms(velocity=False, annual=True)).columns
    assert c["ann_amp"][0] == pytest.approx(5.0, abs=0.05)  # leap days shift the cosine slightly
    assert c["ann_phase"][0] / 360 * 365.25 == pytest.approx(250.0, abs=1.0)


def test_units_and_reference(path):
    rng = np.random.default_rng(2)
    t = _years(DATES)
    common = rng.normal(0, 3, DATES.size)  # atmosphere shared by every point
    v = np.array([0.0, -10.0, -25.0, 5.0])
    d_mm = v[:, None] * t + common + rng.normal(0, 0.1, (4, DATES.size))
    ref = reference_series(d_mm / 1000.0, np.array([True, False, False, False]))
    c = _fit(path, d_mm / 1000.0, DATES, ModelTerms(), unit="m", reference=ref).columns
    assert np.allclose(c["vel"], v, atol=0.2)  # mm/yr, relative to point 0
    assert c["sigma0"][1] < 0.3  # the common signal is gone
    assert np.allclose(_fit(path, d_mm / 10.0, DATES, ModelTerms(), unit="cm").columns["vel"], v, atol=4)


def test_reference_area_ignores_missing_epochs():
    d = np.array([[1.0, np.nan, 3.0], [3.0, 2.0, np.nan], [100.0, 100.0, 100.0]])
    assert np.allclose(reference_series(d, [0, 1]), [2.0, 2.0, 3.0])
    with pytest.raises(InputError, match="reference area holds no point"):
        reference_series(d, np.zeros(3, bool))


def test_per_point_flags_never_a_crash(path):
    t = _years(DATES)
    d = np.tile(-10.0 * t, (5, 1))
    d[1] = np.nan  # all-NaN series
    d[2, 2:] = np.nan  # 2 epochs for 3 parameters + 1
    d[3, DATES >= STEP] = np.nan  # no epoch after the step: the step is not determined
    c = _fit(path, d, DATES, ModelTerms(steps=(STEP,))).columns
    assert list(c["fit_flag"]) == ["", FLAG_NO_DATA, FLAG_TOO_FEW, FLAG_RANK, ""]
    assert np.isnan(c["vel"][1:4]).all() and np.allclose(c["vel"][[0, 4]], -10.0)
    assert c["n_epochs"][1] == 0 and c["n_epochs"][2] == 2


def test_bad_input_is_named():
    d = np.zeros((2, DATES.size))
    with pytest.raises(InputError, match="appears twice"):
        fit_series(d[:, :3], DATES[[0, 1, 1]], ModelTerms())
    with pytest.raises(InputError, match="out of order"):
        fit_series(d[:, :3], DATES[[0, 2, 1]], ModelTerms())
    with pytest.raises(InputError, match="shape"):
        fit_series(d[:, :5], DATES, ModelTerms())
    with pytest.raises(InputError, match="step date 2030-01-01 is outside"):
        fit_series(d, DATES, ModelTerms(steps=(np.datetime64("2030-01-01"),)))
    with pytest.raises(InputError, match="unit 'ft'"):
        fit_series(d, DATES, ModelTerms(), unit="ft")
    with pytest.raises(InputError, match="'2022-13-01' is not a date"):
        parse_step_dates("2022-13-01")
    assert parse_step_dates("2022-07-15; 20230101") == (np.datetime64("2022-07-15"), np.datetime64("2023-01-01"))


def test_cancel_stops_the_fit(path):
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Canceled):
        _fit(path, np.zeros((1000, DATES.size)), DATES, ModelTerms(), chunk_rows=10, is_canceled=cancel)


def test_field_names_give_the_model_back():
    names = [name for name, _, _ in output_fields(FULL)]
    assert terms_from_fields(names) == FULL
    g = design_matrix(DATES, FULL)
    coef = np.arange(1.0, g.shape[1] + 1)
    later = DATES[10:20]
    assert np.allclose(model_values(coef, later, FULL, DATES[0]), (g @ coef)[10:20])
