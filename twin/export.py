"""Georeferenced exports of what a :class:`~citytwin.twin.scene.SceneSpec` shows.

- :func:`export_glb` — glTF 2.0 binary (``.glb``) for web viewers, Blender, Cesium.
- :func:`export_vtk` — ``.vtp`` (the cloud alone) or ``.vtm`` (cloud + buildings +
  terrain + lines) for ParaView and PyVista.

Both keep the local frame of the scene (float32 offsets from ``LocalCloud.origin``) and
state the georeferencing beside the geometry: the origin in real CRS coordinates and the
CRS WKT, so ``origin + local`` gives real coordinates back to the millimetre.

Every output is written atomically: to a temporary name in the target folder, then
renamed with :func:`os.replace`; a failure or a cancel leaves no partial file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .scene import SceneMeshes, SceneSpec, build_meshes, hex_to_rgb

PURPOSE = (
    "CityTwin real-scene 3D export (city digital base): geometry in a local frame; "
    "real CRS coordinates = origin + local east/north/up offsets"
)


# -- atomic output -------------------------------------------------------------------------
def check_output_path(path: str | os.PathLike) -> Path:
    """Raise :class:`InputError` unless ``path`` can be written (its folder exists and is writable)."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError("the output folder does not exist", source=folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError("the output folder is not writable", source=folder)
    if path.is_dir():
        raise InputError("the output path is a folder, not a file name", source=path)
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file beside ``path``; on success it replaces ``path`` atomically.

    The temporary name ends with the target's suffix, so writers that choose a format by
    extension (VTK) write the right one. On any exception the temporary file is removed
    and ``path`` is left as it was.
    """
    path = check_output_path(path)
    try:
        # Same folder as the target: os.replace is then a rename within one file system.
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write in the output folder: {exc.strerror}", source=path.parent) from exc
    os.close(fd)
    temp = Path(temp_name)
    try:
        yield temp
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# -- georeferencing --------------------------------------------------------------------------
def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def crs_description(crs_wkt: str | None) -> dict[str, Any]:
    """Authority code (``"EPSG:4548"``, ``"EPSG:4548+5737"`` for compound), name and unit of a WKT."""
    if not crs_wkt:
        return {"crs_wkt": None, "crs_authority": None, "crs_name": None, "linear_unit": None}
    authority = name = unit = None
    try:
        import pyproj

        crs = pyproj.CRS.from_user_input(crs_wkt)
        name = crs.name
        parts = crs.sub_crs_list if crs.is_compound else [crs]
        codes = [p.to_authority(min_confidence=90) for p in parts]
        if codes and all(codes):
            authority = f"{codes[0][0]}:" + "+".join(code for _, code in codes)
        unit = crs.axis_info[0].unit_name if crs.axis_info else None
    except Exception:  # noqa: BLE001 - an unparsable WKT is still exported verbatim
        pass
    return {"crs_wkt": crs_wkt, "crs_authority": authority, "crs_name": name, "linear_unit": unit}


def georeference(scene: SceneSpec, meshes: SceneMeshes | None = None, gltf_axes: bool = False) -> dict[str, Any]:
    """The georeferencing record written into exports (JSON-ready).

    Parameters
    ----------
    scene
        The exported scene.
    meshes
        Its meshes (for the legend).
    gltf_axes
        Describe the glTF axis convention (Y up) instead of the local ENU frame.
    """
    origin = [float(v) for v in scene.origin]
    record: dict[str, Any] = {
        "generator": "CityTwin",
        "purpose": PURPOSE,
        "origin": origin,
        **crs_description(scene.cloud.crs_wkt),
        "source": scene.cloud.source,
        "point_count": len(scene.cloud),
        "total_points": int(scene.cloud.total_points),
        "voxel_size": _finite_or_none(scene.cloud.voxel_size),
        "colour_by": scene.colour_by,
    }
    if gltf_axes:
        record["axes"] = {
            "convention": "glTF 2.0 is Y-up, right-handed: +X east (CRS x), +Y up (CRS z), +Z south (-CRS y)",
            "to_real": "x = origin[0] + X; y = origin[1] - Z; z = origin[2] + Y",
        }
        record["color_0"] = "sRGB display colours as in the CityTwin legend (not linearised)"
    else:
        record["axes"] = {
            "convention": "local east/north/up: x = CRS x, y = CRS y, z = CRS z, offsets from origin",
            "to_real": "real = origin + (x, y, z)",
        }
    if meshes is not None:
        legend = meshes.legend
        record["legend"] = {
            "kind": legend.kind,
            "title": legend.title,
            "entries": [list(e) for e in legend.entries],
            "vmin": _finite_or_none(legend.vmin),
            "vmax": _finite_or_none(legend.vmax),
            "colormap": legend.colormap,
        }
    return record


# -- glTF ------------------------------------------------------------------------------------
FLOAT, UNSIGNED_BYTE, UNSIGNED_INT = 5126, 5121, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
POINTS, LINES, TRIANGLES = 0, 1, 4
_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}
UNSIGNED_SHORT = 5123
_DTYPES = {
    FLOAT: np.dtype("<f4"),
    UNSIGNED_BYTE: np.dtype("u1"),
    UNSIGNED_SHORT: np.dtype("<u2"),
    UNSIGNED_INT: np.dtype("<u4"),
}


#: sRGB byte -> linear byte: glTF's COLOR_0 is a linear multiplier, so display (sRGB)
#: colours are linearised before they are written (else viewers show them too bright).
#: Eight bits keep the darkest sRGB steps coarser; the format asks for normalized bytes.
SRGB_TO_LINEAR_BYTE = np.round(
    255
    * np.where(
        np.arange(256) / 255 <= 0.04045, np.arange(256) / 255 / 12.92, ((np.arange(256) / 255 + 0.055) / 1.055) ** 2.4
    )
).astype(np.uint8)


def linear_rgba(srgb: np.ndarray) -> np.ndarray:
    """(N, 3 or 4) sRGB bytes -> (N, 4) linear RGBA bytes for COLOR_0 (alpha kept, or 255)."""
    srgb = np.asarray(srgb, dtype=np.uint8)
    out = np.full((len(srgb), 4), 255, dtype=np.uint8)
    out[:, :3] = SRGB_TO_LINEAR_BYTE[srgb[:, :3]]
    if srgb.shape[1] == 4:
        out[:, 3] = srgb[:, 3]
    return out


def column_bounds(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column minimum and maximum of an (N, k) array.

    Column by column: NumPy's ``min(axis=0)`` over a C-ordered (N, 3) array runs an inner
    loop of 3 elements and is 6-10 times slower (a large share of a package export).
    """
    array = np.asarray(array)
    return (
        np.array([array[:, k].min() for k in range(array.shape[1])]),
        np.array([array[:, k].max() for k in range(array.shape[1])]),
    )


def enu_to_gltf(xyz: np.ndarray) -> np.ndarray:
    """Local (east, north, up) -> glTF (x = east, y = up, z = -north), float32.

    A proper rotation (determinant +1): triangle winding and normals keep their sense.
    Negation and reordering are exact in float32, so the round trip is lossless.
    """
    xyz = np.asarray(xyz, dtype=np.float32)
    return np.ascontiguousarray(np.column_stack([xyz[:, 0], xyz[:, 2], -xyz[:, 1]]), dtype=np.float32)


def gltf_to_enu(xyz: np.ndarray) -> np.ndarray:
    """glTF (x, y up, z) -> local (east, north, up): the inverse of :func:`enu_to_gltf`."""
    xyz = np.asarray(xyz, dtype=np.float32)
    return np.ascontiguousarray(np.column_stack([xyz[:, 0], -xyz[:, 2], xyz[:, 1]]), dtype=np.float32)


def _srgb_to_linear(colour: str) -> list[float]:
    # baseColorFactor is linear; #rrggbb is sRGB: convert so materials look as specified.
    c = np.array(hex_to_rgb(colour), dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return [round(float(v), 6) for v in linear]


class GlbBuilder:
    """Accumulates accessors (one bufferView each, 4-byte aligned) and glTF objects."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.length = 0
        self.doc: dict[str, Any] = {
            "bufferViews": [],
            "accessors": [],
            "meshes": [],
            "materials": [],
            "nodes": [],
        }

    def accessor(
        self,
        array: np.ndarray,
        component_type: int,
        kind: str,
        target: int | None,
        normalized: bool = False,
        min_max: bool = False,
        stride: int | None = None,
    ) -> int:
        """Add ``array`` as an accessor in a bufferView of its own; returns the accessor index.

        ``stride``: store each element in ``stride`` bytes (zero padded) with that
        ``byteStride``. Vertex attributes must start every element on a 4-byte boundary,
        so a one-byte or two-byte scalar attribute needs ``stride=4``.
        """
        array = np.ascontiguousarray(array, dtype=_DTYPES[component_type])
        count = array.shape[0]
        if stride is not None:
            element = array.reshape(count, -1)
            padded = np.zeros((count, stride), dtype=np.uint8)
            padded[:, : element.itemsize * element.shape[1]] = element.view(np.uint8).reshape(count, -1)
            data = padded.tobytes()
        else:
            data = array.tobytes()
        index = self.view(data, target=target, stride=stride)
        acc: dict[str, Any] = {
            "bufferView": index,
            "byteOffset": 0,
            "componentType": component_type,
            "count": int(count),
            "type": kind,
        }
        if normalized:
            acc["normalized"] = True
        if min_max:
            # From the stored float32 values: a float32 converted to a Python float is
            # exact, so the validator's min/max check matches to the bit.
            shaped = array.reshape(count, -1)
            lo, hi = column_bounds(shaped)
            acc["min"] = [float(v) for v in lo]
            acc["max"] = [float(v) for v in hi]
        self.doc["accessors"].append(acc)
        return len(self.doc["accessors"]) - 1

    def view(self, data: bytes, target: int | None = None, stride: int | None = None, align: int = 4) -> int:
        """Add raw bytes as a bufferView starting on an ``align``-byte boundary; returns its index.

        Every bufferView starts at least on a 4-byte boundary (glTF requires the accessor
        offset to be a multiple of the component size; 4 suits all of them);
        EXT_structural_metadata wants 8 for property tables.
        """
        pad = -self.length % align
        if pad:
            self.parts.append(b"\0" * pad)
            self.length += pad
        view: dict[str, Any] = {"buffer": 0, "byteOffset": self.length, "byteLength": len(data)}
        if stride is not None:
            view["byteStride"] = stride
        if target is not None:
            view["target"] = target
        self.parts.append(data)
        self.length += len(data)
        self.doc["bufferViews"].append(view)
        return len(self.doc["bufferViews"]) - 1

    def material(self, name: str, colour: str, opacity: float = 1.0, double_sided: bool = False) -> int:
        material: dict[str, Any] = {
            "name": name,
            "pbrMetallicRoughness": {
                "baseColorFactor": [*_srgb_to_linear(colour), float(opacity)],
                "metallicFactor": 0.0,
                "roughnessFactor": 1.0,
            },
        }
        if opacity < 1.0:
            material["alphaMode"] = "BLEND"
        if double_sided:
            material["doubleSided"] = True
        self.doc["materials"].append(material)
        return len(self.doc["materials"]) - 1

    def mesh_node(self, name: str, primitive: dict[str, Any]) -> int:
        self.doc["meshes"].append({"name": name, "primitives": [primitive]})
        self.doc["nodes"].append({"name": name, "mesh": len(self.doc["meshes"]) - 1})
        return len(self.doc["nodes"]) - 1

    def write(
        self, handle: Any, asset: dict[str, Any], root: dict[str, Any], top: dict[str, Any] | None = None
    ) -> None:
        """Write the GLB: ``root`` is a node over every mesh node; ``top`` adds top-level
        members (``extensionsUsed``, ``extensions``)."""
        doc = {"asset": asset, "scene": 0, "scenes": [{"name": "CityTwin scene", "nodes": [len(self.doc["nodes"])]}]}
        root = dict(root, children=list(range(len(self.doc["nodes"]))))
        doc.update(top or {})
        doc.update({key: value for key, value in self.doc.items() if value})
        doc["nodes"] = [*self.doc["nodes"], root]
        bin_pad = -self.length % 4
        doc["buffers"] = [{"byteLength": self.length + bin_pad}]
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")
        text += b" " * (-len(text) % 4)  # the JSON chunk is padded with spaces
        bin_length = self.length + bin_pad
        total = 12 + 8 + len(text) + 8 + bin_length
        if total >= 2**32:
            raise InputError("the scene is too large for one GLB file (4 GiB): decimate the cloud")
        handle.write(struct.pack("<4sII", b"glTF", 2, total))
        handle.write(struct.pack("<I4s", len(text), b"JSON"))
        handle.write(text)
        handle.write(struct.pack("<I4s", bin_length, b"BIN\0"))
        for part in self.parts:
            handle.write(part)
        handle.write(b"\0" * bin_pad)


def _triangles(mesh: Any) -> np.ndarray:
    faces = np.asarray(mesh.faces)
    if faces.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    if faces.size % 4 or np.any(faces.reshape(-1, 4)[:, 0] != 3):
        raise ValueError("expected a triangle mesh")
    return faces.reshape(-1, 4)[:, 1:]


def _face_normals(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    p = points[triangles].astype(np.float64)
    return np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])


def flat_shaded(points: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices split by face normal (sharp building edges): positions, unit normals, indices.

    Degenerate (zero-area) triangles are dropped: they have no normal.
    """
    normals = _face_normals(points, triangles)
    length = np.linalg.norm(normals, axis=1)
    keep = length > 0
    normals = (normals[keep] / length[keep, None]).astype(np.float32)
    positions = points[triangles[keep]].reshape(-1, 3).astype(np.float32)
    combined = np.column_stack([positions, np.repeat(normals, 3, axis=0)])
    # Corners sharing both position and normal (the two triangles of a wall) share a vertex.
    unique, inverse = np.unique(combined, axis=0, return_inverse=True)
    return unique[:, :3], unique[:, 3:], inverse.reshape(-1).reshape(-1, 3)


def smooth_normals(points: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area-weighted unit vertex normals (terrain), and the non-degenerate triangles."""
    face = _face_normals(points, triangles)
    keep = np.linalg.norm(face, axis=1) > 0
    triangles, face = triangles[keep], face[keep]
    normals = np.zeros((len(points), 3))
    for corner in range(3):
        np.add.at(normals, triangles[:, corner], face)
    length = np.linalg.norm(normals, axis=1)
    normals[length == 0] = (0.0, 0.0, 1.0)  # an isolated vertex: up is the best guess
    length[length == 0] = 1.0
    return (normals / length[:, None]).astype(np.float32), triangles


def _line_segments(mesh: Any) -> np.ndarray:
    cells = np.asarray(mesh.lines)
    segments = []
    k = 0
    while k < len(cells):
        n = int(cells[k])
        ids = cells[k + 1 : k + 1 + n]
        segments.append(np.column_stack([ids[:-1], ids[1:]]))
        k += n + 1
    return np.concatenate(segments) if segments else np.zeros((0, 2), dtype=np.int64)


def rgba(rgb: np.ndarray) -> np.ndarray:
    rgba = np.empty((len(rgb), 4), dtype=np.uint8)
    rgba[:, :3] = rgb
    rgba[:, 3] = 255
    return rgba


def export_glb(
    scene: SceneSpec,
    path: str | os.PathLike,
    meshes: SceneMeshes | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Path:
    """Write ``scene`` as a georeferenced glTF 2.0 binary.

    Written by hand (numpy + struct + json) rather than with VTK's glTF exporter: VTK
    exports what is rendered (triangulated glyphs, no per-vertex colour on POINTS) and
    gives no control over accessor types, alignment or extras, while a point cloud should
    be a POINTS primitive with normalized unsigned-byte colours that viewers read
    directly.

    Layout: one buffer (the GLB BIN chunk), one bufferView per accessor, all 4-byte
    aligned. The cloud is a mesh primitive of mode 0 (POINTS) with POSITION (float32,
    min/max) and COLOR_0 (normalized unsigned-byte RGBA, the sRGB colours of
    :func:`~citytwin.twin.scene.color_values`); terrain and buildings are triangle
    primitives (POSITION, NORMAL, uint32 indices, a material; terrain adds COLOR_0 when
    coloured by elevation); lines are mode 1 (LINES). Coordinates are the scene's local
    frame turned to glTF's Y-up axes (x = east, y = up, z = -north). A root node holds
    the georeferencing in ``extras.citytwin`` (also in ``asset.extras.citytwin``): the
    origin in real CRS coordinates, the CRS WKT and authority code, the axis convention.

    Parameters
    ----------
    scene
        What to export.
    path
        The ``.glb`` file (its folder must exist).
    meshes
        Meshes already built for ``scene``.
    progress, is_canceled
        Progress and cancel callbacks; a cancel leaves no file.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = check_output_path(path)
    meshes = meshes or build_meshes(scene)
    check_canceled(is_canceled)
    geo = georeference(scene, meshes, gltf_axes=True)
    glb = GlbBuilder()

    cloud_positions = enu_to_gltf(np.asarray(meshes.cloud.points, dtype=np.float32))
    glb.mesh_node(
        "points",
        {
            "attributes": {
                "POSITION": glb.accessor(cloud_positions, FLOAT, "VEC3", ARRAY_BUFFER, min_max=True),
                "COLOR_0": glb.accessor(rgba(meshes.rgb), UNSIGNED_BYTE, "VEC4", ARRAY_BUFFER, normalized=True),
            },
            "mode": POINTS,
        },
    )
    progress(0.5)
    check_canceled(is_canceled)

    if meshes.terrain is not None:
        layer, mesh = meshes.terrain
        points = np.asarray(mesh.points, dtype=np.float32)
        normals, triangles = smooth_normals(points, _triangles(mesh))
        attributes = {
            "POSITION": glb.accessor(enu_to_gltf(points), FLOAT, "VEC3", ARRAY_BUFFER, min_max=True),
            "NORMAL": glb.accessor(enu_to_gltf(normals), FLOAT, "VEC3", ARRAY_BUFFER),
        }
        colour = layer.color
        if "RGB" in mesh.point_data:
            attributes["COLOR_0"] = glb.accessor(
                rgba(mesh.point_data["RGB"]), UNSIGNED_BYTE, "VEC4", ARRAY_BUFFER, normalized=True
            )
            colour = "#ffffff"  # the vertex colours carry the colour; the factor multiplies them
        primitive = {
            "attributes": attributes,
            "indices": glb.accessor(triangles.ravel(), UNSIGNED_INT, "SCALAR", ELEMENT_ARRAY_BUFFER),
            "material": glb.material(layer.name, colour, layer.opacity, double_sided=True),
            "mode": TRIANGLES,
        }
        glb.mesh_node(layer.name, primitive)

    for layer, mesh in meshes.buildings:
        if not mesh.n_cells:
            continue
        positions, normals, triangles = flat_shaded(np.asarray(mesh.points, dtype=np.float32), _triangles(mesh))
        primitive = {
            "attributes": {
                "POSITION": glb.accessor(enu_to_gltf(positions), FLOAT, "VEC3", ARRAY_BUFFER, min_max=True),
                "NORMAL": glb.accessor(enu_to_gltf(normals), FLOAT, "VEC3", ARRAY_BUFFER),
            },
            "indices": glb.accessor(triangles.ravel(), UNSIGNED_INT, "SCALAR", ELEMENT_ARRAY_BUFFER),
            "material": glb.material(layer.name, layer.color, layer.opacity),
            "mode": TRIANGLES,
        }
        glb.mesh_node(layer.name, primitive)

    for layer, mesh in meshes.lines:
        segments = _line_segments(mesh)
        primitive = {
            "attributes": {
                "POSITION": glb.accessor(
                    enu_to_gltf(np.asarray(mesh.points)), FLOAT, "VEC3", ARRAY_BUFFER, min_max=True
                ),
            },
            "indices": glb.accessor(segments.ravel(), UNSIGNED_INT, "SCALAR", ELEMENT_ARRAY_BUFFER),
            "material": glb.material(layer.name, layer.color),
            "mode": LINES,
        }
        glb.mesh_node(layer.name, primitive)
    progress(0.8)
    check_canceled(is_canceled)

    asset = {"version": "2.0", "generator": "CityTwin", "extras": {"citytwin": geo}}
    root = {"name": "CityTwin georeferenced root", "extras": {"citytwin": geo}}
    with atomic_output(path) as temp, temp.open("wb") as handle:
        glb.write(handle, asset, root)
    progress(1.0)
    return path


def read_glb(path: str | os.PathLike) -> tuple[dict[str, Any], bytes]:
    """The JSON document and the BIN chunk of a ``.glb`` file."""
    data = Path(path).read_bytes()
    magic, version, total = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2:
        raise InputError("not a glTF 2.0 binary file", source=path)
    json_length, json_type = struct.unpack_from("<I4s", data, 12)
    if json_type != b"JSON":
        raise InputError("the first GLB chunk is not JSON", source=path)
    doc = json.loads(data[20 : 20 + json_length])
    binary = b""
    offset = 20 + json_length
    if offset < total:
        bin_length, bin_type = struct.unpack_from("<I4s", data, offset)
        if bin_type == b"BIN\0":
            binary = data[offset + 8 : offset + 8 + bin_length]
    return doc, binary


def read_accessor(doc: dict[str, Any], binary: bytes, index: int) -> np.ndarray:
    """An accessor's values as an array of shape (count, components) (packed or strided views)."""
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    dtype = _DTYPES[acc["componentType"]]
    components = _COMPONENTS[acc["type"]]
    element = dtype.itemsize * components
    stride = view.get("byteStride", element)
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    count = acc["count"]
    if count == 0:
        return np.zeros((0, components), dtype=dtype)
    raw = np.frombuffer(binary, dtype=np.uint8, count=(count - 1) * stride + element, offset=start)
    rows = np.lib.stride_tricks.as_strided(raw, shape=(count, element), strides=(stride, 1))
    return np.ascontiguousarray(rows).view(dtype).reshape(count, components)


def read_glb_points(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The point cloud of a CityTwin ``.glb``.

    Returns
    -------
    origin : numpy.ndarray
        (3,) float64 real coordinates of the local origin (from ``asset.extras.citytwin``).
    positions : numpy.ndarray
        (N, 3) float32 local east/north/up offsets (glTF axes turned back).
    colors : numpy.ndarray
        (N, 4) uint8 RGBA.
    """
    doc, binary = read_glb(path)
    extras = doc.get("asset", {}).get("extras", {}).get("citytwin")
    if extras is None:
        raise InputError("no CityTwin georeferencing in asset.extras", source=path)
    for mesh in doc.get("meshes", []):
        for primitive in mesh["primitives"]:
            if primitive.get("mode", TRIANGLES) == POINTS:
                positions = gltf_to_enu(read_accessor(doc, binary, primitive["attributes"]["POSITION"]))
                colour = read_accessor(doc, binary, primitive["attributes"]["COLOR_0"])
                if colour.shape[1] == 3:
                    colour = np.column_stack([colour, np.full(len(colour), 255, dtype=colour.dtype)])
                return np.asarray(extras["origin"], dtype=np.float64), positions, colour.astype(np.uint8)
    raise InputError("the file has no POINTS primitive", source=path)


# -- VTK ---------------------------------------------------------------------------------------
def set_string_field(dataset: Any, name: str, value: str) -> None:
    """Store ``value`` as a one-string field-data array (UTF-8 kept, unlike PyVista's ASCII-only setter).

    CRS WKT holds non-ASCII text (the degree sign of ``°`` units, names in any script).
    """
    from vtkmodules.vtkCommonCore import vtkStringArray

    array = vtkStringArray()
    array.SetName(name)
    array.InsertNextValue(value)
    field_data = dataset.GetFieldData()
    field_data.RemoveArray(name)
    field_data.AddArray(array)


def _tag(dataset: Any, scene: SceneSpec, kind: str, colour: str | None = None) -> Any:
    dataset.field_data["citytwin_origin"] = np.asarray(scene.origin, dtype=np.float64)
    set_string_field(dataset, "citytwin_crs_wkt", scene.cloud.crs_wkt or "")
    set_string_field(dataset, "citytwin_axes", "local east/north/up offsets: real = citytwin_origin + xyz")
    set_string_field(dataset, "citytwin_layer", kind)
    if colour is not None:
        set_string_field(dataset, "citytwin_color", colour)
    return dataset


def export_vtk(
    scene: SceneSpec,
    path: str | os.PathLike,
    meshes: SceneMeshes | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Path:
    """Write ``scene`` as VTK XML: ``.vtp`` for a cloud alone, ``.vtm`` for more layers.

    The cloud is PolyData with one vertex cell per point, float32 local positions, point
    data ``RGB`` (uint8, the scene's colours) and every attribute. Buildings, terrain and
    lines are PolyData blocks of a MultiBlock. Every block (and the MultiBlock) carries
    field data ``citytwin_origin`` (float64 real coordinates of the local origin) and
    ``citytwin_crs_wkt`` (empty when the CRS is unknown).

    A ``.vtm`` is a small index file plus a folder of the same stem holding the blocks;
    both are written in a temporary folder and moved into place, the index last.

    Raises
    ------
    InputError
        Another suffix; ``.vtp`` for a scene with more than the cloud; a folder that does
        not exist or cannot be written.
    """
    import pyvista as pv

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".vtp", ".vtm"):
        raise InputError("VTK export writes .vtp (cloud) or .vtm (cloud and layers) files", source=path)
    if suffix == ".vtp" and scene.has_layers:
        raise InputError("the scene has buildings, terrain or lines: export it as .vtm", source=path)
    check_output_path(path)
    meshes = meshes or build_meshes(scene, attributes=True)
    check_canceled(is_canceled)
    cloud = _tag(meshes.cloud.copy(), scene, "cloud")
    set_string_field(cloud, "citytwin_colour_by", scene.colour_by)
    if suffix == ".vtp":
        with atomic_output(path) as temp:
            cloud.save(temp, binary=True)
        progress(1.0)
        return path

    blocks = pv.MultiBlock()
    names: set[str] = set()

    def add(name: str, mesh: Any) -> None:
        unique, k = name, 1
        while unique in names:
            k += 1
            unique = f"{name}_{k}"
        names.add(unique)
        blocks[unique] = mesh

    add("cloud", cloud)
    if meshes.terrain is not None:
        layer, mesh = meshes.terrain
        add(layer.name, _tag(mesh.copy(), scene, "terrain", layer.color))
    for layer, mesh in meshes.buildings:
        add(layer.name, _tag(mesh.copy(), scene, "buildings", layer.color))
    for layer, mesh in meshes.lines:
        add(layer.name, _tag(mesh.copy(), scene, "lines", layer.color))
    _tag(blocks, scene, "scene")
    progress(0.5)
    check_canceled(is_canceled)

    _write_vtm(blocks, path, is_canceled)
    progress(1.0)
    return path


def _write_vtm(blocks: Any, path: Path, is_canceled: CancelCheck) -> None:
    """Write a MultiBlock as ``path`` (index) + ``path.stem/`` (blocks), index moved in last."""
    folder = path.parent
    data_dir = path.with_suffix("")
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", suffix=".part", dir=folder))
    except OSError as exc:
        raise InputError(f"cannot write in the output folder: {exc.strerror}", source=folder) from exc
    try:
        # VTK names the block folder after the index file: write under the final name.
        blocks.save(work / path.name, binary=True)
        check_canceled(is_canceled)
        if data_dir.exists():
            data_dir.replace(work / "previous")  # out of the way; removed with `work`
        (work / path.stem).replace(data_dir)
        (work / path.name).replace(path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
