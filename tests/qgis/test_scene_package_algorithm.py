"""``citytwin:scenepackage`` run as a user's batch would (processing.run, qgis_process) on the sample city.

Truth is independent of the exporter: the LAS file read with laspy (count and every
coordinate), the building file read with geopandas (which buildings have a height), and
the 3D Tiles rules checked by :mod:`citytwin.twin.package_check`, which reads the package
back knowing only the published formats.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import laspy
import numpy as np
import pyproj
import pytest
from qgis.core import QgsApplication, QgsProcessing, QgsProcessingException, QgsProcessingFeedback

from citytwin.twin.package_check import check_tileset, read_buildings, read_points
from citytwin.twin.scene_package import opened_package
from citytwin.twin.viewer_files import viewer_source
from citytwin_testing.lasfiles import write_las

QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"


def run(params, feedback=None):
    import processing

    return processing.run("citytwin:scenepackage", params, feedback=feedback or QgsProcessingFeedback())


class Feedback(QgsProcessingFeedback):
    def __init__(self, cancel_at: float | None = None) -> None:
        super().__init__()
        self.warnings: list[str] = []
        self.progress: list[float] = []
        self.cancel_at = cancel_at

    def pushWarning(self, text: str) -> None:
        self.warnings.append(text)
        super().pushWarning(text)

    def setProgress(self, value: float) -> None:
        self.progress.append(value)
        super().setProgress(value)
        if self.cancel_at is not None and value >= self.cancel_at:
            self.cancel()


@pytest.fixture(scope="module")
def dtm(laz, provider_registered, tmp_path_factory):
    import processing

    folder = tmp_path_factory.mktemp("surfaces")
    params = {"INPUT": str(laz), "CELL_SIZE": 2.0}
    params.update({key: str(folder / f"{key.lower()}.tif") for key in ("DSM", "DTM", "NDSM")})
    return processing.run("citytwin:pointcloudsurfaces", params)["DTM"]


@pytest.fixture(scope="module")
def package(laz, buildings, dtm, provider_registered, tmp_path_factory):
    folder = tmp_path_factory.mktemp("package")
    feedback = Feedback()
    results = run(
        {
            "INPUT": [str(laz)],
            "BUILDINGS": str(buildings),
            "DTM": dtm,
            "COLOUR": 2,
            "BUDGET": 20_000,
            "OUTPUT": str(folder / "sample_city"),
        },
        feedback,
    )
    return results, feedback, folder / "sample_city"


def point_count(path) -> int:
    with laspy.open(str(path)) as reader:
        return reader.header.point_count


def las_points(path) -> np.ndarray:
    data = laspy.read(str(path))
    return np.column_stack([np.asarray(data.x), np.asarray(data.y), np.asarray(data.z)])


def same_points(a: np.ndarray, b: np.ndarray, step: float = 0.001) -> bool:
    """The same multiset of points to ``step`` (the files' scale): sorted integer grid coordinates agree."""
    qa, qb = (np.round(xyz / step).astype(np.int64) for xyz in (a, b))
    return len(qa) == len(qb) and np.array_equal(qa[np.lexsort(qa.T[::-1])], qb[np.lexsort(qb.T[::-1])])


def test_registered_in_the_real_scene_group_with_its_method_in_the_help(provider_registered):
    algorithm = QgsApplication.processingRegistry().algorithmById("citytwin:scenepackage")
    assert algorithm is not None
    assert algorithm.groupId() == "realscene3d"
    assert algorithm.groupId() == QgsApplication.processingRegistry().algorithmById("citytwin:exportscene").groupId()
    helptext = algorithm.shortHelpString()
    for words in ("3D Tiles 1.1", "glTF 2.0", "EXT_mesh_features", "ECEF", "CGCS2000", "ellipsoidal", "serve.py"):
        assert words in helptext, words
    inputs = algorithm.parameterDefinition("INPUT")
    assert inputs.type() == "multilayer" and inputs.layerType() == QgsProcessing.SourceType.TypeFile
    budget = algorithm.parameterDefinition("BUDGET")
    assert budget.defaultValue() == 50_000 and budget.minimum() == 1_000
    assert algorithm.parameterDefinition("MAX_DEPTH").defaultValue() == 0


def test_package_follows_the_rules_and_holds_every_point_and_building(package, laz, buildings):
    results, feedback, folder = package
    assert results["OUTPUT"] == str(folder) and folder.is_dir()
    assert check_tileset(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    source = las_points(laz)
    # Every point of the file, exactly once, where the file has it.
    assert manifest["layers"]["points"]["points"] == len(source) == results["POINTS"]
    back = read_points(folder)
    assert len(back["xyz"]) == len(source)
    assert same_points(back["xyz"], source)
    assert manifest["layers"]["points"]["colour"]["kind"] == "classes"  # COLOUR 2: classification
    # Buildings: those with a height (the layer's own 'height' field, found by name).
    frame = gpd.read_file(buildings)
    with_height = frame[frame["height"].notna() & (frame["height"] > 0)]
    assert manifest["layers"]["buildings"]["features"] == len(with_height) == results["BUILDING_COUNT"]
    assert manifest["layers"]["buildings"]["height_field"] == "height"
    ids = sorted(b["properties"]["id"] for b in read_buildings(folder))
    assert ids == sorted(with_height["id"].tolist())
    assert "terrain" in manifest["layers"]
    tiles = sum(layer["tiles"] for layer in manifest["layers"].values())
    assert results["TILES"] == tiles > 1
    digest = hashlib.sha256(Path(laz).read_bytes()).hexdigest()
    assert any(s.get("sha256") == digest for s in manifest["sources"])
    assert manifest["crs"]["crs_authority"].startswith("EPSG:4548")  # with the cloud's vertical CRS
    assert feedback.progress and max(feedback.progress) == 100
    if viewer_source() is not None:
        assert (folder / "index.html").is_file() and (folder / "serve.py").is_file()
    else:
        assert any("viewer" in w for w in feedback.warnings)
    # Nothing but the package beside it (the staging folder is gone).
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]


def test_zip_option_writes_one_zip(buildings, dtm, provider_registered, tmp_path):
    results = run({"BUILDINGS": str(buildings), "DTM": dtm, "ZIP": True, "OUTPUT": str(tmp_path / "city")})
    target = tmp_path / "city.zip"
    assert results["OUTPUT"] == str(target) and zipfile.is_zipfile(target)
    assert results["POINTS"] == 0 and results["BUILDING_COUNT"] > 0
    with opened_package(target) as folder:
        assert check_tileset(folder) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.zip"]


def test_buildings_without_heights_fail_naming_the_layer(laz, buildings, provider_registered, tmp_path):
    frame = gpd.read_file(buildings)[["id", "name", "geometry"]]
    footprints = tmp_path / "footprints_only.gpkg"
    frame.to_file(footprints, layer="footprints_only")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(QgsProcessingException) as error:
        run({"INPUT": [str(laz)], "BUILDINGS": str(footprints), "OUTPUT": str(out / "package")})
    message = str(error.value)
    assert "footprints_only" in message and "height field" in message
    assert "id, name" in message  # the fields the layer does have
    assert list(out.iterdir()) == []


def test_cancel_mid_run_leaves_nothing(laz, buildings, dtm, provider_registered, tmp_path):
    feedback = Feedback(cancel_at=20)
    with pytest.raises(QgsProcessingException, match="Canceled"):
        run({"INPUT": [str(laz)], "BUILDINGS": str(buildings), "DTM": dtm, "OUTPUT": str(tmp_path / "p")}, feedback)
    assert 20 <= max(feedback.progress) < 100
    assert list(tmp_path.iterdir()) == []


def test_a_file_without_crs_needs_the_crs_assigned(provider_registered, tmp_path):
    rng = np.random.default_rng(7)
    xyz = rng.uniform([448_800.0, 4_417_200.0, 40.0], [448_900.0, 4_417_300.0, 60.0], size=(3_000, 3))
    las = write_las(tmp_path / "no_crs.las", xyz, version="1.4", point_format=6, scale=0.001)
    with pytest.raises(QgsProcessingException, match="no CRS record"):
        run({"INPUT": [str(las)], "OUTPUT": str(tmp_path / "a")})
    assert not (tmp_path / "a").exists()
    results = run({"INPUT": [str(las)], "SOURCE_CRS": "EPSG:4548", "OUTPUT": str(tmp_path / "b")})
    assert results["POINTS"] == 3_000
    back = read_points(tmp_path / "b")["xyz"]
    assert same_points(back, las_points(las))
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert pyproj.CRS(manifest["crs"]["crs_wkt"]).to_epsg() == 4548


# -- qgis_process ------------------------------------------------------------------------------
def qgis_process(args, plugin_path, profile, timeout=600):
    # Debian's /usr/bin/qgis_process wrapper passes --noversioncheck, which qgis_process rejects.
    env = dict(
        os.environ,
        QGIS_PLUGINPATH=str(plugin_path),
        QGIS_CUSTOM_CONFIG_PATH=str(profile),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(Path(laspy.__file__).resolve().parent.parent),
    )
    return subprocess.run([QGIS_PROCESS, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_qgis_process_writes_a_zip_of_two_clouds(built_package, laz, buildings, dtm, tmp_path):
    profile = tmp_path / "profile"
    profile.mkdir()
    enabled = qgis_process(["plugins", "enable", "citytwin"], built_package, profile)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    rng = np.random.default_rng(3)
    extra = rng.uniform([448_900.0, 4_417_300.0, 45.0], [449_000.0, 4_417_400.0, 70.0], size=(2_500, 3))
    second = write_las(
        tmp_path / "second.las", extra, version="1.4", point_format=6, wkt=pyproj.CRS.from_epsg(4548).to_wkt()
    )
    target = tmp_path / "out" / "city.zip"
    target.parent.mkdir()
    result = qgis_process(
        [
            "--json",
            "run",
            "citytwin:scenepackage",
            "--",
            f"INPUT={laz}",
            f"INPUT={second}",  # a multiple-input parameter is given once per value
            f"BUILDINGS={buildings}",
            "HEIGHT_FIELD=height",
            f"DTM={dtm}",
            f"OUTPUT={target}",
        ],
        built_package,
        profile,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    payload = json.loads(result.stdout[result.stdout.index("{") :])["results"]
    total = point_count(laz) + len(extra)
    assert payload["OUTPUT"] == str(target) and payload["POINTS"] == total
    assert zipfile.is_zipfile(target) and sorted(p.name for p in target.parent.iterdir()) == ["city.zip"]
    with opened_package(target) as folder:
        assert check_tileset(folder) == []
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["layers"]["points"]["points"] == total
        assert {s["file"] for s in manifest["sources"] if s["kind"] == "point cloud"} == {laz.name, "second.las"}
