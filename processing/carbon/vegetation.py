"""Vegetation CO2 uptake from an NDVI raster: CASA light-use efficiency or land-cover factors.

CASA (Potter et al. 1993), per cell::

    FPAR = (NDVI - NDVI_min) / (NDVI_max - NDVI_min) x (FPAR_max - FPAR_min) + FPAR_min,
           clamped to [FPAR_min, FPAR_max]
    APAR = SOL x PAR fraction x FPAR                      [MJ/m2/yr]
    NPP  = APAR x eps_max x stress                         [gC/m2/yr]
    sink = NPP x cell area x 1e-6 x 44/12                  [tCO2/yr]

``stress`` stands for CASA's temperature and water scalars (one annual value; 1 gives
the potential NPP). NPP is the carbon fixed by plants; soil respiration is not
subtracted, so the sink is an upper bound of the net ecosystem uptake.

Land cover: NDVI classes (upper limits ``landcover_ndvi_max``) with an uptake per
hectare each (``landcover_sink``).

The raster is read and written in blocks of rows, so a 10k x 10k image never sits in
memory. NDVI outside [-1, 1] is invalid: such cells become nodata and are counted; an
image that looks scaled (e.g. x10000) is refused with the scale to set.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...common.errors import InputError
from ...common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .factors import C_TO_CO2, FactorTable

METHODS = ("casa", "landcover")
NODATA = -9999.0
#: Share of invalid NDVI in a block above which the image is taken as scaled, not noisy.
_SCALED_SHARE = 0.5


@dataclass(frozen=True)
class CasaParams:
    eps_max: float  # gC/MJ
    stress: float
    par_fraction: float
    fpar_min: float
    fpar_max: float
    ndvi_min: float
    ndvi_max: float
    solar: float  # MJ/m2/yr

    @classmethod
    def from_table(
        cls, factors: FactorTable, solar: float | None = None, stress: float | None = None, site: str = "beijing"
    ) -> CasaParams:
        if not factors.value("ndvi_max", "all") > factors.value("ndvi_min", "all"):
            row = factors.get("ndvi_max", "all")
            raise InputError("ndvi_max must be above ndvi_min", row.table, row.line, "value")
        return cls(
            eps_max=factors.value("casa_eps_max", "all"),
            stress=factors.value("casa_stress", "all") if stress is None else float(stress),
            par_fraction=factors.value("par_fraction", "all"),
            fpar_min=factors.value("fpar_min", "all"),
            fpar_max=factors.value("fpar_max", "all"),
            ndvi_min=factors.value("ndvi_min", "all"),
            ndvi_max=factors.value("ndvi_max", "all"),
            solar=factors.value("solar_radiation", site) if solar is None else float(solar),
        )


def casa_npp(ndvi: np.ndarray, p: CasaParams) -> np.ndarray:
    """NPP in gC/m2/yr of each NDVI value (NaN stays NaN)."""
    ndvi = np.asarray(ndvi, dtype=np.float64)
    fpar = (ndvi - p.ndvi_min) / (p.ndvi_max - p.ndvi_min) * (p.fpar_max - p.fpar_min) + p.fpar_min
    fpar = np.clip(fpar, p.fpar_min, p.fpar_max)
    return p.solar * p.par_fraction * fpar * p.eps_max * p.stress


def landcover_classes(factors: FactorTable) -> list[tuple[str, float, float]]:
    """(class, upper NDVI limit, uptake in tCO2/ha/yr), by increasing limit."""
    classes = [
        (scope, factors.value("landcover_ndvi_max", scope), factors.value("landcover_sink", scope))
        for scope in factors.scopes("landcover_ndvi_max")
    ]
    if not classes:
        raise InputError("the factor table has no land-cover classes (landcover_ndvi_max rows)", factors.source)
    return sorted(classes, key=lambda c: c[1])


def landcover_uptake(ndvi: np.ndarray, classes: list[tuple[str, float, float]]) -> np.ndarray:
    """Uptake in tCO2/ha/yr of each NDVI value from its class (NaN stays NaN)."""
    ndvi = np.asarray(ndvi, dtype=np.float64)
    limits = np.array([c[1] for c in classes])
    rates = np.array([c[2] for c in classes])
    index = np.minimum(np.searchsorted(limits, ndvi, side="left"), len(classes) - 1)
    return np.where(np.isnan(ndvi), np.nan, rates[index])


@dataclass
class SinkReport:
    method: str
    cells: int = 0
    valid: int = 0
    out_of_range: int = 0
    total_t: float = 0.0
    area_ha: float = 0.0
    cell_area_m2: float | None = None

    def notes(self) -> list[str]:
        notes = [
            f"{self.valid} of {self.cells} cells with a valid NDVI; uptake {self.total_t:,.1f} tCO2/yr "
            f"over {self.area_ha:,.1f} ha ({self.method})"
        ]
        if self.out_of_range:
            notes.append(f"{self.out_of_range} cells with NDVI outside [-1, 1] set to nodata")
        return notes


def _row_areas(gt, srs, rows: np.ndarray) -> np.ndarray:
    """Area in m2 of a cell in each row: |dx dy| for a projected CRS, on the authalic sphere for lat/lon."""
    if srs is not None and srs.IsGeographic():
        # Sphere of the WGS 84 authalic radius: exact to ~0.1 % for a cell's area, no geodesic per cell.
        radius = 6371007.2
        lat_top = np.radians(gt[3] + rows * gt[5])
        lat_bottom = np.radians(gt[3] + (rows + 1) * gt[5])
        return radius**2 * np.radians(abs(gt[1])) * np.abs(np.sin(lat_top) - np.sin(lat_bottom))
    factor = srs.GetLinearUnits() or 1.0
    return np.full(rows.shape, abs(gt[1] * gt[5]) * factor * factor)


def vegetation_sink_raster(
    ndvi_path: str | Path,
    out_path: str | Path,
    factors: FactorTable,
    method: str = "casa",
    band: int = 1,
    scale: float = 1.0,
    solar: float | None = None,
    stress: float | None = None,
    block_rows: int = 512,  # a multiple of the output's 256-row tiles
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> SinkReport:
    """Write the uptake raster (tCO2/yr per cell, float32, nodata -9999) of an NDVI raster."""
    from ...common.gdal import gdal_exceptions, open_raster
    from ...twin.terrain import temp_path_beside

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    source = Path(ndvi_path)
    target = Path(out_path)
    casa = CasaParams.from_table(factors, solar, stress) if method == "casa" else None
    classes = landcover_classes(factors) if method == "landcover" else None
    report = SinkReport(method)
    temp = temp_path_beside(target)
    with gdal_exceptions() as gdal:
        ds = open_raster(gdal, source)
        if not 1 <= band <= ds.RasterCount:
            raise InputError(f"band {band} does not exist (the raster has {ds.RasterCount})", source)
        src_band = ds.GetRasterBand(band)
        src_nodata = src_band.GetNoDataValue()
        gt = ds.GetGeoTransform()
        srs = ds.GetSpatialRef()
        if srs is None:
            raise InputError("the NDVI raster has no CRS: cell areas are unknown", source)
        width, height = ds.RasterXSize, ds.RasterYSize
        report.cells = width * height
        out = _create_output(gdal, temp, ds, method)
        try:
            out_band = out.GetRasterBand(1)
            for row0 in range(0, height, block_rows):
                check_canceled(is_canceled)
                n = min(block_rows, height - row0)
                raw = src_band.ReadAsArray(0, row0, width, n).astype(np.float64)
                area = _row_areas(gt, srs, np.arange(row0, row0 + n))[:, None]
                uptake = _block_uptake(raw, src_nodata, scale, area, casa, classes, report, (source, row0))
                out_band.WriteArray(np.where(np.isfinite(uptake), uptake, NODATA).astype(np.float32), 0, row0)
                # Written tiles leave GDAL's block cache strip by strip: memory stays bounded by the
                # strip, not by the cache (5 % of RAM by default).
                out_band.FlushCache()
                progress((row0 + n) / height)
            out_band.FlushCache()
            report.cell_area_m2 = float(_row_areas(gt, srs, np.array([height // 2]))[0])
        except BaseException:
            out = None
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        out = None
        ds = None
    if report.valid == 0:
        temp.unlink()
        raise InputError("no cell has an NDVI in [-1, 1]", source)
    temp.replace(target)
    return report


def _create_output(gdal, path: Path, like, method: str):
    """A float32 GeoTIFF on the grid of ``like`` for the uptake."""
    options = ["COMPRESS=LZW", "TILED=YES", "PREDICTOR=3", "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS"]
    size = (like.RasterXSize, like.RasterYSize)
    out = gdal.GetDriverByName("GTiff").Create(str(path), *size, 1, gdal.GDT_Float32, options)
    out.SetGeoTransform(like.GetGeoTransform())
    out.SetSpatialRef(like.GetSpatialRef())
    band = out.GetRasterBand(1)
    band.SetNoDataValue(NODATA)
    band.SetDescription(f"CO2 uptake ({method}), tCO2/yr per cell")
    band.SetUnitType("tCO2/yr")
    return out


def _block_uptake(raw, nodata, scale, area, casa, classes, report: SinkReport, where) -> np.ndarray:
    """tCO2/yr of a block of NDVI cells (NaN where invalid); counts go to ``report``."""
    valid = np.isfinite(raw)
    if nodata is not None:
        valid &= raw != nodata
    ndvi = np.where(valid, raw * scale, np.nan)
    bad = valid & ((ndvi < -1.0) | (ndvi > 1.0))
    _check_scaled(ndvi, valid, bad, *where)
    ndvi[bad] = np.nan
    report.out_of_range += int(bad.sum())
    if casa is not None:
        uptake = casa_npp(ndvi, casa) * area * 1e-6 * C_TO_CO2
    else:
        uptake = landcover_uptake(ndvi, classes) * area / 1e4
    good = np.isfinite(uptake)
    report.valid += int(good.sum())
    report.total_t += float(uptake[good].sum())
    report.area_ha += float(np.broadcast_to(area, good.shape)[good].sum() / 1e4)
    return uptake


def _check_scaled(ndvi: np.ndarray, valid: np.ndarray, bad: np.ndarray, source: Path, row0: int) -> None:
    n_valid = int(valid.sum())
    if n_valid and bad.sum() > _SCALED_SHARE * n_valid:
        values = ndvi[valid]
        top = float(np.nanpercentile(np.abs(values), 99))  # robust to a few wild cells
        hint = next((f"; it looks scaled: set the NDVI scale to {1 / s:g}" for s in (100, 10000) if top <= s), "")
        raise InputError(
            f"{int(bad.sum())} of {n_valid} NDVI values from row {row0 + 1} are outside [-1, 1] "
            f"(range {np.nanmin(values):g} to {np.nanmax(values):g}){hint}",
            source,
        )


__all__ = [
    "METHODS",
    "NODATA",
    "CasaParams",
    "SinkReport",
    "casa_npp",
    "landcover_classes",
    "landcover_uptake",
    "vegetation_sink_raster",
]
