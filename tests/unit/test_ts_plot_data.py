"""Data of the time-series plot: series read from field values, the one-point fit against
series built from known parameters and an independent straight-line fit, CSV rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from citytwin.common.errors import InputError
from citytwin.processing.timeseries import FLAG_NO_DATA, ModelTerms, output_fields
from citytwin.processing.ts_plot_data import (
    CSV_COLUMNS,
    NoDateFields,
    PointSeries,
    fit_point_series,
    fitted_layer_terms,
    has_date_fields,
    has_values,
    nearest_point,
    point_label,
    read_point_series,
    series_csv_rows,
    write_series_csv,
)

# Sentinel-1 revisit, two years.
DATES = np.arange(np.datetime64("2022-01-03"), np.datetime64("2024-01-01"), np.timedelta64(12, "D"))


def years(dates):
    return (dates - dates[0]).astype(float) / 365.25


def season(dates, peak_day=250.0):
    """cos(2π(τ − peak)/365.25), τ in days since 1 January 2022 (the documented time origin)."""
    tau = (dates - np.datetime64("2022-01-01")).astype(float)
    return np.cos(2 * np.pi * (tau - peak_day) / 365.25)


def known_series(velocity=-30.0, offset=2.0, amplitude=4.0):
    """d = offset + v·t + A·cos(2π(τ − peak)), written from the physics, not from G."""
    return offset + velocity * years(DATES) + amplitude * season(DATES)


class NotANumber:
    """Stands for QGIS's NULL (a QVariant): float() raises TypeError."""

    def __float__(self):
        raise TypeError("not a number")


# -- reading a feature's fields ------------------------------------------------------------
def test_series_from_mixed_date_field_names_sorted_with_missing_values():
    names = ["pid", "D_20220115", "height", "20220103", "D20220127", "mean_velocity"]
    values = ["CT_1", 1.5, 40.0, "0,0", NotANumber(), -12.0]
    series = read_point_series(names, values, "CT_1")
    assert series.label == "CT_1"
    assert series.dates.tolist() == [np.datetime64(d, "D") for d in ("2022-01-03", "2022-01-15", "2022-01-27")]
    assert series.displacement[:2].tolist() == [0.0, 1.5]
    assert math.isnan(series.displacement[2])
    assert series.observed.tolist() == [True, True, False]
    for empty in (None, "", "text"):
        assert math.isnan(read_point_series(["20220103"], [empty], "x").displacement[0])


def test_no_date_fields_and_bad_date_names():
    assert not has_date_fields(["pid", "vel", "height"])
    assert has_date_fields(["pid", "D_20220103"])
    with pytest.raises(NoDateFields, match="YYYYMMDD"):
        read_point_series(["pid", "vel"], ["a", 1.0], "a", source="layer")
    assert has_date_fields(["20221340"])  # date-like: reported by the reader, not hidden
    with pytest.raises(InputError, match="not a valid date"):
        read_point_series(["20221340"], [1.0], "a")
    with pytest.raises(InputError, match="appears twice"):
        read_point_series(["20220103", "D_20220103"], [1.0, 2.0], "a")


def test_point_label_prefers_pid():
    assert point_label(["pid", "20220103"], ["CTL3_0000007", 0.0], 7) == "CTL3_0000007"
    assert point_label(["pid"], [None], 7) == "7"
    assert point_label(["pid"], ["  "], 7) == "7"
    assert point_label(["pid"], [12.0], 3) == "12"
    assert point_label(["id", "20220103"], [5, 0.0], 42) == "42"


# -- fitting one point --------------------------------------------------------------------
def test_noise_free_series_gives_back_its_parameters():
    truth = known_series()
    series = PointSeries("p", DATES, truth)
    fit = fit_point_series(series, ModelTerms(velocity=True, annual=True))
    assert fit.fitted and fit.flag == ""
    # Normal equations in float64: exact to well below a micrometre.
    assert fit.velocity == pytest.approx(-30.0, abs=1e-6)
    assert fit.rmse == pytest.approx(0.0, abs=1e-5)
    np.testing.assert_allclose(fit.model, truth, atol=1e-5)
    np.testing.assert_allclose(fit.residual, 0.0, atol=1e-5)
    # The dense curve: every day of the span, and equal to the model on acquisition days.
    assert fit.dense_dates[0] == DATES[0] and fit.dense_dates[-1] == DATES[-1]
    assert np.all(np.diff(fit.dense_dates).astype(int) == 1)
    on_dates = np.searchsorted(fit.dense_dates, DATES)
    np.testing.assert_allclose(fit.dense_model[on_dates], fit.model, atol=1e-9)
    # Between acquisitions the curve follows the physics too (a day the data never saw).
    day = np.datetime64("2023-09-07")
    k = int(np.flatnonzero(fit.dense_dates == day)[0])
    expected = 2.0 - 30.0 * float((day - DATES[0]).astype(int)) / 365.25 + 4.0 * season(np.array([day]))[0]
    assert fit.dense_model[k] == pytest.approx(expected, abs=1e-5)


def test_velocity_only_fit_equals_an_independent_straight_line_fit():
    rng = np.random.default_rng(3)
    d = -18.0 * years(DATES) + rng.normal(0, 1.5, DATES.size)
    d[[4, 17, 30]] = np.nan
    fit = fit_point_series(PointSeries("p", DATES, d), ModelTerms(velocity=True))
    ok = ~np.isnan(d)
    t = years(DATES)[ok]
    slope, intercept = np.polyfit(t, d[ok], 1)
    line = slope * t + intercept
    e = d[ok] - line
    assert fit.velocity == pytest.approx(slope, rel=1e-9)
    assert fit.rmse == pytest.approx(np.sqrt(np.mean(e**2)), rel=1e-9)
    # σ of a straight line's slope: √(s² / Σ(t − t̄)²), s² = eᵀe / (N − 2).
    s2 = np.sum(e**2) / (ok.sum() - 2)
    assert fit.velocity_sd == pytest.approx(np.sqrt(s2 / np.sum((t - t.mean()) ** 2)), rel=1e-9)
    assert fit.n_epochs == ok.sum()
    np.testing.assert_allclose(fit.model[ok], line, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fit.residual[ok], d[ok] - line, atol=1e-9)
    assert np.isnan(fit.residual[~ok]).all() and np.isfinite(fit.model).all()


def test_point_without_values_has_a_flag_not_an_exception():
    series = PointSeries("empty", DATES, np.full(DATES.size, np.nan))
    assert not has_values(series)
    fit = fit_point_series(series, ModelTerms())
    assert fit.flag == FLAG_NO_DATA and not fit.fitted
    assert np.isnan(fit.model).all() and np.isnan(fit.dense_model).all() and math.isnan(fit.velocity)


def test_terms_of_a_fit_result_layer():
    terms = ModelTerms(velocity=True, annual=True, steps=(np.datetime64("2022-07-15"),))
    names = ["pid", "D_20220103", *[name for name, _unit, _desc in output_fields(terms)]]
    assert fitted_layer_terms(names) == terms
    egms = ["pid", "mp_type", "rmse", "mean_velocity", "20220103"]
    assert fitted_layer_terms(egms) is None


# -- CSV -------------------------------------------------------------------------------
def test_csv_rows_and_atomic_write_round_trip(tmp_path):
    rng = np.random.default_rng(8)
    first = known_series() + rng.normal(0, 1.0, DATES.size)
    first[5] = np.nan
    second = known_series(velocity=-5.0)
    fits = [
        fit_point_series(PointSeries("CTL3_1", DATES, first), ModelTerms(annual=True)),
        fit_point_series(PointSeries("点 2", DATES, second), ModelTerms()),
    ]
    rows = series_csv_rows(fits)
    assert len(rows) == 2 * DATES.size
    target = tmp_path / "series.csv"
    target.write_text("old content", encoding="utf-8")
    assert write_series_csv(target, fits) == target
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series.csv"]  # no temp file left
    table = pd.read_csv(target, dtype={"pid": str})
    assert tuple(table.columns) == CSV_COLUMNS
    assert table["pid"].tolist() == ["CTL3_1"] * DATES.size + ["点 2"] * DATES.size
    assert pd.to_datetime(table["date"]).tolist() == pd.to_datetime(np.concatenate([DATES, DATES])).tolist()
    for k, fit in enumerate(fits):
        part = table.iloc[k * DATES.size : (k + 1) * DATES.size]
        np.testing.assert_allclose(part["displacement_mm"], fit.series.displacement, rtol=1e-9, equal_nan=True)
        np.testing.assert_allclose(part["model_mm"], fit.model, rtol=1e-9)
        np.testing.assert_allclose(part["residual_mm"], fit.residual, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert np.isnan(table["residual_mm"].iloc[5]) and np.isfinite(table["model_mm"].iloc[5])


def test_a_failed_csv_export_keeps_the_old_file(tmp_path):
    target = tmp_path / "series.csv"
    target.write_text("old content", encoding="utf-8")

    def broken():
        yield fit_point_series(PointSeries("a", DATES, known_series()), ModelTerms())
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_series_csv(target, broken())
    assert target.read_text(encoding="utf-8") == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series.csv"]


# -- picking -------------------------------------------------------------------------------
def test_nearest_point_within_tolerance():
    xs = np.array([0.0, 10.0, 10.5, np.nan])
    ys = np.array([0.0, 0.0, 0.4, 1.0])
    assert nearest_point(xs, ys, 10.4, 0.3, 1.0) == 2
    assert nearest_point(xs, ys, 9.8, 0.0, 1.0) == 1
    assert nearest_point(xs, ys, 5.0, 5.0, 1.0) is None
    assert nearest_point(np.zeros(0), np.zeros(0), 0.0, 0.0, 1.0) is None
