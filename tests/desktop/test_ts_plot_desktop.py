"""The time-series plot in the real QGIS 3.22 desktop under Xvfb (plugin installed from its zip)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.linalg

from citytwin_testing.desktop import image_stats, run_desktop

EGMS_L3 = None  # the generated sample city's files, set by _sample_files
TRUTH = None


@pytest.fixture(scope="module", autouse=True)
def _sample_files(tmp_path_factory):
    """The sample city generated as in the other tiers (nothing is read from demo/)."""
    global EGMS_L3, TRUTH
    from citytwin.layers.samplecity import generate_sample_city

    city = generate_sample_city(tmp_path_factory.mktemp("sample_city"), small=True)
    EGMS_L3, TRUTH = city.files["ps"][0], city.truth


def sample_series():
    """The CSV read independently (pandas, float64): positions in EPSG:4548 and series by pid."""
    import pyproj

    table = pd.read_csv(EGMS_L3, dtype={"pid": str})
    date_names = [name for name in table.columns if name.isdigit() and len(name) == 8]
    dates = pd.to_datetime(date_names, format="%Y%m%d").to_numpy().astype("datetime64[D]")
    x, y = pyproj.Transformer.from_crs(4326, 4548, always_xy=True).transform(
        table["longitude"].to_numpy(), table["latitude"].to_numpy()
    )
    return table, dates, table[date_names].to_numpy(np.float64), np.asarray(x), np.asarray(y)


def annual_fit(dates, values):
    """d = c + v·t + a·cos 2πτ + b·sin 2πτ by scipy's least squares (τ from 1 January)."""
    t = (dates - dates[0]).astype(float) / 365.25
    tau = (dates - dates[0].astype("datetime64[Y]")).astype(float) / 365.25
    g = np.column_stack([np.ones_like(t), t, np.cos(2 * np.pi * tau), np.sin(2 * np.pi * tau)])
    ok = ~np.isnan(values)
    beta = scipy.linalg.lstsq(g[ok], values[ok])[0]
    return beta, g @ beta


def test_ts_plot_picks_overlays_and_exports_in_real_qgis(tmp_path, plugin_zip, artifacts):
    bowl = json.loads(TRUTH.read_text(encoding="utf-8"))["bowl"]
    run = run_desktop(
        "ts_plot.py",
        tmp_path,
        plugin_zip,
        env={
            "CT_PS_CSV": str(EGMS_L3),
            "CT_BOWL_X": str(bowl["x"]),
            "CT_BOWL_Y": str(bowl["y"]),
            "CT_WORK": str(tmp_path),
        },
        timeout=300,
    )
    assert run.result.get("ok"), run.result.get("error") or run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-3000:]  # QGIS exited normally after the unload
    assert not run.python_errors(), run.python_errors()
    assert "Traceback" not in run.stdout
    result = run.result
    table, dates, series, x, y = sample_series()
    assert result["features"] == len(table) and result["map_crs"] == "EPSG:4548"
    assert result["dock_visible"] and result["tool_active"] and result["action_checked"]
    assert result["layer"] == "EGMS L3 vertical (sample city)"

    # Each click picked the scatterer nearest to where the mouse was (independent search).
    first, second = result["shown"]
    for clicked, shown in ((result["click_1"], first), (result["click_2"], second)):
        k = int(np.argmin(np.hypot(x - clicked[0], y - clicked[1])))
        assert shown["pid"] == table["pid"].iloc[k]
    assert [entry["pid"] for entry in result["after_first"]] == [first["pid"]]
    k1 = int(np.flatnonzero(table["pid"] == first["pid"])[0])
    assert np.hypot(x[k1] - bowl["x"], y[k1] - bowl["y"]) < 40  # the bottom of the bowl

    # The plotted velocities are the independent least-squares fit of each series.
    for shown in (first, second):
        k = int(np.flatnonzero(table["pid"] == shown["pid"])[0])
        beta, _model = annual_fit(dates, series[k])
        assert shown["annual"] and shown["velocity"] == pytest.approx(beta[1], rel=1e-6)
    assert first["velocity"] < -40 and -35 < second["velocity"] < -5  # centre (-45 mm/yr) and flank
    assert result["series_lines"] == 4 and len(result["legend"]) == 2
    assert result["legend"][0].startswith(f"{first['pid']}: v = {first['velocity']:.2f} ± ")

    # CSV export: every date of both points; model and residual from the independent fit.
    exported = pd.read_csv(result["csv"], dtype={"pid": str})
    assert len(exported) == 2 * dates.size
    for n, shown in enumerate((first, second)):
        part = exported.iloc[n * dates.size : (n + 1) * dates.size]
        k = int(np.flatnonzero(table["pid"] == shown["pid"])[0])
        _beta, model = annual_fit(dates, series[k])
        np.testing.assert_allclose(part["displacement_mm"], series[k], rtol=1e-9, equal_nan=True)
        np.testing.assert_allclose(part["model_mm"], model, atol=1e-6)
        np.testing.assert_allclose(part["residual_mm"], series[k] - model, atol=1e-6, equal_nan=True)

    # Pictures: the QGIS window and the exported plot are drawn, not blank.
    width, height, spread = image_stats(result["window_shot"])
    assert width >= 1200 and height >= 700 and spread > 10
    width, height, spread = image_stats(result["plot_png"])
    assert (width, height) == (1500, 975) and spread > 10
    assert result["plot_widget_size"][1] >= 220
    assert (artifacts / "desktop_ts_plot.png").is_file() and (artifacts / "ts_plot.png").is_file()

    # Unload released the dock and gave the map tool back.
    assert result["unloaded"] and result["tool_deleted"] and result["dock_deleted"]
    assert result["docks_after_unload"] == [] and result["map_tool_after_unload"] is None
