"""InSAR persistent scatterers of the sample city, over a growing subsidence bowl.

Vertical motion u(t) = v(x, y)·t + A·(cos(2π(doy − peak)/365.25) − c) + noise, with
v from the model's bowl (−45 mm/yr at the centre), a 4 mm seasonal term and 1.5 mm
noise, sampled every 12 days (Sentinel-1) from 2022 to 2024; 2 % of epochs missing.
Scatterers sit on roofs (several per building, so buildings on the bowl's flank
settle differentially) and on the ground. Three products are written in the EGMS
layout: L3 vertical ("U"), and L2b line-of-sight for an ascending and a descending
track (LOS = u·los_up + e·los_east, with a small horizontal motion towards the bowl).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import CityModel

FIRST_DATE = np.datetime64("2022-01-03")
LAST_DATE = np.datetime64("2024-12-28")
NOISE_MM = 1.5
MISSING_SHARE = 0.02

# Sentinel-1 viewing geometry over Beijing, unit vectors ground -> satellite (E, N, U).
GEOMETRY = {
    "asc": {"los_east": -0.615, "los_north": -0.118, "los_up": 0.780, "incidence": 38.7, "track": -12.4},
    "desc": {"los_east": 0.598, "los_north": -0.121, "los_up": 0.792, "incidence": 37.6, "track": -167.8},
}


@dataclass
class PSPoints:
    x: np.ndarray
    y: np.ndarray
    height: np.ndarray  # m above the datum
    building: np.ndarray  # building index, -1 for ground scatterers
    dates: np.ndarray
    vertical: np.ndarray  # (N, T) mm
    east: np.ndarray  # (N, T) mm
    velocity_true: np.ndarray  # mm/yr, vertical


def make_ps(city: CityModel, seed: int, per_building: tuple[int, int] = (2, 7), ground: int = 350) -> PSPoints:
    rng = np.random.default_rng(seed)
    dates = np.arange(FIRST_DATE, LAST_DATE + 1, np.timedelta64(12, "D"))
    xs, ys, hs, owner = [], [], [], []
    boxes = city.box_arrays()
    for k, b in enumerate(city.buildings):
        n = int(rng.integers(*per_building))
        xs.append(rng.uniform(b.xmin + 1, b.xmax - 1, n))
        ys.append(rng.uniform(b.ymin + 1, b.ymax - 1, n))
        hs.append(np.full(n, boxes["top"][k]))
        owner.append(np.full(n, k))
    xmin, ymin, xmax, ymax = city.bounds
    gx, gy = rng.uniform(xmin, xmax, ground * 3), rng.uniform(ymin, ymax, ground * 3)
    on_ground = city.land_cover(gx, gy) == 0  # pavements are good scatterers
    gx, gy = gx[on_ground][:ground], gy[on_ground][:ground]
    xs.append(gx)
    ys.append(gy)
    hs.append(city.ground_z(gx, gy))
    owner.append(np.full(gx.size, -1))
    x, y = np.concatenate(xs), np.concatenate(ys)
    years = (dates - dates[0]).astype(np.float64) / 365.25
    velocity = city.bowl.velocity(x, y)
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.float64)
    seasonal_shape = np.cos(2 * np.pi * (doy - city.bowl.seasonal_peak_doy) / 365.25)
    seasonal = city.bowl.seasonal_amplitude_mm * (seasonal_shape - seasonal_shape[0])
    vertical = velocity[:, None] * years[None, :] + seasonal[None, :] + rng.normal(0, NOISE_MM, (x.size, years.size))
    vertical[:, 0] = 0.0  # series are referenced to the first acquisition, as in EGMS
    # Horizontal motion towards the bowl centre, 30 % of the local vertical rate.
    r = np.hypot(x - city.bowl.x, y - city.bowl.y) + 1.0
    east_rate = 0.3 * velocity * (x - city.bowl.x) / r
    east = east_rate[:, None] * years[None, :]
    missing = rng.random(vertical.shape) < MISSING_SHARE
    missing[:, 0] = False
    vertical[missing] = np.nan
    return PSPoints(x, y, np.concatenate(hs), np.concatenate(owner), dates, vertical, east, velocity)


def line_of_sight(points: PSPoints, track: str) -> np.ndarray:
    """(N, T) LOS displacement (mm, positive towards the satellite) for a track."""
    g = GEOMETRY[track]
    return points.vertical * g["los_up"] + points.east * g["los_east"]


def fitted_velocity(series: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Least-squares linear rate (mm/yr) of each row, skipping NaN epochs."""
    t = (dates - dates[0]).astype(np.float64) / 365.25
    valid = ~np.isnan(series)
    n = valid.sum(axis=1)
    tv = np.where(valid, t, 0.0)
    sv = np.where(valid, series, 0.0)
    st, ss = tv.sum(axis=1), sv.sum(axis=1)
    stt, sts = (tv * tv).sum(axis=1), (tv * sv).sum(axis=1)
    return (n * sts - st * ss) / (n * stt - st**2)
