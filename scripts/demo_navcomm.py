"""`make demo`, stage 7: navigation and communication on the sample city's 3D base.

With the DSM/DTM made from the city's lidar (stage 3):
- horizon and sky-view factor of every street cell (``citytwin:skyview``);
- LOS/NLOS of every satellite of both NMEA drives (``citytwin:gnsslos``), with the
  built-in check that NLOS signals are weaker;
- a GNSS availability map for the fullest sky of the March drive (``citytwin:gnssavailability``);
- LTE coverage from the operator's engineering-parameter table with DSM line of sight,
  compared with the March drive test and calibrated per site (``citytwin:cellcoverage``);
- BeiDou grid codes on the drive-test points and a level-5 BeiDou grid over the city
  (``citytwin:beidoucode``, ``citytwin:beidougrid``);
- the sky plot of the drive's deepest canyon as a PNG, and the layers added with their
  default styles to the base project's Navigation and Communication groups.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

RunJson = Callable[[str, dict, Path], "dict | None"]


def navigation_communication(config: Path, run_json: RunJson, sample: Path, output: Path, env: dict) -> int:
    dsm, dtm = output / "sample_city_dsm.tif", output / "sample_city_dtm.tif"
    surfaces = {"DSM": dsm, "DTM": dtm}
    sky = {key: output / f"sample_city_{key.lower()}.tif" for key in ("SVF", "OPEN_SKY")}
    view = run_json("skyview", {**surfaces, "MAX_DISTANCE": 400, **sky}, config)
    if view is None:
        return 1
    print(f"citytwin:skyview: 72 sectors, mean sky-view factor {view['MEAN_SVF']:.2f} -> {sky['SVF'].name}")
    logs = sorted((sample / "navigation").glob("drive_*.nmea"))
    epochs_out = {}
    for log in logs:
        label = log.stem.split("_", 1)[1]
        epochs_out[log] = output / f"sample_city_gnss_los_{label}.gpkg"
        satellites = output / f"sample_city_gnss_satellites_{label}.gpkg"
        params = {"INPUT": log, **surfaces, "OUTPUT": epochs_out[log], "SATELLITES": satellites}
        los = run_json("gnsslos", params, config)
        if los is None:
            return 1
        print(
            f"citytwin:gnsslos {log.name}: {los['N_LOS']:,} LOS / {los['N_NLOS']:,} NLOS observations; mean C/N0 "
            f"{los['CN0_LOS']:.1f} dB-Hz LOS vs {los['CN0_NLOS']:.1f} dB-Hz NLOS "
            f"({los['CN0_LOS'] - los['CN0_NLOS']:.1f} dB weaker: the 3D model explains the signals)"
        )
    names = ("LOS_COUNT", "BEIDOU_COUNT", "HDOP")
    availability = {key: output / f"sample_city_gnss_{key.lower()}.tif" for key in names}
    sky_run = run_json("gnssavailability", {**surfaces, "LOG": logs[0], "MAX_DISTANCE": 400, **availability}, config)
    if sky_run is None:
        return 1
    print(
        f"citytwin:gnssavailability: {sky_run['SATELLITES_USED']} satellites above 10°; "
        f"{sky_run['FAIL_SHARE']:.1%} of outdoor cells without a LOS-only fix -> {availability['LOS_COUNT'].name}"
    )
    coverage_layers = _coverage(config, run_json, sample, output, surfaces)
    if coverage_layers is None:
        return 1
    codes = _beidou(config, run_json, sample, output)
    if codes is None:
        return 1
    plot = _sky_plot_png(sample, output, dsm, dtm, logs[0])
    print(f"sky plot of the drive's deepest canyon -> {plot.name}")
    return _add_to_project(output, env, sky, availability, epochs_out[logs[0]], coverage_layers, codes)


def _points_from_csv(csv: Path, target: Path, x: str, y: str) -> Path:
    """A CSV with lon/lat columns as a GeoPackage point layer (what "Add delimited text layer" gives)."""
    import geopandas as gpd
    import pandas as pd

    table = pd.read_csv(csv)
    gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table[x], table[y]), crs="EPSG:4326").to_file(target)
    return target


def _coverage(config: Path, run_json: RunJson, sample: Path, output: Path, surfaces: dict) -> dict | None:
    rsrp = output / "sample_city_rsrp.tif"
    sites = _points_from_csv(
        sample / "communication" / "sites_engineering.csv", output / "sample_city_sites_engineering.gpkg", "lon", "lat"
    )
    compared = output / "sample_city_drive_test_vs_prediction.gpkg"
    params = {
        "SITES": sites,
        **surfaces,
        "DRIVE_TEST": sample / "communication" / "drive_test_2024-03-15.csv",
        "CALIBRATE": True,
        "RSRP": rsrp,
        "COMPARISON": compared,
    }
    result = run_json("cellcoverage", params, config)
    if result is None:
        return None
    print(
        f"citytwin:cellcoverage: 38.901 UMa with DSM line of sight; against the drive test: RMSE "
        f"{result['RMSE']:.1f} dB, bias {result['BIAS']:+.1f} dB, r = {result['CORRELATION']:.2f}; calibrated per "
        f"site: RMSE {result['RMSE_CALIBRATED']:.1f} dB -> {rsrp.name}"
    )
    return {"rsrp": rsrp, "compared": compared}


def _beidou(config: Path, run_json: RunJson, sample: Path, output: Path) -> dict | None:
    from osgeo import gdal

    grid = output / "sample_city_beidou_grid_l5.gpkg"
    raster = gdal.Open(str(output / "sample_city_dsm.tif"))
    x0, dx, _, y0, _, dy = raster.GetGeoTransform()
    x1, y1 = x0 + dx * raster.RasterXSize, y0 + dy * raster.RasterYSize
    extent = f"{x0},{x1},{min(y0, y1)},{max(y0, y1)} [EPSG:4548]"
    made = run_json("beidougrid", {"EXTENT": extent, "LEVEL": 5, "OUTPUT": grid}, config)
    if made is None:
        return None
    coded = output / "sample_city_drive_test_beidou.gpkg"
    csv = sample / "communication" / "drive_test_2024-03-15.csv"
    drive = _points_from_csv(csv, output / "sample_city_drive_test.gpkg", "Longitude", "Latitude")
    result = run_json("beidoucode", {"INPUT": drive, "LEVEL": 10, "OUTPUT": coded}, config)
    if result is None:
        return None
    print(
        f"citytwin:beidougrid: {made['CELLS']} level-5 cells over the city -> {grid.name}; "
        f"citytwin:beidoucode: {result['CODED']:,} drive-test points coded at level 10 -> {coded.name}"
    )
    return {"grid": grid, "coded": coded}


def _sky_plot_png(sample: Path, output: Path, dsm: Path, dtm: Path, log: Path) -> Path:
    """The sky plot (the dock's drawing) at the March drive's epoch with the most NLOS satellites."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "build" / "package"))
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    from citytwin.common.fonts import font_families
    from citytwin.layers.nmea import read_nmea
    from citytwin.processing.navcomm.gnss_los import classify_log
    from citytwin.processing.navcomm.sky_plot import draw_sky_plot, sky_plot_data
    from citytwin.processing.navcomm.surface import Surface

    surface = Surface.read(dsm)
    ground = surface.read_like(dtm)
    parsed = read_nmea(log)
    epochs = classify_log(parsed, surface, ground).epochs
    ok = epochs[epochs["status"] == "ok"]
    deepest = ok.loc[ok["n_nlos"].idxmax()]
    data = sky_plot_data(surface, deepest["x"], deepest["y"], ground, log=parsed)
    target = output / "sample_city_sky_plot.png"
    with rc_context({"font.family": font_families()}):
        figure = Figure(figsize=(6.0, 6.6), dpi=150, layout="constrained")
        draw_sky_plot(figure, data)
        figure.savefig(target, bbox_inches="tight", pad_inches=0.15)
    return target


def _add_to_project(output: Path, env: dict, sky: dict, availability: dict, epochs: Path, coverage: dict, codes: dict):
    root = Path(__file__).resolve().parent.parent
    base = [str(root / "scripts" / "add_results.py"), str(output / "sample_city_base.qgz")]
    runs = (
        [
            "navigation",
            str(output / "sample_city_navigation.png"),
            f"los_count_raster={availability['LOS_COUNT']}::LOS satellites (fullest sky of the March drive)",
            f"~hdop_raster={availability['HDOP']}::LOS-only HDOP",
            f"~svf_raster={sky['SVF']}::Sky-view factor",
            f"gnss_epochs={epochs}::GNSS epochs — LOS-only HDOP (March drive)",
            f"~beidou_grid={codes['grid']}::BeiDou grid, level 5",
        ],
        [
            "communication",
            str(output / "sample_city_coverage.png"),
            f"rsrp_raster={coverage['rsrp']}::Predicted RSRP (38.901 UMa, DSM line of sight, calibrated)",
            f"~drive_test={coverage['compared']}::Drive test vs prediction",
        ],
    )
    for arguments in runs:
        added = subprocess.run(
            ["/usr/bin/python3", *base, *arguments],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ, **env),
        )
        print(added.stdout.strip() or added.stderr[-2000:])
        if added.returncode != 0:
            return added.returncode
    return 0
