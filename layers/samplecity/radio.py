"""LTE coverage in the sample city: what a drive-test phone would have measured.

Each site has three sectors. For every measurement point and every sector the link
is LOS when the straight segment from the antenna to the phone clears every building
box (the site's own building excepted), and the 3GPP TR 38.901 UMa path loss of the
matching formula applies, with the sector's antenna pattern and log-normal shadow
fading. The strongest sector serves; RSRQ and SINR follow from all sectors' power
under full load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...processing.pathloss import SHADOW_FADING_DB, path_loss, sector_gain_db
from .model import CityModel

PHONE_HEIGHT_M = 1.5
RESOURCE_ELEMENTS = 1200  # 20 MHz LTE: 100 resource blocks x 12 subcarriers
NOISE_PER_RE_DBM = -174.0 + 10 * np.log10(15e3) + 7.0  # thermal noise + 7 dB noise figure
#: Losses a drive test measures on top of the path loss: vehicle penetration about
#: 8 dB (the phone is in the car) and 2 dB of feeder loss at the site.
EXTRA_LOSS_DB = 10.0


def segment_blocked(city: CityModel, start: np.ndarray, end: np.ndarray, exclude: int | None) -> np.ndarray:
    """(N,) True where the segment start[i] -> end[i] (3D) passes through a building box."""
    boxes = city.box_arrays()
    keep = np.ones(len(boxes["xmin"]), dtype=bool)
    if exclude is not None:
        keep[exclude] = False
    low = np.stack([boxes["xmin"], boxes["ymin"], boxes["base"] - 5.0], axis=-1)[keep][None]
    high = np.stack([boxes["xmax"], boxes["ymax"], boxes["top"]], axis=-1)[keep][None]
    d = (end - start)[:, None, :]
    o = start[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (low - o) / d
        t2 = (high - o) / d
    t_near = np.nanmax(np.minimum(t1, t2), axis=-1)
    t_far = np.nanmin(np.maximum(t1, t2), axis=-1)
    hit = (t_far >= np.maximum(t_near, 0.0)) & (t_near <= 1.0) & np.isfinite(t_near)
    return hit.any(axis=-1)


@dataclass
class Coverage:
    rsrp: np.ndarray  # (N,) serving RSRP, dBm
    rsrq: np.ndarray
    sinr: np.ndarray
    serving_site: np.ndarray  # index into city.sites
    serving_sector: np.ndarray
    los: np.ndarray  # (N,) LOS to the serving sector


def simulate_coverage(city: CityModel, xy: np.ndarray, seed: int) -> Coverage:
    rng = np.random.default_rng(seed)
    x, y = xy[:, 0], xy[:, 1]
    z_phone = city.ground_z(x, y) + PHONE_HEIGHT_M
    power, los_all = [], []
    for site in city.sites:
        host = _host_building(city, site)
        z_site = float(city.ground_z(site.x, site.y)) + site.antenna_height
        start = np.tile([site.x, site.y, z_site], (len(x), 1))
        end = np.column_stack([x, y, z_phone])
        los = ~segment_blocked(city, start, end, host)
        d2d = np.hypot(x - site.x, y - site.y)
        h_bs = z_site - (z_phone - PHONE_HEIGHT_M)
        loss = path_loss("uma", los, d2d, h_bs, PHONE_HEIGHT_M, site.frequency_ghz)
        sigma = np.where(los, SHADOW_FADING_DB[("uma", True)], SHADOW_FADING_DB[("uma", False)])
        bearing = np.degrees(np.arctan2(x - site.x, y - site.y)) % 360.0
        per_re = site.tx_power_dbm - 10 * np.log10(RESOURCE_ELEMENTS)
        for azimuth in site.sector_azimuths:
            gain = sector_gain_db(bearing, azimuth) - EXTRA_LOSS_DB
            power.append(per_re + gain - loss + rng.normal(0, 1.0, len(x)) * sigma)
            los_all.append(los)
    power = np.array(power)  # (sectors, N) dBm per resource element
    best = np.argmax(power, axis=0)
    rsrp = power[best, np.arange(len(x))]
    linear = 10 ** (power / 10)
    serving = linear[best, np.arange(len(x))]
    noise = 10 ** (NOISE_PER_RE_DBM / 10)
    interference = linear.sum(axis=0) - serving
    sinr = 10 * np.log10(serving / (interference + noise))
    # RSRQ = N x RSRP / RSSI with RSSI over N blocks of 12 fully loaded subcarriers.
    rsrq = 10 * np.log10(serving / (12 * (linear.sum(axis=0) + noise)))
    return Coverage(
        rsrp=np.round(rsrp, 1),
        rsrq=np.round(np.clip(rsrq, -19.5, -3.0), 1),
        sinr=np.round(np.clip(sinr, -20.0, 30.0), 1),
        serving_site=best // 3,
        serving_sector=best % 3,
        los=np.array(los_all)[best, np.arange(len(x))],
    )


def _host_building(city: CityModel, site) -> int | None:
    for k, b in enumerate(city.buildings):
        if b.xmin <= site.x <= b.xmax and b.ymin <= site.y <= b.ymax:
            return k
    return None
