"""The carbon balance grid and the district ledger.

Every sector is first summed onto one grid (the base grid: square cells in the base CRS):
points by the cell they fall in, lines split along their length, rasters by the cell
holding each raster cell's centre. A cell's number is a plain integer index (floor
division), so a million emitters are assigned in one vectorised pass with
``numpy.bincount`` (no spatial join: see ``bench/carbon.py`` for the ratio to
``geopandas.sjoin`` + ``groupby``).

A district's total is the sum of the grid cells whose centre lies inside it: the rule of
QGIS's zonal statistics (``native:zonalstatisticsfb``), so the ledger and a zonal sum of
the balance raster agree to rounding.

Net balance = buildings (electricity + heating) + traffic - vegetation uptake, tCO2/yr.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...common.errors import InputError
from ...common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from ...layers.grid import GridSpec

#: Sector -> (column in the ledger, sign in the net balance, label).
SECTORS = {
    "buildings_electricity": ("buildings_electricity_t", 1, "Buildings: electricity (scope 2)"),
    "buildings_heating": ("buildings_heating_t", 1, "Buildings: heating"),
    "traffic": ("traffic_t", 1, "Road traffic"),
    "vegetation_sink": ("vegetation_sink_t", -1, "Vegetation uptake"),
}
OUTSIDE = "(outside the districts)"
TOTAL = "Total"


def grid_sum(grid: GridSpec, x, y, values) -> tuple[np.ndarray, float]:
    """Per-cell sums of ``values`` at points (NaN values skipped); also the sum that fell outside."""
    values = np.asarray(values, dtype=np.float64)
    ids = grid.cell_ids(x, y)
    use = np.isfinite(values)
    inside = use & (ids >= 0)
    sums = np.bincount(ids[inside], weights=values[inside], minlength=grid.n_cells)
    return sums, float(values[use & (ids < 0)].sum())


def lines_grid_sum(grid: GridSpec, lines, values) -> tuple[np.ndarray, float]:
    """Per-cell sums of values carried by lines, each split over its length.

    Lines are cut into pieces no longer than a quarter cell (``shapely.segmentize``); each
    piece gives its share (its length / the line's length) to the cell of its midpoint.
    """
    import shapely

    lines = np.asarray(lines, dtype=object)
    values = np.asarray(values, dtype=np.float64)
    keep = np.flatnonzero(np.isfinite(values) & ~shapely.is_missing(lines) & (shapely.length(lines) > 0))
    # Parts of a MultiLineString are split first: the gap between two parts is not a road.
    parts, line_of_part = shapely.get_parts(lines[keep], return_index=True)
    pieces = shapely.segmentize(parts, grid.cell_size / 4.0)
    coords, owner = shapely.get_coordinates(pieces, return_index=True)
    same = owner[1:] == owner[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    line_of = line_of_part[owner[:-1][same]]
    length = np.hypot(*(b - a).T)
    total = np.bincount(line_of, weights=length, minlength=keep.size)
    share = values[keep][line_of] * length / total[line_of]
    mid = (a + b) / 2
    return grid_sum(grid, mid[:, 0], mid[:, 1], share)


def raster_grid_sum(
    path: str | Path,
    grid: GridSpec,
    grid_crs_wkt: str | None,
    band: int = 1,
    block_rows: int = 256,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> tuple[np.ndarray, float]:
    """Per-cell sums of a raster's values (each raster cell to the grid cell of its centre).

    The raster is read in blocks of rows; its cell centres are transformed to the grid's
    CRS with pyproj when the two differ. Nodata and NaN cells are skipped.
    """
    from ...common.gdal import gdal_exceptions, open_raster

    source = Path(path)
    sums = np.zeros(grid.n_cells)
    outside = 0.0
    with gdal_exceptions() as gdal:
        ds = open_raster(gdal, source)
        gt = ds.GetGeoTransform()
        if gt[2] or gt[4]:
            raise InputError("rotated rasters are not supported", source)
        raster_band = ds.GetRasterBand(band)
        nodata = raster_band.GetNoDataValue()
        transformer = _transformer(ds.GetSpatialRef(), grid_crs_wkt, source)
        width, height = ds.RasterXSize, ds.RasterYSize
        xs = gt[0] + (np.arange(width) + 0.5) * gt[1]
        if transformer is None:
            # Same CRS: the grid column of each raster column and the grid row of each raster
            # row are computed once; a block is then one index sum and one bincount.
            col = np.floor((xs - grid.origin_x) / grid.cell_size).astype(np.int64)
            col_ok = (col >= 0) & (col < grid.n_cols)
        for row0 in range(0, height, block_rows):
            check_canceled(is_canceled)
            n = min(block_rows, height - row0)
            values = raster_band.ReadAsArray(0, row0, width, n)
            ok = np.isfinite(values)
            if nodata is not None:
                ok &= values != nodata
            if transformer is None:
                ys = gt[3] + (row0 + np.arange(n) + 0.5) * gt[5]
                row = np.floor((ys - grid.origin_y) / grid.cell_size).astype(np.int64)
                row_ok = (row >= 0) & (row < grid.n_rows)
                inside = ok & row_ok[:, None] & col_ok[None, :]
                weights = np.where(inside, values, 0.0)
                ids = np.where(inside, row[:, None] * grid.n_cols + col[None, :], 0)
                sums += np.bincount(ids.ravel(), weights=weights.ravel().astype(np.float64), minlength=grid.n_cells)
                outside += float(values[ok & ~inside].sum(dtype=np.float64))
            else:
                rows, cols = np.nonzero(ok)
                x, y = transformer.transform(xs[cols], gt[3] + (row0 + rows + 0.5) * gt[5])
                block, out = grid_sum(grid, x, y, values[rows, cols])
                sums += block
                outside += out
            progress((row0 + n) / height)
    return sums, outside


def _transformer(srs, grid_crs_wkt: str | None, source: Path):
    if grid_crs_wkt is None:
        return None
    if srs is None:
        raise InputError("the raster has no CRS: it cannot be placed on the grid", source)
    import pyproj

    raster_crs = pyproj.CRS.from_wkt(srs.ExportToWkt())
    grid_crs = pyproj.CRS.from_user_input(grid_crs_wkt)
    if raster_crs.equals(grid_crs, ignore_axis_order=True):
        return None
    return pyproj.Transformer.from_crs(raster_crs, grid_crs, always_xy=True)


def district_of_cells(grid: GridSpec, districts) -> np.ndarray:
    """Index of the district holding each cell's centre (-1: none), as zonal statistics decide."""
    import shapely

    ids = np.arange(grid.n_cells)
    bounds = grid.cell_bounds(ids)
    cx = (bounds[:, 0] + bounds[:, 2]) / 2
    cy = (bounds[:, 1] + bounds[:, 3]) / 2
    out = np.full(grid.n_cells, -1, dtype=np.int64)
    # Prepared polygons and contains_xy (boundary points excluded, as GEOS contains() in QGIS's
    # zonal statistics); a centre inside two overlapping districts goes to the first.
    for k, polygon in enumerate(np.asarray(districts, dtype=object)):
        xmin, ymin, xmax, ymax = polygon.bounds
        near = np.flatnonzero((out < 0) & (cx > xmin) & (cx < xmax) & (cy > ymin) & (cy < ymax))
        shapely.prepare(polygon)
        out[near[shapely.contains_xy(polygon, cx[near], cy[near])]] = k
    return out


@dataclass
class Ledger:
    grid: GridSpec
    sectors: dict[str, np.ndarray]  # sector -> per-cell tCO2/yr
    table: pd.DataFrame
    year: int | None
    notes: list[str] = field(default_factory=list)

    @property
    def net(self) -> np.ndarray:
        return sum(SECTORS[name][1] * values for name, values in self.sectors.items())

    def bands(self) -> list[tuple[str, np.ndarray]]:
        """(description, per-cell values) of every band of the balance raster: sectors, then net."""
        return [*((SECTORS[name][0], values) for name, values in self.sectors.items()), ("net_t", self.net)]


def build_ledger(
    grid: GridSpec,
    sectors: dict[str, np.ndarray],
    districts,
    names,
    year: int | None = None,
    previous: pd.DataFrame | None = None,
) -> Ledger:
    """Sum the sector grids per district; add year-over-year change against ``previous``."""
    import shapely

    unknown = set(sectors) - set(SECTORS)
    if unknown:
        raise ValueError(f"unknown sector(s) {sorted(unknown)}")
    if not sectors:
        raise InputError("no sector given: give buildings, traffic or a vegetation raster")
    districts = np.asarray(districts, dtype=object)
    names = [str(n) for n in names]
    reserved = [n for n in names if n in (TOTAL, OUTSIDE)]
    if reserved:
        raise InputError(f"'{reserved[0]}' is reserved for the ledger's own rows: rename that district", field="name")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"district names must be unique; repeated: {', '.join(dup)}", field="name")
    notes = []
    owner = district_of_cells(grid, districts)
    k = len(names)
    slot = np.where(owner >= 0, owner, k)  # k = outside
    columns = {}
    for name, values in sectors.items():
        columns[SECTORS[name][0]] = np.bincount(slot, weights=values, minlength=k + 1)
    cells = np.bincount(slot, minlength=k + 1)
    table = pd.DataFrame({"district": [*names, OUTSIDE], "year": year, "cells": cells})
    small = [f"{names[i]} ({cells[i]})" for i in range(k) if cells[i] < 2]
    if small:
        # QGIS's zonal statistics switch to area weights for such polygons; the ledger keeps the centre
        # rule (each cell counted once), so these districts need a finer grid.
        notes.append(
            "district(s) holding fewer than 2 grid-cell centres, their totals are unreliable: "
            + ", ".join(small)
            + " (use a smaller grid cell size)"
        )
    emitted = np.zeros(k + 1)
    net = np.zeros(k + 1)
    for name, (column, sign, _) in SECTORS.items():
        if name in sectors:
            table[column] = columns[column]
            net += sign * columns[column]
            if sign > 0:
                emitted += columns[column]
    table["emissions_t"] = emitted
    table["net_t"] = net
    table["area_km2"] = np.r_[shapely.area(districts) / 1e6, np.nan]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["net_t_per_km2"] = table["net_t"] / table["area_km2"]
    if cells[k] and any(column[k] for column in columns.values()):
        notes.append(f"{net[k]:,.1f} tCO2/yr lie in {cells[k]} grid cell(s) outside every district")
    else:
        table = table.iloc[:k]
    total = table.drop(columns=["district", "year"]).sum(numeric_only=True)
    total["net_t_per_km2"] = total["net_t"] / total["area_km2"] if total["area_km2"] else np.nan
    table = pd.concat([table, pd.DataFrame([{"district": TOTAL, "year": year, **total.to_dict()}])], ignore_index=True)
    table["cells"] = table["cells"].astype(np.int64)
    if previous is not None:
        table = year_over_year(table, previous)
    return Ledger(grid, dict(sectors), table, year, notes)


def year_over_year(table: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Add ``prev_*`` and ``change_*`` columns (tCO2/yr and % of the net) matched by district name."""
    if "district" not in previous.columns:
        raise InputError("the previous ledger has no 'district' column", "previous ledger")
    value_columns = [c for c in (*(s[0] for s in SECTORS.values()), "emissions_t", "net_t") if c in table.columns]
    prev = previous.set_index(previous["district"].astype(str))
    out = table.copy()
    for column in value_columns:
        if column not in prev.columns:
            continue
        before = out["district"].map(pd.to_numeric(prev[column], errors="coerce"))
        out[f"prev_{column}"] = before
        out[f"change_{column}"] = out[column] - before
    if "net_t" in prev.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            out["change_net_pct"] = 100.0 * out["change_net_t"] / out["prev_net_t"].abs()
    if "year" in prev.columns and len(prev):
        out["prev_year"] = prev["year"].iloc[0]
    return out


# -- files ------------------------------------------------------------------------------
def write_balance_raster(ledger: Ledger, path: str | Path, crs_wkt: str | None) -> Path:
    """One band per sector and the net (tCO2/yr per cell), band descriptions = column names; atomic."""
    from ...common.gdal import gdal_exceptions
    from ...twin.terrain import temp_path_beside

    target = Path(path)
    temp = temp_path_beside(target)
    grid = ledger.grid
    bands = ledger.bands()
    try:
        with gdal_exceptions() as gdal:
            options = ["COMPRESS=LZW", "TILED=YES", "PREDICTOR=3"]
            ds = gdal.GetDriverByName("GTiff").Create(
                str(temp), grid.n_cols, grid.n_rows, len(bands), gdal.GDT_Float64, options
            )
            top = grid.origin_y + grid.n_rows * grid.cell_size
            ds.SetGeoTransform((grid.origin_x, grid.cell_size, 0.0, top, 0.0, -grid.cell_size))
            if crs_wkt:
                ds.SetProjection(crs_wkt)
            for number, (name, values) in enumerate(bands, start=1):
                band = ds.GetRasterBand(number)
                band.SetDescription(name)
                band.SetUnitType("tCO2/yr")
                # Grid rows count from the bottom; a GeoTIFF's first row is the top.
                band.WriteArray(values.reshape(grid.n_rows, grid.n_cols)[::-1])
            ds.SetMetadataItem("YEAR", "" if ledger.year is None else str(ledger.year))
            ds.SetMetadataItem("UNITS", "tCO2/yr per cell")
            ds = None
        temp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target


def write_table(table: pd.DataFrame, path: str | Path, factors=(), about: dict[str, str] | None = None) -> Path:
    """The ledger as CSV (UTF-8 with BOM, so Excel shows Chinese names) or XLSX (sheets
    Ledger, Factors, About; needs openpyxl); written atomically."""
    from ...twin.terrain import temp_path_beside

    target = Path(path)
    temp = temp_path_beside(target)
    suffix = target.suffix.lower()
    try:
        if suffix == ".xlsx":
            _write_xlsx(table, temp, factors, about or {})
        elif suffix in (".csv", ".txt", ""):
            table.to_csv(temp, index=False, encoding="utf-8-sig", float_format="%.3f")
        else:
            raise InputError("the ledger table must be a .csv or .xlsx file", target)
        temp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target


def _write_xlsx(table: pd.DataFrame, path: Path, factors, about: dict[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Ledger"
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([None if isinstance(v, float) and not np.isfinite(v) else _plain(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column_cells in sheet.iter_cols(min_row=2, min_col=3):
        for cell in column_cells:
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.0"
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 24
    rows = book.create_sheet("Factors")
    rows.append(["factor", "scope", "value", "canonical unit", "unit in table", "indicative", "source", "note", "row"])
    for f in factors:
        rows.append([f.factor, f.scope, f.value, f.canonical_unit, f.unit, "yes" if f.indicative else "no",
                     f.source, f.note, f"{Path(f.table).name}:{f.line}"])  # fmt: skip
    for cell in rows[1]:
        cell.font = Font(bold=True)
    info = book.create_sheet("About")
    for key, value in about.items():
        info.append([key, value])
    book.save(path)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_table(path: str | Path) -> pd.DataFrame:
    """A ledger table written by :func:`write_table` (CSV or XLSX)."""
    source = Path(path)
    if not source.is_file():
        raise InputError("file not found", source)
    try:
        if source.suffix.lower() == ".xlsx":
            return pd.read_excel(source, sheet_name="Ledger")
        return pd.read_csv(source, encoding="utf-8-sig")
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"not a readable ledger table ({exc})", source) from None
