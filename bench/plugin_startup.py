"""QGIS desktop start-up with and without CityTwin enabled, measured in the same run.

Both profiles hold the plugin unpacked from ``make package``; only the
``PythonPlugins/citytwin`` switch differs. Each launch starts the real QGIS desktop on
one shared Xvfb display, runs a ``--code`` script that exits through File > Exit as
soon as the main window is up, and is timed from process start to exit. Launches
alternate (without, with, without, ...) so that drift of this noisy 2-core machine
hits both sides alike; the medians are compared.

Target (issue "Foundation", acceptance 5): the plugin adds less than 10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.10

QUIT_SCRIPT = """
import json, os
import qgis.utils
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface

def _quit():
    with open(os.environ["CT_BENCH_OUT"], "w") as handle:
        json.dump({"active": list(qgis.utils.active_plugins),
                   "plugin_times": {k: str(v) for k, v in getattr(qgis.utils, "plugin_times", {}).items()}}, handle)
    iface.actionExit().trigger()

QTimer.singleShot(0, _quit)
"""


def start_xvfb() -> tuple[subprocess.Popen, str]:
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(read_fd, 16)
        if not chunk:
            raise RuntimeError("Xvfb did not start")
        number += chunk
    os.close(read_fd)
    return server, f":{number.decode().strip()}"


def make_profile(base: Path, plugin_zip: Path, enabled: bool) -> Path:
    profile = base / "profiles" / "default"
    (profile / "python" / "plugins").mkdir(parents=True)
    with zipfile.ZipFile(plugin_zip) as archive:
        archive.extractall(profile / "python" / "plugins")
    (profile / "QGIS").mkdir()
    (profile / "QGIS" / "QGIS3.ini").write_text(
        f"[PythonPlugins]\ncitytwin={'true' if enabled else 'false'}\n", encoding="utf-8"
    )
    return base


def launch(config: Path, display: str, script: Path, out: Path, packages: str) -> float:
    env = dict(os.environ, DISPLAY=display, QGIS_CUSTOM_CONFIG_PATH=str(config), CT_BENCH_OUT=str(out))
    env["PYTHONPATH"] = packages
    env.pop("QT_QPA_PLATFORM", None)
    start = time.perf_counter()
    subprocess.run(
        ["qgis", "--noversioncheck", "--nologo", "--code", str(script)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=180,
        check=True,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="launches per side (default 7)")
    args = parser.parse_args(argv)

    version = next(
        line.split("=", 1)[1].strip()
        for line in (ROOT / "metadata.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("version=")
    )
    plugin_zip = ROOT / "dist" / f"citytwin-{version}.zip"
    if not plugin_zip.is_file():
        sys.exit("run `make package` first (bench/run.py via `make bench` does)")
    import laspy  # the packages the plugin needs, offered to QGIS's Python as in the tests

    packages = str(Path(laspy.__file__).resolve().parent.parent)

    with tempfile.TemporaryDirectory(prefix="citytwin-bench-") as tmp:
        tmp_path = Path(tmp)
        script = tmp_path / "quit.py"
        script.write_text(QUIT_SCRIPT, encoding="utf-8")
        configs = {
            "without": make_profile(tmp_path / "without", plugin_zip, enabled=False),
            "with": make_profile(tmp_path / "with", plugin_zip, enabled=True),
        }
        server, display = start_xvfb()
        try:
            times: dict[str, list[float]] = {"without": [], "with": []}
            checks = {}
            # One warm-up launch per side: fills the OS file cache and QGIS's caches.
            for side, config in configs.items():
                launch(config, display, script, tmp_path / f"{side}.json", packages)
            for _ in range(args.rounds):
                for side, config in configs.items():
                    out = tmp_path / f"{side}.json"
                    times[side].append(launch(config, display, script, out, packages))
                    checks[side] = json.loads(out.read_text())
        finally:
            server.terminate()
            server.wait()

    if "citytwin" not in checks["with"]["active"] or "citytwin" in checks["without"]["active"]:
        sys.exit(f"plugin state not as configured: {checks}")
    without = statistics.median(times["without"])
    with_plugin = statistics.median(times["with"])
    ratio = with_plugin / without
    report = {
        "benchmark": "plugin_startup",
        "rounds": args.rounds,
        "median_s_without": round(without, 3),
        "median_s_with": round(with_plugin, 3),
        "ratio": round(ratio, 3),
        "target_ratio_below": TARGET_RATIO,
        "meets_target": ratio < TARGET_RATIO,
        "citytwin_load_time": checks["with"]["plugin_times"].get("citytwin"),
        "all_s": {side: [round(t, 3) for t in values] for side, values in times.items()},
    }
    print(
        f"plugin_startup: QGIS start+exit median {without:.2f} s without, {with_plugin:.2f} s with CityTwin "
        f"-> ratio {ratio:.3f} (target < {TARGET_RATIO}) {'OK' if report['meets_target'] else 'MISSED'}; "
        f"QGIS's own count for loading CityTwin: {report['citytwin_load_time']}"
    )
    return report


if __name__ == "__main__":
    main()
