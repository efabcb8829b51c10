"""Carbon core against hand-computed values: factors, buildings, traffic, vegetation, ledger, inventories."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely

from citytwin.common.errors import InputError
from citytwin.layers.grid import GridSpec
from citytwin.processing.carbon import buildings as bld
from citytwin.processing.carbon import inventory as inv
from citytwin.processing.carbon import ledger as led
from citytwin.processing.carbon import traffic as trf
from citytwin.processing.carbon import vegetation as veg
from citytwin.processing.carbon.factors import C_TO_CO2, DEFAULT_TABLE, load_factor_table

EPSG_4548 = "EPSG:4548"


@pytest.fixture(scope="module")
def factors():
    return load_factor_table()


def _write_table(path, rows, header="sector,factor,scope,value,unit,indicative,source,note"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


# -- factor table ----------------------------------------------------------------------
def test_default_table_values_and_unit_conversions(factors):
    # MEE & NBS 2022 regional grid factors, as the issue lists them.
    expected = {"national": 0.5366, "north_china": 0.6776, "northeast": 0.5564, "east": 0.5617,
                "central": 0.5395, "northwest": 0.5857, "south": 0.3869, "southwest": 0.2268}  # fmt: skip
    for region, value in expected.items():
        row = factors.get("grid_ef", region)
        assert row.value == value and row.unit == "kgCO2/kWh" and "MEE" in row.source and not row.indicative
    # 0.27 GJ/m2/yr = 0.27e9 J / 3.6e6 J/kWh = 75 kWh/m2/yr
    assert factors.value("heat_intensity", "office") == pytest.approx(75.0)
    # 0.11 tCO2/GJ = 110 kg / 277.78 kWh = 0.396 kgCO2/kWh
    assert factors.value("heat_ef", "district_heat") == pytest.approx(0.396)
    # 0.28 kgC/m2/yr = 2.8 tC/ha/yr = 2.8 * 44/12 tCO2/ha/yr
    assert factors.value("landcover_sink", "trees") == pytest.approx(2.8 * 44 / 12)
    assert pytest.approx(3.6667, abs=1e-4) == C_TO_CO2
    assert factors.value("copert_rf", "bus_diesel") == 0.0
    # Every row has a unit, a source and says whether it is indicative.
    assert all(f.unit and f.source for f in factors)
    assert factors.get("elec_intensity", "office").indicative


def test_user_table_units_are_converted(tmp_path):
    table = load_factor_table(
        _write_table(
            tmp_path / "f.csv",
            [
                "building,grid_ef,mine,677.6,gCO2/kWh,no,my utility,",
                "building,elec_intensity,office,0.1,MWh/m2/yr,no,x,",
            ],
        )
    )
    assert table.value("grid_ef", "mine") == pytest.approx(0.6776)
    assert table.value("elec_intensity", "office") == pytest.approx(100.0)
    assert table.get("grid_ef", "mine").reference == "grid_ef[mine] (f.csv:2)"


def test_toml_table_equals_csv(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text(
        '[[factor]]\nsector="building"\nfactor="grid_ef"\nscope="x"\nvalue=0.5\nunit="tCO2/MWh"\nsource="s"\n',
        encoding="utf-8",
    )
    assert load_factor_table(path).value("grid_ef", "x") == 0.5


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("building,grid_ef,x,0.5,,no,src,", "unit", "'unit' is empty"),
        ("building,grid_ef,x,0.5,kWh,no,src,", "unit", "not a unit of grid_ef"),
        ("building,grid_ef,x,abc,kgCO2/kWh,no,src,", "value", "not a number"),
        ("building,grid_ef,x,0.5,kgCO2/kWh,no,,", "source", "'source' is empty"),
        ("building,gridd_ef,x,0.5,kgCO2/kWh,no,src,", "factor", "unknown factor"),
    ],
)
def test_bad_factor_rows_name_file_line_and_field(tmp_path, row, field, words):
    path = _write_table(tmp_path / "bad.csv", ["building,grid_ef,ok,0.5,kgCO2/kWh,no,src,", row])
    with pytest.raises(InputError) as err:
        load_factor_table(path)
    assert err.value.line == 3 and err.value.field == field and words in str(err.value)
    assert "bad.csv" in str(err.value)


def test_duplicate_factor_and_missing_lookup(tmp_path, factors):
    path = _write_table(tmp_path / "dup.csv", ["b,grid_ef,x,0.5,kgCO2/kWh,no,s,", "b,grid_ef,x,0.6,kgCO2/kWh,no,s,"])
    with pytest.raises(InputError, match="given twice"):
        load_factor_table(path)
    with pytest.raises(InputError, match="no 'grid_ef' for 'mars'"):
        factors.get("grid_ef", "mars")


# -- buildings -------------------------------------------------------------------------
def test_building_of_known_area_floors_and_use(factors):
    # 1000 m2 footprint x 10 floors = 10 000 m2 office in North China, district heating:
    # electricity 80 kWh/m2 -> 800 MWh x 0.6776 = 542.08 t; heat 75 kWh/m2 -> 750 MWh x 0.396 = 297.0 t.
    out = bld.building_emissions([1000.0], ["office"], factors, floors=[10])
    row = out.iloc[0]
    assert row["floor_area_m2"] == 10_000 and row["floors_from"] == "attribute"
    assert row["co2_elec_t"] == pytest.approx(542.08)
    assert row["co2_heat_t"] == pytest.approx(297.0)
    assert row["co2_t"] == pytest.approx(839.08)
    assert row["grid_ef"] == 0.6776 and row["flag"] == ""
    assert "grid_ef[north_china] (factors_cn.csv:" in row["factor_refs"]


def test_floors_from_height_region_and_heating(factors):
    # 28 m residential / 2.8 m storeys = 10 floors; South grid 0.3869; gas boiler 0.2244 kg/kWh heat.
    out = bld.building_emissions([500.0], ["住宅"], factors, floors=[None], height_m=[28.0], region="south",
                                 heating="gas_boiler")  # fmt: skip
    row = out.iloc[0]
    assert row["floors_used"] == 10 and row["floors_from"] == "height" and row["use_class"] == "residential"
    assert row["co2_elec_t"] == pytest.approx(5000 * 30 / 1000 * 0.3869)
    assert row["co2_heat_t"] == pytest.approx(5000 * 75 / 1000 * 0.2244)
    assert "storey_height[residential]" in row["factor_refs"]


def test_bad_buildings_are_flagged_not_zero(factors):
    out = bld.building_emissions(
        [100.0, 100.0, 0.0, 100.0], ["spaceport", "office", "office", "office"], factors,
        floors=[3, None, 2, 0], height_m=[None, None, 10, float("nan")],
    )  # fmt: skip
    assert "unknown use 'spaceport'" in out["flag"][0]
    assert "neither floors nor a height" in out["flag"][1]
    assert out["flag"][2] == "footprint has no area"
    assert "neither floors nor a height" in out["flag"][3]
    assert out["co2_t"].isna().all()


# -- traffic ---------------------------------------------------------------------------
def test_copert_form_by_hand(factors):
    car = trf.copert_classes(factors)["passenger_car_petrol"]
    v = 36.0
    by_hand = 0.012 * v**2 - 1.2 * v + 170 + 1500 / v
    assert car.ef(v) == pytest.approx(by_hand)
    assert car.ef(5.0) == pytest.approx(car.ef(10.0))  # below vmin: evaluated at vmin
    assert car.ef(200.0) == pytest.approx(car.ef(130.0))
    rational = trf.CopertClass("x", 1, 2, 3, 4, 0.5, 0.25, 2, 0.1, 5, 100)
    assert rational.ef(10.0) == pytest.approx((100 + 20 + 3 + 0.4) / (50 + 2.5 + 2) * 0.9)


def test_trajectory_of_known_speed(factors):
    # 101 fixes 1 s apart moving 10 m/s (36 km/h): 100 segments, 1 km.
    t = np.arange(101.0)
    x, y = 10.0 * t, np.zeros_like(t)
    segments, report = trf.trajectory_segments(x, y, t)
    assert report.counts == {"ok": 100} and report.km_driven == pytest.approx(1.0)
    np.testing.assert_allclose(segments["speed_kmh"], 36.0)
    classes = trf.copert_classes(factors)
    shares = trf.parse_fleet("passenger_car_petrol:1", factors)
    co2 = trf.segment_emissions(segments, classes, shares, expansion=1e6)
    ef = 0.012 * 36**2 - 1.2 * 36 + 170 + 1500 / 36
    assert co2.sum() == pytest.approx(ef * 1.0)  # g/km x 1 km x 1e6 / 1e6 t


def test_fleet_shares_are_normalised(factors):
    shares = trf.parse_fleet("passenger_car_petrol:3, bus_diesel:1", factors)
    assert shares == {"passenger_car_petrol": 0.75, "bus_diesel": 0.25}
    classes = trf.copert_classes(factors)
    mix = trf.fleet_ef(50.0, classes, shares)
    assert mix == pytest.approx(0.75 * classes["passenger_car_petrol"].ef(50) + 0.25 * classes["bus_diesel"].ef(50))
    with pytest.raises(InputError, match="unknown vehicle class 'tank'"):
        trf.parse_fleet("tank:1", factors)


def test_time_backwards_jumps_gaps_and_stops_are_flagged():
    t = np.array([0, 1, 2, 1.5, 3, 4, 5, 100, 101, 102], dtype=float)
    x = np.array([0, 10, 20, 25, 30, 5000, 40, 50, 50.2, 60], dtype=float)
    segments, report = trf.trajectory_segments(x, np.zeros_like(x), t)
    assert segments["status"].tolist() == [
        "ok", "ok", "time_backwards", "ok", "jump", "jump", "gap", "stop", "ok",
    ]  # fmt: skip
    notes = " ".join(report.notes())
    assert "time goes backwards" in notes and "position jumps" in notes and "gap" in notes
    with pytest.raises(InputError, match="no usable segment"):
        trf.trajectory_segments([0, 0], [0, 0], [5, 4])


def test_tracks_do_not_join():
    segments, report = trf.trajectory_segments(
        [0, 10, 1000, 1010], [0, 0, 0, 0], [0, 1, 2, 3], track=["a", "a", "b", "b"]
    )
    assert len(segments) == 2 and report.tracks == 2
    np.testing.assert_allclose(segments["speed_kmh"], 36.0)


def test_road_emissions_with_aadt(factors):
    road = shapely.LineString([(0, 0), (2000, 0)])
    far = shapely.LineString([(0, 5000), (1000, 5000)])
    t = np.arange(101.0)
    segments, _ = trf.trajectory_segments(10.0 * t, np.full_like(t, 3.0), t)
    classes = trf.copert_classes(factors)
    shares = {"passenger_car_petrol": 1.0}
    out = trf.road_emissions([road, far], [20000, 5000], segments, classes, shares, snap_m=10)
    ef = classes["passenger_car_petrol"].ef(36.0)
    assert out["co2_t"][0] == pytest.approx(ef * 2.0 * 20000 * 365 / 1e6)
    assert math.isnan(out["co2_t"][1]) and out["flag"][1] == "no GNSS speed on this road"
    assumed = trf.road_emissions([road, far], [20000, None], segments, classes, shares, 10, default_speed_kmh=30)
    assert "30 km/h assumed" in assumed["flag"][1] and math.isnan(assumed["co2_t"][1])  # no AADT either


# -- vegetation ------------------------------------------------------------------------
def _ndvi_raster(path, values, cell=10.0, epsg=4548, nodata=-9999.0, origin=(450000.0, 4418000.0)):
    from osgeo import gdal, osr

    values = np.asarray(values, dtype=np.float32)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), values.shape[1], values.shape[0], 1, gdal.GDT_Float32)
    ds.SetGeoTransform((origin[0], cell, 0, origin[1], 0, -cell))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    band.WriteArray(values)
    ds = None
    return path


def _read(path):
    from osgeo import gdal

    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    return band.ReadAsArray().astype(float), band.GetNoDataValue()


def test_casa_on_an_ndvi_patch_by_hand(tmp_path, factors):
    src = _ndvi_raster(tmp_path / "ndvi.tif", [[0.45, 0.45], [0.9, -9999]])
    report = veg.vegetation_sink_raster(src, tmp_path / "sink.tif", factors)
    # FPAR = (0.45-0.05)/(0.85-0.05)*(0.95-0.001)+0.001 = 0.4755; APAR = 5200*0.5*FPAR;
    # NPP = APAR*0.389*0.6 gC/m2; 100 m2 cells; x 1e-6 t/g x 44/12.
    fpar = (0.45 - 0.05) / 0.8 * 0.949 + 0.001
    by_hand = 5200 * 0.5 * fpar * 0.389 * 0.6 * 100 * 1e-6 * 44 / 12
    top = 5200 * 0.5 * 0.95 * 0.389 * 0.6 * 100 * 1e-6 * 44 / 12  # NDVI 0.9 > ndvi_max: FPAR_max
    out, nodata = _read(tmp_path / "sink.tif")
    assert out[0, 0] == pytest.approx(by_hand, rel=1e-6) and out[1, 0] == pytest.approx(top, rel=1e-6)
    assert out[1, 1] == nodata == veg.NODATA
    assert report.valid == 3 and report.total_t == pytest.approx(2 * by_hand + top, rel=1e-6)
    assert report.cell_area_m2 == 100.0


def test_landcover_factors_by_hand(tmp_path, factors):
    src = _ndvi_raster(tmp_path / "ndvi.tif", [[0.1, 0.3, 0.7]])
    veg.vegetation_sink_raster(src, tmp_path / "lc.tif", factors, method="landcover")
    out, _ = _read(tmp_path / "lc.tif")
    # 100 m2 = 0.01 ha: sealed 0, grass 1.0 t/ha, trees 0.28 kgC/m2 = 2.8*44/12 t/ha.
    np.testing.assert_allclose(out[0], [0.0, 0.01, 0.01 * 2.8 * 44 / 12], rtol=1e-6)


def test_ndvi_outside_range_is_flagged_and_scaled_image_refused(tmp_path, factors):
    src = _ndvi_raster(tmp_path / "ndvi.tif", [[0.5, 1.7, 0.5, 0.5]])
    report = veg.vegetation_sink_raster(src, tmp_path / "s.tif", factors)
    out, nodata = _read(tmp_path / "s.tif")
    assert report.out_of_range == 1 and out[0, 1] == nodata
    assert "outside [-1, 1]" in " ".join(report.notes())
    scaled = _ndvi_raster(tmp_path / "scaled.tif", [[4500, 7000], [3000, 8000]])
    with pytest.raises(InputError, match="set the NDVI scale to 0.0001") as err:
        veg.vegetation_sink_raster(scaled, tmp_path / "x.tif", factors)
    assert "scaled.tif" in str(err.value)
    assert not (tmp_path / "x.tif").exists() and not list(tmp_path.glob(".x*"))
    veg.vegetation_sink_raster(scaled, tmp_path / "x.tif", factors, scale=1e-4)
    assert (tmp_path / "x.tif").exists()


def test_geographic_ndvi_uses_cell_areas_on_the_sphere(tmp_path, factors):
    cell = 1 / 3600  # 1 arc-second
    src = _ndvi_raster(tmp_path / "ll.tif", [[0.7]], cell=cell, epsg=4326, origin=(116.4, 39.9 + cell))
    report = veg.vegetation_sink_raster(src, tmp_path / "s.tif", factors, method="landcover")
    r = 6371007.2
    area = r**2 * math.radians(cell) * (math.sin(math.radians(39.9 + cell)) - math.sin(math.radians(39.9)))
    assert report.cell_area_m2 == pytest.approx(area, rel=1e-9)
    assert 700 < area < 750  # ~30.9 m x 23.7 m at 40 N


# -- ledger ----------------------------------------------------------------------------
def test_grid_sum_and_lines_split_by_length():
    grid = GridSpec(0.0, 0.0, 100.0, 3, 2)
    sums, outside = led.grid_sum(grid, [50, 150, 150, 999], [50, 50, 150, 0], [1.0, 2.0, 4.0, 8.0])
    np.testing.assert_allclose(sums, [1, 2, 0, 0, 4, 0])
    assert outside == 8.0
    # A line from x=50 to x=250 along y=50: 50 m in cell 0, 100 m in cell 1, 50 m in cell 2.
    line_sums, _ = led.lines_grid_sum(grid, [shapely.LineString([(50, 50), (250, 50)])], [10.0])
    np.testing.assert_allclose(line_sums, [2.5, 5.0, 2.5, 0, 0, 0])


def test_district_of_cells_is_the_centre_rule():
    grid = GridSpec(0.0, 0.0, 10.0, 20, 10)
    west = shapely.Polygon([(0, 0), (93, 0), (117, 100), (0, 100)])
    east = shapely.Polygon([(93, 0), (200, 0), (200, 100), (117, 100)])
    owner = led.district_of_cells(grid, [west, east])
    bounds = grid.cell_bounds(np.arange(grid.n_cells))
    centres = shapely.points((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
    brute = np.where(shapely.contains(west, centres), 0, np.where(shapely.contains(east, centres), 1, -1))
    np.testing.assert_array_equal(owner, brute)


def test_ledger_totals_and_year_over_year(tmp_path):
    grid = GridSpec(0.0, 0.0, 10.0, 4, 2)
    left = shapely.box(0, 0, 20, 20)
    right = shapely.box(20, 0, 40, 20)
    heat = np.arange(8, dtype=float)  # cells 0,1,4,5 left; 2,3,6,7 right
    sink = np.full(8, 0.5)
    ledger = led.build_ledger(
        grid, {"buildings_heating": heat, "vegetation_sink": sink}, [left, right], ["左", "右"], 2024
    )
    table = ledger.table.set_index("district")
    assert table.loc["左", "buildings_heating_t"] == 0 + 1 + 4 + 5
    assert table.loc["右", "net_t"] == 2 + 3 + 6 + 7 - 2.0
    assert table.loc[led.TOTAL, "net_t"] == pytest.approx(heat.sum() - 4.0)
    assert table.loc["左", "area_km2"] == pytest.approx(400 / 1e6)
    assert led.OUTSIDE not in table.index
    previous = ledger.table.assign(net_t=ledger.table["net_t"] * 0.5)
    again = led.build_ledger(grid, {"buildings_heating": heat, "vegetation_sink": sink}, [left, right], ["左", "右"],
                             2025, previous=previous)  # fmt: skip
    row = again.table.set_index("district").loc["右"]
    assert row["change_net_t"] == pytest.approx(8.0) and row["change_net_pct"] == pytest.approx(100.0)
    for name in ("ledger.csv", "ledger.xlsx"):
        led.write_table(again.table, tmp_path / name)
        back = led.read_table(tmp_path / name)
        np.testing.assert_allclose(back["net_t"], again.table["net_t"], rtol=1e-3)
        assert back["district"].tolist()[:2] == ["左", "右"]


def test_balance_raster_is_north_up(tmp_path):
    from osgeo import gdal

    grid = GridSpec(100.0, 200.0, 10.0, 3, 2)
    values = np.zeros(6)
    values[5] = 7.0  # row 1 (top), col 2
    ledger = led.build_ledger(grid, {"traffic": values}, [shapely.box(100, 200, 130, 220)], ["a"], 2024)
    led.write_balance_raster(ledger, tmp_path / "b.tif", "EPSG:4548")
    ds = gdal.Open(str(tmp_path / "b.tif"))
    assert ds.GetGeoTransform() == (100.0, 10.0, 0.0, 220.0, 0.0, -10.0)
    assert [ds.GetRasterBand(i).GetDescription() for i in (1, 2)] == ["traffic_t", "net_t"]
    assert ds.GetRasterBand(2).ReadAsArray()[0, 2] == 7.0


def test_raster_to_grid_transforms_centres(tmp_path):
    # A 4x4 raster of 25 m cells, each 1.0: the 100 m grid cell over it gets 16.
    src = _ndvi_raster(tmp_path / "r.tif", np.ones((4, 4)), cell=25.0, origin=(450000.0, 4418000.0))
    grid = GridSpec.covering((449990.0, 4417890.0, 450110.0, 4418010.0), 100.0)
    sums, outside = led.raster_grid_sum(src, grid, "EPSG:4548")
    assert sums.sum() == 16.0 and outside == 0.0
    assert sums[grid.cell_ids(np.array([450050.0]), np.array([4417950.0]))[0]] == 16.0


# -- inventories -----------------------------------------------------------------------
def _odiac(path, months, value_c=1.0):
    from osgeo import gdal, osr

    ds = gdal.GetDriverByName("GTiff").Create(str(path), 4, 4, months, gdal.GDT_Float32)
    ds.SetGeoTransform((116.0, 0.25, 0, 40.0, 0, -0.25))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    for b in range(1, months + 1):
        ds.GetRasterBand(b).WriteArray(np.full((4, 4), value_c, np.float32))
    ds = None
    return path


def test_odiac_carbon_to_co2_and_months(tmp_path):
    grid = inv.read_inventory(_odiac(tmp_path / "o.tif", 12), "odiac")
    assert grid.values[0, 0] == pytest.approx(12 * 44 / 12)
    half = inv.read_inventory(_odiac(tmp_path / "h.tif", 6), "odiac")
    assert half.values[0, 0] == pytest.approx(44.0) and any("scaled to a year" in n for n in half.notes)


def test_edgar_text_and_area_weighted_districts(tmp_path):
    path = tmp_path / "edgar.txt"
    path.write_text(
        "EDGAR v8 sample\nyear 2022\nlat;lon;emission 2022 (tons)\n39.95;116.45;1000\n39.95;116.55;3000\n",
        encoding="utf-8",
    )
    grid = inv.read_inventory(path, "edgar")
    assert grid.values.shape == (1, 2) and grid.total_t == 4000
    np.testing.assert_allclose(grid.geotransform, (116.4, 0.1, 0, 40.0, 0, -0.1))
    # A district covering the west half of the first cell gets about half its value.
    district = shapely.box(116.40, 39.90, 116.45, 40.0)
    out = inv.district_totals(grid, [district], "EPSG:4326")
    assert out["inventory_t"][0] == pytest.approx(500.0, rel=2e-3)
    assert out["coverage"][0] == pytest.approx(1.0, rel=1e-6)


def test_edgar_units_and_flux(tmp_path):
    assert inv._edgar_factor("Tonnes", tmp_path) == ("mass", 1.0)
    assert inv._edgar_factor("kg", tmp_path) == ("mass", 1e-3)
    assert inv._edgar_factor("kg m-2 s-1", tmp_path) == ("flux", None)
    with pytest.raises(InputError, match="unknown EDGAR unit 'furlongs'"):
        inv._edgar_factor("furlongs", tmp_path)
    areas = inv._cell_areas((116.0, 0.1, 0, 40.0, 0, -0.1), (1, 1))
    assert areas[0, 0] == pytest.approx(
        6371007.2**2 * math.radians(0.1) * (math.sin(math.radians(40)) - math.sin(math.radians(39.9)))
    )


def test_reconcile_table():
    ledger = pd.DataFrame(
        {"district": ["a", "b", "Total"], "traffic_t": [10.0, 30.0, 40.0], "buildings_heating_t": [1.0, 1.0, 2.0]}
    )
    totals = pd.DataFrame({"inventory_t": [20.0, 30.0], "coverage": [1.0, 1.0]})
    out = inv.reconcile(ledger, totals, ["traffic_t", "buildings_heating_t"], ["a", "b"])
    assert out["ours_t"].tolist() == [11.0, 31.0, 42.0]
    assert out["ratio"].iloc[0] == pytest.approx(0.55) and out["difference_t"].iloc[2] == pytest.approx(-8.0)


def test_chart_png(tmp_path):
    from citytwin.processing.carbon.chart import write_ledger_chart

    table = pd.DataFrame({"district": ["东华门街道", "景山街道", "Total"], "buildings_heating_t": [100.0, 50.0, 150.0],
                          "vegetation_sink_t": [10.0, 30.0, 40.0], "net_t": [90.0, 20.0, 110.0]})  # fmt: skip
    path = write_ledger_chart(table, tmp_path / "c.png", "Ledger 2024")
    from matplotlib.image import imread

    image = imread(path)
    assert image.shape[0] > 300 and image[..., :3].std() > 0.05


def test_shipped_table_is_the_default():
    assert DEFAULT_TABLE.name == "factors_cn.csv" and DEFAULT_TABLE.is_file()


def test_raster_to_grid_in_another_crs_and_outside(tmp_path):
    """The transform path (raster in GK, grid in UTM 50N) and the same-CRS path agree on what lies inside."""
    import pyproj

    values = np.arange(16, dtype=float).reshape(4, 4)
    values[0, 0] = -9999.0  # nodata
    src = _ndvi_raster(tmp_path / "r.tif", values, cell=25.0, origin=(450000.0, 4418000.0))
    to_utm = pyproj.Transformer.from_crs("EPSG:4548", "EPSG:32650", always_xy=True)
    x, y = to_utm.transform([449900.0, 450200.0], [4417800.0, 4418100.0])
    grid = GridSpec.covering((min(x), min(y), max(x), max(y)), 100.0)
    sums, outside = led.raster_grid_sum(src, grid, "EPSG:32650")
    assert sums.sum() + outside == values[values != -9999.0].sum() and outside == 0.0
    # Half the raster falls outside a grid that stops at its middle row (same CRS).
    half = GridSpec(449900.0, 4417950.0, 100.0, 3, 1)
    sums, outside = led.raster_grid_sum(src, half, "EPSG:4548", block_rows=1)
    assert sums.sum() == values[:2][values[:2] != -9999.0].sum() and outside == values[2:].sum()


# -- after review: cases a wrong implementation would pass ----------------------------------
def test_multipart_roads_do_not_bridge_their_gap():
    grid = GridSpec(0.0, 0.0, 100.0, 10, 1)
    road = shapely.MultiLineString([[(0, 50), (100, 50)], [(900, 50), (1000, 50)]])
    sums, _ = led.lines_grid_sum(grid, [road], [10.0])
    np.testing.assert_allclose(sums, [5, 0, 0, 0, 0, 0, 0, 0, 0, 5])


def test_interleaved_tracks_are_grouped_in_file_order():
    # Three vehicles, each 10 m/s east, exported sorted by time (rows interleaved).
    t = np.repeat(np.arange(11.0), 3)
    track = np.tile(["a", "b", "c"], 11)
    x = 10.0 * t + np.tile([0.0, 5000.0, 10000.0], 11)
    segments, report = trf.trajectory_segments(x, np.zeros_like(x), t, track=track)
    assert report.counts == {"ok": 30} and report.km_driven == pytest.approx(3 * 0.1)
    # The segment's first fix points back to the input row.
    first = segments[segments["track"] == "b"]["fix"].iloc[0]
    assert track[first] == "b" and t[first] == 0


def test_edgar_units_in_carbon_and_grid_steps(tmp_path):
    for text, factor in (("t C/yr", 44 / 12), ("tonnes C / year", 44 / 12), ("kg C", 1e-3 * 44 / 12), ("t CO2", 1.0)):
        assert inv._edgar_factor(text, tmp_path) == ("mass", pytest.approx(factor)), text
    assert inv._spacing(np.array([39.25, 39.75, 40.25]), np.array([116.25, 116.75])) == 0.5
    assert inv._spacing(np.array([39.95]), np.array([116.45, 116.55])) == pytest.approx(0.1)


def test_odiac_window_reads_only_around_the_districts(tmp_path):
    full = inv.read_inventory(_odiac(tmp_path / "o.tif", 12), "odiac")
    part = inv.read_inventory(tmp_path / "o.tif", "odiac", bounds=(116.30, 39.30, 116.45, 39.45))
    assert part.values.shape == (3, 3) and part.values.shape < full.values.shape
    np.testing.assert_allclose(part.geotransform, (116.0, 0.25, 0, 39.75, 0, -0.25))
    district = shapely.box(116.30, 39.30, 116.45, 39.45)
    a = inv.district_totals(full, [district], "EPSG:4326")["inventory_t"][0]
    b = inv.district_totals(part, [district], "EPSG:4326")["inventory_t"][0]
    assert a == pytest.approx(b) and a > 0


def test_small_and_reserved_districts(tmp_path):
    grid = GridSpec(0.0, 0.0, 100.0, 4, 1)
    big, small = shapely.box(0, 0, 300, 100), shapely.box(360, 60, 395, 95)  # small holds no centre
    ledger = led.build_ledger(grid, {"traffic": np.ones(4)}, [big, small], ["big", "small"], 2024)
    assert any("small (0)" in note for note in ledger.notes)
    with pytest.raises(InputError, match="reserved"):
        led.build_ledger(grid, {"traffic": np.ones(4)}, [big], [led.TOTAL], 2024)


def test_factor_values_must_make_sense(tmp_path):
    path = _write_table(tmp_path / "f.csv", ["building,storey_height,office,0,m,no,src,"])
    with pytest.raises(InputError, match="storey_height must be positive") as err:
        load_factor_table(path)
    assert err.value.line == 2 and err.value.field == "value"
    path = _write_table(tmp_path / "g.csv", ["building,grid_ef,x,-0.5,kgCO2/kWh,no,src,"])
    with pytest.raises(InputError, match="cannot be negative"):
        load_factor_table(path)
