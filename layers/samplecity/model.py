"""The analytic model of CityTwin's synthetic sample city (Beijing, EPSG:4548).

One object holds the city — terrain, street grid, buildings (axis-aligned boxes), a
park, a lake, cell sites, drive routes and a subsidence bowl — and every sample file
is derived from it, so the sources agree with each other the way real data would:
roofs in the point cloud are the footprints' heights, GNSS signals are blocked by the
same boxes, RSRP falls with distance from the same sites, PS points sit on the same
roofs and sink in the same bowl. Ground truth for the tests comes from here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: CGCS2000 / 3-degree Gauss-Krüger CM 117E: the base CRS of a Beijing base.
CRS_EPSG = 4548
#: Yellow Sea 1985 height: China's national vertical datum (for the point cloud).
VERTICAL_EPSG = 5737

# Lower-left corner of the sample area, near Beijing's Second Ring Road (about
# 116.40°E, 39.90°N) — round numbers in EPSG:4548.
ORIGIN_X = 448_800.0
ORIGIN_Y = 4_417_200.0
WIDTH = 1_200.0
HEIGHT = 1_000.0
BLOCK = 150.0
STREET = 30.0

USE_HEIGHTS = {  # metres: typical ranges of Beijing building types
    "residential": (18.0, 80.0),
    "office": (45.0, 150.0),
    "commercial": (9.0, 30.0),
    "public": (12.0, 28.0),
    "industrial": (8.0, 16.0),
}
STOREY_HEIGHT = {"residential": 2.9, "office": 3.8, "commercial": 4.5, "public": 4.0, "industrial": 6.0}


@dataclass
class Building:
    building_id: int
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    height: float
    use: str
    floors: int
    #: Height written to the footprint layer (None for the few "unknown height" ones).
    recorded_height: float | None


@dataclass
class CellSite:
    site_id: int
    x: float
    y: float
    antenna_height: float
    enb_id: int
    pcis: tuple[int, int, int]
    sector_azimuths: tuple[float, float, float] = (0.0, 120.0, 240.0)
    tx_power_dbm: float = 46.0
    frequency_ghz: float = 1.85  # LTE band 3 (China Mobile / China Unicom urban layer)
    earfcn: int = 1650


@dataclass
class SubsidenceBowl:
    """Velocity field v(x, y) = -v_max exp(-r² / (2 σ²)) in mm/yr, plus a seasonal term."""

    x: float
    y: float
    v_max_mm_yr: float = 45.0
    sigma_m: float = 260.0
    seasonal_amplitude_mm: float = 4.0
    seasonal_peak_doy: float = 250.0  # groundwater lowest in late summer

    def velocity(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        r2 = (np.asarray(x) - self.x) ** 2 + (np.asarray(y) - self.y) ** 2
        return -self.v_max_mm_yr * np.exp(-r2 / (2 * self.sigma_m**2))


@dataclass
class CityModel:
    seed: int
    buildings: list[Building]
    park: tuple[float, float, float, float]
    lake: tuple[float, float, float, float]
    sites: list[CellSite]
    bowl: SubsidenceBowl
    streets_x: list[float] = field(default_factory=list)  # street centre lines (x = const)
    streets_y: list[float] = field(default_factory=list)  # street centre lines (y = const)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (ORIGIN_X, ORIGIN_Y, ORIGIN_X + WIDTH, ORIGIN_Y + HEIGHT)

    @staticmethod
    def ground_z(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Terrain height (m, Yellow Sea 1985): a gentle slope with a low swell."""
        x = np.asarray(x, dtype=np.float64) - ORIGIN_X
        y = np.asarray(y, dtype=np.float64) - ORIGIN_Y
        return 43.5 + 0.0020 * x - 0.0012 * y + 0.6 * np.sin(x / 170.0) * np.cos(y / 230.0)

    def box_arrays(self) -> dict[str, np.ndarray]:
        """Buildings as arrays (xmin, ymin, xmax, ymax, roof z above datum)."""
        b = self.buildings
        xmin = np.array([v.xmin for v in b])
        ymin = np.array([v.ymin for v in b])
        xmax = np.array([v.xmax for v in b])
        ymax = np.array([v.ymax for v in b])
        base = self.ground_z((xmin + xmax) / 2, (ymin + ymax) / 2)
        return {
            "xmin": xmin,
            "ymin": ymin,
            "xmax": xmax,
            "ymax": ymax,
            "base": base,
            "top": base + np.array([v.height for v in b]),
        }

    def land_cover(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """0 pavement/street, 1 building, 2 vegetation, 3 water, 4 bare ground."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        cover = np.full(x.shape, 4, dtype=np.int8)
        bx = (x - ORIGIN_X) % (BLOCK + STREET)
        by = (y - ORIGIN_Y) % (BLOCK + STREET)
        cover[(bx >= BLOCK) | (by >= BLOCK)] = 0
        px0, py0, px1, py1 = self.park
        cover[(x >= px0) & (x <= px1) & (y >= py0) & (y <= py1)] = 2
        lx0, ly0, lx1, ly1 = self.lake
        cover[(x >= lx0) & (x <= lx1) & (y >= ly0) & (y <= ly1)] = 3
        for v in self.buildings:
            cover[(x >= v.xmin) & (x <= v.xmax) & (y >= v.ymin) & (y <= v.ymax)] = 1
        return cover


def _blocks() -> list[tuple[float, float]]:
    pitch = BLOCK + STREET
    return [
        (ORIGIN_X + i * pitch, ORIGIN_Y + j * pitch)
        for j in range(int(HEIGHT // pitch) + 1)
        for i in range(int(WIDTH // pitch) + 1)
        if ORIGIN_X + i * pitch + BLOCK <= ORIGIN_X + WIDTH and ORIGIN_Y + j * pitch + BLOCK <= ORIGIN_Y + HEIGHT
    ]


def build_city(seed: int = 20240315) -> CityModel:
    """The sample city, deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    blocks = _blocks()
    park_block = blocks[len(blocks) // 2 - 1]
    lake_block = blocks[-2]
    park = (park_block[0], park_block[1], park_block[0] + BLOCK, park_block[1] + BLOCK)
    lx, ly = lake_block
    lake = (lx + 25.0, ly + 30.0, lx + 125.0, ly + 110.0)
    uses = list(USE_HEIGHTS)
    buildings: list[Building] = []
    for bx, by in blocks:
        if (bx, by) in (park_block, lake_block):
            continue
        block_use = rng.choice(uses, p=[0.45, 0.2, 0.15, 0.1, 0.1])
        # 2 x 2 lots per block, each with a building set back 8-15 m from the lot edges.
        for lot_x in (0.0, BLOCK / 2):
            for lot_y in (0.0, BLOCK / 2):
                if rng.random() < 0.12:
                    continue  # an empty lot: a car park or a courtyard
                use = block_use if rng.random() < 0.8 else rng.choice(uses)
                setback = rng.uniform(8.0, 15.0, 4)
                x0, y0 = bx + lot_x + setback[0], by + lot_y + setback[1]
                x1, y1 = bx + lot_x + BLOCK / 2 - setback[2], by + lot_y + BLOCK / 2 - setback[3]
                low, high = USE_HEIGHTS[use]
                height = float(np.round(rng.uniform(low, high), 1))
                floors = max(1, round(height / STOREY_HEIGHT[use]))
                recorded = None if rng.random() < 0.06 else height
                buildings.append(Building(len(buildings) + 1, x0, y0, x1, y1, height, str(use), floors, recorded))
    centre_x, centre_y = ORIGIN_X + WIDTH / 2, ORIGIN_Y + HEIGHT / 2
    site_spots = [(0.25, 0.3), (0.75, 0.25), (0.5, 0.55), (0.2, 0.8), (0.8, 0.75)]
    sites = []
    for k, (fx, fy) in enumerate(site_spots):
        x, y = ORIGIN_X + fx * WIDTH, ORIGIN_Y + fy * HEIGHT
        # Antenna on the nearest roof, 4 m above it (or a 30 m mast if no roof nearby).
        nearest = min(buildings, key=lambda b: ((b.xmin + b.xmax) / 2 - x) ** 2 + ((b.ymin + b.ymax) / 2 - y) ** 2)
        bxc, byc = (nearest.xmin + nearest.xmax) / 2, (nearest.ymin + nearest.ymax) / 2
        if (bxc - x) ** 2 + (byc - y) ** 2 < 90.0**2:
            x, y, h = bxc, byc, nearest.height + 4.0
        else:
            h = 30.0
        sites.append(CellSite(k + 1, float(x), float(y), float(h), 90_000 + k, (3 * k + 1, 3 * k + 2, 3 * k + 3)))
    bowl = SubsidenceBowl(centre_x + 260.0, centre_y - 120.0)
    pitch = BLOCK + STREET
    streets_x = [ORIGIN_X + i * pitch + BLOCK + STREET / 2 for i in range(int(WIDTH // pitch))]
    streets_y = [ORIGIN_Y + j * pitch + BLOCK + STREET / 2 for j in range(int(HEIGHT // pitch))]
    return CityModel(seed, buildings, park, lake, sites, bowl, streets_x, streets_y)


def drive_route(city: CityModel, n_epochs: int, seed: int, start_speed: float = 9.0) -> np.ndarray:
    """(n, 2) positions at 1 s intervals along the street grid, with stops at junctions.

    The vehicle follows street centre lines from junction to junction, turning at
    random; speed varies between 5 and 14 m/s and it halts 5-20 s at some junctions.
    """
    rng = np.random.default_rng(seed)
    xs, ys = np.array(city.streets_x), np.array(city.streets_y)
    i, j = len(xs) // 2, len(ys) // 2
    position = np.array([xs[i], ys[j]])
    heading = (1, 0)
    positions = []
    speed = start_speed
    while len(positions) < n_epochs:
        # pick the next junction: straight on, left or right, never off the grid
        options = []
        for di, dj in ((heading[0], heading[1]), (heading[1], -heading[0]), (-heading[1], heading[0])):
            if 0 <= i + di < len(xs) and 0 <= j + dj < len(ys):
                options.append((di, dj))
        if not options:
            options = [(-heading[0], -heading[1])]
        di, dj = options[rng.integers(len(options))]
        target = np.array([xs[i + di], ys[j + dj]])
        distance = float(np.hypot(*(target - position)))
        speed = float(np.clip(speed + rng.normal(0, 1.5), 5.0, 14.0))
        steps = max(1, int(distance / speed))
        for s in range(1, steps + 1):
            positions.append(position + (target - position) * s / steps)
        if rng.random() < 0.3:
            positions.extend([target.copy()] * int(rng.integers(5, 20)))
        position, i, j, heading = target, i + di, j + dj, (di, dj)
    return np.array(positions[:n_epochs])
