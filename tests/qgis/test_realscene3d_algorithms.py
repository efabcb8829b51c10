"""The real-scene 3D algorithms run as a user's batch would (processing.run) on the sample city.

Truth is the sample city's model (truth/model.json: terrain function, building boxes and
heights), not CityTwin's own output; the glTF is checked by the Khronos validator.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from osgeo import gdal
from PIL import Image
from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsVectorLayer

from citytwin.layers.samplecity.model import build_city
from citytwin_testing.gltf import validate_gltf
from citytwin_testing.lasfiles import write_las


def run(algorithm, params, feedback=None):
    import processing

    return processing.run(f"citytwin:{algorithm}", params, feedback=feedback or QgsProcessingFeedback())


class Feedback(QgsProcessingFeedback):
    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[str] = []
        self.infos: list[str] = []

    def pushWarning(self, text: str) -> None:
        self.warnings.append(text)
        super().pushWarning(text)

    def pushInfo(self, text: str) -> None:
        self.infos.append(text)
        super().pushInfo(text)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def truth(sample_city):
    return json.loads(sample_city.truth.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def surfaces(laz, provider_registered, tmp_path_factory):
    folder = tmp_path_factory.mktemp("surfaces")
    params = {"INPUT": str(laz), "CELL_SIZE": 2.0}
    params.update({key: str(folder / f"{key.lower()}.tif") for key in ("DSM", "DTM", "NDSM")})
    return run("pointcloudsurfaces", params)


def read_raster(path):
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    return band.ReadAsArray().astype(float), dataset.GetGeoTransform(), band.GetNoDataValue(), dataset


def test_algorithms_are_registered_in_the_real_scene_group(provider_registered):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    for name in ("pointcloudinfo", "pointcloudsurfaces", "buildingheights", "renderscene", "exportscene"):
        alg = registry.algorithmById(f"citytwin:{name}")
        assert alg is not None, name
        assert alg.groupId() == "realscene3d" and alg.shortHelpString(), name
        assert alg.canExecute()[0], name


def test_surfaces_match_the_sample_city_terrain_and_buildings(surfaces, truth):
    assert surfaces["GROUND_METHOD"] == "classes"
    city = build_city()
    dtm, gt, nodata, dataset = read_raster(surfaces["DTM"])
    assert nodata == -9999 and gt[1] == 2.0 and gt[5] == -2.0
    srs = dataset.GetSpatialRef()  # the file's compound CRS: CGCS2000 GK CM 117E + Yellow Sea 1985 height
    assert srs.GetAuthorityCode("PROJCS") == "4548" and srs.GetAuthorityCode("VERT_CS") == "5737"
    rows, cols = np.indices(dtm.shape)
    x, y = gt[0] + (cols + 0.5) * gt[1], gt[3] + (rows + 0.5) * gt[5]
    valid = dtm != nodata
    assert valid.mean() > 0.9
    # Known answer: the model's terrain function at the cell centres (points 4 m apart, 3 cm noise).
    error = np.abs(dtm - city.ground_z(x, y))[valid]
    assert np.median(error) < 0.05 and np.percentile(error, 99) < 0.3

    ndsm, _gt, _nodata, _ = read_raster(surfaces["NDSM"])
    dsm, _gt, _nodata, _ = read_raster(surfaces["DSM"])
    for building in truth["buildings"][:20]:
        cx, cy = (building["xmin"] + building["xmax"]) / 2, (building["ymin"] + building["ymax"]) / 2
        r, c = int((cy - gt[3]) / gt[5]), int((cx - gt[0]) / gt[1])
        window = ndsm[r - 2 : r + 3, c - 2 : c + 3]
        window = window[window != -9999]
        assert np.median(window) == pytest.approx(building["height"], abs=0.5), building["building_id"]
        roof = dsm[r - 2 : r + 3, c - 2 : c + 3]
        roof = roof[roof != -9999]
        assert np.median(roof) == pytest.approx(float(city.ground_z(cx, cy)) + building["height"], abs=0.5)


def test_building_heights_match_the_model_and_leave_the_input_alone(laz, buildings, truth, provider_registered):
    before = sha256(buildings)
    feedback = Feedback()
    result = run("buildingheights", {"INPUT": str(laz), "FOOTPRINTS": str(buildings), "OUTPUT": "memory:"}, feedback)
    layer = result["OUTPUT"]
    assert isinstance(layer, QgsVectorLayer) and layer.featureCount() == len(truth["buildings"])
    names = layer.fields().names()
    for field in ("pc_points", "pc_roof_z", "pc_ground_z", "pc_height_m", "pc_height_std", "pc_flag", "height"):
        assert field in names
    true_height = {b["building_id"]: b["height"] for b in truth["buildings"]}
    measured = [(f["id"], f["pc_height_m"], f["pc_points"]) for f in layer.getFeatures()]
    assert result["MEASURED"] == sum(1 for _id, h, _n in measured if h is not None)
    assert result["MEASURED"] >= 0.95 * len(measured)
    errors = [abs(h - true_height[i]) for i, h, n in measured if h is not None]
    assert max(errors) < 0.3, max(errors)
    assert sha256(buildings) == before  # the input layer is never modified
    assert layer.renderer().type() == "graduatedSymbol" or layer.renderer() is not None


def test_building_heights_with_the_dtm_of_the_surfaces_agree(laz, buildings, surfaces, provider_registered):
    own = run("buildingheights", {"INPUT": str(laz), "FOOTPRINTS": str(buildings), "OUTPUT": "memory:"})["OUTPUT"]
    given = run(
        "buildingheights",
        {"INPUT": str(laz), "FOOTPRINTS": str(buildings), "DTM": surfaces["DTM"], "OUTPUT": "memory:"},
    )["OUTPUT"]
    a = {f["id"]: f["pc_height_m"] for f in own.getFeatures()}
    b = {f["id"]: f["pc_height_m"] for f in given.getFeatures()}
    assert a.keys() == b.keys()
    # The same ground, once made on a 1 m grid in the same pass and once read from the 2 m DTM.
    assert max(abs(a[k] - b[k]) for k in a if a[k] is not None) < 0.1


def test_render_scene_with_buildings_and_terrain(laz, buildings, surfaces, provider_registered, tmp_path):
    out = tmp_path / "scene.png"
    result = run(
        "renderscene",
        {
            "INPUT": str(laz),
            "COLOUR": 2,  # classification
            "BUILDINGS": str(buildings),
            "HEIGHT_FIELD": "height",
            "TERRAIN": surfaces["DTM"],
            "CAMERA": 0,
            "WIDTH": 800,
            "HEIGHT": 500,
            "OUTPUT": str(out),
        },
    )
    assert result["OUTPUT"] == str(out) and result["POINTS"] > 10_000
    with Image.open(out) as png:
        image = np.asarray(png.convert("RGB"))
    assert image.shape == (500, 800, 3)
    content = image.min(axis=2) < 250
    assert content.mean() > 0.3 and image[content].std() > 15


def test_render_with_a_camera_of_ones_own(laz, provider_registered, tmp_path, truth):
    building = truth["buildings"][0]
    cx, cy = (building["xmin"] + building["xmax"]) / 2, (building["ymin"] + building["ymax"]) / 2
    out = tmp_path / "own.png"
    spec = f"{cx}, {cy - 200}, 250; {cx}, {cy}, 50"
    run("renderscene", {"INPUT": str(laz), "CAMERA_SPEC": spec, "WIDTH": 400, "HEIGHT": 300, "OUTPUT": str(out)})
    assert out.is_file()
    with pytest.raises(QgsProcessingException, match="not 'x,y,z; x,y,z'"):
        run("renderscene", {"INPUT": str(laz), "CAMERA_SPEC": "1,2; 3", "OUTPUT": str(tmp_path / "bad.png")})
    assert not (tmp_path / "bad.png").exists()


def test_export_glb_passes_the_khronos_validator(laz, buildings, provider_registered, tmp_path):
    from citytwin.twin.export import read_glb_points

    out = tmp_path / "view.glb"
    result = run(
        "exportscene",
        {
            "INPUT": str(laz),
            "BUDGET": 50_000,
            "BUILDINGS": str(buildings),
            "HEIGHT_FIELD": "height",
            "OUTPUT": str(out),
        },
    )
    assert result["POINTS"] <= 50_000
    report = validate_gltf(out)
    assert report["numErrors"] == 0, report["messages"][:5]
    origin, local, _rgba = read_glb_points(out)
    assert len(local) == result["POINTS"]
    # Georeferenced: origin + offset lands on a point of the file (read by laspy), within float32 rounding.
    import laspy
    from scipy.spatial import cKDTree

    las = laspy.read(laz)
    tree = cKDTree(np.column_stack([las.x, las.y, las.z]))
    distance, _ = tree.query(origin + local.astype(np.float64))
    assert distance.max() < 0.01


def test_export_vtm_with_buildings(laz, buildings, provider_registered, tmp_path):
    import pyvista as pv

    out = tmp_path / "view.vtm"
    result = run(
        "exportscene",
        {
            "INPUT": str(laz),
            "BUDGET": 20_000,
            "BUILDINGS": str(buildings),
            "HEIGHT_FIELD": "height",
            "OUTPUT": str(out),
        },
    )
    blocks = pv.read(str(result["OUTPUT"]))
    assert blocks.n_blocks >= 2 and blocks[0].n_points == result["POINTS"]


def test_file_without_crs_is_reported_and_cannot_meet_buildings(buildings, provider_registered, tmp_path):
    rng = np.random.default_rng(1)
    xyz = rng.uniform([448800, 4417200, 40], [448900, 4417300, 60], size=(2000, 3))
    src = write_las(tmp_path / "nocrs.las", xyz, np.full(2000, 2, dtype=np.uint8))
    feedback = Feedback()
    run("renderscene", {"INPUT": str(src), "WIDTH": 200, "HEIGHT": 200, "OUTPUT": str(tmp_path / "a.png")}, feedback)
    assert any("no CRS record" in w and "never guessed" in w for w in feedback.warnings)
    with pytest.raises(QgsProcessingException, match="no CRS"):
        run("buildingheights", {"INPUT": str(src), "FOOTPRINTS": str(buildings), "OUTPUT": "memory:"})
    # Assigning the CRS makes it work.
    result = run(
        "buildingheights",
        {"INPUT": str(src), "SOURCE_CRS": "EPSG:4548", "FOOTPRINTS": str(buildings), "OUTPUT": "memory:"},
    )
    assert result["OUTPUT"].featureCount() > 0


def test_missing_file_is_a_clear_error_and_nothing_is_written(provider_registered, tmp_path):
    params = {"INPUT": str(tmp_path / "missing.laz"), "CELL_SIZE": 1.0}
    params.update({key: str(tmp_path / f"{key}.tif") for key in ("DSM", "DTM", "NDSM")})
    with pytest.raises(QgsProcessingException, match="missing.laz"):
        run("pointcloudsurfaces", params)
    assert list(tmp_path.iterdir()) == []


def test_cancel_leaves_no_raster(laz, provider_registered, tmp_path):
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda value: feedback.cancel() if value > 1 else None)
    params = {"INPUT": str(laz), "CELL_SIZE": 1.0}
    params.update({key: str(tmp_path / f"{key}.tif") for key in ("DSM", "DTM", "NDSM")})
    with pytest.raises(QgsProcessingException, match="Canceled"):
        run("pointcloudsurfaces", params, feedback)
    assert list(tmp_path.iterdir()) == []
