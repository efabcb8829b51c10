"""Path loss of 3GPP TR 38.901 (V17.0.0, Table 7.4.1-1): UMa and UMi street canyon.

All functions are vectorised over numpy arrays. Distances in metres, heights in
metres, carrier frequency in GHz; results in dB. The breakpoint distance uses the
effective heights h' = h - h_E with h_E = 1 m (for UMa the standard draws h_E = 1 m
with probability 1/(1 + C(d2D, h_UT)); C = 0 for h_UT < 13 m, the street-level case
modelled here).
"""

from __future__ import annotations

import numpy as np

SPEED_OF_LIGHT = 299_792_458.0
EFFECTIVE_ENVIRONMENT_HEIGHT_M = 1.0

#: Shadow-fading standard deviations (dB) of the scenarios.
SHADOW_FADING_DB = {("uma", True): 4.0, ("uma", False): 6.0, ("umi", True): 4.0, ("umi", False): 7.82}


def breakpoint_distance(h_bs: np.ndarray, h_ut: np.ndarray, fc_ghz: float) -> np.ndarray:
    """d'_BP = 4 h'_BS h'_UT f_c / c (note 1 of Table 7.4.1-1), in metres."""
    h_bs_eff = np.asarray(h_bs, dtype=np.float64) - EFFECTIVE_ENVIRONMENT_HEIGHT_M
    h_ut_eff = np.asarray(h_ut, dtype=np.float64) - EFFECTIVE_ENVIRONMENT_HEIGHT_M
    return 4.0 * h_bs_eff * h_ut_eff * fc_ghz * 1e9 / SPEED_OF_LIGHT


def _los(d2d, h_bs, h_ut, fc_ghz, a, b2, c_bp):
    d2d = np.asarray(d2d, dtype=np.float64)
    h_bs = np.broadcast_to(np.asarray(h_bs, dtype=np.float64), d2d.shape)
    h_ut = np.broadcast_to(np.asarray(h_ut, dtype=np.float64), d2d.shape)
    d3d = np.sqrt(d2d**2 + (h_bs - h_ut) ** 2)
    d_bp = breakpoint_distance(h_bs, h_ut, fc_ghz)
    pl1 = a + b2[0] * np.log10(d3d) + 20.0 * np.log10(fc_ghz)
    pl2 = a + 40.0 * np.log10(d3d) + 20.0 * np.log10(fc_ghz) - c_bp * np.log10(d_bp**2 + (h_bs - h_ut) ** 2)
    return np.where(d2d <= d_bp, pl1, pl2), d3d


def uma_los(d2d, h_bs, h_ut, fc_ghz: float) -> np.ndarray:
    """PL_UMa-LOS: 28.0 + 22 log10(d3D) + 20 log10(fc) up to d'_BP, then
    28.0 + 40 log10(d3D) + 20 log10(fc) - 9 log10(d'_BP² + (h_BS - h_UT)²)."""
    return _los(d2d, h_bs, h_ut, fc_ghz, 28.0, (22.0,), 9.0)[0]


def uma_nlos(d2d, h_bs, h_ut, fc_ghz: float) -> np.ndarray:
    """PL_UMa-NLOS = max(PL_UMa-LOS, 13.54 + 39.08 log10(d3D) + 20 log10(fc) - 0.6 (h_UT - 1.5))."""
    los, d3d = _los(d2d, h_bs, h_ut, fc_ghz, 28.0, (22.0,), 9.0)
    h_ut = np.broadcast_to(np.asarray(h_ut, dtype=np.float64), los.shape)
    nlos = 13.54 + 39.08 * np.log10(d3d) + 20.0 * np.log10(fc_ghz) - 0.6 * (h_ut - 1.5)
    return np.maximum(los, nlos)


def umi_los(d2d, h_bs, h_ut, fc_ghz: float) -> np.ndarray:
    """PL_UMi-LOS (street canyon): 32.4 + 21 log10(d3D) + 20 log10(fc) up to d'_BP, then
    32.4 + 40 log10(d3D) + 20 log10(fc) - 9.5 log10(d'_BP² + (h_BS - h_UT)²)."""
    return _los(d2d, h_bs, h_ut, fc_ghz, 32.4, (21.0,), 9.5)[0]


def umi_nlos(d2d, h_bs, h_ut, fc_ghz: float) -> np.ndarray:
    """PL_UMi-NLOS = max(PL_UMi-LOS, 35.3 log10(d3D) + 22.4 + 21.3 log10(fc) - 0.3 (h_UT - 1.5))."""
    los, d3d = _los(d2d, h_bs, h_ut, fc_ghz, 32.4, (21.0,), 9.5)
    h_ut = np.broadcast_to(np.asarray(h_ut, dtype=np.float64), los.shape)
    nlos = 35.3 * np.log10(d3d) + 22.4 + 21.3 * np.log10(fc_ghz) - 0.3 * (h_ut - 1.5)
    return np.maximum(los, nlos)


def path_loss(scenario: str, los: np.ndarray, d2d, h_bs, h_ut, fc_ghz: float) -> np.ndarray:
    """Path loss of ``scenario`` ("uma" or "umi") choosing the LOS or NLOS formula per element.

    Distances below 10 m are clamped to 10 m, the lower validity bound of the model.
    """
    d2d = np.maximum(np.asarray(d2d, dtype=np.float64), 10.0)
    if scenario == "uma":
        return np.where(los, uma_los(d2d, h_bs, h_ut, fc_ghz), uma_nlos(d2d, h_bs, h_ut, fc_ghz))
    if scenario == "umi":
        return np.where(los, umi_los(d2d, h_bs, h_ut, fc_ghz), umi_nlos(d2d, h_bs, h_ut, fc_ghz))
    raise ValueError(f"scenario must be 'uma' or 'umi', got {scenario!r}")


def sector_gain_db(azimuth_to_ue_deg, boresight_deg, max_gain_dbi: float = 15.0) -> np.ndarray:
    """Horizontal pattern of a 3-sector antenna (38.901 Table 7.3-1):
    G = G_max - min(12 (φ/65°)², 30) dB, φ the angle off boresight."""
    phi = (np.asarray(azimuth_to_ue_deg, dtype=np.float64) - boresight_deg + 180.0) % 360.0 - 180.0
    return max_gain_dbi - np.minimum(12.0 * (phi / 65.0) ** 2, 30.0)
