"""The subsidence algorithms run as a user's batch would (processing.run) on the sample city.

Truth is the sample city's model (truth/model.json: the bowl's velocity field, building
boxes), not CityTwin's own output.
"""

from __future__ import annotations

import json

import numpy as np
import pyogrio
import pyproj
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from citytwin.layers.insar import read_egms_csv


def run(algorithm, params, feedback=None):
    import processing

    return processing.run(f"citytwin:{algorithm}", params, feedback=feedback or QgsProcessingFeedback())


@pytest.fixture(scope="module")
def truth(sample_city):
    return json.loads(sample_city.truth.read_text(encoding="utf-8"))


def bowl_velocity(bowl, x, y):
    r2 = (x - bowl["x"]) ** 2 + (y - bowl["y"]) ** 2
    return -bowl["v_max_mm_yr"] * np.exp(-r2 / (2 * bowl["sigma_m"] ** 2))


def to_base(frame, truth):
    x, y = pyproj.Transformer.from_crs(frame.crs, truth["crs"], always_xy=True).transform(
        frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    )
    return np.asarray(x), np.asarray(y)


@pytest.fixture(scope="module")
def fitted(provider_registered, sample_city, tmp_path_factory):
    out = tmp_path_factory.mktemp("subsidence") / "fit.gpkg"
    l3 = sample_city.files["ps"][0]
    result = run("fittimeseries", {"INPUT": str(l3), "ANNUAL": True, "OUTPUT": str(out)})
    return result, out


def test_fit_recovers_the_bowl_and_keeps_the_series(fitted, truth, sample_city):
    result, out = fitted
    frame = pyogrio.read_dataframe(out)
    x, y = to_base(frame, truth)
    true_v = bowl_velocity(truth["bowl"], x, y)
    # Noise 1.5 mm over 3 years: σ(v) ≈ 0.2 mm/yr; 5 σ everywhere.
    assert np.all(np.abs(frame["vel"] - true_v) < 5 * frame["vel_sd"])
    assert np.all(frame["fit_flag"] == "") and result["FITTED"] == len(frame)
    # Seasonal term of the model: 4 mm, maximum on day 250.
    assert np.median(frame["ann_amp"]) == pytest.approx(truth["bowl"]["seasonal_amplitude_mm"], abs=0.3)
    peak = np.median(frame["ann_phase"]) / 360 * 365.25
    assert peak == pytest.approx(truth["bowl"]["seasonal_peak_doy"], abs=8)
    assert "rmse_in" in frame.columns and "D_20220103" in frame.columns  # EGMS's rmse kept beside the fit's
    source = read_egms_csv(sample_city.files["ps"][0])
    column = list(source.dates).index(np.datetime64("2022-12-29"))
    assert np.allclose(frame["D_20221229"], source.displacement[:, column], equal_nan=True)


def test_reference_point_removes_its_velocity(provider_registered, sample_city, truth, tmp_path):
    out = tmp_path / "fit_ref.gpkg"
    bowl = truth["bowl"]
    run(
        "fittimeseries",
        {
            "INPUT": str(sample_city.files["ps"][0]),
            "REFERENCE_POINT": f"{bowl['x']},{bowl['y']} [{truth['crs']}]",
            "REFERENCE_RADIUS": 80,  # metres, although the EGMS CSV is in latitude/longitude
            "OUTPUT": str(out),
        },
    )
    frame = pyogrio.read_dataframe(out)
    x, y = to_base(frame, truth)
    near = np.hypot(x - bowl["x"], y - bowl["y"]) < 60
    assert near.any()
    assert np.abs(np.median(frame["vel"][near])) < 1.0  # the reference moves with the bowl's centre
    r = np.hypot(x - bowl["x"], y - bowl["y"])
    far = r > np.quantile(r, 0.9)  # outside the bowl: moving up relative to its centre
    expected = bowl_velocity(bowl, x[far], y[far]) - bowl_velocity(bowl, bowl["x"], bowl["y"])
    assert np.median(frame["vel"][far] - expected) == pytest.approx(0.0, abs=1.5)


def test_decomposition_gives_the_vertical_bowl(provider_registered, sample_city, truth, tmp_path):
    # The user's path: EGMS CSVs imported first (importps), then decomposed.
    asc, desc = tmp_path / "asc.gpkg", tmp_path / "desc.gpkg"
    run("importps", {"INPUT": str(sample_city.files["ps"][1]), "OUTPUT": str(asc)})
    run("importps", {"INPUT": str(sample_city.files["ps"][2]), "OUTPUT": str(desc)})
    out = tmp_path / "updown.gpkg"
    result = run(
        "decomposelos",
        {"ASCENDING": str(asc), "DESCENDING": str(desc), "MAX_DISTANCE": 25, "OUTPUT": str(out)},
    )
    frame = pyogrio.read_dataframe(out)
    assert result["PAIRS"] == len(frame) > 10
    x, y = to_base(frame, truth)
    error = frame["vertical"] - bowl_velocity(truth["bowl"], x, y)
    # The pair's two points are up to 25 m apart on the bowl's flank (gradient up to 0.1 mm/yr/m).
    assert np.median(np.abs(error)) < 1.5
    # The EGMS CSVs straight away (CityTwin's reader, not OGR's CSV driver): the same pairs.
    direct = tmp_path / "updown_csv.gpkg"
    run(
        "decomposelos",
        {
            "ASCENDING": str(sample_city.files["ps"][1]),
            "DESCENDING": str(sample_city.files["ps"][2]),
            "ASC_FIELD": "mean_velocity",
            "DESC_FIELD": "mean_velocity",
            "MAX_DISTANCE": 25,
            "OUTPUT": str(direct),
        },
    )
    same = pyogrio.read_dataframe(direct)
    assert len(same) == len(frame) and np.allclose(np.sort(same["vertical"]), np.sort(frame["vertical"]), atol=1e-4)


def test_rate_surface_matches_the_bowl_where_supported(fitted, truth, tmp_path):
    _, fit = fitted
    out = tmp_path / "rate.tif"
    run("subsidencerate", {"INPUT": str(fit), "FIELD": "vel", "CELL_SIZE": 25, "RADIUS": 120, "OUTPUT": str(out)})
    ds = gdal.Open(str(out))
    band = ds.GetRasterBand(1)
    values = band.ReadAsArray()
    nodata = band.GetNoDataValue()
    gt = ds.GetGeoTransform()
    rows, cols = np.nonzero(values != nodata)
    assert rows.size > 50 and (values == nodata).any()  # masked where no point is near
    cx, cy = gt[0] + (cols + 0.5) * gt[1], gt[3] + (rows + 0.5) * gt[5]
    x, y = pyproj.Transformer.from_crs(ds.GetSpatialRef().ExportToWkt(), truth["crs"], always_xy=True).transform(cx, cy)
    error = values[rows, cols] - bowl_velocity(truth["bowl"], np.asarray(x), np.asarray(y))
    assert np.median(np.abs(error)) < 3.0


def test_hotspots_find_the_bowl(fitted, truth, tmp_path):
    _, fit = fitted
    out = tmp_path / "hot.gpkg"
    result = run("subsidencehotspots", {"INPUT": str(fit), "FIELD": "vel", "OUTPUT": str(out)})
    clusters = pyogrio.read_dataframe(out)
    subsiding = clusters[clusters["kind"] == "subsiding"]
    assert result["CLUSTERS"] == len(clusters) and len(subsiding) >= 1
    bowl = truth["bowl"]
    centre = pyproj.Transformer.from_crs(truth["crs"], clusters.crs, always_xy=True).transform(bowl["x"], bowl["y"])
    from shapely.geometry import Point

    assert subsiding.geometry.contains(Point(*centre)).any()
    assert (subsiding["mean_vel"] < -10).all()


def test_building_risk_flags_buildings_on_the_flank(fitted, truth, sample_city, tmp_path):
    _, fit = fitted
    out = tmp_path / "risk.gpkg"
    buildings = sample_city.files["buildings"][0]
    result = run(
        "buildingrisk",
        {
            "BUILDINGS": str(buildings),
            "POINTS": str(fit),
            "FIELD": "vel",
            "FIELD_KIND": 1,
            "YEARS": 30,
            "BUFFER": 60,  # the small sample city has 1-2 scatterers per roof: take the streets too
            "OUTPUT": str(out),
        },
    )
    risk = pyogrio.read_dataframe(out)
    source = pyogrio.read_dataframe(buildings)
    assert len(risk) == len(source) and set(source.columns) <= set(risk.columns)  # a copy with new fields
    assessed = risk[risk["ps_count"] >= 3]
    assert len(assessed) > 0
    # Truth: the bowl's slope across each building over 30 years, |∇v|·30 (mm/m), from the model.
    cx, cy = assessed.geometry.centroid.x.to_numpy(), assessed.geometry.centroid.y.to_numpy()
    bowl = truth["bowl"]
    r = np.hypot(cx - bowl["x"], cy - bowl["y"])
    slope = np.abs(bowl_velocity(bowl, cx, cy)) * r / bowl["sigma_m"] ** 2 * 30 / 1000  # dimensionless
    tilt = assessed["tilt"].to_numpy()
    ok = np.isfinite(tilt)
    assert np.corrcoef(tilt[ok], slope[ok])[0, 1] > 0.8
    assert result["AT_RISK"] == int(risk["damage_class"].isin(["slight", "moderate", "severe"]).sum())


def test_bad_inputs_are_named(provider_registered, tmp_path, sample_city):
    bare = tmp_path / "bare.gpkg"
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame({"v": [1.0]}, geometry=[Point(0, 0)], crs="EPSG:4548").to_file(bare)
    with pytest.raises(QgsProcessingException, match="no date fields"):
        run("fittimeseries", {"INPUT": str(bare), "OUTPUT": str(tmp_path / "x.gpkg")})
    no_crs = tmp_path / "no_crs.shp"  # no .prj: QGIS reads an unknown CRS
    gpd.GeoDataFrame({"vel": [1.0, 2.0, 3.0]}, geometry=[Point(0, 0), Point(1, 0), Point(0, 1)]).to_file(no_crs)
    with pytest.raises(QgsProcessingException, match="no CRS"):
        run("subsidencehotspots", {"INPUT": str(no_crs), "FIELD": "vel", "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="not a date"):
        run(
            "fittimeseries",
            {"INPUT": str(sample_city.files["ps"][0]), "STEPS": "2023-02-30", "OUTPUT": str(tmp_path / "y.gpkg")},
        )
    assert not (tmp_path / "y.gpkg").exists()
    bad_date = tmp_path / "bad_date.gpkg"
    gpd.GeoDataFrame({"D_20220101": [1.0], "D_20221345": [2.0]}, geometry=[Point(0, 0)], crs="EPSG:4548").to_file(
        bad_date
    )
    with pytest.raises(QgsProcessingException, match=r"D_20221345.*not a valid date|not a valid date.*D_20221345"):
        run("fittimeseries", {"INPUT": str(bad_date), "OUTPUT": str(tmp_path / "z.gpkg")})


def test_fit_of_a_layer_without_crs_warns_and_still_fits(provider_registered, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    dates = ["D_20220101", "D_20220113", "D_20220125", "D_20220206", "D_20220218"]
    series = {name: [float(-i), float(-2 * i)] for i, name in enumerate(dates)}
    series["D_20220113"] = [-1.0, np.nan]  # a gap in the second series
    layer = tmp_path / "ps_no_crs.shp"
    gpd.GeoDataFrame(series, geometry=[Point(0, 0), Point(10, 0)]).to_file(layer)

    class Feedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos = []

        def pushInfo(self, text):
            self.infos.append(text)

    feedback = Feedback()
    out = tmp_path / "fit_no_crs.gpkg"
    run("fittimeseries", {"INPUT": str(layer), "ANNUAL": False, "OUTPUT": str(out)}, feedback)
    frame = pyogrio.read_dataframe(out)
    years = 12 / 365.25
    assert np.allclose(frame["vel"], [-1 / years, -2 / years]) and list(frame["n_epochs"]) == [5, 4]
    assert any("no CRS" in text for text in feedback.infos)


def test_cancel_leaves_no_output(provider_registered, sample_city, tmp_path):
    class Cancel(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.cancel()

    out = tmp_path / "canceled.gpkg"
    with pytest.raises(QgsProcessingException, match="Canceled"):
        run("fittimeseries", {"INPUT": str(sample_city.files["ps"][0]), "OUTPUT": str(out)}, Cancel())
    assert not out.exists() and not list(tmp_path.glob(".*tmp*"))
