"""PS hotspots: Gi* against a brute-force double loop, BH against hand and SciPy, synthetic bowls."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import shapely

from citytwin.common.errors import Canceled, InputError
from citytwin.processing.hotspots import benjamini_hochberg, find_hotspots, getis_ord_gistar

UTM50N = 32650
BOWL_CENTRE = (1200.0, 800.0)


def gistar_brute_force(x, y, values, band):
    """Ord & Getis (1995) eq. 14 written out with loops, binary weights, w_ii = 1."""
    n = len(values)
    xbar = sum(values) / n
    s = (sum(v * v for v in values) / n - xbar**2) ** 0.5
    z = []
    for i in range(n):
        weighted_sum = 0.0
        w_sum = 0.0
        w_sq = 0.0
        for j in range(n):
            w = 1.0 if ((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2) ** 0.5 <= band else 0.0
            weighted_sum += w * values[j]
            w_sum += w
            w_sq += w * w
        z.append((weighted_sum - xbar * w_sum) / (s * ((n * w_sq - w_sum**2) / (n - 1)) ** 0.5))
    return np.array(z)


def bowl_field(seed: int, n: int = 4000, depth: float = 15.0, radius: float = 100.0):
    """Stable ground with 1 mm/yr noise, plus a Gaussian subsidence bowl (sigma = radius) at BOWL_CENTRE."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 2000, n)
    y = rng.uniform(0, 2000, n)
    r2 = (x - BOWL_CENTRE[0]) ** 2 + (y - BOWL_CENTRE[1]) ** 2
    v = rng.normal(0.0, 1.0, n) - depth * np.exp(-r2 / (2 * radius**2))
    return x, y, v


# -- (a) Gi* ----------------------------------------------------------------------------
def test_gistar_equals_the_textbook_double_loop():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 100, 60)
    y = rng.uniform(0, 100, 60)
    v = rng.normal(0, 3, 60) + 0.05 * x
    z = getis_ord_gistar(x, y, v, band=20.0)
    np.testing.assert_allclose(z, gistar_brute_force(x, y, v, 20.0), rtol=1e-12, atol=1e-12)


def test_gistar_leaves_nan_values_out_of_every_sum():
    rng = np.random.default_rng(8)
    x = rng.uniform(0, 100, 40)
    y = rng.uniform(0, 100, 40)
    v = rng.normal(0, 1, 40)
    v[[3, 17]] = np.nan
    z = getis_ord_gistar(x, y, v, band=25.0)
    keep = ~np.isnan(v)
    assert np.isnan(z[[3, 17]]).all()
    np.testing.assert_allclose(z[keep], gistar_brute_force(x[keep], y[keep], v[keep], 25.0), rtol=1e-12)


# -- (b) Benjamini-Hochberg ---------------------------------------------------------------
def test_bh_hand_worked_example():
    # m = 4; sorted p: 0.005 (rank 1), 0.01 (2), 0.03 (3), 0.04 (4)
    # m p / rank:      0.02,          0.02,     0.04,     0.04
    # running minimum from the top rank down: 0.02, 0.02, 0.04, 0.04
    # back in input order [0.01, 0.04, 0.03, 0.005] -> [0.02, 0.04, 0.04, 0.02]
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005]))
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02], rtol=1e-15)


def test_bh_step_up_takes_the_minimum_from_the_ranks_above():
    # m = 3; sorted p: 0.02 (rank 1), 0.03 (2), 0.9 (3); m p / rank: 0.06, 0.045, 0.9;
    # minimum from the top down: 0.9, 0.045, 0.045 -> rank 1 gets 0.045, not 0.06.
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.03, 0.02, 0.9])), [0.045, 0.045, 0.9])
    # m = 2; sorted 0.6 (1) -> 1.2, 0.7 (2) -> 0.7; minimum from the top: 0.7 for both.
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.6, 0.7])), [0.7, 0.7])


def test_bh_ignores_nan():
    q = benjamini_hochberg(np.array([0.01, np.nan, 0.04, 0.03, np.nan, 0.005]))
    np.testing.assert_allclose(q, [0.02, np.nan, 0.04, 0.04, np.nan, 0.02])
    assert np.isnan(benjamini_hochberg(np.array([np.nan, np.nan]))).all()


@pytest.mark.skipif(not hasattr(scipy.stats, "false_discovery_control"), reason="SciPy < 1.11")
def test_bh_equals_scipy():
    p = np.random.default_rng(3).uniform(0, 1, 2000) ** 3
    np.testing.assert_allclose(benjamini_hochberg(p), scipy.stats.false_discovery_control(p, method="bh"), rtol=1e-12)


# -- (c) synthetic fields -----------------------------------------------------------------
@pytest.mark.parametrize("method", ["gistar_fdr", "ada"])
def test_one_subsiding_cluster_over_the_bowl(method):
    x, y, v = bowl_field(seed=1)
    result = find_hotspots(x, y, v, crs=UTM50N, method=method)
    clusters = result.clusters
    assert result.method == method
    assert list(clusters["kind"]) == ["subsiding"]
    assert clusters.crs.to_epsg() == UTM50N
    polygon = clusters.geometry.iloc[0]
    assert polygon.contains(shapely.Point(BOWL_CENTRE))
    # Every clustered point lies in its polygon, and all of them sit in the bowl (within 3 sigma).
    points = result.points
    members = points["cluster"] == 0
    assert int(members.sum()) == clusters["n_points"].iloc[0] >= 5
    assert shapely.contains_xy(polygon, x[members], y[members]).all()
    assert np.hypot(x[members] - BOWL_CENTRE[0], y[members] - BOWL_CENTRE[1]).max() < 300
    assert clusters["area_m2"].iloc[0] == pytest.approx(polygon.area)
    assert clusters["mean_vel"].iloc[0] == pytest.approx(v[members].mean())
    assert clusters["max_abs_vel"].iloc[0] == v[members].min()  # the deepest point, signed
    assert (points.loc[members, "kind"] == "cold").all()
    if method == "gistar_fdr":
        assert result.threshold == 0.05
        assert (points.loc[members, "q_value"] <= 0.05).all()
        assert clusters["mean_z"].iloc[0] < 0
    else:
        # The threshold is 2 x the robust sigma of 1 mm/yr noise (the bowl barely moves the MAD).
        assert result.threshold == pytest.approx(2.0, abs=0.15)
        assert (np.abs(v[members]) > result.threshold).all()
        assert np.isnan(clusters["mean_z"].iloc[0])
        assert points["gi_z"].isna().all()


@pytest.mark.parametrize("method", ["gistar_fdr", "ada"])
def test_other_seeds_find_only_the_bowl(method):
    """Weaker but seed-independent: with some seeds the bowl's fringe, separated from its core
    by a gap in the random points wider than the band, is a second, small cluster."""
    for seed in range(10):
        x, y, v = bowl_field(seed=seed)
        result = find_hotspots(x, y, v, method=method)
        assert set(result.clusters["kind"]) == {"subsiding"}, seed
        assert result.clusters.geometry.iloc[0].contains(shapely.Point(BOWL_CENTRE)), seed
        members = result.points["cluster"].to_numpy() >= 0
        assert np.hypot(x[members] - BOWL_CENTRE[0], y[members] - BOWL_CENTRE[1]).max() < 300, seed


@pytest.mark.parametrize("method", ["gistar_fdr", "ada"])
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_no_cluster_on_pure_noise(method, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 2000, 4000)
    y = rng.uniform(0, 2000, 4000)
    result = find_hotspots(x, y, rng.normal(0, 1, 4000), crs=UTM50N, method=method)
    assert len(result.clusters) == 0
    assert (result.points["cluster"] == -1).all()
    if method == "gistar_fdr":
        assert not result.points["significant"].any()


def test_uplift_is_hot_and_uplifting():
    x, y, v = bowl_field(seed=2)
    result = find_hotspots(x, y, -v, band=60.0)
    assert list(result.clusters["kind"]) == ["uplifting"]
    assert (result.points.loc[result.points["cluster"] == 0, "kind"] == "hot").all()
    assert "distance band 60 m (given)" in result.notes


def test_ada_sigma_from_stable_points_and_given_sigma():
    x, y, v = bowl_field(seed=1)
    far = np.hypot(x - BOWL_CENTRE[0], y - BOWL_CENTRE[1]) > 500
    from_mask = find_hotspots(x, y, v, method="ada", stable_mask=far, k_sigma=2.5)
    assert from_mask.threshold == pytest.approx(2.5 * np.std(v[far], ddof=1))
    given = find_hotspots(x, y, v, method="ada", stability_sigma=1.5)
    assert given.threshold == pytest.approx(3.0)
    assert (given.points["significant"] == (np.abs(v) > 3.0)).all()


def test_nan_values_are_never_significant_and_min_points_drops_small_clusters():
    x, y, v = bowl_field(seed=1)
    v[np.argmin(np.hypot(x - BOWL_CENTRE[0], y - BOWL_CENTRE[1]))] = np.nan
    result = find_hotspots(x, y, v)
    nan_rows = np.isnan(v)
    assert not result.points.loc[nan_rows, "significant"].any()
    assert result.points.loc[nan_rows, "gi_z"].isna().all()
    assert (result.points.loc[nan_rows, "cluster"] == -1).all()
    assert len(find_hotspots(x, y, v, min_points=10_000).clusters) == 0


def test_points_frame_has_one_row_per_input_point_and_the_documented_columns():
    x, y, v = bowl_field(seed=1, n=500)
    result = find_hotspots(x, y, v)
    assert list(result.points.columns) == ["gi_z", "p_value", "q_value", "cluster", "significant", "kind"]
    assert len(result.points) == 500
    np.testing.assert_allclose(result.points["p_value"], 2 * scipy.stats.norm.sf(np.abs(result.points["gi_z"])))


def ring_field(with_stable_centre: bool):
    """40 moving points (-10 mm/yr) on a circle of radius 100 m, 15.7 m apart, stable points far away."""
    angle = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    x = np.concatenate([100 * np.cos(angle), np.linspace(1000, 1400, 20)])
    y = np.concatenate([100 * np.sin(angle), np.zeros(20)])
    v = np.concatenate([np.full(40, -10.0), np.zeros(20)])
    if with_stable_centre:
        x, y, v = np.append(x, 0.0), np.append(y, 0.0), np.append(v, 0.0)
    return x, y, v


def test_polygon_holes_without_points_are_filled_and_holes_around_points_kept():
    # band 20 m: discs of 10 m radius, closed by 10 m, leave a hole of radius ~90 m in the ring.
    x, y, v = ring_field(with_stable_centre=False)
    filled = find_hotspots(x, y, v, method="ada", band=20.0, stability_sigma=1.0).clusters.geometry.iloc[0]
    x, y, v = ring_field(with_stable_centre=True)
    kept = find_hotspots(x, y, v, method="ada", band=20.0, stability_sigma=1.0).clusters.geometry.iloc[0]
    # Same ring, same outline; only the stable point in the middle keeps the hole open.
    assert len(filled.interiors) == 0
    assert filled.contains(shapely.Point(0, 0))
    assert len(kept.interiors) == 1
    assert not kept.contains(shapely.Point(0, 0))
    assert shapely.equals(filled, shapely.Polygon(kept.exterior))
    hole = shapely.Polygon(kept.interiors[0])
    # The hole reaches the discs' inner edges (radius 100 - 10), a little further between two discs.
    assert shapely.Point(0, 0).buffer(80).within(hole)
    assert hole.within(shapely.Point(0, 0).buffer(92))


def test_progress_reaches_one():
    x, y, v = bowl_field(seed=1, n=500)
    seen = []
    find_hotspots(x, y, v, progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


# -- (d) input errors --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        (([0.0, 1.0], [0.0, 1.0], [1.0, 2.0]), {}, "values"),  # fewer than 3 points
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [np.nan] * 3), {}, "values"),  # all NaN
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [1.0, 2.0, 3.0]), {"band": 0.0}, "band"),
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [1.0, 2.0, 3.0]), {"band": -5.0}, "band"),
        (([0.0, 1.0, 2.0], [0.0, 1.0], [1.0, 2.0, 3.0]), {}, "values"),  # lengths differ
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [1.0, 2.0, 3.0]), {"crs": 4326}, "crs"),  # geographic
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [1.0, 2.0, 3.0]), {"method": "lisa"}, "method"),
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [1.0, 2.0, 3.0]), {"alpha": 1.5}, "alpha"),
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [1.0, 2.0, 3.0]), {"method": "ada", "stable_mask": [True]}, "stable_mask"),
    ],
)
def test_input_errors(args, kwargs, field):
    with pytest.raises(InputError) as info:
        find_hotspots(*args, **kwargs)
    assert info.value.field == field


def test_getis_ord_gistar_checks_its_input_too():
    with pytest.raises(InputError, match="band"):
        getis_ord_gistar([0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0], band=0)
    with pytest.raises(InputError, match="same length"):
        getis_ord_gistar([0.0, 1.0, 2.0], [0.0, 0.0], [1.0, 2.0, 3.0], band=1)


def test_a_band_wide_enough_to_exhaust_memory_is_refused(monkeypatch):
    from citytwin.processing import hotspots

    monkeypatch.setattr(hotspots, "MAX_PAIRS", 1000)
    x, y, v = bowl_field(seed=1, n=500)
    with pytest.raises(InputError, match="shorter band"):
        find_hotspots(x, y, v, band=5000.0)


# -- (e) cancel --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["gistar_fdr", "ada"])
def test_cancel_raises_canceled(method):
    x, y, v = bowl_field(seed=1, n=500)
    calls = []

    def cancel_on_third_check() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(Canceled):
        find_hotspots(x, y, v, method=method, is_canceled=cancel_on_third_check)
