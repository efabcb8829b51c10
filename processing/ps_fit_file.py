"""PS file in, fitted GeoPackage out: the streamed "fit displacement time series" job (pure core).

Reads an EGMS CSV or a PS point layer chunk by chunk (:func:`layers.insar.stream_ps`),
fits every point's series (:func:`timeseries.fit_series`) and appends the chunk to the
output with pyogrio, so memory is bounded by the chunk size, not by the file. With a
reference, a first pass over the file gathers the reference series (the mean of the
reference points, epoch by epoch).

The output holds the input's attributes, the fit fields (:func:`timeseries.output_fields`)
and, by default, the (re-referenced, in mm) series as ``D_YYYYMMDD`` fields, the layout
QGIS InSAR viewers read. It is written to a temporary file beside the target and renamed
when complete: a failure or cancel leaves no partial output.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress, sub_progress
from ..layers.insar import stream_ps
from ..twin.terrain import temp_path_beside
from .timeseries import UNIT_TO_MM, ModelTerms, fit_series, output_fields

DEFAULT_CHUNK_ROWS = 50_000


@dataclass
class Reference:
    """Stable reference: the points within ``radius`` of (x, y), or the nearest one when ``radius`` is 0.

    Alternatively ``area``, a shapely polygon: the points inside it. Coordinates in ``crs``
    (anything pyproj accepts), by default the CRS of the PS data; ``radius`` in metres
    (measured geodesically enough: in a projection centred on the point when the data are
    in latitude/longitude).
    """

    x: float = 0.0
    y: float = 0.0
    radius: float = 0.0
    area: Any = None
    crs: Any = None

    def describe(self) -> str:
        if self.area is not None:
            return "the points inside the reference area"
        if self.radius > 0:
            return f"the points within {self.radius:g} m of ({self.x:.6g}, {self.y:.6g})"
        return f"the point nearest to ({self.x:.6g}, {self.y:.6g})"


@dataclass
class FitFileReport:
    path: Path
    n_points: int
    n_dates: int
    fitted: int
    flagged: dict[str, int]
    notes: list[str] = field(default_factory=list)
    reference_points: int = 0
    crs_wkt: str | None = None
    velocity_range: tuple[float, float] | None = None


class _ReferenceGatherer:
    def __init__(self, spec: Reference) -> None:
        self.spec = spec
        self.sums: np.ndarray | None = None
        self.counts: np.ndarray | None = None
        self.best_distance = np.inf
        self.best_series: np.ndarray | None = None
        self.n_points = 0
        self._metric = None

    def _in_data_crs(self, data_crs) -> None:
        """Prepare, on the first chunk, the reference in the data's CRS and a metric frame for radii.

        Distances are measured in an azimuthal equidistant projection centred on the
        reference point, so a radius is in metres whatever the data's CRS (EGMS CSVs come
        in latitude/longitude).
        """
        import pyproj
        import shapely
        from shapely.ops import transform

        if self._metric is not None:
            return
        if self.spec.crs is not None and data_crs is not None:
            own = pyproj.CRS.from_user_input(self.spec.crs)
            if not own.equals(data_crs, ignore_axis_order=True):
                to_data = pyproj.Transformer.from_crs(own, data_crs, always_xy=True)
                x, y = to_data.transform(self.spec.x, self.spec.y)
                area = None if self.spec.area is None else transform(to_data.transform, self.spec.area)
                self.spec = Reference(float(x), float(y), self.spec.radius, area, data_crs)
        if self.spec.area is not None:
            shapely.prepare(self.spec.area)
        if data_crs is None or not data_crs.is_geographic:
            self._metric = False  # projected (or unknown) coordinates: distances as they are
            return
        lon, lat = self.spec.x, self.spec.y
        local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
        self._metric = pyproj.Transformer.from_crs(data_crs, local, always_xy=True)

    def _distances(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self._metric is False:
            return np.hypot(x - self.spec.x, y - self.spec.y)
        ex, ny = self._metric.transform(x, y)
        return np.hypot(ex, ny)

    def add(self, chunk) -> None:
        import shapely

        self._in_data_crs(chunk.crs)
        x = chunk.points.geometry.x.to_numpy()
        y = chunk.points.geometry.y.to_numpy()
        values = chunk.displacement.astype(np.float64)
        if self.spec.area is None and self.spec.radius <= 0:
            d = self._distances(x, y)
            i = int(np.argmin(d))
            if d[i] < self.best_distance:
                self.best_distance, self.best_series = float(d[i]), values[i].copy()
                self.n_points = 1
            return
        if self.spec.area is not None:
            inside = shapely.contains_xy(self.spec.area, x, y)
        else:
            inside = self._distances(x, y) <= self.spec.radius
        if self.sums is None:
            self.sums = np.zeros(values.shape[1])
            self.counts = np.zeros(values.shape[1])
        block = values[inside]
        self.sums += np.nansum(block, axis=0)
        self.counts += np.sum(~np.isnan(block), axis=0)
        self.n_points += int(inside.sum())

    def series(self, source: str) -> np.ndarray:
        if self.n_points == 0:
            raise InputError(
                f"the reference ({self.spec.describe()}) holds no PS point: choose a point or area covered by the data",
                source=source,
            )
        if self.best_series is not None:
            return self.best_series
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.counts > 0, self.sums / np.maximum(self.counts, 1), np.nan)


def fit_ps_file(
    source: str | Path,
    target: str | Path,
    terms: ModelTerms,
    *,
    unit: str = "mm",
    layer: str | int | None = None,
    crs: Any = None,
    reference: Reference | None = None,
    keep_series: bool = True,
    layer_name: str = "ps_fit",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> FitFileReport:
    """Fit every point of the PS file ``source`` and write the result to ``target`` (GeoPackage, Shapefile, ...).

    Parameters
    ----------
    source
        EGMS CSV or OGR point layer with date fields (see :mod:`layers.insar`).
    target
        Output file; the format follows the extension (GeoPackage for ``.gpkg``).
    terms, unit
        Model and displacement unit of the input (see :func:`timeseries.fit_series`).
    layer, crs
        Layer of a multi-layer source; CRS for a source without one (EGMS CSV easting /
        northing default to EPSG:3035).
    reference
        Stable reference to subtract (two passes over the file), or None.
    keep_series
        Also write each point's series (mm, re-referenced) as ``D_YYYYMMDD`` fields.
    """

    source = Path(source)
    target = Path(target)
    if unit not in UNIT_TO_MM:
        raise InputError(f"unknown displacement unit '{unit}' (use mm, cm or m)", source=source)
    if not target.parent.is_dir():
        raise InputError("the output folder does not exist", source=target.parent)
    read_share = 0.0
    ref_series = None
    notes: list[str] = []
    n_ref = 0
    if reference is not None:
        read_share = 0.3
        gatherer = _ReferenceGatherer(reference)
        stream_ps(
            source,
            gatherer.add,
            layer=layer,
            crs=crs,
            chunk_rows=chunk_rows,
            progress=sub_progress(progress, 0.0, read_share),
            is_canceled=is_canceled,
            on_restart=lambda: gatherer.__init__(reference),
        )
        ref_series = gatherer.series(str(source))
        n_ref = gatherer.n_points
        notes.append(f"Series re-referenced to {reference.describe()} ({n_ref} point(s)).")
        if np.isnan(ref_series).any():
            notes.append(f"{int(np.isnan(ref_series).sum())} epoch(s) without a reference value were skipped.")

    temp = temp_path_beside(target)
    writer = _ChunkWriter(temp, layer_name, terms, unit, ref_series, keep_series, notes, is_canceled)
    try:
        report = stream_ps(
            source,
            writer.add,
            layer=layer,
            crs=crs,
            chunk_rows=chunk_rows,
            progress=sub_progress(progress, read_share, 1.0),
            is_canceled=is_canceled,
            on_restart=writer.restart,
        )
        check_canceled(is_canceled)
        writer.finish()
        temp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    notes = list(report.notes) + notes
    if report.skipped:
        notes.append(f"Rows skipped: {report.summary()}.")
    if writer.crs is None:
        notes.append("The PS data have no CRS: the output has none either; assign one.")
    return FitFileReport(
        path=target,
        n_points=writer.written,
        n_dates=0 if writer.dates is None else int(writer.dates.size),
        fitted=writer.fitted,
        flagged=writer.flags,
        notes=notes,
        reference_points=n_ref,
        crs_wkt=None if writer.crs is None else writer.crs.to_wkt(),
        velocity_range=writer.velocity_range,
    )


class _ChunkWriter:
    """Fits each chunk and appends it to the temporary output."""

    def __init__(self, temp: Path, layer_name, terms, unit, ref_series, keep_series, notes, is_canceled) -> None:
        self.temp, self.layer_name, self.terms, self.unit = temp, layer_name, terms, unit
        self.ref_series, self.keep_series, self.notes, self.is_canceled = ref_series, keep_series, notes, is_canceled
        self.crs = None
        self.dates = None
        self.restart()

    def restart(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()
        self.written = 0
        self.fitted = 0
        self.flags: dict[str, int] = {}
        self.velocity_range: tuple[float, float] | None = None

    def finish(self) -> None:
        """Build the GeoPackage's spatial index once all features are in."""
        if self.temp.suffix.lower() != ".gpkg" or not self.written:
            return
        from osgeo import ogr

        dataset = ogr.Open(str(self.temp), 1)
        try:
            layer = dataset.GetLayerByName(self.layer_name)
            geometry = layer.GetGeometryColumn() or "geom"
            dataset.ExecuteSQL(f"SELECT CreateSpatialIndex('{self.layer_name}', '{geometry}')", dialect="SQLite")
        finally:
            dataset = None

    def _frame(self, chunk, result):
        import pandas as pd

        frame = chunk.points.copy()
        clashes = [name for name, _, _ in output_fields(self.terms) if name in frame.columns]
        if clashes:  # e.g. EGMS's own "rmse": kept, as "rmse_in"
            frame = frame.rename(columns={name: f"{name}_in" for name in clashes})
            if not self.written:
                self.notes.append(
                    "Input fields renamed to keep them beside the fit's: " + ", ".join(clashes) + " → *_in."
                )
        for name, _, _ in output_fields(self.terms):
            frame[name] = result.columns[name]
        if not self.keep_series:
            return frame
        values = chunk.displacement.astype(np.float64) * UNIT_TO_MM[self.unit]
        if self.ref_series is not None:
            values -= self.ref_series * UNIT_TO_MM[self.unit]
        names = ["D_" + np.datetime_as_string(d).replace("-", "") for d in chunk.dates]
        series = pd.DataFrame(values.astype(np.float32), columns=names, index=frame.index)
        return pd.concat([frame, series], axis=1)

    def add(self, chunk) -> None:
        import pyogrio

        check_canceled(self.is_canceled)
        result = fit_series(chunk.displacement, chunk.dates, self.terms, unit=self.unit, reference=self.ref_series)
        frame = self._frame(chunk, result)
        flags = result.columns["fit_flag"]
        self.fitted += int(np.count_nonzero(flags == ""))
        for flag in set(flags) - {""}:
            self.flags[flag] = self.flags.get(flag, 0) + int(np.count_nonzero(flags == flag))
        velocity = result.columns.get("vel")
        if velocity is not None and np.isfinite(velocity).any():
            low, high = float(np.nanmin(velocity)), float(np.nanmax(velocity))
            old = self.velocity_range
            self.velocity_range = (low, high) if old is None else (min(old[0], low), max(old[1], high))
        self.crs, self.dates = chunk.crs, chunk.dates
        options = {}
        if self.temp.suffix.lower() == ".gpkg":
            # Appending with a live R-tree updates it feature by feature (about half the
            # write time); it is built once, in finish().
            options["layer_options"] = {"SPATIAL_INDEX": "NO"}
        pyogrio.write_dataframe(frame, self.temp, layer=self.layer_name, append=self.written > 0, **options)
        self.written += len(frame)
