"""3GPP TR 38.901 path loss and GNSS DOP against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citytwin.processing import pathloss
from citytwin.processing.gnss_dop import dop

C = 299_792_458.0


def test_uma_los_below_breakpoint_by_hand():
    # fc 3.5 GHz, h_BS 25 m, h_UT 1.5 m, d2D 100 m (TR 38.901 Table 7.4.1-1, PL1)
    d3d = math.hypot(100.0, 23.5)
    expected = 28.0 + 22.0 * math.log10(d3d) + 20.0 * math.log10(3.5)
    assert pathloss.uma_los(100.0, 25.0, 1.5, 3.5) == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(83.138, abs=1e-3)


def test_uma_los_beyond_breakpoint_by_hand():
    d_bp = 4 * 24.0 * 0.5 * 3.5e9 / C  # h' = h - 1 m
    assert pathloss.breakpoint_distance(25.0, 1.5, 3.5) == pytest.approx(d_bp)
    d2d = 2000.0
    d3d = math.hypot(d2d, 23.5)
    expected = 28.0 + 40 * math.log10(d3d) + 20 * math.log10(3.5) - 9 * math.log10(d_bp**2 + 23.5**2)
    assert pathloss.uma_los(d2d, 25.0, 1.5, 3.5) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("los", [pathloss.uma_los, pathloss.umi_los])
def test_los_is_continuous_at_the_breakpoint(los):
    d_bp = pathloss.breakpoint_distance(25.0, 1.5, 2.0)
    d2d_at_bp = math.sqrt(d_bp**2)  # d2D = d'_BP
    just_below, just_above = los(d2d_at_bp - 1e-6, 25.0, 1.5, 2.0), los(d2d_at_bp + 1e-6, 25.0, 1.5, 2.0)
    assert just_below == pytest.approx(just_above, abs=1e-4)


def test_uma_nlos_by_hand_and_never_below_los():
    d3d = math.hypot(300.0, 23.5)
    nlos_formula = 13.54 + 39.08 * math.log10(d3d) + 20 * math.log10(1.8) - 0.6 * (1.5 - 1.5)
    assert pathloss.uma_nlos(300.0, 25.0, 1.5, 1.8) == pytest.approx(
        max(nlos_formula, pathloss.uma_los(300.0, 25.0, 1.5, 1.8))
    )
    d = np.linspace(10, 5000, 500)
    assert np.all(pathloss.uma_nlos(d, 25.0, 1.5, 3.5) >= pathloss.uma_los(d, 25.0, 1.5, 3.5))
    assert np.all(pathloss.umi_nlos(d, 10.0, 1.5, 3.5) >= pathloss.umi_los(d, 10.0, 1.5, 3.5))


def test_umi_nlos_by_hand():
    d3d = math.hypot(150.0, 8.5)
    nlos = 35.3 * math.log10(d3d) + 22.4 + 21.3 * math.log10(3.5) - 0.3 * 0.0
    assert pathloss.umi_nlos(150.0, 10.0, 1.5, 3.5) == pytest.approx(max(nlos, pathloss.umi_los(150.0, 10.0, 1.5, 3.5)))


def test_path_loss_selects_formula_and_clamps_distance():
    los = np.array([True, False])
    result = pathloss.path_loss("uma", los, np.array([5.0, 200.0]), 25.0, 1.5, 3.5)
    assert result[0] == pytest.approx(pathloss.uma_los(10.0, 25.0, 1.5, 3.5))
    assert result[1] == pytest.approx(pathloss.uma_nlos(200.0, 25.0, 1.5, 3.5))
    with pytest.raises(ValueError, match="scenario"):
        pathloss.path_loss("rma", los, [100.0, 100.0], 25, 1.5, 3.5)


def test_sector_gain_pattern():
    assert pathloss.sector_gain_db(30.0, 30.0) == 15.0
    assert pathloss.sector_gain_db(95.0, 30.0) == pytest.approx(15.0 - 12.0)  # 65° off: -12 dB
    assert pathloss.sector_gain_db(210.0, 30.0) == pytest.approx(15.0 - 30.0)  # back lobe floor
    assert pathloss.sector_gain_db(-20.0, 340.0) == 15.0  # wraps around north


# -- DOP ------------------------------------------------------------------------------------
def test_dop_of_zenith_plus_three_on_the_horizon():
    # Closed form (worked by hand): Q_EE = Q_NN = 2/3, Q_UU = 4/3.
    result = dop(np.array([[0.0, 0.0, 120.0, 240.0]]), np.array([[90.0, 0.0, 0.0, 0.0]]))
    assert result["hdop"][0] == pytest.approx(math.sqrt(4 / 3))
    assert result["vdop"][0] == pytest.approx(math.sqrt(4 / 3))
    assert result["pdop"][0] == pytest.approx(math.sqrt(8 / 3))
    assert result["n_used"][0] == 4


def test_dop_matches_explicit_least_squares_and_handles_gaps():
    rng = np.random.default_rng(3)
    az = rng.uniform(0, 360, (20, 9))
    el = rng.uniform(10, 85, (20, 9))
    az[0, 4:] = np.nan  # epoch 0: exactly 4 satellites
    used = rng.random((20, 9)) > 0.2
    used[1, :] = False
    used[1, :3] = True  # epoch 1: 3 satellites -> unsolvable
    system = rng.integers(0, 2, (20, 9))
    result = dop(az, el, used, system)
    assert np.isnan(result["hdop"][1])
    for e in range(20):
        take = used[e] & np.isfinite(az[e])
        systems = np.unique(system[e][take])
        if take.sum() < 3 + len(systems):
            assert np.isnan(result["hdop"][e])
            continue
        a, b = np.radians(az[e][take]), np.radians(el[e][take])
        g = np.column_stack([-np.cos(b) * np.sin(a), -np.cos(b) * np.cos(a), -np.sin(b)]
                            + [(system[e][take] == s).astype(float) for s in systems])  # fmt: skip
        q = np.linalg.inv(g.T @ g)
        assert result["hdop"][e] == pytest.approx(math.sqrt(q[0, 0] + q[1, 1]))
        assert result["vdop"][e] == pytest.approx(math.sqrt(q[2, 2]))
