"""LOS decomposition against a hand-worked example; IDW against its formula evaluated by hand."""

from __future__ import annotations

import numpy as np
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.processing.decomposition import Geometry, decompose, los_from_angles, solve_pair
from citytwin.processing.rate_surface import idw_surface
from citytwin.twin.terrain import NODATA


def test_two_geometry_example_worked_by_hand():
    # Ground motion vE = +3, vU = -20 mm/yr (north neglected).
    # asc  LOS (e, u) = (-0.6, 0.8): v_asc  = -0.6*3 + 0.8*-20 = -1.8 - 16 = -17.8
    # desc LOS (e, u) = ( 0.6, 0.8): v_desc =  0.6*3 + 0.8*-20 =  1.8 - 16 = -14.2
    # det = e_a u_d - e_d u_a = -0.48 - 0.48 = -0.96
    # vE = (u_d v_a - u_a v_d)/det = (0.8*-17.8 - 0.8*-14.2)/-0.96 = -2.88/-0.96 = 3
    # vU = (e_a v_d - e_d v_a)/det = (-0.6*-14.2 - 0.6*-17.8)/-0.96 = 19.2/-0.96 = -20
    east, up = solve_pair(np.array([-17.8]), np.array([-14.2]), -0.6, 0.8, 0.6, 0.8)
    assert east[0] == pytest.approx(3.0) and up[0] == pytest.approx(-20.0)


def test_los_vector_from_incidence_and_heading():
    # Sentinel-1 ascending over Beijing: heading -12.4°, incidence 38.7° (EGMS-style vector).
    e, n, u = los_from_angles(38.7, -12.4)
    # sin 38.7° = 0.62524, cos 38.7° = 0.78043, cos 12.4° = 0.97667, sin 12.4° = 0.21474
    assert (e, n, u) == pytest.approx((-0.61066, -0.13426, 0.78043), abs=1e-4)
    assert np.hypot(np.hypot(e, n), u) == pytest.approx(1.0)


def test_pairs_are_mutual_nearest_within_the_distance():
    e_a, n_a, u_a = los_from_angles(38.7, -12.4)
    e_d, n_d, u_d = los_from_angles(37.6, -167.8)
    x_a = np.array([0.0, 100.0, 200.0, 500.0])
    x_d = np.array([5.0, 104.0, 190.0, 900.0])  # 500 and 900 are too far apart
    ve, vu = np.array([2.0, -1.0, 0.0, 0.0]), np.array([-30.0, -10.0, -5.0, 0.0])
    v_a = e_a * ve + u_a * vu
    v_d = e_d * np.array([2.0, -1.0, 0.0, 7.0]) + u_d * np.array([-30.0, -10.0, -5.0, 7.0])
    asc = Geometry(x_a, np.zeros(4), v_a, np.full(4, e_a), np.full(4, u_a), np.full(4, n_a), np.full(4, 1.0))
    desc = Geometry(x_d, np.zeros(4), v_d, np.full(4, e_d), np.full(4, u_d), np.full(4, n_d), np.full(4, 1.0))
    result = decompose(asc, desc, max_distance=20.0)
    assert list(result.asc_index) == [0, 1, 2] and list(result.desc_index) == [0, 1, 2]
    assert np.allclose(result.east, ve[:3]) and np.allclose(result.vertical, vu[:3])
    assert np.allclose(result.x, [2.5, 102.0, 195.0])
    # σ by propagation: vU = (e_a v_d - e_d v_a)/det with σ=1 on both -> sqrt(e_a²+e_d²)/|det|
    det = e_a * u_d - e_d * u_a
    assert result.vertical_sd[0] == pytest.approx(np.hypot(e_a, e_d) / abs(det))
    assert any("north-south component is neglected" in note for note in result.notes)


def test_decomposition_bad_input():
    ok = dict(x=np.zeros(2), y=np.zeros(2), velocity=np.zeros(2), los_east=np.full(2, 0.6), los_up=np.full(2, 0.8))
    with pytest.raises(InputError, match="'velocity' has 1 values for 2 points"):
        Geometry(**{**ok, "velocity": np.zeros(1)}, name="asc.gpkg")
    with pytest.raises(InputError, match="length 1.414"):
        Geometry(**{**ok, "los_east": np.ones(2), "los_up": np.ones(2)}, los_north=np.zeros(2), name="asc.gpkg")
    with pytest.raises(InputError, match="pairing distance must be positive"):
        decompose(Geometry(**ok), Geometry(**ok), 0)


def test_idw_matches_its_formula_and_masks_sparse_areas():
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 100, 60), rng.uniform(0, 100, 60)
    v = -0.3 * x + rng.normal(0, 1, 60)
    x = np.append(x, 500.0)  # a lone point far away: its cells have one neighbour only
    y = np.append(y, 500.0)
    v = np.append(v, -40.0)
    surface = idw_surface(x, y, v, cell_size=10.0, radius=30.0, power=2, min_points=3, max_points=8)
    xs, ys = surface.spec.cell_centres()
    checked = 0
    for r in range(0, surface.spec.n_rows, 3):
        for c in range(0, surface.spec.n_cols, 3):
            d = np.hypot(x - xs[c], y - ys[r])
            near = np.argsort(d)[:8]
            near = near[d[near] <= 30.0]
            if near.size < 3:
                assert surface.values[r, c] == NODATA
                continue
            w = 1 / d[near] ** 2
            assert surface.values[r, c] == pytest.approx(np.sum(w * v[near]) / np.sum(w), rel=1e-5)
            checked += 1
    assert checked > 5
    row, col = surface.spec.rows_cols(np.array([500.0]), np.array([500.0]))
    assert surface.values[row[0], col[0]] == NODATA and surface.counts[row[0], col[0]] == 1


def test_idw_point_on_a_cell_centre_gives_its_value():
    surface = idw_surface(np.array([5.0, 25.0, 5.0]), np.array([5.0, 5.0, 25.0]), np.array([1.0, 2.0, 3.0]), 10, 50)
    row, col = surface.spec.rows_cols(np.array([5.0]), np.array([5.0]))
    assert surface.values[row[0], col[0]] == pytest.approx(1.0)


def test_idw_bad_input_and_cancel():
    with pytest.raises(InputError, match="search radius must be positive"):
        idw_surface(np.zeros(3), np.zeros(3), np.zeros(3), 10, 0)
    with pytest.raises(InputError, match="no point with a finite value"):
        idw_surface(np.zeros(3), np.zeros(3), np.full(3, np.nan), 10, 5)
    with pytest.raises(Canceled):
        idw_surface(np.arange(3.0), np.arange(3.0), np.zeros(3), 1, 5, is_canceled=lambda: True)
