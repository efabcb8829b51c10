"""Spectral indices against small GeoTIFFs whose index values are worked out by hand.

Every expected value below is a closed-form fraction of the chosen DNs, e.g. for
Sentinel-2 with BOA_ADD_OFFSET -1000, red DN 1500 and NIR DN 4500 give reflectances
0.05 and 0.35, so NDVI = 0.30 / 0.40 = 3/4.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.imagery import (
    INDEX_NODATA,
    SENSORS,
    compute_indices,
    describe_image,
    get_sensor,
    parse_datetime,
    read_index_samples,
    select_bands,
)

BEIJING_GK = 4548  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
GT = (440000.0, 10.0, 0.0, 4420000.0, 0.0, -10.0)


def write_tif(
    path,
    bands,
    data_type=gdal.GDT_UInt16,
    nodata=0,
    epsg=BEIJING_GK,
    geotransform=GT,
    descriptions=None,
    metadata=None,
):
    """A GeoTIFF with one band per 2-D array in ``bands``."""
    bands = [np.asarray(b) for b in bands]
    height, width = bands[0].shape
    ds = gdal.GetDriverByName("GTiff").Create(str(path), width, height, len(bands), data_type)
    if geotransform is not None:
        ds.SetGeoTransform(geotransform)
    if epsg is not None:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
        ds.SetProjection(srs.ExportToWkt())
    if metadata:
        ds.SetMetadata(metadata)
    for number, array in enumerate(bands, start=1):
        band = ds.GetRasterBand(number)
        band.WriteArray(array)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if descriptions:
            band.SetDescription(descriptions[number - 1])
    ds = None
    return path


def read_tif(path):
    ds = gdal.Open(str(path))
    array = ds.GetRasterBand(1).ReadAsArray()
    ds = None
    return array


# -- Sentinel-2: 4 x 3 pixels, 12-band L2A stack ---------------------------------------
# DNs of (B3 green, B4 red, B8 NIR, B11 SWIR1) per pixel pattern.
S2_PATTERNS = {
    "P1": (1500, 1500, 4500, 3000),
    "P2": (2000, 1200, 3000, 2600),
    "P3": (1800, 1400, 1200, 1100),  # water
    "P4": (2200, 2400, 2600, 3400),  # built-up
    "P5": (1500, 0, 4500, 3000),  # red is nodata: NDVI nodata, NDBI/NDWI fine
    "P6": (1000, 1000, 1000, 1000),  # every reflectance 0 with the -1000 offset
    "P7": (0, 0, 0, 0),  # fill
}
S2_GRID = [["P1", "P2", "P3", "P4"], ["P5", "P6", "P7", "P1"], ["P4", "P3", "P2", "P1"]]

# (NDVI, NDBI, NDWI) worked by hand; None = nodata.
# BOA_ADD_OFFSET -1000: reflectance * 10000 = DN - 1000 (the 1/10000 cancels in each ratio).
S2_EXPECTED_OFFSET = {
    "P1": (3000 / 4000, -1500 / 5500, -3000 / 4000),  # g 500, r 500, n 3500, s 2000
    "P2": (1800 / 2200, -400 / 3600, -1000 / 3000),  # g 1000, r 200, n 2000, s 1600
    "P3": (-200 / 600, -100 / 300, 600 / 1000),  # g 800, r 400, n 200, s 100
    "P4": (200 / 3000, 800 / 4000, -400 / 2800),  # g 1200, r 1400, n 1600, s 2400
    "P5": (None, -1500 / 5500, -3000 / 4000),
    "P6": (None, None, None),  # 0 / 0
    "P7": (None, None, None),
}
# No offset (processing baseline < 04.00): reflectance * 10000 = DN.
S2_EXPECTED_NO_OFFSET = {
    "P1": (3000 / 6000, -1500 / 7500, -3000 / 6000),
    "P2": (1800 / 4200, -400 / 5600, -1000 / 5000),
    "P3": (-200 / 2600, -100 / 2300, 600 / 3000),
    "P4": (200 / 5000, 800 / 6000, -400 / 4800),
    "P5": (None, -1500 / 7500, -3000 / 6000),
    "P6": (0.0, 0.0, 0.0),  # 0.1 - 0.1 over 0.2
    "P7": (None, None, None),
}
S2_ORDER = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12")
S2_ROLE_OF = {"B3": 0, "B4": 1, "B8": 2, "B11": 3}


def s2_band_arrays():
    """Band name -> 3 x 4 DN array; bands no index uses hold 777."""
    arrays = {}
    for name in S2_ORDER:
        if name in S2_ROLE_OF:
            k = S2_ROLE_OF[name]
            arrays[name] = np.array([[S2_PATTERNS[p][k] for p in row] for row in S2_GRID], dtype=np.uint16)
        else:
            arrays[name] = np.full((3, 4), 777, dtype=np.uint16)
    # The fill pixel is 0 in every band, as in a real product.
    arrays = {name: np.where(np.array(S2_GRID) == "P7", 0, a).astype(np.uint16) for name, a in arrays.items()}
    return arrays


def write_s2(path, order=S2_ORDER, descriptions=None, metadata=None):
    arrays = s2_band_arrays()
    return write_tif(path, [arrays[name] for name in order], descriptions=descriptions, metadata=metadata)


def expected_grid(table, which):
    values = np.array([[np.nan if table[p][which] is None else table[p][which] for p in row] for row in S2_GRID])
    return values


def assert_index(path, expected):
    actual = read_tif(path).astype(np.float64)
    nodata = np.isnan(expected)
    np.testing.assert_array_equal(actual == INDEX_NODATA, nodata)
    np.testing.assert_allclose(actual[~nodata], expected[~nodata], rtol=1e-6, atol=1e-7)


def test_sentinel2_indices_with_the_baseline_04_offset(tmp_path):
    image = write_s2(tmp_path / "s2.tif")
    report = compute_indices(image, "sentinel2_l2a", tmp_path / "out")
    assert set(report.paths) == {"ndvi", "ndbi", "ndwi"}
    assert report.paths["ndvi"] == tmp_path / "out" / "s2_ndvi.tif"
    for which, key in enumerate(("ndvi", "ndbi", "ndwi")):
        assert_index(report.paths[key], expected_grid(S2_EXPECTED_OFFSET, which))
    assert report.scaling.dn_offset == -1000
    assert report.scaling.scale == pytest.approx(1e-4)
    assert "assumed" in report.scaling.source
    # Positions came from the default 12-band stack (the file has no descriptions).
    assert report.bands.positions == {"nir": 8, "red": 4, "swir1": 11, "green": 3}
    assert "default position 11" in report.bands.rules["swir1"]


def test_sentinel2_statistics(tmp_path):
    report = compute_indices(write_s2(tmp_path / "s2.tif"), "sentinel2_l2a", tmp_path, indices=["ndvi", "ndbi"])
    ndvi = report.stats["ndvi"]
    # Valid: P1 x3, P2 x2, P3 x2, P4 x2; nodata: P5 (red nodata), P6 (0/0), P7 (fill).
    assert (ndvi.valid, ndvi.nodata, ndvi.zero_denominator) == (9, 3, 1)
    assert ndvi.minimum == pytest.approx(-1 / 3, rel=1e-6)
    assert ndvi.maximum == pytest.approx(9 / 11, rel=1e-6)
    assert ndvi.mean == pytest.approx((3 * 3 / 4 + 2 * 9 / 11 - 2 / 3 + 2 / 15) / 9, rel=1e-6)
    ndbi = report.stats["ndbi"]
    assert (ndbi.valid, ndbi.nodata) == (10, 2)  # P5 has no red, which NDBI does not use
    assert ndbi.out_of_range == 0 and ndbi.clipped == 0
    assert "ndwi" not in report.paths and not (tmp_path / "s2_ndwi.tif").exists()
    assert "NDVI: 9 pixels" in report.summary()


def test_sentinel2_without_offset_gives_other_values(tmp_path):
    image = write_s2(tmp_path / "s2.tif")
    report = compute_indices(image, "sentinel2_l2a", tmp_path / "out", dn_offset=0)
    for which, key in enumerate(("ndvi", "ndbi", "ndwi")):
        assert_index(report.paths[key], expected_grid(S2_EXPECTED_NO_OFFSET, which))
    assert report.stats["ndvi"].valid == 10  # P6 is now 0, not 0/0
    assert report.stats["ndvi"].zero_denominator == 0


def test_sentinel2_offset_follows_the_processing_baseline_in_the_metadata(tmp_path):
    old = write_s2(tmp_path / "old.tif", metadata={"PROCESSING_BASELINE": "03.01"})
    report = compute_indices(old, "sentinel2_l2a", tmp_path, indices="ndvi")
    assert report.scaling.dn_offset == 0
    assert "03.01" in report.scaling.source
    assert_index(report.paths["ndvi"], expected_grid(S2_EXPECTED_NO_OFFSET, 0))
    new = write_s2(tmp_path / "new.tif", metadata={"BOA_ADD_OFFSET_B4": "-1000", "BOA_ADD_OFFSET_B8": "-1000"})
    report = compute_indices(new, "sentinel2_l2a", tmp_path, indices="ndvi")
    assert report.scaling.dn_offset == -1000
    assert "from the file's metadata" in report.scaling.source


@pytest.mark.parametrize(
    "style",
    [
        lambda name: name,  # B4
        lambda name: name[0] + name[1:].zfill(2) if name != "B8A" else name,  # B04
        lambda name: f"{name}, central wavelength 665 nm",  # GDAL's SENTINEL2 driver
        lambda name: f"T50SMK_20220305T030549_{name[0] + name[1:].zfill(2)}_20m",  # file-name style
    ],
    ids=["B4", "B04", "gdal-sentinel2", "file-name"],
)
def test_band_descriptions_override_the_default_order(tmp_path, style):
    shuffled = ("B12", "B8", "B1", "B11", "B2", "B9", "B4", "B3", "B8A", "B7", "B6", "B5")
    image = write_s2(tmp_path / "shuffled.tif", order=shuffled, descriptions=[style(n) for n in shuffled])
    report = compute_indices(image, "sentinel2_l2a", tmp_path / "out")
    for which, key in enumerate(("ndvi", "ndbi", "ndwi")):
        assert_index(report.paths[key], expected_grid(S2_EXPECTED_OFFSET, which))
    assert report.bands.positions == {"nir": 2, "red": 7, "swir1": 4, "green": 8}
    assert all("band description" in rule for rule in report.bands.rules.values())


def test_band_positions_override_descriptions(tmp_path):
    # Descriptions say band 4 is B4; the caller says red is band 3 (B3): the caller wins.
    image = write_s2(tmp_path / "s2.tif", descriptions=list(S2_ORDER))
    report = compute_indices(image, "sentinel2_l2a", tmp_path, indices="ndvi", band_positions={"red": 3})
    assert report.bands.positions["red"] == 3
    assert report.bands.rules["red"].startswith("band_positions")
    # NDVI from green (as "red") and NIR, offset -1000: P1 g 500, n 3500 -> 3000/4000.
    assert read_tif(report.paths["ndvi"])[0, 0] == pytest.approx(3000 / 4000)


def test_default_position_described_as_another_band_is_refused(tmp_path):
    descriptions = [""] * 12
    descriptions[3] = "B8"  # band 4, red by default, says it is NIR
    image = write_s2(tmp_path / "s2.tif", descriptions=descriptions)
    with pytest.raises(InputError, match="described as B8"):
        compute_indices(image, "sentinel2_l2a", tmp_path, indices="ndvi")


def test_two_bands_with_the_same_description_are_refused(tmp_path):
    descriptions = list(S2_ORDER)
    descriptions[4] = "B04"
    image = write_s2(tmp_path / "s2.tif", descriptions=descriptions)
    with pytest.raises(InputError, match="both described as"):
        compute_indices(image, "sentinel2_l2a", tmp_path, indices="ndvi")


def test_too_few_bands_for_the_sentinel2_stack(tmp_path):
    arrays = s2_band_arrays()
    image = write_tif(tmp_path / "four.tif", [arrays[n] for n in ("B2", "B3", "B4", "B8")])
    with pytest.raises(InputError, match="too few bands") as err:
        compute_indices(image, "sentinel2_l2a", tmp_path / "out", indices="ndvi")
    assert "12" in str(err.value) and "four.tif" in str(err.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # The same file works once the positions are given.
    report = compute_indices(image, "s2", tmp_path / "out", indices="ndvi", band_positions={"red": 3, "nir": 4})
    assert_index(report.paths["ndvi"], expected_grid(S2_EXPECTED_OFFSET, 0))


def test_out_of_range_values_are_counted_and_kept(tmp_path):
    # Red DN 500 with offset -1000 is reflectance -0.05; NIR DN 3000 is 0.2:
    # NDVI = 0.25 / 0.15 = 5/3, a sign of negative reflectance, written unchanged.
    arrays = [np.full((1, 2), 777, np.uint16) for _ in range(12)]
    arrays[3] = np.array([[500, 1500]], np.uint16)
    arrays[7] = np.array([[3000, 4500]], np.uint16)
    image = write_tif(tmp_path / "dark.tif", arrays)
    report = compute_indices(image, "sentinel2_l2a", tmp_path, indices="ndvi")
    np.testing.assert_allclose(read_tif(report.paths["ndvi"])[0], [5 / 3, 3000 / 4000], rtol=1e-6)
    assert report.stats["ndvi"].out_of_range == 1
    assert any("outside [-1, 1]" in note for note in report.notes)


# -- Landsat 8/9 Collection 2 Level-2 -------------------------------------------------
# Reflectance = DN * 0.0000275 - 0.2: DN 8000 -> 0.02, 10000 -> 0.075, 12000 -> 0.13,
# 16000 -> 0.24, 20000 -> 0.35, 24000 -> 0.46.
LANDSAT_A = {"SR_B3": 12000, "SR_B4": 10000, "SR_B5": 20000, "SR_B6": 16000}
LANDSAT_B = {"SR_B3": 10000, "SR_B4": 8000, "SR_B5": 12000, "SR_B6": 24000}
LANDSAT_C = {"SR_B3": 10000, "SR_B4": 8000, "SR_B5": 0, "SR_B6": 24000}  # NIR is fill
LANDSAT_GRID = [[LANDSAT_A, LANDSAT_B, LANDSAT_C], [LANDSAT_B, LANDSAT_A, LANDSAT_A]]
# A: NDVI (0.35-0.075)/(0.35+0.075) = 11/17, NDBI (0.24-0.35)/0.59 = -11/59, NDWI (0.13-0.35)/0.48 = -11/24
# B: NDVI 0.11/0.15 = 11/15, NDBI 0.33/0.59 = 33/59, NDWI -0.055/0.205 = -11/41
LANDSAT_EXPECTED = {
    "ndvi": [[11 / 17, 11 / 15, None], [11 / 15, 11 / 17, 11 / 17]],
    "ndbi": [[-11 / 59, 33 / 59, None], [33 / 59, -11 / 59, -11 / 59]],
    "ndwi": [[-11 / 24, -11 / 41, None], [-11 / 41, -11 / 24, -11 / 24]],
}
LANDSAT_NAMES = [f"SR_B{i}" for i in range(1, 8)]


def landsat_arrays():
    return {
        name: np.array([[pixel.get(name, 9000) for pixel in row] for row in LANDSAT_GRID], dtype=np.uint16)
        for name in LANDSAT_NAMES
    }


def as_expected(rows):
    return np.array([[np.nan if v is None else v for v in row] for row in rows])


def test_landsat_collection2_scaling(tmp_path):
    arrays = landsat_arrays()
    image = write_tif(tmp_path / "lc09.tif", [arrays[n] for n in LANDSAT_NAMES])
    report = compute_indices(image, "landsat_c2_l2", tmp_path)
    for key, rows in LANDSAT_EXPECTED.items():
        assert_index(report.paths[key], as_expected(rows))
    assert report.bands.positions == {"nir": 5, "red": 4, "swir1": 6, "green": 3}
    # Without the -0.2 offset pixel A's NDVI would be the DN ratio 10000/30000 = 1/3.
    assert read_tif(report.paths["ndvi"])[0, 0] != pytest.approx(1 / 3, abs=0.01)


def test_landsat_band_files_given_as_a_list(tmp_path):
    arrays = landsat_arrays()
    stem = "LC09_L2SP_123032_20230501_20230503_02_T1"
    files = {}
    for name in LANDSAT_NAMES:
        files[name] = write_tif(tmp_path / f"{stem}_{name}.TIF", [arrays[name]])
    # Only the bands needed, in no particular order: the file names say which is which.
    chosen = [files[n] for n in ("SR_B6", "SR_B3", "SR_B5", "SR_B4")]
    report = compute_indices(chosen, "landsat9", tmp_path / "out")
    for key, rows in LANDSAT_EXPECTED.items():
        assert_index(report.paths[key], as_expected(rows))
    assert report.paths["ndvi"].name == f"{stem}_ndvi.tif"
    assert report.bands.positions == {"nir": 3, "red": 4, "swir1": 1, "green": 2}
    assert "SR_B5" in report.bands.rules["nir"]


def test_band_files_of_different_sizes_are_refused(tmp_path):
    red = write_tif(tmp_path / "x_SR_B4.TIF", [np.ones((2, 3), np.uint16)])
    nir = write_tif(tmp_path / "x_SR_B5.TIF", [np.ones((3, 3), np.uint16)])
    with pytest.raises(InputError, match="inconsistent sizes") as err:
        compute_indices([red, nir], "landsat_c2_l2", tmp_path / "out", indices="ndvi")
    assert err.value.source == str(nir)


def test_band_files_with_different_geotransforms_are_refused(tmp_path):
    red = write_tif(tmp_path / "x_SR_B4.TIF", [np.ones((2, 3), np.uint16)])
    shifted = (GT[0] + 10.0, *GT[1:])
    nir = write_tif(tmp_path / "x_SR_B5.TIF", [np.ones((2, 3), np.uint16)], geotransform=shifted)
    with pytest.raises(InputError, match="geotransform differs"):
        compute_indices([red, nir], "landsat_c2_l2", tmp_path / "out", indices="ndvi")


# -- GF-2 PMS ----------------------------------------------------------------------
def gf2_image(path, nodata=None):
    # Pixel 0: blue 300, green 400, red 300, NIR 900; pixel 1: red 65535 (declared nodata).
    bands = [
        np.array([[300, 300]], np.uint16),
        np.array([[400, 400]], np.uint16),
        np.array([[300, 65535]], np.uint16),
        np.array([[900, 900]], np.uint16),
    ]
    return write_tif(path, bands, nodata=nodata)


def test_gf2_ndvi_and_ndwi_from_dn(tmp_path):
    image = gf2_image(tmp_path / "gf2.tif", nodata=65535)
    report = compute_indices(image, "gf2_pms", tmp_path, indices=("ndvi", "ndwi"))
    ndvi, ndwi = read_tif(report.paths["ndvi"])[0], read_tif(report.paths["ndwi"])[0]
    assert ndvi[0] == pytest.approx((900 - 300) / (900 + 300))  # 1/2
    assert ndwi[0] == pytest.approx((400 - 900) / (400 + 900))  # -5/13
    # Pixel 1's red is the declared nodata: NDVI is nodata, NDWI (no red in it) is not.
    assert ndvi[1] == INDEX_NODATA
    assert ndwi[1] == pytest.approx(-5 / 13)
    assert report.bands.positions == {"nir": 4, "red": 3, "green": 2}
    assert any("relative" in note for note in report.notes)


def test_gf2_calibration_gain_and_offset(tmp_path):
    # Reflectance = DN * 0.0001 + 0.01: red 0.04, NIR 0.10 -> NDVI 0.06 / 0.14 = 3/7.
    image = gf2_image(tmp_path / "gf2.tif", nodata=65535)
    report = compute_indices(image, "gf2", tmp_path, indices="ndvi", scale=0.0001, offset=0.01)
    assert read_tif(report.paths["ndvi"])[0, 0] == pytest.approx(3 / 7, rel=1e-6)
    assert not any("relative" in note for note in report.notes)


def test_gf2_has_no_swir_so_no_ndbi(tmp_path):
    image = gf2_image(tmp_path / "gf2.tif")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="no SWIR") as err:
        compute_indices(image, "gf2_pms", out)
    assert "NDBI" in str(err.value)
    assert err.value.field == "indices"
    assert not out.exists()  # refused before anything was written


# -- generic ------------------------------------------------------------------------
def test_generic_needs_positions_or_descriptions(tmp_path):
    bands = [np.array([[0.10]], np.float32), np.array([[0.05]], np.float32), np.array([[0.45]], np.float32)]
    image = write_tif(tmp_path / "refl.tif", bands, data_type=gdal.GDT_Float32, nodata=None)
    with pytest.raises(InputError, match="band_positions"):
        compute_indices(image, "generic", tmp_path, indices="ndvi")
    report = compute_indices(
        image, "generic", tmp_path, indices=("ndvi", "ndwi"), band_positions={"green": 1, "red": 2, "nir": 3}
    )
    assert read_tif(report.paths["ndvi"])[0, 0] == pytest.approx(0.40 / 0.50, rel=1e-6)
    assert read_tif(report.paths["ndwi"])[0, 0] == pytest.approx(-0.35 / 0.55, rel=1e-6)
    described = write_tif(
        tmp_path / "described.tif", bands, data_type=gdal.GDT_Float32, nodata=None, descriptions=["green", "red", "NIR"]
    )
    report = compute_indices(described, "generic", tmp_path, indices="ndvi")
    assert read_tif(report.paths["ndvi"])[0, 0] == pytest.approx(0.40 / 0.50, rel=1e-6)


def test_generic_float_input_with_nan(tmp_path):
    red = np.array([[0.05, np.nan]], np.float32)
    nir = np.array([[0.45, 0.30]], np.float32)
    image = write_tif(tmp_path / "nan.tif", [red, nir], data_type=gdal.GDT_Float32, nodata=None)
    report = compute_indices(image, "generic", tmp_path, indices="ndvi", band_positions={"red": 1, "nir": 2})
    np.testing.assert_allclose(read_tif(report.paths["ndvi"])[0], [0.8, INDEX_NODATA], rtol=1e-6)


def test_bad_band_position(tmp_path):
    image = write_tif(tmp_path / "two.tif", [np.ones((1, 1), np.uint16)] * 2)
    with pytest.raises(InputError, match="outside 1..2") as err:
        compute_indices(image, "generic", tmp_path, indices="ndvi", band_positions={"red": 1, "nir": 3})
    assert err.value.field == "nir"


def test_unknown_sensor_and_index(tmp_path):
    image = write_tif(tmp_path / "two.tif", [np.ones((1, 1), np.uint16)] * 2)
    with pytest.raises(InputError, match="unknown sensor"):
        compute_indices(image, "spot7", tmp_path)
    with pytest.raises(InputError, match="unknown index evi"):
        compute_indices(image, "generic", tmp_path, indices=("ndvi", "evi"))


# -- output file -------------------------------------------------------------------
def test_output_is_a_georeferenced_float32_geotiff(tmp_path):
    image = write_s2(tmp_path / "s2.tif", metadata={"DATATAKE_SENSING_START": "2022-03-05T03:15:09.024Z"})
    report = compute_indices(image, "sentinel2_l2a", tmp_path / "out", indices="ndvi")
    ds = gdal.Open(str(report.paths["ndvi"]))
    source = gdal.Open(str(image))
    assert ds.GetDriver().ShortName == "GTiff"
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount) == (4, 3, 1)
    assert ds.GetGeoTransform() == GT
    assert ds.GetSpatialRef().IsSame(source.GetSpatialRef())
    assert ds.GetSpatialRef().GetAuthorityCode(None) == str(BEIJING_GK)
    band = ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Float32
    assert band.GetNoDataValue() == INDEX_NODATA == -9999.0
    assert band.GetBlockSize() == [256, 256]  # tiled
    assert ds.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] == "LZW"
    assert band.GetDescription() == "NDVI"
    assert ds.GetMetadataItem("INDEX") == "NDVI"
    assert ds.GetMetadataItem("ACQUISITION_DATETIME") == "2022-03-05T03:15:09.024000+00:00"
    ds = source = band = None


def test_output_gets_the_usual_file_mode(tmp_path):
    # Not the private 0600 of a mkstemp file: the same mode as any file created here.
    reference = tmp_path / "reference"
    reference.touch()
    report = compute_indices(write_s2(tmp_path / "s2.tif"), "s2", tmp_path, indices="ndvi")
    assert report.paths["ndvi"].stat().st_mode & 0o777 == reference.stat().st_mode & 0o777


def test_progress_is_reported_per_block(tmp_path):
    progress = []
    compute_indices(
        write_s2(tmp_path / "s2.tif"), "s2", tmp_path / "out", indices="ndvi", block_rows=1, progress=progress.append
    )
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert len(progress) >= 3


def test_cancel_leaves_no_output_and_no_temporary_file(tmp_path):
    image = write_s2(tmp_path / "s2.tif")
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "s2_ndvi.tif"
    previous.write_bytes(b"an earlier result")
    calls = []

    def cancel_after_first_block() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Canceled):
        compute_indices(image, "sentinel2_l2a", out, block_rows=1, is_canceled=cancel_after_first_block)
    assert len(calls) == 2  # one block was written to the temporary files first
    assert sorted(p.name for p in out.iterdir()) == ["s2_ndvi.tif"]
    assert previous.read_bytes() == b"an earlier result"  # never half-overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s2.tif"]


def test_input_without_crs_gives_output_without_crs_and_says_so(tmp_path):
    arrays = landsat_arrays()
    image = write_tif(tmp_path / "nocrs.tif", [arrays[n] for n in LANDSAT_NAMES], epsg=None)
    report = compute_indices(image, "landsat_c2_l2", tmp_path, indices="ndvi")
    ds = gdal.Open(str(report.paths["ndvi"]))
    assert ds.GetSpatialRef() is None
    assert ds.GetGeoTransform() == GT
    ds = None
    assert any("no CRS" in note for note in report.notes)


# -- describe_image ----------------------------------------------------------------
def test_describe_image(tmp_path):
    image = write_s2(
        tmp_path / "s2.tif",
        descriptions=list(S2_ORDER),
        metadata={"DATATAKE_SENSING_START": "2022-03-05T03:15:09.024Z"},
    )
    info = describe_image(image)
    assert (info.width, info.height, info.band_count) == (4, 3, 12)
    assert info.band_descriptions == S2_ORDER
    assert info.dtype == "uint16"
    assert info.nodata == (0.0,) * 12
    assert info.crs_epsg == BEIJING_GK
    assert info.crs_wkt and "CGCS2000" in info.crs_wkt
    assert info.geotransform == GT
    assert info.bounds == (440000.0, 4420000.0 - 30.0, 440040.0, 4420000.0)
    assert info.pixel_size == (10.0, 10.0)
    assert info.acquired == dt.datetime(2022, 3, 5, 3, 15, 9, 24000, tzinfo=dt.timezone.utc)
    assert info.acquired_from == "DATATAKE_SENSING_START"
    assert info.notes == ()


def test_describe_image_without_crs_says_so(tmp_path):
    info = describe_image(write_tif(tmp_path / "nocrs.tif", [np.ones((2, 2), np.uint16)], epsg=None))
    assert info.crs_wkt is None and info.crs_epsg is None
    assert any("no CRS" in note and "assign" in note for note in info.notes)
    assert info.bounds == (440000.0, 4419980.0, 440020.0, 4420000.0)
    assert info.acquired is None


def test_describe_image_without_geotransform(tmp_path):
    info = describe_image(write_tif(tmp_path / "raw.tif", [np.ones((2, 2), np.uint16)], epsg=None, geotransform=None))
    assert info.geotransform is None and info.bounds is None
    assert any("no geotransform" in note for note in info.notes)


def test_acquisition_time_from_tiff_datetime_is_flagged(tmp_path):
    image = write_tif(
        tmp_path / "t.tif", [np.ones((2, 2), np.uint16)], metadata={"TIFFTAG_DATETIME": "2023:05:01 10:20:30"}
    )
    info = describe_image(image)
    assert info.acquired == dt.datetime(2023, 5, 1, 10, 20, 30)
    assert info.acquired_from == "TIFFTAG_DATETIME"
    assert any("creation time" in note for note in info.notes)


def test_acquisition_time_from_landsat_items(tmp_path):
    metadata = {"DATE_ACQUIRED": "2023-05-01", "SCENE_CENTER_TIME": '"02:58:21.1234560Z"'}
    info = describe_image(write_tif(tmp_path / "l.tif", [np.ones((2, 2), np.uint16)], metadata=metadata))
    assert info.acquired == dt.datetime(2023, 5, 1, 2, 58, 21, 123456, tzinfo=dt.timezone.utc)
    assert info.acquired_from == "DATE_ACQUIRED + SCENE_CENTER_TIME"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022:03:05 03:15:09", dt.datetime(2022, 3, 5, 3, 15, 9)),
        ("2022-03-05", dt.datetime(2022, 3, 5)),
        ("2022-03-05T03:15:09+08:00", dt.datetime(2022, 3, 5, 3, 15, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))),
        ("2022-03-05 03:15", dt.datetime(2022, 3, 5, 3, 15)),
        ("2022-02-30", None),
        ("yesterday", None),
    ],
)
def test_parse_datetime(text, expected):
    assert parse_datetime(text) == expected


def test_not_a_raster(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("this is not a raster\n" * 20)
    with pytest.raises(InputError, match="not a readable raster") as err:
        describe_image(path)
    assert err.value.source == str(path)
    with pytest.raises(InputError, match="not a readable raster"):
        compute_indices(path, "generic", tmp_path / "out", band_positions={"red": 1, "nir": 1})


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        describe_image(tmp_path / "nope.tif")
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        compute_indices(empty, "sentinel2_l2a", tmp_path / "out")


def test_gdal_exception_setting_is_restored(tmp_path):
    # A fresh interpreter, where GDAL starts with exceptions off (other tests may have
    # switched them on in this one): other plugins in QGIS rely on that default.
    import citytwin

    image = write_tif(tmp_path / "a.tif", [np.ones((1, 1), np.uint16)])
    script = f"""
import sys
sys.path.insert(0, {str(Path(citytwin.__file__).parent.parent)!r})
from osgeo import gdal, osr
from citytwin.common.errors import InputError
from citytwin.layers.imagery import compute_indices, describe_image
assert (gdal.GetUseExceptions(), osr.GetUseExceptions()) == (0, 0)
describe_image({str(image)!r})
compute_indices({str(image)!r}, "generic", {str(tmp_path)!r}, indices="ndvi", band_positions={{"red": 1, "nir": 1}})
try:
    describe_image({str(tmp_path / "missing.tif")!r})
except InputError:
    pass
print("STATE", gdal.GetUseExceptions(), osr.GetUseExceptions())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "STATE 0 0" in result.stdout


# -- read_index_samples ------------------------------------------------------------
def test_read_index_samples_gives_pixel_centres_and_skips_nodata(tmp_path):
    values = np.array([[0.5, INDEX_NODATA, -0.25], [np.nan, 0.75, 1.0]], np.float32)
    path = write_tif(tmp_path / "ndvi.tif", [values], data_type=gdal.GDT_Float32, nodata=INDEX_NODATA)
    for block_rows in (None, 1):
        x, y, v = read_index_samples(path, block_rows=block_rows)
        assert x.dtype == np.float64 and y.dtype == np.float64 and v.dtype == np.float32
        # Pixel (row, col) centre: x = 440000 + (col + 0.5) * 10, y = 4420000 - (row + 0.5) * 10.
        np.testing.assert_array_equal(x, [440005.0, 440025.0, 440015.0, 440025.0])
        np.testing.assert_array_equal(y, [4419995.0, 4419995.0, 4419985.0, 4419985.0])
        np.testing.assert_array_equal(v, np.array([0.5, -0.25, 0.75, 1.0], np.float32))


def test_read_index_samples_of_a_computed_index(tmp_path):
    report = compute_indices(write_s2(tmp_path / "s2.tif"), "sentinel2_l2a", tmp_path, indices="ndvi")
    x, y, v = read_index_samples(report.paths["ndvi"], block_rows=2)
    expected = expected_grid(S2_EXPECTED_OFFSET, 0)
    rows, cols = np.nonzero(~np.isnan(expected))
    np.testing.assert_allclose(x, GT[0] + (cols + 0.5) * GT[1])
    np.testing.assert_allclose(y, GT[3] + (rows + 0.5) * GT[5])
    np.testing.assert_allclose(v, expected[rows, cols], rtol=1e-6)


def test_read_index_samples_needs_a_geotransform(tmp_path):
    path = write_tif(tmp_path / "raw.tif", [np.ones((2, 2), np.float32)], gdal.GDT_Float32, geotransform=None)
    with pytest.raises(InputError, match="no geotransform"):
        read_index_samples(path)


# -- band map ----------------------------------------------------------------------
def test_band_map():
    roles = {
        key: {r: getattr(s.band_for_role(r), "name", None) for r in ("red", "nir", "swir1")}
        for key, s in SENSORS.items()
    }
    assert roles["sentinel2_l2a"] == {"red": "B4", "nir": "B8", "swir1": "B11"}
    assert roles["landsat_c2_l2"] == {"red": "SR_B4", "nir": "SR_B5", "swir1": "SR_B6"}
    assert roles["gf2_pms"] == {"red": "B3", "nir": "B4", "swir1": None}
    assert SENSORS["sentinel2_l2a"].band("B11").wavelength_nm == 1610
    assert SENSORS["sentinel2_l2a"].band("B8A").role == "nir_narrow"
    assert get_sensor("Landsat8") is SENSORS["landsat_c2_l2"]


def test_landsat_descriptions_do_not_mean_sentinel2_bands():
    # "B5" is NIR on Landsat 8/9 but a red-edge band on Sentinel-2.
    landsat = select_bands("landsat_c2_l2", ["B2", "B3", "B4", "B5"], ["nir"])
    assert landsat.positions == {"nir": 4}
    sentinel = select_bands("sentinel2_l2a", ["B5", "B8", "B4"] + [""] * 9, ["nir", "red"])
    assert sentinel.positions == {"nir": 2, "red": 3}
