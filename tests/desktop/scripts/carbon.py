"""Run inside the real QGIS desktop: add the sample city's districts and the buildings' CO2
(citytwin:buildingemissions), open the Digital Base panel's Carbon tab, fill the ledger form
the way a planner does, click Run ledger, wait for the task, screenshot the window with the
ledger on the map and the totals and chart in the dock, save the chart, unload, leave QGIS."""

import os
import sys

sys.path.insert(0, os.environ["CT_SCRIPTS"])

import driver
import qgis.utils
from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtTest import QTest
from qgis.utils import iface

import processing


def steps(result):
    project = QgsProject.instance()
    work = os.environ["CT_WORK"]
    emissions = processing.run(
        "citytwin:buildingemissions",
        {"INPUT": os.environ["CT_BUILDINGS"], "OUTPUT": os.path.join(work, "building_co2.gpkg")},
    )
    result["buildings_total"] = emissions["TOTAL"]
    districts = QgsVectorLayer(f"{os.environ['CT_DISTRICTS']}|layername=districts", "Districts", "ogr")
    buildings = QgsVectorLayer(emissions["OUTPUT"], "Building CO2", "ogr")
    assert districts.isValid() and buildings.isValid()
    project.addMapLayers([districts, buildings])
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4548"))
    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4548"))
    extent = districts.extent()
    extent.scale(1.1)
    canvas.setExtent(extent)
    driver.wait(300)

    plugin = qgis.utils.plugins["citytwin"]
    dock = plugin.dock
    dock.show()
    iface.mainWindow().resizeDocks([dock], [520], Qt.Orientation.Horizontal)
    dock.tabs.setCurrentWidget(dock.carbon)
    panel = dock.carbon
    panel.districts.setLayer(districts)
    panel.name_field.setField("name")
    panel.year.setValue(2024)
    panel.buildings.setLayer(buildings)
    panel.traffic.setLayer(None)
    panel.sink.setLayer(None)
    panel.folder.setFilePath(os.path.join(work, "ledger"))
    driver.wait(300)
    QTest.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    for _ in range(600):
        if not panel.is_running():
            break
        driver.wait(100)
    driver.wait(800)
    canvas.refresh()
    driver.wait(800)
    result["progress"] = panel.progress.value()
    result["status"] = panel.status.text()
    result["rows"] = panel.table.rowCount()
    result["cells"] = [[panel.table.item(r, c).text() for c in range(panel.table.columnCount())]
                       for r in range(panel.table.rowCount())]  # fmt: skip
    result["results"] = {k: (v if isinstance(v, (int, float)) else str(v)) for k, v in panel.results.items()}
    result["layers"] = sorted(layer.name() for layer in project.mapLayers().values())
    result["chart_shown"] = panel.chart.pixmap() is not None and not panel.chart.pixmap().isNull()
    result["window_shot"] = driver.save_shot(iface.mainWindow(), "desktop_carbon_ledger.png")
    result["chart_png"] = str(panel.save_chart(str(driver.ARTIFACTS / "carbon_ledger_chart.png")))
    result["tasks_left"] = QgsApplication.taskManager().countActiveTasks()

    qgis.utils.unloadPlugin("citytwin")
    driver.wait(300)
    result["unloaded"] = "citytwin" not in qgis.utils.plugins


driver.run(steps)
