"""The carbon algorithms run as a user's batch would (processing.run) on the sample city.

Truth: hand computation from the sample city's model (building boxes, floors, uses) with
the published factors typed in here, QGIS's own ``native:zonalstatisticsfb`` for the
district sums, and the closed-form inventory densities the sample city was made with.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsVectorLayer


class LogFeedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.lines = []

    def pushInfo(self, info):
        self.lines.append(info)

    def reportError(self, error, fatalError=False):  # noqa: N803 - Qt API
        self.lines.append(error)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def run(algorithm, params, feedback=None):
    import processing

    return processing.run(f"citytwin:{algorithm}", params, feedback=feedback or QgsProcessingFeedback())


@pytest.fixture(scope="module")
def truth(sample_city):
    return json.loads(sample_city.truth.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("carbon")


@pytest.fixture(scope="module")
def fixes(sample_city, work):
    """The June drive's GNSS fixes as a point layer with a time field (lat/lon, as NMEA gives them)."""
    import geopandas as gpd

    from citytwin.layers.nmea import read_nmea

    log = read_nmea(next(p for p in sample_city.files["nmea"] if "06-20" in p.name))
    epochs = log.epochs.dropna(subset=["lat", "lon"])
    frame = gpd.GeoDataFrame(
        {"time": epochs["time"].dt.tz_localize(None) if epochs["time"].dt.tz is not None else epochs["time"]},
        geometry=gpd.points_from_xy(epochs["lon"], epochs["lat"]),
        crs="EPSG:4490",
    )
    path = work / "fixes.gpkg"
    frame.to_file(path, layer="fixes")
    return path


@pytest.fixture(scope="module")
def ndvi(sample_city, work):
    from citytwin.layers.imagery import compute_indices

    image = next(p for p in sample_city.files["imagery"] if "0818" in p.name)
    report = compute_indices(image, "sentinel2_l2a", work / "ndvi", indices=("ndvi",))
    return next((work / "ndvi").glob("*ndvi*.tif")), report


@pytest.fixture(scope="module")
def chain(provider_registered, sample_city, work, fixes, ndvi):
    """buildings -> traffic -> sink -> ledger, as the dock runs them."""
    buildings = run(
        "buildingemissions",
        {"INPUT": str(sample_city.files["buildings"][0]), "OUTPUT": str(work / "buildings_co2.gpkg")},
    )
    traffic = run(
        "trafficemissions",
        {"INPUT": str(fixes), "TIME_FIELD": "time", "EXPANSION": 2000 * 365, "OUTPUT": str(work / "traffic.gpkg")},
    )
    sink = run("vegetationsink", {"INPUT": str(ndvi[0]), "OUTPUT": str(work / "sink.tif")})
    log = LogFeedback()
    ledger = run(
        "carbonledger",
        {
            "DISTRICTS": str(sample_city.files["districts"][0]),
            "NAME_FIELD": "name",
            "YEAR": 2024,
            "BUILDINGS": buildings["OUTPUT"],
            "TRAFFIC": traffic["OUTPUT"],
            "SINK": sink["OUTPUT"],
            "CELL_SIZE": 100,
            "GRID": str(work / "balance.tif"),
            "OUTPUT": str(work / "districts.gpkg"),
            "TABLE": str(work / "ledger.xlsx"),
            "CHART": str(work / "ledger.png"),
        },
        log,
    )
    return {"buildings": buildings, "traffic": traffic, "sink": sink, "ledger": ledger, "log": log.text}


def test_building_emissions_by_hand_from_the_model(chain, truth):
    frame = pyogrio.read_dataframe(chain["buildings"]["OUTPUT"])
    model = pd.DataFrame(truth["buildings"]).set_index("building_id")
    elec = {"residential": 30, "office": 80, "commercial": 150, "public": 60, "industrial": 120}  # kWh/m2/yr
    heat_gj = {"residential": 0.27, "office": 0.27, "commercial": 0.27, "public": 0.27, "industrial": 0.18}
    for row in frame.itertuples():
        b = model.loc[row.id]
        area = (b.xmax - b.xmin) * (b.ymax - b.ymin) * b.floors
        expected = area * elec[b.use] / 1000 * 0.6776 + area * heat_gj[b.use] * 0.11  # MWh x kg/kWh = t; GJ x t/GJ
        assert row.co2_t == pytest.approx(expected, rel=1e-6), row.id
    assert chain["buildings"]["TOTAL"] == pytest.approx(frame["co2_t"].sum()) and chain["buildings"]["FLAGGED"] == 0
    assert set(frame["floors_from"]) == {"attribute"} and frame["factor_refs"].str.contains("grid_ef").all()


def test_ledger_equals_qgis_zonal_statistics(chain, sample_city):
    """Acceptance: the district totals equal native:zonalstatisticsfb (sum) on the same raster and districts."""
    import processing

    ledger = pyogrio.read_dataframe(chain["ledger"]["OUTPUT"]).set_index("name")
    districts = QgsVectorLayer(f"{sample_city.files['districts'][0]}|layername=districts", "districts", "ogr")
    assert districts.isValid()
    ds = gdal.Open(chain["ledger"]["GRID"])
    bands = {ds.GetRasterBand(i).GetDescription(): i for i in range(1, ds.RasterCount + 1)}
    assert list(bands) == ["buildings_electricity_t", "buildings_heating_t", "traffic_t", "vegetation_sink_t", "net_t"]
    for column, band in bands.items():
        zonal = processing.run(
            "native:zonalstatisticsfb",
            {
                "INPUT": districts,
                "INPUT_RASTER": chain["ledger"]["GRID"],
                "RASTER_BAND": band,
                "COLUMN_PREFIX": "z_",
                "STATISTICS": [1],
                "OUTPUT": "memory:",
            },
        )["OUTPUT"]
        sums = {f["name"]: f["z_sum"] for f in zonal.getFeatures()}
        assert len(sums) == 4
        for name, value in sums.items():
            assert ledger.loc[name, column] == pytest.approx(value, rel=1e-9, abs=1e-6), (column, name)
    # Every sector is there and adds up: the table's total is the raster's total.
    table = pd.read_excel(chain["ledger"]["TABLE"], sheet_name="Ledger").set_index("district")
    net = ds.GetRasterBand(bands["net_t"]).ReadAsArray()
    assert table.loc["Total", "net_t"] == pytest.approx(net.sum(), rel=1e-9)
    assert chain["ledger"]["NET"] == pytest.approx(net.sum(), rel=1e-9)
    assert (table.loc[ledger.index, "buildings_heating_t"] > 0).all() and (
        table.loc[ledger.index, "traffic_t"] > 0
    ).all()


def test_ledger_keeps_every_tonne(chain):
    """Buildings, traffic and uptake totals survive the gridding (the districts cover the city)."""
    table = pd.read_excel(chain["ledger"]["TABLE"], sheet_name="Ledger").set_index("district")
    buildings = pyogrio.read_dataframe(chain["buildings"]["OUTPUT"])
    assert table.loc["Total", "buildings_electricity_t"] + table.loc["Total", "buildings_heating_t"] == pytest.approx(
        buildings["co2_t"].sum(), rel=1e-9
    )
    assert table.loc["Total", "traffic_t"] == pytest.approx(chain["traffic"]["TOTAL"], rel=1e-9)
    # The NDVI image reaches beyond the districts: what lies outside their grid is reported, not dropped silently.
    import re

    outside = re.search(r"([\d,.]+) tCO2/yr of 'sink' lie outside the grid", chain["log"])
    assert outside, chain["log"]
    outside_t = float(outside.group(1).replace(",", ""))
    assert 0 < outside_t < 0.05 * chain["sink"]["TOTAL"]
    assert table.loc["Total", "vegetation_sink_t"] + outside_t == pytest.approx(chain["sink"]["TOTAL"], abs=0.06)
    about = pd.read_excel(chain["ledger"]["TABLE"], sheet_name="About", header=None)
    assert "zonal statistics" in " ".join(about.astype(str).to_numpy().ravel())
    # The Factors sheet lists the table behind the numbers, with units and sources.
    factors = pd.read_excel(chain["ledger"]["TABLE"], sheet_name="Factors")
    row = factors[(factors["factor"] == "grid_ef") & (factors["scope"] == "north_china")].iloc[0]
    assert row["value"] == 0.6776 and row["canonical unit"] == "kgCO2/kWh" and "MEE" in row["source"]


def test_chart_is_written(chain):
    from matplotlib.image import imread

    image = imread(chain["ledger"]["CHART"])
    assert image.shape[1] >= 1000 and image[..., :3].std() > 0.05


def test_year_over_year(chain, sample_city, work):
    previous = pd.read_excel(chain["ledger"]["TABLE"], sheet_name="Ledger")
    previous["net_t"] = previous["net_t"] * 0.9
    previous["year"] = 2023
    previous.to_csv(work / "ledger_2023.csv", index=False, encoding="utf-8-sig")
    result = run(
        "carbonledger",
        {
            "DISTRICTS": str(sample_city.files["districts"][0]),
            "YEAR": 2024,
            "BUILDINGS": chain["buildings"]["OUTPUT"],
            "PREVIOUS": str(work / "ledger_2023.csv"),
            "GRID": str(work / "balance_b.tif"),
            "OUTPUT": str(work / "districts_b.gpkg"),
            "TABLE": str(work / "ledger_b.csv"),
        },
    )
    table = pd.read_csv(result["TABLE"], encoding="utf-8-sig").set_index("district")
    assert table["prev_year"].iloc[0] == 2023
    assert "traffic_t" not in table.columns  # only buildings were given
    # buildings-only net vs 0.9 x the full net of the first run: the change is their difference.
    expected = table["net_t"] - previous.set_index("district")["net_t"]
    np.testing.assert_allclose(table["change_net_t"], expected.loc[table.index], rtol=1e-6)


def test_traffic_speeds_and_log(chain, fixes):
    frame = pyogrio.read_dataframe(chain["traffic"]["OUTPUT"])
    assert {"cell_id", "co2_t", "probe_km", "speed_kmh"} <= set(frame.columns)
    assert 5 < np.nanmedian(frame["speed_kmh"]) < 80  # a city drive
    assert chain["traffic"]["TOTAL"] == pytest.approx(frame["co2_t"].sum())


def test_traffic_on_roads_with_aadt(provider_registered, fixes, work):
    import geopandas as gpd
    import shapely

    points = gpd.read_file(fixes).to_crs("EPSG:4548")
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    road = shapely.LineString(xy[:60])  # the drive's first minute as a road
    roads = gpd.GeoDataFrame({"aadt": [15000.0]}, geometry=[road], crs="EPSG:4548")
    roads.to_file(work / "roads.gpkg")
    result = run(
        "trafficemissions",
        {"INPUT": str(fixes), "ROADS": str(work / "roads.gpkg"), "AADT_FIELD": "aadt", "SNAP": 5, "OUTPUT": "memory:"},
    )
    feature = next(result["OUTPUT"].getFeatures())
    assert feature["probe_segments"] >= 50 and feature["flag"] == ""
    assert feature["co2_t"] == pytest.approx(feature["ef_g_km"] * feature["length_km"] * 15000 * 365 / 1e6)


def _expected_district_inventory(truth, key, cells_per_degree, margin, districts):
    """Closed-form inventory cells (the generator's densities) shared by geodesic area of cell ∩ district."""
    import pyproj
    import shapely

    from citytwin.layers.samplecity import carbon as sc

    rect = tuple(truth["inventory"]["rectangle"])
    gt, shape = sc.inventory_grid(rect, cells_per_degree, margin)
    values = sc.emission_grid(rect, gt, shape, truth["inventory"][key]["d_city_tco2_km2"],
                              truth["inventory"][key]["d_bg_tco2_km2"])  # fmt: skip
    geod = pyproj.Geod(ellps="GRS80")
    to_ll = pyproj.Transformer.from_crs("EPSG:4548", "EPSG:4490", always_xy=True)
    out = {}
    for name, polygon in districts.items():
        ll = shapely.transform(shapely.segmentize(polygon, 10.0), lambda xy: np.column_stack(to_ll.transform(*xy.T)))
        total = 0.0
        for r in range(shape[0]):
            for c in range(shape[1]):
                cell = shapely.box(
                    gt[0] + c * gt[1], gt[3] + (r + 1) * gt[5], gt[0] + (c + 1) * gt[1], gt[3] + r * gt[5]
                )
                part = ll.intersection(cell)
                if not part.is_empty:
                    cell_area = abs(geod.geometry_area_perimeter(shapely.segmentize(cell, gt[1] / 50))[0])
                    total += values[r, c] * abs(geod.geometry_area_perimeter(part)[0]) / cell_area
        out[name] = total
    return out


def test_reconcile_against_closed_form_inventories(chain, sample_city, truth):
    import geopandas as gpd

    frame = gpd.read_file(sample_city.files["districts"][0])
    districts = dict(zip(frame["name"], frame.geometry))
    inventory = truth["inventory"]
    for kind, key, grid in (
        ("ODIAC", "odiac", (120, 2)),
        ("EDGAR", "edgar_total", (10, 1)),
        ("EDGAR", "edgar_tro", (10, 1)),
    ):
        expected = _expected_district_inventory(truth, key, *grid, districts)
        result = run(
            "reconcileinventory",
            {"LEDGER": chain["ledger"]["OUTPUT"], "INVENTORY": str(sample_city.folder / inventory[key]["file"]),
             "KIND": ["ODIAC", "EDGAR"].index(kind), "COMPARE": 2 if key == "edgar_tro" else 0, "OUTPUT": "memory:"},
        )  # fmt: skip
        features = list(result["OUTPUT"].getFeatures())
        assert len(features) == 4
        for feature in features:
            assert feature["inventory_t"] == pytest.approx(expected[feature["name"]], rel=2e-3), (key, feature["name"])
            assert feature["coverage"] == pytest.approx(1.0, abs=1e-5)
            assert feature["ratio"] == pytest.approx(feature["ours_t"] / feature["inventory_t"])
        assert np.isfinite(result["RATIO"])


# -- bad input -------------------------------------------------------------------------
def test_bad_inputs_give_clear_messages(provider_registered, sample_city, work, ndvi):
    import geopandas as gpd
    import shapely

    buildings = str(sample_city.files["buildings"][0])
    with pytest.raises(QgsProcessingException, match="floors field, a height field or both"):
        run("buildingemissions", {"INPUT": buildings, "FLOORS_FIELD": "", "HEIGHT_FIELD": "", "OUTPUT": "memory:"})
    bad_table = work / "factors_bad.csv"
    bad_table.write_text(
        "sector,factor,scope,value,unit,indicative,source,note\nbuilding,grid_ef,north_china,0.6776,,no,MEE,\n",
        encoding="utf-8",
    )
    with pytest.raises(QgsProcessingException, match=r"factors_bad.csv, line 2, field 'unit'"):
        run("buildingemissions", {"INPUT": buildings, "FACTORS": str(bad_table), "OUTPUT": "memory:"})
    # Unknown use and missing height: flagged rows, not zeros.
    frame = gpd.read_file(buildings)
    frame.loc[0, "use"] = "spaceport"
    frame.loc[1, "floors"] = 0
    frame.loc[1, "height"] = None
    frame.to_file(work / "odd_buildings.gpkg")
    feedback = LogFeedback()
    result = run("buildingemissions", {"INPUT": str(work / "odd_buildings.gpkg"), "OUTPUT": "memory:"}, feedback)
    assert result["FLAGGED"] == 2 and "unknown use 'spaceport'" in feedback.text
    rows = {f["id"]: f for f in result["OUTPUT"].getFeatures()}
    assert rows[frame.loc[0, "id"]]["co2_t"] is None or str(rows[frame.loc[0, "id"]]["co2_t"]) == "NULL"
    # A trajectory with time going backwards and a teleporting jump: counted in the log.
    t = pd.date_range("2024-06-20 08:00", periods=8, freq="1s").to_numpy()
    t[4] = t[2]
    x = np.array([0, 10, 20, 30, 40, 5000, 60, 70], dtype=float) + 449000
    track = gpd.GeoDataFrame({"time": t}, geometry=shapely.points(x, np.full(8, 4417500.0)), crs="EPSG:4548")
    track.to_file(work / "odd_track.gpkg")
    feedback = LogFeedback()
    run("trafficemissions", {"INPUT": str(work / "odd_track.gpkg"), "OUTPUT": "memory:"}, feedback)
    assert "time goes backwards" in feedback.text and "position jumps" in feedback.text
    # NDVI stored x10000: refused with the scale to set, naming the file.
    source = gdal.Open(str(ndvi[0]))
    scaled = gdal.GetDriverByName("GTiff").CreateCopy(str(work / "ndvi_x10000.tif"), source)
    band = scaled.GetRasterBand(1)
    values = band.ReadAsArray()
    band.WriteArray(np.where(values == band.GetNoDataValue(), values, values * 10000))
    scaled = None
    with pytest.raises(QgsProcessingException, match=r"ndvi_x10000.tif.*set the NDVI scale to 0.0001"):
        run("vegetationsink", {"INPUT": str(work / "ndvi_x10000.tif"), "OUTPUT": str(work / "never.tif")})
    assert not (work / "never.tif").exists()
    with pytest.raises(QgsProcessingException, match="at least one of"):
        run("carbonledger", {"DISTRICTS": str(sample_city.files["districts"][0]), "GRID": "TEMPORARY_OUTPUT",
                             "OUTPUT": "memory:", "TABLE": str(work / "t.csv")})  # fmt: skip
