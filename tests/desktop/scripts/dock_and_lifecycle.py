"""Run inside the real QGIS desktop (--code): open the dock, use it, unload/load twice."""

import os
import sys

sys.path.insert(0, os.environ["CT_SCRIPTS"])

import driver
import qgis.utils
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtWidgets import QAction, QDockWidget, QToolBar
from qgis.utils import iface


def ours(objects):
    return sorted(o.objectName() for o in objects if o.objectName().startswith("CityTwin"))


def window_state():
    main = iface.mainWindow()
    return {
        "provider": QgsApplication.processingRegistry().providerById("citytwin") is not None,
        "docks": sorted(
            d.objectName() for d in main.findChildren(QDockWidget) if d.objectName().startswith("CityTwin")
        ),
        "toolbars": sorted(
            t.objectName() for t in main.findChildren(QToolBar) if t.objectName().startswith("CityTwin")
        ),
        "actions": sorted(a.objectName() for a in main.findChildren(QAction) if a.objectName().startswith("CityTwin")),
        "menus": [a.text() for a in main.menuBar().actions()],
    }


def steps(result):
    result["active_plugins"] = list(qgis.utils.active_plugins)
    plugin = qgis.utils.plugins["citytwin"]
    result["loaded_state"] = window_state()

    # What a planner does: click the toolbar button that opens the Digital Base panel.
    toolbar = iface.mainWindow().findChild(QToolBar, "CityTwinToolbar")
    toolbar.actions()[0].trigger()
    driver.wait(300)
    result["dock_visible"] = plugin.dock.isVisible()

    # Give the base some content: a lidar sample's summary and a GNSS layer.
    import processing

    sample = os.environ.get("CT_SAMPLE_LAS")
    if sample:
        out = processing.run("citytwin:pointcloudinfo", {"INPUT": sample, "OUTPUT": "TEMPORARY_OUTPUT"})
        table = out["OUTPUT"]
        table.setName("Lidar sample — information")
        table.setCustomProperty("citytwin/role", "realscene3d")
        QgsProject.instance().addMapLayer(table)
        result["point_count"] = out["POINT_COUNT"]
    track = QgsVectorLayer("Point?crs=EPSG:4326&field=time:datetime", "BeiDou receiver track", "memory")
    track.setCustomProperty("citytwin/role", "navigation")
    QgsProject.instance().addMapLayer(track)
    from qgis.core import QgsCoordinateReferenceSystem

    driver.wait(500)  # QGIS gives a new project the first layer's CRS: set ours after that
    QgsProject.instance().setCrs(QgsCoordinateReferenceSystem("EPSG:4548"))
    driver.wait(800)
    result["sections"] = plugin.dock.section_texts()
    result["crs_label"] = plugin.dock.crs_label.text()
    result["dock_title"] = plugin.dock.windowTitle()
    result["screenshot"] = driver.save_shot(iface.mainWindow(), os.environ.get("CT_SHOT", "desktop_dock.png"))
    result["dock_screenshot"] = driver.save_shot(plugin.dock, "dock_" + os.environ.get("CT_SHOT", "desktop_dock.png"))

    # Unload and load twice, through QGIS's own plugin machinery.
    rounds = []
    for _ in range(2):
        qgis.utils.unloadPlugin("citytwin")
        driver.wait(200)
        unloaded = window_state()
        qgis.utils.loadPlugin("citytwin")
        qgis.utils.startPlugin("citytwin")
        driver.wait(200)
        rounds.append({"unloaded": unloaded, "reloaded": window_state()})
    result["rounds"] = rounds


driver.run(steps)
