"""Cell coverage prediction: the 38.901 link budget by hand on flat ground, the sites table's
defaults and errors, bad input, the drive-test statistics, and the sample city's drive tests
(acceptance: the prediction's RMSE against the drive test is reported)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.processing.navcomm.coverage import (
    calibrate_site_offsets,
    cell_sites,
    compare_drive_test,
    earfcn_to_mhz,
    match_serving_cells,
    predict_rsrp_grid,
    predict_rsrp_points,
)
from citytwin.processing.navcomm.surface import Surface

C = 299_792_458.0
GROUND = 50.0  # absolute ground height: heights above ground must be taken from the DTM


def flat(size: int = 400, cell: float = 2.0) -> tuple[Surface, Surface]:
    """Flat open ground at GROUND m, x from 0 to size*cell, y from 0 to size*cell."""
    z = np.full((size, size), GROUND)
    return Surface(z.copy(), 0.0, size * cell, cell, cell), Surface(z.copy(), 0.0, size * cell, cell, cell)


def one_site(x: float, y: float, azimuth: float | None = 90.0, **fields) -> pd.DataFrame:
    row = {"x": x, "y": y, "az": azimuth, "h": 25.0, "p": 46.0, "f": 1850.0, "site": "A", "cid": 1, **fields}
    return pd.DataFrame([row])


def uma_los_by_hand(d2d: float, h_bs: float = 25.0, h_ut: float = 1.5, fc: float = 1.85) -> float:
    """3GPP TR 38.901 Table 7.4.1-1, PL_UMa-LOS, written out from the standard."""
    d3d = math.hypot(d2d, h_bs - h_ut)
    d_bp = 4 * (h_bs - 1.0) * (h_ut - 1.0) * fc * 1e9 / C
    if d2d <= d_bp:
        return 28.0 + 22 * math.log10(d3d) + 20 * math.log10(fc)
    return 28.0 + 40 * math.log10(d3d) + 20 * math.log10(fc) - 9 * math.log10(d_bp**2 + (h_bs - h_ut) ** 2)


def uma_nlos_by_hand(d2d: float, h_bs: float = 25.0, h_ut: float = 1.5, fc: float = 1.85) -> float:
    d3d = math.hypot(d2d, h_bs - h_ut)
    nlos = 13.54 + 39.08 * math.log10(d3d) + 20 * math.log10(fc) - 0.6 * (h_ut - 1.5)
    return max(uma_los_by_hand(d2d, h_bs, h_ut, fc), nlos)


def table_sites(frame: pd.DataFrame, **kwargs):
    names = {"x": "x", "y": "y", "site_id": "site", "cell_id": "cid", "height": "h", "power": "p"}
    names.update({"frequency": "f", "azimuth": "az"})
    names.update(kwargs)
    return cell_sites(frame, **{k: v for k, v in names.items() if v is not None})


# -- the link budget by hand ----------------------------------------------------------------------------------------
def test_rsrp_on_flat_open_ground_is_the_hand_formula():
    dsm, dtm = flat()
    sites = table_sites(one_site(100.0, 400.0))  # cell (200, 50): centre (101, 399)
    x0, y0 = 101.0, 399.0
    # Due east of the antenna (on boresight) at 50, 200 and 600 m; d'_BP = 296 m at 1.85 GHz,
    # so the last is on the second LOS branch. Then 65 degrees off boresight (G = 15 - 12 dB).
    d_bp = 4 * 24.0 * 0.5 * 1.85e9 / C
    assert d_bp == pytest.approx(296.2, abs=0.1)
    per_re = 46.0 - 10 * math.log10(12 * 100)
    expected, points = [], []
    for d in (50.0, 200.0, 600.0):
        points.append((x0 + d, y0))
        expected.append(per_re + 15.0 - uma_los_by_hand(d))
    bearing = math.radians(90.0 + 65.0)
    points.append((x0 + 300.0 * math.sin(bearing), y0 + 300.0 * math.cos(bearing)))
    expected.append(per_re + 15.0 - 12.0 - uma_los_by_hand(300.0))
    xy = np.array(points)
    # The site sits at (100, 400); the test points are measured from the cell centre the
    # grid uses, so put the antenna there too.
    sites = table_sites(one_site(x0, y0))
    result = predict_rsrp_points(dsm, dtm, sites, xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(result.rsrp, expected, atol=1e-9)
    assert result.los.all() and (result.server == 0).all() and not result.indoor.any()
    grid = predict_rsrp_grid(dsm, dtm, sites)
    rows, cols = dsm.rows_cols(xy[:3, 0], xy[:3, 1])
    np.testing.assert_allclose(grid.rsrp[rows, cols], expected[:3], atol=1e-4)  # float32 grid
    assert grid.los[rows, cols].all() and (grid.serving_cell_id()[rows, cols] == 1).all()
    assert (grid.serving_site_index()[rows, cols] == 0).all()
    calibrated = predict_rsrp_points(dsm, dtm, sites, xy[:, 0], xy[:, 1], offsets_db={"A": -3.0, "other": 9.0})
    np.testing.assert_allclose(calibrated.rsrp, np.array(expected) - 3.0, atol=1e-9)
    with pytest.raises(Canceled):
        predict_rsrp_grid(dsm, dtm, sites, is_canceled=lambda: True)


def test_a_wall_switches_to_the_nlos_formula_and_the_extra_loss_applies():
    dsm, dtm = flat()
    dsm.z[:, 150] = GROUND + 60.0  # a 60 m slab at x in [300, 302)
    sites = table_sites(one_site(101.0, 399.0))
    xy = np.array([[101.0 + 400.0, 399.0], [101.0 + 150.0, 399.0]])
    result = predict_rsrp_points(dsm, dtm, sites, xy[:, 0], xy[:, 1], extra_loss_db=10.0)
    per_re = 46.0 - 10 * math.log10(1200)
    np.testing.assert_allclose(
        result.rsrp, [per_re + 15 - uma_nlos_by_hand(400.0) - 10, per_re + 15 - uma_los_by_hand(150.0) - 10], atol=1e-9
    )
    assert result.los.tolist() == [False, True]
    grid = predict_rsrp_grid(dsm, dtm, sites, extra_loss_db=10.0)
    r, c = dsm.rows_cols(xy[:, 0], xy[:, 1])
    assert grid.los[r, c].tolist() == [False, True]
    assert np.isnan(grid.rsrp[:, 150]).all() and grid.indoor[:, 150].all()  # on top of the slab: indoor


def test_the_strongest_cell_serves_and_umi_uses_its_own_formula():
    dsm, dtm = flat()
    frame = pd.DataFrame(
        {"x": [101.0, 101.0, 701.0], "y": [399.0] * 3, "az": [90.0, 270.0, 270.0], "cid": [11, 12, 21],
         "site": ["A", "A", "B"]}
    )  # fmt: skip
    sites = cell_sites(frame, x="x", y="y", azimuth="az", cell_id="cid", site_id="site", scenario="umi")
    assert sites.table["antenna_height_m"].eq(10.0).all() and sites.table["tx_power_dbm"].eq(44.0).all()
    grid = predict_rsrp_grid(dsm, dtm, sites, scenario="umi")
    ids = grid.serving_cell_id()
    r, c = dsm.rows_cols(np.array([301.0, 501.0, 51.0]), np.array([399.0] * 3))
    assert ids[r, c].tolist() == [11, 21, 12]  # east of A, east of the midpoint (B faces west), west of A
    # PL_UMi-LOS at d2D = 200 m, beyond d'_BP = 4 x 9 x 0.5 x 1.85 GHz / c = 111 m (second branch).
    d3d, d_bp = math.hypot(200.0, 8.5), 4 * 9.0 * 0.5 * 1.85e9 / C
    assert d_bp == pytest.approx(111.1, abs=0.1)
    umi_los = 32.4 + 40 * math.log10(d3d) + 20 * math.log10(1.85) - 9.5 * math.log10(d_bp**2 + 8.5**2)
    assert grid.rsrp[r[0], c[0]] == pytest.approx(44.0 - 10 * math.log10(1200) + 15 - umi_los, abs=1e-4)


# -- the sites table --------------------------------------------------------------------------------------------------
def test_missing_fields_get_documented_defaults_and_are_reported():
    frame = pd.DataFrame(
        {
            "lon": [116.40, 116.40, 116.40, 116.41],
            "lat": [39.89, 39.89, 39.89, 39.90],
            "height": [30.0, None, "", 20.0],
            "earfcn": [1650, 38400, 99999, None],
            "freq": [None, None, None, 3500],
            "az": [0, 120, 240, None],
        }
    )
    sites = cell_sites(
        frame, x="lon", y="lat", height="height", earfcn="earfcn", frequency="freq", azimuth="az", crs="EPSG:4326"
    )
    t = sites.table
    assert t["antenna_height_m"].tolist() == [30.0, 25.0, 25.0, 20.0]
    assert t["tx_power_dbm"].eq(46.0).all()
    # EARFCN 1650: band 3, 1805 + 0.1 (1650 - 1200) = 1850 MHz; 38400: band 39, 1880 + 0.1 x 150;
    # 99999: no band -> 1.85 GHz default; 3500 is MHz.
    np.testing.assert_allclose(t["frequency_ghz"], [1.850, 1.895, 1.85, 3.5])
    assert np.isnan(t["azimuth_deg"].iloc[3])
    assert t["site_id"].tolist() == [1, 1, 1, 2]  # one per position
    assert t["cell_id"].tolist() == [1, 2, 3, 4]
    notes = sites.notes()
    assert "2 cells without antenna height: 25 m used" in notes
    assert "4 cells without Tx power: 46 dBm used" in notes
    assert "1 cell without frequency (or a known EARFCN): 1.85 GHz used" in notes
    assert "2 cells with the frequency taken from the EARFCN (3GPP TS 36.101)" in notes
    assert "1 cell without azimuth: omnidirectional at the maximum gain" in notes
    assert t["defaults"].iloc[0] == "power,frequency_from_earfcn,site_id,cell_id"
    np.testing.assert_allclose(earfcn_to_mhz(np.array([0, 599, 36275, 41589.0])), [2110.0, 2169.9, 2017.5, 2689.9])


def test_bad_rows_are_named():
    frame = pd.DataFrame({"x": [1.0, None, 3.0], "y": [1.0, 2.0, 3.0], "h": [20.0, 20.0, -5.0]})
    with pytest.raises(InputError, match="row 2 has no position") as error:
        cell_sites(frame, x="x", y="y", source="sites.csv")
    assert "sites.csv" in str(error.value) and error.value.field == "x"
    with pytest.raises(InputError, match=r"row 3: antenna height \(m\) -5"):
        cell_sites(frame.fillna(2.0), x="x", y="y", height="h")
    with pytest.raises(InputError, match="no column 'azimuth'"):
        cell_sites(frame, x="x", y="y", azimuth="azimuth")
    with pytest.raises(InputError, match="no rows"):
        cell_sites(frame.iloc[:0], x="x", y="y")


def test_sites_outside_the_dsm_are_flagged_and_the_others_predict():
    dsm, dtm = flat(100)
    frame = pd.DataFrame({"x": [101.0, 5000.0], "y": [99.0, 99.0], "site": ["in", "far"], "cid": [1, 2]})
    sites = cell_sites(frame, x="x", y="y", site_id="site", cell_id="cid")
    grid = predict_rsrp_grid(dsm, dtm, sites)
    assert grid.site_report["status"].tolist() == ["used", "outside the DSM"]
    assert "1 cell outside the DSM: left out" in grid.notes
    assert "2 cells without antenna height: 25 m used" in grid.notes
    assert np.isfinite(grid.rsrp).all() and (grid.server == 0).all()
    points = predict_rsrp_points(dsm, dtm, sites, np.array([150.0, -400.0]), np.array([99.0, 99.0]))
    assert np.isfinite(points.rsrp[0]) and np.isnan(points.rsrp[1]) and points.server.tolist() == [0, -1]
    nowhere = cell_sites(frame.iloc[1:], x="x", y="y")
    assert np.isnan(predict_rsrp_grid(dsm, dtm, nowhere).rsrp).all()


def test_dsm_holes_do_not_block_and_no_dtm_uses_the_lowest_dsm():
    dsm, dtm = flat()
    dsm.z[:, 150] = GROUND + 60.0
    dsm.z[195:206, 150] = np.nan  # a gap in the slab (no lidar return) around the site's row
    dsm.z[::3, 250] = np.nan  # scattered no-data on open ground
    sites = table_sites(one_site(101.0, 399.0))
    grid = predict_rsrp_grid(dsm, dtm, sites)
    r, c = dsm.rows_cols(np.array([501.0, 501.0]), np.array([399.0, 199.0]))
    assert grid.los[r, c].tolist() == [True, False]  # seen through the gap; elsewhere behind the slab
    assert np.isfinite(grid.rsrp[195:206, 150]).all()  # no-data cells are not indoor
    without_dtm = predict_rsrp_grid(dsm, None, sites)
    assert any(note.startswith("no DTM: the ground is the lowest DSM") for note in without_dtm.notes)
    open_cells = np.isfinite(grid.rsrp) & np.isfinite(without_dtm.rsrp)
    np.testing.assert_allclose(without_dtm.rsrp[open_cells], grid.rsrp[open_cells], atol=1e-4)  # flat: same ground


def test_the_sites_own_building_does_not_shadow_its_street():
    # A 40 x 40 m building of 30 m with the antenna 4 m above its roof centre. Its own roof
    # hides the street within d < 20 m x (34 - 1.5) / (34 - 30) = 162.5 m of the centre
    # unless the host structure is ignored.
    dsm, dtm = flat()
    dsm.z[180:200, 40:60] = GROUND + 30.0  # x in [80, 120), y in [400, 440)
    sites = table_sites(one_site(100.0, 420.0, h=34.0))
    xy = np.array([[100.0, 300.0], [100.0, 230.0]])  # 120 m and 190 m south of the centre
    with_host = predict_rsrp_points(dsm, dtm, sites, xy[:, 0], xy[:, 1])
    without = predict_rsrp_points(dsm, dtm, sites, xy[:, 0], xy[:, 1], host_radius_m=0.0)
    assert with_host.los.tolist() == [True, True] and without.los.tolist() == [False, True]
    grid = predict_rsrp_grid(dsm, dtm, sites)
    assert np.isnan(grid.rsrp[180:200, 40:60]).all()  # the roof: indoor


# -- statistics -------------------------------------------------------------------------------------------------------
def test_comparison_statistics_by_construction():
    measured = np.linspace(-110, -60, 200)
    error = np.where(np.arange(200) % 2 == 0, 2.0, -2.0)  # zero mean, RMS 2 dB
    predicted = measured + 3.0 + error
    predicted[5] = np.nan
    group = np.where(np.arange(200) < 100, "A", "B").astype(object)
    result = compare_drive_test(predicted, measured, group)
    assert result.n == 199 and result.excluded == 1
    assert result.bias_db == pytest.approx(3.0 + 2.0 / 199, abs=1e-9)  # the NaN took a -2
    assert result.rmse_db == pytest.approx(math.sqrt(np.mean((3.0 + np.delete(error, 5)) ** 2)))
    assert result.correlation > 0.99
    per = result.per_site.set_index("site")
    assert per.loc["B", "n"] == 100 and per.loc["B", "bias_db"] == pytest.approx(3.0)
    assert per.loc["B", "std_db"] == pytest.approx(2.0)


def test_calibration_recovers_known_site_offsets_and_scores_held_out_blocks():
    rng = np.random.default_rng(7)
    n = 1200
    group = np.array(["A", "B", "C"], dtype=object)[(np.arange(n) // 150) % 3]
    group[-10:] = "D"  # too few samples for an offset
    truth = {"A": -8.0, "B": 3.0, "C": 0.5, "D": 20.0}
    measured = rng.uniform(-110, -60, n)
    predicted = measured - np.array([truth[g] for g in group]) + rng.normal(0, 2.0, n)
    calibration = calibrate_site_offsets(predicted, measured, group, min_samples=20, block=50)
    assert set(calibration.offsets_db) == {"A", "B", "C"}
    for site in "ABC":
        assert calibration.offsets_db[site] == pytest.approx(truth[site], abs=0.5)  # 2 dB noise / sqrt(400)
    assert calibration.rmse_before_db > 5 and calibration.rmse_after_db < 3.5  # D keeps its 20 dB
    assert calibration.holdout_rmse_after_db < calibration.holdout_rmse_before_db - 2
    assert calibration.n_fit + calibration.n_holdout == n
    np.testing.assert_allclose(
        calibration.apply(predicted, group)[group == "B"], predicted[group == "B"] + calibration.offsets_db["B"]
    )


def test_serving_cells_matched_by_cell_id_then_pci_then_prediction():
    dsm, dtm = flat()
    frame = pd.DataFrame(
        {"x": [101.0, 101.0, 701.0], "y": [399.0] * 3, "az": [90.0, 270.0, 270.0], "cid": [11, 12, 21],
         "pci": [5, 6, 5], "site": ["A", "A", "B"]}
    )  # fmt: skip
    sites = cell_sites(frame, x="x", y="y", azimuth="az", cell_id="cid", pci="pci", site_id="site")
    x = np.array([301.0, 301.0, 651.0, 651.0, 51.0])
    prediction = predict_rsrp_points(dsm, dtm, sites, x, np.full(5, 399.0))
    match = match_serving_cells(
        sites, prediction, cell_id=np.array([12, 999, 999, np.nan, np.nan]), pci=np.array([np.nan, 5, 5, np.nan, 7])
    )
    # 12 by id; PCI 5 is cells 11 (A, east) and 21 (B, west): the stronger at the point;
    # the rest: the predicted strongest.
    assert match.cell.tolist() == [1, 0, 2, 2, 1]
    assert match.how.tolist() == ["cell_id", "pci", "pci", "predicted", "predicted"]
    assert match.site.tolist() == ["A", "A", "B", "B", "A"]
    assert match.counts() == {"cell_id": 1, "pci": 2, "predicted": 2}


# -- the sample city's drive tests (acceptance) -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_city(tmp_path_factory):
    from citytwin.layers.cells import read_drive_test
    from citytwin.layers.samplecity import generate_sample_city
    from citytwin.twin.terrain import surfaces_from_file

    files = generate_sample_city(tmp_path_factory.mktemp("city"), small=True)
    surfaces = surfaces_from_file(files.files["pointcloud"][0], cell_size=2.0)
    gt = surfaces.spec.geotransform
    dsm = Surface(surfaces.masked("dsm"), gt[0], gt[3], gt[1], -gt[5], surfaces.crs_wkt)
    dtm = Surface(surfaces.masked("dtm"), gt[0], gt[3], gt[1], -gt[5], surfaces.crs_wkt)
    engineering = files.files["sites_engineering"][0]
    sites = cell_sites(
        pd.read_csv(engineering), x="lon", y="lat", site_id="site_id", cell_id="cell_id", pci="pci",
        height="antenna_height_m", power="tx_power_dbm", frequency="frequency_mhz", earfcn="earfcn",
        azimuth="azimuth_deg", crs="EPSG:4326", source=str(engineering),
    )  # fmt: skip
    drives = pd.concat([read_drive_test(p).measurements for p in files.files["drive_test"]], ignore_index=True)
    return {"dsm": dsm, "dtm": dtm, "sites": sites, "drives": drives}


def _predict_drives(city, extra_loss_db: float):
    drives = city["drives"]
    prediction = predict_rsrp_points(
        city["dsm"], city["dtm"], city["sites"], drives["lon"].to_numpy(), drives["lat"].to_numpy(),
        crs="EPSG:4326", extra_loss_db=extra_loss_db,
    )  # fmt: skip
    match = match_serving_cells(city["sites"], prediction, drives["cell_id"].to_numpy(), drives["pci"].to_numpy())
    return prediction, match


@pytest.mark.slow
def test_sample_city_prediction_against_the_drive_tests(sample_city):
    from citytwin.layers.samplecity.radio import EXTRA_LOSS_DB

    measured = sample_city["drives"]["rsrp_dbm"].to_numpy()
    assert sample_city["sites"].notes() == []  # the engineering table is complete
    prediction, match = _predict_drives(sample_city, 0.0)
    assert match.counts() == {"cell_id": measured.size}  # the table's ECIs are the drive tests'
    raw = compare_drive_test(prediction.rsrp, measured, match.site)
    calibration = calibrate_site_offsets(prediction.rsrp, measured, match.site)
    truth_model, _ = _predict_drives(sample_city, EXTRA_LOSS_DB)
    known_losses = compare_drive_test(truth_model.rsrp, measured, match.site)
    print(f"\nsample city drive tests, 38.901 UMa + DSM LOS, no extra loss: {raw.summary()}")
    print(raw.per_site.round(2).to_string(index=False))
    print(
        f"per-site calibration: RMSE {calibration.rmse_before_db:.1f} -> {calibration.rmse_after_db:.1f} dB "
        f"(held-out half: {calibration.holdout_rmse_before_db:.1f} -> {calibration.holdout_rmse_after_db:.1f} dB, "
        f"{calibration.n_holdout} samples); offsets {dict((k, round(v, 1)) for k, v in calibration.offsets_db.items())}"
    )
    print(f"with the generator's {EXTRA_LOSS_DB:g} dB extra loss: {known_losses.summary()}")
    # The drive tests were simulated with the same 38.901 formulas plus 10 dB of vehicle and
    # feeder loss, 4-6 dB shadow fading and LOS from the analytic buildings; the prediction
    # knows the buildings only from the lidar DSM. Hence: a strong correlation, the model's
    # bias equal to the 10 dB it was not told (minus the ~1 dB by which the strongest of 15
    # shadowed sectors exceeds its median), and an error spread near the shadow fading.
    assert raw.correlation > 0.8
    assert raw.rmse_db < 15.0
    assert raw.bias_db == pytest.approx(EXTRA_LOSS_DB, abs=2.5)
    assert raw.std_db < 7.0
    assert known_losses.bias_db == pytest.approx(0.0, abs=2.0) and known_losses.rmse_db < 7.0
    assert all(offset == pytest.approx(-EXTRA_LOSS_DB, abs=3.0) for offset in calibration.offsets_db.values())
    assert calibration.holdout_rmse_after_db < calibration.holdout_rmse_before_db - 3.0
    assert calibration.holdout_rmse_after_db < 7.0


@pytest.mark.slow
def test_sample_city_los_from_the_dsm_matches_the_analytic_buildings(sample_city):
    from citytwin.layers.samplecity.model import build_city
    from citytwin.layers.samplecity.radio import PHONE_HEIGHT_M, _host_building, segment_blocked
    from citytwin.processing.navcomm.coverage import host_structure
    from citytwin.processing.navcomm.visibility import segment_clear

    city = build_city()
    dsm = sample_city["dsm"]
    rng = np.random.default_rng(5)
    xy = np.column_stack([rng.uniform(448_800, 450_000, 6000), rng.uniform(4_417_200, 4_418_200, 6000)])
    xy = xy[city.land_cover(xy[:, 0], xy[:, 1]) != 1][:3000]  # outdoor receivers
    end = np.column_stack([xy, city.ground_z(xy[:, 0], xy[:, 1]) + PHONE_HEIGHT_M])
    shares = []
    for site in city.sites:
        start = np.array([site.x, site.y, float(city.ground_z(site.x, site.y)) + site.antenna_height])
        truth = ~segment_blocked(city, np.tile(start, (len(end), 1)), end, _host_building(city, site))
        host = host_structure(dsm, site.x, site.y, float(city.ground_z(site.x, site.y)))
        shares.append(float(np.mean(segment_clear(dsm, start, end, host) == truth)))
    print(f"\nLOS from the 2 m lidar DSM = LOS through the model's boxes: {np.round(shares, 3).tolist()}")
    # Measured 96-100 %: the DSM rounds box edges to 2 m cells and holds the park's trees.
    assert min(shares) > 0.95


@pytest.mark.slow
def test_sample_city_grid_agrees_with_the_point_prediction(sample_city):
    dsm, dtm, sites = sample_city["dsm"], sample_city["dtm"], sample_city["sites"]
    grid = predict_rsrp_grid(dsm, dtm, sites)
    assert grid.site_report["status"].eq("used").all() and not any("below" in n for n in grid.notes)
    rng = np.random.default_rng(2)
    rows, cols = np.nonzero(np.isfinite(grid.rsrp))
    pick = rng.choice(rows.size, 3000, replace=False)
    xs, ys = dsm.cell_centres()
    points = predict_rsrp_points(dsm, dtm, sites, xs[cols[pick]], ys[rows[pick]])
    same_los = grid.los[rows[pick], cols[pick]] == points.los
    print(f"\ngrid (viewshed) and points (segments) agree on LOS for {same_los.mean():.2%} of 3000 cells")
    assert same_los.mean() > 0.98
    # Where the serving link's LOS agrees, both are the same formula at the same geometry.
    agree = same_los & (grid.server[rows[pick], cols[pick]] == points.server)
    assert agree.mean() > 0.97
    np.testing.assert_allclose(grid.rsrp[rows[pick], cols[pick]][agree], points.rsrp[agree], atol=1e-3)
    assert 0.2 < grid.los[np.isfinite(grid.rsrp)].mean() < 0.8
