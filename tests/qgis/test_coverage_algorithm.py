"""``citytwin:cellcoverage`` on the sample city, run as a batch would (processing.run).

Truth: the drive tests the sample city's generator simulated with the same 38.901 formulas
plus 10 dB of vehicle and feeder loss the model is not told about (acceptance 2 of issue 8:
the RMSE against the drive test is reported).
"""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException, QgsVectorLayer

from citytwin_testing.feedback import RecordingFeedback


def run(params, feedback=None):
    import processing

    return processing.run("citytwin:cellcoverage", params, feedback=feedback or RecordingFeedback())


@pytest.fixture(scope="module")
def city(sample_city, laz, provider_registered, tmp_path_factory):
    import processing

    folder = tmp_path_factory.mktemp("coverage")
    params = {"INPUT": str(laz), "CELL_SIZE": 2.0}
    params.update({key: str(folder / f"{key.lower()}.tif") for key in ("DSM", "DTM", "NDSM")})
    surfaces = processing.run("citytwin:pointcloudsurfaces", params)
    table = sample_city.files["sites_engineering"][0]
    uri = f"file://{table}?type=csv&xField=lon&yField=lat&crs=EPSG:4326&detectTypes=yes"
    sites = QgsVectorLayer(uri, "sites_engineering", "delimitedtext")
    assert sites.isValid()
    return {"surfaces": surfaces, "sites": sites, "folder": folder, "drive": sample_city.files["drive_test"][0]}


def test_coverage_against_the_drive_test_with_calibration(city):
    from citytwin.layers.samplecity.radio import EXTRA_LOSS_DB

    feedback = RecordingFeedback()
    out = run(
        {
            "SITES": city["sites"],
            "DSM": city["surfaces"]["DSM"],
            "DTM": city["surfaces"]["DTM"],
            "DRIVE_TEST": str(city["drive"]),
            "CALIBRATE": True,
            "RSRP": str(city["folder"] / "rsrp.tif"),
            "COMPARISON": "memory:",
            "PER_SITE": "memory:",
        },
        feedback,
    )
    print(f"\nRMSE {out['RMSE']:.2f} dB, bias {out['BIAS']:+.2f} dB, r {out['CORRELATION']:.2f}, "
          f"calibrated {out['RMSE_CALIBRATED']:.2f} dB, held out {out['HOLDOUT_RMSE']:.2f} dB")  # fmt: skip
    assert out["CORRELATION"] > 0.8 and out["RMSE"] < 15.0
    assert out["BIAS"] == pytest.approx(EXTRA_LOSS_DB, abs=2.5)  # the loss the model was not told
    assert out["RMSE_CALIBRATED"] < out["RMSE"] - 3.0 and out["HOLDOUT_RMSE"] < 7.0
    assert any("Site fields used" in line and "height ← antenna_height_m" in line for line in feedback.infos)
    assert not feedback.warnings  # the engineering table is complete: no defaults
    # the comparison layer recomputes: error = calibrated - measured, per sample
    layer = out["COMPARISON"]
    rows = [(f["rsrp_dbm"], f["calibrated_dbm"], f["error_db"]) for f in layer.getFeatures()]
    measured, calibrated, error = (np.array(v, dtype=float) for v in zip(*rows))
    np.testing.assert_allclose(error, calibrated - measured, atol=1e-9)
    ok = np.isfinite(error)
    assert np.sqrt(np.mean(error[ok] ** 2)) == pytest.approx(out["RMSE_CALIBRATED"], abs=1e-6)
    per_site = {f["site"]: (f["n"], f["offset_db"]) for f in out["PER_SITE"].getFeatures()}
    assert len(per_site) == 5 and sum(n for n, _ in per_site.values()) == ok.sum()
    assert all(offset == pytest.approx(-EXTRA_LOSS_DB, abs=3.0) for _, offset in per_site.values())
    # the map: RSRP in the drive-test range, no-data inside buildings, offsets applied
    dataset = gdal.Open(out["RSRP"])
    band = dataset.GetRasterBand(1)
    rsrp = band.ReadAsArray().astype(float)
    rsrp[rsrp == band.GetNoDataValue()] = np.nan
    assert 0.4 < np.isfinite(rsrp).mean() < 0.95
    assert np.nanmin(rsrp) > -140 and np.nanmax(rsrp) < -30


def test_sites_without_height_or_power_get_reported_defaults(city, tmp_path):
    from qgis.core import QgsFeature, QgsField, QgsGeometry
    from qgis.PyQt.QtCore import QVariant

    bare = QgsVectorLayer("Point?crs=EPSG:4326", "bare sites", "memory")
    bare.dataProvider().addAttributes([QgsField("cell_id", QVariant.LongLong)])
    bare.updateFields()
    features = []
    for feature in city["sites"].getFeatures():
        new = QgsFeature(bare.fields())
        new.setGeometry(QgsGeometry.fromPointXY(feature.geometry().asPoint()))
        new["cell_id"] = feature["cell_id"]
        features.append(new)
    bare.dataProvider().addFeatures(features)
    feedback = RecordingFeedback()
    out = run(
        {
            "SITES": bare,
            "DSM": city["surfaces"]["DSM"],
            "DTM": city["surfaces"]["DTM"],
            "RSRP": str(tmp_path / "r.tif"),
        },
        feedback,
    )
    assert gdal.Open(out["RSRP"]) is not None
    text = "\n".join(feedback.warnings)
    assert "without antenna height: 25 m used" in text and "without Tx power: 46 dBm used" in text
    assert "without azimuth" in text


def test_a_drive_test_without_rsrp_is_named(city, tmp_path):
    empty = tmp_path / "no_rsrp.csv"
    empty.write_text("Time,Longitude,Latitude,SINR (dB)\n2024-03-15 00:00:00,116.40,39.89,10\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="no_rsrp.csv"):
        run(
            {
                "SITES": city["sites"],
                "DSM": city["surfaces"]["DSM"],
                "DRIVE_TEST": str(empty),
                "RSRP": str(tmp_path / "r.tif"),
            }
        )
