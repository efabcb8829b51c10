"""Data behind the time-series plot of one PS point (pure core: no QGIS, no Qt).

The plot dock (``ui/ts_plot.py``) hands over plain values — a feature's field names and
attribute values, point coordinates — and gets back arrays to draw and rows to export:

* :func:`read_point_series` turns a feature's date fields (``YYYYMMDD``, ``D_YYYYMMDD``,
  ``DYYYYMMDD``, see :func:`~citytwin.layers.insar.date_columns`) into a date-sorted
  series in mm, NaN where an epoch has no value;
* :func:`fit_point_series` fits the chosen model to that one series with
  :func:`~citytwin.processing.timeseries.fit_series` and evaluates it at the
  acquisition dates (for the residuals) and on a daily axis (for a smooth curve);
* :func:`series_csv_rows` / :func:`write_series_csv` give one CSV row per point and date;
* :func:`nearest_point` and :func:`fitted_layer_terms` support picking and recognising
  a layer written by the time-series fit.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..layers.insar import date_columns
from .timeseries import ModelTerms, fit_series, model_values, terms_from_fields

#: Columns of the exported CSV, in order.
CSV_COLUMNS = ("pid", "date", "displacement_mm", "model_mm", "residual_mm")
#: Field that names a point in EGMS products and the PS layers made from them.
POINT_ID_FIELD = "pid"
#: Fields that only a layer written by the time-series fit has (see ``output_fields``).
FIT_BOOKKEEPING_FIELDS = ("sigma0", "fit_flag")


class NoDateFields(InputError):  # noqa: N818 - reads as "raise NoDateFields(...)"
    """The layer has no displacement fields named after dates."""


@dataclass(frozen=True)
class PointSeries:
    """One point's displacement series.

    Attributes
    ----------
    label
        What names the point in the plot and the CSV (its ``pid``, else its feature id).
    dates
        Acquisition dates, ``datetime64[D]``, strictly increasing.
    displacement
        float64 displacement in mm, NaN where the epoch has no value.
    """

    label: str
    dates: np.ndarray
    displacement: np.ndarray

    @property
    def observed(self) -> np.ndarray:
        """Boolean mask of the epochs that have a value."""
        return ~np.isnan(self.displacement)


@dataclass(frozen=True)
class SeriesFit:
    """A point's series with its fitted model.

    ``model`` and ``residual`` are given at ``series.dates``; ``residual`` is
    displacement − model (NaN where the epoch has no value or the point has no fit).
    ``dense_dates``/``dense_model`` are the model on every day of the series' span.
    ``flag`` is empty when the point was fitted, else the reason from ``fit_series``.
    """

    series: PointSeries
    terms: ModelTerms
    coefficients: np.ndarray
    model: np.ndarray
    residual: np.ndarray
    dense_dates: np.ndarray
    dense_model: np.ndarray
    velocity: float
    velocity_sd: float
    rmse: float
    n_epochs: int
    flag: str

    @property
    def fitted(self) -> bool:
        return self.flag == ""


def _as_float(value: Any) -> float:
    """A field value as a float; NaN for NULL, empty or non-numeric values."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        value = value.strip().replace(",", ".")  # decimal comma from a semicolon CSV
        if not value:
            return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):  # QGIS's NULL (a QVariant), text, ...
        return math.nan


def has_date_fields(field_names: Sequence[str]) -> bool:
    """True when some field is named like a displacement date (ignores invalid date names)."""
    try:
        return bool(date_columns(list(field_names)))
    except InputError:
        return True  # date-like names exist; read_point_series reports what is wrong with them


def point_label(field_names: Sequence[str], values: Sequence[Any], feature_id: int) -> str:
    """The point's ``pid`` when the layer has one with a value, else its feature id."""
    names = list(field_names)
    if POINT_ID_FIELD in names:
        value = values[names.index(POINT_ID_FIELD)]
        text = "" if value is None else str(value).strip()
        if text and text != "NULL":
            # Integer-valued pids read as floats (e.g. from a CSV) print without ".0".
            number = _as_float(text)
            if not isinstance(value, str) and math.isfinite(number) and number == int(number):
                return str(int(number))
            return text
    return str(feature_id)


def read_point_series(
    field_names: Sequence[str], values: Sequence[Any], label: str, source: str | None = None
) -> PointSeries:
    """The displacement series held in one feature's date fields, sorted by date.

    Parameters
    ----------
    field_names, values
        The layer's field names and the feature's attribute values, in the same order.
    label
        Name of the point (see :func:`point_label`).
    source
        Layer named in errors.

    Raises
    ------
    NoDateFields
        When no field is named like a date.
    InputError
        When a date-like field name is not a valid date, or a date appears twice.
    """
    names = list(field_names)
    if len(names) != len(values):
        raise ValueError(f"{len(names)} field names for {len(values)} values")
    found = date_columns(names, source=source)
    if not found:
        raise NoDateFields("no displacement fields named YYYYMMDD, D_YYYYMMDD or DYYYYMMDD", source=source)
    dates = np.array([date for _, date in found], dtype="datetime64[D]")
    index = {name: i for i, name in enumerate(names)}
    displacement = np.array([_as_float(values[index[name]]) for name, _ in found], dtype=np.float64)
    order = np.argsort(dates, kind="stable")
    return PointSeries(label, dates[order], displacement[order])


def fitted_layer_terms(field_names: Sequence[str]) -> ModelTerms | None:
    """The model of a layer written by the time-series fit, None for other layers.

    A fit result is recognised by the bookkeeping fields every fit writes (``sigma0``,
    ``fit_flag``); its terms come from its model fields (``vel``, ``acc``, ``ann_amp``,
    ``sem_amp``, ``step_YYYYMMDD``) through :func:`terms_from_fields`.
    """
    names = list(field_names)
    if not set(FIT_BOOKKEEPING_FIELDS) <= set(names):
        return None
    return terms_from_fields(names)


def fit_point_series(series: PointSeries, terms: ModelTerms) -> SeriesFit:
    """Fit ``terms`` to one point's series and evaluate the model for plotting.

    The fit is :func:`~citytwin.processing.timeseries.fit_series` on the series alone
    (the NumPy path: for one row it needs no compilation), with time counted from the
    series' first date; the dense curve uses the same origin, one value per day.
    """
    dates = series.dates
    result = fit_series(series.displacement[None, :], dates, terms, use_compiled=False)
    columns = result.columns
    coefficients = np.asarray(result.coefficients()[0], dtype=np.float64)
    flag = str(columns["fit_flag"][0])
    dense_dates = np.arange(dates[0], dates[-1] + np.timedelta64(1, "D"), dtype="datetime64[D]")
    if flag:
        model = np.full(dates.size, np.nan)
        dense_model = np.full(dense_dates.size, np.nan)
    else:
        model = model_values(coefficients, dates, terms, dates[0])
        dense_model = model_values(coefficients, dense_dates, terms, dates[0])
    residual = series.displacement - model
    return SeriesFit(
        series=series,
        terms=terms,
        coefficients=coefficients,
        model=model,
        residual=residual,
        dense_dates=dense_dates,
        dense_model=dense_model,
        velocity=float(columns["vel"][0]) if "vel" in columns else math.nan,
        velocity_sd=float(columns["vel_sd"][0]) if "vel_sd" in columns else math.nan,
        rmse=float(columns["rmse"][0]),
        n_epochs=int(columns["n_epochs"][0]),
        flag=flag,
    )


def has_values(series: PointSeries) -> bool:
    """False when not one epoch of the series has a value."""
    return bool(series.observed.any())


def _number(value: float) -> str:
    return "" if not math.isfinite(value) else format(float(value), ".10g")


def series_csv_rows(fits: Iterable[SeriesFit]) -> list[tuple[str, str, str, str, str]]:
    """Rows of :data:`CSV_COLUMNS`: one per point and acquisition date, blank where NaN."""
    rows = []
    for fit in fits:
        dates = np.datetime_as_string(fit.series.dates, unit="D")
        for k, date in enumerate(dates):
            rows.append(
                (
                    fit.series.label,
                    str(date),
                    _number(fit.series.displacement[k]),
                    _number(fit.model[k]),
                    _number(fit.residual[k]),
                )
            )
    return rows


def write_series_csv(path: str | Path, fits: Iterable[SeriesFit]) -> Path:
    """Write :func:`series_csv_rows` with a header (UTF-8), atomically.

    The rows go to a temporary file next to ``path`` that then replaces it, so a failed
    or interrupted export never leaves a half-written file under the user's name.
    """
    path = Path(path)
    rows = series_csv_rows(fits)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(rows)
        Path(temporary).replace(path)  # atomic (os.replace)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def nearest_point(xs: np.ndarray, ys: np.ndarray, x: float, y: float, tolerance: float) -> int | None:
    """Index of the point nearest to (x, y) within ``tolerance`` (same units), else None."""
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    if xs.size == 0:
        return None
    distance = np.hypot(xs - x, ys - y)
    distance[~np.isfinite(distance)] = np.inf
    best = int(np.argmin(distance))
    return best if distance[best] <= tolerance else None
