"""Streamed PS reading and the file-to-file fit: same answer as the in-memory path, whatever the chunking."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.insar import PSDataset, read_egms_csv, stream_ps, write_egms_csv
from citytwin.processing.ps_fit_file import Reference, fit_ps_file
from citytwin.processing.timeseries import ModelTerms, fit_series

DATES = np.arange(np.datetime64("2021-01-05"), np.datetime64("2023-01-01"), np.timedelta64(12, "D"))


@pytest.fixture
def product(tmp_path):
    """An EGMS CSV of 257 points in EPSG:4548: velocity -20..0 mm/yr along x, 1 mm noise, 3 % gaps."""
    rng = np.random.default_rng(8)
    n = 257
    x = rng.uniform(448_000, 449_000, n)
    y = rng.uniform(4_417_000, 4_418_000, n)
    v = -20.0 * (x - 448_000) / 1000
    t = (DATES - DATES[0]).astype(float) / 365.25
    d = v[:, None] * t + rng.normal(0, 1.0, (n, DATES.size))
    d[rng.random(d.shape) < 0.03] = np.nan
    points = gpd.GeoDataFrame(
        pd.DataFrame({"pid": [f"P{i:04d}" for i in range(n)], "rmse": np.full(n, 0.5)}),
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:4548",
    )
    path = tmp_path / "egms.csv"
    write_egms_csv(PSDataset(points, DATES, d.astype(np.float32)), path)
    return path, v


@pytest.mark.parametrize("chunk_rows", [1, 50, 10_000])
def test_stream_gives_the_reader_s_dataset_in_chunks(product, chunk_rows):
    path, _ = product
    whole = read_egms_csv(path)
    chunks = []
    report = stream_ps(path, chunks.append, chunk_rows=chunk_rows)
    assert report.kept == whole.n_points == sum(c.n_points for c in chunks)
    assert max(c.n_points for c in chunks) <= chunk_rows
    assert np.array_equal(np.vstack([c.displacement for c in chunks]), whole.displacement, equal_nan=True)
    assert list(pd.concat([c.points["pid"] for c in chunks])) == list(whole.points["pid"])
    assert all(np.array_equal(c.dates, whole.dates) for c in chunks)


def test_file_fit_equals_the_in_memory_fit(product, tmp_path):
    path, v = product
    out = tmp_path / "fit.gpkg"
    report = fit_ps_file(path, out, ModelTerms(annual=True), chunk_rows=40)
    frame = pyogrio.read_dataframe(out)
    whole = read_egms_csv(path)
    direct = fit_series(whole.displacement, whole.dates, ModelTerms(annual=True)).columns
    assert report.n_points == report.fitted == len(frame) == whole.n_points
    assert np.allclose(frame["vel"], direct["vel"]) and np.allclose(frame["vel_sd"], direct["vel_sd"])
    assert np.allclose(frame["vel"], v, atol=5 * frame["vel_sd"].max())
    assert "rmse_in" in frame.columns and np.allclose(frame["rmse_in"], 0.5)  # the input's own rmse kept
    assert np.allclose(frame[f"D_{str(DATES[3]).replace('-', '')}"], whole.displacement[:, 3], equal_nan=True)


def test_reference_point_and_radius(product, tmp_path):
    path, v = product
    out = tmp_path / "ref.gpkg"
    x0 = 448_900.0  # velocity there: -18 mm/yr
    report = fit_ps_file(path, out, ModelTerms(), reference=Reference(x0, 4_417_500.0, 200.0, crs="EPSG:4548"))
    frame = pyogrio.read_dataframe(out)
    assert report.reference_points > 3
    assert np.median(frame["vel"] - v) == pytest.approx(18.0, abs=1.5)
    with pytest.raises(InputError, match="holds no PS point"):
        fit_ps_file(path, tmp_path / "none.gpkg", ModelTerms(), reference=Reference(0.0, 0.0, 10.0))
    assert not (tmp_path / "none.gpkg").exists()


def test_cancel_and_failure_leave_no_file(product, tmp_path):
    path, _ = product
    out = tmp_path / "canceled.gpkg"
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Canceled):
        fit_ps_file(path, out, ModelTerms(), chunk_rows=20, is_canceled=cancel)
    assert not out.exists() and list(tmp_path.iterdir()) == [path]
    with pytest.raises(InputError, match="output folder does not exist"):
        fit_ps_file(path, tmp_path / "missing" / "x.gpkg", ModelTerms())
