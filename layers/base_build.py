"""Build a digital base: read every source, bring it onto one CRS and one time axis,
compute the fused grid and write everything into one GeoPackage, atomically.

The GeoPackage holds one table per source layer (vector layers reprojected to the
base CRS, index rasters warped to it as float32 gridded coverages), the fused grid,
``base_sources`` (what was read from where: counts, skipped lines, notes, SHA-256 of
every input) and ``base_info`` (name, CRS, grid, time range, CityTwin version, the
description itself). It is written to a temporary file beside the target and moved
into place only when complete: a failure or cancel leaves the old base untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress, sub_progress
from .base_description import BaseDescription, description_text
from .base_sources import LoadedSource, SourceLayer, load_source
from .fusion import FusionInputs, IndexSamples, fuse_grid
from .grid import GridSpec
from .report import ReadReport

GRID_LAYER = "fused_grid"
#: Resolution (m) of index rasters in the base; Sentinel-2's 10 m bands.
INDEX_RESOLUTION_M = 10.0


@dataclass
class BaseLayer:
    """A layer of the built base, as the QGIS tier needs it to show the layer."""

    name: str
    kind: str
    section: str
    source: str
    feature_count: int
    raster: bool = False
    time_field: str | None = None
    end_field: str | None = None
    fixed_time: tuple[str, str] | None = None
    index: str | None = None


@dataclass
class BuiltBase:
    gpkg: Path
    crs: str
    layers: list[BaseLayer]
    reports: list[ReadReport]
    grid: GridSpec | None
    time_range: tuple[str, str] | None
    description: BaseDescription
    warnings: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def choose_crs(description: BaseDescription, loaded: list[LoadedSource]) -> str:
    """The description's CRS, or the CGCS2000 3-degree zone of the data's centre."""
    import pyproj

    from .base_crs import base_epsg_for

    if description.crs:
        try:
            pyproj.CRS.from_user_input(description.crs)
        except pyproj.exceptions.CRSError as exc:
            raise InputError(f"unknown CRS '{description.crs}'", field="crs") from exc
        return str(description.crs)
    bounds = []
    for source in loaded:
        for layer in source.layers:
            frame = layer.data
            if hasattr(frame, "to_crs") and frame.crs is not None and len(frame) and not frame.geometry.is_empty.all():
                bounds.append(frame.to_crs(4326).total_bounds)
    if not bounds:
        raise InputError("no source has a position to place the base; set 'crs' in the description", field="crs")
    b = np.array(bounds)
    return f"EPSG:{base_epsg_for((np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3])))}"


def _warp_raster(layer: SourceLayer, crs: str, assigned_crs: str | None, work_dir: Path) -> Path:
    from osgeo import gdal

    gdal.UseExceptions()
    out = work_dir / f"{layer.name}_base.tif"
    gdal.Warp(
        str(out),
        str(layer.data),
        dstSRS=crs,
        srcSRS=assigned_crs,
        xRes=INDEX_RESOLUTION_M,
        yRes=INDEX_RESOLUTION_M,
        targetAlignedPixels=True,
        resampleAlg="bilinear",
        srcNodata=-9999.0,
        dstNodata=-9999.0,
        outputType=gdal.GDT_Float32,
    )
    return out


def _fusion_inputs(loaded: list[LoadedSource], warped: dict[str, Path], crs: str) -> tuple[FusionInputs, list]:
    import pandas as pd

    from .imagery import read_index_samples

    inputs = FusionInputs()
    bounds = []
    gnss, drive, ps, buildings = [], [], [], []
    for source in loaded:
        for layer in source.layers:
            if layer.kind == "index_raster":
                x, y, values = read_index_samples(warped[layer.name])
                if len(x):
                    inputs.indices.append(IndexSamples(layer.index, x, y, values, layer.acquired))
                    bounds.append([x.min(), y.min(), x.max(), y.max()])
                continue
            frame = layer.data
            if layer.kind not in ("nav_epochs", "drive_test", "ps_points", "buildings"):
                continue
            frame = frame[~frame.geometry.is_empty & frame.geometry.notna()]
            if not len(frame):
                continue
            bounds.append(frame.total_bounds)
            if layer.kind == "buildings":
                buildings.append(frame[["height_m", "geometry"]])
                continue
            table = pd.DataFrame({"x": frame.geometry.x.to_numpy(), "y": frame.geometry.y.to_numpy()})
            if layer.kind == "nav_epochs":
                for column in ("time", "fix_quality", "hdop", "sats_used"):
                    table[column] = frame[column].to_numpy()
                gnss.append(table)
            elif layer.kind == "drive_test":
                table["time"] = frame["time"].to_numpy()
                table["rsrp_dbm"] = frame["rsrp_dbm"].to_numpy()
                drive.append(table)
            elif "mean_velocity" in frame:
                table["mean_velocity"] = frame["mean_velocity"].to_numpy()
                ps.append(table)
    inputs.gnss = pd.concat(gnss, ignore_index=True) if gnss else None
    inputs.drive = pd.concat(drive, ignore_index=True) if drive else None
    inputs.ps = pd.concat(ps, ignore_index=True) if ps else None
    if buildings:
        import geopandas as gpd

        inputs.buildings = gpd.GeoDataFrame(pd.concat(buildings, ignore_index=True), crs=crs)
    return inputs, bounds


def _write_vector(frame, gpkg: Path, name: str) -> None:
    import pyogrio

    has_geometry = hasattr(frame, "geometry") and frame.geometry is not None and "geometry" in frame
    if has_geometry:
        pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG", promote_to_multi=False)
    else:
        pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG")


def _append_raster(path: Path, gpkg: Path, name: str) -> None:
    from osgeo import gdal

    gdal.UseExceptions()
    gdal.Translate(
        str(gpkg),
        str(path),
        format="GPKG",
        creationOptions=[f"RASTER_TABLE={name}", "APPEND_SUBDATASET=YES", "TILE_FORMAT=TIFF"],
    )


def _info_tables(description, crs, grid, time_range, loaded, reports):
    import pandas as pd

    from ..common.metadata import plugin_version

    sources = pd.DataFrame(
        [
            {
                "kind": s.spec.kind,
                "section": s.spec.section,
                "path": str(s.path),
                "sha256": _sha256(s.path),
                "size_bytes": s.path.stat().st_size,
                "layers": ", ".join(layer.name for layer in s.layers),
                "records": sum(r.kept for r in s.reports),
                "skipped": sum(r.skipped for r in s.reports),
                "summary": " | ".join(r.summary() for r in s.reports),
            }
            for s in loaded
        ]
    )
    info = {
        "name": description.name,
        "crs": crs,
        "cell_size_m": str(description.cell_size_m),
        "time_unit": description.time_unit,
        "grid": "" if grid is None else f"{grid.origin_x},{grid.origin_y},{grid.n_cols},{grid.n_rows}",
        "time_start": time_range[0] if time_range else "",
        "time_end": time_range[1] if time_range else "",
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "citytwin_version": plugin_version(),
        "description": description_text(description),
        "skipped_lines_total": str(sum(r.skipped for r in reports)),
    }
    return sources, pd.DataFrame({"key": list(info), "value": list(info.values())})


def build_base(
    description: BaseDescription,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> BuiltBase:
    """Build the base GeoPackage of ``description`` (see the module docstring)."""
    target = description.output_path
    if not target.parent.is_dir():
        raise InputError("the output folder does not exist", source=target.parent)
    work_dir = Path(tempfile.mkdtemp(prefix=".citytwin-build-", dir=target.parent))
    try:
        return _build(description, target, work_dir, progress, is_canceled)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _load_all(description, work_dir: Path, progress, is_canceled) -> list[LoadedSource]:
    n = len(description.sources)
    loaded: list[LoadedSource] = []
    for i, spec in enumerate(description.sources):
        check_canceled(is_canceled)
        path = description.resolve(spec.path)
        step = sub_progress(progress, i / n, (i + 1) / n)
        try:
            loaded.append(load_source(spec, path, work_dir, description.crs, step, is_canceled))
        except InputError as exc:
            if exc.source is None:  # name the source file in every error
                raise InputError(exc.message, source=path, line=exc.line, field=exc.field) from exc
            raise
    return loaded


def _time_range(loaded: list[LoadedSource]) -> tuple[str, str] | None:
    ranges = [s.time_range for s in loaded if s.time_range is not None]
    if not ranges:
        return None
    low = min(r[0] for r in ranges).astype("datetime64[s]")
    high = max(r[1] for r in ranges).astype("datetime64[s]")
    return str(low) + "Z", str(high) + "Z"


def _write_layers(loaded: list[LoadedSource], warped: dict[str, Path], tmp: Path, is_canceled) -> list[BaseLayer]:
    layers: list[BaseLayer] = []
    for source in loaded:
        section, origin = source.spec.section, str(source.path)
        for layer in source.layers:
            check_canceled(is_canceled)
            if layer.kind == "index_raster":
                _append_raster(warped[layer.name], tmp, layer.name)
                stamp = None if layer.acquired is None else str(layer.acquired.astype("datetime64[s]")) + "Z"
                fixed = (stamp, stamp) if stamp else None
                layers.append(
                    BaseLayer(layer.name, layer.kind, section, origin, 0, True, None, None, fixed, layer.index)
                )
            elif len(layer.data):
                _write_vector(layer.data, tmp, layer.name)
                count = len(layer.data)
                layers.append(
                    BaseLayer(layer.name, layer.kind, section, origin, count, False, layer.time_field, layer.end_field)
                )
    return layers


def _build(description, target: Path, work_dir: Path, progress, is_canceled) -> BuiltBase:
    loaded = _load_all(description, work_dir, sub_progress(progress, 0.0, 0.55), is_canceled)
    crs = choose_crs(description, loaded)
    reports = [report for source in loaded for report in source.reports]
    warped: dict[str, Path] = {}
    for source in loaded:
        for layer in source.layers:
            check_canceled(is_canceled)
            if layer.kind == "index_raster":
                warped[layer.name] = _warp_raster(layer, crs, source.spec.crs, work_dir)
            elif hasattr(layer.data, "to_crs") and layer.data.crs is not None:
                layer.data = layer.data.to_crs(crs)
    progress(0.65)

    inputs, bounds = _fusion_inputs(loaded, warped, crs)
    grid = grid_frame = None
    if bounds:
        b = np.array(bounds, dtype=np.float64)
        grid = GridSpec.covering((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), description.cell_size_m)
        step = sub_progress(progress, 0.65, 0.8)
        grid_frame = fuse_grid(grid, inputs, description.time_unit, crs=crs, progress=step, is_canceled=is_canceled)
    time_range = _time_range(loaded)

    tmp = work_dir / "base.gpkg"
    layers = _write_layers(loaded, warped, tmp, is_canceled)
    progress(0.9)
    if grid_frame is not None and len(grid_frame):
        _write_vector(grid_frame, tmp, GRID_LAYER)
        grid_layer = BaseLayer(
            GRID_LAYER, "fused_grid", "base", "", len(grid_frame), False, "period_start", "period_end"
        )
        layers.insert(0, grid_layer)
    sources_table, info_table = _info_tables(description, crs, grid, time_range, loaded, reports)
    _write_vector(sources_table, tmp, "base_sources")
    _write_vector(info_table, tmp, "base_info")
    check_canceled(is_canceled)
    tmp.replace(target)  # atomic on one file system: the base appears complete or not at all
    progress(1.0)
    warnings = [r.summary() for r in reports if not r.ok or r.notes]
    return BuiltBase(target, crs, layers, reports, grid, time_range, description, warnings)
