"""The 3D View dock on real PyQGIS widgets, offscreen: sources, loading, legend, picking,
the fallback when the interactive view cannot start, exports. The interactive VTK widget
inside the real desktop is exercised in tests/desktop (test_view3d_dock_on_the_sample_base)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from qgis.core import QgsApplication, QgsVectorLayer

from citytwin_testing.gltf import validate_gltf
from citytwin_testing.lasfiles import write_las


@pytest.fixture
def cloud_file(tmp_path):
    rng = np.random.default_rng(9)
    xyz = rng.uniform([448_800.0, 4_417_200.0, 40.0], [449_000.0, 4_417_400.0, 80.0], size=(5_000, 3))
    classes = np.where(xyz[:, 2] > 60, 6, 2).astype(np.uint8)
    import pyproj

    wkt = pyproj.CRS.from_epsg(4548).to_wkt()
    return write_las(tmp_path / "block.las", xyz, classes, version="1.4", point_format=6, wkt=wkt, scale=0.001), xyz


@pytest.fixture
def no_opengl(monkeypatch):
    """The interactive widget cannot start, as on a machine without OpenGL."""
    import pyvistaqt

    def refuse(*_args, **_kwargs):
        raise RuntimeError("no OpenGL context")

    monkeypatch.setattr(pyvistaqt, "QtInteractor", refuse)


@pytest.fixture
def dock(iface, project, no_opengl):
    from citytwin.ui.view3d import View3DDock

    widget = View3DDock(iface, iface.mainWindow())
    yield widget
    widget.close_view()
    widget.setParent(None)
    widget.deleteLater()


def wait_for(condition, timeout_s=60.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        QgsApplication.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_sources_come_from_the_base_and_a_selected_tile_wins(dock, project, tmp_path, cloud_file):
    path, _xyz = cloud_file
    other = tmp_path / "other.las"
    layer = QgsVectorLayer("Polygon?crs=EPSG:4548&field=path:string", "tiles", "memory")
    layer.setCustomProperty("citytwin/layer_kind", "pointcloud_extents")
    from qgis.core import QgsFeature

    features = []
    for value in (str(other), str(path)):
        feature = QgsFeature(layer.fields())
        feature["path"] = value
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    project.addMapLayer(layer)
    dock.refresh_sources()
    assert [dock.source_combo.itemData(i) for i in range(dock.source_combo.count())] == [str(other), str(path)]
    assert dock.current_path() == str(other)
    layer.selectByIds([f.id() for f in layer.getFeatures() if f["path"] == str(path)])
    dock.refresh_sources()
    assert dock.current_path() == str(path)


def test_without_opengl_a_clear_message_and_the_offscreen_image(dock, cloud_file):
    path, xyz = cloud_file
    dock.add_source(str(path))
    dock.colour_combo.setCurrentIndex(dock.colour_combo.findData("classification"))
    assert dock.load()
    assert wait_for(lambda: dock.cloud is not None and dock._task is None)
    assert dock.plotter is None
    assert "cannot start" in dock.view_error and "no OpenGL context" in dock.view_error
    assert dock.stack.currentWidget() is dock.placeholder
    pixmap = dock.placeholder.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    image = pixmap.toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # a rendered picture, not a blank one
    assert [label.split(" ")[0] for label in dock.legend.entries] == ["2", "6"]
    assert len(dock.cloud) == len(xyz) and "5,000 of 5,000" in dock.status.text()


def test_pick_shows_real_coordinates_and_attributes(dock, cloud_file):
    path, xyz = cloud_file
    dock.add_source(str(path))
    dock.load()
    assert wait_for(lambda: dock.cloud is not None and dock._task is None)
    k = 1234
    info = dock.show_pick(k)
    real = dock.cloud.real_xyz()[k]
    # The real coordinates are those of a point of the file (1 mm LAS scale).
    assert np.min(np.abs(xyz - real).max(axis=1)) < 0.002
    assert info["classification"] in (2, 6)
    assert f"{real[0]:.3f}" in dock.pick_label.text()


def test_budget_thins_the_cloud_and_exports_validate(dock, cloud_file, tmp_path):
    path, _xyz = cloud_file
    dock.add_source(str(path))
    dock.budget.setMinimum(100)
    dock.budget.setValue(1_000)
    dock.load()
    assert wait_for(lambda: dock.cloud is not None and dock._task is None)
    assert 0 < len(dock.cloud) <= 1_000 and dock.cloud.total_points == 5_000
    from citytwin.ui.view3d import export_scene

    glb = export_scene(dock.scene, tmp_path / "view.glb")
    assert validate_gltf(glb)["numErrors"] == 0


def test_bad_file_is_reported_in_the_dock(dock, tmp_path):
    bad = tmp_path / "broken.las"
    bad.write_bytes(b"not a las file at all")
    dock.add_source(str(bad))
    dock.load()
    assert wait_for(lambda: dock._task is None)
    assert dock.cloud is None
    assert "Could not read the point cloud" in dock.status.text() and "broken.las" in dock.status.text()
    assert dock.load_button.isEnabled()
