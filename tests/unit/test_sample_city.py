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
