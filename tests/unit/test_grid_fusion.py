"""Grid, time bins, grouped statistics and the fused grid, against independent methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from citytwin.layers.fusion import FusionInputs, IndexSamples, building_cell_stats, fuse_grid
from citytwin.layers.grid import NO_TIME, GridSpec, bin_labels, bin_range, time_bins
from citytwin.layers.groupstats import GroupIndex


# -- grid -----------------------------------------------------------------------------
def test_grid_is_snapped_and_covers_the_bounds():
    grid = GridSpec.covering((448_512.3, 4_419_880.0, 449_100.0, 4_420_000.0), 100)
    assert (grid.origin_x, grid.origin_y) == (448_500.0, 4_419_800.0)
    assert (grid.n_cols, grid.n_rows) == (7, 3)  # 448500..449200, 4419800..4420100


def test_cell_ids_agree_with_point_in_polygon():
    import geopandas as gpd

    rng = np.random.default_rng(1)
    grid = GridSpec.covering((0, 0, 950, 640), 100)
    x, y = rng.uniform(0, 950, 2000), rng.uniform(0, 640, 2000)
    ids = grid.cell_ids(x, y)
    all_ids = np.arange(grid.n_cells)
    cells = gpd.GeoDataFrame({"cell": all_ids}, geometry=grid.cell_polygons(all_ids))
    points = gpd.GeoDataFrame({"i": np.arange(2000)}, geometry=gpd.points_from_xy(x, y))
    joined = gpd.sjoin(points, cells, predicate="within").sort_values("i")
    assert np.array_equal(joined["cell"].to_numpy(), ids[joined["i"].to_numpy()])
    assert grid.cell_ids(np.array([-1.0, np.nan, 5000]), np.array([10.0, 10.0, 10.0])).tolist() == [-1, -1, -1]


@pytest.mark.parametrize(
    ("unit", "freq"), [("day", "D"), ("week", "W-SUN"), ("month", "M"), ("quarter", "Q"), ("year", "Y")]
)
def test_time_bins_match_pandas_periods(unit, freq):
    times = pd.to_datetime(
        [
            "2023-12-31 23:59:59",
            "2024-01-01 00:00:00",
            "2024-02-29 12:00:00",
            "2024-03-31 00:00:00",
            "2024-07-04 08:00:00",
        ],
        utc=True,
    )
    bins = time_bins(times.to_numpy(), unit)
    start, end = bin_range(bins, unit)
    periods = times.tz_localize(None).to_period(freq)
    assert np.array_equal(start, periods.start_time.to_numpy().astype("datetime64[s]"))
    assert np.array_equal(end, (periods.end_time + pd.Timedelta(1, "ns")).to_numpy().astype("datetime64[s]"))


def test_bin_labels_and_missing_times():
    times = pd.to_datetime(["2024-03-17 10:00", None], utc=True).to_numpy()
    assert bin_labels(time_bins(times, "month"), "month") == ["2024-03", ""]
    assert bin_labels(time_bins(times[:1], "week"), "week") == ["2024-W11"]
    assert bin_labels(time_bins(times[:1], "quarter"), "quarter") == ["2024-Q1"]
    assert time_bins(times, "day")[1] == NO_TIME


# -- grouped statistics ------------------------------------------------------------------
@pytest.mark.parametrize("sparse", [False, True])
def test_group_statistics_match_pandas(sparse):
    rng = np.random.default_rng(2)
    keys = rng.integers(0, 50, 5000) * (10**12 if sparse else 1)
    values = rng.normal(-95, 10, 5000)
    values[rng.random(5000) < 0.1] = np.nan
    groups = GroupIndex.from_keys(keys)
    frame = pd.DataFrame({"k": keys, "v": values}).groupby("k")["v"]
    assert np.array_equal(groups.keys, frame.size().index.to_numpy())
    assert np.array_equal(groups.size(), frame.size().to_numpy())
    assert np.array_equal(groups.count(values), frame.count().to_numpy())
    np.testing.assert_allclose(groups.mean(values), frame.mean().to_numpy())
    np.testing.assert_allclose(groups.quantile(values, 0.1), frame.quantile(0.1).to_numpy())
    np.testing.assert_allclose(groups.quantile(values, 0.5), frame.median().to_numpy())
    below = pd.DataFrame({"k": keys, "b": values < -110, "v": values}).dropna().groupby("k")["b"].mean()
    np.testing.assert_allclose(groups.share(values < -110, values), below.to_numpy())


def test_quantile_of_single_and_empty_groups():
    groups = GroupIndex.from_keys(np.array([5, 7, 7]))
    result = groups.quantile(np.array([1.0, np.nan, np.nan]), 0.1)
    assert result[0] == 1.0 and np.isnan(result[1])


# -- fused grid ----------------------------------------------------------------------------
def test_fused_grid_by_hand():
    grid = GridSpec.covering((0, 0, 199, 99), 100)  # two cells: id 0 (x<100), id 1
    t = pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-02", "2024-01-09"], utc=True)
    gnss = pd.DataFrame(
        {
            "x": [10, 20, 30, 150],
            "y": [10, 20, 30, 50],
            "time": t,
            "fix_quality": [1, 0, 4, 1],
            "hdop": [0.8, 9.9, 1.2, 2.0],
            "sats_used": [12, 3, 20, 8],
        }
    )
    drive = pd.DataFrame(
        {
            "x": [50, 60, 70, 80, 160],
            "y": [50, 50, 50, 50, 50],
            "time": pd.to_datetime(["2024-01-02"] * 4 + ["2024-02-10"], utc=True),
            "rsrp_dbm": [-80.0, -100.0, -115.0, np.nan, -120.0],
        }
    )
    ps = pd.DataFrame({"x": [10, 15, 110], "y": [10, 15, 10], "mean_velocity": [-20.0, -10.0, 1.0]})
    buildings_geom = [box(90, 0, 110, 50)]  # 20 m x 50 m straddling both cells
    import geopandas as gpd

    buildings = gpd.GeoDataFrame({"height_m": [30.0]}, geometry=buildings_geom)
    ndvi = IndexSamples(
        "ndvi", np.array([5.0, 15.0, 105.0]), np.array([5.0, 5.0, 5.0]), np.array([0.2, 0.4, 0.9]), None
    )
    result = fuse_grid(grid, FusionInputs(gnss=gnss, drive=drive, indices=[ndvi], ps=ps, buildings=buildings))
    rows = {(r.cell_id, r.period): r for r in result.itertuples()}
    assert set(rows) == {(0, "2024-01"), (0, "2024-02"), (1, "2024-01"), (1, "2024-02")}
    jan0 = rows[(0, "2024-01")]
    assert jan0.gnss_n == 2 and jan0.gnss_fix_rate == 0.5
    assert jan0.gnss_hdop_mean == pytest.approx(0.8) and jan0.gnss_sats_mean == 12
    assert jan0.rsrp_n == 3 and jan0.rsrp_mean_dbm == pytest.approx(-295 / 3)
    assert jan0.rsrp_p10_dbm == pytest.approx(-115 + 0.2 * 15)  # linear between -115 and -100
    assert jan0.rsrp_below_110_share == pytest.approx(1 / 3)
    assert jan0.ps_n == 2 and jan0.ps_vel_mean_mm_yr == -15.0  # static, on every period of the cell
    assert jan0.ndvi_n == 2 and jan0.ndvi_mean == pytest.approx(0.3)
    assert jan0.bldg_n == 0 and jan0.bldg_footprint_share == pytest.approx(10 * 50 / 100**2)
    feb1 = rows[(1, "2024-02")]
    assert feb1.gnss_n == 0 and feb1.rsrp_n == 1 and feb1.rsrp_below_110_share == 1.0
    assert feb1.bldg_n == 1 and feb1.bldg_height_mean_m == 30.0 and feb1.ps_n == 1
    assert str(jan0.period_start) == "2024-01-01 00:00:00+00:00" and str(jan0.period_end) == "2024-02-01 00:00:00+00:00"
    assert result.geometry.iloc[0].equals(box(0, 0, 100, 100))


def test_static_only_cells_get_an_undated_row():
    grid = GridSpec.covering((0, 0, 299, 99), 100)
    gnss = pd.DataFrame(
        {
            "x": [10],
            "y": [10],
            "time": pd.to_datetime(["2024-05-01"], utc=True),
            "fix_quality": [1],
            "hdop": [1.0],
            "sats_used": [9],
        }
    )
    ps = pd.DataFrame({"x": [250.0], "y": [50.0], "mean_velocity": [-3.0]})
    result = fuse_grid(grid, FusionInputs(gnss=gnss, ps=ps))
    assert result["cell_id"].tolist() == [0, 2]
    assert result["period"].tolist() == ["2024-05", ""]
    assert result["period_start"].isna().tolist() == [False, True]
    assert result["ps_n"].tolist() == [0, 1] and result["gnss_n"].tolist() == [1, 0]


def test_building_share_matches_overlay():
    import geopandas as gpd

    rng = np.random.default_rng(4)
    grid = GridSpec.covering((0, 0, 1000, 1000), 100)
    x0, y0 = rng.uniform(0, 900, 300), rng.uniform(0, 900, 300)
    w, h = rng.uniform(5, 120, 300), rng.uniform(5, 120, 300)
    footprints = gpd.GeoSeries([box(a, b, a + c, b + d) for a, b, c, d in zip(x0, y0, w, h)])
    ours = building_cell_stats(grid, footprints.to_numpy(), np.full(300, np.nan)).set_index("cell_id")
    ids = np.arange(grid.n_cells)
    cells = gpd.GeoDataFrame({"cell_id": ids}, geometry=grid.cell_polygons(ids))
    overlay = gpd.overlay(gpd.GeoDataFrame(geometry=footprints), cells, how="intersection")
    expected = overlay.assign(a=overlay.area).groupby("cell_id")["a"].sum() / 100**2
    np.testing.assert_allclose(ours.loc[expected.index, "bldg_footprint_share"], expected.to_numpy())


def test_points_outside_grid_are_ignored_and_empty_input_gives_empty_grid():
    grid = GridSpec.covering((0, 0, 99, 99), 100)
    ps = pd.DataFrame({"x": [5000.0], "y": [5.0], "mean_velocity": [1.0]})
    assert len(fuse_grid(grid, FusionInputs(ps=ps))) == 0
    assert len(fuse_grid(grid, FusionInputs())) == 0


def test_matches_sjoin_groupby_on_random_measurements():
    import geopandas as gpd

    rng = np.random.default_rng(9)
    n = 20_000
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 1500, n)
    t = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 180, n), unit="D")
    rsrp = rng.normal(-100, 12, n)
    grid = GridSpec.covering((0, 0, 2000, 1500), 100)
    drive = pd.DataFrame({"x": x, "y": y, "time": t, "rsrp_dbm": rsrp})
    ours = fuse_grid(grid, FusionInputs(drive=drive)).set_index(["cell_id", "period"])
    ids = np.arange(grid.n_cells)
    cells = gpd.GeoDataFrame({"cell_id": ids}, geometry=grid.cell_polygons(ids))
    points = gpd.GeoDataFrame(drive.assign(period=t.strftime("%Y-%m")), geometry=gpd.points_from_xy(x, y))
    joined = gpd.sjoin(points, cells, predicate="within")
    expected = joined.groupby(["cell_id", "period"])["rsrp_dbm"].agg(["mean", "count", lambda v: v.quantile(0.1)])
    assert len(expected) == len(ours)
    np.testing.assert_allclose(ours.loc[expected.index, "rsrp_mean_dbm"], expected["mean"])
    np.testing.assert_array_equal(ours.loc[expected.index, "rsrp_n"], expected["count"])
    np.testing.assert_allclose(ours.loc[expected.index, "rsrp_p10_dbm"], expected["<lambda_0>"])


def test_fused_grid_carries_the_beidou_code_of_each_cell_centre():
    from pyproj import Transformer

    from citytwin.layers.fusion import beidou_level
    from citytwin.processing import beidou_grid as bg

    # 100 m cells in CGCS2000 / 3-degree GK CM 117E near Beijing (about 39.9 N).
    grid = GridSpec.covering((440_000, 4_416_000, 441_999, 4_417_499), 100)
    rng = np.random.default_rng(1)
    ps = pd.DataFrame(
        {"x": rng.uniform(440_000, 442_000, 400), "y": rng.uniform(4_416_000, 4_417_500, 400), "mean_velocity": 1.0}
    )
    result = fuse_grid(grid, FusionInputs(ps=ps), crs="EPSG:4548")
    # Level by hand: a level-5 cell (4") is 123 m of latitude, too large; level 6 (2") is 62 m x 47 m.
    assert beidou_level(grid, "EPSG:4548") == 6
    assert list(result.columns[:4]) == ["cell_id", "col", "row", "beidou_code"]
    assert result["beidou_code"].str.len().eq(12).all()
    assert result["beidou_code"].is_unique  # one row per cell here (static data only)
    to_geographic = Transformer.from_crs("EPSG:4548", "EPSG:4490", always_xy=True)
    centres = result.geometry.centroid
    lon, lat = to_geographic.transform(centres.x.to_numpy(), centres.y.to_numpy())
    for code, x, y in zip(result["beidou_code"], lon, lat):
        assert bg.decode(code).contains(x, y)
    assert "beidou_code" not in fuse_grid(grid, FusionInputs(ps=ps)).columns  # no CRS, no place on the Earth
