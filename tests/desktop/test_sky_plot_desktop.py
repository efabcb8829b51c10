"""The sky plot of a picked place in the real QGIS 3.22 desktop under Xvfb (plugin installed
from its zip), on the sample city's DSM made from its own lidar (acceptance 4 of issue 8)."""

from __future__ import annotations

import numpy as np
import pytest

from citytwin_testing.desktop import image_stats, run_desktop


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The sample city, its DSM/DTM at 2 m as GeoTIFFs, and the place to click: the drive's
    epoch with the most NLOS satellites (a street canyon), found with the core."""
    from citytwin.layers.samplecity import generate_sample_city
    from citytwin.processing.navcomm.gnss_los import classify_log
    from citytwin.processing.navcomm.surface import Surface
    from citytwin.twin.terrain import surfaces_from_file

    folder = tmp_path_factory.mktemp("sky")
    sample = generate_sample_city(folder / "city", small=True)
    surfaces = surfaces_from_file(sample.files["pointcloud"][0], cell_size=2.0)
    paths = surfaces.write_files({name: folder / f"sample_city_{name}.tif" for name in ("dsm", "dtm")})
    dsm, dtm = Surface.read(paths["dsm"]), Surface.read(paths["dtm"])
    log = sample.files["nmea"][0]
    epochs = classify_log(log, dsm, dtm).epochs
    ok = epochs[epochs["status"] == "ok"]
    best = ok.loc[ok["n_nlos"].idxmax()]
    return {"dsm": paths["dsm"], "dtm": paths["dtm"], "nmea": log, "pick": (best["x"], best["y"])}


def test_sky_plot_of_a_picked_place_in_real_qgis(tmp_path, plugin_zip, artifacts, city):
    from citytwin.layers.nmea import read_nmea
    from citytwin.processing.navcomm.sky_plot import sky_plot_data
    from citytwin.processing.navcomm.surface import Surface

    run = run_desktop(
        "sky_plot.py",
        tmp_path,
        plugin_zip,
        env={
            "CT_DSM": str(city["dsm"]),
            "CT_DTM": str(city["dtm"]),
            "CT_NMEA": str(city["nmea"]),
            "CT_PICK_X": repr(float(city["pick"][0])),
            "CT_PICK_Y": repr(float(city["pick"][1])),
        },
        timeout=300,
    )
    assert run.result.get("ok"), run.result.get("error") or run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-3000:]
    assert not run.python_errors(), run.python_errors()
    assert "Traceback" not in run.stdout
    result = run.result
    assert result["dock_visible"] and result["tool_active"] and result["action_checked"]
    assert (result["dsm_layer"], result["dtm_layer"]) == ("sample_city_dsm", "sample_city_dtm")

    # The plot shows what the core computes at the clicked place, independently of the GUI.
    dsm = Surface.read(city["dsm"])
    dtm = dsm.read_like(city["dtm"])
    x, y = result["click"]
    assert np.hypot(x - city["pick"][0], y - city["pick"][1]) < 5.0
    expected = sky_plot_data(dsm, x, y, dtm, log=read_nmea(city["nmea"]))
    np.testing.assert_allclose(result["horizon"], expected.horizon_deg, atol=1e-9)
    assert result["svf"] == pytest.approx(expected.svf) and result["svf"] < 0.9  # a street canyon
    shown = {(c, p): los for c, p, _az, _el, los in result["satellites"]}
    assert shown == {(r.constellation, int(r.prn)): bool(r.los) for r in expected.satellites.itertuples()}
    assert any(shown.values()) and not all(shown.values())  # both LOS and blocked satellites are drawn
    assert {c for c, _ in shown} >= {"GPS", "BeiDou"}
    assert result["epoch_distance_m"] < 10.0
    assert "Sky plot" in result["title"]

    width, height, spread = image_stats(result["window_shot"])
    assert width >= 1200 and height >= 700 and spread > 10
    width, height, spread = image_stats(result["plot_png"])
    assert (width, height) == (900, 990) and spread > 10
    assert (artifacts / "desktop_sky_plot.png").is_file() and (artifacts / "sky_plot.png").is_file()

    assert result["unloaded"] and result["tool_deleted"] and result["dock_deleted"]
    assert result["docks_after_unload"] == [] and result["map_tool_after_unload"] is None
