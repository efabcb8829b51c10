"""Reading a 3D Tiles scene package back: structural checks and coordinates in the base CRS.

Independent of the writer: it knows only the published formats (3D Tiles 1.1, glTF 2.0,
EXT_mesh_features / EXT_structural_metadata) and the manifest, so tests use it to check
what the exporter wrote against the sources.

- :func:`check_tileset` — the rules of the 3D Tiles 1.1 specification a client relies on
  (the CesiumGS validator is not available from the registries here): ``asset.version``,
  geometric errors non-negative and decreasing with depth (a child's error below its
  parent's, or both 0), every child's bounding box inside its parent's, every content
  URI present and a glTF 2.0 binary whose points lie in the tile's box, refinement given.
- :func:`read_points` / :func:`read_buildings` — content back in the base CRS
  (glTF Y-up -> Z-up, node translation, tile transforms -> ECEF -> CRS with PROJ).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .ecef import ECEF, matrix_from_transform
from .export import POINTS, read_accessor, read_glb

#: Slack of geometric containment tests (m): boxes are written from float64 sums.
TOLERANCE = 1e-4


def load(folder: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tileset, manifest) of a package folder."""
    folder = Path(folder)
    tileset = json.loads((folder / "tileset.json").read_text(encoding="utf-8"))
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    return tileset, manifest


def walk(tileset: dict[str, Any]) -> Iterator[tuple[dict, int, dict | None, np.ndarray, str]]:
    """Every tile: (tile, depth, parent, tile -> ECEF matrix, layer name from the root's children extras)."""
    stack = [(tileset["root"], 0, None, np.eye(4), "")]
    while stack:
        tile, depth, parent, matrix, layer = stack.pop()
        if "transform" in tile:
            matrix = matrix @ matrix_from_transform(tile["transform"])
        layer = tile.get("extras", {}).get("layer", layer)
        yield tile, depth, parent, matrix, layer
        stack.extend((child, depth + 1, tile, matrix, layer) for child in tile.get("children", []))


def box_corners(box: list[float]) -> np.ndarray:
    """(8, 3) corners of a 3D Tiles ``box``."""
    box = np.asarray(box, dtype=np.float64)
    centre, axes = box[:3], box[3:12].reshape(3, 3)
    signs = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)], dtype=np.float64)
    return centre + signs @ axes


def inside_box(points: np.ndarray, box: list[float], tolerance: float = TOLERANCE) -> np.ndarray:
    """True for each point inside ``box`` (oriented box: projections on its half-axes)."""
    box = np.asarray(box, dtype=np.float64)
    centre, axes = box[:3], box[3:12].reshape(3, 3)
    out = np.ones(len(points), dtype=bool)
    for axis in axes:
        length = np.linalg.norm(axis)
        if length == 0:
            continue
        reach = np.abs((points - centre) @ (axis / length))
        out &= reach <= length + tolerance
    return out


def glb_parts(path: Path) -> list[dict[str, Any]]:
    """Primitives of a tile's glTF with their vertices in the tile frame (Z up) and attributes."""
    doc, binary = read_glb(path)
    parts = []

    def visit(index: int, offset: np.ndarray) -> None:
        node = doc["nodes"][index]
        if "matrix" in node or "rotation" in node or "scale" in node:
            raise ValueError(f"{path.name}: only translated nodes are read")
        offset = offset + np.asarray(node.get("translation", [0, 0, 0]), dtype=np.float64)
        if "mesh" in node:
            for primitive in doc["meshes"][node["mesh"]]["primitives"]:
                attrs = {name: read_accessor(doc, binary, acc) for name, acc in primitive["attributes"].items()}
                yup = attrs.pop("POSITION").astype(np.float64) + offset
                # glTF Y-up -> 3D Tiles Z-up: (x, y, z) -> (x, -z, y).
                xyz = np.column_stack([yup[:, 0], -yup[:, 2], yup[:, 1]])
                parts.append({"mode": primitive.get("mode", 4), "xyz": xyz, "attributes": attrs, "doc": doc})
        for child in node.get("children", []):
            visit(child, offset)

    for root in doc["scenes"][doc.get("scene", 0)]["nodes"]:
        visit(root, np.zeros(3))
    return parts


def check_tileset(folder: str | Path, check_content: bool = True) -> list[str]:
    """Problems found in a package's ``tileset.json`` (empty when it follows the rules)."""
    folder = Path(folder)
    tileset, _ = load(folder)
    problems = []
    if tileset.get("asset", {}).get("version") != "1.1":
        problems.append(f"asset.version is {tileset.get('asset', {}).get('version')!r}, not '1.1'")
    root = tileset.get("root", {})
    if tileset.get("geometricError", -1) < root.get("geometricError", 0):
        problems.append("the tileset's geometricError is below the root's")
    if "refine" not in root:
        problems.append("the root tile has no refine")
    for tile, depth, parent, _, _ in walk(tileset):
        problems += _check_tile(folder, tile, depth, parent, check_content)
    return problems


def _check_tile(folder: Path, tile: dict, depth: int, parent: dict | None, check_content: bool) -> list[str]:
    where = tile.get("content", {}).get("uri", f"a tile at depth {depth}")
    error = tile.get("geometricError")
    if not isinstance(error, (int, float)) or not np.isfinite(error) or error < 0:
        return [f"{where}: geometricError {error!r} is not a number >= 0"]
    problems = []
    if tile.get("refine", "ADD") not in ("ADD", "REPLACE"):
        problems.append(f"{where}: refine {tile['refine']!r}")
    box = tile.get("boundingVolume", {}).get("box")
    if box is None or len(box) != 12:
        return [*problems, f"{where}: no 12-number bounding box"]
    if error == 0 and tile.get("children"):
        problems.append(f"{where}: geometricError 0 with children (a viewer never opens them)")
    if parent is not None:
        p_error = parent["geometricError"]
        if not (error < p_error or error == p_error == 0):
            problems.append(f"{where}: geometricError {error} does not decrease from its parent's {p_error}")
        if "transform" not in tile and not inside_box(box_corners(box), parent["boundingVolume"]["box"]).all():
            problems.append(f"{where}: bounding box not inside its parent's")
    if "content" not in tile:
        return problems
    path = folder / tile["content"]["uri"]
    if not path.is_file():
        return [*problems, f"{where}: content file missing"]
    if path.read_bytes()[:4] != b"glTF":
        return [*problems, f"{where}: content is not a glTF binary"]
    if check_content and not all(inside_box(part["xyz"], box).all() for part in glb_parts(path)):
        problems.append(f"{where}: content outside the tile's bounding box")
    return problems


def _to_crs(manifest: dict[str, Any], ecef: np.ndarray) -> np.ndarray:
    import pyproj

    crs = pyproj.CRS.from_user_input(manifest["crs"]["crs_wkt"])
    back = pyproj.Transformer.from_crs(ECEF, crs, always_xy=True)
    return np.column_stack(back.transform(ecef[:, 0], ecef[:, 1], ecef[:, 2]))


def _ecef(matrix: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    return xyz @ matrix[:3, :3].T + matrix[:3, 3]


def read_points(folder: str | Path) -> dict[str, Any]:
    """Every point of the package in its base CRS, with attributes and counts per depth.

    Returns ``{"xyz": (N, 3), "rgba", "classification", "intensity", "per_depth": {depth: n}}``.
    """
    folder = Path(folder)
    tileset, manifest = load(folder)
    xyz, rgba, cls, inten, per_depth = [], [], [], [], {}
    for tile, depth, _, matrix, _ in walk(tileset):
        if "content" not in tile:
            continue
        for part in glb_parts(folder / tile["content"]["uri"]):
            if part["mode"] != POINTS:
                continue
            xyz.append(_ecef(matrix, part["xyz"]))
            attrs = part["attributes"]
            rgba.append(attrs["COLOR_0"])
            cls.append(attrs["_CLASSIFICATION"][:, 0])
            inten.append(attrs["_INTENSITY"][:, 0])
            per_depth[depth] = per_depth.get(depth, 0) + len(part["xyz"])
    if not xyz:
        return {"xyz": np.zeros((0, 3)), "per_depth": {}}
    return {
        "xyz": _to_crs(manifest, np.concatenate(xyz)),
        "rgba": np.concatenate(rgba),
        "classification": np.concatenate(cls),
        "intensity": np.concatenate(inten),
        "per_depth": per_depth,
    }


def property_table(doc: dict[str, Any], binary: bytes, index: int = 0) -> dict[str, list]:
    """An EXT_structural_metadata property table as {property: values} (noData -> None)."""
    meta = doc["extensions"]["EXT_structural_metadata"]
    table = meta["propertyTables"][index]
    klass = meta["schema"]["classes"][table["class"]]["properties"]
    views = doc["bufferViews"]

    def raw(view: int) -> bytes:
        v = views[view]
        return binary[v.get("byteOffset", 0) : v.get("byteOffset", 0) + v["byteLength"]]

    out: dict[str, list] = {}
    for name, prop in table["properties"].items():
        spec = klass[name]
        if spec["type"] == "STRING":
            offsets = np.frombuffer(raw(prop["stringOffsets"]), dtype="<u4")
            data = raw(prop["values"])
            values = [data[offsets[k] : offsets[k + 1]].decode("utf-8") for k in range(table["count"])]
        else:
            dtype = {"FLOAT64": "<f8", "FLOAT32": "<f4", "INT32": "<i4", "UINT8": "u1", "UINT16": "<u2"}
            values = np.frombuffer(raw(prop["values"]), dtype=dtype[spec["componentType"]]).tolist()
        no_data = spec.get("noData")
        out[spec.get("name", name)] = [None if v == no_data else v for v in values]
    return out


def read_buildings(folder: str | Path) -> list[dict[str, Any]]:
    """Every building of the package: its vertices in the base CRS and its properties."""
    from .export import read_glb

    folder = Path(folder)
    tileset, manifest = load(folder)
    buildings = []
    for tile, _, _, matrix, layer in walk(tileset):
        if layer != "buildings" or "content" not in tile:
            continue
        path = folder / tile["content"]["uri"]
        doc, binary = read_glb(path)
        table = property_table(doc, binary)
        for part in glb_parts(path):
            xyz = _to_crs(manifest, _ecef(matrix, part["xyz"]))
            feature = part["attributes"]["_FEATURE_ID_0"][:, 0].astype(np.int64)
            for k in np.unique(feature):
                buildings.append(
                    {"xyz": xyz[feature == k], "properties": {name: values[k] for name, values in table.items()}}
                )
    return buildings
