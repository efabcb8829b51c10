"""Buildings and terrain as 3D Tiles 1.1 content (meshes in a package's ENU frame).

- **Buildings**: footprints extruded to their heights
  (:func:`~citytwin.twin.scene.extrude_footprints`), grouped by a quadtree of their
  centres (at most :data:`BUILDINGS_PER_TILE` a tile). Each tile is a ``.glb`` with one
  triangle primitive whose ``_FEATURE_ID_0`` vertex attribute (``EXT_mesh_features``)
  names the building, and a property table (``EXT_structural_metadata``) holding its
  attributes, so a viewer picks a building and reads them. Leaves hold full detail
  (``geometricError`` 0); their parents have no content.
- **Terrain**: the DTM as a quadtree of regular triangle grids with ``REPLACE``
  refinement: the leaves have every DTM cell (:data:`TERRAIN_TILE_CELLS` per edge), each
  level above samples every second vertex of the one below, and ``geometricError`` is the
  vertex spacing of the tile's own grid (it halves with depth; leaves 0). Cells touching
  no-data are holes, not spikes.

Vertices are real coordinates taken through the frame (pyproj, ECEF, ENU), so meshes
line up with the points to the millimetre; normals are computed in the ENU frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, check_canceled, never_canceled
from .ecef import LocalFrame
from .export import (
    ARRAY_BUFFER,
    ELEMENT_ARRAY_BUFFER,
    FLOAT,
    TRIANGLES,
    UNSIGNED_BYTE,
    UNSIGNED_INT,
    UNSIGNED_SHORT,
    GlbBuilder,
    column_bounds,
    linear_rgba,
    smooth_normals,
)
from .pointtiles import _gltf_xyz, box_of

#: Buildings per tile: a few thousand keep tiles at a few MB and picking quick.
BUILDINGS_PER_TILE = 1000
#: DTM cells per edge of a terrain tile.
TERRAIN_TILE_CELLS = 128
#: Stand-ins for missing values in property tables (the ``noData`` of each property).
NO_DATA = {"FLOAT64": -9999.0, "INT32": -2147483648, "STRING": ""}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class MeshTile:
    """A tile of a mesh layer (ENU frame): its box covers its content and its children."""

    name: str
    geometric_error: float
    uri: str | None = None
    box_min: np.ndarray | None = None
    box_max: np.ndarray | None = None
    children: list[MeshTile] = field(default_factory=list)
    refine: str = "ADD"

    def close_box(self) -> None:
        boxes = [(c.box_min, c.box_max) for c in self.children]
        if self.box_min is not None:
            boxes.append((self.box_min, self.box_max))
        self.box_min = np.min([b[0] for b in boxes], axis=0)
        self.box_max = np.max([b[1] for b in boxes], axis=0)

    def to_json(self) -> dict[str, Any]:
        node: dict[str, Any] = {
            "boundingVolume": {"box": box_of(self.box_min, self.box_max)},
            "geometricError": self.geometric_error,
            "refine": self.refine,
        }
        if self.uri:
            node["content"] = {"uri": self.uri}
        if self.children:
            node["children"] = [c.to_json() for c in self.children]
        return node

    def count(self) -> int:
        return (1 if self.uri else 0) + sum(c.count() for c in self.children)


# -- buildings ----------------------------------------------------------------------------------
def property_id(name: str, taken: set[str]) -> str:
    """A schema identifier for a field name (``^[A-Za-z_][A-Za-z0-9_]*$``, unique)."""
    ident = name if _IDENTIFIER.match(name) else re.sub(r"\W", "_", name.encode("ascii", "ignore").decode())
    if not ident or not _IDENTIFIER.match(ident):
        ident = f"field_{ident}" if ident else "field"
    base, k = ident, 2
    while ident in taken:
        ident, k = f"{base}_{k}", k + 1
    taken.add(ident)
    return ident


@dataclass
class BuildingTable:
    """The building attributes a package carries: one column per field, typed for the schema."""

    columns: dict[str, tuple[str, str, np.ndarray]]  # id -> (field name, componentType/STRING, values)

    @classmethod
    def from_frame(cls, frame: Any, fields: list[str]) -> BuildingTable:
        import pandas as pd

        columns: dict[str, tuple[str, str, np.ndarray]] = {}
        taken: set[str] = set()
        for name in fields:
            series = frame[name]
            ident = property_id(str(name), taken)
            numeric = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
            whole = numeric and not pd.api.types.is_float_dtype(series)
            if whole and (series.dropna().astype("int64").abs() < 2**31 - 1).all():
                values, kind = series.astype("float64").to_numpy(), "INT32"
            elif numeric:
                values, kind = series.astype("float64").to_numpy(), "FLOAT64"
            else:
                values, kind = np.array([None if pd.isna(v) else str(v) for v in series], dtype=object), "STRING"
            columns[ident] = (str(name), kind, values)
        return cls(columns)

    def schema(self) -> dict[str, Any]:
        properties = {}
        for ident, (name, kind, _) in self.columns.items():
            prop: dict[str, Any] = {"name": name, "noData": NO_DATA[kind]}
            if kind == "STRING":
                prop["type"] = "STRING"
            else:
                prop.update(type="SCALAR", componentType=kind)
            properties[ident] = prop
        return {"id": "citytwin_buildings", "classes": {"building": {"name": "Building", "properties": properties}}}


def _property_views(glb: GlbBuilder, table: BuildingTable, rows: np.ndarray) -> dict[str, Any]:
    """Property-table columns of ``rows`` as bufferViews (8-byte aligned, as the extension asks)."""
    properties = {}
    for ident, (_, kind, values) in table.columns.items():
        picked = values[rows]
        present = np.array([bool(v) for v in picked]) if kind == "STRING" else np.isfinite(picked)
        if not present.any():
            continue  # nothing but noData in this tile: the property is left out (zero-length views are invalid)
        if kind == "STRING":
            encoded = [(v or "").encode("utf-8") for v in picked]
            offsets = np.zeros(len(encoded) + 1, dtype="<u4")
            offsets[1:] = np.cumsum([len(b) for b in encoded])
            properties[ident] = {
                "values": glb.view(b"".join(encoded), align=8),
                "stringOffsets": glb.view(offsets.tobytes(), align=8),
            }
        else:
            filled = np.where(np.isfinite(picked), picked, NO_DATA[kind])
            dtype = "<f8" if kind == "FLOAT64" else "<i4"
            properties[ident] = {"values": glb.view(filled.astype(dtype).tobytes(), align=8)}
    return properties


def write_building_glb(
    path: Path, positions: np.ndarray, normals: np.ndarray, triangles: np.ndarray, feature: np.ndarray, rows, table
) -> tuple[np.ndarray, np.ndarray]:
    """One buildings tile: ENU vertices (float64) with their feature index into ``rows``."""
    lo, hi = column_bounds(positions)
    centre = (lo + hi) / 2
    glb = GlbBuilder()
    attributes = {
        "POSITION": glb.accessor(_gltf_xyz(positions - centre), FLOAT, "VEC3", ARRAY_BUFFER, min_max=True),
        "NORMAL": glb.accessor(_gltf_xyz(normals), FLOAT, "VEC3", ARRAY_BUFFER),
        "_FEATURE_ID_0": glb.accessor(feature.astype(np.float32), FLOAT, "SCALAR", ARRAY_BUFFER),
    }
    material = glb.material("buildings", "#d9d9d9")
    primitive = {
        "attributes": attributes,
        "indices": indices(glb, triangles),
        "material": material,
        "mode": TRIANGLES,
        "extensions": {
            "EXT_mesh_features": {
                "featureIds": [{"featureCount": len(rows), "attribute": 0, "propertyTable": 0, "label": "building"}]
            }
        },
    }
    glb.mesh_node("buildings", primitive)
    top = {
        "extensionsUsed": ["EXT_mesh_features", "EXT_structural_metadata"],
        "extensions": {
            "EXT_structural_metadata": {
                "schema": table.schema(),
                "propertyTables": [
                    {
                        "name": "buildings",
                        "class": "building",
                        "count": len(rows),
                        "properties": _property_views(glb, table, rows),
                    }
                ],
            }
        },
    }
    root = {"name": "tile", "translation": [float(v) for v in _gltf_xyz(centre)]}
    with path.open("wb") as handle:
        glb.write(handle, {"version": "2.0", "generator": "CityTwin"}, root, top)
    return lo, hi


def indices(glb: GlbBuilder, triangles: np.ndarray) -> int:
    """Triangle indices as UNSIGNED_SHORT when they fit (half the size), else UNSIGNED_INT."""
    small = triangles.size == 0 or int(triangles.max()) < 65535
    return glb.accessor(triangles.ravel(), UNSIGNED_SHORT if small else UNSIGNED_INT, "SCALAR", ELEMENT_ARRAY_BUFFER)


def _flat_by_feature(points: np.ndarray, triangles: np.ndarray, owner: np.ndarray):
    """Vertices split by face normal and building (a shared wall keeps two IDs)."""
    p = points[triangles]
    normals = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    length = np.linalg.norm(normals, axis=1)
    keep = length > 0
    normals = normals[keep] / length[keep, None]
    corners = p[keep].reshape(-1, 3)
    combined = np.column_stack([corners, np.repeat(normals, 3, axis=0), np.repeat(owner[keep], 3)])
    unique, inverse = np.unique(combined, axis=0, return_inverse=True)
    return unique[:, :3], unique[:, 3:6], inverse.reshape(-1).reshape(-1, 3), unique[:, 6].astype(np.int64)


def tile_buildings(
    footprints: Any,
    heights: np.ndarray,
    base_z: np.ndarray,
    table: BuildingTable,
    frame: LocalFrame,
    folder: Path,
    uri_prefix: str = "buildings/",
    per_tile: int = BUILDINGS_PER_TILE,
    is_canceled: CancelCheck = never_canceled,
) -> tuple[MeshTile, dict[str, Any]]:
    """Write the building tiles; returns the layer's root tile and what was written.

    ``footprints``, ``heights``, ``base_z``: shapely polygons in the frame's CRS,
    heights above base (m), base elevation (m); a building with no usable height or
    base is left out and listed in the returned record.
    """
    import shapely

    from .scene import extrude_footprints

    folder.mkdir(parents=True, exist_ok=True)
    geoms = np.asarray(list(footprints), dtype=object)
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    if len(centres) != len(geoms):
        raise InputError("every building needs a polygon footprint (empty geometries found)")
    enu_centres = frame.to_enu(centres[:, 0], centres[:, 1], np.zeros(len(centres)))[:, :2]
    made: list[int] = []

    def build(index: np.ndarray, name: str, depth: int) -> MeshTile | None:
        check_canceled(is_canceled)
        lo, hi = column_bounds(enu_centres[index])
        if len(index) > per_tile and depth < 16 and np.max(hi - lo) > 0:
            mid = (lo + hi) / 2
            quadrant = (enu_centres[index, 0] >= mid[0]).astype(int) * 2 + (enu_centres[index, 1] >= mid[1])
            # Content-less parent: its error (the diagonal of its centres) makes a viewer
            # open it whenever the area is on screen at a usable size.
            tile = MeshTile(name, geometric_error=float(np.hypot(*(hi - lo))))
            tile.children = [
                child for q in range(4) if (child := build(index[quadrant == q], f"{name}{q}", depth + 1)) is not None
            ]
            if not tile.children:
                return None
            tile.close_box()
            return tile
        mesh = extrude_footprints(geoms[index], heights[index], frame.origin, base_z[index])
        if mesh.n_cells == 0:
            return None
        local = np.asarray(mesh.points, dtype=np.float64) + frame.origin
        enu = frame.to_enu(local[:, 0], local[:, 1], local[:, 2])
        triangles = np.asarray(mesh.faces).reshape(-1, 4)[:, 1:]
        owner = np.asarray(mesh.cell_data["building"])  # position in `index`
        positions, normals, tris, feature = _flat_by_feature(enu, triangles, owner)
        built = np.unique(owner)
        made.extend(index[built].tolist())
        remap = np.full(len(index), -1)
        remap[built] = np.arange(len(built))
        uri = f"{uri_prefix}{name}.glb"
        lo, hi = write_building_glb(
            folder / f"{name}.glb", positions, normals, tris, remap[feature], index[built], table
        )
        return MeshTile(name, 0.0, uri, lo, hi)

    root = build(np.arange(len(geoms)), "b", 0)
    record = {"features": len(made), "skipped": sorted(set(range(len(geoms))) - set(made))}
    return root, record


# -- terrain ------------------------------------------------------------------------------------
def _grid_mesh(z: np.ndarray, xs: np.ndarray, ys: np.ndarray, frame: LocalFrame, to_base: Any):
    """Triangles over the valid 2 x 2 blocks of ``z`` (rows ``ys``, columns ``xs``): ENU vertices, triangles."""
    rows, cols = z.shape
    valid = np.isfinite(z)
    ids = np.arange(rows * cols).reshape(rows, cols)
    p00, p01, p10, p11 = ids[:-1, :-1], ids[:-1, 1:], ids[1:, :-1], ids[1:, 1:]
    ok = (valid[:-1, :-1] & valid[:-1, 1:] & valid[1:, :-1] & valid[1:, 1:]).ravel()
    t1 = np.column_stack([p00.ravel(), p11.ravel(), p01.ravel()])[ok]
    t2 = np.column_stack([p00.ravel(), p10.ravel(), p11.ravel()])[ok]
    triangles = np.concatenate([t1, t2])
    if len(triangles) == 0:
        return None
    used, inverse = np.unique(triangles, return_inverse=True)
    gx, gy = np.meshgrid(xs, ys)
    x, y, h = gx.ravel()[used], gy.ravel()[used], z.ravel()[used]
    if to_base is not None:
        x, y = to_base.transform(x, y)
    enu = frame.to_enu(np.asarray(x), np.asarray(y), h)
    triangles = inverse.reshape(-1, 3)
    # Orientation: counter-clockwise seen from above (ENU up) whatever the raster's row order.
    p = enu[triangles]
    up = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])[:, 2]
    triangles[up < 0] = triangles[up < 0][:, [0, 2, 1]]
    return enu, triangles, h


def write_terrain_glb(path: Path, enu: np.ndarray, triangles: np.ndarray, colours: np.ndarray) -> tuple:
    lo, hi = column_bounds(enu)
    centre = (lo + hi) / 2
    local = (enu - centre).astype(np.float32)
    normals, triangles = smooth_normals(local, triangles)
    glb = GlbBuilder()
    primitive = {
        "attributes": {
            "POSITION": glb.accessor(_gltf_xyz(local), FLOAT, "VEC3", ARRAY_BUFFER, min_max=True),
            "NORMAL": glb.accessor(_gltf_xyz(normals), FLOAT, "VEC3", ARRAY_BUFFER),
            "COLOR_0": glb.accessor(linear_rgba(colours), UNSIGNED_BYTE, "VEC4", ARRAY_BUFFER, normalized=True),
        },
        "indices": indices(glb, triangles),
        "material": glb.material("terrain", "#ffffff", double_sided=True),
        "mode": TRIANGLES,
    }
    glb.mesh_node("terrain", primitive)
    root = {"name": "tile", "translation": [float(v) for v in _gltf_xyz(centre)]}
    with path.open("wb") as handle:
        glb.write(handle, {"version": "2.0", "generator": "CityTwin"}, root)
    return lo, hi


@dataclass
class Dtm:
    """A DTM read for tiling: heights (NaN for no-data), pixel-corner geotransform, CRS WKT."""

    z: np.ndarray
    geotransform: tuple[float, ...]
    crs_wkt: str | None
    path: Path | None = None

    @classmethod
    def read(cls, path: str | Path) -> Dtm:
        from ..common.gdal import gdal_exceptions, open_raster

        path = Path(path)
        with gdal_exceptions() as gdal:
            ds = open_raster(gdal, path)
            band = ds.GetRasterBand(1)
            z = band.ReadAsArray().astype(np.float64)
            nodata = band.GetNoDataValue()
            gt = tuple(ds.GetGeoTransform())
            wkt = ds.GetProjection() or None
        if nodata is not None:
            z[z == nodata] = np.nan
        if gt[2] or gt[4]:
            raise InputError("rotated DTM rasters are not supported", source=path)
        if min(z.shape) < 2 or not np.isfinite(z).any():
            raise InputError("the DTM has no 2 x 2 block of valid cells", source=path)
        return cls(z, gt, wkt, path)


def _to_base(dtm: Dtm, frame: LocalFrame) -> Any:
    """The transformer from the DTM's CRS to the frame's, None when they are the same."""
    import pyproj

    if dtm.crs_wkt is None:
        raise InputError("the DTM has no CRS: set one (a CRS is never guessed)", source=dtm.path)
    dtm_crs, base = pyproj.CRS.from_user_input(dtm.crs_wkt), pyproj.CRS.from_user_input(frame.crs_wkt)
    if dtm_crs.equals(base, ignore_axis_order=True):
        return None
    return pyproj.Transformer.from_crs(dtm_crs, base, always_xy=True)


def _cell_metres(dtm: Dtm, frame: LocalFrame, to_base: Any) -> float:
    """The DTM's cell size in metres on the ground (it may be in degrees or feet): the distance,
    through the frame, between neighbouring cell centres in the middle of the raster."""
    x0, dx, _, y0, _, dy = dtm.geotransform
    rows, cols = dtm.z.shape
    cx, cy = x0 + (cols / 2) * dx, y0 + (rows / 2) * dy
    xs, ys = np.array([cx, cx + dx, cx]), np.array([cy, cy, cy + dy])
    if to_base is not None:
        xs, ys = to_base.transform(xs, ys)
    mid = frame.to_enu(np.asarray(xs), np.asarray(ys), np.zeros(3))
    return max(float(np.linalg.norm(mid[1] - mid[0])), float(np.linalg.norm(mid[2] - mid[0])))


def tile_terrain(
    dtm: Dtm,
    frame: LocalFrame,
    folder: Path,
    uri_prefix: str = "terrain/",
    tile_cells: int = TERRAIN_TILE_CELLS,
    colormap: str = "gist_earth",
    is_canceled: CancelCheck = never_canceled,
) -> tuple[MeshTile, dict[str, Any]]:
    """Write the terrain quadtree; returns its root tile and what was written."""
    from .scene import colormap_rgb

    folder.mkdir(parents=True, exist_ok=True)
    to_base = _to_base(dtm, frame)
    rows, cols = dtm.z.shape
    x0, dx, _, y0, _, dy = dtm.geotransform
    finite = dtm.z[np.isfinite(dtm.z)]
    zmin, zmax = float(finite.min()), float(finite.max())
    levels = int(np.ceil(np.log2(max(max(rows, cols) - 1, 1) / tile_cells))) if max(rows, cols) - 1 > tile_cells else 0
    cell_m = _cell_metres(dtm, frame, to_base)
    record = {"levels": levels + 1, "tiles": 0, "cells": [rows, cols], "cell_size_m": cell_m}

    def build(level: int, i: int, j: int) -> MeshTile | None:
        check_canceled(is_canceled)
        step = 2 ** (levels - level)
        span = tile_cells * step
        r0, c0 = i * span, j * span
        if r0 >= rows - 1 or c0 >= cols - 1:
            return None
        r_idx = np.arange(r0, min(r0 + span, rows - 1) + 1, step)
        c_idx = np.arange(c0, min(c0 + span, cols - 1) + 1, step)
        # The last row/column of the window is always a vertex, so neighbours meet.
        if r_idx[-1] != min(r0 + span, rows - 1):
            r_idx = np.append(r_idx, min(r0 + span, rows - 1))
        if c_idx[-1] != min(c0 + span, cols - 1):
            c_idx = np.append(c_idx, min(c0 + span, cols - 1))
        z = dtm.z[np.ix_(r_idx, c_idx)]
        mesh = _grid_mesh(z, x0 + (c_idx + 0.5) * dx, y0 + (r_idx + 0.5) * dy, frame, to_base)
        children = []
        if level < levels:
            for di in (0, 1):
                for dj in (0, 1):
                    child = build(level + 1, 2 * i + di, 2 * j + dj)
                    if child is not None:
                        children.append(child)
        if mesh is None and not children:
            return None
        name = f"{level}-{i}-{j}"
        error = 0.0 if level == levels else float(step * cell_m)  # vertex spacing of this level, metres
        tile = MeshTile(name, error, refine="REPLACE", children=children)
        if mesh is not None:
            enu, triangles, h = mesh
            colours = colormap_rgb((h - zmin) / (zmax - zmin) if zmax > zmin else np.full(len(h), 0.5), colormap)
            tile.box_min, tile.box_max = write_terrain_glb(folder / f"{name}.glb", enu, triangles, colours)
            tile.uri = f"{uri_prefix}{name}.glb"
            record["tiles"] += 1
        tile.close_box()
        return tile

    root = build(0, 0, 0)
    if root is None:
        raise InputError("the DTM has no 2 x 2 block of valid cells", source=dtm.path)
    record.update(zmin=zmin, zmax=zmax, colormap=colormap)
    return root, record
