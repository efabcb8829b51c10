"""The dock's Build button: same GeoPackage as processing.run, base added to the project."""

from __future__ import annotations

import time

import pyogrio
import pytest
from qgis.core import QgsApplication, QgsProject


def wait_until(condition, timeout=300.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.05)
    return condition()


def counts(path):
    return {name: pyogrio.read_info(path, layer=name)["features"] for name, _ in pyogrio.list_layers(path)}


@pytest.fixture
def plugin(iface, project, events):
    import citytwin

    instance = citytwin.classFactory(iface)
    instance.initGui()
    yield instance
    instance.unload()
    events()


def test_dock_build_equals_processing_run_and_fills_the_project(plugin, sample_city, tmp_path, events):
    import processing

    builder = plugin.dock.builder
    builder.load_description(str(sample_city.description))
    assert builder.sources.count() == len(sample_city.files["nmea"]) + 9
    builder.output.setFilePath(str(tmp_path / "dock_base.gpkg"))
    assert builder.build()
    assert wait_until(lambda: not builder.is_running()), "the build did not finish"
    assert builder.last_error is None, builder.last_error
    assert builder.last_results["LAYERS"] == 20
    reference = processing.run(
        "citytwin:builddigitalbase", {"DESCRIPTION": str(sample_city.description), "OUTPUT": str(tmp_path / "alg.gpkg")}
    )
    assert counts(tmp_path / "dock_base.gpkg") == counts(reference["OUTPUT"])
    # The plugin put the base into the current project, in its groups.
    events(10)
    current = QgsProject.instance()
    assert len(current.mapLayers()) == 20
    groups = [node.name() for node in current.layerTreeRoot().children() if node.nodeType() == 0]
    assert groups == ["Navigation", "Communication", "Monitoring", "Real-scene 3D", "Remote sensing"]
    assert current.timeSettings().temporalRange().begin().date().year() == 2022
    # and the dock lists it per section
    texts = plugin.dock.section_texts()
    assert texts["navigation"][0].startswith("Navigation (7)")
    assert texts["remote_sensing"][0].startswith("Remote sensing (6)")
    assert "dock_base.toml" in {p.name for p in tmp_path.iterdir()}  # the description is kept with the base
    import os

    assert os.path.isdir(os.getcwd())  # adding the base must not leave QGIS in a deleted folder


def test_dock_build_cancel_leaves_nothing(plugin, sample_city, tmp_path):
    builder = plugin.dock.builder
    builder.load_description(str(sample_city.description))
    builder.output.setFilePath(str(tmp_path / "canceled.gpkg"))
    assert builder.build()
    builder.cancel()
    assert wait_until(lambda: not builder.is_running())
    assert builder.last_results is None and "Canceled" in builder.last_error
    assert not (tmp_path / "canceled.gpkg").exists() and not (tmp_path / "canceled.qgz").exists()


def test_dock_refuses_to_build_without_sources_or_output(plugin, tmp_path):
    builder = plugin.dock.builder
    assert not builder.build() and "at least one source" in builder.status.text()
    problems = builder.add_sources([str(tmp_path / "missing.nmea")])
    assert problems and "missing.nmea" in problems[0]


def test_subsidence_tab_opens_each_algorithm_and_the_plot(plugin, monkeypatch, events):
    """Each button of the Subsidence tab opens the dialog of a registered algorithm; the last one the plot."""
    import processing

    opened = []
    # Only QGIS's modal dialog is replaced (a test cannot click through it); the wiring is the dock's.
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda algorithm_id, params: opened.append(algorithm_id))
    dock = plugin.dock
    for algorithm_id, button in dock.subsidence_buttons.items():
        if algorithm_id != "plot":
            button.click()
            assert QgsApplication.processingRegistry().algorithmById(algorithm_id) is not None, algorithm_id
    assert opened == [
        "citytwin:fittimeseries",
        "citytwin:decomposelos",
        "citytwin:subsidencerate",
        "citytwin:subsidencehotspots",
        "citytwin:buildingrisk",
    ]
    dock.subsidence_buttons["plot"].click()
    events()
    assert plugin.ts_plot is not None and plugin.ts_plot_action.isChecked()


def test_carbon_tab_runs_the_ledger_like_processing(plugin, monkeypatch, sample_city, tmp_path, events):
    """The Carbon tab opens the sector algorithms and runs the ledger in a task: same table as processing.run."""
    import pandas as pd
    from qgis.core import QgsVectorLayer

    import processing

    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda algorithm_id, params: opened.append(algorithm_id))
    panel = plugin.dock.carbon
    for button in panel.step_buttons.values():
        button.click()
    assert opened == [
        "citytwin:buildingemissions",
        "citytwin:trafficemissions",
        "citytwin:vegetationsink",
        "citytwin:reconcileinventory",
    ]
    emissions = processing.run(
        "citytwin:buildingemissions",
        {"INPUT": str(sample_city.files["buildings"][0]), "OUTPUT": str(tmp_path / "b.gpkg")},
    )["OUTPUT"]
    project = QgsProject.instance()
    districts = QgsVectorLayer(f"{sample_city.files['districts'][0]}|layername=districts", "districts", "ogr")
    buildings = QgsVectorLayer(emissions, "building emissions", "ogr")
    project.addMapLayers([districts, buildings])
    panel.districts.setLayer(districts)
    panel.name_field.setField("name")
    panel.buildings.setLayer(buildings)
    panel.traffic.setLayer(None)
    panel.sink.setLayer(None)
    panel.folder.setFilePath(str(tmp_path / "dock"))
    assert panel.run_ledger()
    assert wait_until(lambda: not panel.is_running()), "the ledger did not finish"
    events()
    assert panel.progress.value() == 100, panel.status.text()
    expected = processing.run(
        "citytwin:carbonledger",
        {"DISTRICTS": districts, "YEAR": 2024, "BUILDINGS": buildings, "GRID": str(tmp_path / "g.tif"),
         "OUTPUT": str(tmp_path / "d.gpkg"), "TABLE": str(tmp_path / "t.csv")},
    )  # fmt: skip
    ours = pd.read_excel(panel.results["TABLE"], sheet_name="Ledger")
    theirs = pd.read_csv(expected["TABLE"], encoding="utf-8-sig")
    pd.testing.assert_series_equal(ours["net_t"], theirs["net_t"], rtol=1e-6)
    assert panel.table.rowCount() == len(ours) and panel.table.item(len(ours) - 1, 0).text() in ("Total", "合计")
    assert "net" in panel.status.text() and panel.export_button.isEnabled()
    names = {layer.name() for layer in project.mapLayers().values()}
    assert {"Carbon balance 2024", "Carbon ledger 2024"} <= names
    saved = panel.save_chart(str(tmp_path / "chart_copy"))
    assert saved.suffix == ".png" and saved.read_bytes() == (tmp_path / "dock" / "carbon_ledger_2024.png").read_bytes()
