"""Start the real QGIS desktop under Xvfb with the plugin installed from its zip.

Each run gets a throw-away profile (QGIS_CUSTOM_CONFIG_PATH) into which the zip is
unpacked, as "Install from ZIP" would; a PYQGIS_STARTUP hook records every message
of QGIS's log from the very start (plugin loading included), and the script given
with --code drives the GUI and writes its findings as JSON.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "desktop" / "artifacts"
SCRIPTS = ROOT / "tests" / "desktop" / "scripts"
TIMED_OUT = -999


@dataclass
class DesktopRun:
    returncode: int
    stdout: str
    result: dict
    log: list[dict]

    def python_errors(self) -> list[dict]:
        """Messages QGIS logged as Python errors (tracebacks in plugins or scripts)."""
        return [m for m in self.log if m["tag"] == "Python error" or "Traceback" in m["message"]]


def make_profile(base: Path, plugin_zip: Path, settings: dict[str, dict[str, str]] | None = None) -> Path:
    """A QGIS settings root with the plugin unpacked from its zip and enabled."""
    profile = base / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(plugin_zip) as archive:
        archive.extractall(plugins)
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini["PythonPlugins"] = {"citytwin": "true"}
    for section, values in (settings or {}).items():
        ini[section] = values
    (profile / "QGIS").mkdir(parents=True)
    with (profile / "QGIS" / "QGIS3.ini").open("w", encoding="utf-8") as handle:
        ini.write(handle, space_around_delimiters=False)
    return base


def python_packages_path() -> str:
    """The packages the tests run with, offered to the desktop's Python."""
    import laspy

    return str(Path(laspy.__file__).resolve().parent.parent)


def run_desktop(
    script: str,
    tmp_path: Path,
    plugin_zip: Path,
    env: dict[str, str] | None = None,
    settings: dict[str, dict[str, str]] | None = None,
    timeout: float = 240,
) -> DesktopRun:
    if shutil.which("xvfb-run") is None or shutil.which("qgis") is None:
        pytest.fail("xvfb-run or qgis missing: run `make setup`")
    config = make_profile(tmp_path / "qgis-config", plugin_zip, settings)
    log_file = tmp_path / "messages.jsonl"
    result_file = tmp_path / "result.json"
    environment = dict(
        os.environ,
        QGIS_CUSTOM_CONFIG_PATH=str(config),
        PYQGIS_STARTUP=str(SCRIPTS / "record_log.py"),
        CT_LOG=str(log_file),
        CT_RESULT=str(result_file),
        CT_ARTIFACTS=str(ARTIFACTS),
        CT_SCRIPTS=str(SCRIPTS),
        PYTHONPATH=python_packages_path(),
        LC_ALL="C.UTF-8",
    )
    environment.pop("QT_QPA_PLATFORM", None)  # a real X display (Xvfb), not offscreen
    environment.update(env or {})
    command = [
        "xvfb-run", "-a", "-s", "-screen 0 1600x1000x24",
        "qgis", "--noversioncheck", "--nologo", "--code", str(SCRIPTS / script),
    ]  # fmt: skip
    try:
        process = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=environment, cwd=str(tmp_path)
        )
        returncode, output = process.returncode, process.stdout + process.stderr
    except subprocess.TimeoutExpired as exc:  # QGIS hung (a modal dialog?): report what we have
        returncode = TIMED_OUT
        output = f"QGIS did not exit within {timeout} s\n" + _text(exc.stdout) + _text(exc.stderr)
    log = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()] if log_file.exists() else []
    result = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else {}
    return DesktopRun(returncode, output, result, log)


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data or ""


def image_stats(path: str | Path) -> tuple[int, int, float]:
    """(width, height, standard deviation of grey values) of an image, read with Qt."""
    from qgis.PyQt.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull(), path
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    ptr = image.constBits()
    ptr.setsize(image.bytesPerLine() * image.height())
    grey = np.frombuffer(ptr, dtype=np.uint8).reshape(image.height(), image.bytesPerLine())[:, : image.width()]
    return image.width(), image.height(), float(grey.std())
