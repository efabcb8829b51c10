"""glTF and VTK exports: the Khronos validator, the bytes read back, the georeferencing."""

from __future__ import annotations

import json
import struct

import numpy as np
import pyproj
import pytest
from shapely.geometry import box

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.samplecity.lidar import lidar_points
from citytwin.layers.samplecity.model import HEIGHT, ORIGIN_X, ORIGIN_Y, build_city
from citytwin.twin import export
from citytwin.twin.cloud import LocalCloud, PointChunk
from citytwin.twin.export import export_glb, export_vtk, read_glb_points
from citytwin.twin.render import render_png
from citytwin.twin.scene import BuildingsLayer, LinesLayer, SceneSpec, TerrainSurface, color_values
from citytwin_testing.gltf import validate_gltf

GK_WKT = pyproj.CRS.from_user_input("EPSG:4548+5737").to_wkt()


@pytest.fixture(scope="module")
def city():
    return build_city()


@pytest.fixture(scope="module")
def city_points(city) -> dict:
    return lidar_points(city, ground_spacing=5.0, roof_spacing=2.5)


@pytest.fixture(scope="module")
def city_cloud(city_points) -> LocalCloud:
    p = city_points
    chunk = PointChunk(p["x"], p["y"], p["z"], {k: v for k, v in p.items() if k not in "xyz"})
    return LocalCloud.from_chunk(chunk, crs_wkt=GK_WKT, source="sample city", total_points=len(p["x"]))


@pytest.fixture(scope="module")
def full_scene(city, city_cloud) -> SceneSpec:
    boxes = city.box_arrays()
    footprints = [box(*b) for b in zip(boxes["xmin"], boxes["ymin"], boxes["xmax"], boxes["ymax"])]
    xs = ORIGIN_X + (np.arange(60) + 0.5) * 20.0
    ys = ORIGIN_Y + HEIGHT - (np.arange(50) + 0.5) * 20.0
    gx, gy = np.meshgrid(xs, ys)
    z = city.ground_z(gx, gy)
    z[20:23, 30:34] = -9999.0
    dtm = TerrainSurface(z, (ORIGIN_X, 20.0, 0, ORIGIN_Y + HEIGHT, 0, -20.0), nodata=-9999.0, colormap="terrain")
    route = np.column_stack([city.streets_x[:3], city.streets_y[:3], [60.0, 70.0, 65.0]])
    return SceneSpec(
        city_cloud,
        colour_by="classification",
        buildings=[BuildingsLayer(footprints, boxes["top"] - boxes["base"], base_z=boxes["base"])],
        terrain=dtm,
        lines=[LinesLayer([route])],
    )


def parse_glb(path):
    """GLB parsed here with struct + json (independent of the exporter's reader)."""
    data = path.read_bytes()
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    assert (magic, version, length) == (b"glTF", 2, len(data))
    json_length, json_type = struct.unpack_from("<I4s", data, 12)
    bin_length, bin_type = struct.unpack_from("<I4s", data, 20 + json_length)
    assert (json_type, bin_type) == (b"JSON", b"BIN\0")
    assert json_length % 4 == 0 and bin_length % 4 == 0
    assert 20 + json_length + 8 + bin_length == len(data)
    doc = json.loads(data[20 : 20 + json_length])
    binary = data[28 + json_length :]
    return doc, binary


def accessor(doc, binary, index):
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    dtype = {5126: "<f4", 5121: "u1", 5125: "<u4"}[acc["componentType"]]
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[acc["type"]]
    offset = view["byteOffset"] + acc.get("byteOffset", 0)
    return np.frombuffer(binary, dtype=dtype, count=acc["count"] * width, offset=offset).reshape(-1, width)


def gltf_to_enu(p):
    return np.column_stack([p[:, 0], -p[:, 2], p[:, 1]])


def primitive_named(doc, name):
    (mesh,) = [m for m in doc["meshes"] if m["name"] == name]
    return mesh["primitives"][0]


# -- glTF ---------------------------------------------------------------------------------------
def test_cloud_glb_passes_the_khronos_validator(city_cloud, tmp_path):
    path = export_glb(SceneSpec(city_cloud, colour_by="rgb"), tmp_path / "cloud.glb")
    report = validate_gltf(path)
    assert report["numErrors"] == 0, report["messages"]
    assert report["numWarnings"] == 0, report["messages"]


def test_scene_glb_with_buildings_terrain_and_lines_passes_the_validator(full_scene, tmp_path):
    path = export_glb(full_scene, tmp_path / "scene.glb")
    report = validate_gltf(path)
    assert report["numErrors"] == 0, report["messages"]
    assert report["numWarnings"] == 0, report["messages"]
    doc, _ = parse_glb(path)
    assert {m["name"] for m in doc["meshes"]} == {"points", "buildings", "terrain", "lines"}


def test_glb_points_read_back_exactly(city_cloud, tmp_path):
    scene = SceneSpec(city_cloud, colour_by="classification")
    path = export_glb(scene, tmp_path / "cloud.glb")
    doc, binary = parse_glb(path)
    points = primitive_named(doc, "points")
    assert points["mode"] == 0
    position = doc["accessors"][points["attributes"]["POSITION"]]
    colour = doc["accessors"][points["attributes"]["COLOR_0"]]
    assert (position["componentType"], position["type"]) == (5126, "VEC3")
    assert (colour["componentType"], colour["type"], colour["normalized"]) == (5121, "VEC4", True)
    xyz = accessor(doc, binary, points["attributes"]["POSITION"])
    rgba = accessor(doc, binary, points["attributes"]["COLOR_0"])
    np.testing.assert_array_equal(gltf_to_enu(xyz), city_cloud.xyz)  # bit for bit
    assert position["min"] == xyz.min(axis=0).tolist() and position["max"] == xyz.max(axis=0).tolist()
    expected, _ = color_values(city_cloud, "classification")
    np.testing.assert_array_equal(rgba[:, :3], expected)
    assert (rgba[:, 3] == 255).all()
    # The exporter's own reader agrees.
    origin, positions, colours = read_glb_points(path)
    np.testing.assert_array_equal(origin, city_cloud.origin)
    np.testing.assert_array_equal(positions, city_cloud.xyz)
    np.testing.assert_array_equal(colours, rgba)


def test_glb_layout_is_aligned_and_georeferenced(full_scene, tmp_path):
    path = export_glb(full_scene, tmp_path / "scene.glb")
    doc, binary = parse_glb(path)
    assert doc["buffers"] == [{"byteLength": len(binary)}]
    for view in doc["bufferViews"]:
        assert view["byteOffset"] % 4 == 0
    for acc in doc["accessors"]:
        assert acc.get("byteOffset", 0) % 4 == 0
    geo = doc["asset"]["extras"]["citytwin"]
    (root,) = [n for n in doc["nodes"] if "children" in n]
    assert root["extras"]["citytwin"] == geo
    assert doc["scenes"][doc["scene"]]["nodes"] == [doc["nodes"].index(root)]
    assert geo["origin"] == full_scene.cloud.origin.tolist()
    assert geo["crs_authority"] == "EPSG:4548+5737"
    assert pyproj.CRS.from_wkt(geo["crs_wkt"]) == pyproj.CRS.from_wkt(GK_WKT)
    assert "+Y up" in geo["axes"]["convention"] and "origin[1] - Z" in geo["axes"]["to_real"]
    assert geo["legend"]["kind"] == "classes"
    assert "CityTwin" in geo["purpose"]


def test_glb_real_coordinates_within_a_millimetre(city_points, city_cloud, tmp_path):
    path = export_glb(SceneSpec(city_cloud), tmp_path / "cloud.glb")
    doc, binary = parse_glb(path)
    origin = np.array(doc["asset"]["extras"]["citytwin"]["origin"])
    xyz = gltf_to_enu(accessor(doc, binary, primitive_named(doc, "points")["attributes"]["POSITION"]))
    real = origin + xyz.astype(np.float64)
    truth = np.column_stack([city_points["x"], city_points["y"], city_points["z"]])
    assert truth[:, 1].min() > 4.4e6  # Gauss-Krüger magnitudes, where raw float32 would be 0.5 m coarse
    assert np.abs(real - truth).max() < 1e-3


def test_glb_buildings_and_terrain_read_back(full_scene, city, tmp_path):
    path = export_glb(full_scene, tmp_path / "scene.glb")
    doc, binary = parse_glb(path)
    origin = full_scene.cloud.origin
    buildings = primitive_named(doc, "buildings")
    assert buildings["mode"] == 4
    positions = gltf_to_enu(accessor(doc, binary, buildings["attributes"]["POSITION"])) + origin
    normals = gltf_to_enu(accessor(doc, binary, buildings["attributes"]["NORMAL"]))
    indices = accessor(doc, binary, buildings["indices"]).ravel()
    assert doc["accessors"][buildings["indices"]]["componentType"] == 5125
    assert indices.max() < len(positions)
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-6)
    boxes = city.box_arrays()
    np.testing.assert_allclose(
        positions.min(axis=0), [boxes["xmin"].min(), boxes["ymin"].min(), boxes["base"].min()], atol=2e-3
    )
    np.testing.assert_allclose(
        positions.max(axis=0), [boxes["xmax"].max(), boxes["ymax"].max(), boxes["top"].max()], atol=2e-3
    )
    # Closed boxes: the volume from the glTF triangles is the sum of the boxes' volumes.
    tris = positions[indices.reshape(-1, 3)] - origin
    volume = np.einsum("ij,ij->i", tris[:, 0], np.cross(tris[:, 1], tris[:, 2])).sum() / 6
    truth = ((boxes["xmax"] - boxes["xmin"]) * (boxes["ymax"] - boxes["ymin"]) * (boxes["top"] - boxes["base"])).sum()
    assert volume == pytest.approx(truth, rel=1e-5)  # positive: the faces turn outwards
    # Each vertex normal agrees with its triangle's winding (flat shading).
    winding = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    winding /= np.linalg.norm(winding, axis=1)[:, None]
    assert (np.einsum("ij,ij->i", winding, normals[indices.reshape(-1, 3)[:, 0]]) > 0.999).all()
    terrain = primitive_named(doc, "terrain")
    tz = gltf_to_enu(accessor(doc, binary, terrain["attributes"]["POSITION"]))[:, 2] + origin[2]
    valid = full_scene.terrain.z[full_scene.terrain.z != -9999.0]
    assert tz.min() == pytest.approx(valid.min(), abs=1e-3) and tz.max() == pytest.approx(valid.max(), abs=1e-3)
    assert "COLOR_0" in terrain["attributes"]
    tn = gltf_to_enu(accessor(doc, binary, terrain["attributes"]["NORMAL"]))
    assert (tn[:, 2] > 0.9).all()  # a gentle slope: normals point up


def test_simple_las_without_crs_exports_a_valid_glb(shared_data, tmp_path):
    import laspy

    las = laspy.read(shared_data / "simple.las")
    attrs = {n: np.asarray(las[n]) for n in ("red", "green", "blue", "classification")}
    cloud = LocalCloud.from_chunk(PointChunk(np.asarray(las.x), np.asarray(las.y), np.asarray(las.z), attrs))
    path = export_glb(SceneSpec(cloud), tmp_path / "autzen.glb")
    assert validate_gltf(path)["numErrors"] == 0
    origin, positions, colours = read_glb_points(path)
    truth = np.column_stack([las.x, las.y, las.z])
    assert np.abs(origin + positions.astype(np.float64) - truth).max() < 1e-3
    assert (colours[:, 0] == np.asarray(las.red)).all()  # 8-bit content in 16-bit fields
    doc, _ = parse_glb(path)
    assert doc["asset"]["extras"]["citytwin"]["crs_wkt"] is None


# -- VTK ----------------------------------------------------------------------------------------
def test_vtp_reads_back_with_pyvista(city_cloud, tmp_path):
    import pyvista as pv

    path = export_vtk(SceneSpec(city_cloud, colour_by="elevation"), tmp_path / "cloud.vtp")
    mesh = pv.read(path)
    assert mesh.n_points == len(city_cloud) and mesh.n_verts == len(city_cloud)
    assert mesh.points.dtype == np.float32
    np.testing.assert_array_equal(mesh.points, city_cloud.xyz)
    expected, _ = color_values(city_cloud, "elevation")
    np.testing.assert_array_equal(mesh.point_data["RGB"], expected)
    np.testing.assert_array_equal(mesh.point_data["classification"], city_cloud.attributes["classification"])
    np.testing.assert_array_equal(mesh.point_data["gps_time"], city_cloud.attributes["gps_time"])
    np.testing.assert_array_equal(mesh.field_data["citytwin_origin"], city_cloud.origin)
    wkt = mesh.GetFieldData().GetAbstractArray("citytwin_crs_wkt").GetValue(0)
    assert wkt == GK_WKT  # non-ASCII (the degree sign) kept
    assert [p.name for p in tmp_path.iterdir()] == ["cloud.vtp"]


def test_vtm_holds_every_layer(full_scene, tmp_path):
    import pyvista as pv

    path = export_vtk(full_scene, tmp_path / "scene.vtm")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene", "scene.vtm"]
    blocks = pv.read(path)
    assert list(blocks.keys()) == ["cloud", "terrain", "buildings", "lines"]
    np.testing.assert_array_equal(blocks.field_data["citytwin_origin"], full_scene.cloud.origin)
    cloud = blocks["cloud"]
    np.testing.assert_array_equal(cloud.points, full_scene.cloud.xyz)
    buildings = blocks["buildings"]
    assert buildings.points.dtype == np.float32
    assert buildings.n_open_edges == 0
    for name in blocks.keys():  # noqa: SIM118 - a MultiBlock, not a dict
        np.testing.assert_array_equal(blocks[name].field_data["citytwin_origin"], full_scene.cloud.origin)
    # Exporting again replaces both the index and its block folder.
    export_vtk(full_scene, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene", "scene.vtm"]
    assert pv.read(path).n_blocks == 4


def test_vtk_suffix_rules(full_scene, city_cloud, tmp_path):
    with pytest.raises(InputError, match=r"\.vtm"):
        export_vtk(full_scene, tmp_path / "scene.vtp")
    with pytest.raises(InputError, match=r"\.vtp"):
        export_vtk(SceneSpec(city_cloud), tmp_path / "cloud.ply")
    assert list(tmp_path.iterdir()) == []


# -- atomic writes --------------------------------------------------------------------------------
def test_missing_folder_is_an_input_error_and_nothing_is_written(full_scene, tmp_path):
    missing = tmp_path / "no" / "such"
    for write, name in ((export_glb, "a.glb"), (export_vtk, "a.vtm"), (render_png, "a.png")):
        with pytest.raises(InputError, match="does not exist"):
            write(full_scene, missing / name)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(city_cloud, tmp_path, monkeypatch):
    target = tmp_path / "cloud.glb"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export.GlbBuilder, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        export_glb(SceneSpec(city_cloud), target)
    assert [p.name for p in tmp_path.iterdir()] == ["cloud.glb"]
    assert target.read_bytes() == b"old"


def cancel_on_call(n):
    calls = []

    def is_canceled():
        calls.append(1)
        return len(calls) >= n

    return is_canceled


def test_cancel_writes_nothing(full_scene, tmp_path):
    with pytest.raises(Canceled):
        export_glb(full_scene, tmp_path / "a.glb", is_canceled=cancel_on_call(2))
    # The third check comes after VTK has written the blocks into the temporary folder.
    with pytest.raises(Canceled):
        export_vtk(full_scene, tmp_path / "a.vtm", is_canceled=cancel_on_call(3))
    assert list(tmp_path.iterdir()) == []
