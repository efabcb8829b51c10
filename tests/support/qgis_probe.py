"""Run a snippet in a fresh Python with an offscreen QgsApplication and a real-widget iface."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PRELUDE = """
import os, sys
sys.path.insert(0, {pkg_root!r})
from qgis.core import QgsApplication
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], True)
app.initQgis()
from qgis.PyQt.QtWidgets import QMainWindow
from qgis.gui import QgsMessageBar

class Iface:
    def __init__(self):
        self.main = QMainWindow()
        self.bar = QgsMessageBar(self.main)
    def mainWindow(self): return self.main
    def messageBar(self): return self.bar
    def addToolBar(self, name): return self.main.addToolBar(name)
    def addDockWidget(self, area, dock): self.main.addDockWidget(area, dock)
    def removeDockWidget(self, dock): self.main.removeDockWidget(dock)

iface = Iface()
"""


def run_in_fresh_qgis(code: str, tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` (with ``iface`` defined) in a new interpreter; returns the result."""
    script = tmp_path / "probe.py"
    script.write_text(_PRELUDE.format(pkg_root=str(ROOT / "build" / "pkgroot")) + textwrap.dedent(code))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=timeout, env=env, cwd=str(tmp_path)
    )
