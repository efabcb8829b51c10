"""DSM/DTM/nDSM from points, against hand-made clouds, closed forms and the sample city."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from osgeo import gdal

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.samplecity.lidar import lidar_points
from citytwin.layers.samplecity.model import CRS_EPSG, VERTICAL_EPSG, build_city
from citytwin.twin.cloud import PointChunk
from citytwin.twin.terrain import (
    NODATA,
    RasterSpec,
    fill_gaps,
    progressive_morphological_filter,
    surfaces_from_chunks,
    surfaces_from_file,
    write_geotiff,
)
from citytwin_testing.lasfiles import write_las

GROUND, BUILDING, LOW_NOISE, HIGH_NOISE = 2, 6, 7, 18


def grid_points(x0, y0, x1, y1, spacing):
    """Points at spacing/2 + k*spacing: with spacing 0.5 m, four per 1 m cell, none on a cell edge."""
    xs = np.arange(x0 + spacing / 2, x1, spacing)
    ys = np.arange(y0 + spacing / 2, y1, spacing)
    gx, gy = np.meshgrid(xs, ys)
    return gx.ravel(), gy.ravel()


def box_scene(hole: bool = False, noise: bool = False) -> dict:
    """Flat ground at z=10 on 0..40 m, one 20 m tall box on 10..20 m (ground hidden under it)."""
    gx, gy = grid_points(0, 0, 40, 40, 0.5)
    under_roof = (gx > 10) & (gx < 20) & (gy > 10) & (gy < 20)
    keep = ~under_roof
    if hole:  # no points at all on 30..33 m: a 3 x 3 cell data gap
        keep &= ~((gx > 30) & (gx < 33) & (gy > 30) & (gy < 33))
    parts = [(gx[keep], gy[keep], np.full(keep.sum(), 10.0), GROUND)]
    rx, ry = grid_points(10, 10, 20, 20, 0.5)
    parts.append((rx, ry, np.full(rx.size, 30.0), BUILDING))
    if noise:
        nx, ny = grid_points(0, 0, 40, 40, 4.0)
        parts.append((nx, ny, np.full(nx.size, -50.0), LOW_NOISE))
        parts.append((nx + 1, ny + 1, np.full(nx.size, 500.0), HIGH_NOISE))
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    z = np.concatenate([p[2] for p in parts])
    classes = np.concatenate([np.full(p[0].size, p[3], dtype=np.uint8) for p in parts])
    order = np.random.default_rng(3).permutation(x.size)  # files are not sorted by cell
    return {"x": x[order], "y": y[order], "z": z[order], "classification": classes[order]}


def chunks_of(points: dict, size: int, classified: bool = True) -> list[PointChunk]:
    n = points["x"].size
    return [
        PointChunk(
            points["x"][i : i + size],
            points["y"][i : i + size],
            points["z"][i : i + size],
            {"classification": points["classification"][i : i + size]} if classified else {},
        )
        for i in range(0, n, size)
    ]


def cell(surfaces, name: str, x: float, y: float) -> float:
    rows, cols = surfaces.spec.rows_cols(np.array([x]), np.array([y]))
    return float(getattr(surfaces, name)[rows[0], cols[0]])


# -- the grid --------------------------------------------------------------------------
def test_raster_spec_is_snapped_and_north_up():
    spec = RasterSpec.covering((448_801.3, 4_417_200.2, 448_809.9, 4_417_204.0), 2.0)
    assert (spec.xmin, spec.ymin) == (448_800.0, 4_417_200.0)
    assert spec.shape == (3, 5)  # the point on y = 4_417_204 (upper edge) has its own row
    assert spec.geotransform == (448_800.0, 2.0, 0.0, 4_417_206.0, 0.0, -2.0)
    rows, cols = spec.rows_cols(np.array([448_800.0, 448_809.9, 448_799.9, np.nan]), np.array([4_417_205.9] * 4))
    assert rows.tolist() == [0, 0, -1, -1]  # top row first; outside and NaN -> -1
    assert cols.tolist() == [0, 4, -1, -1]
    xs, ys = spec.cell_centres()
    assert xs[0] == 448_801.0 and ys[0] == 4_417_205.0 and ys[-1] == 4_417_201.0


@pytest.mark.parametrize("size", [0, -1.0, float("nan"), "a"])
def test_cell_size_must_be_positive(size):
    with pytest.raises(InputError) as err:
        surfaces_from_chunks(chunks_of(box_scene(), 1000), size)
    assert err.value.field == "cell_size"


# -- known answers ---------------------------------------------------------------------
def test_box_on_flat_ground():
    s = surfaces_from_chunks(chunks_of(box_scene(), 5000), 1.0)
    assert s.ground_method == "classes"
    assert s.spec.bounds == (0.0, 0.0, 40.0, 40.0)
    inside = np.zeros(s.spec.shape, dtype=bool)
    inside[20:30, 10:20] = True  # rows count from the top: y 10..20 is rows 20..29
    assert np.all(s.dsm[inside] == 30.0)
    assert np.all(s.dsm[~inside] == 10.0)
    np.testing.assert_allclose(s.dtm, 10.0, atol=1e-6)  # interpolated under the box too
    assert np.all(s.ndsm[inside] == 20.0)
    assert np.all(s.ndsm[~inside] == 0.0)
    assert s.dsm.dtype == s.dtm.dtype == s.ndsm.dtype == np.float32
    assert np.all(s.point_count == 4)
    assert np.all(s.ground_count[inside] == 0) and np.all(s.ground_count[~inside] == 4)
    assert cell(s, "dsm", 15.0, 15.0) == 30.0 and cell(s, "ndsm", 5.0, 5.0) == 0.0


def test_cells_without_points_are_nodata():
    s = surfaces_from_chunks(chunks_of(box_scene(hole=True), 5000), 1.0, max_fill_m=1.0)
    hole = np.zeros(s.spec.shape, dtype=bool)
    hole[7:10, 30:33] = True  # x 30..33, y 30..33
    assert np.all(s.dsm[hole] == NODATA) and np.all(s.ndsm[hole] == NODATA)
    assert np.all(s.dsm[~hole] != NODATA)
    # The DTM is filled up to max_fill_m from measured ground: the hole's rim cells are
    # 1 m from ground, its centre 2 m -> nodata. Under the box (5 m from ground) too.
    assert cell(s, "dtm", 31.5, 31.5) == NODATA
    assert cell(s, "dtm", 30.5, 31.5) == 10.0
    assert cell(s, "dtm", 15.5, 15.5) == NODATA
    assert cell(s, "ndsm", 15.5, 15.5) == NODATA  # the roof is there, the ground is not known


def test_noise_classes_are_ignored():
    clean = surfaces_from_chunks(chunks_of(box_scene(), 5000), 1.0)
    noisy = surfaces_from_chunks(chunks_of(box_scene(noise=True), 5000), 1.0)
    assert noisy.spec == clean.spec
    for name in ("dsm", "dtm", "ndsm", "point_count"):
        np.testing.assert_array_equal(getattr(noisy, name), getattr(clean, name))


def test_ground_is_the_mean_of_ground_points_per_cell():
    x = np.array([0.2, 0.7, 0.4, 1.5])
    y = np.array([0.2, 0.7, 0.9, 0.5])
    z = np.array([10.0, 11.0, 12.5, 20.0])
    s = surfaces_from_chunks([PointChunk(x, y, z, {"classification": np.array([2, 2, 6, 2])})], 1.0)
    assert s.dtm[0].tolist() == [10.5, 20.0]
    assert s.dsm[0].tolist() == [12.5, 20.0]
    assert s.ndsm[0].tolist() == [2.0, 0.0]


def test_bounds_clip_the_raster():
    s = surfaces_from_chunks(chunks_of(box_scene(), 5000), 2.0, bounds=(5.0, 5.0, 24.0, 24.0))
    assert s.spec == RasterSpec.covering((5.0, 5.0, 24.0, 24.0), 2.0)
    assert s.spec.bounds == (4.0, 4.0, 26.0, 26.0)
    assert np.all(s.point_count == 16)


def test_chunking_and_order_do_not_change_the_results():
    points = box_scene(hole=True, noise=True)
    whole = surfaces_from_chunks(chunks_of(points, 10**9), 1.0)
    # Chunks in scan-strip order (sorted by x) make the grid grow several times.
    order = np.argsort(points["x"])
    strips = {k: v[order] for k, v in points.items()}
    for parts in (chunks_of(points, 777), chunks_of(strips, 313)):
        s = surfaces_from_chunks(parts, 1.0)
        assert s.spec == whole.spec
        for name in ("dsm", "dtm", "ndsm", "point_count", "ground_count"):
            np.testing.assert_array_equal(getattr(s, name), getattr(whole, name))


# -- ground filter (unclassified clouds) ------------------------------------------------
def unclassified_city(seed: int = 11) -> tuple[dict, callable]:
    """A sloping ground plane with box buildings up to 40 m wide, no classes, 2 cm noise."""
    rng = np.random.default_rng(seed)

    def plane(x, y):
        return 10.0 + 0.02 * x + 0.01 * y

    gx, gy = grid_points(0, 0, 200, 150, 0.5)
    z = plane(gx, gy)
    boxes = [(20, 20, 60, 50, 20.0), (90, 30, 110, 100, 35.0), (140, 80, 175, 115, 8.0), (30, 90, 45, 105, 3.0)]
    for x0, y0, x1, y1, height in boxes:
        inside = (gx >= x0) & (gx < x1) & (gy >= y0) & (gy < y1)
        # Flat roofs: the box stands on the plane at its lowest corner.
        z[inside] = plane(x0, y0) + height
    z = z + rng.normal(0, 0.02, z.size)
    return {"x": gx, "y": gy, "z": z, "classification": np.ones(gx.size, dtype=np.uint8)}, plane


@pytest.mark.parametrize("classified", [False, True])
def test_ground_filter_recovers_the_ground_of_an_unclassified_cloud(classified):
    # classified=True: every point has class 1 (unclassified) — no ground class either.
    points, plane = unclassified_city()
    s = surfaces_from_chunks(chunks_of(points, 20_000, classified=classified), 1.0, filter_window_m=50.0)
    assert s.ground_method == "filter"
    xs, ys = s.spec.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    dtm = s.masked("dtm")
    assert np.isfinite(dtm).all()
    error = np.abs(dtm - plane(gx, gy))
    assert error.max() < 0.3
    # The boxes were removed (their cells are not ground): nDSM holds their heights.
    assert cell(s, "ndsm", 100.2, 60.2) == pytest.approx(35.0 - 0.02 * 10.2 - 0.01 * 30.2, abs=0.3)


def test_ground_filter_modes():
    points, _ = unclassified_city()
    with pytest.raises(InputError, match="ground filter is disabled") as err:
        surfaces_from_chunks(chunks_of(points, 50_000), 1.0, ground_filter="never")
    assert err.value.field == "classification"
    with pytest.raises(InputError, match="no classification"):
        surfaces_from_chunks(chunks_of(points, 50_000, classified=False), 1.0, ground_filter="never")
    forced = surfaces_from_chunks(chunks_of(box_scene(), 5000), 1.0, ground_filter="always", filter_window_m=12.0)
    assert forced.ground_method == "filter"
    np.testing.assert_allclose(forced.dtm, 10.0)
    with pytest.raises(InputError):
        surfaces_from_chunks(chunks_of(box_scene(), 5000), 1.0, ground_filter="sometimes")


def test_morphological_filter_removes_objects_narrower_than_the_window():
    lowest = np.full((60, 60), 5.0)
    lowest[10:30, 10:30] = 25.0  # a 20-cell building
    lowest[40:42, 40:42] = 5.2  # a 0.2 m bump: rough ground, kept
    lowest[50, 50] = np.nan  # an empty cell: not ground
    ground = progressive_morphological_filter(lowest, 1.0, max_window_m=25.0)
    assert not ground[10:30, 10:30].any()
    assert ground[40:42, 40:42].all()
    assert not ground[50, 50]
    assert ground.sum() == 60 * 60 - 400 - 1
    # A window narrower than the building leaves its middle as "ground".
    assert progressive_morphological_filter(lowest, 1.0, max_window_m=9.0)[20, 20]


# -- gap filling --------------------------------------------------------------------------
def test_fill_gaps_reproduces_a_plane_and_stops_at_the_distance():
    rows, cols = np.mgrid[0:80, 0:100]
    plane = 3.0 + 0.3 * cols - 0.2 * rows  # a steep plane: linear fill must be exact
    values = plane.copy()
    values[20:50, 30:70] = np.nan  # a building
    values[np.random.default_rng(0).random(values.shape) < 0.5] = np.nan  # sparse ground
    filled = fill_gaps(values, 0.5, max_distance=1000.0)
    inner = np.zeros(values.shape, dtype=bool)
    inner[5:-5, 5:-5] = True  # away from the edges, where the nearest value is used
    np.testing.assert_allclose(filled[inner], plane[inner], atol=1e-5)  # float32, as the DTM
    values = np.full((1, 30), np.nan)
    values[0, 0] = 1.0
    filled = fill_gaps(values, 1.0, max_distance=5.0)
    assert np.isfinite(filled[0, :6]).all() and np.isnan(filled[0, 6:]).all()


# -- the sample city -----------------------------------------------------------------------
def test_sample_city_dtm_matches_the_model_terrain():
    city = build_city()
    points = lidar_points(city)
    s = surfaces_from_chunks(chunks_of(points, 150_000), 1.0)
    xs, ys = s.spec.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    dtm = s.masked("dtm")
    assert np.isfinite(dtm).all()
    error = np.abs(dtm - city.ground_z(gx, gy))
    assert error.max() < 0.2  # 3 cm ground noise, cells with a single point
    assert np.median(error) < 0.03
    boxes = city.box_arrays()
    rows, cols = s.spec.rows_cols((boxes["xmin"] + boxes["xmax"]) / 2, (boxes["ymin"] + boxes["ymax"]) / 2)
    ndsm = s.masked("ndsm")
    # Roof points are 1 m apart, jittered: some 1 m cells have none (nodata), hence 5 x 5 cells.
    around = [np.nanmedian(ndsm[r - 2 : r + 3, c - 2 : c + 3]) for r, c in zip(rows, cols)]
    heights = np.array([b.height for b in city.buildings])
    np.testing.assert_allclose(around, heights, atol=0.2)


# -- GeoTIFF output ----------------------------------------------------------------------
def read_tif(path):
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    return ds, band, band.ReadAsArray()


def test_surfaces_written_as_geotiffs_read_back_with_gdal(tmp_path):
    crs_wkt = pyproj.CRS.from_user_input(f"EPSG:{CRS_EPSG}+{VERTICAL_EPSG}").to_wkt()
    points = box_scene(hole=True)
    points["x"] = points["x"] + 448_800.0
    points["y"] = points["y"] + 4_417_200.0
    s = surfaces_from_chunks(chunks_of(points, 5000), 1.0, crs_wkt=crs_wkt)
    paths = s.write(tmp_path, "tile")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tile_dsm.tif", "tile_dtm.tif", "tile_ndsm.tif"]
    for name, path in paths.items():
        ds, band, array = read_tif(path)
        assert ds.GetGeoTransform() == (448_800.0, 1.0, 0.0, 4_417_240.0, 0.0, -1.0)
        assert band.GetNoDataValue() == NODATA
        assert band.DataType == gdal.GDT_Float32
        assert band.GetBlockSize() == [256, 256]
        assert ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "LZW"
        crs = pyproj.CRS.from_wkt(ds.GetProjection())
        assert crs.is_compound and crs.sub_crs_list[0].to_epsg() == CRS_EPSG
        np.testing.assert_array_equal(array, getattr(s, name))
    _, _, dsm = read_tif(paths["dsm"])
    assert dsm[7, 31] == NODATA and dsm[25, 15] == 30.0  # the data gap and the roof


def test_write_geotiff_without_crs(tmp_path):
    spec = RasterSpec.covering((0, 0, 2.5, 1.5), 1.0)
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = write_geotiff(array, spec, None, tmp_path / "a.tif", nodata=-1.0)
    ds, band, back = read_tif(path)
    assert ds.GetProjection() == ""
    assert band.GetNoDataValue() == -1.0
    np.testing.assert_array_equal(back, array)
    assert [p.name for p in tmp_path.iterdir()] == ["a.tif"]
    with pytest.raises(ValueError, match="shape"):
        write_geotiff(array.T, spec, None, tmp_path / "b.tif")
    assert [p.name for p in tmp_path.iterdir()] == ["a.tif"]  # no temporary file left


# -- progress, cancel, errors ------------------------------------------------------------
def test_progress_per_chunk_and_cancel_leaves_no_file(tmp_path):
    parts = chunks_of(box_scene(), 1000)
    seen = []
    s = surfaces_from_chunks(parts, 1.0, progress=seen.append)
    assert len(seen) >= len(parts) and seen == sorted(seen) and seen[-1] == 1.0
    calls = []

    def cancel_after_three() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Canceled):
        surfaces_from_chunks(parts, 1.0, is_canceled=cancel_after_three)
    assert len(calls) == 4  # checked once per chunk: stopped at the fourth
    calls.clear()
    with pytest.raises(Canceled):
        s.write(tmp_path, "tile", is_canceled=cancel_after_three)  # after two of three rasters
    assert list(tmp_path.iterdir()) == []


def test_empty_or_all_noise_cloud_is_an_input_error():
    with pytest.raises(InputError, match="no points"):
        surfaces_from_chunks([], 1.0)
    noise = PointChunk(np.zeros(3), np.zeros(3), np.zeros(3), {"classification": np.array([7, 18, 7])})
    with pytest.raises(InputError, match="no points"):
        surfaces_from_chunks([noise], 1.0)


def test_write_into_a_missing_folder(tmp_path):
    s = surfaces_from_chunks(chunks_of(box_scene(), 5000), 1.0)
    with pytest.raises(InputError, match="does not exist"):
        s.write(tmp_path / "nope", "tile")


# -- file wrapper ------------------------------------------------------------------------
def test_surfaces_from_a_las_file_keep_its_crs(tmp_path):
    points = box_scene(noise=True)
    xyz = np.column_stack([points["x"] + 448_800.0, points["y"] + 4_417_200.0, points["z"]])
    wkt = pyproj.CRS.from_epsg(CRS_EPSG).to_wkt()
    path = write_las(
        tmp_path / "box.laz", xyz, points["classification"], point_format=6, version="1.4", wkt=wkt, scale=0.001
    )
    seen = []
    s = surfaces_from_file(path, 1.0, chunk_size=2000, progress=seen.append)
    assert pyproj.CRS.from_wkt(s.crs_wkt).to_epsg() == CRS_EPSG
    assert seen[-1] == 1.0 and len(seen) > 3
    assert s.spec.bounds == (448_800.0, 4_417_200.0, 448_840.0, 4_417_240.0)
    assert cell(s, "dsm", 448_815.0, 4_417_215.0) == 30.0
    assert cell(s, "ndsm", 448_815.0, 4_417_215.0) == pytest.approx(20.0)
    with pytest.raises(InputError, match="file not found"):
        surfaces_from_file(tmp_path / "missing.las", 1.0)
