"""Voxel decimation against independent recomputations on points of known layout."""

from __future__ import annotations

import numpy as np
import pytest

from citytwin.twin.cloud import PointChunk
from citytwin.twin.decimate import VoxelDecimator, decimate, estimate_voxel_size

EXTENT = (440_000.0, 4_420_000.0, 30.0, 440_400.0, 4_420_300.0, 80.0)


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def decimation_path(request, monkeypatch):
    """Every test runs on both implementations of the voxel test: numba's and NumPy's."""
    from citytwin.twin import voxel_kernel

    if request.param == "compiled":
        assert voxel_kernel.AVAILABLE, "numba is missing: it is part of the test set-up (requirements.txt)"
    else:
        monkeypatch.setattr(voxel_kernel, "AVAILABLE", False)
    return request.param


def _cloud(n: int, seed: int = 5, z_span: float = 2.0) -> PointChunk:
    """Uniform 2.5D points (a gently rough ground) on a 1 cm lattice, with their index as id."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(EXTENT[0], EXTENT[3], n), 2)
    y = np.round(rng.uniform(EXTENT[1], EXTENT[4], n), 2)
    z = np.round(40.0 + rng.uniform(0.0, z_span, n), 2)
    return PointChunk(x, y, z, {"id": np.arange(n), "intensity": rng.integers(0, 4000, n).astype(np.uint16)})


def _stream(points: PointChunk, budget: int, chunk_size: int, **kwargs) -> tuple[PointChunk, VoxelDecimator]:
    decimator = VoxelDecimator(budget, extent=EXTENT, quantum=0.01, **kwargs)
    for start in range(0, len(points), chunk_size):
        decimator.add(points.take(np.arange(start, min(start + chunk_size, len(points)))))
    return decimator.result(), decimator


def _voxels(points: PointChunk, decimator: VoxelDecimator) -> np.ndarray:
    """Voxel of each point recomputed here from the documented rule, as (N, 3) integers."""
    origin, quantum, size = decimator.origin, decimator.quantum, decimator.voxel_size
    cells = []
    for values, anchor, step in zip((points.x, points.y, points.z), origin, quantum):
        on_lattice = np.rint((values - anchor) / step).astype(np.int64)
        cells.append(np.floor_divide(on_lattice, round(size / step)))
    return np.stack(cells, axis=1)


def _first_per_voxel(voxels: np.ndarray) -> np.ndarray:
    """Positions of the first point (in order) of every occupied voxel, by sorting."""
    _, first = np.unique(voxels, axis=0, return_index=True)
    return np.sort(first)


@pytest.mark.parametrize("budget", [1, 10, 997, 5_000, 19_999])
def test_never_more_than_the_budget(budget):
    points = _cloud(20_000)
    result, _ = _stream(points, budget, 3_000)
    assert 0 < len(result) <= budget


@pytest.mark.parametrize("budget", [800, 5_000, 15_000])
def test_at_most_one_point_per_voxel_at_the_final_size(budget):
    points = _cloud(20_000)
    result, decimator = _stream(points, budget, 4_096)
    assert decimator.voxel_size is not None
    voxels = _voxels(result, decimator)
    assert len(np.unique(voxels, axis=0)) == len(result)


@pytest.mark.parametrize("budget", [3_000, 10_000, 25_000])
def test_budget_is_used_well_on_terrain(budget):
    # 2.5D lidar-like: rolling terrain. Octree levels alone would jump 4x in count; the
    # final fit lands close to the budget.
    points = _cloud(60_000)
    relief = np.sin((points.x - EXTENT[0]) / 60.0) * np.cos((points.y - EXTENT[1]) / 45.0)
    points.z = np.round(40.0 + 12.0 * relief, 2)
    result, _ = _stream(points, budget, 8_192)
    assert 0.7 * budget <= len(result) <= budget


def test_thin_flat_layer_still_fits():
    # A flat 2 m layer is the worst case: whether it spans one or two voxel layers flips
    # with the voxel size, so counts are not monotonic in it. The fit must still fit.
    points = _cloud(50_000)
    result, _ = _stream(points, 10_000, 8_192)
    assert 0.5 * 10_000 <= len(result) <= 10_000


def test_kept_points_are_the_first_of_their_voxel_when_streamed_at_nested_levels():
    # headroom=1: the working set never exceeds the budget, so no final fit: the result
    # must be exactly "first point in input order of every occupied voxel" at that size.
    points = _cloud(30_000)
    result, decimator = _stream(points, 3_000, 2_500, headroom=1.0)
    expected = _first_per_voxel(_voxels(points, decimator))
    np.testing.assert_array_equal(result.attributes["id"], expected)


def test_a_raw_working_set_is_fitted_from_all_points():
    # 6k points, budget 4k, cap 8k: the points are never thinned while streaming, so the
    # fit sees them all and its answer is the first point of every voxel at its size.
    points = _cloud(6_000)
    result, decimator = _stream(points, 4_000, 1_000)
    assert len(result) <= 4_000
    expected = _first_per_voxel(_voxels(points, decimator))
    np.testing.assert_array_equal(result.attributes["id"], expected)


def test_evenly_spread_on_uniform_input():
    points = _cloud(60_000)
    result, _ = _stream(points, 6_000, 10_000)
    # Kept points per 40 m x 30 m cell: a uniform input must give a uniform output.
    cx = np.floor((result.x - EXTENT[0]) / 40.0).astype(int).clip(0, 9)
    cy = np.floor((result.y - EXTENT[1]) / 30.0).astype(int).clip(0, 9)
    counts = np.bincount(cx * 10 + cy, minlength=100)
    assert counts.min() > 0
    assert counts.std() / counts.mean() < 0.1


def test_deterministic_across_runs_and_chunk_sizes():
    points = _cloud(25_000)
    results = [_stream(points, 4_000, size)[0].attributes["id"] for size in (7, 1_000, 25_000, 1_000_000)]
    again = _stream(points, 4_000, 1_000)[0].attributes["id"]
    for ids in [*results[1:], again]:
        np.testing.assert_array_equal(ids, results[0])


def test_deterministic_across_chunk_sizes_with_coarsening():
    # Budget far below the input with little headroom: several octree coarsenings happen
    # at different moments of the stream depending on the chunk size.
    points = _cloud(40_000, z_span=20.0)
    first = _stream(points, 500, 7, headroom=1.5)
    second = _stream(points, 500, 9_999, headroom=1.5)
    np.testing.assert_array_equal(first[0].attributes["id"], second[0].attributes["id"])
    assert first[1].voxel_size == second[1].voxel_size


def test_everything_comes_back_when_under_budget():
    points = _cloud(3_000)
    result, decimator = _stream(points, 3_000, 700)
    np.testing.assert_array_equal(result.attributes["id"], np.arange(3_000))
    np.testing.assert_array_equal(result.x, points.x)
    assert decimator.voxel_size is None
    assert decimator.points_seen == 3_000


def test_attributes_follow_their_points():
    points = _cloud(10_000)
    result, _ = _stream(points, 1_000, 999)
    ids = result.attributes["id"]
    np.testing.assert_array_equal(result.attributes["intensity"], points.attributes["intensity"][ids])
    np.testing.assert_array_equal(result.z, points.z[ids])
    assert np.all(np.diff(ids) > 0)  # input order is kept


def test_tall_columns_and_points_outside_the_extent_are_exact():
    # Tall columns (z over 300 voxels, beyond a column's 64-voxel window) and points
    # outside the declared extent take the hash-set path: the rule must still hold.
    rng = np.random.default_rng(9)
    n = 20_000
    x = np.round(rng.uniform(EXTENT[0] - 50, EXTENT[3] + 50, n), 2)
    y = np.round(rng.uniform(EXTENT[1] - 50, EXTENT[4] + 50, n), 2)
    z = np.round(rng.uniform(0.0, 900.0, n), 2)
    points = PointChunk(x, y, z, {"id": np.arange(n)})
    result, decimator = _stream(points, 4_000, 3_333, headroom=1.0)
    expected = _first_per_voxel(_voxels(points, decimator))
    np.testing.assert_array_equal(result.attributes["id"], expected)


def test_voxels_from_a_files_integer_coordinates_match_the_real_ones():
    # The reader computes voxels from a LAS file's integers (X = (x - offset) / scale):
    # the result must equal decimating the real coordinates on the same lattice.
    points = _cloud(30_000)
    scale, offsets = 0.01, np.array([439_000.0, 4_419_000.0, 0.0])
    raw = [
        np.rint((values - offset) / scale).astype(np.int32)
        for values, offset in zip((points.x, points.y, points.z), offsets)
    ]
    common = {"budget": 3_000, "extent": EXTENT, "quantum": scale, "lattice_offsets": offsets}
    from_real = VoxelDecimator(**common, expected_points=30_000)
    from_raw = VoxelDecimator(**common, expected_points=30_000)
    assert from_raw.accepts_raw and not VoxelDecimator(10, extent=EXTENT).accepts_raw
    for start in range(0, 30_000, 4_000):
        part = points.take(np.arange(start, min(start + 4_000, 30_000)))
        from_real.add(part)
        prepared = from_raw.prepare_raw(*(values[start : start + 4_000] for values in raw))
        from_raw.add(part, prepared)
    np.testing.assert_array_equal(from_raw.result().attributes["id"], from_real.result().attributes["id"])
    assert from_raw.voxel_size == from_real.voxel_size


def test_decimate_convenience():
    points = _cloud(12_000)
    result = decimate(points, 2_000)
    assert 1_000 <= len(result) <= 2_000
    assert decimate(points, 12_000) is points
    np.testing.assert_array_equal(decimate(points, 2_000).attributes["id"], result.attributes["id"])


def test_initial_voxel_from_area_and_budget():
    assert estimate_voxel_size((0, 0, 0, 1000, 400, 50), 10_000) == pytest.approx(np.sqrt(400_000 / 10_000))
    assert estimate_voxel_size((0, 0, 0, 0, 1000, 0), 100) == pytest.approx(10.0)  # a line
    assert estimate_voxel_size((5, 5, 5, 5, 5, 5), 100) == 1.0  # a single position


def test_single_position_and_empty_input():
    same = PointChunk(np.full(100, 3.0), np.full(100, 4.0), np.full(100, 5.0), {"id": np.arange(100)})
    assert decimate(same, 10).attributes["id"].tolist() == [0]
    decimator = VoxelDecimator(10)
    assert len(decimator.result()) == 0


@pytest.mark.parametrize("kwargs", [{"budget": 0}, {"budget": 10, "headroom": 0.5}, {"budget": 10, "voxel_size": -1.0}])
def test_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        VoxelDecimator(**kwargs)


def test_result_only_once():
    decimator = VoxelDecimator(10, extent=EXTENT)
    decimator.add(_cloud(100))
    decimator.result()
    with pytest.raises(RuntimeError):
        decimator.result()
    with pytest.raises(RuntimeError):
        decimator.add(_cloud(10))


def test_compiled_and_numpy_paths_give_the_same_points(monkeypatch, tmp_path, decimation_path):
    """The numba kernel and the NumPy rounds are two implementations of one rule: same
    points, in the same order, through the reader's raw path (threads) and the float path."""
    if decimation_path != "compiled":
        pytest.skip("compares the two paths once")
    from citytwin.twin import voxel_kernel
    from citytwin.twin.reader import read_cloud
    from citytwin_testing.lasfiles import write_las

    rng = np.random.default_rng(21)
    n = 60_000
    xyz = np.column_stack(
        [rng.uniform(EXTENT[0], EXTENT[3], n), rng.uniform(EXTENT[1], EXTENT[4], n), rng.uniform(0.0, 300.0, n)]
    )
    path = write_las(tmp_path / "tall.las", xyz, np.full(n, 1, dtype=np.uint8))
    tall = PointChunk(xyz[:, 0].round(2), xyz[:, 1].round(2), xyz[:, 2].round(2), {"id": np.arange(n)})
    results = {}
    for available in (True, False):
        monkeypatch.setattr(voxel_kernel, "AVAILABLE", available)
        cloud = read_cloud(path, budget=5_000, chunk_size=7_000)
        streamed, _ = _stream(tall, 4_000, 3_333, headroom=1.0)
        results[available] = (cloud.real_xyz(), cloud.voxel_size, streamed.attributes["id"])
    np.testing.assert_array_equal(results[True][0], results[False][0])
    assert results[True][1] == results[False][1]
    np.testing.assert_array_equal(results[True][2], results[False][2])


def test_compiled_floor_division_is_exact_at_voxel_faces(decimation_path):
    """The kernel finds voxels with a float reciprocal and no correction step (see
    voxel_kernel._floor_div): it must equal integer floor division, above all where a
    coordinate is a whole number of voxels or one quantum either side of one."""
    if decimation_path != "compiled":
        pytest.skip("the compiled kernel only")
    from numba import njit

    from citytwin.twin import voxel_kernel

    @njit
    def divide_all(d, e):
        out = np.empty(d.shape[0], dtype=np.int64)
        inv = 1.0 / e
        for i in range(d.shape[0]):
            out[i] = voxel_kernel._floor_div(d[i], inv)
        return out

    rng = np.random.default_rng(9)
    for e in (1, 2, 3, 7, 100, 106, 999, 65_537, 2**20 + 1, 2**31 - 1, 2**33 + 5):
        q = rng.integers(-(2**33) // e - 2, 2**33 // e + 2, 20_000)
        faces = (q[:, None] * e + np.array([-1, 0, 1, e - 1])[None, :]).ravel()
        d = np.concatenate([faces, rng.integers(-(2**33), 2**33, 20_000), [0, -1, 1, 2**33, -(2**33)]])
        np.testing.assert_array_equal(divide_all(d.astype(np.int64), np.int64(e)), d // e, err_msg=f"edge {e}")


def test_raw_voxels_far_from_the_origin_fall_back_to_exact_division(decimation_path):
    """A header whose extent lies absurdly far from its offsets puts the raw origin beyond
    the kernel's exact range: the voxels then come from integer division, still exact."""
    from citytwin.twin import voxel_kernel
    from citytwin.twin.decimate import _VoxelSet

    if decimation_path != "compiled":
        pytest.skip("first_new_raw is the compiled path")
    rng = np.random.default_rng(4)
    raw = [rng.integers(-(2**31), 2**31 - 1, 5_000).astype(np.int32) for _ in range(3)]
    raw[0][1::2] = raw[0][::2]  # pairs of points that share a voxel
    raw[1][1::2], raw[2][1::2] = raw[1][::2], raw[2][::2]
    edges = np.array([1_000_003, 1_000_003, 999_999])
    for shift in (0, voxel_kernel.RAW_ORIGIN_LIMIT + 12_345):
        origin = np.array([shift, -shift, 7])
        keep = _VoxelSet((8, 8)).first_new_raw(*raw, origin, edges)
        cells = np.stack([(r.astype(np.int64) - o) // e for r, o, e in zip(raw, origin, edges)], axis=1)
        np.testing.assert_array_equal(np.flatnonzero(keep), _first_per_voxel(cells))
