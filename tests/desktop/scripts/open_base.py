"""Run inside the real QGIS desktop: build the sample base with the plugin, open the
project, screenshot the map (whole period and one month of the time axis)."""

import os
import sys

sys.path.insert(0, os.environ["CT_SCRIPTS"])

import driver
from qgis.core import QgsDateTimeRange, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime
from qgis.utils import iface


def steps(result):
    import processing

    out = os.path.join(os.environ["CT_WORK"], "desktop_base.gpkg")
    built = processing.run("citytwin:builddigitalbase", {"DESCRIPTION": os.environ["CT_DESCRIPTION"], "OUTPUT": out})
    result["built"] = {k: v for k, v in built.items()}
    iface.addProject(built["PROJECT"])
    driver.wait(500)
    project = QgsProject.instance()
    result["title"] = project.title()
    result["groups"] = [n.name() for n in project.layerTreeRoot().children() if n.nodeType() == 0]
    result["layers_valid"] = [layer.isValid() for layer in project.mapLayers().values()]
    result["rasters"] = sum(isinstance(layer, QgsRasterLayer) for layer in project.mapLayers().values())
    time_range = project.timeSettings().temporalRange()
    result["time_range"] = [
        time_range.begin().toString(Qt.DateFormat.ISODate),
        time_range.end().toString(Qt.DateFormat.ISODate),
    ]
    canvas = iface.mapCanvas()
    canvas.setExtent(project.viewSettings().defaultViewExtent())
    canvas.refreshAllLayers()
    driver.wait(3000)
    result["map_shot"] = driver.save_shot(canvas, "desktop_base_map.png")
    result["window_shot"] = driver.save_shot(iface.mainWindow(), "desktop_base_window.png")
    # One month of the time axis, as the temporal controller would show it.
    start = QDateTime(QDate(2024, 3, 1), QTime(0, 0), Qt.TimeSpec.UTC)
    canvas.setTemporalRange(QgsDateTimeRange(start, start.addMonths(1)))
    result["temporal_map"] = canvas.mapSettings().isTemporal()
    canvas.refreshAllLayers()
    driver.wait(2500)
    result["month_shot"] = driver.save_shot(canvas, "desktop_base_2024-03.png")


driver.run(steps)
