"""An analyst's path: qgis_process enables the plugin and runs citytwin:pointcloudinfo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from citytwin_testing.lasfiles import write_las

QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"


def venv_site_packages() -> str:
    """The packages the tests run with, offered to qgis_process's embedded Python."""
    import laspy

    return str(Path(laspy.__file__).resolve().parent.parent)


def qgis_process(args, plugin_path, profile, timeout=180, with_packages=True):
    # Debian's /usr/bin/qgis_process wrapper passes --noversioncheck, which
    # qgis_process rejects; call the binary itself.
    env = dict(
        os.environ,
        QGIS_PLUGINPATH=str(plugin_path),
        QGIS_CUSTOM_CONFIG_PATH=str(profile),
        QT_QPA_PLATFORM="offscreen",
    )
    env.pop("PYTHONPATH", None)
    if with_packages:
        env["PYTHONPATH"] = venv_site_packages()
    return subprocess.run([QGIS_PROCESS, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def enabled_profile(built_package, tmp_path_factory):
    if not os.path.exists(QGIS_PROCESS):
        pytest.fail("qgis_process.bin not found: run `make setup`")
    profile = tmp_path_factory.mktemp("qgis_process_profile")
    result = qgis_process(["plugins", "enable", "citytwin"], built_package, profile)
    assert result.returncode == 0, result.stdout + result.stderr
    return profile


def test_algorithm_is_listed_and_documented(built_package, enabled_profile):
    listing = qgis_process(["list"], built_package, enabled_profile)
    assert "citytwin:pointcloudinfo" in listing.stdout
    helptext = qgis_process(["help", "citytwin:pointcloudinfo"], built_package, enabled_profile)
    assert helptext.returncode == 0, helptext.stderr
    assert "never guessed" in helptext.stdout and "SCAN_CLASSES" in helptext.stdout


def test_run_on_real_sample(built_package, enabled_profile, shared_data, tmp_path):
    out = tmp_path / "info.csv"
    result = qgis_process(
        ["--json", "run", "citytwin:pointcloudinfo", "--", f"INPUT={shared_data / 'simple.laz'}", f"OUTPUT={out}"],
        built_package,
        enabled_profile,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    assert payload["results"]["POINT_COUNT"] == 1065
    assert payload["results"]["FILE_FORMAT"] == "LAZ"
    assert out.is_file() and "1065" in out.read_text()


def test_run_on_generated_file_with_crs(built_package, enabled_profile, tmp_path):
    import pyproj

    xyz = np.array([[440000.0, 4420000.0, 40.0], [440010.0, 4420020.0, 55.0]])
    src = write_las(
        tmp_path / "beijing.las", xyz, point_format=6, version="1.4", wkt=pyproj.CRS.from_epsg(4548).to_wkt()
    )
    result = qgis_process(
        ["--json", "run", "citytwin:pointcloudinfo", "--", f"INPUT={src}", f"OUTPUT={tmp_path / 'o.gpkg'}"],
        built_package,
        enabled_profile,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    assert payload["results"]["CRS"] == "EPSG:4548"
    assert payload["results"]["POINT_COUNT"] == 2


def test_bad_input_fails_with_clear_message(built_package, enabled_profile, tmp_path):
    bad = tmp_path / "bad.laz"
    bad.write_text("nope")
    result = qgis_process(
        ["run", "citytwin:pointcloudinfo", "--", f"INPUT={bad}", f"OUTPUT={tmp_path / 'o.csv'}"],
        built_package,
        enabled_profile,
    )
    assert result.returncode != 0
    assert "bad.laz" in result.stdout + result.stderr
    assert "not a readable LAS/LAZ file" in result.stdout + result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_missing_packages_in_qgis_python_give_a_clear_error(built_package, enabled_profile, tmp_path):
    """QGIS's own Python without laspy: a clear message, never an ImportError traceback."""
    probe = subprocess.run(["/usr/bin/python3", "-c", "import laspy"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("the system Python of this machine has laspy installed")
    result = qgis_process(
        [
            "run",
            "citytwin:pointcloudinfo",
            "--",
            f"INPUT={write_las(tmp_path / 'a.las', np.zeros((3, 3)))}",
            f"OUTPUT={tmp_path / 'o.csv'}",
        ],
        built_package,
        enabled_profile,
        with_packages=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "needs the Python package(s) laspy" in output
    assert "pip install" in output and "/usr/bin/python3" in output
    assert "Traceback" not in output and "ModuleNotFoundError" not in output


def test_build_digital_base_same_as_processing_run(
    built_package, enabled_profile, sample_city, provider_registered, tmp_path
):
    """Acceptance: qgis_process and processing.run give the same GeoPackage."""
    import pyogrio

    import processing

    via_cli = tmp_path / "cli.gpkg"
    result = qgis_process(
        [
            "--json",
            "run",
            "citytwin:builddigitalbase",
            "--",
            f"DESCRIPTION={sample_city.description}",
            f"OUTPUT={via_cli}",
        ],
        built_package,
        enabled_profile,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    payload = json.loads(result.stdout[result.stdout.index("{") :])["results"]
    assert payload["PROJECT"] == str(via_cli.with_suffix(".qgz")) and via_cli.with_suffix(".qgz").is_file()
    via_python = processing.run(
        "citytwin:builddigitalbase", {"DESCRIPTION": str(sample_city.description), "OUTPUT": str(tmp_path / "py.gpkg")}
    )

    def counts(path):
        return {name: pyogrio.read_info(path, layer=name)["features"] for name, _ in pyogrio.list_layers(path)}

    assert counts(via_cli) == counts(via_python["OUTPUT"])
    assert payload["GRID_CELLS"] == via_python["GRID_CELLS"] and payload["LAYERS"] == via_python["LAYERS"]


def test_beidou_code_via_qgis_process(built_package, enabled_profile, tmp_path):
    """citytwin:beidoucode under qgis_process gives the pure encoder's codes (pyproj's coordinates)."""
    import geopandas as gpd
    import pyogrio
    from pyproj import Transformer

    from citytwin.processing.beidou_grid import encode

    x, y = np.array([440_000.0, 441_234.5, 445_000.0]), np.array([4_420_000.0, 4_421_000.0, 4_415_500.0])
    src = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=gpd.points_from_xy(x, y), crs="EPSG:4548").to_file(src)
    out = tmp_path / "coded.gpkg"
    result = qgis_process(
        ["--json", "run", "citytwin:beidoucode", "--", f"INPUT={src}", "LEVEL=8", f"OUTPUT={out}"],
        built_package,
        enabled_profile,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    assert payload["results"]["CODED"] == 3 and payload["results"]["NOT_CODED"] == 0
    lon, lat = Transformer.from_crs("EPSG:4548", "EPSG:4490", always_xy=True).transform(x, y)
    codes = pyogrio.read_dataframe(out).sort_values("id")["bd_code"].tolist()
    assert codes == [encode(a, b, 8) for a, b in zip(lon, lat)]
