"""Dilution of precision from satellite azimuths and elevations.

The geometry matrix has one row per satellite, ``[-cos(el) sin(az), -cos(el) cos(az),
-sin(el)]`` (the negated unit vector to the satellite in east-north-up) followed by
one receiver-clock column per constellation, as multi-GNSS receivers solve one clock
offset per system (Kaplan & Hegarty, *Understanding GPS/GNSS*, 3rd ed., §11.2).
With Q = (GᵀG)⁻¹: HDOP = √(Q_EE + Q_NN), VDOP = √Q_UU, PDOP = √(Q_EE + Q_NN + Q_UU).
"""

from __future__ import annotations

import numpy as np


def dop(
    azimuth_deg: np.ndarray,
    elevation_deg: np.ndarray,
    used: np.ndarray | None = None,
    system: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """DOP of many epochs at once.

    Parameters
    ----------
    azimuth_deg, elevation_deg
        (E, S) arrays: satellite directions per epoch (NaN where there is none).
    used
        (E, S) boolean: satellites that take part (default: all with finite angles).
    system
        (E, S) integer constellation code per satellite (default: one constellation).

    Returns
    -------
    dict
        ``hdop``, ``vdop``, ``pdop``, ``n_used`` arrays of shape (E,); DOPs are NaN
        where the geometry cannot be solved (fewer satellites than unknowns, or
        degenerate).
    """
    az = np.radians(np.atleast_2d(np.asarray(azimuth_deg, dtype=np.float64)))
    el = np.radians(np.atleast_2d(np.asarray(elevation_deg, dtype=np.float64)))
    finite = np.isfinite(az) & np.isfinite(el)
    take = finite if used is None else (np.atleast_2d(np.asarray(used, dtype=bool)) & finite)
    systems = np.zeros(az.shape, dtype=np.int64) if system is None else np.atleast_2d(np.asarray(system))
    codes = np.unique(systems[take]) if take.any() else np.zeros(1, dtype=np.int64)

    n_epochs, n_sats = az.shape
    columns = 3 + len(codes)
    g = np.zeros((n_epochs, n_sats, columns))
    cos_el = np.cos(np.where(take, el, 0.0))
    g[..., 0] = -cos_el * np.sin(np.where(take, az, 0.0))
    g[..., 1] = -cos_el * np.cos(np.where(take, az, 0.0))
    g[..., 2] = -np.sin(np.where(take, el, 0.0))
    for k, code in enumerate(codes):
        g[..., 3 + k] = (systems == code) & take
    g[~take] = 0.0  # a satellite not used contributes a zero row: no information
    normal = np.einsum("esi,esj->eij", g, g)
    # Constellations without a satellite in an epoch leave an empty clock column:
    # pin it with a unit diagonal so that only the epoch's own unknowns are solved.
    empty_clock = np.einsum("eii->ei", normal)[:, 3:] == 0
    idx = np.arange(3, columns)
    normal[:, idx, idx] += empty_clock
    n_used = take.sum(axis=1)
    unknowns = 3 + (~empty_clock).sum(axis=1)
    solvable = (n_used >= unknowns) & (np.abs(np.linalg.det(normal)) > 1e-12)
    q = np.full_like(normal, np.nan)
    if solvable.any():
        q[solvable] = np.linalg.inv(normal[solvable])
    qee, qnn, quu = q[:, 0, 0], q[:, 1, 1], q[:, 2, 2]
    return {
        "hdop": np.sqrt(qee + qnn),
        "vdop": np.sqrt(quu),
        "pdop": np.sqrt(qee + qnn + quu),
        "n_used": n_used,
    }
