"""The sample city's airborne lidar tile: ground, roofs, trees and water, classified.

ASPRS classes: 2 ground, 5 high vegetation, 6 building, 9 water. LAS 1.4 point
format 7 (RGB + GPS time) with an extra-bytes dimension ``reflectance_db`` (as Riegl
sensors write), and a compound CRS: CGCS2000 / Gauss-Krüger CM 117E + Yellow Sea 1985
height. Roof points lie exactly at the footprints' true heights (plus 5 cm noise), so
building heights derived from the cloud can be checked against the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .model import CRS_EPSG, HEIGHT, ORIGIN_X, ORIGIN_Y, VERTICAL_EPSG, WIDTH, CityModel

# Adjusted standard GPS time (GPS seconds - 1e9) of the flight, 2024-04-10 03:00 UTC.
FLIGHT_GPS_TIME = 1_396_753_218.0 - 1e9


def _jittered_grid(rng, x0, y0, x1, y1, spacing):
    xs = np.arange(x0 + spacing / 2, x1, spacing)
    ys = np.arange(y0 + spacing / 2, y1, spacing)
    gx, gy = np.meshgrid(xs, ys)
    gx = gx.ravel() + rng.uniform(-spacing / 2, spacing / 2, gx.size)
    gy = gy.ravel() + rng.uniform(-spacing / 2, spacing / 2, gy.size)
    return gx, gy


def lidar_points(city: CityModel, ground_spacing: float = 2.0, roof_spacing: float = 1.0, seed: int = 7) -> dict:
    """Arrays x, y, z, classification, red, green, blue, intensity, gps_time, reflectance_db."""
    rng = np.random.default_rng(seed)
    parts = []

    gx, gy = _jittered_grid(rng, ORIGIN_X, ORIGIN_Y, ORIGIN_X + WIDTH, ORIGIN_Y + HEIGHT, ground_spacing)
    cover = city.land_cover(gx, gy)
    ground = (cover != 1) & (cover != 3)
    gz = city.ground_z(gx, gy) + rng.normal(0, 0.03, gx.size)
    street = cover == 0
    grey = np.where(street, 95, 150)
    parts.append(
        {
            "x": gx[ground],
            "y": gy[ground],
            "z": gz[ground],
            "classification": np.full(ground.sum(), 2),
            "rgb": np.column_stack([grey, grey, np.where(street, 100, 120)])[ground]
            + np.where(cover[ground] == 2, [[-60], [20], [-70]], [[0], [0], [0]]).T,
            "intensity": np.where(street[ground], 900, 1600),
        }
    )
    water = cover == 3
    keep_water = water & (rng.random(gx.size) < 0.25)  # lidar returns from water are sparse
    parts.append(
        {
            "x": gx[keep_water],
            "y": gy[keep_water],
            "z": city.ground_z(gx[keep_water], gy[keep_water]) - 1.2,
            "classification": np.full(keep_water.sum(), 9),
            "rgb": np.tile([40, 70, 120], (keep_water.sum(), 1)),
            "intensity": np.full(keep_water.sum(), 200),
        }
    )

    boxes = city.box_arrays()
    for k, b in enumerate(city.buildings):
        rx, ry = _jittered_grid(rng, b.xmin, b.ymin, b.xmax, b.ymax, roof_spacing)
        rz = boxes["top"][k] + rng.normal(0, 0.05, rx.size)
        tone = rng.integers(110, 200)
        parts.append(
            {
                "x": rx,
                "y": ry,
                "z": rz,
                "classification": np.full(rx.size, 6),
                "rgb": np.tile([tone, tone - 10, tone - 20 if b.use != "residential" else tone - 60], (rx.size, 1)),
                "intensity": np.full(rx.size, 1300),
            }
        )

    # Trees in the park: cone crowns 5-9 m wide on 4-7 m trunks.
    px0, py0, px1, py1 = city.park
    centres = np.column_stack([rng.uniform(px0 + 8, px1 - 8, 70), rng.uniform(py0 + 8, py1 - 8, 70)])
    for cx, cy in centres:
        radius, trunk, crown = rng.uniform(2.5, 4.5), rng.uniform(4, 7), rng.uniform(4, 8)
        n = int(np.pi * radius**2 * 3)
        r = radius * np.sqrt(rng.random(n))
        angle = rng.uniform(0, 2 * np.pi, n)
        top = float(city.ground_z(cx, cy)) + trunk + crown
        z = top - crown * (r / radius) + rng.normal(0, 0.2, n)
        parts.append(
            {
                "x": cx + r * np.cos(angle),
                "y": cy + r * np.sin(angle),
                "z": z,
                "classification": np.full(n, 5),
                "rgb": np.tile([60, 120, 50], (n, 1)),
                "intensity": np.full(n, 700),
            }
        )

    out = {key: np.concatenate([p[key] for p in parts]) for key in ("x", "y", "z", "classification", "intensity")}
    rgb = np.clip(np.concatenate([p["rgb"] for p in parts]), 0, 255).astype(np.uint16) * 257  # 8 -> 16 bit
    out["red"], out["green"], out["blue"] = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    # Scan lines: points in flight order along y, a few seconds per 100 m strip.
    out["gps_time"] = FLIGHT_GPS_TIME + (out["x"] - ORIGIN_X) / 60.0 + (out["y"] - ORIGIN_Y) * 1e-3
    out["reflectance_db"] = (-8.0 + out["intensity"] / 400.0 + rng.normal(0, 0.5, out["x"].size)).astype(np.float32)
    order = np.argsort(out["gps_time"], kind="stable")
    return {key: value[order] for key, value in out.items()}


def write_lidar_tile(city: CityModel, path: Path, ground_spacing: float = 2.0, roof_spacing: float = 1.0) -> Path:
    """Write the tile as LAZ (or LAS, by suffix); returns the path."""
    import laspy
    import pyproj

    points = lidar_points(city, ground_spacing, roof_spacing)
    header = laspy.LasHeader(point_format=7, version="1.4")
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.array([ORIGIN_X, ORIGIN_Y, 0.0])
    header.add_extra_dim(laspy.ExtraBytesParams(name="reflectance_db", type=np.float32, description="Reflectance"))
    header.add_crs(pyproj.CRS.from_user_input(f"EPSG:{CRS_EPSG}+{VERTICAL_EPSG}"))
    header.system_identifier = "CityTwin sample city"
    header.generating_software = "CityTwin sample-data generator"
    header.global_encoding.gps_time_type = laspy.header.GpsTimeType.STANDARD
    data = laspy.LasData(header)
    data.x, data.y, data.z = points["x"], points["y"], points["z"]
    data.classification = points["classification"].astype(np.uint8)
    data.intensity = points["intensity"].astype(np.uint16)
    data.red, data.green, data.blue = points["red"], points["green"], points["blue"]
    data.gps_time = points["gps_time"]
    data.return_number = np.ones(len(points["x"]), dtype=np.uint8)
    data.number_of_returns = np.ones(len(points["x"]), dtype=np.uint8)
    data["reflectance_db"] = points["reflectance_db"]
    data.write(str(path))
    return path
