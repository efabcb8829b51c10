"""Carbon-monitoring sources of the sample city: districts and gridded CO2 inventories.

Written into ``<folder>/carbon/``:

- ``districts.gpkg`` (layer ``districts``, EPSG:4548): four subdistricts that exactly
  partition a rectangle 50 m larger than the city on every side, divided by a slanted
  line and a broken line (no edge lies on the 100 m grid of the base).
- ``ODIAC_sample_city_2022.tif``: ODIAC-like GeoTIFF, EPSG:4326, 30 arc-second cells
  snapped to multiples of 1/120 degree, 12 float32 bands (2022-01..2022-12) in
  **tonne C per cell per month**.
- ``EDGAR_sample_city_2022_TOTALS.nc``: EDGAR v8-like NetCDF, 0.1 degree cells, variable
  ``emissions`` (lat, lon) in ``Tonnes`` (CO2) per cell per year.
- ``EDGAR_sample_city_2022_TRO.txt``: EDGAR's text format for road transport,
  ``lat;lon;emission 2022 (tons)`` at 0.1 degree cell centres.

The truth is closed-form: a uniform emission density ``d_city`` (tCO2/km²/yr) inside the
rectangle and ``d_bg`` outside it, so a cell holds ``d_city * area(cell ∩ rectangle) +
d_bg * area(cell - rectangle)``. Areas are ellipsoidal: cells (meridians and parallels)
and the rectangle (straight in EPSG:4548) are densified, projected into a Lambert
azimuthal equal-area projection on the WGS 84 ellipsoid centred on the city (equal-area
on the ellipsoid, through the authalic latitude) and measured there.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .model import CRS_EPSG, CityModel

#: Margin (m) of the districts' rectangle around the city's bounds.
RECTANGLE_MARGIN = 50.0
YEAR = 2022
#: Fossil CO2 density, tCO2 per km² per year, inside the rectangle and outside it.
D_CITY = 40_000.0
D_BG = 8_000.0
#: Road transport (EDGAR sector TRO), tCO2 per km² per year.
D_CITY_TRO = 9_000.0
D_BG_TRO = 2_000.0
#: ODIAC's monthly split of the year (winter heating heavier); sums to exactly 1.
MONTH_WEIGHTS = tuple(w / 1000 for w in (110, 110, 90, 70, 65, 65, 70, 70, 65, 85, 90, 110))
C_PER_CO2 = 12.0 / 44.0
ODIAC_CELLS_PER_DEGREE = 120  # 30 arc-seconds
ODIAC_MARGIN_CELLS = 2
EDGAR_CELLS_PER_DEGREE = 10  # 0.1 degree
EDGAR_MARGIN_CELLS = 1

#: (code, name, name_en), placed north-west, north-east, south-west, south-east.
DISTRICTS = (
    ("110101004", "安定门街道", "Andingmen Subdistrict"),
    ("110101003", "交道口街道", "Jiaodaokou Subdistrict"),
    ("110101002", "景山街道", "Jingshan Subdistrict"),
    ("110101001", "东华门街道", "Donghuamen Subdistrict"),
)

ODIAC_FILE = f"ODIAC_sample_city_{YEAR}.tif"
EDGAR_TOTAL_FILE = f"EDGAR_sample_city_{YEAR}_TOTALS.nc"
EDGAR_TRO_FILE = f"EDGAR_sample_city_{YEAR}_TRO.txt"
DISTRICTS_FILE = "districts.gpkg"


def carbon_rectangle(city: CityModel) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in EPSG:4548: the city's bounds plus ``RECTANGLE_MARGIN``."""
    xmin, ymin, xmax, ymax = city.bounds
    m = RECTANGLE_MARGIN
    return (xmin - m, ymin - m, xmax + m, ymax + m)


def district_polygons(city: CityModel) -> list:
    """The four districts (shapely polygons, EPSG:4548) in the order of ``DISTRICTS``.

    A slanted line T-B from the top edge to the bottom edge and a broken line L-K1-P-K2-R
    from the left edge to the right edge (P on T-B) cut the rectangle; the polygons share
    their vertices, so their edges coincide exactly.
    """
    from shapely.geometry import Polygon
    from shapely.geometry.polygon import orient

    x0, y0, x1, y1 = carbon_rectangle(city)
    top, bottom = (x0 + 583.7, y1), (x0 + 731.3, y0)
    py = y0 + 548.1
    t = (y1 - py) / (y1 - y0)
    p = (top[0] + t * (bottom[0] - top[0]), py)
    left, k1 = (x0, y0 + 517.3), (x0 + 291.9, y0 + 602.6)
    k2, right = (x0 + 1004.2, y0 + 463.8), (x1, y0 + 566.4)
    rings = (
        [left, k1, p, top, (x0, y1)],  # north-west
        [p, k2, right, (x1, y1), top],  # north-east
        [(x0, y0), bottom, p, k1, left],  # south-west
        [bottom, (x1, y0), right, k2, p],  # south-east
    )
    return [orient(Polygon(ring), 1.0) for ring in rings]


def ellipsoidal_area_km2(geometry, crs=CRS_EPSG, spacing_m: float = 10.0) -> float:
    """Area (km²) of a polygon in a projected CRS on that CRS's own ellipsoid.

    The polygon is densified to ``spacing_m``, unprojected to the CRS's geographic CRS
    and measured with ``pyproj.Geod.geometry_area_perimeter`` (geodesic polygon area).
    """
    import pyproj
    import shapely

    crs = pyproj.CRS.from_user_input(crs)
    to_geographic = _transformer(crs.to_wkt(), crs.geodetic_crs.to_wkt())
    dense = shapely.segmentize(geometry, spacing_m)
    lonlat = shapely.transform(dense, lambda xy: np.column_stack(to_geographic.transform(xy[:, 0], xy[:, 1])))
    area, _ = crs.get_geod().geometry_area_perimeter(lonlat)
    return abs(area) / 1e6


def inventory_grid(
    rectangle: tuple[float, float, float, float], cells_per_degree: int, margin_cells: int
) -> tuple[tuple[float, ...], tuple[int, int]]:
    """(GDAL geotransform, (rows, cols)) of a north-up lon/lat grid snapped to multiples of
    1/``cells_per_degree`` degree covering ``rectangle`` (EPSG:4548) plus a margin of cells."""
    lon, lat = _rectangle_lonlat(tuple(rectangle)).T
    n = cells_per_degree
    c0 = int(np.floor(lon.min() * n)) - margin_cells
    c1 = int(np.ceil(lon.max() * n)) + margin_cells
    r0 = int(np.floor(lat.min() * n)) - margin_cells
    r1 = int(np.ceil(lat.max() * n)) + margin_cells
    return (c0 / n, 1.0 / n, 0.0, r1 / n, 0.0, -1.0 / n), (r1 - r0, c1 - c0)


@lru_cache(maxsize=8)
def _transformer(source, target):
    """A cached always-xy transformer (making one for EPSG:4548 takes tens of ms)."""
    import pyproj

    return pyproj.Transformer.from_crs(source, target, always_xy=True)


@lru_cache(maxsize=4)
def _rectangle_lonlat(rectangle: tuple[float, float, float, float]) -> np.ndarray:
    """The rectangle's ring densified to 5 m, as (n, 2) lon/lat (EPSG:4326)."""
    import shapely
    from shapely.geometry import box

    ring = np.asarray(shapely.segmentize(box(*rectangle), 5.0).exterior.coords)
    lon, lat = _transformer(CRS_EPSG, 4326).transform(ring[:, 0], ring[:, 1])
    return np.column_stack([lon, lat])


def _laea(rectangle) -> str:
    """A Lambert azimuthal equal-area projection (WGS 84) centred on the rectangle."""
    lon0, lat0 = _transformer(CRS_EPSG, 4326).transform(
        (rectangle[0] + rectangle[2]) / 2, (rectangle[1] + rectangle[3]) / 2
    )
    return f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"


def cell_areas_km2(rectangle, geotransform, shape) -> tuple[np.ndarray, np.ndarray]:
    """(area of each cell, area of each cell inside ``rectangle``) in km², (rows, cols) arrays.

    Both are measured in a Lambert azimuthal equal-area projection (WGS 84 ellipsoid)
    centred on the rectangle, after densifying cell edges and the rectangle's edges.
    """
    import shapely

    to_laea = _transformer(4326, _laea(rectangle))
    ring = _rectangle_lonlat(tuple(rectangle))
    rect_laea = shapely.polygons(np.column_stack(to_laea.transform(ring[:, 0], ring[:, 1])))
    rows, cols = shape
    gt = geotransform
    west = gt[0] + np.arange(cols) * gt[1]
    north = gt[3] + np.arange(rows) * gt[5]
    cells = shapely.box(
        *np.broadcast_arrays(west[None, :], (north + gt[5])[:, None], (west + gt[1])[None, :], north[:, None])
    )
    cells = shapely.segmentize(cells, abs(gt[1]) / 16)
    cells = shapely.transform(cells, lambda xy: np.column_stack(to_laea.transform(xy[:, 0], xy[:, 1])))
    total = shapely.area(cells) / 1e6
    with np.errstate(invalid="ignore"):  # GEOS flags empty intersections (cells far outside)
        inside = shapely.area(shapely.intersection(cells, rect_laea)) / 1e6
    return total, inside


def emission_grid(rectangle, geotransform, shape, d_city: float, d_bg: float) -> np.ndarray:
    """tCO2/yr per cell: ``d_city`` per km² inside ``rectangle`` and ``d_bg`` outside."""
    total, inside = cell_areas_km2(rectangle, geotransform, shape)
    return d_city * inside + d_bg * (total - inside)


def _write_districts(city: CityModel, path: Path) -> list[dict]:
    from osgeo import gdal, ogr, osr

    gdal.UseExceptions()
    if path.exists():
        path.unlink()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(CRS_EPSG)
    polygons = district_polygons(city)
    truth = []
    # A fixed timestamp in gpkg_contents keeps the file the same from run to run.
    previous = gdal.GetConfigOption("OGR_CURRENT_DATE")
    gdal.SetConfigOption("OGR_CURRENT_DATE", f"{YEAR}-12-31T00:00:00.000Z")
    try:
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
        layer = ds.CreateLayer("districts", srs, ogr.wkbPolygon, ["FID=fid", "GEOMETRY_NAME=geom"])
        for name in ("code", "name", "name_en"):
            layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
        for (code, name, name_en), polygon in zip(DISTRICTS, polygons):
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetField("code", code)
            feature.SetField("name", name)
            feature.SetField("name_en", name_en)
            feature.SetGeometry(ogr.CreateGeometryFromWkb(polygon.wkb))
            layer.CreateFeature(feature)
            # Ellipsoidal (CGCS2000) geodesic area of the polygon densified to 10 m.
            truth.append({"code": code, "name": name, "area_km2": ellipsoidal_area_km2(polygon)})
        ds = None
    finally:
        gdal.SetConfigOption("OGR_CURRENT_DATE", previous)
    return truth


def _wgs84_wkt() -> str:
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


def _write_odiac(rectangle, path: Path) -> dict:
    from osgeo import gdal

    gdal.UseExceptions()
    gt, shape = inventory_grid(rectangle, ODIAC_CELLS_PER_DEGREE, ODIAC_MARGIN_CELLS)
    annual_co2 = emission_grid(rectangle, gt, shape, D_CITY, D_BG)
    tmp = path.with_suffix(".tmp.tif")
    ds = gdal.GetDriverByName("GTiff").Create(
        str(tmp), shape[1], shape[0], len(MONTH_WEIGHTS), gdal.GDT_Float32, ["COMPRESS=DEFLATE", "INTERLEAVE=BAND"]
    )
    ds.SetGeoTransform(gt)
    ds.SetProjection(_wgs84_wkt())
    ds.SetMetadata(
        {
            "UNITS": "tonne C/cell/month",
            "DESCRIPTION": f"ODIAC-like fossil CO2 emissions {YEAR} (synthetic sample, 30 arc-second)",
            "SOURCE": "CityTwin sample-data generator (closed-form densities)",
        }
    )
    for month, weight in enumerate(MONTH_WEIGHTS):
        band = ds.GetRasterBand(month + 1)
        band.WriteArray((annual_co2 * C_PER_CO2 * weight).astype(np.float32))
        band.SetDescription(f"{YEAR}-{month + 1:02d}")
        band.SetUnitType("tonne C")
    ds = None
    tmp.replace(path)
    return {
        "d_city_tco2_km2": D_CITY,
        "d_bg_tco2_km2": D_BG,
        "month_weights": list(MONTH_WEIGHTS),
        "file": f"{path.parent.name}/{path.name}",
        "units": "tonne C/cell/month",
        "cell_deg": 1.0 / ODIAC_CELLS_PER_DEGREE,
        "total_tco2": float(annual_co2.sum()),
    }


def _write_edgar_netcdf(rectangle, path: Path) -> dict:
    from osgeo import gdal

    gdal.UseExceptions()
    gt, shape = inventory_grid(rectangle, EDGAR_CELLS_PER_DEGREE, EDGAR_MARGIN_CELLS)
    annual_co2 = emission_grid(rectangle, gt, shape, D_CITY, D_BG)
    mem = gdal.GetDriverByName("MEM").Create("", shape[1], shape[0], 1, gdal.GDT_Float32)
    mem.SetGeoTransform(gt)
    mem.SetProjection(_wgs84_wkt())
    mem.SetMetadata(
        {
            "NC_GLOBAL#title": f"EDGAR v8.0-like CO2 emissions {YEAR}, TOTALS (synthetic sample)",
            "NC_GLOBAL#institution": "CityTwin sample-data generator (not JRC data)",
        }
    )
    band = mem.GetRasterBand(1)
    band.WriteArray(annual_co2.astype(np.float32))
    band.SetMetadata(
        {
            "NETCDF_VARNAME": "emissions",
            "long_name": "CO2 emissions, total (sample)",
            "units": "Tonnes",
            "substance": "CO2",
            "year": str(YEAR),
        }
    )
    if path.exists():
        path.unlink()
    # GDAL writes the rows bottom-up (lat ascending, CF style) and reads them back
    # north-up; no GDAL version/history attributes, so the file is the same every run.
    options = ["FORMAT=NC4", "WRITE_BOTTOMUP=YES", "WRITE_GDAL_VERSION=NO", "WRITE_GDAL_HISTORY=NO"]
    gdal.GetDriverByName("netCDF").CreateCopy(str(path), mem, options=options)
    mem = None
    return {
        "d_city_tco2_km2": D_CITY,
        "d_bg_tco2_km2": D_BG,
        "file": f"{path.parent.name}/{path.name}",
        "variable": "emissions",
        "units": "Tonnes",
        "cell_deg": 1.0 / EDGAR_CELLS_PER_DEGREE,
        "total_tco2": float(annual_co2.sum()),
    }


def _write_edgar_text(rectangle, path: Path) -> dict:
    gt, shape = inventory_grid(rectangle, EDGAR_CELLS_PER_DEGREE, EDGAR_MARGIN_CELLS)
    annual_co2 = emission_grid(rectangle, gt, shape, D_CITY_TRO, D_BG_TRO)
    n = EDGAR_CELLS_PER_DEGREE
    c0, r1 = round(gt[0] * n), round(gt[3] * n)
    lines = [
        f"EDGAR v8.0-like emission gridmap (synthetic sample, not JRC data) - CO2 - year {YEAR} - sector TRO",
        "Road transport; tonnes of CO2 per 0.1 x 0.1 degree grid cell per year, at cell centres",
        f"lat;lon;emission {YEAR} (tons)",
    ]
    for row in range(shape[0]):
        lat = (r1 - row - 0.5) / n
        for col in range(shape[1]):
            lines.append(f"{lat:.2f};{(c0 + col + 0.5) / n:.2f};{annual_co2[row, col]:.3f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "d_city_tco2_km2": D_CITY_TRO,
        "d_bg_tco2_km2": D_BG_TRO,
        "file": f"{path.parent.name}/{path.name}",
        "sector": "TRO",
        "units": "tons",
        "cell_deg": 1.0 / EDGAR_CELLS_PER_DEGREE,
        "total_tco2": float(np.round(annual_co2, 3).sum()),
    }


def write_carbon_sources(city: CityModel, folder: str | Path) -> tuple[dict[str, list[Path]], dict]:
    """Write ``folder``'s districts and inventories; return (files by kind, truth).

    Files: ``"districts"`` (the GeoPackage) and ``"inventory"`` (ODIAC GeoTIFF, EDGAR
    NetCDF, EDGAR text). The truth is what ``truth/model.json`` keeps under ``"inventory"``.
    """
    from shapely.geometry import box

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rectangle = carbon_rectangle(city)
    districts = folder / DISTRICTS_FILE
    odiac, edgar_total, edgar_tro = folder / ODIAC_FILE, folder / EDGAR_TOTAL_FILE, folder / EDGAR_TRO_FILE
    truth = {
        "odiac": _write_odiac(rectangle, odiac),
        "edgar_total": _write_edgar_netcdf(rectangle, edgar_total),
        "edgar_tro": _write_edgar_text(rectangle, edgar_tro),
        "rectangle": list(rectangle),
        # Ellipsoidal (CGCS2000) geodesic area, as for the districts below.
        "rectangle_area_km2": ellipsoidal_area_km2(box(*rectangle)),
        "districts": _write_districts(city, districts),
    }
    return {"districts": [districts], "inventory": [odiac, edgar_total, edgar_tro]}, truth
