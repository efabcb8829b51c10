"""Sentinel-2 L2A-like 12-band images of the sample city (UTM 50N, 10 m).

Real Sentinel-2 tiles over Beijing come in WGS 84 / UTM 50N, so the sample images do
too: importing them exercises the reprojection into the base CRS. Reflectances per
land cover are typical values (bare roofs and pavement bright in SWIR, vegetation
bright in NIR, water dark in NIR), stored the L2A way: DN = 10000 * reflectance +
1000 (BOA_ADD_OFFSET of processing baseline 04.00 and later), 0 = nodata.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .model import CRS_EPSG, HEIGHT, ORIGIN_X, ORIGIN_Y, WIDTH, CityModel

UTM_EPSG = 32650
PIXEL = 10.0
BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12")

# Surface reflectance per band (order of BANDS) per land cover:
# 0 pavement, 1 roof, 2 vegetation, 3 water, 4 bare ground.
REFLECTANCE = np.array(
    [
        [0.09, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.16, 0.15, 0.21, 0.19],
        [0.11, 0.12, 0.13, 0.14, 0.15, 0.17, 0.18, 0.19, 0.19, 0.18, 0.27, 0.24],
        [0.03, 0.04, 0.07, 0.04, 0.10, 0.30, 0.38, 0.42, 0.43, 0.40, 0.20, 0.10],
        [0.07, 0.07, 0.08, 0.05, 0.04, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01],
        [0.08, 0.09, 0.12, 0.15, 0.18, 0.20, 0.22, 0.23, 0.24, 0.23, 0.30, 0.25],
    ]
)


def write_s2_image(city: CityModel, path: Path, acquired: str, greenness: float = 1.0, seed: int = 11) -> Path:
    """Write one image; ``greenness`` scales the vegetation's red-edge/NIR response
    (about 0.6 in early spring, 1.0 in summer) so that NDVI changes with the season."""
    import pyproj
    from osgeo import gdal, osr

    gdal.UseExceptions()
    rng = np.random.default_rng(seed)
    to_utm = pyproj.Transformer.from_crs(CRS_EPSG, UTM_EPSG, always_xy=True)
    xs, ys = to_utm.transform(
        [ORIGIN_X - 100, ORIGIN_X + WIDTH + 100, ORIGIN_X - 100, ORIGIN_X + WIDTH + 100],
        [ORIGIN_Y - 100, ORIGIN_Y - 100, ORIGIN_Y + HEIGHT + 100, ORIGIN_Y + HEIGHT + 100],
    )
    x0, y1 = np.floor(min(xs) / PIXEL) * PIXEL, np.ceil(max(ys) / PIXEL) * PIXEL
    cols = int(np.ceil((max(xs) - x0) / PIXEL))
    rows = int(np.ceil((y1 - min(ys)) / PIXEL))
    cx = x0 + (np.arange(cols) + 0.5) * PIXEL
    cy = y1 - (np.arange(rows) + 0.5) * PIXEL
    gx, gy = np.meshgrid(cx, cy)
    to_base = pyproj.Transformer.from_crs(UTM_EPSG, CRS_EPSG, always_xy=True)
    bx, by = to_base.transform(gx, gy)
    cover = city.land_cover(bx, by)
    reflectance = REFLECTANCE[cover].copy()  # (rows, cols, 12)
    vegetation = cover == 2
    reflectance[vegetation, 4:10] *= greenness
    reflectance[vegetation, 3] /= max(greenness, 0.3) ** 0.5
    reflectance *= rng.normal(1.0, 0.03, reflectance.shape)
    dn = np.clip(np.round(reflectance * 10000 + 1000), 1, 65535).astype(np.uint16)
    outside = (bx < ORIGIN_X - 60) | (bx > ORIGIN_X + WIDTH + 60)
    dn[outside] = 0  # the swath edge: nodata

    driver = gdal.GetDriverByName("GTiff")
    tmp = path.with_suffix(".tmp.tif")
    ds = driver.Create(str(tmp), cols, rows, len(BANDS), gdal.GDT_UInt16, ["COMPRESS=DEFLATE", "TILED=YES"])
    ds.SetGeoTransform((x0, PIXEL, 0.0, y1, 0.0, -PIXEL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(UTM_EPSG)
    ds.SetProjection(srs.ExportToWkt())
    ds.SetMetadata(
        {
            "TIFFTAG_DATETIME": acquired.replace("-", ":").replace("T", " ")[:19],
            "ACQUISITION_DATE": acquired,
            "SPACECRAFT_NAME": "Sentinel-2B (synthetic)",
            "PROCESSING_LEVEL": "Level-2A",
            "PROCESSING_BASELINE": "05.10",
            "BOA_ADD_OFFSET": "-1000",
            "BOA_QUANTIFICATION_VALUE": "10000",
        }
    )
    for b, name in enumerate(BANDS):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(dn[:, :, b])
        band.SetNoDataValue(0)
        band.SetDescription(name)
    ds = None
    tmp.replace(path)
    return path
