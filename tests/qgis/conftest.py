"""Real PyQGIS, offscreen: one QgsApplication per session, Processing initialised.

The iface here is made of real widgets (QMainWindow with a menu bar and a Help menu,
a real QgsMessageBar and QgsMapCanvas), so what the plugin adds and removes can be
counted on them. The real QGIS desktop is exercised in ``tests/desktop``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_CONFIG_DIR = tempfile.mkdtemp(prefix="citytwin-qgis-tests-")
os.environ["QGIS_CUSTOM_CONFIG_PATH"] = _CONFIG_DIR  # never touch a user's profile

from qgis.core import QgsApplication, QgsProject  # noqa: E402
from qgis.gui import QgsMapCanvas, QgsMessageBar  # noqa: E402
from qgis.PyQt.QtCore import QObject  # noqa: E402
from qgis.PyQt.QtWidgets import QMainWindow, QMenu, QVBoxLayout, QWidget  # noqa: E402

_APP: QgsApplication | None = None


def _start_qgis() -> QgsApplication:
    global _APP
    if _APP is None:
        QgsApplication.setPrefixPath("/usr", True)
        _APP = QgsApplication([], True)
        _APP.initQgis()
        plugins = os.path.join(QgsApplication.pkgDataPath(), "python", "plugins")
        if plugins not in sys.path:
            sys.path.append(plugins)
        from processing.core.Processing import Processing

        Processing.initialize()
    return _APP


class RealWidgetIface(QObject):
    """The part of ``QgisInterface`` the plugin uses, on real Qt/QGIS widgets."""

    def __init__(self) -> None:
        super().__init__()
        self._main = QMainWindow()
        self._main.resize(1200, 800)
        help_menu = QMenu("&Help", self._main)
        help_menu.setObjectName("mHelpMenu")
        self._main.menuBar().addMenu(QMenu("&Project", self._main))
        self._main.menuBar().addMenu(help_menu)
        central = QWidget(self._main)
        layout = QVBoxLayout(central)
        self._bar = QgsMessageBar(central)
        self._canvas = QgsMapCanvas(central)
        layout.addWidget(self._bar)
        layout.addWidget(self._canvas)
        self._main.setCentralWidget(central)
        self.active_layer = None

    def mainWindow(self) -> QMainWindow:
        return self._main

    def messageBar(self) -> QgsMessageBar:
        return self._bar

    def mapCanvas(self) -> QgsMapCanvas:
        return self._canvas

    def addToolBar(self, name: str):
        return self._main.addToolBar(name)

    def addDockWidget(self, area, dock) -> None:
        self._main.addDockWidget(area, dock)

    def removeDockWidget(self, dock) -> None:
        self._main.removeDockWidget(dock)

    def setActiveLayer(self, layer) -> bool:
        self.active_layer = layer
        return True

    def activeLayer(self):
        return self.active_layer


@pytest.fixture(scope="session")
def qgis_app() -> QgsApplication:
    return _start_qgis()


@pytest.fixture(scope="session")
def qgis_config_dir(qgis_app) -> Path:
    return Path(_CONFIG_DIR)


@pytest.fixture
def iface(qgis_app):
    interface = RealWidgetIface()
    yield interface
    interface.mainWindow().close()
    interface.mainWindow().deleteLater()
    QgsApplication.processEvents()


@pytest.fixture
def project(qgis_app):
    project = QgsProject.instance()
    project.clear()
    yield project
    project.clear()


def process_events(rounds: int = 5) -> None:
    """Let queued events (deleteLater, single-shot timers) run."""
    import time

    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    for _ in range(rounds):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QgsApplication.processEvents()
        time.sleep(0.02)


@pytest.fixture
def events():
    return process_events


def pytest_sessionfinish(session, exitstatus):
    # exitQgis() of a GUI QgsApplication at interpreter exit is where QGIS 3.22
    # tends to crash; the process is ending anyway, so just drop the temp profile.
    import shutil

    shutil.rmtree(_CONFIG_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def built_package() -> Path:
    """``make package`` output: build/package/citytwin and dist/citytwin-<version>.zip."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(["make", "-s", "package"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, f"make package failed:\n{result.stdout}\n{result.stderr}"
    folder = root / "build" / "package"
    assert (folder / "citytwin" / "metadata.txt").is_file()
    return folder


@pytest.fixture(scope="session")
def sample_city(tmp_path_factory):
    """The small synthetic sample city, generated once per session."""
    from citytwin.layers.samplecity import generate_sample_city

    return generate_sample_city(tmp_path_factory.mktemp("sample_city"), small=True)


@pytest.fixture(scope="module")
def laz(sample_city):
    """The sample city's lidar tile (LAZ)."""
    return sample_city.files["pointcloud"][0]


@pytest.fixture(scope="module")
def buildings(sample_city):
    """The sample city's building footprints (GeoPackage)."""
    return sample_city.files["buildings"][0]


@pytest.fixture(scope="module")
def provider_registered(qgis_app):
    from citytwin.processing.qgis_provider import CityTwinProvider

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("citytwin")
    if existing is not None:
        yield existing
        return
    instance = CityTwinProvider()
    registry.addProvider(instance)
    yield instance
    if registry.providerById("citytwin") is instance:
        registry.removeProvider(instance)
