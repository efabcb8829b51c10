"""citytwin:pointcloudinfo run exactly as a user's batch run would: processing.run."""

from __future__ import annotations

import csv
import sys

import numpy as np
import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsVectorLayer,
)

from citytwin_testing.lasfiles import write_las


@pytest.fixture
def provider(qgis_app):
    """Register the provider the way the plugin does (initProcessing), then remove it."""
    from citytwin.processing.qgis_provider import CityTwinProvider

    registry = QgsApplication.processingRegistry()
    instance = CityTwinProvider()
    assert registry.addProvider(instance)
    yield instance
    registry.removeProvider(instance)


def run(params, feedback=None):
    import processing

    return processing.run("citytwin:pointcloudinfo", params, feedback=feedback or QgsProcessingFeedback())


def test_algorithm_is_registered_with_group_and_help(provider):
    alg = QgsApplication.processingRegistry().algorithmById("citytwin:pointcloudinfo")
    assert alg is not None
    assert alg.group() == "Real-scene 3D" and alg.groupId() == "realscene3d"
    assert "never guessed" in alg.shortHelpString()
    assert alg.canExecute()[0]


def test_real_sample_to_memory_layer(provider, shared_data):
    result = run({"INPUT": str(shared_data / "simple.laz"), "SCAN_CLASSES": True, "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = result["OUTPUT"]
    assert isinstance(layer, QgsVectorLayer) and layer.featureCount() == 1
    row = next(layer.getFeatures())
    # Facts of the file (shared/data/README.md), independent of our reader.
    assert row["point_count"] == 1065 == result["POINT_COUNT"]
    assert row["format"] == "LAZ" == result["FILE_FORMAT"]
    assert row["las_version"] == "1.2" and row["point_format"] == 3
    assert row["x_min"] == pytest.approx(635619.8, abs=0.1)
    assert row["z_max"] == pytest.approx(586.4, abs=0.1)
    assert row["crs_source"] == "none" and result["CRS"] == ""
    assert "no CRS record" in row["crs_note"]
    # Second method: laspy's full read of the same file.
    import laspy

    values, counts = np.unique(np.asarray(laspy.read(shared_data / "simple.laz").classification), return_counts=True)
    assert row["classes"] == ";".join(f"{v}:{n}" for v, n in zip(values, counts))


def test_output_to_csv_file(provider, tmp_path):
    rng = np.random.default_rng(3)
    xyz = rng.uniform([500000, 4400000, 20], [500050, 4400050, 60], size=(400, 3))
    src = write_las(tmp_path / "cloud.las", xyz, np.full(400, 2, dtype=np.uint8))
    out = tmp_path / "info.csv"
    result = run({"INPUT": str(src), "OUTPUT": str(out)})
    assert result["OUTPUT"] == str(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1
    assert rows[0]["point_count"] == "400"
    assert rows[0]["classes"] == "2:400"
    assert float(rows[0]["x_min"]) == pytest.approx(xyz[:, 0].min(), abs=0.006)


def test_bad_file_is_a_clear_processing_error_and_writes_nothing(provider, tmp_path):
    bad = tmp_path / "broken.las"
    bad.write_text("not a lidar file at all\n" * 10)
    out = tmp_path / "info.gpkg"
    with pytest.raises(QgsProcessingException, match=r"broken\.las.*not a readable LAS/LAZ file"):
        run({"INPUT": str(bad), "OUTPUT": str(out)})
    assert not out.exists()


def test_cancel_leaves_no_output(provider, tmp_path, monkeypatch):
    from citytwin.twin import pointcloud_info

    # Small chunks so the scan reports progress (and sees the cancel) before the end.
    monkeypatch.setattr(pointcloud_info, "DEFAULT_CHUNK_SIZE", 100)
    src = write_las(tmp_path / "big.las", np.zeros((5000, 3)))
    out = tmp_path / "info.gpkg"
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda _value: feedback.cancel())
    with pytest.raises(QgsProcessingException, match="Canceled"):
        run({"INPUT": str(src), "SCAN_CLASSES": True, "OUTPUT": str(out)}, feedback)
    assert not out.exists()


def test_missing_package_gives_clear_error_not_import_traceback(provider, tmp_path, monkeypatch):
    """Hide laspy as if the user's QGIS Python lacked it."""
    import importlib.abc

    class HideLaspy(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] == "laspy":
                raise ImportError("hidden by test")

    for name in [m for m in sys.modules if m.split(".")[0] == "laspy"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [HideLaspy(), *sys.meta_path])

    alg = QgsApplication.processingRegistry().algorithmById("citytwin:pointcloudinfo")
    ok, message = alg.canExecute()
    assert not ok and "laspy" in message and "pip install" in message
    src = tmp_path / "x.las"
    src.write_bytes(b"LASF")
    with pytest.raises(QgsProcessingException) as err:
        run({"INPUT": str(src), "OUTPUT": "TEMPORARY_OUTPUT"})
    text = str(err.value)
    assert "laspy" in text and "Install" in text
    assert "Traceback" not in text and "ModuleNotFoundError" not in text
