"""Run inside the real QGIS desktop: open the sample city's DSM and DTM (made from its lidar),
open the Sky plot from the CityTwin toolbar, give it the drive's NMEA log, click (with the
mouse) a place in a street canyon, screenshot the window, export the plot, unload the plugin
and leave QGIS."""

import os
import sys

sys.path.insert(0, os.environ["CT_SCRIPTS"])

import driver
import qgis.utils
from qgis.core import QgsCoordinateReferenceSystem, QgsPointXY, QgsProject, QgsRasterLayer, QgsRectangle
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QPoint, Qt
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QToolBar
from qgis.utils import iface

MAP_CRS = "EPSG:4548"


def click(canvas, map_point) -> list:
    """A real left click on the map canvas where ``map_point`` is drawn; returns the clicked map point."""
    pixel = canvas.getCoordinateTransform().transform(map_point)
    position = QPoint(round(pixel.x()), round(pixel.y()))
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, position)
    clicked = canvas.getCoordinateTransform().toMapCoordinates(position)
    return [clicked.x(), clicked.y()]


def steps(result):
    project = QgsProject.instance()
    for name in ("dtm", "dsm"):  # the DSM drawn on top
        layer = QgsRasterLayer(os.environ[f"CT_{name.upper()}"], f"sample_city_{name}")
        assert layer.isValid(), name
        project.addMapLayer(layer)
    project.setCrs(QgsCoordinateReferenceSystem(MAP_CRS))
    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(MAP_CRS))
    px, py = float(os.environ["CT_PICK_X"]), float(os.environ["CT_PICK_Y"])
    canvas.setExtent(QgsRectangle(px - 300, py - 200, px + 300, py + 200))
    canvas.refresh()
    driver.wait(800)

    toolbar = iface.mainWindow().findChild(QToolBar, "CityTwinToolbar")
    button = next(a for a in toolbar.actions() if a.objectName() == "CityTwinSkyPlot")
    button.trigger()
    driver.wait(500)
    plugin = qgis.utils.plugins["citytwin"]
    dock = plugin.sky_plot
    iface.mainWindow().resizeDocks([dock], [480], Qt.Orientation.Horizontal)
    driver.wait(300)
    result["dock_visible"] = dock.isVisible()
    result["tool_active"] = canvas.mapTool() is dock.tool
    result["action_checked"] = button.isChecked()
    result["dsm_layer"] = dock.dsm_combo.currentLayer().name() if dock.dsm_combo.currentLayer() else None
    result["dtm_layer"] = dock.dtm_combo.currentLayer().name() if dock.dtm_combo.currentLayer() else None
    dock.log_widget.setFilePath(os.environ["CT_NMEA"])

    result["click"] = click(canvas, QgsPointXY(px, py))
    driver.wait(1500)
    data = dock.data
    result["message"] = dock.message.text()
    result["svf"] = data.svf if data is not None else None
    result["open_sky"] = data.open_sky if data is not None else None
    result["horizon"] = [float(v) for v in data.horizon_deg] if data is not None else []
    sats = data.satellites if data is not None else None
    result["satellites"] = (
        []
        if sats is None
        else [
            [str(r.constellation), int(r.prn), float(r.azimuth_deg), float(r.elevation_deg), bool(r.los)]
            for r in sats.itertuples()
        ]
    )
    result["epoch_distance_m"] = data.epoch_distance_m if data is not None else None
    result["title"] = dock.figure.axes[0].get_title() if dock.figure.axes else ""
    result["window_shot"] = driver.save_shot(iface.mainWindow(), "desktop_sky_plot.png")
    result["plot_png"] = str(dock.export_png(str(driver.ARTIFACTS / "sky_plot.png")))

    tool, figure_canvas = dock.tool, dock.plot_canvas
    qgis.utils.unloadPlugin("citytwin")
    driver.wait(500)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    from qgis.PyQt import sip

    result["unloaded"] = "citytwin" not in qgis.utils.plugins
    result["tool_deleted"] = sip.isdeleted(tool)
    result["dock_deleted"] = sip.isdeleted(dock) and sip.isdeleted(figure_canvas)
    result["map_tool_after_unload"] = type(canvas.mapTool()).__name__ if canvas.mapTool() is not None else None
    result["docks_after_unload"] = [
        w.objectName() for w in iface.mainWindow().findChildren(QgsDockWidget) if "CityTwin" in w.objectName()
    ]


driver.run(steps)
