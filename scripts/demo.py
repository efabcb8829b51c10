"""`make demo`: run CityTwin on sample data the way an analyst would, with qgis_process.

1. Builds the digital base of the synthetic sample city (``make sample-data`` wrote it
   to demo/sample_city/) with ``citytwin:builddigitalbase``: one GeoPackage and a QGIS
   project with the five groups, the fused grid and the time axis, and renders its map.
2. Runs ``citytwin:pointcloudinfo`` on the city's lidar tile, on a generated point
   cloud in EPSG:4548 and, when present, on the real lidar sample in ../shared/data.
3. Real-scene 3D of the sample city: DSM/DTM/nDSM (``citytwin:pointcloudsurfaces``),
   building heights from the lidar (``citytwin:buildingheights``, compared with the
   model's true heights), an oblique image with extruded buildings on the DTM
   (``citytwin:renderscene``) and a georeferenced glTF of the view (``citytwin:exportscene``).

4. Ground subsidence of the sample city: the L3 vertical PS series fitted
   (``citytwin:fittimeseries``), ascending/descending decomposition
   (``citytwin:decomposelos``), a rate surface (``citytwin:subsidencerate``), hotspots
   (``citytwin:subsidencehotspots``) and buildings at risk (``citytwin:buildingrisk``),
   checked against the model's bowl, added with their styles to the base project's
   Monitoring group, and mapped.
5. Carbon ledger of the sample city: building emissions (``citytwin:buildingemissions``),
   road traffic from the June GNSS drive (``citytwin:trafficemissions``), the vegetation
   sink from the August Sentinel-2 NDVI (``citytwin:vegetationsink``), the district
   ledger with its chart (``citytwin:carbonledger``) and the reconciliation with the
   ODIAC-like inventory (``citytwin:reconcileinventory``), added to the project and mapped.
6. The sample city as a 3D scene package (``citytwin:scenepackage``): the lidar tile, the
   buildings with their measured heights and the DTM as OGC 3D Tiles 1.1 with a browser
   viewer, checked against the 3D Tiles rules; ``python3 serve.py`` in it opens the viewer.
7. Navigation and communication on the 3D base (``scripts/demo_navcomm.py``): sky-view
   factor, LOS/NLOS of both drives' satellites against the DSM with the C/N0 check, a GNSS
   availability map, LTE coverage with DSM line of sight compared with the drive test,
   BeiDou grid codes, and the sky plot of the deepest street canyon.

Outputs go to demo/output/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "demo" / "output"
SHARED = ROOT.parent / "shared" / "data"


def generate_sample(path: Path) -> Path:
    """A small classified cloud: ground (class 2) with three boxes of building roofs (6)."""
    import laspy
    import numpy as np
    import pyproj

    rng = np.random.default_rng(2024)
    origin = np.array([448_500.0, 4_419_800.0])  # near Tiananmen in EPSG:4548
    ground = rng.uniform(0, 200, size=(40_000, 2))
    z_ground = 44.0 + 0.01 * ground[:, 0] + rng.normal(0, 0.05, len(ground))
    roofs, heights = [], []
    for x0, y0, w, h, height in ((20, 30, 40, 30, 24.0), (90, 120, 50, 40, 60.0), (150, 40, 30, 60, 12.0)):
        pts = rng.uniform([x0, y0], [x0 + w, y0 + h], size=(int(w * h * 2), 2))
        roofs.append(pts)
        heights.append(44.0 + 0.01 * pts[:, 0] + height + rng.normal(0, 0.05, len(pts)))
    xy = np.vstack([ground, *roofs]) + origin
    z = np.concatenate([z_ground, *heights])
    classes = np.concatenate([np.full(len(ground), 2), np.full(sum(len(r) for r in roofs), 6)]).astype(np.uint8)

    header = laspy.LasHeader(point_format=6, version="1.4")
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.array([origin[0], origin[1], 0.0])
    header.add_crs(pyproj.CRS.from_epsg(4548))
    data = laspy.LasData(header)
    data.x, data.y, data.z = xy[:, 0], xy[:, 1], z
    data.classification = classes
    data.write(str(path))
    return path


def run_qgis_process(args: list[str], config: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        QGIS_PLUGINPATH=str(ROOT / "build" / "package"),
        QGIS_CUSTOM_CONFIG_PATH=str(config),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=_site_packages(),
    )
    # /usr/bin/qgis_process (Debian's wrapper) passes an option qgis_process rejects.
    return subprocess.run(["qgis_process.bin", *args], capture_output=True, text=True, env=env, check=False)


SAMPLE_CITY = ROOT / "demo" / "sample_city"


def build_sample_base(config: Path) -> int:
    description = SAMPLE_CITY / "base.toml"
    if not description.is_file():
        print("no sample city: run `make sample-data`", file=sys.stderr)
        return 1
    gpkg = OUTPUT / "sample_city_base.gpkg"
    result = run_qgis_process(
        ["--json", "run", "citytwin:builddigitalbase", "--", f"DESCRIPTION={description}", f"OUTPUT={gpkg}"], config
    )
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], file=sys.stderr)
        return 1
    payload = json.loads(result.stdout[result.stdout.index("{") :])["results"]
    print(
        f"citytwin:builddigitalbase: {payload['LAYERS']} layers, {payload['GRID_CELLS']} fused-grid rows, "
        f"CRS {payload['BASE_CRS']}, {payload['SKIPPED']} lines skipped -> {gpkg.relative_to(ROOT)}, "
        f"{Path(payload['PROJECT']).relative_to(ROOT)}"
    )
    render = subprocess.run(
        [
            "/usr/bin/python3",
            str(ROOT / "scripts" / "render_base.py"),
            payload["PROJECT"],
            str(OUTPUT / "sample_city_base.png"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=_site_packages()),
    )
    print(render.stdout.strip() or render.stderr[-2000:])
    return 0


def _run_json(algorithm: str, params: dict, config: Path) -> dict | None:
    args = ["--json", "run", f"citytwin:{algorithm}", "--", *(f"{key}={value}" for key, value in params.items())]
    result = run_qgis_process(args, config)
    if result.returncode != 0:
        print(f"citytwin:{algorithm} failed:", result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(result.stdout[result.stdout.index("{") :])["results"]


def real_scene_3d(config: Path) -> int:
    """DSM/DTM/nDSM, building heights, a 3D image and a glTF of the sample city."""
    laz = SAMPLE_CITY / "realscene3d" / "sample_city.laz"
    buildings = SAMPLE_CITY / "buildings" / "buildings.gpkg"
    rasters = {key: OUTPUT / f"sample_city_{key.lower()}.tif" for key in ("DSM", "DTM", "NDSM")}
    surfaces = _run_json("pointcloudsurfaces", {"INPUT": laz, "CELL_SIZE": 1.0, **rasters}, config)
    if surfaces is None:
        return 1
    print(
        f"citytwin:pointcloudsurfaces: {surfaces['COLUMNS']} x {surfaces['ROWS']} cells of 1 m, ground from "
        f"{surfaces['GROUND_METHOD']} -> {', '.join(p.name for p in rasters.values())}"
    )
    heights_out = OUTPUT / "sample_city_building_heights.gpkg"
    heights = _run_json(
        "buildingheights",
        {"INPUT": laz, "FOOTPRINTS": buildings, "DTM": rasters["DTM"], "OUTPUT": heights_out},
        config,
    )
    if heights is None:
        return 1
    import geopandas as gpd
    import numpy as np

    truth = {
        b["building_id"]: b["height"]
        for b in json.loads((SAMPLE_CITY / "truth" / "model.json").read_text())["buildings"]
    }
    frame = gpd.read_file(heights_out)
    error = np.abs(frame["pc_height_m"] - frame["id"].map(truth)).dropna()
    print(
        f"citytwin:buildingheights: {heights['MEASURED']} of {len(frame)} buildings measured; against the model's "
        f"true heights: mean error {error.mean():.3f} m, max {error.max():.3f} m -> {heights_out.name}"
    )
    image = OUTPUT / "sample_city_3d.png"
    scene = {"INPUT": laz, "COLOUR": 2, "BUILDINGS": heights_out, "HEIGHT_FIELD": "pc_height_m"}
    rendered = _run_json("renderscene", {**scene, "TERRAIN": rasters["DTM"], "OUTPUT": image}, config)
    if rendered is None:
        return 1
    print(f"citytwin:renderscene: {rendered['POINTS']:,} points and the buildings on the DTM -> {image.name}")
    glb = OUTPUT / "sample_city_3d.glb"
    exported = _run_json("exportscene", {**scene, "BUDGET": 500_000, "OUTPUT": glb}, config)
    if exported is None:
        return 1
    print(f"citytwin:exportscene: {exported['POINTS']:,} points with buildings -> {glb.name}")
    return 0


def _required(algorithm: str, params: dict, config: Path) -> dict:
    """:func:`_run_json` for a step the rest depends on: a failure ends the demo."""
    results = _run_json(algorithm, params, config)
    if results is None:
        raise SystemExit(1)
    return results


def subsidence(config: Path) -> int:
    """Fit -> decomposition, rate surface, hotspots -> building risk on the sample city's PS products."""
    import geopandas as gpd
    import numpy as np
    import pyproj

    insar = SAMPLE_CITY / "insar"
    fit_out = OUTPUT / "sample_city_ps_fit.gpkg"
    fit = _required(
        "fittimeseries", {"INPUT": insar / "EGMS_L3_U_sample_city.csv", "ANNUAL": True, "OUTPUT": fit_out}, config
    )
    truth = json.loads((SAMPLE_CITY / "truth" / "model.json").read_text())
    bowl = truth["bowl"]
    points = gpd.read_file(fit_out).to_crs(truth["crs"])
    r2 = (points.geometry.x - bowl["x"]) ** 2 + (points.geometry.y - bowl["y"]) ** 2
    true_v = -bowl["v_max_mm_yr"] * np.exp(-r2 / (2 * bowl["sigma_m"] ** 2))
    error = (points["vel"] - true_v).abs()
    print(
        f"citytwin:fittimeseries: {fit['FITTED']} points fitted; velocity against the model's bowl: median error "
        f"{error.median():.2f} mm/yr, max {error.max():.2f} (median σ {points['vel_sd'].median():.2f}); "
        f"annual amplitude {points['ann_amp'].median():.1f} mm (model {bowl['seasonal_amplitude_mm']}) "
        f"-> {fit_out.name}"
    )
    imported = {}
    for track in ("asc", "desc"):
        imported[track] = OUTPUT / f"sample_city_ps_{track}.gpkg"
        if (
            _run_json(
                "importps", {"INPUT": insar / f"EGMS_L2b_{track}_sample_city.csv", "OUTPUT": imported[track]}, config
            )
            is None
        ):
            return 1
    vertical_out = OUTPUT / "sample_city_vertical.gpkg"
    pairs = _required(
        "decomposelos",
        {
            "ASCENDING": imported["asc"],
            "DESCENDING": imported["desc"],
            "ASC_FIELD": "mean_velocity",
            "DESC_FIELD": "mean_velocity",
            "MAX_DISTANCE": 25,
            "OUTPUT": vertical_out,
        },
        config,
    )
    vertical = gpd.read_file(vertical_out).to_crs(truth["crs"])
    r2 = (vertical.geometry.x - bowl["x"]) ** 2 + (vertical.geometry.y - bowl["y"]) ** 2
    v_error = (vertical["vertical"] + bowl["v_max_mm_yr"] * np.exp(-r2 / (2 * bowl["sigma_m"] ** 2))).abs()
    print(
        f"citytwin:decomposelos: {pairs['PAIRS']} ascending/descending pairs; vertical against the model: "
        f"median error {v_error.median():.2f} mm/yr -> {vertical_out.name}"
    )
    rate_out = OUTPUT / "sample_city_subsidence_rate.tif"
    _required(
        "subsidencerate", {"INPUT": fit_out, "FIELD": "vel", "CELL_SIZE": 20, "RADIUS": 120, "OUTPUT": rate_out}, config
    )
    print(f"citytwin:subsidencerate: IDW at 20 m -> {rate_out.name}")
    hot_out = OUTPUT / "sample_city_hotspots.gpkg"
    hot = _required("subsidencehotspots", {"INPUT": fit_out, "FIELD": "vel", "OUTPUT": hot_out}, config)
    clusters = gpd.read_file(hot_out)
    centre = pyproj.Transformer.from_crs(truth["crs"], clusters.crs, always_xy=True).transform(bowl["x"], bowl["y"])
    from shapely.geometry import Point

    holds = bool(clusters.geometry.contains(Point(*centre)).any())
    print(
        f"citytwin:subsidencehotspots: {hot['CLUSTERS']} cluster(s), the bowl's centre "
        f"{'inside' if holds else 'NOT inside'} one -> {hot_out.name}"
    )
    risk_out = OUTPUT / "sample_city_building_risk.gpkg"
    risk = _required(
        "buildingrisk",
        {
            "BUILDINGS": SAMPLE_CITY / "buildings" / "buildings.gpkg",
            "POINTS": fit_out,
            "FIELD": "cum_disp",
            "FIELD_KIND": 0,
            "MIN_SEPARATION": 10,
            "OUTPUT": risk_out,
        },
        config,
    )
    classes = gpd.read_file(risk_out)["damage_class"].replace("", "not assessed").value_counts().to_dict()
    print(f"citytwin:buildingrisk: {risk['AT_RISK']} buildings slight or worse; classes {classes} -> {risk_out.name}")
    added = subprocess.run(
        [
            "/usr/bin/python3",
            str(ROOT / "scripts" / "add_results.py"),
            str(OUTPUT / "sample_city_base.qgz"),
            "monitoring",
            str(OUTPUT / "sample_city_subsidence.png"),
            f"velocity_raster={rate_out}::Subsidence rate (mm/yr, IDW)",
            f"building_risk={risk_out}::Building damage risk (angular distortion)",
            f"hotspots={hot_out}::Subsidence hotspots (Gi*, FDR 5 %)",
            f"ps_fit={fit_out}::PS velocity fit — L3 vertical",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=_site_packages()),
    )
    print(added.stdout.strip() or added.stderr[-2000:])
    return added.returncode


def carbon(config: Path) -> int:
    """Buildings, traffic, vegetation -> ledger and chart -> reconciliation, on the sample city."""
    import pandas as pd

    buildings_out = OUTPUT / "sample_city_building_co2.gpkg"
    buildings = _required(
        "buildingemissions",
        {"INPUT": SAMPLE_CITY / "buildings" / "buildings.gpkg", "REGION": 0, "HEATING": 0, "OUTPUT": buildings_out},
        config,
    )
    print(
        f"citytwin:buildingemissions: {buildings['TOTAL']:,.0f} tCO2/yr (North China grid 0.6776 kgCO2/kWh, "
        f"district heat 0.11 tCO2/GJ), {buildings['FLAGGED']} flagged -> {buildings_out.name}"
    )
    traffic_out = OUTPUT / "sample_city_traffic_co2.gpkg"
    nav = f"{OUTPUT / 'sample_city_base.gpkg'}|layername=nav_drive_2024_06_20"
    # Each probe kilometre stands for 2000 vehicle-kilometres a day on the same streets.
    traffic = _required(
        "trafficemissions", {"INPUT": nav, "TIME_FIELD": "time", "EXPANSION": 2000 * 365, "OUTPUT": traffic_out}, config
    )
    print(f"citytwin:trafficemissions: {traffic['TOTAL']:,.0f} tCO2/yr on 100 m cells -> {traffic_out.name}")
    ndvi_out = OUTPUT / "sample_city_ndvi_20240818.tif"
    _required(
        "importimagery",
        {"INPUT": SAMPLE_CITY / "remote_sensing" / "S2_L2A_20240818_sample_city.tif", "SENSOR": 1, "NDVI": ndvi_out},
        config,
    )
    sink_out = OUTPUT / "sample_city_uptake.tif"
    sink = _required("vegetationsink", {"INPUT": ndvi_out, "METHOD": 0, "OUTPUT": sink_out}, config)
    print(f"citytwin:vegetationsink: CASA uptake {sink['TOTAL']:,.0f} tCO2/yr -> {sink_out.name}")
    ledger_out = OUTPUT / "sample_city_carbon_ledger.gpkg"
    ledger = _required(
        "carbonledger",
        {
            "DISTRICTS": SAMPLE_CITY / "carbon" / "districts.gpkg",
            "NAME_FIELD": "name",
            "YEAR": 2024,
            "BUILDINGS": buildings_out,
            "TRAFFIC": traffic_out,
            "SINK": sink_out,
            "CELL_SIZE": 100,
            "GRID": OUTPUT / "sample_city_carbon_balance.tif",
            "OUTPUT": ledger_out,
            "TABLE": OUTPUT / "sample_city_carbon_ledger.xlsx",
            "CHART": OUTPUT / "sample_city_carbon_ledger_chart.png",
        },
        config,
    )
    table = pd.read_excel(OUTPUT / "sample_city_carbon_ledger.xlsx", sheet_name="Ledger")
    print(
        f"citytwin:carbonledger 2024: emissions {ledger['EMISSIONS']:,.0f}, uptake {ledger['UPTAKE']:,.0f}, "
        f"net {ledger['NET']:,.0f} tCO2/yr over {len(table[~table['district'].str.startswith(('(', 'Total'))])} "
        "districts -> sample_city_carbon_ledger.xlsx, "
        "sample_city_carbon_ledger_chart.png"
    )
    reconcile_out = OUTPUT / "sample_city_carbon_vs_odiac.gpkg"
    reconcile = _required(
        "reconcileinventory",
        {
            "LEDGER": ledger_out,
            "INVENTORY": SAMPLE_CITY / "carbon" / "ODIAC_sample_city_2022.tif",
            "KIND": 0,
            "COMPARE": 0,
            "OUTPUT": reconcile_out,
            "TABLE": OUTPUT / "sample_city_carbon_vs_odiac.csv",
        },
        config,
    )
    print(f"citytwin:reconcileinventory: ours / ODIAC (scope 1) = {reconcile['RATIO']:.2f} -> {reconcile_out.name}")
    added = subprocess.run(
        [
            "/usr/bin/python3",
            str(ROOT / "scripts" / "add_results.py"),
            str(OUTPUT / "sample_city_base.qgz"),
            "monitoring",
            str(OUTPUT / "sample_city_carbon.png"),
            f"~carbon_sink={sink_out}::Vegetation CO2 uptake (tCO2/yr per cell)",
            f"~carbon_traffic={traffic_out}::Road-traffic CO2 (tCO2/yr)",
            f"carbon_balance={OUTPUT / 'sample_city_carbon_balance.tif'}::Carbon balance 2024 (net tCO2/yr per cell)",
            f"carbon_districts={ledger_out}::Carbon ledger 2024 by district (net tCO2/yr)",
            f"carbon_buildings={buildings_out}::Building CO2 (tCO2/yr)",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=_site_packages()),
    )
    print(added.stdout.strip() or added.stderr[-2000:])
    return added.returncode


def scene_package(config: Path) -> int:
    """The sample city as a 3D scene package: lidar, buildings with their measured heights, the DTM."""
    target = OUTPUT / "sample_city_scene_package"
    package = _run_json(
        "scenepackage",
        {
            "INPUT": SAMPLE_CITY / "realscene3d" / "sample_city.laz",
            "BUILDINGS": OUTPUT / "sample_city_building_heights.gpkg",
            "HEIGHT_FIELD": "pc_height_m",
            "DTM": OUTPUT / "sample_city_dtm.tif",
            "COLOUR": 2,
            "OUTPUT": target,
        },
        config,
    )
    if package is None:
        return 1
    # The checker of the packaged plugin (the code qgis_process ran), reading only the published formats.
    sys.path.insert(0, str(ROOT / "build" / "package"))
    from citytwin.twin.package_check import check_tileset

    problems = check_tileset(target)
    for problem in problems[:10]:
        print(f"  tileset problem: {problem}", file=sys.stderr)
    print(
        f"citytwin:scenepackage: OGC 3D Tiles 1.1, {len(problems)} tileset problems, {package['POINTS']:,} points, "
        f"{package['BUILDING_COUNT']} buildings, {package['TILES']} tiles -> {target.relative_to(ROOT)}/; "
        f"view it: python3 {(target / 'serve.py').relative_to(ROOT)}"
    )
    return 1 if problems else 0


def navigation_communication(config: Path) -> int:
    """Sky view, GNSS LOS/NLOS and availability, LTE coverage and BeiDou codes (scripts/demo_navcomm.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from demo_navcomm import navigation_communication as stage

    env = {"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": _site_packages()}
    return stage(config, _run_json, SAMPLE_CITY, OUTPUT, env)


def _site_packages() -> str:
    import laspy

    return str(Path(laspy.__file__).resolve().parent.parent)


def main() -> int:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    inputs = [SAMPLE_CITY / "realscene3d" / "sample_city.laz", generate_sample(OUTPUT / "sample_beijing_block.laz")]
    inputs = [path for path in inputs if path.is_file()]
    if (SHARED / "simple.las").is_file():
        inputs.append(SHARED / "simple.las")
    with tempfile.TemporaryDirectory(prefix="citytwin-demo-") as config:
        enabled = run_qgis_process(["plugins", "enable", "citytwin"], Path(config))
        if enabled.returncode != 0:
            print(enabled.stdout, enabled.stderr, file=sys.stderr)
            return 1
        for stage in (build_sample_base, real_scene_3d, subsidence, carbon, scene_package, navigation_communication):
            if stage(Path(config)) != 0:
                return 1
        for source in inputs:
            out = OUTPUT / f"{source.stem}_info.csv"
            result = run_qgis_process(
                ["--json", "run", "citytwin:pointcloudinfo", "--", f"INPUT={source}", f"OUTPUT={out}"], Path(config)
            )
            if result.returncode != 0:
                print(result.stdout, result.stderr, file=sys.stderr)
                return 1
            payload = json.loads(result.stdout[result.stdout.index("{") :])["results"]
            crs = payload["CRS"] or "missing (assign it)"
            print(
                f"citytwin:pointcloudinfo {source.name}: {payload['FILE_FORMAT']}, "
                f"{payload['POINT_COUNT']:,} points, CRS {crs} -> {out.relative_to(ROOT)}"
            )
    print(f"demo outputs in {OUTPUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
