"""Building damage risk from PS settlement, against closed forms and hand-worked buildings."""

from __future__ import annotations

import copy
import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from citytwin.common.errors import Canceled, InputError
from citytwin.processing.building_risk import (
    DAMAGE_CLASSES,
    FIELD_DESCRIPTIONS,
    building_risk,
    damage_class,
)

UTM50N = 32650


def plane_mm(x, y):
    """s = 2 + 0.001 x - 0.0005 y, in metres, returned in millimetres."""
    return 1000.0 * (2.0 + 0.001 * np.asarray(x) - 0.0005 * np.asarray(y))


def max_ratio_over_pairs(x, y, s_mm, min_sep):
    """The definition of beta, written out: max |s_i - s_j| / L_ij (mm/m -> rad) over pairs >= min_sep apart."""
    best = -1.0
    for i, j in itertools.combinations(range(len(x)), 2):
        length = math.hypot(x[i] - x[j], y[i] - y[j])
        if length >= min_sep:
            best = max(best, abs(s_mm[i] - s_mm[j]) / length / 1000.0)
    return best


# -- (a) a building on a tilted plane ----------------------------------------------------------------
@pytest.mark.parametrize("origin", [(0.0, 0.0), (500_000.0, 4_400_000.0)], ids=["local", "utm"])
def test_points_on_a_tilted_plane(origin):
    x0, y0 = origin
    local_x = np.array([0.0, 20.0, 0.0, 20.0, 10.0, 3.0, 17.0])
    local_y = np.array([0.0, 0.0, 10.0, 10.0, 5.0, 8.0, 2.0])
    settlement = plane_mm(local_x, local_y)
    buildings = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(x0, y0, x0 + 20, y0 + 10)], crs=UTM50N)
    out = building_risk(buildings, (local_x + x0, local_y + y0), settlement).iloc[0]

    assert out["ps_count"] == 7
    # Gradient of the plane: (0.001, -0.0005) m/m, i.e. radians.
    assert out["tilt"] == pytest.approx(math.sqrt(0.001**2 + 0.0005**2), rel=1e-9)
    # Settlement grows to the east (+x) and to the south (-y): the building leans towards
    # azimuth atan2(east 0.001, north -0.0005) = 90° + atan(0.5) = 116.565°.
    assert out["tilt_dir_deg"] == pytest.approx(90.0 + math.degrees(math.atan(0.5)), abs=1e-7)
    assert abs(out["beta_net"]) < 1e-9
    assert out["beta"] == pytest.approx(max_ratio_over_pairs(local_x, local_y, settlement, 5.0), rel=1e-12)
    assert out["settle_max_mm"] == pytest.approx(plane_mm(20.0, 0.0))
    assert out["dsettle_mm"] == pytest.approx(plane_mm(20.0, 0.0) - plane_mm(0.0, 10.0))  # 2020 - 1995 = 25
    assert out["settle_mean_mm"] == pytest.approx(settlement.mean())
    assert out["risk_flag"] == ""


# -- (b) two hand-worked buildings ----------------------------------------------------------------
@pytest.fixture
def two_buildings():
    buildings = gpd.GeoDataFrame(
        {"name": ["A", "B", "C", "D"], "storeys": [3, 5, 2, 1]},
        geometry=[
            shapely.box(0, 0, 10, 10),
            shapely.box(100, 0, 110, 10),
            shapely.box(200, 0, 210, 10),
            shapely.box(300, 0, 310, 10),
        ],
        crs=UTM50N,
    )
    # A: four corners; the east side settled 20 mm more than the west side.
    #    pairs >= 5 m: P1-P2, P3-P4: 20 mm / 10 m = 2 mm/m = 0.002 = 1/500 exactly;
    #    P1-P3, P2-P4: 0; diagonals: 20 / 14.142 = 0.001414 -> beta = 1/500 -> 'slight'
    #    (a class holds its lower limit). dsettle 20, mean 10, max 20. Plane s = 2 x (mm, x in m):
    #    tilt 0.002 rad towards the east (90°), beta_net 0.
    a = [(0, 0, 0.0), (10, 0, 20.0), (0, 10, 0.0), (10, 10, 20.0)]
    # B: P5 (100, 0) 0 mm, P6 (110, 0) 5 mm, P7 (100, 10) 2 mm, P8 (101, 0) 8 mm.
    #    P5-P8 are 1 m apart (8 mm/m = 1/125, 'severe' if it counted) and are left out (< 5 m).
    #    P5-P6 5/10 = 0.5 mm/m; P5-P7 2/10 = 0.2; P6-P7 3/14.142 = 0.212; P6-P8 3/9 = 0.333;
    #    P7-P8 6/sqrt(101) = 6/10.0499 = 0.59702 mm/m -> beta = 5.9702e-4 -> 'very_slight',
    #    1/beta = 1674.98 -> 1675. dsettle 8 - 0 = 8, mean 15/4 = 3.75, max 8.
    b = [(100, 0, 0.0), (110, 0, 5.0), (100, 10, 2.0), (101, 0, 8.0)]
    # C: two points only -> 'too few points'. D: none -> 'no points'.
    c = [(202, 2, 1.0), (208, 8, 3.0)]
    rows = np.array(a + b + c, dtype=float)
    return buildings, rows[:, 0], rows[:, 1], rows[:, 2]


def test_two_hand_worked_buildings(two_buildings):
    buildings, x, y, s = two_buildings
    out = building_risk(buildings, (x, y), s)
    a, b, c, d = (out.iloc[k] for k in range(4))

    assert list(out["ps_count"]) == [4, 4, 2, 0]
    assert a["beta"] == 1 / 500
    assert a["damage_class"] == "slight"
    assert a["beta_1_in"] == 500
    assert (a["dsettle_mm"], a["settle_mean_mm"], a["settle_max_mm"]) == (20.0, 10.0, 20.0)
    assert a["tilt"] == pytest.approx(0.002, rel=1e-12)
    assert a["tilt_dir_deg"] == pytest.approx(90.0)
    assert abs(a["beta_net"]) < 1e-12

    assert b["beta"] == pytest.approx(6 / math.sqrt(101) / 1000, rel=1e-12)
    assert b["damage_class"] == "very_slight"
    assert b["beta_1_in"] == 1675
    assert (b["dsettle_mm"], b["settle_mean_mm"], b["settle_max_mm"]) == (8.0, 3.75, 8.0)
    assert b["risk_flag"] == ""

    for row, flag, count in ((c, "too few points", 2), (d, "no points", 0)):
        assert row["risk_flag"] == flag
        assert row["ps_count"] == count
        assert np.isnan([row[k] for k in ("settle_mean_mm", "dsettle_mm", "tilt", "beta", "beta_net")]).all()
        assert row["damage_class"] == ""


def test_min_separation_decides_which_pairs_count(two_buildings):
    buildings, x, y, s = two_buildings
    out = building_risk(buildings, (x, y), s, min_separation_m=0.5)
    # B's P5-P8 pair (1 m, 8 mm) now counts: 8 mm/m = 1/125 >= 1/150 -> 'severe'.
    assert out["beta"].iloc[1] == pytest.approx(8 / 1000)
    assert out["damage_class"].iloc[1] == "severe"


def test_damage_class_boundaries_belong_to_the_upper_class():
    limits = np.array([1 / 5000, 1 / 500, 1 / 300, 1 / 150])
    assert list(damage_class(limits)) == ["very_slight", "slight", "moderate", "severe"]
    just_below = np.nextafter(limits, 0)
    assert list(damage_class(just_below)) == ["negligible", "very_slight", "slight", "moderate"]
    assert list(damage_class(np.array([0.0, np.nan, 0.5]))) == ["negligible", "", "severe"]
    assert [code for _, code, _ in DAMAGE_CLASSES] == ["negligible", "very_slight", "slight", "moderate", "severe"]
    assert [upper for upper, _, _ in DAMAGE_CLASSES][:-1] == list(limits)


def test_collinear_points_have_no_tilt():
    buildings = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 30, 10)], crs=UTM50N)
    out = building_risk(buildings, ([0.0, 10.0, 20.0, 30.0], [5.0, 5.0, 5.0, 5.0]), [0.0, 1.0, 3.0, 3.0]).iloc[0]
    assert np.isnan(out["tilt"])
    assert np.isnan(out["beta_net"])
    assert out["beta"] == pytest.approx(2 / 10 / 1000)  # the pair 10 m -> 20 m
    assert out["risk_flag"] == "collinear points"


def test_points_as_a_geodataframe_give_the_same_result(two_buildings):
    buildings, x, y, s = two_buildings
    points = gpd.GeoDataFrame({"v": -s}, geometry=gpd.points_from_xy(x, y), crs=UTM50N)
    from_frame = building_risk(buildings, points, -points["v"].to_numpy())
    from_arrays = building_risk(buildings, (x, y), s)
    assert_geodataframe_equal(from_frame, from_arrays)


def test_nan_settlement_is_ignored(two_buildings):
    buildings, x, y, s = two_buildings
    s = s.copy()
    s[7] = np.nan  # B's P8
    out = building_risk(buildings, (x, y), s)
    assert out["ps_count"].iloc[1] == 3
    assert out["dsettle_mm"].iloc[1] == 5.0


@pytest.mark.parametrize("pair_batch", [4_000_000, 40], ids=["one-batch", "many-batches-and-row-blocks"])
def test_random_buildings_against_brute_force(monkeypatch, pair_batch):
    """Tilt from numpy's lstsq, beta and beta_net from the double loop, for 30 random buildings.

    With a batch of 40 pairs, buildings of up to 9 points share batches and larger ones
    take the row-block path: both must give the loop's answer.
    """
    from citytwin.processing import building_risk as module

    monkeypatch.setattr(module, "_PAIR_BATCH", pair_batch)
    rng = np.random.default_rng(5)
    boxes, xs, ys, ss, owner = [], [], [], [], []
    for k in range(30):
        x0 = 100.0 * k + 600_000.0
        boxes.append(shapely.box(x0, 3_000_000.0, x0 + 40, 3_000_025.0))
        m = int(rng.integers(3, 25))
        xs.append(rng.uniform(x0, x0 + 40, m))
        ys.append(rng.uniform(3_000_000.0, 3_000_025.0, m))
        ss.append(rng.normal(5, 3, m))
        owner += [k] * m
    buildings = gpd.GeoDataFrame(geometry=boxes, crs=UTM50N)
    x, y, s = np.concatenate(xs), np.concatenate(ys), np.concatenate(ss)
    out = building_risk(buildings, (x, y), s, buffer_m=0.0)
    owner = np.array(owner)
    for k in range(30):
        bx, by, bs = x[owner == k], y[owner == k], s[owner == k]
        design = np.column_stack([np.ones(bx.size), bx - bx.mean(), by - by.mean()])
        coefficients = np.linalg.lstsq(design, bs, rcond=None)[0]
        gx, gy = coefficients[1:]
        residual = bs - design @ coefficients
        row = out.iloc[k]
        assert row["ps_count"] == bx.size
        assert row["tilt"] == pytest.approx(math.hypot(gx, gy) / 1000, rel=1e-9)
        assert row["beta"] == pytest.approx(max_ratio_over_pairs(bx, by, bs, 5.0), rel=1e-12)
        assert row["beta_net"] == pytest.approx(max_ratio_over_pairs(bx, by, residual, 5.0), rel=1e-6)


# -- (c) buffer ----------------------------------------------------------------------------------------
def test_a_point_3_m_outside_counts_with_buffer_5_not_2():
    buildings = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=UTM50N)
    x = np.array([2.0, 8.0, 5.0, 13.0])  # the last is 3 m east of the footprint
    y = np.array([2.0, 2.0, 8.0, 5.0])
    s = np.array([0.0, 1.0, 2.0, 30.0])
    wide = building_risk(buildings, (x, y), s, buffer_m=5.0).iloc[0]
    narrow = building_risk(buildings, (x, y), s, buffer_m=2.0).iloc[0]
    assert (wide["ps_count"], narrow["ps_count"]) == (4, 3)
    assert (wide["settle_max_mm"], narrow["settle_max_mm"]) == (30.0, 2.0)
    assert building_risk(buildings, (x, y), s, buffer_m=3.0).iloc[0]["ps_count"] == 4  # distance 3 <= 3


def test_a_point_on_a_shared_wall_counts_for_both_buildings():
    buildings = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], crs=UTM50N)
    out = building_risk(buildings, ([10.0], [5.0]), [1.0], buffer_m=0.0, min_points=1)
    assert list(out["ps_count"]) == [1, 1]


# -- (d) the input is not modified ------------------------------------------------------------------
def test_input_frame_is_unchanged_and_columns_are_kept(two_buildings):
    buildings, x, y, s = two_buildings
    buildings.index = [10, 20, 30, 40]
    before = copy.deepcopy(buildings)
    out = building_risk(buildings, (x, y), s)
    assert_geodataframe_equal(buildings, before)
    assert out is not buildings
    assert list(out.columns) == [*before.columns, *FIELD_DESCRIPTIONS]
    assert list(out.index) == [10, 20, 30, 40]
    assert_geodataframe_equal(out[before.columns], before)
    assert out.crs == before.crs


def test_field_descriptions_name_a_unit_or_a_citation():
    for name in ("settle_mean_mm", "settle_max_mm", "dsettle_mm"):
        assert "mm" in FIELD_DESCRIPTIONS[name]
    for name in ("tilt", "beta", "beta_net"):
        assert "rad" in FIELD_DESCRIPTIONS[name]
        assert "19" in FIELD_DESCRIPTIONS[name]  # a year: a citation


# -- (e) input errors --------------------------------------------------------------------------------
def _points(crs=UTM50N):
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy([1.0, 2.0, 3.0], [1.0, 2.0, 1.0]), crs=crs)


def _buildings(crs=UTM50N):
    return gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.box(0, 0, 5, 5)], crs=crs)


@pytest.mark.parametrize(
    ("buildings", "points", "settlement", "kwargs", "message"),
    [
        (lambda: gpd.GeoDataFrame({"id": [1]}), _points, [1.0, 2.0, 3.0], {}, "no geometry column"),
        (lambda: pd.DataFrame({"id": [1]}), _points, [1.0, 2.0, 3.0], {}, "GeoDataFrame"),
        (
            lambda: gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 5, 5), shapely.LineString([(0, 0), (1, 1)])]),
            _points,
            [1.0, 2.0, 3.0],
            {},
            "polygons; row 2 is a LineString",
        ),
        (_buildings, lambda: _points(32651), [1.0, 2.0, 3.0], {}, "reproject"),
        (lambda: _buildings(4326), lambda: _points(4326), [1.0, 2.0, 3.0], {}, "geographic"),
        (_buildings, _points, [1.0, 2.0], {}, "2 settlement values for 3 points"),
        (_buildings, _points, [1.0, 2.0, 3.0], {"buffer_m": -1.0}, "buffer"),
        (
            _buildings,
            lambda: gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=UTM50N),
            [1.0],
            {},
            "must be points",
        ),
    ],
    ids=["no-geometry", "not-a-geodataframe", "line", "crs-mismatch", "geographic", "length", "buffer", "not-points"],
)
def test_input_errors(buildings, points, settlement, kwargs, message):
    with pytest.raises(InputError, match=message):
        building_risk(buildings(), points(), np.array(settlement), **kwargs)


def test_arrays_without_crs_are_taken_in_the_buildings_crs():
    out = building_risk(_buildings(), ([1.0, 4.0, 1.0], [1.0, 1.0, 4.0]), [0.0, 3.0, 0.0])
    assert out["ps_count"].iloc[0] == 3


# -- (f) cancel ----------------------------------------------------------------------------------------
def test_cancel_raises_canceled(two_buildings):
    buildings, x, y, s = two_buildings
    with pytest.raises(Canceled):
        building_risk(buildings, (x, y), s, is_canceled=lambda: True)
    calls = []

    def cancel_later() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(Canceled):
        building_risk(buildings, (x, y), s, is_canceled=cancel_later)
