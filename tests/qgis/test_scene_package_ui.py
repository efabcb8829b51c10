"""The "Export 3D scene package" buttons of the Digital Base dock and the 3D View dock.

Both open QGIS's own dialog of ``citytwin:scenepackage`` (progress bar, Cancel, batch)
pre-filled from the project; the run here goes through that dialog exactly as a click
on Run would, and the message bar then offers the package's folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import laspy
import pytest
from qgis.core import QgsApplication, QgsFeature, QgsRasterLayer, QgsVectorLayer
from qgis.PyQt.QtWidgets import QMessageBox, QPushButton

from citytwin.twin.package_check import check_tileset


def point_count(path) -> int:
    with laspy.open(str(path)) as reader:
        return reader.header.point_count


def wait_until(condition, timeout=300.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def dtm(laz, provider_registered, tmp_path_factory):
    import processing

    folder = tmp_path_factory.mktemp("surfaces")
    params = {"INPUT": str(laz), "CELL_SIZE": 4.0}
    params.update({key: str(folder / f"{key.lower()}.tif") for key in ("DSM", "DTM", "NDSM")})
    return processing.run("citytwin:pointcloudsurfaces", params)["DTM"]


@pytest.fixture
def plugin(iface, project, events, monkeypatch):
    import citytwin

    # QGIS asks before running on layers of different CRSs (here the cloud's compound CRS);
    # a test cannot click through that modal question.
    monkeypatch.setattr(QMessageBox, "question", lambda *_args, **_kwargs: QMessageBox.StandardButton.Yes)
    instance = citytwin.classFactory(iface)
    instance.initGui()
    yield instance
    instance.unload()
    events()


@pytest.fixture
def base_layers(project, sample_city, laz, dtm):
    """A project like a built base: the point-cloud entries, the buildings and a DTM."""
    entries = QgsVectorLayer("Polygon?crs=EPSG:4548&field=path:string&field=crs:string", "tiles", "memory")
    entries.setCustomProperty("citytwin/layer_kind", "pointcloud_extents")
    feature = QgsFeature(entries.fields())
    feature["path"] = str(laz)
    feature["crs"] = "EPSG:4548"
    entries.dataProvider().addFeatures([feature])
    buildings = QgsVectorLayer(str(sample_city.files["buildings"][0]), "Buildings", "ogr")
    terrain = QgsRasterLayer(dtm, "DTM (terrain)")
    other = QgsRasterLayer(str(sample_city.files["imagery"][0]), "Sentinel-2")
    assert buildings.isValid() and terrain.isValid() and other.isValid()
    project.addMapLayers([entries, other, buildings, terrain])
    return {"entries": entries, "buildings": buildings, "dtm": terrain}


def test_dock_button_opens_the_prefilled_dialog_runs_and_offers_the_folder(
    plugin, base_layers, laz, tmp_path, monkeypatch
):
    from citytwin.ui import scene_package_dialog

    button = plugin.dock.package_button
    assert button.isEnabled() and "scene package" in button.text()
    button.click()
    dialog = plugin.scene_package.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.algorithm().id() == "citytwin:scenepackage"
    params = dialog.createProcessingParameters()
    assert params["INPUT"] == [str(laz)]
    assert params["BUILDINGS"] == base_layers["buildings"].id() and params["HEIGHT_FIELD"] == "height"
    assert params["DTM"] == base_layers["dtm"].id()
    assert params["SOURCE_CRS"].authid() == "EPSG:4548"

    target = tmp_path / "from_dock"
    dialog.setParameters({"OUTPUT": str(target), "BUDGET": 30_000})
    dialog.runAlgorithm()  # what the dialog's Run button does
    assert wait_until(lambda: plugin.scene_package.last_results is not None), "the export did not finish"
    results = plugin.scene_package.last_results
    assert results["OUTPUT"] == str(target) and check_tileset(target) == []
    assert results["POINTS"] == point_count(laz)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["layers"]) == {"points", "buildings", "terrain"}

    opened = []
    monkeypatch.setattr(scene_package_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    item = plugin.scene_package.message_item
    assert item is not None and str(target) in item.text()
    item.findChild(QPushButton, "CityTwinOpenPackageFolder").click()
    assert [Path(url.toLocalFile()) for url in opened] == [target]


def test_closing_the_dialog_mid_run_cancels_and_leaves_nothing(plugin, base_layers, tmp_path):
    plugin.dock.package_button.click()
    launcher = plugin.scene_package
    dialog = launcher.dialog
    dialog.setParameters({"OUTPUT": str(tmp_path / "canceled")})
    dialog.runAlgorithm()
    assert wait_until(lambda: dialog.feedback is not None and dialog.feedback.progress() > 5, 120)
    launcher.close()  # what unloading the plugin does
    assert wait_until(lambda: QgsApplication.taskManager().countActiveTasks() == 0, 120)
    assert launcher.last_results is None
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def view3d(iface, project, monkeypatch, provider_registered):
    import pyvistaqt

    from citytwin.ui.view3d import View3DDock

    def refuse(*_args, **_kwargs):
        raise RuntimeError("no OpenGL context")

    monkeypatch.setattr(pyvistaqt, "QtInteractor", refuse)
    widget = View3DDock(iface, iface.mainWindow())
    yield widget
    widget.close_view()
    widget.setParent(None)
    widget.deleteLater()


def test_view3d_button_prefills_the_cloud_shown(view3d, base_layers, laz, tmp_path):
    other = tmp_path / "other.las"
    view3d.add_source(str(other))
    view3d.add_source(str(laz))  # the chosen cloud (none loaded yet)
    assert view3d.package_button.isEnabled()
    view3d.package_button.click()
    dialog = view3d._package_launcher.dialog
    assert dialog is not None and dialog.isVisible()
    params = dialog.createProcessingParameters()
    assert params["INPUT"] == [str(laz)]
    assert params["SOURCE_CRS"].authid() == "EPSG:4548"  # the CRS the base read the file in
    assert params["BUILDINGS"] == base_layers["buildings"].id() and params["DTM"] == base_layers["dtm"].id()
    view3d.close_view()
    assert view3d._package_launcher.dialog is None
