"""Write the sample city's files: every source family of the digital base."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..nmea import format_sentence
from . import ps as ps_model
from .model import CRS_EPSG, CityModel
from .sky import GnssEpochs

DRIVES = (  # (label, start UTC, epochs, BeiDou talker); the March drive's first third is before midnight
    ("2024-03-15", "2024-03-16T00:00:00", 1500, "BD"),
    ("2024-06-20", "2024-06-20T02:10:00", 1500, "GB"),
)
IMAGES = (("20240420", "2024-04-20T03:05:31Z", 0.55), ("20240818", "2024-08-18T03:05:29Z", 1.0))


@dataclass
class SampleCityFiles:
    folder: Path
    description: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    truth: Path | None = None


def _to_lonlat():
    import pyproj

    return pyproj.Transformer.from_crs(CRS_EPSG, 4326, always_xy=True)


def _ddmm(value: float, degrees_digits: int) -> str:
    value = abs(value)
    degrees = int(value)
    minutes = (value - degrees) * 60.0
    return f"{degrees:0{degrees_digits}d}{minutes:08.5f}"


def nmea_lines(gnss: GnssEpochs, times: np.ndarray, beidou_talker: str) -> list[str]:
    """NMEA 4.11 sentences, one burst per epoch: GGA, RMC, GSA per system, GSV per system."""
    lon, lat = _to_lonlat().transform(gnss.measured_xy[:, 0], gnss.measured_xy[:, 1])
    step = np.diff(gnss.measured_xy, axis=0, prepend=gnss.measured_xy[:1])
    speed_kn = np.hypot(step[:, 0], step[:, 1]) * 1.943844
    course = np.degrees(np.arctan2(step[:, 0], step[:, 1])) % 360.0
    talkers = {"GPS": "GP", "BeiDou": beidou_talker}
    lines = []
    for e, t in enumerate(times):
        stamp = t.astype("datetime64[ms]").item()
        hms = stamp.strftime("%H%M%S.") + f"{stamp.microsecond // 10000:02d}"
        fixed = bool(gnss.fix_quality[e])
        lat_s, ns = _ddmm(lat[e], 2), "N" if lat[e] >= 0 else "S"
        lon_s, ew = _ddmm(lon[e], 3), "E" if lon[e] >= 0 else "W"
        n_used = sum(int(u[e].sum()) for u in gnss.used)
        hdop = f"{gnss.hdop[e]:.2f}" if np.isfinite(gnss.hdop[e]) else ""
        pos = [lat_s, ns, lon_s, ew] if fixed else ["", "", "", ""]
        alt = f"{gnss.altitude[e] - 8.9:.2f}" if fixed else ""  # geoid separation of Beijing about -8.9 m
        lines.append(format_sentence(
            "GN", "GGA", [hms, *pos, int(fixed), f"{n_used:02d}", hdop, alt, "M", "-8.9", "M", "", ""]
        ))  # fmt: skip
        lines.append(format_sentence(
            "GN", "RMC",
            [hms, "A" if fixed else "V", *pos, f"{speed_kn[e]:.2f}", f"{course[e]:.1f}", stamp.strftime("%d%m%y"),
             "", "", "A" if fixed else "N", "V"],
        ))  # fmt: skip
        for c, used in zip(gnss.constellations, gnss.used):
            prns = [f"{p:02d}" for p in c.prns[used[e]]][:12]
            pdop = f"{gnss.pdop[e]:.2f}" if np.isfinite(gnss.pdop[e]) else ""
            vdop = f"{gnss.vdop[e]:.2f}" if np.isfinite(gnss.vdop[e]) else ""
            lines.append(format_sentence(
                "GN", "GSA", ["A", 3 if fixed else 1, *prns, *[""] * (12 - len(prns)), pdop, hdop, vdop, c.code]
            ))  # fmt: skip
        for c, az, el, cn0 in zip(gnss.constellations, gnss.azimuth, gnss.elevation, gnss.cn0):
            visible = np.flatnonzero(np.isfinite(el[e]))
            total = max(1, -(-len(visible) // 4))
            for m in range(total):
                fields = [total, m + 1, f"{len(visible):02d}"]
                for s in visible[m * 4 : m * 4 + 4]:
                    snr = "" if np.isnan(cn0[e, s]) else f"{int(cn0[e, s]):02d}"
                    fields += [f"{c.prns[s]:02d}", f"{round(el[e, s]):02d}", f"{round(az[e, s]):03d}", snr]
                fields.append("1")  # signal id: L1 C/A (GPS), B1I (BeiDou)
                lines.append(format_sentence(talkers[c.name], "GSV", fields))
    return lines


def write_gnss_truth(gnss: GnssEpochs, times: np.ndarray, path: Path) -> None:
    import pandas as pd

    frames = []
    for c, az, el, cn0, los, used in zip(
        gnss.constellations, gnss.azimuth, gnss.elevation, gnss.cn0, gnss.los, gnss.used
    ):
        e, s = np.nonzero(np.isfinite(el))
        frames.append(
            pd.DataFrame(
                {
                    "time": pd.to_datetime(times[e], utc=True),
                    "constellation": c.name,
                    "prn": c.prns[s],
                    "azimuth_deg": np.round(az[e, s], 3),
                    "elevation_deg": np.round(el[e, s], 3),
                    "cn0_dbhz": cn0[e, s],
                    "los": los[e, s],
                    "used": used[e, s],
                }
            )
        )
    pd.concat(frames).sort_values(["time", "constellation", "prn"]).to_csv(path, index=False)


def write_drive_test(times, measured_xy, coverage, city: CityModel, path: Path, chinese: bool) -> None:
    import pandas as pd

    lon, lat = _to_lonlat().transform(measured_xy[:, 0], measured_xy[:, 1])
    sites = city.sites
    pci = np.array([sites[s].pcis[k] for s, k in zip(coverage.serving_site, coverage.serving_sector)])
    eci = np.array([sites[s].enb_id * 256 + k + 1 for s, k in zip(coverage.serving_site, coverage.serving_sector)])
    step = np.hypot(*np.diff(measured_xy, axis=0, prepend=measured_xy[:1]).T)
    stamps = pd.to_datetime(times, utc=True).strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]
    columns = {
        "Time": stamps,
        "Longitude": np.round(lon, 7),
        "Latitude": np.round(lat, 7),
        "RSRP (dBm)": coverage.rsrp,
        "RSRQ (dB)": coverage.rsrq,
        "SINR (dB)": coverage.sinr,
        "PCI": pci,
        "EARFCN": sites[0].earfcn,
        "Cell ID": eci,
        "TAC": 4101,
        "Speed (km/h)": np.round(step * 3.6, 1),
    }
    if chinese:  # a domestic tool's export: Chinese headers, local names
        names = {"Time": "时间", "Longitude": "经度", "Latitude": "纬度", "Speed (km/h)": "速度(km/h)"}
        columns = {names.get(k, k.split(" (")[0]): v for k, v in columns.items()}
    pd.DataFrame(columns).to_csv(path, index=False, encoding="utf-8")


def write_cell_sites(city: CityModel, path: Path, seed: int) -> None:
    import geopandas as gpd
    import pandas as pd

    from ..cells import write_opencellid

    rng = np.random.default_rng(seed)
    to_ll = _to_lonlat()
    rows = []
    for site in city.sites:
        # OpenCelliD positions are crowd-sourced estimates: tens of metres off.
        lon, lat = to_ll.transform(site.x + rng.normal(0, 25), site.y + rng.normal(0, 25))
        for k in range(3):
            created = int(rng.integers(1_546_300_800, 1_672_531_200))  # 2019-2022
            rows.append(
                {
                    "radio": "LTE",
                    "mcc": 460,
                    "mnc": 0,
                    "lac_tac": 4101,
                    "cell_id": site.enb_id * 256 + k + 1,
                    "unit": site.pcis[k],
                    "range_m": int(rng.integers(400, 1500)),
                    "samples": int(rng.integers(15, 400)),
                    "changeable": True,
                    "created": pd.to_datetime(created, unit="s", utc=True),
                    "updated": pd.to_datetime(created + int(rng.integers(1e7, 5e7)), unit="s", utc=True),
                    "avg_signal_dbm": np.nan,
                    "geometry": gpd.points_from_xy([lon], [lat])[0],
                }
            )
    # An NR cell of China Mobile's 700 MHz layer (36-bit NR cell id) and an old GSM cell.
    lon, lat = to_ll.transform(city.sites[2].x, city.sites[2].y)
    for radio, mnc, cell in (("NR", 0, 68_719_476_735 - 12_345), ("GSM", 1, 33_812)):
        rows.append(
            {
                **rows[0],
                "radio": radio,
                "mnc": mnc,
                "cell_id": cell,
                "unit": 0,
                "geometry": gpd.points_from_xy([lon], [lat])[0],
            }
        )
    write_opencellid(gpd.GeoDataFrame(rows, crs=4326), path, header=True)


def write_sites_engineering(city: CityModel, path: Path) -> None:
    """The operator's engineering-parameter table (工参表): one row per sector, exact values.

    Unlike the OpenCelliD file (crowd-sourced positions tens of metres off), this is what
    the operator planned: positions in WGS 84 / CGCS2000 degrees to 1e-8 (about 1 mm),
    antenna height above ground, azimuth, power and carrier. Cell ids are the drive
    tests' ECIs (eNB id x 256 + sector + 1).
    """
    import pandas as pd

    to_ll = _to_lonlat()
    rows = []
    for site in city.sites:
        lon, lat = to_ll.transform(site.x, site.y)
        for k, azimuth in enumerate(site.sector_azimuths):
            rows.append(
                {
                    "site_id": site.site_id,
                    "cell_id": site.enb_id * 256 + k + 1,
                    "pci": site.pcis[k],
                    "earfcn": site.earfcn,
                    "lon": f"{lon:.8f}",
                    "lat": f"{lat:.8f}",
                    "antenna_height_m": round(site.antenna_height, 2),
                    "azimuth_deg": azimuth,
                    "tx_power_dbm": site.tx_power_dbm,
                    "frequency_mhz": round(site.frequency_ghz * 1000.0, 1),
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8")


def write_ps_products(city: CityModel, folder: Path, seed: int, small: bool) -> list[Path]:
    import geopandas as gpd
    import pandas as pd

    from ..insar import PSDataset, write_egms_csv
    from ..report import ReadReport

    per_building = (1, 3) if small else (2, 7)
    paths = []
    for product, track, sep in (("L3_U", None, ","), ("L2b_asc", "asc", ","), ("L2b_desc", "desc", ";")):
        points = ps_model.make_ps(city, seed + len(paths), per_building=per_building, ground=150 if small else 350)
        series = points.vertical if track is None else ps_model.line_of_sight(points, track)
        attributes = {
            "pid": [f"CT{product[:3]}{i:07d}" for i in range(points.x.size)],
            "mp_type": np.where(points.building >= 0, "PS", "DS"),
            "height": np.round(points.height, 2),
            "rmse": np.round(np.nanstd(series - np.nanmean(series, axis=1, keepdims=True), axis=1) / 4, 2),
            "temporal_coherence": np.round(
                np.clip(0.95 - np.abs(np.random.default_rng(seed).normal(0, 0.05, points.x.size)), 0.5, 1), 3
            ),
            "mean_velocity": np.round(ps_model.fitted_velocity(series, points.dates), 2),
        }
        if track is not None:
            g = ps_model.GEOMETRY[track]
            attributes.update(
                {
                    "incidence_angle": g["incidence"],
                    "track_angle": g["track"],
                    "los_east": g["los_east"],
                    "los_north": g["los_north"],
                    "los_up": g["los_up"],
                }
            )
        frame = gpd.GeoDataFrame(
            pd.DataFrame(attributes), geometry=gpd.points_from_xy(points.x, points.y), crs=CRS_EPSG
        )
        dataset = PSDataset(
            points=frame,
            dates=points.dates.astype("datetime64[D]"),
            displacement=np.round(series, 1).astype(np.float32),
            report=ReadReport(product),
        )
        path = folder / f"EGMS_{product}_sample_city.csv"
        write_egms_csv(dataset, path, sep=sep)
        paths.append(path)
    return paths
