"""3D scene packages (3D Tiles 1.1): validity, georeferencing round trip, counts, bad input.

Truth is independent of the exporter: the source files written here (known points,
footprints, a planar DTM), PROJ for the geodesy, the Khronos glTF validator, and the
3D Tiles rules checked by :mod:`citytwin.twin.package_check` (which reads only the
published formats).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from citytwin.common.errors import Canceled, InputError
from citytwin.twin import package_check, pointtiles
from citytwin.twin.ecef import LocalFrame
from citytwin.twin.scene_package import export_scene_package
from citytwin_testing.gltf import validate_gltf_files

CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
X0, Y0 = 441_000.0, 4_421_000.0
#: Buildings: (xmin, ymin, xmax, ymax, height); ground at 40 m + 0.01 x.
BOXES = [(20, 20, 60, 50, 30.0), (100, 30, 130, 90, 12.5), (150, 120, 190, 170, 55.0)]


def ground(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 40.0 + 0.01 * (x - X0) + 0.005 * (y - Y0)


def city_points(spacing: float = 1.0) -> dict[str, np.ndarray]:
    gx, gy = np.meshgrid(np.arange(0, 200, spacing), np.arange(0, 200, spacing))
    x, y = gx.ravel() + X0, gy.ravel() + Y0
    z = ground(x, y)
    cls = np.full(x.size, 2, dtype=np.uint8)
    for xmin, ymin, xmax, ymax, h in BOXES:
        roof = (x >= X0 + xmin) & (x <= X0 + xmax) & (y >= Y0 + ymin) & (y <= Y0 + ymax)
        z = np.where(roof, ground(x, y) + h, z)
        cls[roof] = 6
    rng = np.random.default_rng(7)
    return {
        "x": x,
        "y": y,
        "z": z,
        "classification": cls,
        "intensity": rng.integers(0, 4000, x.size).astype(np.uint16),
        "red": (rng.integers(0, 256, x.size) * 257).astype(np.uint16),
        "green": (rng.integers(0, 256, x.size) * 257).astype(np.uint16),
        "blue": (rng.integers(0, 256, x.size) * 257).astype(np.uint16),
    }


def write_las(path: Path, points: dict[str, np.ndarray], crs: str | None = CRS) -> Path:
    import laspy
    import pyproj

    header = laspy.LasHeader(point_format=7, version="1.4")
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.array([X0, Y0, 0.0])
    if crs:
        header.add_crs(pyproj.CRS.from_user_input(crs))
    data = laspy.LasData(header)
    for name, values in points.items():
        setattr(data, name, values)
    data.write(str(path))
    return path


def write_buildings(path: Path, with_heights: bool = True) -> Path:
    import geopandas as gpd
    from shapely.geometry import box

    frame = gpd.GeoDataFrame(
        {
            "id": np.arange(len(BOXES)),
            "name": ["住宅楼A", "office B", "学校C"],
            "use": ["residential", "office", "public"],
            **({"height": [b[4] for b in BOXES]} if with_heights else {"floors": [10, 4, 18]}),
        },
        geometry=[box(X0 + b[0], Y0 + b[1], X0 + b[2], Y0 + b[3]) for b in BOXES],
        crs=CRS,
    )
    frame.to_file(path, driver="GPKG")
    return path


def write_dtm(path: Path, cell: float = 2.0, size: int = 101) -> Path:
    from osgeo import gdal, osr

    x0, y0 = X0 - 1.0, Y0 + 201.0
    cols = rows = size
    xs = x0 + (np.arange(cols) + 0.5) * cell
    ys = y0 - (np.arange(rows) + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    z = ground(gx, gy).astype(np.float32)
    z[:3, :3] = -9999.0  # a no-data corner
    ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((x0, cell, 0, y0, 0, -cell))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4548)
    ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(-9999.0)
    band.WriteArray(z)
    ds = None
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sources")
    points = city_points()
    return {
        "las": write_las(folder / "city.las", points),
        "buildings": write_buildings(folder / "buildings.gpkg"),
        "dtm": write_dtm(folder / "dtm.tif"),
        "points": points,
    }


@pytest.fixture(scope="module")
def package(sources, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("out") / "city_package"
    export_scene_package(
        target, [sources["las"]], sources["buildings"], sources["dtm"], point_budget=2000, viewer=False
    )
    return target


def _source_xyz(points: dict[str, np.ndarray]) -> np.ndarray:
    # As stored in the LAS: 1 mm quanta.
    return np.column_stack([np.round(points[c] * 1000) / 1000 for c in ("x", "y", "z")])


# -- acceptance 1: valid glTF and 3D Tiles 1.1 ---------------------------------------------------------
def test_every_glb_passes_the_khronos_validator(package):
    files = sorted(package.rglob("*.glb"))
    assert {p.parent.name for p in files} == {"points", "buildings", "terrain"}
    reports = validate_gltf_files(files)
    errors = {Path(r["file"]).name: r["messages"][:3] for r in reports if r["numErrors"]}
    assert errors == {}


def test_tileset_follows_the_3d_tiles_rules(package):
    assert package_check.check_tileset(package) == []
    tileset, _ = package_check.load(package)
    assert tileset["asset"]["version"] == "1.1"
    layers = {c["extras"]["layer"] for c in tileset["root"]["children"]}
    assert layers == {"points", "buildings", "terrain"}


def test_point_geometric_error_halves_with_depth(package):
    tileset, _ = package_check.load(package)
    points = next(c for c in tileset["root"]["children"] if c["extras"]["layer"] == "points")
    stack = [points]
    pairs = 0
    while stack:
        tile = stack.pop()
        for child in tile.get("children", []):
            if child.get("children"):  # inner tiles: exactly half; leaves: 0
                assert child["geometricError"] == pytest.approx(tile["geometricError"] / 2)
                pairs += 1
            else:
                assert child["geometricError"] == 0
            stack.append(child)
    assert pairs >= 1


def test_checker_catches_broken_tilesets(package, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(package, broken)
    tileset, _ = package_check.load(broken)
    child = tileset["root"]["children"][0]
    child["children"][0]["geometricError"] = child["geometricError"] * 3
    child["boundingVolume"]["box"][3] = 0.5  # shrink the parent: children stick out
    tileset["root"]["children"][1]["children"] = [
        {"boundingVolume": child["boundingVolume"], "geometricError": 0, "content": {"uri": "nowhere.glb"}}
    ]
    (broken / "tileset.json").write_text(json.dumps(tileset))
    problems = " | ".join(package_check.check_tileset(broken))
    assert "does not decrease" in problems
    assert "not inside its parent" in problems
    assert "content file missing" in problems


# -- acceptance 3: round trip and counts ---------------------------------------------------------------------
def test_points_read_back_within_a_centimetre(package, sources):
    got = package_check.read_points(package)
    source = _source_xyz(sources["points"])
    assert len(got["xyz"]) == len(source)
    distance, index = cKDTree(got["xyz"]).query(source)
    assert distance.max() < 0.01
    # One package point per source point (ADD: nothing duplicated, nothing lost).
    assert len(np.unique(index)) == len(source)
    assert np.array_equal(got["classification"][index], sources["points"]["classification"])
    assert np.array_equal(got["intensity"][index], sources["points"]["intensity"])
    # COLOR_0 is linear in glTF: the sRGB bytes of the file, linearised (independent formula here).
    srgb = (sources["points"]["red"] // 257) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    assert np.array_equal(got["rgba"][index, 0], np.round(255 * linear).astype(np.uint8))


def test_counts_per_level_add_up_to_the_source(package, sources):
    _, manifest = package_check.load(package)
    levels = manifest["layers"]["points"]["points_per_level"]
    assert sum(levels) == manifest["layers"]["points"]["points"] == len(sources["points"]["x"])
    assert manifest["sources"][0]["points"] == len(sources["points"]["x"])
    per_depth = package_check.read_points(package)["per_depth"]
    # depth in the tileset = octree level + 1 (the root above the layers).
    assert {d - 1: n for d, n in per_depth.items()} == {k: n for k, n in enumerate(levels) if n}


def test_building_corners_read_back_within_a_centimetre(package):
    buildings = package_check.read_buildings(package)
    assert len(buildings) == len(BOXES)
    for building in buildings:
        k = building["properties"]["id"]
        xmin, ymin, xmax, ymax, height = BOXES[k]
        corners = np.array([[X0 + x, Y0 + y] for x in (xmin, xmax) for y in (ymin, ymax)])
        base = ground(corners[:, 0], corners[:, 1]).min()  # lowest DTM under the outline
        expected = np.vstack([np.column_stack([corners, np.full(4, z)]) for z in (base, base + height)])
        distance, _ = cKDTree(building["xyz"]).query(expected)
        assert distance.max() < 0.01, (k, distance.max())
        assert building["properties"]["height_m"] == pytest.approx(height)
    names = sorted(b["properties"]["name"] for b in buildings)
    assert names == sorted(["住宅楼A", "office B", "学校C"])


def test_terrain_vertices_lie_on_the_dtm(package):
    tileset, manifest = package_check.load(package)
    frame = LocalFrame.at(manifest["crs"]["crs_wkt"], manifest["origin"]["crs_xyz"])
    leaves = 0
    for tile, _, _, matrix, layer in package_check.walk(tileset):
        if layer != "terrain" or "content" not in tile:
            continue
        assert tile["refine"] == "REPLACE"
        for part in package_check.glb_parts(package / tile["content"]["uri"]):
            ecef = part["xyz"] @ matrix[:3, :3].T + matrix[:3, 3]
            xyz = frame.from_enu(frame.ecef_to_enu(ecef))
            assert np.abs(xyz[:, 2] - ground(xyz[:, 0], xyz[:, 1])).max() < 0.01
        leaves += not tile.get("children")
    assert leaves >= 1


def test_manifest_says_what_is_inside(package, sources):
    import hashlib

    _, manifest = package_check.load(package)
    assert manifest["generator"] == "CityTwin"
    assert manifest["crs"]["authority"] == "EPSG:4548"
    assert "ballpark" in manifest["crs"]["to_ecef"].lower() or "wgs 84" in manifest["crs"]["datum"].lower()
    by_kind = {s["kind"]: s for s in manifest["sources"]}
    assert by_kind["point cloud"]["sha256"] == hashlib.sha256(sources["las"].read_bytes()).hexdigest()
    assert set(by_kind) == {"point cloud", "buildings", "DTM"}
    schema = manifest["layers"]["buildings"]["schema"]["classes"]["building"]["properties"]
    assert {"id", "name", "use", "height", "height_m"} <= set(schema)
    assert manifest["layers"]["buildings"]["features"] == len(BOXES)
    assert manifest["citytwin_version"]
    origin = np.asarray(manifest["origin"]["crs_xyz"])
    assert np.all(np.abs(origin[:2] - (X0 + 100, Y0 + 100)) < 101)


def test_frame_is_east_north_up_on_the_ellipsoid():
    import pyproj

    frame = LocalFrame.at(CRS, (X0, Y0, 50.0))
    geo = pyproj.Transformer.from_crs(CRS, "EPSG:4979", always_xy=True)
    lon, lat, _ = geo.transform(X0, Y0, 50.0)
    to_ecef = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    # 100 m straight up (ellipsoidal), and a point 0.001 degree north: ENU (0, +, ~0).
    up = frame.ecef_to_enu(np.array([to_ecef.transform(lon, lat, 150.0)]))[0]
    north = frame.ecef_to_enu(np.array([to_ecef.transform(lon, lat + 0.001, 50.0)]))[0]
    assert up == pytest.approx([0, 0, 100], abs=1e-6)
    assert abs(north[0]) < 1e-6 and north[1] == pytest.approx(111.0, rel=0.01) and abs(north[2]) < 0.01
    matrix = np.asarray(frame.transform()).reshape(4, 4).T
    assert matrix[:3, 3] == pytest.approx(frame.origin_ecef)
    assert np.allclose(matrix[:3, :3].T @ matrix[:3, :3], np.eye(3))


# -- the out-of-core path: many chunks, tiles above them built bottom-up -----------------------------------
def test_many_chunks_keep_every_point_once(sources, tmp_path, monkeypatch):
    monkeypatch.setattr(pointtiles, "CHUNK_POINTS", 3000)
    monkeypatch.setattr(pointtiles, "BATCH_POINTS", 7000)
    target = tmp_path / "chunked"
    result = export_scene_package(target, [sources["las"]], point_budget=500, viewer=False, colour_by="classification")
    assert package_check.check_tileset(target) == []
    got = package_check.read_points(target)
    source = _source_xyz(sources["points"])
    distance, index = cKDTree(got["xyz"]).query(source)
    assert distance.max() < 0.01 and len(np.unique(index)) == len(source) == result.points
    levels = result.manifest["layers"]["points"]["points_per_level"]
    assert len(levels) >= 4 and levels[0] > 0
    # Classification colours: the ASPRS palette (building red, ground brown).
    roof = got["classification"] == 6
    from citytwin.twin.export import SRGB_TO_LINEAR_BYTE

    lin = SRGB_TO_LINEAR_BYTE
    assert np.all(got["rgba"][roof, :3] == lin[[215, 25, 28]]) and np.all(got["rgba"][~roof, :3] == lin[[166, 97, 26]])


def test_budget_and_spread(package):
    tileset, _ = package_check.load(package)
    counts = [
        len(p["xyz"])
        for t, *_ in package_check.walk(tileset)
        if "content" in t and t["content"]["uri"].startswith("points/")
        for p in package_check.glb_parts(package / t["content"]["uri"])
    ]
    assert max(counts) <= 2000


# -- acceptance 4: bad input -------------------------------------------------------------------------------------
def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_empty_cloud_is_refused(tmp_path):
    empty = {k: v[:0] for k, v in city_points(50.0).items()}
    las = write_las(tmp_path / "empty.las", empty)
    with pytest.raises(InputError, match="no points|empty") as err:
        export_scene_package(tmp_path / "pkg", [las], viewer=False)
    assert "empty.las" in str(err.value)
    assert _leftovers(tmp_path) == ["empty.las"]


def test_cloud_without_crs_is_refused_not_guessed(tmp_path):
    las = write_las(tmp_path / "nocrs.las", city_points(20.0), crs=None)
    with pytest.raises(InputError, match="no CRS") as err:
        export_scene_package(tmp_path / "pkg", [las], viewer=False)
    assert "nocrs.las" in str(err.value)
    assert _leftovers(tmp_path) == ["nocrs.las"]
    # Given explicitly, the CRS is used.
    result = export_scene_package(tmp_path / "pkg", [pointtiles.CloudSource(las, CRS)], viewer=False)
    assert result.points == len(city_points(20.0)["x"])


def test_buildings_without_heights_are_refused(tmp_path, sources):
    gpkg = write_buildings(tmp_path / "noheight.gpkg", with_heights=False)
    with pytest.raises(InputError, match="no heights") as err:
        export_scene_package(tmp_path / "pkg", buildings=gpkg, dtm=sources["dtm"], viewer=False)
    assert "noheight.gpkg" in str(err.value) and "floors" in str(err.value)
    with pytest.raises(InputError, match="no field 'hauteur'"):
        export_scene_package(tmp_path / "pkg", buildings=gpkg, height_field="hauteur", viewer=False)
    assert _leftovers(tmp_path) == ["noheight.gpkg"]


def test_unwritable_targets_are_refused(tmp_path, sources):
    with pytest.raises(InputError, match="does not exist"):
        export_scene_package(tmp_path / "missing" / "pkg", [sources["las"]], viewer=False)
    keep = tmp_path / "my_data"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a CityTwin scene package"):
        export_scene_package(keep, [sources["las"]], viewer=False)
    assert (keep / "notes.txt").read_text() == "mine"
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        export_scene_package(a_file, [sources["las"]], viewer=False)
    # A folder that the system will not let anyone write (root included).
    with pytest.raises(InputError, match="cannot write|not writable"):
        export_scene_package(Path("/proc/citytwin_package"), [sources["las"]], viewer=False)


@pytest.fixture(scope="module")
def cancel_checks(sources, tmp_path_factory) -> int:
    """How many times a whole export asks whether it is cancelled."""
    calls = {"n": 0}

    def counting() -> bool:
        calls["n"] += 1
        return False

    target = tmp_path_factory.mktemp("count") / "pkg"
    export_scene_package(
        target, [sources["las"]], sources["buildings"], sources["dtm"], viewer=False, is_canceled=counting
    )
    return calls["n"]


@pytest.mark.parametrize("when", [0.0, 0.3, 0.6, 0.95])
def test_cancel_mid_export_leaves_nothing(tmp_path, sources, cancel_checks, when):
    calls = {"n": 0}
    stop_after = int(when * cancel_checks)

    def is_canceled() -> bool:
        calls["n"] += 1
        return calls["n"] > stop_after

    with pytest.raises(Canceled):
        export_scene_package(
            tmp_path / "pkg",
            [sources["las"]],
            sources["buildings"],
            sources["dtm"],
            viewer=False,
            is_canceled=is_canceled,
        )
    assert _leftovers(tmp_path) == []


def test_cancel_keeps_the_previous_package(tmp_path, sources):
    target = tmp_path / "pkg"
    export_scene_package(target, [sources["las"]], viewer=False, point_budget=5000)
    before = sorted(p.relative_to(target) for p in target.rglob("*"))
    with pytest.raises(Canceled):
        export_scene_package(target, [sources["las"]], viewer=False, is_canceled=lambda: True)
    assert sorted(p.relative_to(target) for p in target.rglob("*")) == before
    assert _leftovers(tmp_path) == ["pkg"]
    # Replacing a CityTwin package is allowed.
    export_scene_package(target, [sources["las"]], viewer=False, point_budget=1000)
    assert _leftovers(tmp_path) == ["pkg"] and package_check.check_tileset(target) == []


# -- zip --------------------------------------------------------------------------------------------------------
def test_zip_package(tmp_path, sources):
    target = tmp_path / "city.zip"
    export_scene_package(target, [sources["las"]], sources["buildings"], viewer=False)
    assert _leftovers(tmp_path) == ["city.zip"]
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unzipped")
    assert {"tileset.json", "manifest.json"} <= names
    assert package_check.check_tileset(tmp_path / "unzipped") == []


# -- the level assignment against a plain recursive definition ---------------------------------------------
def _reference_depths(codes: np.ndarray, bits: int, grid_bits: int, budget: int, leaf: int) -> np.ndarray:
    """Node by node, the way the rule is stated (slow, obviously right)."""
    depth = np.full(len(codes), -1)

    def visit(members: np.ndarray, d: int) -> None:
        if len(members) == 0:
            return
        if d == leaf or len(members) <= budget:
            depth[members] = d
            return
        shift = 3 * (bits - d - grid_bits)
        while True:
            seen, firsts = set(), []
            for i in members:  # members are in code order
                cell = int(codes[i]) >> shift
                if cell not in seen:
                    seen.add(cell)
                    firsts.append(i)
            if len(firsts) <= budget:
                break
            shift += 3
        depth[firsts] = d
        rest = np.setdiff1d(members, firsts)
        child = codes[rest] >> np.uint64(3 * (bits - d - 1))
        for value in np.unique(child):
            visit(rest[child == value], d + 1)

    visit(np.arange(len(codes)), 0)
    return depth


@pytest.mark.parametrize("budget", [1, 7, 40])
def test_assign_depths_matches_the_recursive_rule(budget):
    rng = np.random.default_rng(budget)
    bits, grid_bits, leaf = 6, 2, 4
    xyz = rng.integers(0, 2**bits, size=(600, 3))
    xyz[:200] = xyz[0]  # a pile of duplicates
    codes = np.sort(pointtiles.morton3(xyz[:, 0], xyz[:, 1], xyz[:, 2]))
    got = pointtiles.assign_depths(codes, bits, grid_bits, budget, leaf)
    assert np.array_equal(got, _reference_depths(codes, bits, grid_bits, budget, leaf))
    assert (got >= 0).all()


def test_morton_codes_interleave_and_decode():
    rng = np.random.default_rng(1)
    xyz = rng.integers(0, 2**21, size=(1000, 3))
    codes = pointtiles.morton3(xyz[:, 0], xyz[:, 1], xyz[:, 2])
    assert [pointtiles.demorton3(int(c)) for c in codes[:50]] == [tuple(v) for v in xyz[:50].tolist()]
    # x is the highest bit of each triple: the octant order of the octree.
    assert int(pointtiles.morton3(np.array([1]), np.array([0]), np.array([0]))[0]) == 4


def test_enu_grid_agrees_with_pyproj():
    from citytwin.twin.ecef import EnuGrid

    frame = LocalFrame.at(CRS, (X0, Y0, 40.0))
    rng = np.random.default_rng(3)
    x, y, z = X0 + rng.uniform(-3000, 3000, 20000), Y0 + rng.uniform(-3000, 3000, 20000), rng.uniform(-50, 400, 20000)
    grid = EnuGrid(frame, (x.min(), y.min(), x.max(), y.max()))
    assert np.abs(grid.to_enu(x, y, z) - frame.to_enu(x, y, z)).max() < 1e-4
    assert grid.fallbacks == 0
    # Points far outside the grid (a wrong header extent): checked, and computed exactly instead.
    small = EnuGrid(frame, (X0, Y0, X0 + 10, Y0 + 10))
    far = small.to_enu(x, y, z)
    assert np.abs(far - frame.to_enu(x, y, z)).max() < 1e-6
    assert small.fallbacks == 1 or not small.usable


def test_package_is_readable_by_a_web_server(package, tmp_path, sources):
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    for path in [package, *package.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o044 == 0o044 & ~umask, (path, oct(mode))  # others can read
    target = tmp_path / "p.zip"
    export_scene_package(target, [sources["las"]], viewer=False)
    assert stat.S_IMODE(target.stat().st_mode) & 0o044 == 0o044


# -- what review found: edge cases -----------------------------------------------------------------------------
def test_a_header_extent_too_small_is_mended(tmp_path):
    import struct

    points = city_points(4.0)
    las = write_las(tmp_path / "lying.las", points)
    data = bytearray(las.read_bytes())
    # LAS header: max X, min X, max Y, min Y, max Z, min Z (doubles at byte 179): claim 10 m x 10 m.
    struct.pack_into("<6d", data, 179, X0 + 10, X0, Y0 + 10, Y0, 45.0, 40.0)
    las.write_bytes(bytes(data))
    result = export_scene_package(tmp_path / "pkg", [las], point_budget=500, viewer=False)
    assert package_check.check_tileset(tmp_path / "pkg") == []
    got = package_check.read_points(tmp_path / "pkg")
    assert len(got["xyz"]) == len(points["x"])
    tileset, _ = package_check.load(tmp_path / "pkg")
    root = tileset["root"]["children"][0]
    # The octree covers the real 200 m city: its root samples it (not a 10 m cube with clamped points).
    assert root["geometricError"] > 1.0 and result.manifest["layers"]["points"]["points_per_level"][0] > 0


def test_identical_points_make_one_leaf_not_an_empty_parent(tmp_path, monkeypatch):
    monkeypatch.setattr(pointtiles, "CHUNK_POINTS", 1000)
    same = {k: np.repeat(v[:1], 5000) for k, v in city_points(50.0).items()}
    las = write_las(tmp_path / "same.las", same)
    export_scene_package(tmp_path / "pkg", [las], viewer=False)
    assert package_check.check_tileset(tmp_path / "pkg") == []
    assert len(package_check.read_points(tmp_path / "pkg")["xyz"]) == 5000


def test_geographic_dtm_errors_are_metres(tmp_path):
    from osgeo import gdal, osr

    path = tmp_path / "dtm_wgs84.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 65, 65, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((116.3, 0.0001, 0, 39.91, 0, -0.0001))  # about 8.5 m x 11 m cells
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(np.full((65, 65), 50.0, dtype=np.float32))
    ds = None
    result = export_scene_package(tmp_path / "pkg", dtm=path, crs=CRS, viewer=False)
    cell = result.manifest["layers"]["terrain"]["cell_size_m"]
    assert 8.0 < cell < 12.0
    tileset, _ = package_check.load(tmp_path / "pkg")
    terrain = tileset["root"]["children"][0]
    assert terrain["extras"]["layer"] == "terrain" and terrain["geometricError"] in (0.0, pytest.approx(cell, rel=0.01))
    assert package_check.check_tileset(tmp_path / "pkg") == []


def test_building_fields_are_kept_and_checked(tmp_path, sources):
    import geopandas as gpd

    frame = gpd.read_file(sources["buildings"])
    frame["height_m"] = [1.0, 2.0, 3.0]  # a user field with the name of a derived one
    frame["ground"] = ["40", "x", "41"]
    export_scene_package(tmp_path / "pkg", buildings=frame, height_field="height", viewer=False)
    props = {b["properties"]["id"]: b["properties"] for b in package_check.read_buildings(tmp_path / "pkg")}
    assert props[0]["height_m"] == 1.0 and props[0]["citytwin_height_m"] == BOXES[0][4]
    with pytest.raises(InputError, match="'ground'.*not a number.*'x'"):
        export_scene_package(tmp_path / "pkg2", buildings=frame, base_field="ground", buildings_name="footprints")
    with pytest.raises(InputError, match="no footprints") as err:
        export_scene_package(tmp_path / "pkg3", buildings=frame.iloc[:0], buildings_name="footprints")
    assert "footprints" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_compiled_kernels_match_the_numpy_path(monkeypatch):
    from citytwin.twin import tile_kernel

    if not tile_kernel.AVAILABLE:
        pytest.skip("numba is not installed: only the NumPy path exists")
    rng = np.random.default_rng(5)
    enu = rng.uniform(-120, 900, size=(20000, 3))  # some points outside the cube: clamped alike
    enu[:50] = enu[0]
    lo = np.array([0.0, 0.0, -10.0])
    compiled = tile_kernel.place(enu, lo, 800.0, 5, 2, 1024)
    records = np.zeros(len(enu), dtype=pointtiles.SPOOL_DTYPE)
    records["e"], records["n"], records["u"] = enu.T
    codes = tile_kernel.morton(records, lo, 800.0 / 2**12, 12)
    monkeypatch.setattr(tile_kernel, "AVAILABLE", False)
    plain = tile_kernel.place(enu, lo, 800.0, 5, 2, 1024)
    for a, b in zip(compiled, plain):
        assert np.array_equal(a, b)
    assert np.array_equal(codes, tile_kernel.morton(records, lo, 800.0 / 2**12, 12))
