"""The sample city is coherent: every source agrees with the one model it comes from."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from citytwin.layers.base_description import read_description
from citytwin.layers.samplecity import generate_sample_city
from citytwin.layers.samplecity.model import build_city


@pytest.fixture(scope="module")
def city_files(tmp_path_factory):
    return generate_sample_city(tmp_path_factory.mktemp("city"), small=True)


def test_every_source_family_is_written_and_described(city_files):
    description = read_description(city_files.description)
    kinds = {s.kind for s in description.sources}
    assert kinds == {"nmea", "gpx", "opencellid", "drive_test", "imagery", "ps", "pointcloud", "buildings"}
    for source in description.sources:
        assert description.resolve(source.path).is_file(), source.path
    assert description.crs == "EPSG:4548" and description.cell_size_m == 100.0


def test_nmea_crosses_midnight_and_nlos_signals_are_weaker(city_files):
    from citytwin.layers.nmea import read_nmea

    log = read_nmea(city_files.files["nmea"][0])
    assert log.report.ok
    times = log.epochs["time"]
    assert times.min() < pd.Timestamp("2024-03-16", tz="UTC") < times.max()
    assert times.is_monotonic_increasing and times.diff().dropna().dt.total_seconds().eq(1).all()
    truth = pd.read_csv(city_files.folder / "truth" / "gnss_2024-03-15.csv", parse_dates=["time"])
    sats = log.satellites.merge(
        truth, on=["time", "constellation", "prn"], how="inner", suffixes=("", "_truth")
    ).dropna(subset=["cn0_dbhz"])
    assert len(sats) > 1000
    assert set(sats["constellation"]) == {"GPS", "BeiDou"}
    los_cn0, nlos_cn0 = sats.loc[sats["los"], "cn0_dbhz"].mean(), sats.loc[~sats["los"], "cn0_dbhz"].mean()
    assert los_cn0 - nlos_cn0 > 8.0  # reflected signals arrive much weaker
    np.testing.assert_allclose(sats["elevation_deg"], sats["elevation_deg_truth"], atol=0.51)


def test_ps_products_sink_in_the_bowl(city_files):
    from citytwin.layers.insar import read_egms_csv

    city = build_city()
    vertical = read_egms_csv(city_files.files["ps"][0])
    pts = vertical.points.to_crs(4548)
    expected = city.bowl.velocity(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    # The fitted velocity (least squares over 3 years with a 4 mm seasonal term) is
    # within about 1 mm/yr of the model's.
    assert np.abs(vertical.points["mean_velocity"].to_numpy() - expected).max() < 2.0
    assert vertical.points["mean_velocity"].min() < -35
    ascending = read_egms_csv(city_files.files["ps"][1])
    assert {"los_east", "los_up", "incidence_angle"} <= set(ascending.points.columns)
    assert ascending.n_dates == vertical.n_dates == 91  # every 12 days, 2022-2024


def test_lidar_roofs_are_the_buildings_heights(city_files):
    import laspy

    city = build_city()
    cloud = laspy.read(city_files.files["pointcloud"][0])
    x, y, z, cls = np.asarray(cloud.x), np.asarray(cloud.y), np.asarray(cloud.z), np.asarray(cloud.classification)
    assert set(np.unique(cls)) == {2, 5, 6, 9}
    assert "reflectance_db" in cloud.point_format.extra_dimension_names
    errors = []
    for b in city.buildings:
        inside = (cls == 6) & (x > b.xmin) & (x < b.xmax) & (y > b.ymin) & (y < b.ymax)
        ground = float(city.ground_z((b.xmin + b.xmax) / 2, (b.ymin + b.ymax) / 2))
        errors.append(np.median(z[inside]) - ground - b.height)
    assert np.abs(errors).max() < 0.05


def test_drive_test_rsrp_falls_with_distance(city_files):
    from citytwin.layers.cells import read_drive_test

    city = build_city()
    test = read_drive_test(city_files.files["drive_test"][0]).measurements.to_crs(4548)
    sites = np.array([[s.x, s.y] for s in city.sites])
    xy = np.column_stack([test.geometry.x, test.geometry.y])
    nearest = np.sqrt(((xy[:, None, :] - sites[None]) ** 2).sum(-1)).min(axis=1)
    correlation = np.corrcoef(np.log10(nearest), test["rsrp_dbm"])[0, 1]
    assert correlation < -0.4
    assert -100 < test["rsrp_dbm"].mean() < -60


def test_images_show_the_land_cover(city_files, tmp_path):
    from citytwin.layers.imagery import compute_indices, read_index_samples

    city = build_city()
    spring, summer = city_files.files["imagery"]
    means = {}
    for label, image in (("spring", spring), ("summer", summer)):
        report = compute_indices(image, "sentinel2_l2a", tmp_path / label)
        x, y, ndvi = read_index_samples(report.paths["ndvi"])
        import pyproj

        bx, by = pyproj.Transformer.from_crs(32650, 4548, always_xy=True).transform(x, y)
        cover = city.land_cover(bx, by)
        means[label] = {c: float(ndvi[cover == c].mean()) for c in (0, 1, 2, 3)}
        _, _, ndwi = read_index_samples(report.paths["ndwi"])
        assert ndwi[cover == 3].mean() > 0.4  # the lake
    assert means["summer"][2] > 0.7 and means["spring"][2] < means["summer"][2]  # vegetation greens up
    assert max(means["summer"][c] for c in (0, 1, 3)) < 0.25


def test_generation_is_deterministic(city_files, tmp_path):
    again = generate_sample_city(tmp_path / "again", small=True)

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    for kind in ("nmea", "drive_test", "opencellid", "ps"):
        for a, b in zip(city_files.files[kind], again.files[kind]):
            assert digest(a) == digest(b), a.name
    truth = json.loads(city_files.truth.read_text())
    assert truth["bowl"]["v_max_mm_yr"] == 45.0


def _carbon_truth(city_files) -> dict:
    return json.loads(city_files.truth.read_text(encoding="utf-8"))["inventory"]


def _expected_inventory_total(geotransform, shape, rectangle, d_city, d_bg) -> tuple[float, float, float]:
    """(tCO2/yr, A_rect, A_covered) with geodesic areas (pyproj.Geod) of lon/lat polygons.

    The generator measures areas in a Lambert azimuthal equal-area projection instead.
    """
    import pyproj
    import shapely
    from shapely.geometry import box

    geod = pyproj.Geod(ellps="WGS84")
    to_ll = pyproj.Transformer.from_crs(4548, 4326, always_xy=True)
    rect = shapely.transform(
        shapely.segmentize(box(*rectangle), 20.0), lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1]))
    )
    west, north = geotransform[0], geotransform[3]
    east, south = west + shape[1] * geotransform[1], north + shape[0] * geotransform[5]
    covered = box(west, south, east, north)
    assert covered.contains(rect)
    a_rect = abs(geod.geometry_area_perimeter(rect)[0]) / 1e6
    a_covered = abs(geod.geometry_area_perimeter(shapely.segmentize(covered, abs(geotransform[1]) / 50))[0]) / 1e6
    return d_city * a_rect + d_bg * (a_covered - a_rect), a_rect, a_covered


def test_districts_partition_the_rectangle_and_hold_the_city(city_files):
    import itertools

    import geopandas as gpd
    import shapely
    from shapely.geometry import box

    from citytwin.layers.samplecity.model import drive_route
    from citytwin.layers.samplecity.write import DRIVES

    truth = _carbon_truth(city_files)
    assert [p.name for p in city_files.files["districts"]] == ["districts.gpkg"]
    districts = gpd.read_file(city_files.files["districts"][0], layer="districts")
    assert districts.crs.to_epsg() == 4548 and len(districts) == 4
    assert set(districts["name"]) == {"东华门街道", "景山街道", "交道口街道", "安定门街道"}
    assert districts["code"].str.fullmatch(r"1101010\d\d").all() and districts["name_en"].str.len().gt(0).all()

    rectangle = box(*truth["rectangle"])
    geoms = list(districts.geometry)
    union = shapely.union_all(geoms)
    assert union.area == pytest.approx(rectangle.area, rel=1e-12)
    assert union.symmetric_difference(rectangle).area < 1e-6
    for a, b in itertools.combinations(geoms, 2):
        assert a.intersection(b).area < 1e-6
    # Inner boundaries: neither horizontal nor vertical, so nothing follows a 100 m grid.
    inner = shapely.union_all([a.boundary.intersection(b.boundary) for a, b in itertools.combinations(geoms, 2)])
    segments = [np.diff(np.asarray(line.coords), axis=0) for line in getattr(inner, "geoms", [inner]) if line.length]
    steps = np.concatenate(segments)
    assert len(steps) >= 5 and (np.abs(steps) > 1.0).all()
    assert all(len(g.exterior.coords) > 5 for g in geoms)  # irregular polygons, not boxes

    city = build_city()
    assert all(union.contains(box(b.xmin, b.ymin, b.xmax, b.ymax)) for b in city.buildings)
    for d, (_label, _start, epochs, _bd) in enumerate(DRIVES):
        route = drive_route(city, epochs, 20240315 + d)
        assert shapely.contains_xy(union, route[:, 0], route[:, 1]).all()

    areas = {d["code"]: d["area_km2"] for d in truth["districts"]}
    planar = dict(zip(districts["code"], districts.geometry.area / 1e6))
    assert areas.keys() == planar.keys()
    for code, area in areas.items():
        assert area == pytest.approx(planar[code], rel=1e-3)  # Gauss-Krüger distorts areas by < 0.01 %
    assert sum(areas.values()) == pytest.approx(truth["rectangle_area_km2"], rel=1e-9)


def test_odiac_inventory_follows_the_closed_form_densities(city_files):
    from osgeo import gdal, osr

    gdal.UseExceptions()
    truth = _carbon_truth(city_files)
    odiac = truth["odiac"]
    path = city_files.folder / odiac["file"]
    assert path in city_files.files["inventory"]
    ds = gdal.Open(str(path))
    assert ds.RasterCount == 12 and ds.GetMetadataItem("UNITS") == "tonne C/cell/month"
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    assert srs.GetAuthorityCode(None) == "4326"
    gt = ds.GetGeoTransform()
    assert gt[1] == pytest.approx(1 / 120, abs=1e-12) and gt[5] == pytest.approx(-1 / 120, abs=1e-12)
    assert gt[2] == gt[4] == 0.0
    assert gt[0] * 120 == pytest.approx(round(gt[0] * 120), abs=1e-6)  # snapped like the global ODIAC grid
    assert gt[3] * 120 == pytest.approx(round(gt[3] * 120), abs=1e-6)
    months = []
    for k in range(12):
        band = ds.GetRasterBand(k + 1)
        assert band.GetDescription() == f"2022-{k + 1:02d}" and band.GetUnitType() == "tonne C"
        months.append(band.ReadAsArray().astype(np.float64))
    months = np.array(months)
    assert sum(odiac["month_weights"]) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(months.sum(axis=(1, 2)) / months.sum(), odiac["month_weights"], rtol=1e-6)
    assert months[0].sum() > months[6].sum()  # winter heavier

    shape = months.shape[1:]
    total = months.sum() * 44 / 12
    expected, a_rect, a_covered = _expected_inventory_total(
        gt, shape, truth["rectangle"], odiac["d_city_tco2_km2"], odiac["d_bg_tco2_km2"]
    )
    assert 20 < a_covered < 30 and a_rect == pytest.approx(truth["rectangle_area_km2"], rel=1e-4)
    assert total == pytest.approx(expected, rel=1e-4)
    assert total == pytest.approx(odiac["total_tco2"], rel=1e-6)
    # What the rectangle adds above the background is its area at the density difference.
    excess = (total - odiac["d_bg_tco2_km2"] * a_covered) / (odiac["d_city_tco2_km2"] - odiac["d_bg_tco2_km2"])
    assert excess == pytest.approx(a_rect, rel=1e-3)
    # Two cells of margin: the outer ring of cells is background only.
    ring = np.ones(shape, bool)
    ring[2:-2, 2:-2] = False
    assert months.sum(axis=0)[~ring].max() > 1.5 * months.sum(axis=0)[ring].max()


def test_edgar_netcdf_reads_back_through_gdal(city_files):
    import pyproj
    from osgeo import gdal

    gdal.UseExceptions()
    truth = _carbon_truth(city_files)
    edgar = truth["edgar_total"]
    path = city_files.folder / edgar["file"]
    assert path in city_files.files["inventory"] and path.suffix == ".nc"
    ds = gdal.Open(f'NETCDF:"{path}":emissions')
    band = ds.GetRasterBand(1)
    assert band.GetMetadataItem("units") == "Tonnes" and band.GetMetadataItem("NETCDF_VARNAME") == "emissions"
    assert band.GetMetadataItem("long_name") == "CO2 emissions, total (sample)"
    gt = ds.GetGeoTransform()
    # The file stores rows south to north (lat ascending); GDAL hands them back north-up.
    assert gt[1] == pytest.approx(0.1, abs=1e-9) and gt[5] == pytest.approx(-0.1, abs=1e-9)
    assert gt[0] * 10 == pytest.approx(round(gt[0] * 10), abs=1e-6)
    assert gt[3] * 10 == pytest.approx(round(gt[3] * 10), abs=1e-6)
    values = band.ReadAsArray().astype(np.float64)
    assert values.shape == (ds.RasterYSize, ds.RasterXSize) and values.min() > 0
    # The city's cell is the brightest; background cells grow southward (larger cells).
    rect = truth["rectangle"]
    lon, lat = pyproj.Transformer.from_crs(4548, 4326, always_xy=True).transform(
        (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    )
    row, col = int((lat - gt[3]) / gt[5]), int((lon - gt[0]) / gt[1])
    assert np.unravel_index(values.argmax(), values.shape) == (row, col)
    assert values[0, 0] < values[-1, 0]
    expected, _, _ = _expected_inventory_total(gt, values.shape, rect, edgar["d_city_tco2_km2"], edgar["d_bg_tco2_km2"])
    assert values.sum() == pytest.approx(expected, rel=1e-4)
    assert values.sum() == pytest.approx(edgar["total_tco2"], rel=1e-6)


def test_edgar_text_lists_cell_centres(city_files):
    truth = _carbon_truth(city_files)
    tro = truth["edgar_tro"]
    path = city_files.folder / tro["file"]
    assert path in city_files.files["inventory"]
    frame = pd.read_csv(path, sep=";", skiprows=2)
    assert list(frame.columns) == ["lat", "lon", "emission 2022 (tons)"]
    for axis in ("lat", "lon"):
        k = frame[axis].to_numpy() * 10 - 0.5
        np.testing.assert_allclose(k, np.round(k), atol=1e-6)  # 0.1 degree cell centres
    lats, lons = np.sort(frame["lat"].unique()), np.sort(frame["lon"].unique())
    assert len(frame) == len(lats) * len(lons)
    gt = (lons[0] - 0.05, 0.1, 0.0, lats[-1] + 0.05, 0.0, -0.1)
    expected, _, _ = _expected_inventory_total(
        gt, (len(lats), len(lons)), truth["rectangle"], tro["d_city_tco2_km2"], tro["d_bg_tco2_km2"]
    )
    total = frame["emission 2022 (tons)"].sum()
    assert total == pytest.approx(expected, rel=1e-4)
    assert total == pytest.approx(tro["total_tco2"], rel=1e-9)
    # Same grid as the NetCDF total.
    from osgeo import gdal

    gdal.UseExceptions()
    nc = gdal.Open(f'NETCDF:"{city_files.folder / truth["edgar_total"]["file"]}":emissions')
    np.testing.assert_allclose(nc.GetGeoTransform(), gt, atol=1e-9)


def test_carbon_sources_are_deterministic(city_files, tmp_path):
    from citytwin.layers.samplecity.carbon import write_carbon_sources

    files, truth = write_carbon_sources(build_city(), tmp_path / "carbon")
    assert truth == _carbon_truth(city_files)
    assert set(truth) >= {"odiac", "edgar_total", "edgar_tro", "rectangle", "districts"}
    for kind in ("districts", "inventory"):
        for a, b in zip(city_files.files[kind], files[kind], strict=True):
            assert a.name == b.name and a.read_bytes() == b.read_bytes(), a.name
