"""The GNSS algorithms of the navigation group run as a user's batch would (processing.run).

Truth: the closed-form sky-view factor of a street canyon (Oke 1988) on a synthetic DSM,
and on the sample city the generator's own physics (NLOS signals 8-18 dB weaker).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from osgeo import gdal, osr
from qgis.core import NULL, QgsApplication, QgsProcessingException, QgsVectorLayer

from citytwin_testing.feedback import RecordingFeedback

CANYON_H, CANYON_W = 20.0, 20.0


def run(algorithm, params, feedback=None):
    import processing

    return processing.run(f"citytwin:{algorithm}", params, feedback=feedback or RecordingFeedback())


def write_tif(path, z, x0, y_top, cell, epsg=4548, nodata=-9999.0):
    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(str(path), z.shape[1], z.shape[0], 1, gdal.GDT_Float32)
    ds.SetGeoTransform((x0, cell, 0.0, y_top, 0.0, -cell))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetSpatialRef(srs)
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    band.WriteArray(np.where(np.isfinite(z), z, nodata))
    ds = None
    return path


def read_tif(path):
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    values = band.ReadAsArray().astype(float)
    values[values == band.GetNoDataValue()] = np.nan
    return values, ds.GetGeoTransform()


@pytest.fixture(scope="module")
def canyon(tmp_path_factory):
    """A street canyon 20 m wide between 20 m walls, 600 m long (north-south), 1 m cells."""
    folder = tmp_path_factory.mktemp("canyon")
    z = np.full((600, 120), 30.0 + CANYON_H)
    z[:, 50:70] = 30.0  # the street: columns 50..69
    dsm = write_tif(folder / "dsm.tif", z, 500_000.0, 4_400_600.0, 1.0)
    dtm = write_tif(folder / "dtm.tif", np.full(z.shape, 30.0), 500_000.0, 4_400_600.0, 1.0)
    return folder, dsm, dtm


def test_algorithms_are_registered_in_the_navigation_group(provider_registered):
    registry = QgsApplication.processingRegistry()
    for name in ("skyview", "gnsslos", "gnssavailability"):
        algorithm = registry.algorithmById(f"citytwin:{name}")
        assert algorithm is not None, name
        assert algorithm.groupId() == "navcomm"
    assert "Oke 1988" in registry.algorithmById("citytwin:skyview").shortHelpString()
    assert "Groves" in registry.algorithmById("citytwin:gnsslos").shortHelpString()


def test_sky_view_of_a_street_canyon_matches_the_closed_form(canyon, provider_registered):
    folder, dsm, dtm = canyon
    points = QgsVectorLayer("Point?crs=EPSG:4548", "pts", "memory")
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY

    features = []
    for x, y in ((500_060.0, 4_400_300.0), (510_000.0, 4_400_300.0)):
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    points.dataProvider().addFeatures(features)
    out = run(
        "skyview",
        {
            "DSM": str(dsm),
            "DTM": str(dtm),
            "RECEIVER_HEIGHT": 0.0,
            "MAX_DISTANCE": 250.0,
            "POINTS": points,
            "SVF": str(folder / "svf.tif"),
            "OPEN_SKY": str(folder / "open.tif"),
            "OUTPUT": "memory:",
        },
    )
    expected = math.cos(math.atan(2 * CANYON_H / CANYON_W))
    svf, _ = read_tif(out["SVF"])
    # centre of the street floor, half way along: cells 59/60 straddle the centre line
    centre = svf[300, 59:61].mean()
    assert centre == pytest.approx(expected, abs=0.02)
    # with the DTM at street level, the blocks are buildings: a receiver there is indoors, no-data
    assert np.isnan(svf[300, :50]).all() and np.isfinite(svf[300, 50:70]).all()
    layer = out["OUTPUT"]
    rows = {round(f.geometry().asPoint().x()): f for f in layer.getFeatures()}
    inside, outside = rows[500_060], rows[510_000]
    assert inside["svf"] == pytest.approx(expected, abs=0.02)
    assert len(inside["horizon_deg"].split(",")) == 72
    assert outside["outside"] in (True, "true", 1)
    assert outside["svf"] == NULL


def test_sky_view_rejects_a_geographic_dsm(tmp_path, provider_registered):
    dsm = write_tif(tmp_path / "geo_dsm.tif", np.full((20, 20), 10.0), 116.0, 40.0, 0.0001, epsg=4490)
    with pytest.raises(QgsProcessingException, match="geo_dsm.tif.*not projected in metres"):
        run("skyview", {"DSM": str(dsm), "SVF": str(tmp_path / "svf.tif")})


@pytest.fixture(scope="module")
def city_surfaces(laz, provider_registered, tmp_path_factory):
    folder = tmp_path_factory.mktemp("surfaces")
    params = {"INPUT": str(laz), "CELL_SIZE": 2.0}
    params.update({key: str(folder / f"{key.lower()}.tif") for key in ("DSM", "DTM", "NDSM")})
    return run("pointcloudsurfaces", params)


def test_gnss_los_on_the_sample_city(sample_city, city_surfaces, tmp_path):
    log = sample_city.files["nmea"][0]
    feedback = RecordingFeedback()
    out = run(
        "gnsslos",
        {
            "INPUT": str(log),
            "DSM": city_surfaces["DSM"],
            "DTM": city_surfaces["DTM"],
            "OUTPUT": str(tmp_path / "epochs.gpkg"),
            "SATELLITES": str(tmp_path / "satellites.gpkg"),
        },
        feedback,
    )
    assert out["CN0_LOS"] - out["CN0_NLOS"] > 5.0
    assert out["N_NLOS"] > 0.05 * out["N_LOS"]
    epochs = QgsVectorLayer(out["OUTPUT"], "epochs", "ogr")
    names = epochs.fields().names()
    for field in ("los_beidou", "nlos_beidou", "los_gps", "hdop_los", "hdop_all", "cn0_los_dbhz", "cn0_nlos_dbhz"):
        assert field in names
    sats = QgsVectorLayer(out["SATELLITES"], "sats", "ogr")
    statuses = {f["status"] for f in sats.getFeatures()}
    assert {"LOS", "NLOS"} <= statuses
    assert sats.featureCount() > epochs.featureCount() * 10
    assert any("BeiDou" in line for line in feedback.infos)
    assert not feedback.warnings


def test_gnss_los_without_gsv_names_the_file(sample_city, city_surfaces, tmp_path):
    source = sample_city.files["nmea"][0].read_text(encoding="ascii").splitlines()
    log = tmp_path / "no_gsv.nmea"
    log.write_text("\n".join(line for line in source if "GSV" not in line[:7]) + "\n", encoding="ascii")
    with pytest.raises(QgsProcessingException, match="no_gsv.nmea.*GSV"):
        run("gnsslos", {"INPUT": str(log), "DSM": city_surfaces["DSM"], "OUTPUT": "memory:"})


def test_gnss_availability_on_the_sample_city(sample_city, city_surfaces, tmp_path):
    out = run(
        "gnssavailability",
        {
            "DSM": city_surfaces["DSM"],
            "DTM": city_surfaces["DTM"],
            "LOG": str(sample_city.files["nmea"][0]),
            "LOS_COUNT": str(tmp_path / "los.tif"),
            "HDOP": str(tmp_path / "hdop.tif"),
            "BEIDOU_COUNT": str(tmp_path / "bds.tif"),
            "MAX_DISTANCE": 300.0,
        },
    )
    los, _ = read_tif(out["LOS_COUNT"])
    bds, _ = read_tif(out["BEIDOU_COUNT"])
    hdop, _ = read_tif(out["HDOP"])
    outdoor = np.isfinite(los)
    assert 0.3 < outdoor.mean() < 0.95  # buildings are no-data
    assert np.nanmax(los) <= out["SATELLITES_USED"]
    assert (bds[outdoor] <= los[outdoor]).all()
    # open places (park, wide streets) see (nearly) the whole sky; canyons lose satellites
    assert np.nanmax(los) >= out["SATELLITES_USED"] - 1
    assert np.nanmin(los) < out["SATELLITES_USED"] - 4
    # HDOP only where enough satellites are LOS, and it is worse where fewer are
    assert np.isnan(hdop[outdoor & (los < 4)]).all()
    few, many = np.nanmedian(hdop[los <= 7]), np.nanmedian(hdop[los >= out["SATELLITES_USED"] - 1])
    assert few > many
    assert 0.0 <= out["FAIL_SHARE"] < 1.0


def test_default_styles_classify_counts_hdop_and_rsrp(sample_city, city_surfaces, tmp_path):
    from qgis.core import QgsRasterLayer

    from citytwin.layers.qgis_styles import apply_default_style

    path = tmp_path / "values.tif"
    write_tif(path, np.arange(100, dtype=float).reshape(10, 10), 500_000.0, 4_400_010.0, 1.0)
    layer = QgsRasterLayer(str(path), "values")

    def colour(kind, value):
        apply_default_style(layer, kind)
        function = layer.renderer().shader().rasterShaderFunction()
        ok, r, g, b, _a = function.shade(value)
        assert ok
        return f"#{r:02x}{g:02x}{b:02x}"

    # fewer than four LOS satellites: no fix (red); more than ten: dark green
    assert colour("los_count_raster", 3) == "#d7191c" and colour("los_count_raster", 4) == "#fdae61"
    assert colour("los_count_raster", 12) == "#1a9641"
    assert colour("hdop_raster", 0.9) == "#1a9641" and colour("hdop_raster", 6.0) == "#d7191c"
    # RSRP bands of drive-test reports: -85 dBm good, -115 dBm weak
    assert colour("rsrp_raster", -85.0) == "#a6d96a" and colour("rsrp_raster", -115.0) == "#d7191c"
    assert colour("rsrp_raster", -60.0) == "#1a9641"
    assert colour("svf_raster", 0.0) == "#3f007d" and colour("svf_raster", 1.0) == "#fcfbfd"
