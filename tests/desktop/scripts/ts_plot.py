"""Run inside the real QGIS desktop: open the sample city's EGMS L3 CSV as a delimited-text
point layer, open the Time-series plot from the CityTwin toolbar, click (with the mouse) the
scatterer at the bottom of the subsidence bowl, overlay one on its flank, screenshot, export
the plot (PNG, CSV), unload the plugin and leave QGIS."""

import os
import sys

sys.path.insert(0, os.environ["CT_SCRIPTS"])

import driver
import numpy as np
import qgis.utils
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QPoint, Qt, QUrl
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QToolBar
from qgis.utils import iface

MAP_CRS = "EPSG:4548"


def open_csv_layer(path: str) -> QgsVectorLayer:
    """What a user does: Layer > Add Delimited Text Layer, points from longitude/latitude."""
    url = QUrl.fromLocalFile(path).toString()
    uri = f"{url}?type=csv&delimiter=,&xField=longitude&yField=latitude&crs=EPSG:4326&detectTypes=yes"
    layer = QgsVectorLayer(uri, "EGMS L3 vertical (sample city)", "delimitedtext")
    assert layer.isValid(), uri
    QgsProject.instance().addMapLayer(layer)
    return layer


def nearest_feature(layer, to_map, x, y):
    best, best_d = None, np.inf
    for feature in layer.getFeatures():
        p = to_map.transform(feature.geometry().asPoint())
        d = np.hypot(p.x() - x, p.y() - y)
        if d < best_d:
            best, best_d = (feature, p), d
    return best


def click(canvas, map_point) -> list:
    """A real left click on the map canvas where ``map_point`` is drawn; returns the clicked map point."""
    pixel = canvas.getCoordinateTransform().transform(map_point)
    position = QPoint(round(pixel.x()), round(pixel.y()))
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, position)
    clicked = canvas.getCoordinateTransform().toMapCoordinates(position)
    return [clicked.x(), clicked.y()]


def shown_state(dock) -> list:
    return [
        {
            "pid": entry.fit.series.label,
            "velocity": entry.fit.velocity,
            "velocity_sd": entry.fit.velocity_sd,
            "rmse": entry.fit.rmse,
            "annual": entry.fit.terms.annual,
        }
        for entry in dock.shown
    ]


def steps(result):
    project = QgsProject.instance()
    layer = open_csv_layer(os.environ["CT_PS_CSV"])
    result["fields"] = len(layer.fields())
    result["features"] = layer.featureCount()
    iface.setActiveLayer(layer)
    driver.wait(300)
    # After the first layer (QGIS gives an empty project that layer's CRS): the base's CRS.
    project.setCrs(QgsCoordinateReferenceSystem(MAP_CRS))
    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem(MAP_CRS))
    driver.wait(300)
    result["map_crs"] = canvas.mapSettings().destinationCrs().authid()
    to_map = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), project)
    bx, by = float(os.environ["CT_BOWL_X"]), float(os.environ["CT_BOWL_Y"])
    canvas.setExtent(QgsRectangle(bx - 550, by - 330, bx + 550, by + 330))
    canvas.refresh()
    driver.wait(800)

    # The user clicks the Time-series plot button of the CityTwin toolbar.
    toolbar = iface.mainWindow().findChild(QToolBar, "CityTwinToolbar")
    button = next(a for a in toolbar.actions() if a.objectName() == "CityTwinTimeSeriesPlot")
    button.trigger()
    driver.wait(500)
    plugin = qgis.utils.plugins["citytwin"]
    dock = plugin.ts_plot
    iface.mainWindow().resizeDocks([dock], [400], Qt.Orientation.Vertical)
    driver.wait(300)
    result["dock_visible"] = dock.isVisible()
    result["tool_active"] = canvas.mapTool() is dock.tool
    result["action_checked"] = button.isChecked()
    result["layer"] = dock.current_layer().name() if dock.current_layer() else None
    dock.annual_check.setChecked(True)  # the sample has a seasonal term: model it

    # Click the scatterer at the bottom of the bowl, then overlay one on its flank.
    _feature, centre = nearest_feature(layer, to_map, bx, by)
    result["click_1"] = click(canvas, centre)
    driver.wait(300)
    result["after_first"] = shown_state(dock)
    dock.overlay_check.setChecked(True)
    _feature, flank = nearest_feature(layer, to_map, bx + 330, by + 120)
    result["click_2"] = click(canvas, flank)
    driver.wait(800)
    result["shown"] = shown_state(dock)
    result["legend"] = [t.get_text() for t in dock.axes_series.get_legend().get_texts()]
    result["series_lines"] = len(dock.axes_series.get_lines())
    result["message"] = dock.message.text()
    image = dock.plot_canvas.grab().toImage()
    result["plot_widget_size"] = [image.width(), image.height()]
    result["window_shot"] = driver.save_shot(iface.mainWindow(), "desktop_ts_plot.png")
    result["plot_png"] = str(dock.export_png(driver.ARTIFACTS / "ts_plot.png"))
    result["csv"] = str(dock.export_csv(os.path.join(os.environ["CT_WORK"], "ts_plot.csv")))

    # Unload: the dock, its map tool and its figure go; QGIS then exits (driver.finish).
    tool, figure_canvas = dock.tool, dock.plot_canvas
    qgis.utils.unloadPlugin("citytwin")
    driver.wait(500)
    # deleteLater() from this (top-level) callback is not run by the nested wait loop: run it.
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
