"""Run inside the real QGIS desktop: open the sample base, show its point cloud in the 3D View
dock, pick a point, send the map extent to the 3D view and back, screenshot, unload the
plugin (releasing VTK) and leave QGIS."""

import os
import sys
import time

sys.path.insert(0, os.environ["CT_SCRIPTS"])

import driver
import numpy as np
import qgis.utils
from qgis.core import QgsProject, QgsRectangle
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface


def wait_until(condition, timeout_s: float = 120.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if condition():
            return True
        driver.wait(200)
    return False


def screen_shot(widget, name: str) -> str:
    """What is on the X screen (an OpenGL view is not in QWidget.grab())."""
    path = driver.ARTIFACTS / name
    screen = QApplication.primaryScreen()
    origin = widget.mapToGlobal(widget.rect().topLeft())
    screen.grabWindow(0, origin.x(), origin.y(), widget.width(), widget.height()).save(str(path))
    return str(path)


def steps(result):
    import processing

    out = os.path.join(os.environ["CT_WORK"], "desktop_base.gpkg")
    built = processing.run("citytwin:builddigitalbase", {"DESCRIPTION": os.environ["CT_DESCRIPTION"], "OUTPUT": out})
    iface.addProject(built["PROJECT"])
    driver.wait(500)
    plugin = qgis.utils.plugins["citytwin"]

    # The user clicks the 3D View button and selects the point-cloud tile on the map.
    extents = next(
        layer
        for layer in QgsProject.instance().mapLayers().values()
        if layer.customProperty("citytwin/layer_kind") == "pointcloud_extents"
    )
    extents.selectAll()
    plugin.view3d_action.trigger()
    dock = plugin.view3d
    driver.wait(500)
    result["dock_visible"] = dock.isVisible()
    result["sources"] = [dock.source_combo.itemData(i) for i in range(dock.source_combo.count())]
    result["current"] = dock.current_path()
    dock.colour_combo.setCurrentIndex(dock.colour_combo.findData("classification"))
    dock.load()
    result["loaded"] = wait_until(lambda: dock.cloud is not None and dock._task is None)
    result["interactive"] = dock.plotter is not None
    from citytwin.twin import voxel_kernel

    result["compiled_decimation"] = voxel_kernel.AVAILABLE  # numba's LLVM beside Mesa's, in QGIS
    result["view_error"] = dock.view_error
    result["status"] = dock.status.text()
    result["points_shown"] = len(dock.cloud)
    result["legend"] = list(dock.legend.entries)
    driver.wait(1500)
    result["dock_shot"] = screen_shot(dock, "desktop_view3d_dock.png")
    result["window_shot"] = screen_shot(iface.mainWindow(), "desktop_view3d_window.png")
    if dock.plotter is not None:
        image = dock.plotter.screenshot(return_img=True)
        result["view_pixels_std"] = float(np.asarray(image).std())

    # Picking: the callback gets a local point; the dock shows the real coordinates.
    k = len(dock.cloud) // 3
    dock._on_pick(dock.cloud.xyz[k])
    result["picked"] = dock.picked
    result["picked_expected"] = [float(v) for v in dock.cloud.real_xyz()[k]]
    result["pick_label"] = dock.pick_label.text()

    # Map -> 3D: the cloud inside the canvas extent; 3D -> map: the canvas zooms to the cloud.
    canvas = iface.mapCanvas()
    full = dock.cloud.real_xyz()
    x0, y0 = full[:, 0].min(), full[:, 1].min()
    part = QgsRectangle(x0 + 100, y0 + 100, x0 + 400, y0 + 300)
    canvas.setExtent(part)
    canvas.refresh()
    driver.wait(300)
    asked = canvas.extent()
    result["map_extent"] = [asked.xMinimum(), asked.yMinimum(), asked.xMaximum(), asked.yMaximum()]
    total_before = dock.cloud.total_points
    dock.load_map_extent()
    result["extent_loaded"] = wait_until(lambda: dock._task is None and dock.cloud.total_points != total_before)
    part_xyz = dock.cloud.real_xyz()
    result["extent_cloud"] = [
        float(part_xyz[:, 0].min()),
        float(part_xyz[:, 1].min()),
        float(part_xyz[:, 0].max()),
        float(part_xyz[:, 1].max()),
    ]
    result["extent_points"] = int(dock.cloud.total_points)
    result["full_points"] = int(total_before)
    canvas.setExtent(QgsRectangle(x0 - 5000, y0 - 5000, x0 - 4000, y0 - 4000))
    dock.zoom_map_to_cloud()
    driver.wait(300)
    back = canvas.extent()
    result["map_after_zoom"] = [back.xMinimum(), back.yMinimum(), back.xMaximum(), back.yMaximum()]

    # Scene package: the dock's button opens QGIS's own dialog of the algorithm, pre-filled
    # with the cloud shown; it is left open for the unload to close.
    dock.package_button.click()
    driver.wait(500)
    package_dialog = dock._package_launcher.dialog
    result["package_dialog"] = package_dialog is not None and package_dialog.isVisible()
    result["package_inputs"] = package_dialog.createProcessingParameters()["INPUT"] if package_dialog else None

    # Unload: the dock and its VTK objects go away; QGIS then exits (driver.finish).
    qgis.utils.unloadPlugin("citytwin")
    driver.wait(500)
    result["package_dialogs_after_unload"] = [
        w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible() and "scene package" in w.windowTitle()
    ]
    result["unloaded"] = "citytwin" not in qgis.utils.plugins
    result["docks_after_unload"] = [
        w.objectName() for w in iface.mainWindow().findChildren(QgsDockWidget) if "CityTwin" in w.objectName()
    ]


driver.run(steps)
