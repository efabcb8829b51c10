"""The Carbon tab of the Digital Base panel in the real QGIS 3.22 desktop under Xvfb (plugin from its zip)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from citytwin_testing.desktop import image_stats, run_desktop

CITY = None


@pytest.fixture(scope="module", autouse=True)
def _sample_city(tmp_path_factory):
    """The sample city generated as in the other tiers (nothing is read from demo/)."""
    global CITY
    from citytwin.layers.samplecity import generate_sample_city

    CITY = generate_sample_city(tmp_path_factory.mktemp("sample_city"), small=True)


def expected_building_co2() -> float:
    """By hand: footprint x floors x intensity (kWh/m2, GJ/m2) x North China 0.6776 kgCO2/kWh, 0.11 tCO2/GJ."""
    frame = gpd.read_file(CITY.files["buildings"][0])
    elec = {"residential": 30, "office": 80, "commercial": 150, "public": 60, "industrial": 120}
    heat_gj = {"residential": 0.27, "office": 0.27, "commercial": 0.27, "public": 0.27, "industrial": 0.18}
    floor_area = frame.geometry.area * frame["floors"]
    return float(
        (floor_area * frame["use"].map(elec) / 1000 * 0.6776 + floor_area * frame["use"].map(heat_gj) * 0.11).sum()
    )


def test_carbon_tab_runs_the_ledger_in_real_qgis(tmp_path, plugin_zip, artifacts):
    run = run_desktop(
        "carbon.py",
        tmp_path,
        plugin_zip,
        env={
            "CT_BUILDINGS": str(CITY.files["buildings"][0]),
            "CT_DISTRICTS": str(CITY.files["districts"][0]),
            "CT_WORK": str(tmp_path),
        },
        timeout=300,
    )
    assert run.result.get("ok"), run.result.get("error") or run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-3000:]
    assert not run.python_errors(), run.python_errors()
    result = run.result
    expected = expected_building_co2()
    assert result["buildings_total"] == pytest.approx(expected, rel=1e-6)
    assert result["progress"] == 100, result["status"]
    # The ledger's total emissions are the buildings' (only they were given), district by district in the table.
    table = pd.read_excel(result["results"]["TABLE"], sheet_name="Ledger")
    assert table["emissions_t"].iloc[-1] == pytest.approx(expected, rel=1e-6)
    assert result["results"]["NET"] == pytest.approx(expected, rel=1e-6)
    assert result["rows"] == len(table) and result["cells"][-1][1] == f"{expected:,.1f}"
    assert {row[0] for row in result["cells"][:4]} == {"东华门街道", "景山街道", "交道口街道", "安定门街道"}
    assert "Carbon ledger 2024" in result["layers"] and "Carbon balance 2024" in result["layers"]
    assert result["chart_shown"] and result["tasks_left"] == 0 and result["unloaded"]
    width, height, spread = image_stats(result["window_shot"])
    assert width >= 1200 and height >= 700 and spread > 10
    width, height, spread = image_stats(result["chart_png"])
    assert width == 1200 and spread > 10
    assert (artifacts / "desktop_carbon_ledger.png").is_file()
