"""The sample city's scene package: validator-clean, 3D Tiles rules, and loaded by a real client.

The package is made the way `make demo` makes it, from the generated sample city: its lidar
tile, a DTM derived from it (twin.terrain), building heights from the lidar
(twin.building_heights), then ``export_scene_package`` with the viewer. Judges from
outside CityTwin: the Khronos glTF validator and CesiumJS in headless Chromium.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from citytwin.twin import package_check
from citytwin.twin.meshtiles import Dtm
from citytwin.twin.scene_package import export_scene_package
from citytwin_testing.cesium_client import run_cesium_check, screenshot_shows_content, serve_folder
from citytwin_testing.gltf import validate_gltf_files

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "qgis" / "artifacts"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_package(tmp_path_factory) -> dict:
    import geopandas as gpd
    import laspy

    from citytwin.layers.samplecity import generate_sample_city
    from citytwin.twin.building_heights import building_heights_from_file
    from citytwin.twin.terrain import surfaces_from_file

    folder = tmp_path_factory.mktemp("city")
    city = generate_sample_city(folder / "sample_city", small=True)
    laz = city.files["pointcloud"][0]
    surfaces = surfaces_from_file(laz, cell_size=2.0)
    z = np.where(surfaces.valid("dtm"), surfaces.dtm, np.nan).astype(np.float64)
    dtm = Dtm(z, surfaces.spec.geotransform, surfaces.crs_wkt)
    footprints = gpd.read_file(city.files["buildings"][0])
    heights = building_heights_from_file(laz, footprints, dtm=surfaces)
    target = folder / "sample_city_scene_package"
    result = export_scene_package(
        target, [laz], heights, dtm, title="CityTwin sample city · 样例城市", point_budget=20_000
    )
    with laspy.open(laz) as reader:
        count = reader.header.point_count
    usable = int((np.isfinite(heights["pc_height_m"]) & (heights["pc_height_m"] > 0)).sum())
    return {"path": target, "result": result, "points": count, "buildings": usable}


def test_sample_package_is_complete_and_valid(sample_package):
    path, manifest = sample_package["path"], sample_package["result"].manifest
    assert package_check.check_tileset(path) == []
    files = sorted(path.rglob("*.glb"))
    assert {p.parent.name for p in files} == {"points", "buildings", "terrain"}
    reports = validate_gltf_files([p for p in files if p.parent.name in ("points", "buildings", "terrain")])
    assert {Path(r["file"]).name: r["messages"][:3] for r in reports if r["numErrors"]} == {}
    assert manifest["layers"]["points"]["points"] == sum(manifest["layers"]["points"]["points_per_level"])
    assert manifest["layers"]["points"]["points"] == sample_package["points"]
    assert manifest["layers"]["buildings"]["features"] == sample_package["buildings"]
    assert (path / "index.html").is_file() and (path / "Cesium" / "LICENSE.md").is_file()
    assert manifest["viewer"]["library"] == "CesiumJS"


def test_cesium_loads_the_sample_package(sample_package):
    screenshot = ARTIFACTS / "scene_package_sample_cesium.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with serve_folder(sample_package["path"]) as url:
        report = run_cesium_check(f"{url}/index.html", screenshot)
    problems = {k: report.get(k) for k in ("tileFailures", "consoleErrors", "pageErrors", "failedRequests", "fatal")}
    assert report["tilesLoaded"], report
    assert not any(problems.values()), problems
    assert report["ok"] and report["exit_code"] == 0
    content = screenshot_shows_content(screenshot)
    print(f"screenshot: {screenshot} {content}")
    # The city fills a good part of the view with many colours (points, roofs, terrain).
    assert content["content_fraction"] > 0.15, content
    assert content["distinct_colours"] > 50, content
