"""The digital base as a 3D scene package: OGC 3D Tiles 1.1 + manifest + a browser viewer.

A package is a folder (or one ``.zip`` of it)::

    tileset.json        3D Tiles 1.1: a content-less root placing the ENU frame on the
                        Earth (``transform``), with one subtree per layer:
    points/*.glb          the point clouds (octree, ADD refinement: see pointtiles)
    buildings/*.glb       extruded footprints with per-building metadata (see meshtiles)
    terrain/*.glb         the DTM surface (quadtree, REPLACE refinement)
    manifest.json       what is inside: sources with SHA-256, CRS and origin, counts per
                        level, attribute schemas, CityTwin version, creation time
    index.html, Cesium/ the viewer (CesiumJS from npm, Apache-2.0, licence included),
    serve.py, README.txt  and how to open it (a local web server: browsers refuse file://)

Georeferencing: see :mod:`citytwin.twin.ecef` (base CRS -> ECEF through pyproj, an ENU
frame at the origin; how CGCS2000, WGS 84 and heights are treated).

Written atomically: everything goes to a hidden staging folder beside the target and is
renamed into place (or zipped to a temporary name and renamed) only when complete; a
failure or a cancel removes the staging folder and leaves the target as it was. An
existing target is replaced only when it is a CityTwin package (or an empty folder).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .ecef import LocalFrame
from .export import crs_description
from .meshtiles import BuildingTable, Dtm, tile_buildings, tile_terrain
from .pointtiles import (
    DEFAULT_BUDGET,
    POINT_SCHEMA,
    CloudSource,
    PointTiler,
    box_of,
    point_colours,
    spool_clouds,
    tile_json,
)

TILESET = "tileset.json"
MANIFEST = "manifest.json"
#: Height fields looked for, in order, when none is named (CityTwin's own first).
HEIGHT_FIELDS = ("pc_height_m", "height_m", "height", "bldg_height", "building_height", "roof_height", "高度", "h")
DATUM_NOTE = (
    "CGCS2000 and WGS 84 are taken as the same frame (PROJ's ballpark null transformation: "
    "they agree to a few centimetres and EPSG publishes no transformation between them)"
)
HEIGHT_NOTE = (
    "heights are used as ellipsoidal heights (no geoid model applied): over a global terrain "
    "model the package sits off by the geoid undulation (about -8 to -10 m around Beijing)"
)


@dataclass
class PackageResult:
    """What an export wrote."""

    path: Path
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def points(self) -> int:
        return int(self.manifest["layers"].get("points", {}).get("points", 0))


# -- inputs ------------------------------------------------------------------------------------
def _cloud_sources(clouds: Sequence[Any]) -> list[CloudSource]:
    return [c if isinstance(c, CloudSource) else CloudSource(Path(c)) for c in clouds]


def _open_clouds(sources: list[CloudSource], crs: Any) -> Any:
    """Check every cloud (exists, has points, has a CRS); the base CRS (``crs``, else the first cloud's)."""
    from .reader import open_stream

    first = None
    for source in sources:
        stream = open_stream(source.path, source_crs=source.source_crs)
        if stream.crs_wkt is None:
            raise InputError(
                "the point cloud has no CRS record: set its CRS (the package must be placed on the Earth, "
                "and CityTwin never guesses a CRS)",
                source=source.path,
            )
        if stream.point_count == 0:
            raise InputError("the point cloud has no points: nothing to export", source=source.path)
        first = first or stream.crs_wkt
    return crs if crs is not None else first


def _read_buildings(buildings: Any, layer: str | None) -> tuple[Any, str | None]:
    if buildings is None:
        return None, None
    if isinstance(buildings, (str, os.PathLike)):
        import geopandas as gpd

        path = Path(buildings)
        if not path.exists():
            raise InputError("file not found", source=path)
        try:
            frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        except Exception as exc:  # the driver's message goes to the user
            raise InputError(f"cannot read the buildings layer: {exc}", source=path) from exc
        return frame, str(path)
    return buildings, None


def height_field_of(frame: Any, height_field: str | None, source: str | None) -> str:
    """The height field to use: ``height_field``, or the first of :data:`HEIGHT_FIELDS` present."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if height_field:
        if height_field not in columns:
            raise InputError(
                f"the buildings layer has no field '{height_field}' (fields: {', '.join(map(str, columns))})",
                source=source,
                field=height_field,
            )
        return height_field
    for name in HEIGHT_FIELDS:
        if name in columns:
            return name
    raise InputError(
        "the buildings have no heights: name the height field (none of "
        f"{', '.join(HEIGHT_FIELDS)} found; fields: {', '.join(map(str, columns)) or 'none'}); "
        "'Building heights from point cloud' derives them from lidar",
        source=source,
    )


def _base_of_buildings(frame: Any, base_field: str | None, dtm: Dtm | None, crs: Any, warnings: list[str]):
    import pyproj

    from .scene import BuildingsLayer, TerrainSurface, building_bases

    if base_field:
        return numeric_field(frame, base_field, None)
    if dtm is not None:
        surface = TerrainSurface(dtm.z, dtm.geotransform)
        sampler = surface.sample
        if dtm.crs_wkt and not pyproj.CRS.from_user_input(dtm.crs_wkt).equals(crs, ignore_axis_order=True):
            to_dtm = pyproj.Transformer.from_crs(crs, dtm.crs_wkt, always_xy=True)

            def sampler(x, y):
                return surface.sample(*to_dtm.transform(x, y))

        layer = BuildingsLayer(frame.geometry.to_numpy(), np.zeros(len(frame)), terrain=sampler)
        return building_bases(layer)
    if "pc_ground_z" in frame.columns:
        return frame["pc_ground_z"].astype("float64").to_numpy()
    warnings.append("no DTM and no base field: buildings stand at height 0")
    return np.zeros(len(frame))


def numeric_field(frame: Any, name: str, source: str | None) -> np.ndarray:
    """A field of the buildings as float64 (NULL -> NaN), or an error naming it."""
    import pandas as pd

    if name not in frame.columns:
        raise InputError(f"the buildings layer has no field '{name}'", source=source, field=name)
    values = pd.to_numeric(frame[name], errors="coerce")
    bad = values.isna() & frame[name].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"field '{name}' holds a value that is not a number: {frame[name].iloc[row]!r} (feature {row + 1})",
            source=source,
            field=name,
        )
    return values.astype("float64").to_numpy()


def sha256_of(path: Path, stop: threading.Event | None = None, block: int = 1 << 22) -> str:
    """SHA-256 of a file (hex); "" when ``stop`` is set before the end."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            if stop is not None and stop.is_set():
                return ""
            digest.update(chunk)
    return digest.hexdigest()


# -- target ------------------------------------------------------------------------------------
def is_package(path: Path) -> bool:
    """True for a folder or zip written by this module (its manifest says so)."""
    try:
        if path.is_dir():
            text = (path / MANIFEST).read_text(encoding="utf-8")
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                text = archive.read(MANIFEST).decode("utf-8")
        else:
            return False
        return json.loads(text).get("generator") == "CityTwin"
    except (OSError, KeyError, ValueError):
        return False


def check_target(target: str | os.PathLike) -> tuple[Path, bool]:
    """The target path and whether it is a zip; raise unless it can be written (or replaced)."""
    target = Path(target)
    as_zip = target.suffix.lower() == ".zip"
    parent = target.parent
    if not parent.is_dir():
        raise InputError("the output folder does not exist", source=parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError("the output folder is not writable", source=parent)
    if target.exists():
        if as_zip and target.is_dir():
            raise InputError("the output path is a folder, not a .zip file name", source=target)
        if not as_zip and not target.is_dir():
            raise InputError("the output path is a file: give a folder for the package, or a .zip name", source=target)
        empty = target.is_dir() and not any(target.iterdir())
        if not empty and not is_package(target):
            raise InputError(
                "the output exists and is not a CityTwin scene package: choose another name "
                "(CityTwin replaces only its own packages)",
                source=target,
            )
    return target, as_zip


def _readable(path: Path, folder: bool) -> None:
    """Give a temporary-made file or folder (mkdtemp/mkstemp: owner only) the usual permissions.

    A package is meant to be served: a web server running as another user must read it.
    """
    umask = os.umask(0)
    os.umask(umask)
    path.chmod((0o777 if folder else 0o666) & ~umask)


def _publish(staging: Path, target: Path, as_zip: bool, is_canceled: CancelCheck = never_canceled) -> None:
    if as_zip:
        fd, part = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".zip.part", dir=target.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                for path in sorted(staging.rglob("*")):
                    check_canceled(is_canceled)  # zipping gigabytes takes minutes
                    if path.is_file():
                        archive.write(path, path.relative_to(staging).as_posix())
            _readable(Path(part), folder=False)
            Path(part).replace(target)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
        shutil.rmtree(staging, ignore_errors=True)
        return
    _readable(staging, folder=True)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        target.replace(old / "package")
    try:
        staging.replace(target)
    except BaseException:
        if old is not None:  # put the previous package back: never leave the user with neither
            (old / "package").replace(target)
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# -- the export --------------------------------------------------------------------------------
def _origin(streams: list[Any], frame_bounds: list[tuple[float, ...]], geographic: bool) -> np.ndarray:
    """A point near the middle of everything, at the lowest height: whole metres for a
    projected CRS (easy to state), the centre itself for a geographic one (whole degrees
    would put it tens of kilometres away)."""
    boxes = [*frame_bounds, *(stream.extent for stream in streams)]
    lo = np.min([[b[0], b[1], b[2]] for b in boxes], axis=0)
    hi = np.max([[b[3], b[4], b[5]] for b in boxes], axis=0)
    centre = (lo[:2] + hi[:2]) / 2  # z: buildings alone give no heights (an empty z range)
    if not geographic:
        centre = np.round(centre)
    z = lo[2] if np.isfinite(lo[2]) else 0.0
    return np.array([centre[0], centre[1], np.floor(z)], dtype=np.float64)


def _stream_extents(sources: list[CloudSource], crs: Any) -> list[Any]:
    from .reader import open_stream

    return [open_stream(s.path, target_crs=crs, source_crs=s.source_crs) for s in sources]


class _Checksums:
    """SHA-256 of the source files, computed on a second thread while the export runs.

    hashlib releases the GIL on large blocks, so a 1 GB point cloud is hashed on the other
    core instead of adding seconds at the end.
    """

    def __init__(self, paths: list[Path]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citytwin-sha256")
        self._futures = {Path(p): self._pool.submit(sha256_of, Path(p), self._stop) for p in paths}

    def get(self, path: Path) -> str:
        path = Path(path)
        future = self._futures.get(path) or self._pool.submit(sha256_of, path, self._stop)
        return future.result()

    def close(self) -> None:
        """Stop: a hash still running ends at its next block (a cancel does not wait for gigabytes)."""
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


class _Export:
    """One export run (kept as an object so the steps share the frame, staging folder and record)."""

    def __init__(
        self, staging: Path, frame: LocalFrame, progress: ProgressCallback, is_canceled: CancelCheck, sums: _Checksums
    ):
        self.staging, self.frame, self.progress, self.is_canceled = staging, frame, progress, is_canceled
        self.sums = sums
        self.layers: dict[str, Any] = {}
        self.roots: list[tuple[str, dict[str, Any]]] = []
        self.sources: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    def points(self, sources: list[CloudSource], colour_by: str, budget: int, max_depth: int | None) -> None:
        work = Path(tempfile.mkdtemp(prefix=".work-", dir=self.staging))
        try:

            def spool_progress(f: float) -> None:
                self.progress(0.05 + 0.25 * f)

            summary = spool_clouds(
                sources, self.frame, work, max_depth=max_depth, progress=spool_progress, is_canceled=self.is_canceled
            )
            colours = point_colours(summary, colour_by, self.frame)

            def tile_progress(f: float) -> None:
                self.progress(0.3 + 0.45 * f)

            tiler = PointTiler(
                summary,
                self.staging / "points",
                work,
                colours,
                budget,
                max_depth,
                progress=tile_progress,
                is_canceled=self.is_canceled,
            )
            tree = tiler.run()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if tree.total != summary.count:  # pragma: no cover - the tiler's invariant
            raise RuntimeError(f"tiling lost points: {summary.count} read, {tree.total} written")
        root = tile_json(tree, tree.root)
        self.roots.append(("points", root))
        self.layers["points"] = {
            "points": tree.total,
            "tiles": len([t for t in tree.tiles.values() if t.uri]),
            "points_per_level": tree.level_counts,
            "refine": "ADD",
            "count_rule": "ADD refinement: every source point is in exactly one tile; the levels add up to the source",
            "point_budget_per_tile": tree.budget,
            "sampling_grid_per_edge": tree.grid,
            "geometric_error": "sampling spacing of the tile (cube edge / grid), halving with depth; 0 in leaves",
            "colour": tree.colours,
            "attributes": {
                "POSITION": "float32 offsets from the tile centre (node translation), glTF Y-up axes",
                "COLOR_0": "normalized unsigned-byte RGBA, linear (glTF's COLOR_0; legend colours are sRGB)",
                "_CLASSIFICATION": "UINT8 ASPRS class (EXT_structural_metadata property attribute)",
                "_INTENSITY": "UINT16 intensity (EXT_structural_metadata property attribute)",
            },
            "schema": POINT_SCHEMA,
        }
        for source in summary.sources:
            path = Path(source["path"])
            self.sources.append(
                {
                    "kind": "point cloud",
                    "file": path.name,
                    "bytes": path.stat().st_size,
                    "sha256": self.sums.get(path),
                    "points": source["points"],
                    **{k: v for k, v in crs_description(source["crs_wkt"]).items() if k != "crs_wkt"},
                }
            )

    def buildings(self, frame: Any, source: str | None, file: str | None, height_field: str, base, fields) -> None:
        """``source`` names the layer in messages; ``file`` (when read from one) is checksummed."""
        heights = numeric_field(frame, height_field, source)
        usable = np.isfinite(heights) & (heights > 0)
        if not usable.any():
            raise InputError(
                f"no building has a usable height in field '{height_field}' (all NULL or <= 0)",
                source=source,
                field=height_field,
            )
        columns = [c for c in frame.columns if c != frame.geometry.name] if fields is None else list(fields)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InputError(f"the buildings layer has no field '{missing[0]}'", source=source, field=missing[0])
        table_frame = frame[columns].copy()
        # What the package stands the buildings on, under names that never replace a user field.
        derived = []
        for wanted, values in (("height_m", heights), ("base_z", base)):
            name = wanted if wanted not in table_frame.columns else f"citytwin_{wanted}"
            table_frame[name] = values
            derived.append(name)
        table = BuildingTable.from_frame(table_frame, [*columns, *derived])
        root, record = tile_buildings(
            frame.geometry.to_numpy(),
            heights,
            base,
            table,
            self.frame,
            self.staging / "buildings",
            is_canceled=self.is_canceled,
        )
        if root is None:
            raise InputError("no building could be extruded (empty or invalid footprints)", source=source)
        if record["skipped"]:
            self.warnings.append(f"{len(record['skipped'])} buildings left out (no height, no base or no area)")
        self.roots.append(("buildings", root.to_json()))
        self.layers["buildings"] = {
            "features": record["features"],
            "skipped_rows": record["skipped"][:1000],
            "tiles": root.count(),
            "height_field": height_field,
            "feature_ids": "EXT_mesh_features attribute _FEATURE_ID_0 -> EXT_structural_metadata property table",
            "schema": table.schema(),
        }
        if file:
            self.sources.append(
                {
                    "kind": "buildings",
                    "file": Path(file).name,
                    "sha256": self.sums.get(Path(file)),
                    "rows": len(frame),
                }
            )
        elif source:
            self.sources.append({"kind": "buildings", "layer": source, "rows": len(frame)})

    def terrain(self, dtm: Dtm) -> None:
        root, record = tile_terrain(dtm, self.frame, self.staging / "terrain", is_canceled=self.is_canceled)
        self.roots.append(("terrain", root.to_json()))
        self.layers["terrain"] = {**record, "refine": "REPLACE"}
        if dtm.path is not None:
            self.sources.append({"kind": "DTM", "file": dtm.path.name, "sha256": self.sums.get(dtm.path)})

    def tileset(self) -> dict[str, Any]:
        children = [dict(root, extras={"layer": name}) for name, root in self.roots]
        boxes = [np.asarray(c["boundingVolume"]["box"]) for c in children]
        lo = np.min([b[:3] - np.abs(b[3:12].reshape(3, 3)).sum(axis=0) for b in boxes], axis=0)
        hi = np.max([b[:3] + np.abs(b[3:12].reshape(3, 3)).sum(axis=0) for b in boxes], axis=0)
        # A content-less root must be refined whenever the city is on screen: its error is
        # the diagonal of everything (and above every child's).
        error = max(float(np.linalg.norm(hi - lo)), 2 * max(c["geometricError"] for c in children), 1.0)
        root = {
            "boundingVolume": {"box": box_of(lo, hi)},
            "geometricError": error,
            "refine": "ADD",
            "transform": self.frame.transform(),
            "children": children,
        }
        return {
            "asset": {"version": "1.1", "generator": "CityTwin"},
            "geometricError": error,
            "root": root,
        }


@dataclass
class _Inputs:
    """The checked inputs of an export, all in one base CRS."""

    crs: Any
    streams: list[Any]
    buildings: Any = None
    buildings_source: str | None = None  # the file, when read from one
    buildings_label: str | None = None  # the file or the layer name, for messages
    height_field: str | None = None
    dtm: Dtm | None = None
    bounds: list[tuple[float, ...]] = field(default_factory=list)

    @classmethod
    def prepare(cls, sources, buildings, buildings_layer, buildings_name, dtm, crs, height_field) -> _Inputs:
        import pyproj

        crs = _open_clouds(sources, crs)
        frame_gdf, buildings_source = _read_buildings(buildings, buildings_layer)
        label = buildings_source or buildings_name  # how messages name the layer
        if frame_gdf is not None:
            if frame_gdf.crs is None:
                raise InputError("the buildings layer has no CRS: set one (a CRS is never guessed)", source=label)
            crs = crs or frame_gdf.crs
        dtm_data = dtm if isinstance(dtm, Dtm) or dtm is None else Dtm.read(dtm)
        if dtm_data is not None:
            crs = crs or dtm_data.crs_wkt
        if crs is None:
            raise InputError("no CRS: the inputs have none (a CRS is never guessed)")
        crs = pyproj.CRS.from_user_input(crs)
        inputs = cls(crs, _stream_extents(sources, crs), dtm=dtm_data, buildings_source=buildings_source)
        if frame_gdf is not None:
            frame_gdf = frame_gdf.to_crs(crs)
            frame_gdf = frame_gdf[~(frame_gdf.geometry.isna() | frame_gdf.geometry.is_empty)]
            if frame_gdf.empty:
                raise InputError(
                    "the buildings layer has no footprints (no rows, or only empty geometries)", source=label
                )
            b = frame_gdf.total_bounds
            inputs.bounds.append((b[0], b[1], np.inf, b[2], b[3], -np.inf))
            inputs.height_field = height_field_of(frame_gdf, height_field, label)
            inputs.buildings_label = label
            inputs.buildings = frame_gdf
        if dtm_data is not None:
            x0, dx, _, y0, _, dy = dtm_data.geotransform
            rows, cols = dtm_data.z.shape
            to_base = pyproj.Transformer.from_crs(dtm_data.crs_wkt or crs, crs, always_xy=True)
            xs, ys = to_base.transform([x0, x0 + cols * dx], [y0, y0 + rows * dy])
            z = dtm_data.z[np.isfinite(dtm_data.z)]
            inputs.bounds.append((min(xs), min(ys), z.min(), max(xs), max(ys), z.max()))
        return inputs

    def origin(self) -> np.ndarray:
        return _origin(self.streams, self.bounds, self.crs.is_geographic)


def export_scene_package(
    target: str | os.PathLike,
    clouds: Sequence[Any] = (),
    buildings: Any = None,
    dtm: Any = None,
    *,
    crs: Any = None,
    buildings_layer: str | None = None,
    buildings_name: str | None = None,
    height_field: str | None = None,
    base_field: str | None = None,
    fields: Sequence[str] | None = None,
    colour_by: str = "auto",
    point_budget: int = DEFAULT_BUDGET,
    max_depth: int | None = None,
    title: str | None = None,
    viewer: bool = True,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> PackageResult:
    """Export point clouds, buildings and a DTM as a 3D Tiles 1.1 scene package.

    Parameters
    ----------
    target
        The package folder, or a ``.zip`` file name.
    clouds
        LAS/LAZ/COPC paths (or :class:`~citytwin.twin.pointtiles.CloudSource` with the CRS
        of a file that has none).
    buildings
        Footprints: a vector file path (``buildings_layer`` picks a layer) or a GeoDataFrame
        (``buildings_name`` names it in messages).
    dtm
        A DTM GeoTIFF path (or a :class:`~citytwin.twin.meshtiles.Dtm`); also the ground
        the buildings stand on.
    crs
        The base CRS (default: the first cloud's, else the buildings', else the DTM's).
    height_field, base_field, fields
        Building height above ground (default: the first of :data:`HEIGHT_FIELDS`), base
        elevation field (default: the lowest DTM height under the footprint, else
        ``pc_ground_z``, else 0), attributes carried (default: all).
    colour_by
        Point colours: auto, rgb, classification, elevation, intensity.
    point_budget, max_depth
        Most points per tile (a leaf at ``max_depth`` keeps all it has), and the deepest
        level (None: as deep as the budget needs).
    title
        Shown by the viewer (default: the target's name).
    viewer
        Copy the CesiumJS viewer into the package.
    progress, is_canceled
        Progress (0-1) and cancel callbacks; a cancel raises
        :class:`~citytwin.common.errors.Canceled` and leaves no package.
    """
    from ..common.metadata import plugin_version

    target, as_zip = check_target(target)
    sources = _cloud_sources(clouds)
    if not sources and buildings is None and dtm is None:
        raise InputError("nothing to export: give point clouds, buildings or a DTM")
    check_canceled(is_canceled)
    inputs = _Inputs.prepare(sources, buildings, buildings_layer, buildings_name, dtm, crs, height_field)
    dtm_path = inputs.dtm.path if inputs.dtm is not None else None
    frame = LocalFrame.at(inputs.crs, inputs.origin())
    progress(0.02)

    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.part-", dir=target.parent))
    except OSError as exc:
        raise InputError(f"cannot write in the output folder: {exc.strerror}", source=target.parent) from exc
    files = [s.path for s in sources] + [Path(p) for p in (inputs.buildings_source, dtm_path) if p]
    sums = _Checksums(files)
    try:
        run = _Export(staging, frame, progress, is_canceled, sums)
        if sources:
            run.points(sources, colour_by, int(point_budget), max_depth)
        progress(0.75)
        if inputs.buildings is not None:
            base = _base_of_buildings(inputs.buildings, base_field, inputs.dtm, inputs.crs, run.warnings)
            run.buildings(
                inputs.buildings, inputs.buildings_label, inputs.buildings_source, inputs.height_field, base, fields
            )
        progress(0.85)
        if inputs.dtm is not None:
            run.terrain(inputs.dtm)
        progress(0.92)
        check_canceled(is_canceled)
        tileset = run.tileset()
        (staging / TILESET).write_text(json.dumps(tileset, separators=(",", ":")), encoding="utf-8")
        viewer_files = _viewer(staging, viewer, run.warnings)
        manifest = _manifest(run, frame, inputs.crs, title or target.stem, plugin_version(), viewer_files)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        progress(0.95)
        check_canceled(is_canceled)
        _publish(staging, target, as_zip, is_canceled)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        sums.close()
    progress(1.0)
    return PackageResult(target, manifest, run.warnings)


def _viewer(staging: Path, wanted: bool, warnings: list[str]) -> list[str]:
    if not wanted:
        return []
    from .viewer_files import copy_viewer, viewer_source

    if viewer_source() is None:
        warnings.append("the CesiumJS viewer is not built into this copy of CityTwin: package written without it")
        return []
    return copy_viewer(staging)


def _manifest(run: _Export, frame: LocalFrame, crs: Any, title: str, version: str, viewer: list[str]) -> dict:
    files = [p for p in run.staging.rglob("*") if p.is_file()]
    return {
        "generator": "CityTwin",
        "citytwin_version": version,
        "title": title,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "format": {"3d_tiles": "1.1", "gltf": "2.0", "tileset": TILESET},
        "crs": {
            **{k: v for k, v in crs_description(crs.to_wkt()).items()},
            "authority": crs_description(crs.to_wkt())["crs_authority"],
            "to_ecef": frame.operation,
            "datum": DATUM_NOTE,
            "heights": HEIGHT_NOTE,
        },
        "origin": {
            "crs_xyz": [float(v) for v in frame.origin],
            "ecef": [float(v) for v in frame.origin_ecef],
            "lon_lat_h": [frame.lon, frame.lat, frame.height],
            "frame": "east/north/up tangent frame at the origin; tileset root transform = ENU -> ECEF (EPSG:4978)",
            "to_crs": "ECEF = transform x (e, n, u, 1); then EPSG:4978 -> crs with PROJ",
        },
        "sources": run.sources,
        "layers": run.layers,
        "warnings": run.warnings,
        "viewer": (
            {"library": "CesiumJS", "licence": "Apache-2.0 (Cesium/LICENSE.md)", "open": "python3 serve.py"}
            if viewer
            else None
        ),
        "files": {"count": len(files) + 1, "bytes": sum(p.stat().st_size for p in files)},
    }


@contextlib.contextmanager
def opened_package(path: str | os.PathLike):
    """A package folder to read: the folder itself, or a zip unpacked to a temporary folder."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="citytwin-package-") as tmp:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp)
        yield Path(tmp)
