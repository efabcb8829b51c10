"""Load and unload the plugin twice: nothing may be left behind.

Counted on real widgets: the provider in QGIS's registry, QActions, QDockWidgets,
QToolBars and menus of the main window, message-bar items, signal connections, the
temp folder, the translator and sys.path.
"""

from __future__ import annotations

import sys
import textwrap

import pytest
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtWidgets import QDockWidget, QToolBar

from citytwin.ui.qt_compat import QAction


def window_state(iface) -> dict:
    main = iface.mainWindow()
    return {
        "provider": QgsApplication.processingRegistry().providerById("citytwin") is not None,
        "actions": sorted(a.objectName() for a in main.findChildren(QAction) if a.objectName().startswith("CityTwin")),
        "docks": sorted(d.objectName() for d in main.findChildren(QDockWidget)),
        "toolbars": sorted(t.objectName() for t in main.findChildren(QToolBar)),
        "menus": [a.text() for a in main.menuBar().actions()],
        "message_items": len(iface.messageBar().items()),
        "sys_path": list(sys.path),
    }


def load(iface):
    import citytwin

    plugin = citytwin.classFactory(iface)
    plugin.initProcessing()
    plugin.initGui()
    return plugin


def test_load_and_unload_twice_leaves_nothing(iface, project, events):
    before = window_state(iface)
    assert not before["provider"]
    for _round in range(2):
        plugin = load(iface)
        events()
        loaded = window_state(iface)
        assert loaded["provider"]
        assert "CityTwinDigitalBaseDock" in loaded["docks"]
        assert "CityTwinToolbar" in loaded["toolbars"]
        assert "&CityTwin" in loaded["menus"]
        # The menu sits before Help, where QGIS users look for plugin menus.
        assert loaded["menus"].index("&CityTwin") == loaded["menus"].index("&Help") - 1
        assert len(loaded["actions"]) >= 3
        temp = plugin.temp_dir()
        assert temp.is_dir()
        connections = plugin.connections.snapshot() + plugin.dock.connections().snapshot()
        assert connections

        plugin.unload()
        events()
        after = window_state(iface)
        assert after == before, f"round {_round}: left behind {after} vs {before}"
        assert not temp.exists()
        for signal, slot in connections:
            with pytest.raises(TypeError):  # PyQt raises when the connection is gone
                signal.disconnect(slot)


def test_signals_after_unload_reach_nothing(iface, project, events):
    plugin = load(iface)
    dock = plugin.dock
    plugin.unload()
    events()
    # A leaked connection to the deleted dock would raise here (wrapped C++ object deleted).
    layer = QgsVectorLayer("Point?crs=EPSG:4548", "after unload", "memory")
    project.addMapLayer(layer)
    project.setCrs(layer.crs())
    events()
    import sip  # noqa: F401 - PyQt5's sip, only to check deletion
    from qgis.PyQt import sip as qsip

    assert qsip.isdeleted(dock)


def test_heavy_libraries_are_not_imported_at_load(tmp_path):
    """QGIS start-up must not pay for geopandas, VTK and friends (fresh interpreter)."""
    from citytwin_testing import qgis_probe

    result = qgis_probe.run_in_fresh_qgis(
        textwrap.dedent(
            """
            import sys, citytwin
            plugin = citytwin.classFactory(iface)
            plugin.initProcessing()
            plugin.initGui()
            heavy = ["geopandas", "pandas", "pyvista", "vtk", "laspy", "shapely", "pyproj", "scipy"]
            heavy += ["matplotlib", "rtree", "pyogrio"]
            print("HEAVY", sorted(name for name in heavy if name in sys.modules))
            plugin.unload()
            """
        ),
        tmp_path,
    )
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_missing_package_plugin_loads_and_says_so(iface, project, events, monkeypatch):
    from citytwin.common import deps

    fake = deps.Requirement("citytwin_absent_pkg", "citytwin-absent-pkg>=1.0", "a test")
    monkeypatch.setattr(deps, "REQUIREMENTS", (*deps.REQUIREMENTS, fake))
    plugin = load(iface)
    events()
    items = iface.messageBar().items()
    assert len(items) == 1
    assert "citytwin-absent-pkg" in items[0].text()
    assert "citytwin-absent-pkg" in plugin.dock.packages_label.text()
    assert not plugin.dock.install_button.isHidden()
    plugin.unload()
    events()
    assert iface.messageBar().items() == []


def test_dock_shows_project_state(iface, project, events):
    plugin = load(iface)
    dock = plugin.dock
    nav = QgsVectorLayer("Point?crs=EPSG:4326", "NMEA track", "memory")
    nav.setCustomProperty("citytwin/role", "navigation")
    cells = QgsVectorLayer("Point?crs=EPSG:4326", "cell sites", "memory")
    loose = QgsVectorLayer("Point?crs=EPSG:4326", "unrelated", "memory")
    project.addMapLayers([nav, cells, loose])
    # A hand-made group named in Chinese counts as the communication section.
    group = project.layerTreeRoot().addGroup("通信")
    node = project.layerTreeRoot().findLayer(cells.id())
    group.addChildNode(node.clone())
    node.parent().removeChildNode(node)
    from qgis.core import QgsCoordinateReferenceSystem

    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4548"))
    events(10)
    texts = dock.section_texts()
    assert texts["navigation"] == ["Navigation (1)", "NMEA track"]
    assert texts["communication"] == ["Communication (1)", "cell sites"]
    assert texts["remote_sensing"] == ["Remote sensing (0)", "No layers yet"]
    assert dock.other_label.text() == "Other layers: 1"
    assert "EPSG:4548" in dock.crs_label.text() and "not a CGCS2000" not in dock.crs_label.text()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    events(10)
    assert "not a CGCS2000" in dock.crs_label.text()
    # Double-click on a layer makes it the active layer.
    item = dock.tree.topLevelItem(0).child(0)
    dock.tree.itemDoubleClicked.emit(item, 0)
    assert iface.activeLayer() is nav
    plugin.unload()
    events()
    QgsProject.instance().clear()


def test_a_refused_provider_registration_does_not_break_unload(iface, project, events):
    """Another copy of the provider is already registered: load and unload still work."""
    from citytwin.processing.qgis_provider import CityTwinProvider

    registry = QgsApplication.processingRegistry()
    other = CityTwinProvider()
    assert registry.addProvider(other)
    try:
        plugin = load(iface)
        assert plugin.provider is None
        plugin.unload()
        events()
        assert registry.providerById("citytwin") is other
    finally:
        registry.removeProvider(other)
