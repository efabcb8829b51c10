"""GNSS in the sample city: satellite tracks, blockage by buildings, C/N0 and fixes.

Satellites follow smooth synthetic tracks (not an orbit propagator: the point is a
plausible, reproducible sky). A signal is line-of-sight when the ray from the
receiver towards the satellite leaves the city without entering a building box;
otherwise it arrives, if at all, reflected — weaker (lower C/N0) and sometimes not
tracked. The receiver uses what it tracks above 10° with at least 32 dB-Hz, so some NLOS
signals still bias its fix, and in deep canyons it loses the fix, the way receivers
do in real urban canyons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...processing.gnss_dop import dop
from .model import CityModel

RECEIVER_HEIGHT_M = 1.5
ELEVATION_MASK_IN_VIEW = 5.0
ELEVATION_MASK_USED = 10.0
#: Receivers leave out signals weaker than this from the position solution.
CN0_MASK_USED = 32.0


@dataclass
class Constellation:
    name: str  # "GPS" or "BeiDou"
    code: int  # NMEA 4.11 system id: 1 GPS, 4 BeiDou
    prns: np.ndarray
    az0: np.ndarray
    el0: np.ndarray
    az_rate: np.ndarray  # deg/s
    el_amp: np.ndarray
    el_period: np.ndarray
    el_phase: np.ndarray


def make_constellations(seed: int) -> list[Constellation]:
    rng = np.random.default_rng(seed)
    out = []
    for name, code, prns, geo in (
        ("GPS", 1, np.array([2, 5, 7, 8, 13, 15, 18, 20, 27, 30]), 0),
        # BeiDou over Beijing: GEO satellites sit in the south at 30-50°, the rest move.
        ("BeiDou", 4, np.array([1, 2, 3, 4, 6, 9, 16, 19, 22, 24, 27, 35, 38]), 4),
    ):
        n = len(prns)
        az0 = rng.uniform(0, 360, n)
        el0 = rng.uniform(8, 80, n)
        az_rate = rng.choice([-1, 1], n) * rng.uniform(0.002, 0.006, n)
        el_amp = rng.uniform(2, 12, n)
        el_period = rng.uniform(6000, 20000, n)
        el_phase = rng.uniform(0, 2 * np.pi, n)
        if geo:
            az0[:geo] = rng.uniform(145, 215, geo)
            el0[:geo] = rng.uniform(32, 48, geo)
            az_rate[:geo] = 0.0
            el_amp[:geo] = 0.2
        out.append(Constellation(name, code, prns, az0, el0, az_rate, el_amp, el_period, el_phase))
    return out


def satellite_directions(constellation: Constellation, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E, S) azimuth and elevation (degrees) at ``seconds`` since the start of the log."""
    t = np.asarray(seconds, dtype=np.float64)[:, None]
    az = (constellation.az0 + constellation.az_rate * t) % 360.0
    el = constellation.el0 + constellation.el_amp * np.sin(
        2 * np.pi * t / constellation.el_period + constellation.el_phase
    )
    return az, np.clip(el, -10.0, 88.0)


def blocked(
    city: CityModel, x: np.ndarray, y: np.ndarray, z: np.ndarray, az_deg: np.ndarray, el_deg: np.ndarray
) -> np.ndarray:
    """(E, S) True where the ray from (x, y, z)[e] towards (az, el)[e, s] hits a building.

    Slab test of the ray against every building box (analytic: the sample city's
    buildings are boxes), vectorised over epochs, satellites and buildings.
    """
    boxes = city.box_arrays()
    az = np.radians(az_deg)
    el = np.radians(el_deg)
    d = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=-1)  # (E, S, 3)
    origin = np.stack([x, y, z], axis=-1)[:, None, None, :]  # (E, 1, 1, 3)
    low = np.stack([boxes["xmin"], boxes["ymin"], boxes["base"] - 5.0], axis=-1)[None, None]  # (1, 1, B, 3)
    high = np.stack([boxes["xmax"], boxes["ymax"], boxes["top"]], axis=-1)[None, None]
    direction = d[:, :, None, :]  # (E, S, 1, 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / direction
        t1 = (low - origin) * inv
        t2 = (high - origin) * inv
    t_near = np.nanmax(np.minimum(t1, t2), axis=-1)
    t_far = np.nanmin(np.maximum(t1, t2), axis=-1)
    hit = (t_far >= np.maximum(t_near, 0.0)) & np.isfinite(t_near)
    return hit.any(axis=-1)


@dataclass
class GnssEpochs:
    """Everything the NMEA writer needs, per epoch and per satellite."""

    true_xy: np.ndarray  # (E, 2)
    measured_xy: np.ndarray  # (E, 2)
    altitude: np.ndarray  # (E,)
    fix_quality: np.ndarray  # (E,) int
    hdop: np.ndarray
    vdop: np.ndarray
    pdop: np.ndarray
    constellations: list[Constellation]
    azimuth: list[np.ndarray]  # per constellation (E, S)
    elevation: list[np.ndarray]
    cn0: list[np.ndarray]  # NaN where not tracked
    los: list[np.ndarray]  # bool truth
    used: list[np.ndarray]  # bool


def simulate_gnss(city: CityModel, route: np.ndarray, seconds: np.ndarray, seed: int) -> GnssEpochs:
    """Simulate a receiver at ``route`` (true positions, 1 Hz) under the sample sky."""
    rng = np.random.default_rng(seed)
    constellations = make_constellations(seed)
    x, y = route[:, 0], route[:, 1]
    z = city.ground_z(x, y) + RECEIVER_HEIGHT_M
    az_all, el_all, cn0_all, los_all, used_all, systems = [], [], [], [], [], []
    for c in constellations:
        az, el = satellite_directions(c, seconds)
        in_view = el >= ELEVATION_MASK_IN_VIEW
        # Chunked over epochs: the (E, S, buildings, 3) slab arrays stay small.
        los = np.zeros(az.shape, dtype=bool)
        for start in range(0, len(x), 200):
            part = slice(start, start + 200)
            los[part] = ~blocked(city, x[part], y[part], z[part], az[part], el[part])
        los &= in_view
        clear = 38.0 + 10.0 * np.sin(np.radians(np.clip(el, 0, 90))) + rng.normal(0, 1.5, el.shape)
        reflected = clear - rng.uniform(8.0, 18.0, el.shape)
        tracked = in_view & (los | (rng.random(el.shape) > 0.35))
        cn0 = np.where(los, clear, reflected)
        cn0 = np.where(tracked, np.round(cn0), np.nan)
        used = tracked & (el >= ELEVATION_MASK_USED) & (np.nan_to_num(cn0) >= CN0_MASK_USED)
        az_all.append(az)
        el_all.append(np.where(in_view, el, np.nan))
        cn0_all.append(cn0)
        los_all.append(los)
        used_all.append(used)
        systems.append(np.full(az.shape, c.code))
    az_cat, el_cat = np.concatenate(az_all, axis=1), np.concatenate(el_all, axis=1)
    used_cat, los_cat = np.concatenate(used_all, axis=1), np.concatenate(los_all, axis=1)
    geometry = dop(az_cat, el_cat, used_cat, np.concatenate(systems, axis=1))
    fixed = np.isfinite(geometry["hdop"]) & (geometry["n_used"] >= 5)
    # Position error: noise scaled by HDOP plus a bias pulled by each reflected signal.
    noise = rng.normal(0, 1.0, (len(x), 2)) * np.nan_to_num(geometry["hdop"], nan=10.0)[:, None]
    nlos_used = used_cat & ~los_cat
    az_rad = np.radians(np.nan_to_num(az_cat))
    pull = np.stack([np.sin(az_rad), np.cos(az_rad)], axis=-1) * nlos_used[..., None]
    bias = -6.0 * pull.sum(axis=1) / np.maximum(used_cat.sum(axis=1), 1)[:, None]
    measured = route + noise + bias
    altitude = z + rng.normal(0, 1.0, len(x)) * np.nan_to_num(geometry["vdop"], nan=10.0)
    return GnssEpochs(
        true_xy=route,
        measured_xy=measured,
        altitude=altitude,
        fix_quality=fixed.astype(int),
        hdop=geometry["hdop"],
        vdop=geometry["vdop"],
        pdop=geometry["pdop"],
        constellations=constellations,
        azimuth=az_all,
        elevation=el_all,
        cn0=cn0_all,
        los=los_all,
        used=used_all,
    )
