"""The scene packages' browser viewer in a real 3D Tiles client: CesiumJS in headless Chromium.

A hand-made OGC 3D Tiles 1.1 tileset, placed on the Earth by a root ENU->ECEF transform as
the scene-package exporter places its tiles, holds two glTF tiles: a point cloud (written by
``export_glb``) and two box "buildings" with per-feature properties (EXT_mesh_features +
EXT_structural_metadata, written here by hand). It gets the viewer with ``copy_viewer``, is
served over http and opened by ``tools/cesium_check.mjs``. Checked against independent
truth: the screenshot's pixels, a click on the ground picking a position that converts
back (pyproj) onto one of the points written, and a click on a building showing that
building's own properties.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pyproj
import pytest

from citytwin.twin.cloud import LocalCloud, PointChunk
from citytwin.twin.export import export_glb
from citytwin.twin.scene import SceneSpec
from citytwin.twin.viewer_files import copy_viewer, viewer_source
from citytwin_testing.cesium_client import run_cesium_check, screenshot_shows_content, serve_folder

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "qgis" / "artifacts"
LON, LAT, HEIGHT = 116.39, 39.9, 50.0  # Beijing, ellipsoidal height of the local origin
TITLE = "Viewer test scene · 查看器测试场景"
BACKGROUND = [30, 34, 40]  # the viewer's backdrop (#1e2228) when the globe is hidden

pytestmark = pytest.mark.slow


def enu_to_ecef_matrix(lon: float, lat: float, height: float) -> np.ndarray:
    """4x4 matrix taking local east/north/up metres at (lon, lat, height) to ECEF (EPSG:4978)."""
    x, y, z = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True).transform(lon, lat, height)
    lam, phi = np.radians(lon), np.radians(lat)
    matrix = np.eye(4)
    matrix[:3, 0] = [-np.sin(lam), np.cos(lam), 0.0]  # east
    matrix[:3, 1] = [-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)]  # north
    matrix[:3, 2] = [np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]  # up
    matrix[:3, 3] = [x, y, z]
    return matrix


def synthetic_points() -> np.ndarray:
    """(N, 3) east/north/up metres: a 100 m sloping ground grid and two flat roofs, 1 m apart."""
    grid = np.arange(-50.0, 50.01, 1.0)
    gx, gy = np.meshgrid(grid, grid)
    parts = [np.column_stack([gx.ravel(), gy.ravel(), 0.05 * gx.ravel()])]
    for cx, cy, top in ((-20.0, -20.0, 25.0), (20.0, 15.0, 15.0)):
        rx, ry = np.meshgrid(np.arange(cx - 8, cx + 8.01, 1.0), np.arange(cy - 8, cy + 8.01, 1.0))
        parts.append(np.column_stack([rx.ravel(), ry.ravel(), np.full(rx.size, top)]))
    return np.concatenate(parts)


#: Box buildings of the feature tile: name, footprint centre east/north (m), half width (m), height (m).
BUILDINGS = (("Tower A · 甲楼", 25.0, -25.0, 6.0, 20.0), ("Hall B · 乙馆", -25.0, 25.0, 8.0, 12.0))


def write_buildings_glb(path: Path) -> None:
    """A glTF 2.0 binary with one box per building, each a feature with ``name`` and ``height``.

    Written by hand with struct (independent of CityTwin's exporter): EXT_mesh_features
    (feature IDs in a ``_FEATURE_ID_0`` vertex attribute) and EXT_structural_metadata (one
    property table). Coordinates are east/north/up turned to glTF's Y-up axes.
    """
    corners = np.array([[x, y, z] for z in (0, 1) for y in (-1, 1) for x in (-1, 1)], dtype=np.float64)
    faces = [(0, 2, 1), (1, 2, 3), (4, 5, 6), (5, 7, 6), (0, 1, 4), (1, 5, 4)]
    faces += [(2, 6, 3), (3, 6, 7), (0, 4, 2), (2, 4, 6), (1, 3, 5), (3, 7, 5)]
    positions, feature_ids, indices = [], [], []
    for feature, (_name, east, north, half, height) in enumerate(BUILDINGS):
        enu = corners * [half, half, height] + [east, north, 0.0]
        base = len(positions) * 8
        positions.append(np.column_stack([enu[:, 0], enu[:, 2], -enu[:, 1]]))  # glTF: x east, y up, z south
        feature_ids += [float(feature)] * 8
        indices += [base + i for face in faces for i in face]
    position_array = np.concatenate(positions).astype("<f4")
    names = [name.encode("utf-8") for name, *_ in BUILDINGS]
    offsets = np.cumsum([0] + [len(n) for n in names]).astype("<u4")
    blobs = [
        position_array.tobytes(),
        np.array(feature_ids, dtype="<f4").tobytes(),
        np.array(indices, dtype="<u2").tobytes(),
        b"".join(names),
        offsets.tobytes(),
        np.array([b[4] for b in BUILDINGS], dtype="<f4").tobytes(),
    ]
    binary, views = b"", []
    for blob in blobs:  # property table buffer views must start on 8-byte boundaries
        views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(blob)})
        binary += blob + b"\0" * (-len(blob) % 8)
    for view in views[:2]:
        view["target"] = 34962  # ARRAY_BUFFER
    views[2]["target"] = 34963  # ELEMENT_ARRAY_BUFFER
    count = len(position_array)
    doc = {
        "asset": {"version": "2.0", "generator": "CityTwin tests"},
        "extensionsUsed": ["EXT_mesh_features", "EXT_structural_metadata"],
        "extensions": {
            "EXT_structural_metadata": {
                "schema": {
                    "id": "citytwin_test",
                    "classes": {
                        "building": {
                            "properties": {
                                "name": {"type": "STRING"},
                                "height": {"type": "SCALAR", "componentType": "FLOAT32"},
                            }
                        }
                    },
                },
                "propertyTables": [
                    {
                        "class": "building",
                        "count": len(BUILDINGS),
                        "properties": {"name": {"values": 3, "stringOffsets": 4}, "height": {"values": 5}},
                    }
                ],
            }
        },
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "buildings"}],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "_FEATURE_ID_0": 1},
                        "indices": 2,
                        "material": 0,
                        "mode": 4,
                        "extensions": {
                            "EXT_mesh_features": {
                                "featureIds": [{"featureCount": len(BUILDINGS), "attribute": 0, "propertyTable": 0}]
                            }
                        },
                    }
                ]
            }
        ],
        "materials": [{"pbrMetallicRoughness": {"baseColorFactor": [0.85, 0.35, 0.2, 1.0], "metallicFactor": 0.0}}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": count,
                "type": "VEC3",
                "min": position_array.min(axis=0).tolist(),
                "max": position_array.max(axis=0).tolist(),
            },
            {"bufferView": 1, "componentType": 5126, "count": count, "type": "SCALAR"},
            {"bufferView": 2, "componentType": 5123, "count": len(indices), "type": "SCALAR"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(doc).encode("utf-8")
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<I4s", len(text), b"JSON") + text + struct.pack("<I4s", len(binary), b"BIN\0") + binary
    path.write_bytes(struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks)


def bounding_box(low: np.ndarray, high: np.ndarray) -> list[float]:
    centre, half = (low + high) / 2, (high - low) / 2 + 0.5
    return [float(v) for v in (*centre, half[0], 0, 0, 0, half[1], 0, 0, 0, half[2])]


def write_tileset(folder: Path, enu: np.ndarray) -> None:
    """tileset.json, points/0.glb, buildings/0.glb and manifest.json (+ broken_tileset.json)."""
    (folder / "points").mkdir(parents=True)
    (folder / "buildings").mkdir()
    chunk = PointChunk(enu[:, 0], enu[:, 1], enu[:, 2])
    cloud = LocalCloud.from_chunk(chunk, origin=np.zeros(3), source="synthetic", total_points=len(enu))
    # export_glb writes glTF's Y-up axes (x east, y up, z south); 3D Tiles 1.1 clients turn
    # glTF content to Z-up, so the tiles' frame is east/north/up again.
    export_glb(SceneSpec(cloud, colour_by="elevation"), folder / "points" / "0.glb")
    write_buildings_glb(folder / "buildings" / "0.glb")
    building_low = np.array([min(b[1] - b[3] for b in BUILDINGS), min(b[2] - b[3] for b in BUILDINGS), 0.0])
    building_high = np.array([max(b[1] + b[3] for b in BUILDINGS), max(b[2] + b[3] for b in BUILDINGS), 20.0])
    points_box = bounding_box(enu.min(axis=0), enu.max(axis=0))
    tileset = {
        "asset": {"version": "1.1"},
        "geometricError": 100.0,
        "root": {
            "transform": enu_to_ecef_matrix(LON, LAT, HEIGHT).T.ravel().tolist(),  # column-major
            "boundingVolume": {"box": points_box},
            "geometricError": 100.0,
            "refine": "ADD",
            "children": [
                {"boundingVolume": {"box": points_box}, "geometricError": 0.0, "content": {"uri": "points/0.glb"}},
                {
                    "boundingVolume": {"box": bounding_box(building_low, building_high)},
                    "geometricError": 0.0,
                    "content": {"uri": "buildings/0.glb"},
                },
            ],
        },
    }
    (folder / "tileset.json").write_text(json.dumps(tileset, indent=1), encoding="utf-8")
    manifest = {"title": TITLE, "crs": {"authority": "EPSG:4979"}, "created": "2025-06-01T08:00:00Z"}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    broken = json.loads(json.dumps(tileset))
    broken["root"]["children"][0]["content"]["uri"] = "points/missing.glb"
    (folder / "broken_tileset.json").write_text(json.dumps(broken), encoding="utf-8")


@pytest.fixture(scope="module")
def enu_points() -> np.ndarray:
    return synthetic_points()


@pytest.fixture(scope="module")
def scene_package(tmp_path_factory, enu_points) -> Path:
    if viewer_source() is None:
        pytest.fail("the viewer is not built (viewer/Cesium/Cesium.js missing): run `make build`", pytrace=False)
    folder = tmp_path_factory.mktemp("scene_package")
    write_tileset(folder, enu_points)
    written = copy_viewer(folder)
    assert "index.html" in written and "Cesium/Cesium.js" in written
    return folder


@pytest.fixture(scope="module")
def base_url(scene_package) -> str:
    with serve_folder(scene_package) as url:
        yield url


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def picked_enu(position: dict) -> np.ndarray:
    """A picked lon/lat/ellipsoidal height turned back into the tiles' east/north/up metres."""
    ecef = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True).transform(
        position["longitude"], position["latitude"], position["height"]
    )
    local = np.linalg.inv(enu_to_ecef_matrix(LON, LAT, HEIGHT)) @ np.array([*ecef, 1.0])
    return local[:3]


def enu_to_lonlat(east: float, north: float, up: float) -> tuple[float, float, float]:
    """WGS 84 longitude, latitude, ellipsoidal height of a point of the tiles' frame."""
    ecef = enu_to_ecef_matrix(LON, LAT, HEIGHT) @ np.array([east, north, up, 1.0])
    transformer = pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    return tuple(float(v) for v in transformer.transform(*ecef[:3]))


def test_viewer_loads_draws_and_picks(base_url, enu_points):
    shot = artifact("cesium_viewer.png")
    roofs = [enu_to_lonlat(east, north, height) for _name, east, north, _half, height in BUILDINGS]
    report = run_cesium_check(base_url + "index.html", shot, pick=True, pick_at=roofs)
    print(f"screenshot: {shot}\nreport: {json.dumps(report, ensure_ascii=False)}")

    assert report["ok"], json.dumps(report, ensure_ascii=False)
    assert report["exit_code"] == 0
    assert report["tilesLoaded"] and report["ready"]
    for key in ("tileFailures", "viewerErrors", "consoleErrors", "pageErrors", "failedRequests"):
        assert report[key] == [], (key, report[key])
    assert report["title"].startswith(TITLE), "the title bar comes from manifest.json"

    pixels = screenshot_shows_content(shot)
    print(f"pixels: {pixels}")
    assert pixels["background"] == BACKGROUND
    # The ground grid fills much of the middle of the view, in the elevation colour ramp.
    assert pixels["content_fraction"] > 0.2, pixels
    assert pixels["distinct_colours"] >= 10, pixels

    centre, *buildings = report["picks"]
    # A click in the middle of the view picks the ground: a position that is one of the
    # points written (a 1 m grid), shown as longitude/latitude/height.
    assert centre["position"] is not None and not centre["feature"], centre
    assert centre["tile"] == "points/0.glb"
    nearest = np.linalg.norm(enu_points - picked_enu(centre["position"]), axis=1).min()
    assert nearest < 1.0, (picked_enu(centre["position"]), nearest)
    assert "longitude" in centre["panel"] and "经度" in centre["panel"]

    # A click on a roof picks that building: its own properties from the property table.
    for pick, (name, east, north, half, height) in zip(buildings, BUILDINGS):
        assert pick["feature"], pick
        assert pick["tile"] == "buildings/0.glb"
        assert pick["properties"]["name"] == name
        assert pick["properties"]["height"] == pytest.approx(height)
        assert name in pick["panel"]
        local = picked_enu(pick["position"])
        assert abs(local[0] - east) <= half + 0.5 and abs(local[1] - north) <= half + 0.5, local
        assert local[2] == pytest.approx(height, abs=0.5), local


def test_viewer_shows_the_offline_globe(base_url):
    shot = artifact("cesium_viewer_globe.png")
    report = run_cesium_check(base_url + "index.html?globe=1", shot)
    print(f"screenshot: {shot}\nreport: {json.dumps(report, ensure_ascii=False)}")
    # Natural Earth II comes from the package's own Cesium/Assets: no request fails.
    assert report["ok"], json.dumps(report, ensure_ascii=False)
    pixels = screenshot_shows_content(shot)
    assert pixels["background"] != BACKGROUND, "the globe covers the backdrop"
    assert pixels["content_fraction"] > 0.2, pixels


def test_check_reports_a_missing_tile(base_url, tmp_path):
    report = run_cesium_check(base_url + "index.html?tileset=broken_tileset.json", tmp_path / "broken.png", timeout=60)
    assert not report["ok"]
    assert report["exit_code"] == 1
    assert report["clientError"] is None, report["clientError"]
    assert [f["url"].rsplit("/", 1)[-1] for f in report["tileFailures"]] == ["missing.glb"]
    assert any(r["url"].endswith("points/missing.glb") and r.get("status") == 404 for r in report["failedRequests"])


def test_file_url_explains_how_to_open_the_package(scene_package, tmp_path):
    report = run_cesium_check((scene_package / "index.html").as_uri(), tmp_path / "file.png", timeout=30)
    assert not report["ok"]
    assert "serve.py" in (report["fatal"] or ""), json.dumps(report, ensure_ascii=False)
