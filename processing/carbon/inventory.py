"""Gridded CO2 inventories (ODIAC, EDGAR) read with explicit units, apportioned to districts.

- ODIAC (Oda & Maksyutov): GeoTIFF, **tonne C per cell per month**, one band per month
  (one file per month, or several bands in a file). Months are summed; fewer than 12
  months are scaled to a year (x 12 / months, said in the notes).
- EDGAR (JRC): NetCDF (variable ``emissions``, or the first variable whose name starts
  with ``emi``), its ``units`` attribute read: ``Tonnes`` / ``t`` per cell per year, ``kg``
  per cell per year, or a flux ``kg m-2 s-1`` (x cell area x 365 x 86400 s); or EDGAR's
  text format ``lat;lon;emission ... (tons)`` (tonnes per cell per year at cell centres).

Carbon is turned into CO2 with 44/12; everything comes out in tCO2/yr per cell. A
district receives each inventory cell's value in proportion to the share of the cell's
area inside it, areas measured in a Lambert azimuthal equal-area projection centred on
the districts (inventory cells are 1 km to 10 km: much coarser than districts' edges).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...common.errors import InputError
from .factors import C_TO_CO2

KINDS = ("odiac", "edgar")
SECONDS_PER_YEAR = 365 * 86400.0


@dataclass
class InventoryGrid:
    """An inventory as tCO2/yr per cell on a regular grid (rows as GDAL gives them)."""

    values: np.ndarray
    geotransform: tuple[float, ...]
    crs_wkt: str
    label: str
    notes: list[str] = field(default_factory=list)

    @property
    def total_t(self) -> float:
        return float(np.nansum(self.values))

    def cell_boxes(self, rows: np.ndarray, cols: np.ndarray):
        import shapely

        gt = self.geotransform
        x0 = gt[0] + cols * gt[1]
        y0 = gt[3] + rows * gt[5]
        x1, y1 = x0 + gt[1], y0 + gt[5]
        return shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))


def _window(gt, width: int, height: int, bounds) -> tuple[int, int, int, int]:
    """(xoff, yoff, xsize, ysize) of the cells covering ``bounds`` (in the raster's CRS) plus one cell."""
    if bounds is None:
        return 0, 0, width, height
    xmin, ymin, xmax, ymax = bounds
    cols = sorted(((xmin - gt[0]) / gt[1], (xmax - gt[0]) / gt[1]))
    rows = sorted(((ymin - gt[3]) / gt[5], (ymax - gt[3]) / gt[5]))
    c0, r0 = max(0, int(np.floor(cols[0])) - 1), max(0, int(np.floor(rows[0])) - 1)
    c1, r1 = min(width, int(np.ceil(cols[1])) + 1), min(height, int(np.ceil(rows[1])) + 1)
    if c1 <= c0 or r1 <= r0:
        return 0, 0, 0, 0
    return c0, r0, c1 - c0, r1 - r0


def _shifted(gt, xoff: int, yoff: int) -> tuple[float, ...]:
    return (gt[0] + xoff * gt[1], gt[1], gt[2], gt[3] + yoff * gt[5], gt[4], gt[5])


def read_inventory(paths, kind: str, bounds=None) -> InventoryGrid:
    """Read an ODIAC (one or more monthly GeoTIFFs) or EDGAR (NetCDF or text) file.

    ``bounds`` (xmin, ymin, xmax, ymax in the inventory's CRS, i.e. longitude/latitude)
    reads only the cells around them: a global 1 km ODIAC month is 43200 x 21600 cells.
    """
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise InputError("no inventory file given")
    if kind == "odiac":
        return _read_odiac(paths, bounds)
    if kind == "edgar":
        if len(paths) != 1:
            raise InputError("give one EDGAR file (one sector, one year)", paths[0])
        if paths[0].suffix.lower() in (".txt", ".csv"):
            return _read_edgar_text(paths[0])
        return _read_edgar_netcdf(paths[0], bounds)
    raise ValueError(f"kind must be one of {KINDS}")


def _read_odiac(paths: list[Path], bounds=None) -> InventoryGrid:
    from ...common.gdal import gdal_exceptions, open_raster

    total = None
    months = 0
    with gdal_exceptions() as gdal:
        for path in paths:
            ds = open_raster(gdal, path)
            gt = ds.GetGeoTransform()
            if total is None:
                window = _window(gt, ds.RasterXSize, ds.RasterYSize, bounds)
                total = np.zeros((window[3], window[2]))
                first_gt, crs_wkt, first = gt, ds.GetProjection(), path
                if not crs_wkt:
                    raise InputError("the ODIAC file has no CRS", path)
            elif _window(gt, ds.RasterXSize, ds.RasterYSize, bounds) != window or not np.allclose(gt, first_gt):
                raise InputError(f"its grid differs from the one of {first.name}", path)
            for number in range(1, ds.RasterCount + 1):
                band = ds.GetRasterBand(number)
                data = band.ReadAsArray(*window).astype(np.float64) if window[2] else np.zeros((0, 0))
                nodata = band.GetNoDataValue()
                bad = ~np.isfinite(data) | ((data == nodata) if nodata is not None else False)
                if (data[~bad] < 0).any():
                    raise InputError(f"band {number} has negative emissions", path)
                total += np.where(bad, 0.0, data)
                months += 1
    notes = [f"ODIAC: {months} month(s) of tonne C per cell summed, C -> CO2 x 44/12"]
    if months > 12:
        raise InputError(f"{months} monthly bands: give the months of one year", paths[0])
    if months < 12:
        notes.append(f"only {months} month(s): scaled to a year (x {12 / months:g})")
        total *= 12.0 / months
    return InventoryGrid(total * C_TO_CO2, _shifted(first_gt, *window[:2]), crs_wkt, f"ODIAC {first.stem}", notes)


def _edgar_factor(units: str, source: Path) -> tuple[str, float | None]:
    """(kind, multiplier): 'mass' with t per unit, or 'flux' for kg m-2 s-1."""
    text = units.strip().lower().replace("**", "").replace("^", "")
    mass = re.fullmatch(r"(tonnes?|tons?|t|kg)( ?(co2|c))?( ?/ ?(yr|year|a))?", text)
    if mass:
        per_unit = 1e-3 if mass.group(1) == "kg" else 1.0
        return "mass", per_unit * (C_TO_CO2 if mass.group(3) == "c" else 1.0)
    if re.fullmatch(r"kg ?m-2 ?s-1|kg/m2/s|kg m-2 s-1", text):
        return "flux", None
    raise InputError(f"unknown EDGAR unit '{units}' (expected Tonnes, kg or kg m-2 s-1)", source)


def _read_edgar_netcdf(path: Path, bounds=None) -> InventoryGrid:
    from ...common.gdal import gdal_exceptions

    with gdal_exceptions() as gdal:
        try:
            ds = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_READONLY)
        except RuntimeError as exc:
            raise InputError(f"not a readable NetCDF file (GDAL: {exc})", path) from None
        subdatasets = [name for name, _ in ds.GetSubDatasets()] if ds.RasterCount == 0 else []
        if subdatasets:
            variables = {name.rsplit(":", 1)[-1]: name for name in subdatasets}
            chosen = variables.get("emissions") or next((v for k, v in variables.items() if k.startswith("emi")), None)
            if chosen is None:
                raise InputError(f"no emissions variable (has: {', '.join(variables)})", path)
            ds = gdal.Open(chosen)
        band = ds.GetRasterBand(1)
        metadata = band.GetMetadata()
        units = metadata.get("units") or metadata.get("NETCDF_VARNAME_units") or band.GetUnitType()
        if not units:
            raise InputError("the emissions variable has no 'units' attribute: the unit cannot be known", path)
        kind, factor = _edgar_factor(units, path)
        bands = ds.RasterCount
        gt = ds.GetGeoTransform()
        window = _window(gt, ds.RasterXSize, ds.RasterYSize, bounds)
        data = np.zeros((window[3], window[2]))
        for number in range(1, bands + 1):
            band = ds.GetRasterBand(number)
            values = band.ReadAsArray(*window).astype(np.float64) if window[2] else np.zeros((0, 0))
            nodata = band.GetNoDataValue()
            bad = ~np.isfinite(values) | ((values == nodata) if nodata is not None else False)
            data += np.where(bad, 0.0, values * (band.GetScale() or 1.0) + (band.GetOffset() or 0.0))
        gt = _shifted(gt, *window[:2])
        crs_wkt = ds.GetProjection() or _wgs84_wkt()
    notes = [f"EDGAR: units '{units}'"]
    if bands > 1:
        # Several time steps (e.g. months): masses add up to the period; a flux is averaged.
        notes.append(f"{bands} time steps " + ("averaged (flux)" if kind == "flux" else "summed"))
        if kind == "flux":
            data /= bands
    if kind == "flux":
        areas = _cell_areas(gt, data.shape)
        data = data * areas * SECONDS_PER_YEAR / 1000.0
        notes.append("flux x cell area x 365 d converted to tonnes per cell per year")
    else:
        data = data * factor
    return InventoryGrid(data, gt, crs_wkt, f"EDGAR {path.stem}", notes)


def _read_edgar_text(path: Path) -> InventoryGrid:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    header = next((i for i, line in enumerate(lines) if line.lower().startswith("lat;lon")), None)
    if header is None:
        raise InputError("no 'lat;lon;...' header line (EDGAR text format)", path)
    frame = pd.read_csv(path, sep=";", skiprows=header, encoding="utf-8", encoding_errors="replace")
    if frame.shape[1] < 3:
        raise InputError("expected lat;lon;value columns", path, header + 1)
    value_name = frame.columns[2]
    unit = re.search(r"\(([^)]*)\)", value_name)
    if not unit:
        raise InputError(f"the value column '{value_name}' names no unit, e.g. '(tons)'", path, header + 1)
    _kind, factor = _edgar_factor(unit.group(1), path)
    if _kind != "mass":
        raise InputError("the text format must give tonnes per cell", path, header + 1)
    lat = pd.to_numeric(frame.iloc[:, 0], errors="coerce").to_numpy()
    lon = pd.to_numeric(frame.iloc[:, 1], errors="coerce").to_numpy()
    val = pd.to_numeric(frame.iloc[:, 2], errors="coerce").to_numpy()
    bad = ~(np.isfinite(lat) & np.isfinite(lon) & np.isfinite(val))
    if bad.any():
        raise InputError("a row is not numeric", path, int(header + 2 + np.flatnonzero(bad)[0]))
    lon = np.where(lon > 180, lon - 360, lon)
    step = _spacing(lat, lon)
    x0 = np.round(lon.min() / step - 0.5) * step
    y1 = np.round(lat.max() / step + 0.5) * step
    cols = np.round((lon - x0) / step - 0.5).astype(int)
    rows = np.round((y1 - lat) / step - 0.5).astype(int)
    values = np.zeros((rows.max() + 1, cols.max() + 1))
    np.add.at(values, (rows, cols), val * factor)
    notes = [f"EDGAR text: '{value_name}', cells of {step:g} degree"]
    return InventoryGrid(values, (x0, step, 0.0, y1, 0.0, -step), _wgs84_wkt(), f"EDGAR {path.stem}", notes)


def _spacing(lat: np.ndarray, lon: np.ndarray) -> float:
    """The grid step of cell-centre coordinates (0.1 degree for EDGAR): the smallest gap between them."""
    gaps = np.concatenate([np.diff(np.unique(np.round(c, 6))) for c in (lat, lon)])
    gaps = gaps[gaps > 1e-9]
    if gaps.size == 0:
        return 0.1  # one cell: EDGAR's usual step
    step = float(gaps.min())
    for c in (lat, lon):
        k = (c - c.min()) / step
        if not np.allclose(k, np.round(k), atol=1e-3):
            raise InputError(f"cell centres are not on a regular grid (step {step:g} degree)")
    return step


def _wgs84_wkt() -> str:
    import pyproj

    return pyproj.CRS.from_epsg(4326).to_wkt()


def _cell_areas(gt, shape) -> np.ndarray:
    """m2 of lat/lon cells on the authalic sphere (one value per row, broadcast)."""
    rows = np.arange(shape[0])
    lat_a = np.radians(gt[3] + rows * gt[5])
    lat_b = np.radians(gt[3] + (rows + 1) * gt[5])
    return (6371007.2**2 * np.radians(abs(gt[1])) * np.abs(np.sin(lat_a) - np.sin(lat_b)))[:, None]


def district_totals(inventory: InventoryGrid, districts, districts_crs) -> pd.DataFrame:
    """tCO2/yr of the inventory per district (area-weighted), and the share of each district covered."""
    import pyproj
    import shapely

    districts = np.asarray(districts, dtype=object)
    to_inv = pyproj.Transformer.from_crs(districts_crs, pyproj.CRS.from_wkt(inventory.crs_wkt), always_xy=True)
    in_inv = shapely.transform(districts, lambda xy: np.column_stack(to_inv.transform(xy[:, 0], xy[:, 1])))
    lon0, lat0 = shapely.centroid(shapely.union_all(in_inv)).coords[0]
    laea = pyproj.CRS.from_proj4(f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
    to_area = pyproj.Transformer.from_crs(pyproj.CRS.from_wkt(inventory.crs_wkt), laea, always_xy=True)

    def area(geoms):
        return shapely.area(shapely.transform(geoms, lambda xy: np.column_stack(to_area.transform(xy[:, 0], xy[:, 1]))))

    gt = inventory.geotransform
    xmin, ymin, xmax, ymax = shapely.total_bounds(in_inv)
    c0, c1 = sorted(((xmin - gt[0]) / gt[1], (xmax - gt[0]) / gt[1]))
    r0, r1 = sorted(((ymin - gt[3]) / gt[5], (ymax - gt[3]) / gt[5]))
    height, width = inventory.values.shape
    cols = np.arange(max(0, int(np.floor(c0))), min(width, int(np.ceil(c1))))
    rows = np.arange(max(0, int(np.floor(r0))), min(height, int(np.ceil(r1))))
    out = np.zeros(len(districts))
    covered = np.zeros(len(districts))
    if rows.size and cols.size:
        rr, cc = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
        boxes = inventory.cell_boxes(rr, cc)
        cell, district = shapely.STRtree(boxes).query(in_inv, predicate="intersects")[::-1]
        inter = area(shapely.intersection(boxes[cell], in_inv[district]))
        share = inter / area(boxes[cell])
        out = np.bincount(district, weights=inventory.values[rr[cell], cc[cell]] * share, minlength=len(districts))
        covered = np.bincount(district, weights=inter, minlength=len(districts))
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = covered / area(in_inv)
    return pd.DataFrame({"inventory_t": out, "coverage": coverage})


def reconcile(ledger: pd.DataFrame, totals: pd.DataFrame, ours_columns: list[str], names: list[str]) -> pd.DataFrame:
    """Our estimate (sum of ``ours_columns``) against the inventory per district, and in total."""
    by_name = ledger.set_index(ledger["district"].astype(str))
    missing = [c for c in ours_columns if c not in by_name.columns]
    if missing:
        raise InputError(f"the ledger has no column {missing[0]} (is that sector in it?)", "ledger", field=missing[0])
    ours = np.array([by_name.loc[n, ours_columns].sum() if n in by_name.index else np.nan for n in names], dtype=float)
    frame = pd.DataFrame({"district": names, "ours_t": ours, "inventory_t": totals["inventory_t"].to_numpy()})
    frame["coverage"] = totals["coverage"].to_numpy()
    total = {"district": "Total", "ours_t": np.nansum(ours), "inventory_t": frame["inventory_t"].sum()}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["difference_t"] = frame["ours_t"] - frame["inventory_t"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["ratio"] = frame["ours_t"] / frame["inventory_t"]
    return frame
