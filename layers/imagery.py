"""Multiband satellite imagery: what a file holds, and NDVI / NDBI / NDWI from it.

Pure tier: GDAL's own Python bindings (``osgeo``, the Debian GDAL that QGIS loads; not
rasterio, whose wheel bundles a second GDAL) and numpy. Images are read and written in
blocks of rows, so memory stays bounded whatever the scene size.

Band map
--------
:data:`SENSORS` says, per sensor, which band is blue / green / red / NIR / SWIR1 / SWIR2,
the band order of the usual stacked file, and how digital numbers (DN) become surface
reflectance. Reflectance is always ``(DN + dn_offset) * scale + offset``:

==================  =====  =====  =====  =====  =====  =====  ======  =====  =======  ========
key                 blue   green  red    NIR    SWIR1  SWIR2  scale   offset dn_offset nodata DN
==================  =====  =====  =====  =====  =====  =====  ======  =====  =======  ========
``sentinel2_l2a``   B2     B3     B4     B8     B11    B12    1e-4    0      -1000    0
``landsat_c2_l2``   SR_B2  SR_B3  SR_B4  SR_B5  SR_B6  SR_B7  2.75e-5 -0.2   0        0
``gf2_pms``         B1     B2     B3     B4     —      —      1       0      0        (file's)
``generic``         given  given  given  given  given  given  1       0      0        (file's)
==================  =====  =====  =====  =====  =====  =====  ======  =====  =======  ========

* **Sentinel-2 Level-2A** (ESA, *Sentinel-2 Products Specification Document*
  S2-PDGS-TAS-DI-PSD, and the Level-2A algorithm description): bands B1 443 nm (coastal),
  B2 490 (blue), B3 560 (green), B4 665 (red), B5/B6/B7 705/740/783 (red edge), B8 842
  (NIR), B8A 865 (narrow NIR, listed as ``nir_narrow``, not used by the indices), B9 945
  (water vapour), B11 1610 (SWIR1), B12 2190 (SWIR2); B10 (cirrus) is not in L2A.
  Reflectance = (DN + BOA_ADD_OFFSET) / 10000. ESA added ``BOA_ADD_OFFSET = -1000`` with
  processing baseline 04.00 (products from 25 January 2022 on); older products have no
  offset. The ``dn_offset`` argument defaults to -1000 unless the file's metadata says
  otherwise (a ``BOA_ADD_OFFSET*`` item, or ``PROCESSING_BASELINE`` < 04.00 → 0); pass
  ``dn_offset=0`` for pre-2022 products. DN 0 is nodata. Default band order of a stacked
  file: the common 12-band L2A stack B1, B2, B3, B4, B5, B6, B7, B8, B8A, B9, B11, B12.
* **Landsat 8/9 Collection 2 Level-2** surface reflectance (USGS, *Landsat 8-9 Collection
  2 Level 2 Science Product Guide*, LSDS-1619): SR_B1 443 nm (coastal), SR_B2 482 (blue),
  SR_B3 562 (green), SR_B4 655 (red), SR_B5 865 (NIR), SR_B6 1609 (SWIR1), SR_B7 2201
  (SWIR2). Reflectance = DN × 0.0000275 − 0.2; DN 0 is fill (nodata). Default order
  SR_B1 … SR_B7. USGS delivers one file per band: pass the band files as a list.
* **GF-2 PMS multispectral** (高分二号, CRESDA, 中国资源卫星应用中心 GF-2 satellite
  parameters): B1 450–520 nm (blue), B2 520–590 (green), B3 630–690 (red), B4 770–890
  (NIR). **There is no SWIR band, so NDBI is not available.** Products are usually DN or
  TOA reflectance; gain/offset default to 1/0, and indices from uncalibrated DN are only
  *relative* (comparable within one scene, not across scenes or sensors). Pass
  ``scale``/``offset`` (the radiometric calibration gain/offset of the scene) to calibrate.
* **generic**: any stack; the band positions (``band_positions={"red": 3, "nir": 4, ...}``)
  or band descriptions say where each band is; scale/offset default to 1/0.

Which band is which, per needed band, first match wins (the rule is reported):

1. ``band_positions`` given by the caller (1-based band numbers);
2. the GDAL band description (or, for a list of single-band files, the description or the
   file name): ``"B4"``, ``"B04"``, ``"B4, central wavelength 665 nm"`` (GDAL's SENTINEL2
   driver), ``"T50SMK_20220305T030549_B04_10m"``, ``"SR_B4"``, ``"LC09_…_SR_B4"``,
   ``"red"``, ``"nir"``, and the STAC ``eo:common_name`` words (``nir08``, ``swir16``, ...);
3. the sensor's default stack position, only when the file has at least as many bands as
   that stack and that band is not described as some other band.

Indices
-------
Computed on reflectance, in float64, written as float32:

* NDVI = (NIR − Red) / (NIR + Red) — Rouse, Haas, Schell & Deering (1974), *Monitoring
  vegetation systems in the Great Plains with ERTS*, NASA SP-351.
* NDBI = (SWIR1 − NIR) / (SWIR1 + NIR) — Zha, Gao & Ni (2003), *Use of normalized
  difference built-up index in automatically mapping urban areas from TM imagery*,
  Int. J. Remote Sensing 24(3).
* NDWI = (Green − NIR) / (Green + NIR) — McFeeters (1996), *The use of the Normalized
  Difference Water Index (NDWI) in the delineation of open water features*, Int. J.
  Remote Sensing 17(7).

A pixel is nodata when any band the index uses is nodata (the file's nodata value, the
sensor's nodata DN, or NaN) or when the denominator is 0. Values a rounding step pushes
just outside [-1, 1] (by at most 1e-6) are clipped; larger excursions mean negative
reflectance (dark pixels with an offset) or wrong scaling: they are written unchanged,
counted per index and reported in :attr:`IndexReport.notes`.

Output files
------------
One GeoTIFF per index, ``<stem>_<index>.tif`` (e.g. ``scene_ndvi.tif``): float32, one
band, tiled, LZW-compressed (floating-point predictor), same CRS and geotransform as the
input, nodata **-9999.0** (declared in the GeoTIFF nodata tag; a number rather than NaN
because every GIS and spreadsheet tool understands it). Band metadata records the index,
its formula, the sensor, the scaling used and, when known, the acquisition time. Each
file is written to a hidden temporary file in the output folder and moved onto its name
with :func:`os.replace` once complete; a cancel or an error deletes the temporary files,
so no partial output is ever left.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import InputError
from ..common.gdal import gdal_exceptions, open_raster
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress

#: Roles a band can play, in spectral order.
ROLES = ("blue", "green", "red", "nir", "swir1", "swir2")

ROLE_LABELS = {
    "blue": "blue",
    "green": "green",
    "red": "red",
    "nir": "NIR",
    "nir_narrow": "narrow NIR",
    "swir1": "SWIR1",
    "swir2": "SWIR2",
}

#: Nodata value of the index GeoTIFFs.
INDEX_NODATA = -9999.0

#: Rows per block when the caller gives none (rounded to the file's block height).
DEFAULT_BLOCK_ROWS = 512

#: Upper bound on pixels per block: about 32 MB per float64 array.
MAX_BLOCK_PIXELS = 4 * 1024 * 1024

#: Index values within this distance outside [-1, 1] are rounding and are clipped.
CLIP_TOLERANCE = 1e-6

#: Sentinel-2 BOA_ADD_OFFSET of processing baseline 04.00 and later.
S2_BOA_ADD_OFFSET = -1000.0


# -- band map ------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """One spectral band of a sensor.

    Attributes
    ----------
    name
        The agency's band name (``"B4"``, ``"SR_B4"``).
    role
        ``"blue"``, ``"green"``, ``"red"``, ``"nir"``, ``"swir1"``, ``"swir2"``,
        ``"nir_narrow"`` or None (bands no index uses).
    wavelength_nm
        Central wavelength, nm (None when not meaningful, e.g. the generic sensor).
    aliases
        Band descriptions (upper case) that identify this band in a file.
    """

    name: str
    role: str | None
    wavelength_nm: float | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class SensorBands:
    """Band map and reflectance scaling of one sensor product.

    Reflectance = ``(DN + dn_offset) * scale + offset``.

    Attributes
    ----------
    key
        Key in :data:`SENSORS`.
    title
        Name shown to the user.
    bands
        All bands the map knows.
    stack_order
        Band names in the order of the usual stacked file (position = index + 1); empty
        when there is no default order (then positions must be given or described).
    scale, offset, dn_offset
        Default reflectance scaling.
    nodata_dn
        DN that means "no data" in this product (None: only the file's nodata value).
    reference
        Where the band definitions and scaling come from.
    scaling_note
        What the user must know about the scaling.
    """

    key: str
    title: str
    bands: tuple[Band, ...]
    stack_order: tuple[str, ...]
    scale: float
    offset: float
    dn_offset: float
    nodata_dn: float | None
    reference: str
    scaling_note: str = ""

    def band(self, name: str) -> Band:
        """The band called ``name``."""
        for band in self.bands:
            if band.name == name:
                return band
        raise KeyError(name)

    def band_for_role(self, role: str) -> Band | None:
        """The band playing ``role`` (None when the sensor has none, e.g. SWIR on GF-2)."""
        for band in self.bands:
            if band.role == role:
                return band
        return None

    def default_position(self, name: str) -> int | None:
        """1-based position of band ``name`` in the default stack (None: not in it)."""
        return self.stack_order.index(name) + 1 if name in self.stack_order else None

    @property
    def stack_label(self) -> str:
        """The default stack in words, e.g. ``"12-band stack B1, B2, …"``."""
        if not self.stack_order:
            return "no default band order"
        return f"{len(self.stack_order)}-band stack {', '.join(self.stack_order)}"


def _aliases(*names: str) -> tuple[str, ...]:
    return tuple(name.upper() for name in names)


SENTINEL2_L2A = SensorBands(
    key="sentinel2_l2a",
    title="Sentinel-2 L2A",
    bands=(
        Band("B1", None, 443, _aliases("B1", "B01", "coastal")),
        Band("B2", "blue", 490, _aliases("B2", "B02", "blue")),
        Band("B3", "green", 560, _aliases("B3", "B03", "green")),
        Band("B4", "red", 665, _aliases("B4", "B04", "red")),
        Band("B5", None, 705, _aliases("B5", "B05", "rededge1")),
        Band("B6", None, 740, _aliases("B6", "B06", "rededge2")),
        Band("B7", None, 783, _aliases("B7", "B07", "rededge3")),
        Band("B8", "nir", 842, _aliases("B8", "B08", "nir")),
        Band("B8A", "nir_narrow", 865, _aliases("B8A", "B08A", "nir08", "nir_narrow")),
        Band("B9", None, 945, _aliases("B9", "B09", "nir09")),
        Band("B11", "swir1", 1610, _aliases("B11", "swir1", "swir16")),
        Band("B12", "swir2", 2190, _aliases("B12", "swir2", "swir22")),
    ),
    stack_order=("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12"),
    scale=1e-4,
    offset=0.0,
    dn_offset=S2_BOA_ADD_OFFSET,
    nodata_dn=0.0,
    reference="ESA Sentinel-2 Products Specification Document (S2-PDGS-TAS-DI-PSD), Level-2A",
    scaling_note=(
        "reflectance = (DN + BOA_ADD_OFFSET) / 10000; BOA_ADD_OFFSET = -1000 for processing baseline "
        "04.00 and later (products from 25 January 2022 on), 0 before"
    ),
)

LANDSAT_C2_L2 = SensorBands(
    key="landsat_c2_l2",
    title="Landsat 8/9 Collection 2 Level-2",
    bands=(
        Band("SR_B1", None, 443, _aliases("SR_B1", "B1", "coastal")),
        Band("SR_B2", "blue", 482, _aliases("SR_B2", "B2", "blue")),
        Band("SR_B3", "green", 562, _aliases("SR_B3", "B3", "green")),
        Band("SR_B4", "red", 655, _aliases("SR_B4", "B4", "red")),
        Band("SR_B5", "nir", 865, _aliases("SR_B5", "B5", "nir", "nir08")),
        Band("SR_B6", "swir1", 1609, _aliases("SR_B6", "B6", "swir1", "swir16")),
        Band("SR_B7", "swir2", 2201, _aliases("SR_B7", "B7", "swir2", "swir22")),
    ),
    stack_order=("SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"),
    scale=0.0000275,
    offset=-0.2,
    dn_offset=0.0,
    nodata_dn=0.0,
    reference="USGS Landsat 8-9 Collection 2 Level 2 Science Product Guide (LSDS-1619)",
    scaling_note="reflectance = DN * 0.0000275 - 0.2",
)

GF2_PMS = SensorBands(
    key="gf2_pms",
    title="GF-2 PMS multispectral",
    bands=(
        Band("B1", "blue", 485, _aliases("B1", "B01", "band1", "blue")),
        Band("B2", "green", 555, _aliases("B2", "B02", "band2", "green")),
        Band("B3", "red", 660, _aliases("B3", "B03", "band3", "red")),
        Band("B4", "nir", 830, _aliases("B4", "B04", "band4", "nir")),
    ),
    stack_order=("B1", "B2", "B3", "B4"),
    scale=1.0,
    offset=0.0,
    dn_offset=0.0,
    nodata_dn=None,
    reference="CRESDA (China Centre for Resources Satellite Data and Application), GF-2 PMS parameters",
    scaling_note=(
        "gain 1, offset 0 by default: indices from uncalibrated DN are only relative; give the scene's "
        "calibration gain/offset as scale/offset for reflectance-based values"
    ),
)

GENERIC = SensorBands(
    key="generic",
    title="generic multiband image",
    bands=(
        Band("blue", "blue", None, _aliases("blue")),
        Band("green", "green", None, _aliases("green")),
        Band("red", "red", None, _aliases("red")),
        Band("nir", "nir", None, _aliases("nir", "nir08")),
        Band("swir1", "swir1", None, _aliases("swir1", "swir16")),
        Band("swir2", "swir2", None, _aliases("swir2", "swir22")),
    ),
    stack_order=(),
    scale=1.0,
    offset=0.0,
    dn_offset=0.0,
    nodata_dn=None,
    reference="band positions and scaling given by the user",
    scaling_note="scale 1, offset 0 unless given",
)

#: The sensors CityTwin knows, by key.
SENSORS: dict[str, SensorBands] = {s.key: s for s in (SENTINEL2_L2A, LANDSAT_C2_L2, GF2_PMS, GENERIC)}

#: Other spellings accepted for the sensor argument.
SENSOR_ALIASES = {
    "sentinel2": "sentinel2_l2a",
    "sentinel-2": "sentinel2_l2a",
    "s2": "sentinel2_l2a",
    "s2_l2a": "sentinel2_l2a",
    "landsat": "landsat_c2_l2",
    "landsat8": "landsat_c2_l2",
    "landsat9": "landsat_c2_l2",
    "landsat_8": "landsat_c2_l2",
    "landsat_9": "landsat_c2_l2",
    "gf2": "gf2_pms",
    "gf-2": "gf2_pms",
}


def get_sensor(sensor: str | SensorBands) -> SensorBands:
    """The :class:`SensorBands` for a key of :data:`SENSORS` (or an accepted alias).

    Raises
    ------
    InputError
        For an unknown sensor name.
    """
    if isinstance(sensor, SensorBands):
        return sensor
    key = str(sensor).strip().lower().replace(" ", "_")
    key = SENSOR_ALIASES.get(key, key)
    if key not in SENSORS:
        known = ", ".join(SENSORS)
        raise InputError(f"unknown sensor '{sensor}'; known sensors: {known}", field="sensor")
    return SENSORS[key]


# -- index definitions ---------------------------------------------------------------
@dataclass(frozen=True)
class IndexDefinition:
    """A normalised difference ``(a - b) / (a + b)`` of two band roles."""

    key: str
    title: str
    a: str
    b: str
    formula: str
    reference: str


INDICES: dict[str, IndexDefinition] = {
    "ndvi": IndexDefinition("ndvi", "NDVI", "nir", "red", "(NIR - Red) / (NIR + Red)", "Rouse et al. 1974"),
    "ndbi": IndexDefinition("ndbi", "NDBI", "swir1", "nir", "(SWIR1 - NIR) / (SWIR1 + NIR)", "Zha et al. 2003"),
    "ndwi": IndexDefinition("ndwi", "NDWI", "green", "nir", "(Green - NIR) / (Green + NIR)", "McFeeters 1996"),
}


# -- GDAL plumbing -------------------------------------------------------------------
def _numpy_dtype_name(gdal: Any, data_type: int) -> str:
    from osgeo import gdal_array

    try:
        return np.dtype(gdal_array.GDALTypeCodeToNumericTypeCode(data_type)).name
    except TypeError:  # a GDAL type numpy has no code for (e.g. CInt16)
        return gdal.GetDataTypeName(data_type)


def _block_rows(band: Any, width: int, requested: int | None) -> int:
    """Rows per read: a multiple of the file's block height, bounded in pixels."""
    if requested is not None:
        if requested < 1:
            raise ValueError(f"block_rows must be >= 1, got {requested}")
        return int(requested)
    block_height = max(1, int(band.GetBlockSize()[1]))
    rows = max(block_height, DEFAULT_BLOCK_ROWS - DEFAULT_BLOCK_ROWS % block_height)
    budget = max(1, MAX_BLOCK_PIXELS // max(1, width))
    if rows > budget:
        rows = budget - budget % block_height if budget >= block_height else budget
    return max(1, rows)


# -- describe_image ------------------------------------------------------------------
@dataclass(frozen=True)
class ImageInfo:
    """Facts about one raster image.

    Coordinates are in the image's CRS units (``crs_wkt``; None when the file has no
    CRS: it is reported in ``notes``, never guessed).

    Attributes
    ----------
    path, driver
        The file and the GDAL driver that read it.
    width, height, band_count
        Size in pixels and number of bands.
    band_descriptions
        GDAL band descriptions ("" when a band has none).
    dtype
        numpy name of the first band's data type (``"uint16"``); ``dtypes`` per band.
    nodata
        Nodata value per band (None: none declared).
    crs_wkt, crs_epsg, crs_name
        The CRS (WKT2), its EPSG code when identifiable, its name.
    geotransform
        GDAL geotransform (x0, pixel width, row rotation, y0, column rotation, pixel
        height); None when the file has none.
    bounds
        (xmin, ymin, xmax, ymax) of the pixel edges; None without geotransform.
    pixel_size
        (x, y) size of one pixel, positive.
    acquired
        Acquisition time from the metadata (None when absent); timezone-aware only when
        the metadata gives a zone. ``acquired_from`` names the metadata item(s).
    notes
        What the user should know (missing CRS, rotation, ...), one sentence each.
    """

    path: str
    driver: str
    width: int
    height: int
    band_count: int
    band_descriptions: tuple[str, ...]
    dtype: str
    dtypes: tuple[str, ...]
    nodata: tuple[float | None, ...]
    crs_wkt: str | None
    crs_epsg: int | None
    crs_name: str | None
    geotransform: tuple[float, float, float, float, float, float] | None
    bounds: tuple[float, float, float, float] | None
    pixel_size: tuple[float, float] | None
    acquired: dt.datetime | None
    acquired_from: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def describe_image(path: str | Path) -> ImageInfo:
    """Read a raster image's size, bands, CRS, extent and acquisition time.

    Parameters
    ----------
    path
        Any raster GDAL reads (GeoTIFF, JPEG 2000, ...).

    Returns
    -------
    ImageInfo

    Raises
    ------
    InputError
        When the file is missing, empty or not a raster image.
    """
    path = Path(path)
    with gdal_exceptions() as gdal:
        ds = open_raster(gdal, path)
        try:
            return _describe(gdal, ds, path)
        finally:
            ds = None


def _describe(gdal: Any, ds: Any, path: Path) -> ImageInfo:
    notes: list[str] = []
    descriptions, dtypes, nodata = [], [], []
    for number in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(number)
        descriptions.append(band.GetDescription() or "")
        dtypes.append(_numpy_dtype_name(gdal, band.DataType))
        nodata.append(band.GetNoDataValue())
    if len(set(dtypes)) > 1:
        notes.append(f"The bands have different data types ({', '.join(sorted(set(dtypes)))}).")

    crs_wkt, crs_epsg, crs_name = _crs(ds)
    if crs_wkt is None:
        notes.append(
            "The image has no CRS: assign the right one (e.g. Layer Properties > Source in QGIS, "
            "or gdal_edit.py -a_srs EPSG:4548) before combining it with other data; CityTwin does not guess it."
        )

    gt = ds.GetGeoTransform(can_return_null=True)
    geotransform = tuple(float(v) for v in gt) if gt else None
    bounds = pixel_size = None
    if geotransform is None:
        notes.append("The image has no geotransform: pixel positions have no map coordinates.")
    else:
        bounds = _bounds(geotransform, ds.RasterXSize, ds.RasterYSize)
        _, px, rx, _, ry, py = geotransform
        pixel_size = (math.hypot(px, ry), math.hypot(rx, py))
        if rx or ry:
            notes.append("The image is rotated (geotransform with rotation terms); bounds enclose its corners.")

    metadata = {str(k): str(v) for k, v in (ds.GetMetadata() or {}).items()}
    acquired, acquired_from = _acquisition_time(metadata)
    if acquired_from == "TIFFTAG_DATETIME":
        notes.append(
            "The acquisition time comes from TIFFTAG_DATETIME, which the TIFF standard defines as the "
            "file's creation time: check it against the product's metadata."
        )
    return ImageInfo(
        path=str(path),
        driver=ds.GetDriver().ShortName,
        width=ds.RasterXSize,
        height=ds.RasterYSize,
        band_count=ds.RasterCount,
        band_descriptions=tuple(descriptions),
        dtype=dtypes[0],
        dtypes=tuple(dtypes),
        nodata=tuple(nodata),
        crs_wkt=crs_wkt,
        crs_epsg=crs_epsg,
        crs_name=crs_name,
        geotransform=geotransform,
        bounds=bounds,
        pixel_size=pixel_size,
        acquired=acquired,
        acquired_from=acquired_from,
        metadata=metadata,
        notes=tuple(notes),
    )


def _crs(ds: Any) -> tuple[str | None, int | None, str | None]:
    srs = ds.GetSpatialRef()
    if srs is None or srs.Validate() != 0:
        return None, None, None
    epsg = None
    code = srs.GetAuthorityCode(None)
    if srs.GetAuthorityName(None) == "EPSG" and code and code.isdigit():
        epsg = int(code)
    return srs.ExportToWkt(["FORMAT=WKT2_2019"]), epsg, srs.GetName()


def _bounds(gt: tuple[float, ...], width: int, height: int) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for col, row in ((0, 0), (width, 0), (0, height), (width, height)):
        xs.append(gt[0] + col * gt[1] + row * gt[2])
        ys.append(gt[3] + col * gt[4] + row * gt[5])
    return min(xs), min(ys), max(xs), max(ys)


#: Metadata items holding the acquisition time, most specific first. TIFFTAG_DATETIME
#: is last: TIFF defines it as the file's creation time, often not the acquisition.
ACQUISITION_ITEMS = ("DATATAKE_SENSING_START", "ACQUISITION_DATE", "DATE_ACQUIRED", "TIFFTAG_DATETIME")

_DATETIME = re.compile(
    r"^(\d{4})[-:/](\d{2})[-:/](\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def _zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_datetime(text: str) -> dt.datetime | None:
    """Parse the date/time forms found in image metadata; None when not one of them.

    Accepts ``"2022:03:05 03:15:09"`` (TIFF), ISO 8601 with ``T`` or a space, any number
    of fractional digits (truncated to microseconds) and ``Z`` or ``±hh:mm``, and a bare
    date (midnight).
    """
    match = _DATETIME.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=_zone(zone),
        )
    except ValueError:  # 2022-02-30 and friends
        return None


def _acquisition_time(metadata: Mapping[str, str]) -> tuple[dt.datetime | None, str | None]:
    upper = {key.upper(): value for key, value in metadata.items()}
    for item in ACQUISITION_ITEMS:
        if item not in upper:
            continue
        when = parse_datetime(upper[item])
        if when is None:
            continue
        # Landsat MTL: DATE_ACQUIRED = 2023-05-01, SCENE_CENTER_TIME = "02:58:21.1234560Z".
        time = _TIME.match(upper.get("SCENE_CENTER_TIME", "").strip().strip('"'))
        if item == "DATE_ACQUIRED" and time and len(upper[item].strip()) == 10:
            hour, minute, second, fraction, zone = time.groups()
            when = when.replace(
                hour=int(hour),
                minute=int(minute),
                second=int(second or 0),
                microsecond=int((fraction or "0")[:6].ljust(6, "0")),
                tzinfo=_zone(zone),
            )
            return when, "DATE_ACQUIRED + SCENE_CENTER_TIME"
        return when, item
    return None, None


# -- which band is which -------------------------------------------------------------
@dataclass(frozen=True)
class BandSelection:
    """Which input band plays which role, and why.

    Attributes
    ----------
    positions
        Role -> 1-based band number in the input.
    names
        Role -> the sensor's band name (``"B4"``).
    rules
        Role -> the rule that chose it, in words.
    notes
        Warnings about the choice.
    """

    positions: dict[str, int]
    names: dict[str, str]
    rules: dict[str, str]
    notes: tuple[str, ...] = ()


_RESOLUTION_SUFFIX = re.compile(r"[_-](10|20|60)M$")
_BAND_TAIL = re.compile(r"(SR_B\d+|B\d+A?)$")


def _description_keys(text: str) -> list[str]:
    """Candidate band names in a description or file name, most literal first."""
    text = text.strip().upper()
    if not text:
        return []
    candidates = [text, re.split(r"[\s,;:()\[\]]+", text)[0], text.replace(" ", "")]
    for candidate in list(candidates):
        stripped = _RESOLUTION_SUFFIX.sub("", candidate)
        candidates.append(stripped)
        tail = _BAND_TAIL.search(stripped)
        if tail:
            candidates.append(tail.group(1))
    return list(dict.fromkeys(c for c in candidates if c))


def _described_bands(sensor: SensorBands, descriptions: Sequence[str], source: str) -> dict[str, tuple[int, str]]:
    """Sensor band name -> (1-based position, description) for recognised descriptions."""
    alias_to_name = {alias: band.name for band in sensor.bands for alias in band.aliases}
    found: dict[str, tuple[int, str]] = {}
    for position, description in enumerate(descriptions, start=1):
        for key in _description_keys(description):
            name = alias_to_name.get(key)
            if name is None:
                continue
            if name in found:
                other = found[name][0]
                raise InputError(
                    f"bands {other} and {position} are both described as {sensor.title} band {name} "
                    f"('{found[name][1]}', '{description}'); fix the descriptions or give band_positions",
                    source=source,
                )
            found[name] = (position, description)
            break
    return found


def select_bands(
    sensor: str | SensorBands,
    descriptions: Sequence[str],
    roles: Sequence[str],
    band_positions: Mapping[str, int] | None = None,
    source: str | Path | None = None,
) -> BandSelection:
    """Decide which band of an image plays each of ``roles``.

    Parameters
    ----------
    sensor
        Key of :data:`SENSORS` or a :class:`SensorBands`.
    descriptions
        The image's band descriptions, in band order ("" for none); their number is the
        band count.
    roles
        The roles needed (``"red"``, ``"nir"``, ...).
    band_positions
        Role -> 1-based band number, overriding everything else.
    source
        The file, for error messages.

    Returns
    -------
    BandSelection

    Raises
    ------
    InputError
        When the sensor has no band for a role, a position is out of range, two bands
        carry the same description, or the image has too few bands for the default stack.
    """
    sensor = get_sensor(sensor)
    source = str(source) if source is not None else None
    band_count = len(descriptions)
    given = dict(band_positions or {})
    for role, position in given.items():
        if role not in ROLES and role != "nir_narrow":
            raise InputError(f"unknown band role '{role}'; use one of {', '.join(ROLES)}", source=source, field=role)
        if isinstance(position, bool) or not isinstance(position, (int, np.integer)):
            raise InputError(f"band position must be a whole number, got {position!r}", source=source, field=role)
        if not 1 <= int(position) <= band_count:
            raise InputError(
                f"band position {position} is outside 1..{band_count} (the image has {band_count} bands)",
                source=source,
                field=role,
            )
    described = _described_bands(sensor, descriptions, source or "")
    described_at = {position: name for name, (position, _) in described.items()}

    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    rules: dict[str, str] = {}
    notes: list[str] = []
    for role in roles:
        band = sensor.band_for_role(role)
        if band is None:
            raise InputError(
                f"{sensor.title} has no {ROLE_LABELS.get(role, role)} band; "
                f"its bands are {', '.join(b.name for b in sensor.bands)}",
                source=source,
                field=role,
            )
        names[role] = band.name
        if role in given:
            positions[role] = int(given[role])
            rules[role] = f"band_positions: band {positions[role]}"
        elif band.name in described:
            position, description = described[band.name]
            positions[role] = position
            rules[role] = f"band description '{description}' (band {position})"
        else:
            positions[role] = _default_position(sensor, band, role, band_count, described_at, source)
            rules[role] = f"default position {positions[role]} of the {sensor.title} stack"
            note = f"Default {sensor.title} band order: {', '.join(sensor.stack_order)}."
            if note not in notes:
                notes.append(note)
            if band_count > len(sensor.stack_order):
                note = (
                    f"The image has {band_count} bands, more than the {sensor.stack_label}; bands without a "
                    "recognised description were taken by their default position: check them."
                )
                if note not in notes:
                    notes.append(note)
    return BandSelection(positions=positions, names=names, rules=rules, notes=tuple(notes))


def _default_position(
    sensor: SensorBands,
    band: Band,
    role: str,
    band_count: int,
    described_at: dict[int, str],
    source: str | None,
) -> int:
    label = ROLE_LABELS.get(role, role)
    position = sensor.default_position(band.name)
    if position is None:
        raise InputError(
            f"no band is known to be {label}: give band_positions (e.g. {{'{role}': 3}}) "
            f"or band descriptions such as '{band.aliases[0].lower()}'",
            source=source,
            field=role,
        )
    if band_count < len(sensor.stack_order):
        # Fewer bands than the default stack: positions would point at the wrong bands
        # (e.g. band 4 of a B2,B3,B4,B8 stack is NIR, not red).
        raise InputError(
            f"too few bands for {sensor.title}: the image has {band_count}, the default {sensor.stack_label} "
            f"has {len(sensor.stack_order)}, and no band description says where {band.name} ({label}) is; "
            f"give band_positions (e.g. {{'{role}': 3}}) or set the band descriptions",
            source=source,
            field=role,
        )
    other = described_at.get(position)
    if other is not None and other != band.name:
        raise InputError(
            f"{band.name} ({label}) would be band {position} by default, but that band is described as {other}; "
            "give band_positions",
            source=source,
            field=role,
        )
    return position


# -- the input stack -----------------------------------------------------------------
@dataclass
class _Source:
    """One input band: the dataset holding it and how to read it."""

    path: Path
    ds: Any
    number: int
    description: str
    nodata: float | None
    scale_meta: tuple[float | None, float | None]


class _Stack:
    """Bands of one multiband file, or single-band files of the same grid, as one image."""

    def __init__(self, gdal: Any, paths: Sequence[Path]) -> None:
        self.sources: list[_Source] = []
        self.datasets: list[Any] = []
        first = None
        for path in paths:
            ds = open_raster(gdal, path)
            self.datasets.append(ds)
            if first is None:
                first = (path, ds)
            else:
                self._check_same_grid(first, path, ds)
            for number in range(1, ds.RasterCount + 1):
                band = ds.GetRasterBand(number)
                description = band.GetDescription() or ""
                if not description and len(paths) > 1 and ds.RasterCount == 1:
                    # Separate band files (Landsat's *_SR_B4.TIF, Sentinel-2's *_B04_10m.jp2)
                    # carry the band name in the file name only.
                    description = path.stem
                self.sources.append(
                    _Source(path, ds, number, description, band.GetNoDataValue(), (band.GetScale(), band.GetOffset()))
                )
        assert first is not None
        self.path, ds = first
        self.width, self.height = ds.RasterXSize, ds.RasterYSize
        self.projection = ds.GetProjection()
        gt = ds.GetGeoTransform(can_return_null=True)
        self.geotransform = tuple(gt) if gt else None
        self.info = _describe(gdal, ds, self.path)

    @staticmethod
    def _check_same_grid(first: tuple[Path, Any], path: Path, ds: Any) -> None:
        path0, ds0 = first
        if (ds.RasterXSize, ds.RasterYSize) != (ds0.RasterXSize, ds0.RasterYSize):
            raise InputError(
                f"inconsistent sizes: {ds.RasterXSize} x {ds.RasterYSize} pixels here, "
                f"{ds0.RasterXSize} x {ds0.RasterYSize} in {path0.name}; resample the bands to one grid first "
                "(e.g. Sentinel-2's 20 m B11 to 10 m)",
                source=path,
            )
        gt0, gt = ds0.GetGeoTransform(can_return_null=True), ds.GetGeoTransform(can_return_null=True)
        if (gt0 is None) != (gt is None) or (
            gt is not None and not np.allclose(gt, gt0, rtol=0, atol=1e-6 * max(1.0, abs(gt0[1])))
        ):
            raise InputError(f"the band's geotransform differs from that of {path0.name}", source=path)
        srs0, srs = ds0.GetSpatialRef(), ds.GetSpatialRef()
        if (srs0 is None) != (srs is None) or (srs is not None and not srs.IsSame(srs0)):
            raise InputError(f"the band's CRS differs from that of {path0.name}", source=path)

    @property
    def descriptions(self) -> list[str]:
        return [source.description for source in self.sources]

    def read(self, position: int, row: int, rows: int) -> np.ndarray:
        source = self.sources[position - 1]
        try:
            return source.ds.GetRasterBand(source.number).ReadAsArray(0, row, self.width, rows)
        except RuntimeError as exc:
            raise InputError(
                f"band {source.number} cannot be read at rows {row + 1}-{row + rows} ({exc})", source=source.path
            ) from exc

    def block_rows(self, requested: int | None) -> int:
        source = self.sources[0]
        return _block_rows(source.ds.GetRasterBand(source.number), self.width, requested)

    def close(self) -> None:
        self.sources.clear()
        self.datasets.clear()


# -- compute_indices -----------------------------------------------------------------
@dataclass
class IndexStats:
    """Counts and value range of one index image.

    Attributes
    ----------
    valid
        Pixels with a value.
    nodata
        Pixels written as nodata (any used band nodata, or zero denominator).
    zero_denominator
        Of ``nodata``, those whose denominator was 0.
    clipped
        Pixels clipped to ±1 from at most :data:`CLIP_TOLERANCE` outside.
    out_of_range
        Pixels further outside [-1, 1], written unchanged (bad scaling or negative
        reflectance).
    minimum, maximum, mean
        Of the valid values (None when there are none).
    """

    valid: int = 0
    nodata: int = 0
    zero_denominator: int = 0
    clipped: int = 0
    out_of_range: int = 0
    minimum: float | None = None
    maximum: float | None = None
    total: float = 0.0

    @property
    def mean(self) -> float | None:
        return self.total / self.valid if self.valid else None

    def add(self, values: np.ndarray) -> None:
        if not values.size:
            return
        self.valid += int(values.size)
        self.total += float(values.sum(dtype=np.float64))
        low, high = float(values.min()), float(values.max())
        self.minimum = low if self.minimum is None else min(self.minimum, low)
        self.maximum = high if self.maximum is None else max(self.maximum, high)


@dataclass(frozen=True)
class Scaling:
    """Reflectance = ``(DN + dn_offset) * scale + offset``; ``source`` says where each came from."""

    scale: float
    offset: float
    dn_offset: float
    source: str


@dataclass
class IndexReport:
    """What :func:`compute_indices` wrote.

    Attributes
    ----------
    source
        The input image (the first file for a list of band files).
    sensor
        Key of the sensor used.
    paths
        Index key -> output GeoTIFF.
    stats
        Index key -> :class:`IndexStats`.
    bands
        Which band was used for each role, and why.
    scaling
        The reflectance scaling applied.
    notes
        Other things the user should know, one sentence each.
    """

    source: str
    sensor: str
    paths: dict[str, Path] = field(default_factory=dict)
    stats: dict[str, IndexStats] = field(default_factory=dict)
    bands: BandSelection | None = None
    scaling: Scaling | None = None
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def summary(self) -> str:
        """One paragraph for the user, e.g. for ``feedback.pushInfo``."""
        parts = []
        for key, stats in self.stats.items():
            title = INDICES[key].title
            if stats.valid:
                parts.append(
                    f"{title}: {stats.valid:,} pixels, {stats.minimum:.3f} to {stats.maximum:.3f}, "
                    f"mean {stats.mean:.3f}, {stats.nodata:,} nodata"
                )
            else:
                parts.append(f"{title}: no valid pixel ({stats.nodata:,} nodata)")
        text = f"{Path(self.source).name} ({SENSORS[self.sensor].title if self.sensor in SENSORS else self.sensor}): "
        text += "; ".join(parts)
        if self.bands:
            text += ". Bands: " + ", ".join(
                f"{ROLE_LABELS.get(role, role)} = {self.bands.names[role]} from {rule}"
                for role, rule in self.bands.rules.items()
            )
        if self.notes:
            text += ". " + " ".join(self.notes)
        return text


def _normalise_indices(indices: Sequence[str] | str) -> list[str]:
    if isinstance(indices, str):
        indices = [indices]
    keys = list(dict.fromkeys(str(name).strip().lower() for name in indices))
    if not keys:
        raise InputError("no index requested; choose from " + ", ".join(INDICES), field="indices")
    unknown = [key for key in keys if key not in INDICES]
    if unknown:
        raise InputError(
            f"unknown index {', '.join(unknown)}; available: {', '.join(INDICES)}",
            field="indices",
        )
    return keys


def _check_sensor_supports(sensor: SensorBands, keys: Sequence[str], source: Path) -> None:
    for key in keys:
        definition = INDICES[key]
        missing = [role for role in (definition.a, definition.b) if sensor.band_for_role(role) is None]
        if not missing:
            continue
        labels = " and ".join(ROLE_LABELS[role] for role in missing)
        kind = "no SWIR band" if any(role.startswith("swir") for role in missing) else f"no {labels} band"
        bands = ", ".join(f"{b.name} {ROLE_LABELS[b.role]}" if b.role else b.name for b in sensor.bands)
        raise InputError(
            f"{definition.title} = {definition.formula} needs {labels}, and {sensor.title} has {kind} "
            f"(its bands: {bands}), so {definition.title} is not available; leave it out, or use the "
            "'generic' sensor for a stack that has such a band",
            source=source,
            field="indices",
        )


def _scaling(
    sensor: SensorBands,
    stack: _Stack,
    positions: Mapping[str, int],
    scale: float | None,
    offset: float | None,
    dn_offset: float | None,
) -> Scaling:
    sources = []
    if scale is None:
        scale = sensor.scale
    else:
        sources.append(f"scale {scale} given")
    if offset is None:
        offset = sensor.offset
    else:
        sources.append(f"offset {offset} given")
    if dn_offset is not None:
        sources.append(f"dn_offset {dn_offset} given")
    elif sensor.key == SENTINEL2_L2A.key:
        dn_offset, why = _sentinel2_offset(stack, positions)
        sources.append(why)
    else:
        dn_offset = sensor.dn_offset
    text = f"reflectance = (DN + {dn_offset:g}) * {scale:g} + {offset:g}"
    if sources:
        text += " (" + "; ".join(sources) + ")"
    else:
        text += f" ({sensor.title} default)"
    for value, name in ((scale, "scale"), (offset, "offset"), (dn_offset, "dn_offset")):
        if not math.isfinite(value):
            raise InputError(f"{name} must be a finite number, got {value}", source=stack.path, field=name)
    if scale == 0:
        raise InputError("scale must not be 0", source=stack.path, field="scale")
    return Scaling(float(scale), float(offset), float(dn_offset), text)


def _sentinel2_offset(stack: _Stack, positions: Mapping[str, int]) -> tuple[float, str]:
    """BOA_ADD_OFFSET from the product metadata when it is there, else the baseline-04.00 value."""
    values: set[float] = set()
    baseline = None
    metadata = [stack.info.metadata]
    for position in positions.values():
        source = stack.sources[position - 1]
        metadata.append(source.ds.GetRasterBand(source.number).GetMetadata() or {})
    for items in metadata:
        for key, value in items.items():
            upper = str(key).upper()
            if "BOA_ADD_OFFSET" in upper:
                with contextlib.suppress(ValueError):
                    values.add(float(value))
            elif upper == "PROCESSING_BASELINE":
                with contextlib.suppress(ValueError):
                    baseline = float(value)
    if len(values) == 1:
        value = values.pop()
        return value, f"BOA_ADD_OFFSET {value:g} from the file's metadata"
    if len(values) > 1:
        raise InputError(
            f"the metadata gives several BOA_ADD_OFFSET values ({', '.join(f'{v:g}' for v in sorted(values))}); "
            "give dn_offset",
            source=stack.path,
            field="dn_offset",
        )
    if baseline is not None:
        value = S2_BOA_ADD_OFFSET if baseline >= 4.0 else 0.0
        return value, f"BOA_ADD_OFFSET {value:g} for processing baseline {baseline:05.2f} from the file's metadata"
    return S2_BOA_ADD_OFFSET, (
        f"BOA_ADD_OFFSET {S2_BOA_ADD_OFFSET:g} assumed (processing baseline 04.00 and later, products from "
        "25 January 2022 on); give dn_offset=0 for older products"
    )


def _output_stem(paths: Sequence[Path], out_stem: str | None) -> str:
    if out_stem:
        return out_stem
    if len(paths) == 1:
        return paths[0].stem
    # Character-wise on purpose: band file names differ only in their last characters.
    prefix = os.path.commonprefix([p.stem for p in paths])  # noqa: RUF071
    # Band files differ in their band suffix only: LC09_..._T1_SR_B4 / _SR_B5 -> LC09_..._T1.
    prefix = re.sub(r"[_\-. ]*(?:SR_)?(?:B\d*)?$", "", prefix, flags=re.IGNORECASE)
    return prefix or "image"


def compute_indices(
    path: str | Path | Sequence[str | Path],
    sensor: str | SensorBands,
    out_dir: str | Path,
    indices: Sequence[str] | str = ("ndvi", "ndbi", "ndwi"),
    band_positions: Mapping[str, int] | None = None,
    scale: float | None = None,
    offset: float | None = None,
    dn_offset: float | None = None,
    out_stem: str | None = None,
    block_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> IndexReport:
    """Write NDVI / NDBI / NDWI GeoTIFFs of a multiband image.

    Parameters
    ----------
    path
        A multiband raster, or a list of single-band files of one grid (band order =
        list order; their file names are read like band descriptions).
    sensor
        Key of :data:`SENSORS` (``"sentinel2_l2a"``, ``"landsat_c2_l2"``, ``"gf2_pms"``,
        ``"generic"``) or a :class:`SensorBands`.
    out_dir
        Folder for the outputs (created if missing).
    indices
        Any of ``"ndvi"``, ``"ndbi"``, ``"ndwi"``.
    band_positions
        Role -> 1-based band number (``{"red": 3, "nir": 4}``), overriding descriptions
        and the default stack order.
    scale, offset, dn_offset
        Reflectance = ``(DN + dn_offset) * scale + offset``; None takes the sensor's
        value (for Sentinel-2, ``dn_offset`` is BOA_ADD_OFFSET: the file's metadata value
        when present, else -1000, right for products since 25 January 2022).
    out_stem
        Output names are ``<out_stem>_<index>.tif``; default the input's file stem.
    block_rows
        Rows per block (default: about :data:`DEFAULT_BLOCK_ROWS`, a multiple of the
        file's block height).
    progress, is_canceled
        Progress (0-1) and cancel callbacks; cancel raises
        :class:`~citytwin.common.errors.Canceled` and leaves no output.

    Returns
    -------
    IndexReport
        Output paths, per-index statistics, the bands and scaling used, notes.

    Raises
    ------
    InputError
        Unreadable or empty input, a sensor lacking a band an index needs (NDBI on
        GF-2), too few bands, bands of different sizes, bad band positions.
    """
    paths = [Path(p) for p in ([path] if isinstance(path, (str, Path)) else path)]
    if not paths:
        raise InputError("no input image given", field="path")
    sensor = get_sensor(sensor)
    keys = _normalise_indices(indices)
    _check_sensor_supports(sensor, keys, paths[0])
    out_dir = Path(out_dir)
    roles = list(dict.fromkeys(role for key in keys for role in (INDICES[key].a, INDICES[key].b)))

    with gdal_exceptions() as gdal:
        stack = _Stack(gdal, paths)
        try:
            selection = select_bands(sensor, stack.descriptions, roles, band_positions, source=stack.path)
            scaling = _scaling(sensor, stack, selection.positions, scale, offset, dn_offset)
            report = IndexReport(source=str(stack.path), sensor=sensor.key, bands=selection, scaling=scaling)
            for text in (*selection.notes, *stack.info.notes):
                report.note(text)
            _note_band_scaling_metadata(stack, selection, report)
            if sensor.key == GF2_PMS.key and scale is None and offset is None:
                report.note(
                    "GF-2 values were not calibrated (gain 1, offset 0): the indices are relative, comparable "
                    "within this scene only."
                )
            out_dir.mkdir(parents=True, exist_ok=True)
            stem = _output_stem(paths, out_stem)
            targets = {key: out_dir / f"{stem}_{key}.tif" for key in keys}
            _write_indices(
                gdal, stack, sensor, keys, selection, scaling, targets, report, block_rows, progress, is_canceled
            )
        finally:
            stack.close()
    progress(1.0)
    return report


def _note_band_scaling_metadata(stack: _Stack, selection: BandSelection, report: IndexReport) -> None:
    # A file may carry its own GDAL scale/offset (e.g. a stack exported as reflectance
    # with scale 0.0001): applying both would scale twice, so say so rather than guess.
    for role, position in selection.positions.items():
        band_scale, band_offset = stack.sources[position - 1].scale_meta
        if (band_scale not in (None, 1.0)) or (band_offset not in (None, 0.0)):
            report.note(
                f"Band {position} ({ROLE_LABELS[role]}) declares its own scale {band_scale} / offset {band_offset}, "
                f"which was not applied ({report.scaling.source if report.scaling else ''}): check the scaling."
            )


def _write_indices(
    gdal: Any,
    stack: _Stack,
    sensor: SensorBands,
    keys: Sequence[str],
    selection: BandSelection,
    scaling: Scaling,
    targets: Mapping[str, Path],
    report: IndexReport,
    block_rows: int | None,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> None:
    """Compute block by block into temporary files; move them onto ``targets`` at the end."""
    driver = gdal.GetDriverByName("GTiff")
    temps: dict[str, Path] = {}
    outputs: dict[str, Any] = {}
    stats = {key: IndexStats() for key in keys}
    try:
        for key, target in targets.items():
            # Same folder as the target, so that os.replace is a rename on one file system.
            # GDAL creates the file (not mkstemp, whose 0600 mode would make the output
            # private): the user's umask applies, as for any other file.
            temps[key] = target.parent / f".{target.stem}.{uuid.uuid4().hex[:12]}.tmp.tif"
            outputs[key] = _create_output(driver, temps[key], stack, sensor, INDICES[key], scaling)

        rows_per_block = stack.block_rows(block_rows)
        roles = list(selection.positions)
        for row in range(0, stack.height, rows_per_block):
            check_canceled(is_canceled)
            rows = min(rows_per_block, stack.height - row)
            reflectance, invalid = {}, {}
            for role in roles:
                position = selection.positions[role]
                dn = stack.read(position, row, rows)
                reflectance[role], invalid[role] = _to_reflectance(
                    dn, stack.sources[position - 1].nodata, sensor, scaling
                )
            for key in keys:
                definition = INDICES[key]
                values = _normalised_difference(
                    reflectance[definition.a],
                    reflectance[definition.b],
                    invalid[definition.a] | invalid[definition.b],
                    stats[key],
                )
                outputs[key].GetRasterBand(1).WriteArray(values, 0, row)
            progress(min(row + rows, stack.height) / stack.height * 0.99)

        for key, ds in outputs.items():
            ds.GetRasterBand(1).SetMetadataItem("STATISTICS_VALID_PERCENT", _percent(stats[key], stack))
            ds.FlushCache()
        outputs.clear()  # closes the files: they must be complete before they get their names
        for key, target in targets.items():
            temps[key].replace(target)  # os.replace: atomic on one file system
            report.paths[key] = target
    except BaseException:
        outputs.clear()
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        raise

    for key in keys:
        report.stats[key] = stats[key]
        title = INDICES[key].title
        if stats[key].out_of_range:
            report.note(
                f"{title}: {stats[key].out_of_range:,} pixels lie outside [-1, 1] (negative reflectance or wrong "
                "scaling); they were written unchanged: check the scale/offset."
            )
        if stats[key].valid == 0:
            report.note(f"{title}: no valid pixel (every pixel is nodata or has a zero denominator).")


def _percent(stats: IndexStats, stack: _Stack) -> str:
    return f"{100.0 * stats.valid / (stack.width * stack.height):.4g}"


def _create_output(
    driver: Any, path: Path, stack: _Stack, sensor: SensorBands, definition: IndexDefinition, scaling: Scaling
) -> Any:
    from osgeo import gdal

    ds = driver.Create(
        str(path),
        stack.width,
        stack.height,
        1,
        gdal.GDT_Float32,
        options=["TILED=YES", "COMPRESS=LZW", "PREDICTOR=3", "BIGTIFF=IF_SAFER"],
    )
    if stack.geotransform is not None:
        ds.SetGeoTransform(stack.geotransform)
    if stack.projection:
        ds.SetProjection(stack.projection)
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(INDEX_NODATA)
    band.SetDescription(definition.title)
    metadata = {
        "INDEX": definition.title,
        "FORMULA": definition.formula,
        "REFERENCE": definition.reference,
        "SENSOR": sensor.title,
        "REFLECTANCE": scaling.source,
        "SOURCE": stack.path.name,
    }
    if stack.info.acquired is not None:
        metadata["ACQUISITION_DATETIME"] = stack.info.acquired.isoformat()
    ds.SetMetadata(metadata)
    band = None
    return ds


def _to_reflectance(
    dn: np.ndarray, nodata: float | None, sensor: SensorBands, scaling: Scaling
) -> tuple[np.ndarray, np.ndarray]:
    """Reflectance (float64) and the nodata mask of one block of one band."""
    values = dn.astype(np.float64)
    invalid = ~np.isfinite(values)
    if nodata is not None and math.isfinite(nodata):  # a NaN nodata is caught by isfinite
        invalid |= values == nodata
    if sensor.nodata_dn is not None:
        invalid |= values == sensor.nodata_dn
    reflectance = (values + scaling.dn_offset) * scaling.scale + scaling.offset
    return reflectance, invalid


def _normalised_difference(a: np.ndarray, b: np.ndarray, invalid: np.ndarray, stats: IndexStats) -> np.ndarray:
    """``(a - b) / (a + b)`` as float32 with :data:`INDEX_NODATA` where undefined; updates ``stats``."""
    denominator = a + b
    zero = (denominator == 0) & ~invalid
    bad = invalid | (denominator == 0)
    good = ~bad
    values = (a[good] - b[good]) / denominator[good]
    magnitude = np.abs(values)
    near = (magnitude > 1.0) & (magnitude <= 1.0 + CLIP_TOLERANCE)
    values[near] = np.sign(values[near])
    stats.clipped += int(near.sum())
    stats.out_of_range += int((magnitude > 1.0 + CLIP_TOLERANCE).sum())
    stats.nodata += int(bad.sum())
    stats.zero_denominator += int(zero.sum())
    out = np.full(a.shape, INDEX_NODATA, dtype=np.float32)
    out[good] = values.astype(np.float32)
    stats.add(out[good].astype(np.float64))
    return out


# -- read_index_samples --------------------------------------------------------------
def read_index_samples(
    path: str | Path,
    band: int = 1,
    block_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel-centre coordinates and values of the valid pixels of a single-band raster.

    Meant for aggregating index values onto another grid. Read in blocks of rows; the
    result holds the valid pixels only (memory grows with their number).

    Parameters
    ----------
    path
        An index GeoTIFF (or any raster).
    band
        1-based band number.
    block_rows
        Rows per block (default: about :data:`DEFAULT_BLOCK_ROWS`).
    progress, is_canceled
        Progress (0-1) and cancel callbacks.

    Returns
    -------
    x, y : numpy.ndarray
        float64 pixel-centre coordinates in the raster's CRS, row by row.
    values : numpy.ndarray
        float32 values; pixels equal to the band's nodata value or NaN are left out.

    Raises
    ------
    InputError
        When the file is unreadable, has no geotransform, or has no band ``band``.
    """
    path = Path(path)
    with gdal_exceptions() as gdal:
        ds = open_raster(gdal, path)
        try:
            if not 1 <= band <= ds.RasterCount:
                raise InputError(f"there is no band {band} (the file has {ds.RasterCount})", source=path, field="band")
            gt = ds.GetGeoTransform(can_return_null=True)
            if not gt:
                raise InputError("the raster has no geotransform, so its pixels have no coordinates", source=path)
            raster = ds.GetRasterBand(band)
            nodata = raster.GetNoDataValue()
            width, height = ds.RasterXSize, ds.RasterYSize
            rows_per_block = _block_rows(raster, width, block_rows)
            col_centres = np.arange(width, dtype=np.float64) + 0.5
            xs, ys, values = [], [], []
            for row in range(0, height, rows_per_block):
                check_canceled(is_canceled)
                rows = min(rows_per_block, height - row)
                try:
                    block = raster.ReadAsArray(0, row, width, rows).astype(np.float32)
                except RuntimeError as exc:
                    raise InputError(f"rows {row + 1}-{row + rows} cannot be read ({exc})", source=path) from exc
                valid = np.isfinite(block)
                if nodata is not None and math.isfinite(nodata):
                    valid &= block != np.float32(nodata)
                r, c = np.nonzero(valid)
                col = col_centres[c]
                line = r.astype(np.float64) + row + 0.5
                xs.append(gt[0] + col * gt[1] + line * gt[2])
                ys.append(gt[3] + col * gt[4] + line * gt[5])
                values.append(block[r, c])
                progress((row + rows) / height)
            raster = None
        finally:
            ds = None
    return (
        np.concatenate(xs) if xs else np.empty(0, np.float64),
        np.concatenate(ys) if ys else np.empty(0, np.float64),
        np.concatenate(values) if values else np.empty(0, np.float32),
    )
