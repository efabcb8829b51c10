"""CityTwin's synthetic sample city: a coherent digital base of a Beijing district.

``generate_sample_city(folder)`` writes every source family the base ingests —
NMEA logs (GN/GP/BD/GB talkers, one crossing midnight), a GPX file, OpenCelliD cell
sites, the operator's engineering-parameter table of the same cells
(``communication/sites_engineering.csv``, not a base source), drive tests (English and
Chinese headers), Sentinel-2 L2A images (UTM 50N, spring and summer), EGMS-layout PS
products with a subsidence bowl (vertical L3 and ascending/descending L2b, comma and
semicolon separated), building footprints and a classified LAZ tile, and for carbon
monitoring four subdistricts with ODIAC-like and EDGAR-like CO2 inventories
(``carbon/``, see :mod:`.carbon`) — plus ``base.toml`` (the base description) and
``truth/`` (the model's ground truth for tests). Deterministic for a given seed;
``small=True`` makes a lighter city for tests (coarser lidar, shorter
drives; the same carbon files).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ...common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from ..base_description import BaseDescription, SourceSpec, write_description
from .carbon import write_carbon_sources
from .model import CRS_EPSG, build_city, drive_route
from .write import (
    DRIVES,
    IMAGES,
    SampleCityFiles,
    nmea_lines,
    write_cell_sites,
    write_drive_test,
    write_gnss_truth,
    write_ps_products,
    write_sites_engineering,
)

__all__ = ["SampleCityFiles", "generate_sample_city"]


def _write_buildings(city, path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    names = {"residential": "住宅楼", "office": "写字楼", "commercial": "商场", "public": "学校", "industrial": "厂房"}
    frame = gpd.GeoDataFrame(
        {
            "id": [b.building_id for b in city.buildings],
            "name": [f"{names[b.use]}{b.building_id:03d}" for b in city.buildings],
            "height": [b.recorded_height for b in city.buildings],
            "floors": [b.floors for b in city.buildings],
            "use": [b.use for b in city.buildings],
        },
        geometry=[box(b.xmin, b.ymin, b.xmax, b.ymax) for b in city.buildings],
        crs=CRS_EPSG,
    )
    frame.to_file(path, layer="buildings", driver="GPKG")


def _write_gpx(city, gnss, times, path: Path) -> None:
    """Survey control points (waypoints at street junctions) and the drive as a track."""
    from xml.sax.saxutils import escape

    import pyproj

    to_ll = pyproj.Transformer.from_crs(CRS_EPSG, 4326, always_xy=True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="CityTwin sample-data generator" xmlns="http://www.topografix.com/GPX/1/1">',
    ]
    for k, (x, y) in enumerate((x, y) for x in city.streets_x[::2] for y in city.streets_y[::2]):
        lon, lat = to_ll.transform(x, y)
        z = float(city.ground_z(x, y))
        name = escape(f"控制点 CP{k + 1:02d}")
        lines.append(f'  <wpt lat="{lat:.8f}" lon="{lon:.8f}"><ele>{z:.2f}</ele><name>{name}</name></wpt>')
    lines.append("  <trk><name>Survey vehicle 2024-06-20</name><trkseg>")
    lon, lat = to_ll.transform(gnss.measured_xy[::10, 0], gnss.measured_xy[::10, 1])
    for lo, la, z, t in zip(lon, lat, gnss.altitude[::10], times[::10]):
        stamp = np.datetime_as_string(t, unit="s") + "Z"
        lines.append(f'    <trkpt lat="{la:.8f}" lon="{lo:.8f}"><ele>{z:.2f}</ele><time>{stamp}</time></trkpt>')
    lines += ["  </trkseg></trk>", "</gpx>"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_drives(city, folder: Path, seed: int, small: bool, truth: dict) -> tuple[dict, list[SourceSpec]]:
    from .radio import simulate_coverage
    from .sky import simulate_gnss

    files: dict[str, list[Path]] = {}
    sources: list[SourceSpec] = []
    for d, (label, start, epochs, beidou) in enumerate(DRIVES):
        n = epochs // 3 if small else epochs
        seconds = np.arange(n, dtype=np.float64)
        # DRIVES gives the instant a third of the way through the drive (midnight UTC
        # for the March drive, so that its log crosses midnight whatever its length).
        first = np.datetime64(start, "ms") - np.timedelta64(n // 3, "s")
        times = first + (seconds * 1000).astype("timedelta64[ms]")
        route = drive_route(city, n, seed + d)
        gnss = simulate_gnss(city, route, seconds + d * 86_400, seed + 10 + d)
        nmea = folder / "navigation" / f"drive_{label}.nmea"
        nmea.write_text("\r\n".join(nmea_lines(gnss, times, beidou)) + "\r\n", encoding="ascii")
        write_gnss_truth(gnss, times, folder / "truth" / f"gnss_{label}.csv")
        files.setdefault("nmea", []).append(nmea)
        sources.append(SourceSpec("nmea", nmea.relative_to(folder)))
        coverage = simulate_coverage(city, gnss.true_xy, seed + 20 + d)
        drive = folder / "communication" / f"drive_test_{label}.csv"
        write_drive_test(times, gnss.measured_xy, coverage, city, drive, chinese=d == 1)
        files.setdefault("drive_test", []).append(drive)
        sources.append(SourceSpec("drive_test", drive.relative_to(folder)))
        truth["drives"].append(
            {
                "label": label,
                "epochs": int(n),
                "fix_rate": float(gnss.fix_quality.mean()),
                "serving_los_share": float(np.mean(coverage.los)),
            }
        )
        if d == 1:
            gpx = folder / "navigation" / "survey_2024-06-20.gpx"
            _write_gpx(city, gnss, times, gpx)
            files["gpx"] = [gpx]
            sources.append(SourceSpec("gpx", gpx.relative_to(folder)))
    return files, sources


def _write_images(city, folder: Path, seed: int) -> tuple[list[Path], list[SourceSpec]]:
    from .raster import write_s2_image

    paths, sources = [], []
    for label, acquired, greenness in IMAGES:
        image = folder / "remote_sensing" / f"S2_L2A_{label}_sample_city.tif"
        write_s2_image(city, image, acquired, greenness, seed=seed + int(label[-4:]))
        paths.append(image)
        sources.append(SourceSpec("imagery", image.relative_to(folder), {"sensor": "sentinel2_l2a"}))
    return paths, sources


def generate_sample_city(
    folder: str | Path,
    seed: int = 20240315,
    small: bool = False,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> SampleCityFiles:
    """Write the sample city into ``folder`` (created; existing files are replaced)."""
    from .lidar import write_lidar_tile

    folder = Path(folder)
    for sub in ("navigation", "communication", "remote_sensing", "insar", "realscene3d", "buildings", "truth"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    city = build_city(seed)
    truth = {"crs": f"EPSG:{CRS_EPSG}", "bowl": vars(city.bowl), "sites": [], "buildings": [], "drives": []}

    files, sources = _write_drives(city, folder, seed, small, truth)
    progress(0.4)
    check_canceled(is_canceled)
    cells = folder / "communication" / "cell_towers_460_sample.csv"
    write_cell_sites(city, cells, seed)
    files["opencellid"] = [cells]
    sources.insert(0, SourceSpec("opencellid", cells.relative_to(folder)))
    truth["sites"] = [vars(site) for site in city.sites]
    # The operator's engineering-parameter table: not a base source (no reader kind), read
    # by the coverage tools (processing.navcomm.coverage.cell_sites).
    engineering = folder / "communication" / "sites_engineering.csv"
    write_sites_engineering(city, engineering)
    files["sites_engineering"] = [engineering]

    files["imagery"], image_sources = _write_images(city, folder, seed)
    sources += image_sources
    progress(0.5)
    check_canceled(is_canceled)
    files["ps"] = write_ps_products(city, folder / "insar", seed, small)
    sources.append(SourceSpec("ps", files["ps"][0].relative_to(folder)))  # L3 vertical joins the base
    progress(0.6)

    buildings = folder / "buildings" / "buildings.gpkg"
    _write_buildings(city, buildings)
    files["buildings"] = [buildings]
    sources.append(SourceSpec("buildings", buildings.relative_to(folder)))
    truth["buildings"] = [vars(b) for b in city.buildings]

    # Districts and gridded inventories (carbon/, made here): not base sources, read by the carbon tools.
    carbon_files, truth["inventory"] = write_carbon_sources(city, folder / "carbon")
    files.update(carbon_files)

    check_canceled(is_canceled)
    laz = folder / "realscene3d" / "sample_city.laz"
    write_lidar_tile(city, laz, ground_spacing=4.0 if small else 2.0, roof_spacing=2.0 if small else 1.0)
    files["pointcloud"] = [laz]
    sources.append(SourceSpec("pointcloud", laz.relative_to(folder)))
    progress(0.9)

    description = BaseDescription(
        name="CityTwin sample city (Beijing, synthetic)",
        sources=sources,
        crs=f"EPSG:{CRS_EPSG}",
        cell_size_m=100.0,
        time_unit="month",
        output=Path("sample_city_base.gpkg"),
        project=Path("sample_city_base.qgz"),
        folder=folder,
    )
    description_path = write_description(description, folder / "base.toml")
    truth_path = folder / "truth" / "model.json"
    truth_path.write_text(json.dumps(truth, indent=1, default=float, ensure_ascii=False), encoding="utf-8")
    (folder / "README.txt").write_text(_README, encoding="utf-8")
    progress(1.0)
    return SampleCityFiles(folder, description_path, files, truth_path)


_README = """CityTwin sample city (synthetic, deterministic)
==============================================

A district of about 1.2 km x 1.0 km near Beijing's Second Ring Road, in
CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548). Everything here is
generated from one analytic model, so the sources agree with each other:

navigation/      NMEA 0183 logs of a survey vehicle (GN GGA/RMC/GSA, GP and BD/GB GSV;
                 the March drive crosses midnight UTC) and a GPX file
communication/   OpenCelliD-format cell sites (MCC 460; positions noisy on purpose),
                 the operator's engineering-parameter table sites_engineering.csv
                 (one row per sector: exact lon/lat, antenna height above ground,
                 azimuth, Tx power, EARFCN and frequency; cell_id = the drive tests'
                 Cell ID) and drive tests (RSRP/RSRQ/SINR; the June file has Chinese
                 headers)
remote_sensing/  Sentinel-2 L2A-like 12-band images in UTM 50N, April and August
insar/           EGMS-layout PS products: L3 vertical, L2b ascending (comma) and
                 descending (semicolon), over a subsidence bowl (-45 mm/yr at its centre)
buildings/       footprints with height (a few unknown), floors, use and a Chinese name
realscene3d/     classified airborne lidar tile (LAZ, LAS 1.4 PF 7, compound CRS with
                 Yellow Sea 1985 heights, extra bytes 'reflectance_db')
carbon/          four subdistricts (districts.gpkg, irregular edges) and fossil CO2
                 inventories of 2022 with a uniform density inside the districts'
                 rectangle and a lower one outside: ODIAC-like GeoTIFF (EPSG:4326,
                 30 arc-seconds, 12 monthly bands, tonne C/cell/month), EDGAR-like
                 NetCDF (0.1 degree, variable 'emissions', Tonnes CO2/cell/year) and
                 EDGAR text for road transport (lat;lon;emission 2022 (tons))
base.toml        the base description: build the base with CityTwin from this file
truth/           the model's ground truth (for tests): bowl, sites, buildings, GNSS LOS,
                 inventory densities and district areas

None of it is real data.
"""
