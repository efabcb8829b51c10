"""Streaming point-cloud reader against files of exactly known content (written here)."""

from __future__ import annotations

import struct
from pathlib import Path

import laspy
import numpy as np
import pyproj
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.twin.reader import iter_chunks, read_cloud, read_copc
from citytwin_testing.lasfiles import geokey_vlr, write_las

UTM50N = 32650  # WGS 84 / UTM zone 50N
BEIJING_GK = 4548  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
YELLOW_SEA_1985 = 5737  # height


# -- helpers -------------------------------------------------------------------------------
def _known_points(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    """Coordinates on the 1 cm lattice (exactly representable after LAS scaling) and attributes."""
    rng = np.random.default_rng(seed)
    xyz = np.column_stack(
        [
            np.round(rng.uniform(440_000, 440_500, n), 2),
            np.round(rng.uniform(4_420_000, 4_420_400, n), 2),
            np.round(rng.uniform(30, 90, n), 2),
        ]
    )
    returns = rng.integers(1, 4, n).astype(np.uint8)
    return {
        "xyz": xyz,
        "classification": rng.choice(np.array([1, 2, 5, 6, 9], dtype=np.uint8), n),
        "intensity": rng.integers(0, 65_535, n).astype(np.uint16),
        "number_of_returns": returns,
        "return_number": np.minimum(rng.integers(1, 4, n), returns).astype(np.uint8),
        "gps_time": 3.0e8 + np.arange(n) * 1.0e-5,
        "red": rng.integers(0, 65_535, n).astype(np.uint16),
        "green": rng.integers(0, 65_535, n).astype(np.uint16),
        "blue": rng.integers(0, 65_535, n).astype(np.uint16),
        "nir": rng.integers(0, 65_535, n).astype(np.uint16),
    }


VERSION_FOR_FORMAT = {0: "1.2", 1: "1.2", 2: "1.2", 3: "1.2", 4: "1.3", 5: "1.3"}


def _write(path: Path, values: dict[str, np.ndarray], point_format: int, version: str | None = None) -> Path:
    header = laspy.LasHeader(point_format=point_format, version=version or VERSION_FOR_FORMAT.get(point_format, "1.4"))
    header.scales = np.array([0.01, 0.01, 0.01])
    header.offsets = np.floor(values["xyz"].min(axis=0))
    data = laspy.LasData(header)
    data.x, data.y, data.z = values["xyz"].T
    names = set(header.point_format.dimension_names)
    for name, array in values.items():
        if name in names:
            data[name] = array
    data.write(str(path))
    return path


def _laspy_xyz(path: Path) -> np.ndarray:
    data = laspy.read(str(path))
    return np.column_stack([np.asarray(data.x), np.asarray(data.y), np.asarray(data.z)])


def _concat(chunks) -> dict[str, np.ndarray]:
    out = {"x": np.concatenate([c.x for c in chunks]), "y": np.concatenate([c.y for c in chunks])}
    out["z"] = np.concatenate([c.z for c in chunks])
    for name in chunks[0].attributes:
        out[name] = np.concatenate([c.attributes[name] for c in chunks])
    return out


def write_copc(path: Path, xyz: np.ndarray, spacing: float = 10.0, root_every: int = 8, wkt: str | None = None):
    """Write a minimal valid COPC file (laspy reads COPC but cannot write it).

    LAS 1.4 point format 7, LAZ with one variable-size chunk per octree node, the COPC
    info VLR first, the hierarchy in an EVLR. Two levels: the root node holds every
    ``root_every``-th point, the eight level-1 octants the others. ``gps_time`` holds each
    point's index in ``xyz`` so tests can identify the points. Returns the file order.
    """
    import lazrs
    from laspy.vlrs.known import LasZipVlr, WktCoordinateSystemVlr
    from laspy.vlrs.vlrlist import VLRList

    n = len(xyz)
    header = laspy.LasHeader(point_format=7, version="1.4")
    header.scales = np.array([0.01, 0.01, 0.01])
    header.offsets = np.floor(xyz.min(axis=0))
    data = laspy.LasData(header)
    data.x, data.y, data.z = xyz.T
    data.gps_time = np.arange(n, dtype=np.float64)
    data.classification = np.full(n, 2, dtype=np.uint8)
    data.update_header()
    header = data.header
    real = _lasdata_xyz(data)
    low, high = real.min(axis=0), real.max(axis=0)
    center, half = (low + high) / 2, float((high - low).max() / 2 + 0.01)
    root = np.arange(n) % root_every == 0
    octant = np.clip(((real - (center - half)) // half).astype(int), 0, 1)
    nodes = [((0, 0, 0, 0), np.flatnonzero(root))]
    for key in np.ndindex(2, 2, 2):
        members = np.flatnonzero(~root & np.all(octant == key, axis=1))
        if members.size:
            nodes.append(((1, *key), members))

    laz = lazrs.LazVlr.new_for_compression(7, header.point_format.num_extra_bytes, True)  # variable-size chunks
    header.vlrs = VLRList()
    header.vlrs.append(laspy.VLR("copc", 1, "copc info", bytes(160)))  # must be first; filled in below
    header.vlrs.append(LasZipVlr(laz.record_data()))
    if wkt is not None:
        header.vlrs.append(WktCoordinateSystemVlr(wkt))
    header.are_points_compressed = True
    header.global_encoding.wkt = True
    records = data.points.array
    with path.open("w+b") as stream:
        header.write_to(stream)
        compressor = lazrs.LasZipCompressor(stream, laz)
        for number, (_, members) in enumerate(nodes):
            if number:
                compressor.finish_current_chunk()
            compressor.compress_many(np.frombuffer(records[members].tobytes(), np.uint8))
        compressor.done()
        stream.seek(header.offset_to_point_data)
        chunk_table = lazrs.read_chunk_table(stream, laz)
        stream.seek(0, 2)
        hierarchy_start = stream.tell()
        entries, offset = b"", header.offset_to_point_data + 8  # after the chunk table offset
        for (key, members), (count, size) in zip(nodes, chunk_table):
            assert count == members.size
            entries += struct.pack("<4iQii", *key, offset, size, count)
            offset += size
        stream.write(struct.pack("<H16sHQ32s", 0, b"copc", 1000, len(entries), b"EPT hierarchy"))
        stream.write(entries)
        info = struct.pack("<5d2Q2d", *center, half, spacing, hierarchy_start + 60, len(entries), 0.0, n - 1.0)
        header.vlrs[0] = laspy.VLR("copc", 1, "copc info", info + bytes(88))
        header.start_of_first_evlr, header.number_of_evlrs = hierarchy_start, 1
        stream.seek(0)
        header.write_to(stream, ensure_same_size=True)
    return np.concatenate([members for _, members in nodes])


def _inside(x: np.ndarray, y: np.ndarray, bounds) -> np.ndarray:
    return (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3])


def _lasdata_xyz(data) -> np.ndarray:
    return np.column_stack([np.asarray(data.x), np.asarray(data.y), np.asarray(data.z)])


# -- point formats, versions, attributes -----------------------------------------------
@pytest.mark.parametrize("point_format", range(11))
def test_every_point_format_reads_its_attributes(tmp_path, point_format):
    values = _known_points(500)
    path = _write(tmp_path / f"pf{point_format}.las", values, point_format)
    chunks = list(iter_chunks(path, chunk_size=128))
    assert [len(c) for c in chunks] == [128, 128, 128, 116]
    got = _concat(chunks)
    # Known 1 cm values, within float rounding of X * scale + offset; exactly laspy's values.
    np.testing.assert_allclose(np.column_stack([got["x"], got["y"], got["z"]]), values["xyz"], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(np.column_stack([got["x"], got["y"], got["z"]]), _laspy_xyz(path))
    assert got["x"].dtype == np.float64
    for name in ("classification", "intensity", "return_number", "number_of_returns"):
        np.testing.assert_array_equal(got[name], values[name], err_msg=name)
    has_gps = point_format in (1, 3, 4, 5, 6, 7, 8, 9, 10)
    has_rgb = point_format in (2, 3, 5, 7, 8, 10)
    assert ("gps_time" in got) == has_gps
    assert all((name in got) == has_rgb for name in ("red", "green", "blue"))
    if has_gps:
        np.testing.assert_array_equal(got["gps_time"], values["gps_time"])
    if has_rgb:
        for name in ("red", "green", "blue"):
            np.testing.assert_array_equal(got[name], values[name])
    assert "nir" not in got  # not asked for by default


@pytest.mark.parametrize(("point_format", "version"), [(1, "1.2"), (3, "1.2"), (1, "1.4"), (3, "1.4"), (6, "1.4")])
def test_las_versions_1_2_and_1_4(tmp_path, point_format, version):
    values = _known_points(300)
    path = _write(tmp_path / "v.las", values, point_format, version)
    got = _concat(list(iter_chunks(path)))
    assert laspy.read(str(path)).header.version == version
    np.testing.assert_allclose(got["z"], values["xyz"][:, 2], rtol=0, atol=1e-8)
    np.testing.assert_array_equal(got["classification"], values["classification"])


def test_extra_bytes_dimensions_are_kept_with_exact_values(tmp_path):
    n = 200
    rng = np.random.default_rng(4)
    extra = {
        "amplitude": rng.uniform(-5, 5, n).astype(np.float32),
        "deviation": rng.integers(0, 60_000, n).astype(np.uint16),
        "echo": rng.integers(-100, 100, n).astype(np.int8),
        "pulse_id": rng.integers(0, 2**40, n).astype(np.uint64),
        "offset_mm": rng.integers(-(2**31), 2**31 - 1, n).astype(np.int32),
        "reflectance": rng.normal(0, 1e3, n).astype(np.float64),
    }
    xyz = _known_points(n)["xyz"]
    for suffix, point_format, version in ((".las", 6, "1.4"), (".laz", 7, "1.4"), (".las", 3, "1.2")):
        path = write_las(
            tmp_path / f"extra{point_format}{suffix}", xyz, point_format=point_format, version=version, extra=extra
        )
        got = _concat(list(iter_chunks(path, chunk_size=64)))
        for name, values in extra.items():
            assert got[name].dtype == values.dtype, name
            np.testing.assert_array_equal(got[name], values, err_msg=name)


def test_scaled_extra_bytes_give_real_values(tmp_path):
    header = laspy.LasHeader(point_format=6, version="1.4")
    header.add_extra_dim(
        laspy.ExtraBytesParams(name="height_above_ground", type=np.int16, scales=[0.01], offsets=[0.0])
    )
    data = laspy.LasData(header)
    data.x, data.y, data.z = np.arange(4.0), np.arange(4.0), np.arange(4.0)
    data["height_above_ground"] = np.array([0.0, 1.25, -3.5, 12.34])
    data.write(str(tmp_path / "scaled.las"))
    got = _concat(list(iter_chunks(tmp_path / "scaled.las")))
    np.testing.assert_allclose(got["height_above_ground"], [0.0, 1.25, -3.5, 12.34], atol=1e-9)


def test_dims_limit_what_is_read(tmp_path):
    values = _known_points(100)
    path = _write(tmp_path / "pf1.las", values, 1)
    chunk = next(iter_chunks(path, dims=["classification", "red", "x", "classification"]))
    assert list(chunk.attributes) == ["classification"]  # red: not in format 1; x: always read
    np.testing.assert_allclose(chunk.x, values["xyz"][:, 0], rtol=0, atol=1e-8)
    path = _write(tmp_path / "pf8.laz", values, 8)
    chunk = next(iter_chunks(path, dims=["nir", "intensity"]))
    assert list(chunk.attributes) == ["nir", "intensity"]
    np.testing.assert_array_equal(chunk.attributes["nir"], values["nir"])
    np.testing.assert_array_equal(chunk.attributes["intensity"], values["intensity"])


@pytest.mark.parametrize("point_format", [3, 7])
def test_laz_equals_las(tmp_path, point_format):
    values = _known_points(3_000)
    las = _concat(list(iter_chunks(_write(tmp_path / "a.las", values, point_format), chunk_size=1000)))
    laz = _concat(list(iter_chunks(_write(tmp_path / "a.laz", values, point_format), chunk_size=777)))
    assert las.keys() == laz.keys()
    for name in las:
        np.testing.assert_array_equal(laz[name], las[name], err_msg=name)


def test_real_sample_las_and_laz(shared_data):
    las = _concat(list(iter_chunks(shared_data / "simple.las", chunk_size=100)))
    laz = _concat(list(iter_chunks(shared_data / "simple.laz", chunk_size=333)))
    assert len(las["x"]) == 1065
    assert las["x"].min() == pytest.approx(635619.8, abs=0.1)
    assert las["x"].max() == pytest.approx(638982.6, abs=0.1)
    for name in las:
        np.testing.assert_array_equal(laz[name], las[name], err_msg=name)
    np.testing.assert_array_equal(las["x"], _laspy_xyz(shared_data / "simple.las")[:, 0])
    assert {"red", "green", "blue", "gps_time"} <= set(las)


def test_chunk_boundaries_do_not_change_results(tmp_path):
    values = _known_points(5_000)
    path = _write(tmp_path / "c.laz", values, 7)
    small = _concat(list(iter_chunks(path, chunk_size=7)))
    large = _concat(list(iter_chunks(path, chunk_size=1_000_000)))
    for name in large:
        np.testing.assert_array_equal(small[name], large[name], err_msg=name)
    a = read_cloud(path, budget=900, chunk_size=7)
    b = read_cloud(path, budget=900, chunk_size=1_000_000)
    np.testing.assert_array_equal(a.attributes["gps_time"], b.attributes["gps_time"])
    assert a.voxel_size == b.voxel_size and len(a) <= 900
    bounds = (440_100, 4_420_050, 440_300, 4_420_250)
    a = read_cloud(path, budget=900, chunk_size=7, bounds=bounds)
    b = read_cloud(path, budget=900, chunk_size=1_000_000, bounds=bounds)
    np.testing.assert_array_equal(a.attributes["gps_time"], b.attributes["gps_time"])
    np.testing.assert_array_equal(a.xyz, b.xyz)
    assert a.voxel_size == b.voxel_size and a.total_points == b.total_points


# -- CRS ------------------------------------------------------------------------------------
def _utm_points(n: int = 2_000) -> np.ndarray:
    rng = np.random.default_rng(8)
    # Around Beijing in UTM 50N (inside both UTM 50N and the CM 117E Gauss-Kruger zone).
    return np.column_stack(
        [
            np.round(rng.uniform(440_000, 442_000, n), 2),
            np.round(rng.uniform(4_420_000, 4_422_000, n), 2),
            np.round(rng.uniform(30, 80, n), 2),
        ]
    )


def test_reprojection_matches_pyproj_on_the_same_points(tmp_path):
    wkt = pyproj.CRS.from_epsg(UTM50N).to_wkt()
    path = write_las(tmp_path / "utm.laz", _utm_points(), point_format=6, version="1.4", wkt=wkt)
    real = _laspy_xyz(path)
    transformer = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True)
    ex, ey = transformer.transform(real[:, 0], real[:, 1])
    got = _concat(list(iter_chunks(path, chunk_size=300, target_crs=f"EPSG:{BEIJING_GK}")))
    np.testing.assert_allclose(got["x"], ex, rtol=0, atol=1e-6)
    np.testing.assert_allclose(got["y"], ey, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(got["z"], real[:, 2])
    # Both are transverse Mercator on 117E; UTM's 0.9996 scale moves points by ~20 m here.
    assert abs(got["x"] - real[:, 0]).min() > 10


def test_missing_crs_and_target_is_an_error_never_a_guess(tmp_path):
    path = write_las(tmp_path / "nocrs.las", _utm_points(10))
    with pytest.raises(InputError, match="CRS of the points is missing") as err:
        list(iter_chunks(path, target_crs=BEIJING_GK))
    assert "nocrs.las" in str(err.value) and "assign" in str(err.value)
    with pytest.raises(InputError, match="missing"):
        read_cloud(path, target_crs=BEIJING_GK)
    # Without reprojection the points are read, and their CRS stays unknown.
    assert read_cloud(path).crs_wkt is None


def test_source_crs_is_assigned_to_a_file_without_crs(tmp_path):
    path = write_las(tmp_path / "nocrs.las", _utm_points())
    real = _laspy_xyz(path)
    got = _concat(list(iter_chunks(path, target_crs=BEIJING_GK, source_crs=f"EPSG:{UTM50N}")))
    ex, ey = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True).transform(real[:, 0], real[:, 1])
    np.testing.assert_allclose(got["x"], ex, atol=1e-6)
    np.testing.assert_allclose(got["y"], ey, atol=1e-6)
    cloud = read_cloud(path, source_crs=UTM50N)
    assert pyproj.CRS.from_wkt(cloud.crs_wkt).to_epsg() == UTM50N


def test_a_files_own_crs_wins_over_source_crs(tmp_path):
    path = write_las(tmp_path / "gk.las", _utm_points(50), geokeys=geokey_vlr(UTM50N))
    got = _concat(list(iter_chunks(path, target_crs=BEIJING_GK, source_crs=4326)))
    real = _laspy_xyz(path)
    ex, _ = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True).transform(real[:, 0], real[:, 1])
    np.testing.assert_allclose(got["x"], ex, atol=1e-6)


def test_compound_source_to_2d_target_transforms_xy_and_keeps_z(tmp_path):
    path = write_las(tmp_path / "compound.las", _utm_points(), geokeys=geokey_vlr(UTM50N, YELLOW_SEA_1985))
    real = _laspy_xyz(path)
    got = _concat(list(iter_chunks(path, target_crs=BEIJING_GK)))
    ex, ey = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True).transform(real[:, 0], real[:, 1])
    np.testing.assert_allclose(got["x"], ex, atol=1e-6)
    np.testing.assert_allclose(got["y"], ey, atol=1e-6)
    np.testing.assert_array_equal(got["z"], real[:, 2])
    output = pyproj.CRS.from_wkt(read_cloud(path, target_crs=BEIJING_GK).crs_wkt)
    # z is still in the source's vertical datum, and the output CRS says so.
    assert output.is_compound
    assert output.sub_crs_list[0].to_epsg() == BEIJING_GK
    assert output.sub_crs_list[1].name == pyproj.CRS.from_epsg(YELLOW_SEA_1985).name


def test_unknown_target_crs(tmp_path):
    path = write_las(tmp_path / "a.las", _utm_points(5), geokeys=geokey_vlr(UTM50N))
    with pytest.raises(InputError, match="not a known CRS"):
        iter_chunks(path, target_crs="EPSG:999999")


# -- bounds ---------------------------------------------------------------------------------
def test_bounds_filter_is_exact_with_edges_included(tmp_path):
    # A 1 m grid: many points sit exactly on the bounds' edges.
    gx, gy = np.meshgrid(np.arange(440_000.0, 440_050.0), np.arange(4_420_000.0, 4_420_040.0))
    xyz = np.column_stack([gx.ravel(), gy.ravel(), np.full(gx.size, 50.0)])
    path = write_las(tmp_path / "grid.las", xyz)
    bounds = (440_010.0, 4_420_005.0, 440_020.0, 4_420_015.0)
    got = _concat([c for c in iter_chunks(path, chunk_size=97, bounds=bounds)])
    inside = (xyz[:, 0] >= 440_010) & (xyz[:, 0] <= 440_020) & (xyz[:, 1] >= 4_420_005) & (xyz[:, 1] <= 4_420_015)
    assert inside.sum() == 11 * 11
    np.testing.assert_array_equal(np.column_stack([got["x"], got["y"]]), xyz[inside, :2])
    cloud = read_cloud(path, bounds=bounds, budget=10_000)
    assert len(cloud) == 121 and cloud.total_points == 121
    assert np.all(cloud.real_xyz()[:, 0] >= 440_010) and np.all(cloud.real_xyz()[:, 0] <= 440_020)


def test_bounds_are_in_the_output_crs(tmp_path):
    path = write_las(tmp_path / "utm.las", _utm_points(), geokeys=geokey_vlr(UTM50N))
    real = _laspy_xyz(path)
    gx, gy = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True).transform(real[:, 0], real[:, 1])
    bounds = (np.quantile(gx, 0.2), np.quantile(gy, 0.3), np.quantile(gx, 0.7), np.quantile(gy, 0.9))
    got = _concat(list(iter_chunks(path, chunk_size=250, target_crs=BEIJING_GK, bounds=bounds)))
    inside = (gx >= bounds[0]) & (gx <= bounds[2]) & (gy >= bounds[1]) & (gy <= bounds[3])
    np.testing.assert_allclose(got["x"], gx[inside], atol=1e-6)
    np.testing.assert_allclose(got["y"], gy[inside], atol=1e-6)


def test_bounds_beside_the_data_give_an_empty_cloud(tmp_path):
    path = write_las(tmp_path / "a.las", _utm_points(100))
    assert list(iter_chunks(path, bounds=(0, 0, 10, 10))) == []
    cloud = read_cloud(path, bounds=(0, 0, 10, 10))
    assert len(cloud) == 0 and cloud.total_points == 0 and cloud.xyz.shape == (0, 3)


@pytest.mark.parametrize("bounds", [(1, 2, 3), (5, 0, 1, 10), (0, 0, np.nan, 1)])
def test_bad_bounds(tmp_path, bounds):
    path = write_las(tmp_path / "a.las", _utm_points(5))
    with pytest.raises(ValueError, match="bounds"):
        iter_chunks(path, bounds=bounds)


# -- COPC -----------------------------------------------------------------------------------
@pytest.fixture
def copc_file(tmp_path):
    xyz = _utm_points(6_000)
    order = write_copc(tmp_path / "city.copc.laz", xyz, wkt=pyproj.CRS.from_epsg(UTM50N).to_wkt())
    return tmp_path / "city.copc.laz", xyz, order


def test_our_copc_file_is_read_by_laspy_as_copc(copc_file):
    path, xyz, order = copc_file
    with laspy.CopcReader.open(str(path)) as reader:
        assert len(reader.query()) == len(xyz)
    np.testing.assert_array_equal(laspy.read(str(path)).gps_time, order.astype(float))


def test_copc_streams_whole_like_laz(copc_file):
    path, xyz, order = copc_file
    got = _concat(list(iter_chunks(path, chunk_size=1000)))
    np.testing.assert_array_equal(got["gps_time"], order.astype(float))
    np.testing.assert_allclose(np.column_stack([got["x"], got["y"], got["z"]]), xyz[order], atol=0.005)


def test_copc_query_by_bounds_returns_exactly_the_points_inside(copc_file):
    path, xyz, _ = copc_file
    real = np.round(xyz, 2)
    bounds = (440_500.0, 4_420_300.0, 441_100.0, 4_421_500.0)
    chunk = read_copc(path, bounds=bounds)
    inside = (
        (real[:, 0] >= bounds[0]) & (real[:, 0] <= bounds[2]) & (real[:, 1] >= bounds[1]) & (real[:, 1] <= bounds[3])
    )
    assert sorted(chunk.attributes["gps_time"].astype(int)) == np.flatnonzero(inside).tolist()
    assert np.all((chunk.x >= bounds[0]) & (chunk.x <= bounds[2]) & (chunk.y >= bounds[1]) & (chunk.y <= bounds[3]))
    # The same through the streaming API and read_cloud.
    streamed = _concat(list(iter_chunks(path, bounds=bounds, chunk_size=100)))
    assert sorted(streamed["gps_time"].astype(int)) == np.flatnonzero(inside).tolist()
    cloud = read_cloud(path, bounds=bounds, budget=100_000)
    assert cloud.total_points == inside.sum()


def test_copc_resolution_reads_only_the_coarse_levels(copc_file):
    path, xyz, _ = copc_file
    # Root spacing 10 m: a 20 m resolution needs the root node only (every 8th point).
    coarse = read_copc(path, resolution=20.0)
    assert sorted(coarse.attributes["gps_time"].astype(int)) == list(range(0, len(xyz), 8))
    assert len(read_copc(path, resolution=1.0)) == len(xyz)
    bounds = (440_000.0, 4_420_000.0, 441_000.0, 4_421_000.0)
    both = read_copc(path, bounds=bounds, resolution=20.0)
    ids = both.attributes["gps_time"].astype(int)
    assert np.all(ids % 8 == 0) and len(ids) > 0
    assert np.all((both.x >= 440_000.0) & (both.x <= 441_000.0))


def test_copc_query_with_reprojected_bounds(copc_file):
    path, xyz, _ = copc_file
    real = np.round(xyz, 2)
    gx, gy = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True).transform(real[:, 0], real[:, 1])
    bounds = (np.quantile(gx, 0.1), np.quantile(gy, 0.1), np.quantile(gx, 0.6), np.quantile(gy, 0.5))
    chunk = read_copc(path, bounds=bounds, target_crs=BEIJING_GK)
    inside = (gx >= bounds[0]) & (gx <= bounds[2]) & (gy >= bounds[1]) & (gy <= bounds[3])
    assert sorted(chunk.attributes["gps_time"].astype(int)) == np.flatnonzero(inside).tolist()


def test_read_copc_refuses_other_files(tmp_path):
    path = write_las(tmp_path / "plain.laz", _utm_points(10))
    with pytest.raises(InputError, match="not a COPC file") as err:
        read_copc(path)
    assert "plain.laz" in str(err.value)


# -- read_cloud -------------------------------------------------------------------------------
def test_read_cloud_within_budget_returns_every_point(tmp_path):
    values = _known_points(2_000)
    path = _write(tmp_path / "a.laz", values, 3)
    cloud = read_cloud(path, budget=2_000)
    assert len(cloud) == 2_000 and cloud.total_points == 2_000 and cloud.voxel_size is None
    np.testing.assert_allclose(cloud.real_xyz(), values["xyz"], atol=0.001)
    np.testing.assert_array_equal(cloud.attributes["red"], values["red"])
    assert cloud.source == str(path)


def test_read_cloud_decimates_to_the_budget(tmp_path):
    values = _known_points(20_000)
    path = _write(tmp_path / "a.las", values, 7)
    cloud = read_cloud(path, budget=3_000, chunk_size=4_000)
    assert 2_000 <= len(cloud) <= 3_000
    assert cloud.total_points == 20_000 and cloud.voxel_size > 0
    # Every point returned is a point of the file, with its own attributes.
    ids = np.rint((cloud.attributes["gps_time"] - 3.0e8) / 1.0e-5).astype(int)
    np.testing.assert_allclose(cloud.real_xyz(), values["xyz"][ids], atol=0.001)
    np.testing.assert_array_equal(cloud.attributes["classification"], values["classification"][ids])
    assert np.all(np.diff(ids) > 0)


def test_read_cloud_reprojected_and_decimated(tmp_path):
    wkt = pyproj.CRS.from_epsg(UTM50N).to_wkt()
    path = write_las(tmp_path / "utm.las", _utm_points(8_000), point_format=6, version="1.4", wkt=wkt)
    cloud = read_cloud(path, budget=1_000, target_crs=BEIJING_GK)
    assert len(cloud) <= 1_000
    assert pyproj.CRS.from_wkt(cloud.crs_wkt).to_epsg() == BEIJING_GK
    real = _laspy_xyz(path)
    gx, gy = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True).transform(real[:, 0], real[:, 1])
    got = cloud.real_xyz()
    assert gx.min() - 0.01 <= got[:, 0].min() and got[:, 0].max() <= gx.max() + 0.01
    assert gy.min() - 0.01 <= got[:, 1].min() and got[:, 1].max() <= gy.max() + 0.01


def test_local_origin_round_trip_at_gauss_kruger_magnitudes(tmp_path):
    rng = np.random.default_rng(12)
    n = 5_000
    xyz = np.column_stack(
        [
            np.round(rng.uniform(499_000, 501_500, n), 3),
            np.round(rng.uniform(4_399_000, 4_401_000, n), 3),
            np.round(rng.uniform(20, 300, n), 3),
        ]
    )
    path = write_las(tmp_path / "gk.las", xyz, scale=0.001)
    real = _laspy_xyz(path)
    whole = read_cloud(path, budget=n)
    assert whole.xyz.dtype == np.float32
    assert np.abs(whole.real_xyz() - real).max() <= 0.001
    # Decimated: every point maps back to a real point to the millimetre.
    thinned = read_cloud(path, budget=800)
    got = thinned.real_xyz()
    nearest = np.array([np.abs(real - p).sum(axis=1).argmin() for p in got])
    assert np.abs(got - real[nearest]).max() <= 0.001
    assert thinned.origin[0] % 100 == 0 and thinned.origin[1] % 100 == 0


# -- progress, cancel, bad files --------------------------------------------------------------
def test_progress_is_monotonic_and_ends_at_one(tmp_path):
    path = write_las(tmp_path / "a.las", _utm_points(2_500))
    for run in (
        lambda p: list(iter_chunks(path, chunk_size=300, progress=p)),
        lambda p: read_cloud(path, 500, 300, progress=p),
    ):
        seen = []
        run(seen.append)
        assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 2_500 // 300
        assert all(0.0 <= v <= 1.0 for v in seen)


def test_cancel_mid_way(tmp_path):
    path = write_las(tmp_path / "a.laz", _utm_points(3_000))
    for run in (
        lambda cancel: list(iter_chunks(path, chunk_size=200, is_canceled=cancel)),
        lambda cancel: read_cloud(path, budget=100, chunk_size=200, is_canceled=cancel),
    ):
        calls = []

        def cancel_on_third_check(calls=calls) -> bool:
            calls.append(1)
            return len(calls) >= 3

        with pytest.raises(Canceled):
            run(cancel_on_third_check)
        assert len(calls) == 3


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found") as err:
        iter_chunks(tmp_path / "nope.las")
    assert "nope.las" in str(err.value)
    with pytest.raises(InputError, match="file not found"):
        read_cloud(tmp_path / "nope.laz")


def test_empty_and_wrong_files(tmp_path):
    empty = tmp_path / "empty.las"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as err:
        read_cloud(empty)
    assert err.value.source == str(empty)
    notes = tmp_path / "notes.laz"
    notes.write_text("this is not a point cloud\n" * 20)
    with pytest.raises(InputError, match="not a readable LAS/LAZ file") as err:
        list(iter_chunks(notes))
    assert "notes.laz" in str(err.value)


@pytest.mark.parametrize(("suffix", "cut_bytes"), [(".las", 34 * 100), (".las", 34 * 100 + 7), (".laz", 500)])
def test_truncated_file_names_the_file_and_how_far_reading_got(tmp_path, suffix, cut_bytes):
    whole = write_las(tmp_path / f"whole{suffix}", _utm_points(1_000))
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[:-cut_bytes])
    for run in (lambda: list(iter_chunks(cut, chunk_size=250)), lambda: read_cloud(cut, budget=100, chunk_size=250)):
        with pytest.raises(InputError, match="truncated|cannot be read") as err:
            run()
        assert f"cut{suffix}" in str(err.value)
        assert "1,000" in str(err.value)  # the points the header promised


def test_empty_point_cloud_file(tmp_path):
    path = write_las(tmp_path / "none.las", np.zeros((0, 3)))
    assert list(iter_chunks(path)) == []
    cloud = read_cloud(path)
    assert len(cloud) == 0 and cloud.total_points == 0


# -- read_cloud's threaded path against the plain decimator -------------------------------------
def _scan_city(n: int, seed: int = 4) -> np.ndarray:
    """A small airborne-like survey in scan-line order: sloping ground and 50 m blocks with
    roofs 0-108 m high (so columns span more than the decimator's 64-voxel window)."""
    rng = np.random.default_rng(seed)
    per_line = 400
    line, pos = np.divmod(np.arange(n), per_line)
    pos = np.where(line % 2 == 0, pos, per_line - 1 - pos)
    lx = (pos + rng.uniform(0.0, 1.0, n)) * (400.0 / per_line)
    ly = (line + rng.uniform(0.0, 1.0, n)) * (300.0 / -(-n // per_line))
    z = 40.0 + 0.01 * lx + rng.normal(0.0, 0.05, n)
    bx, by = np.floor(lx / 50.0), np.floor(ly / 50.0)
    roof = (lx - bx * 50.0 > 10.0) & (lx - bx * 50.0 < 40.0) & (ly - by * 50.0 > 10.0) & (ly - by * 50.0 < 40.0)
    z = np.where(roof, z + ((bx * 7 + by * 13) % 10) * 12.0, z)
    return np.column_stack([440_000.0 + lx, 4_420_000.0 + ly, z])


def _volume(n: int, seed: int = 2) -> np.ndarray:
    """Points filling a 300 m tall box: far more voxels than the budget's area estimate."""
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [440_000.0 + rng.uniform(0, 400, n), 4_420_000.0 + rng.uniform(0, 300, n), rng.uniform(0, 300, n)]
    )


@pytest.mark.parametrize(
    ("cloud", "budget", "path"),
    [
        ("city", 3_000, "fit answered during the stream"),
        ("city", 1_000, "fit searched further"),
        ("city", 60_000, "fit of a raw working set"),
        ("city+far", 5_000, "within the budget"),
        ("volume", 2_000, "coarsened, then within the budget"),
        ("volume", 5_000, "coarsened, then fit answered during the stream"),
        ("volume", 20_000, "coarsened, then fit searched further"),
        ("city+far", 5_000, "no probe for a fine voxel over a sparse extent"),
    ],
)
def test_read_cloud_equals_the_plain_decimator_on_every_path(tmp_path, monkeypatch, cloud, budget, path):
    """read_cloud keeps raw records, gathers and probes on a second thread and builds the final
    points there: the same points as a plain VoxelDecimator fed the file's chunks in order,
    on the same grid, whichever way the fit goes (which one it went is checked too)."""
    from citytwin.twin import decimate

    xyz = {"city": _scan_city, "volume": _volume}[cloud.split("+")[0]](120_000 if cloud != "volume" else 60_000)
    if cloud == "city+far":  # one far point: an extent the data fill a sliver of
        xyz = np.vstack([xyz, [[445_000.0, 4_425_000.0, 40.0]]])
    ids = np.arange(len(xyz), dtype=np.uint32)
    file = write_las(tmp_path / f"{cloud}.las", xyz, point_format=1, extra={"id": ids})

    seen: list[str] = []
    fit, coarsen = decimate.VoxelDecimator._fit, decimate.VoxelDecimator._coarsen
    monkeypatch.setattr(
        decimate.VoxelDecimator,
        "_fit",
        lambda self, *a, **k: (
            seen.append("probed" if k.get("probed") else "raw" if k["raw"] else "fit") or fit(self, *a, **k)
        ),
    )
    monkeypatch.setattr(decimate.VoxelDecimator, "_coarsen", lambda self: seen.append("coarsen") or coarsen(self))
    # A fine voxel over the far point's extent: a probe table of a million columns would
    # cost far more than the budget's points, so none is made and the fit runs at the end.
    resolution = 0.5 if path.startswith("no probe") else None
    got = read_cloud(file, budget=budget, chunk_size=7_000, resolution=resolution)
    expected_path = {
        "fit answered during the stream": [],
        "fit searched further": ["probed"],
        "fit of a raw working set": ["raw"],
        "within the budget": [],
        "coarsened, then within the budget": ["coarsen", "coarsen"],
        "coarsened, then fit answered during the stream": ["coarsen", "coarsen"],
        "coarsened, then fit searched further": ["coarsen", "coarsen", "probed"],
        "no probe for a fine voxel over a sparse extent": ["fit"],
    }[path]
    assert seen == expected_path

    with laspy.open(str(file)) as reader:
        header = reader.header
    plain = decimate.VoxelDecimator(
        budget,
        voxel_size=resolution,
        extent=np.concatenate([header.mins, header.maxs]),
        quantum=header.scales,
        lattice_offsets=header.offsets,
        expected_points=header.point_count,
    )
    for chunk in iter_chunks(file, chunk_size=5_000):
        plain.add(chunk)
    want = plain.result()
    np.testing.assert_array_equal(got.attributes["id"], want.attributes["id"])
    np.testing.assert_allclose(got.real_xyz(), np.column_stack([want.x, want.y, want.z]), atol=0.001)
    assert got.voxel_size == plain.voxel_size
    assert 0 < len(got) <= budget


def test_reprojected_read_cloud_carries_its_coordinates_through_the_threads(tmp_path, monkeypatch):
    """Reprojected points cannot come back from the records: the kept points carry them. The
    threaded (compiled) read equals the single-threaded NumPy read point for point."""
    from citytwin.twin import voxel_kernel

    xyz = _scan_city(60_000)
    wkt = pyproj.CRS.from_epsg(UTM50N).to_wkt()
    ids = np.arange(60_000, dtype=np.uint32)
    file = write_las(tmp_path / "utm.las", xyz, point_format=1, wkt=wkt, extra={"id": ids})
    results = []
    for available in (True, False):
        monkeypatch.setattr(voxel_kernel, "AVAILABLE", available)
        results.append(read_cloud(file, budget=2_000, chunk_size=7_000, target_crs=BEIJING_GK))
    threaded, single = results
    assert 0 < len(threaded) <= 2_000
    np.testing.assert_array_equal(threaded.attributes["id"], single.attributes["id"])
    np.testing.assert_array_equal(threaded.xyz, single.xyz)
    np.testing.assert_array_equal(threaded.origin, single.origin)
    gx, gy = pyproj.Transformer.from_crs(UTM50N, BEIJING_GK, always_xy=True).transform(
        xyz[threaded.attributes["id"], 0], xyz[threaded.attributes["id"], 1]
    )
    np.testing.assert_allclose(threaded.real_xyz()[:, :2], np.column_stack([gx, gy]), atol=0.01)


def test_kept_records_take_across_parts_and_build_the_same_points(tmp_path):
    """The reader's working set (raw records in parts, one per chunk read): positions taken
    across part boundaries, or none at all, give the file's own points and attributes."""
    from citytwin.twin import reader

    xyz = _scan_city(1_000)
    ids = np.arange(1_000, dtype=np.uint32)
    path = write_las(tmp_path / "k.las", xyz, point_format=1, extra={"id": ids})
    plan = reader._plan(path, None, None, None, None, None, 300)
    records = list(reader._records(plan, 300))
    kept = reader._Kept.concat([reader._Kept([record], plan.names) for record in records])
    assert len(kept.parts) == 4 and len(kept) == 1_000
    want = _laspy_xyz(path)
    for index in (np.array([0, 299, 300, 599, 600, 999]), np.arange(250, 700, 3), np.array([], dtype=np.int64)):
        chunk = kept.take(index).chunk()
        np.testing.assert_array_equal(chunk.attributes["id"], ids[index])
        np.testing.assert_array_equal(np.column_stack([chunk.x, chunk.y, chunk.z]), want[index])
        raw = np.column_stack(kept.take(index).raw_xyz())
        np.testing.assert_array_equal(raw, np.rint((want[index] - plan.header.offsets) / 0.01).astype(np.int32))
    # Reprojected coordinates are carried, not rebuilt from the records.
    moved = reader._Kept.concat(
        [reader._Kept([r], plan.names, [(np.asarray(r.x) + 5.0, np.asarray(r.y), np.asarray(r.z))]) for r in records]
    )
    np.testing.assert_array_equal(moved.take(np.array([5, 700])).x, want[[5, 700], 0] + 5.0)
    assert len(moved.take(np.array([], dtype=np.int64)).chunk().x) == 0
