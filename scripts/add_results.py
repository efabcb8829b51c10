"""Add Processing results to a base project's section group with CityTwin's default styles (demo helper).

Usage: ``python3 add_results.py PROJECT.qgz SECTION MAP.png [~]KIND=PATH[::TITLE] ...``

Each PATH (vector or raster) is added to the group of SECTION (``monitoring``, ...) on
top, styled as its KIND (see ``layers.qgis_styles.apply_default_style``) and given the
section role; layers of the same source already in the project are replaced. The
project is saved, and the section's layers over the base's buildings are rendered to
MAP.png, framed on the new layers. A KIND written ``~KIND`` is added unchecked (in the
project, not in the map).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build" / "package"))

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def main(argv: list[str]) -> int:
    from citytwin.layers.qgis_base_project import section_titles
    from citytwin.layers.qgis_styles import apply_default_style
    from citytwin.layers.roles import ROLE_PROPERTY

    project_path, section, png, *items = argv
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    if not project.read(project_path):
        print(f"cannot read {project_path}: {project.error()}", file=sys.stderr)
        return 1
    root = project.layerTreeRoot()
    title = section_titles()[section]
    group = root.findGroup(title) or root.insertGroup(0, title)
    added = []
    for item in items:
        kind, path = item.split("=", 1)
        hidden = kind.startswith("~")
        kind = kind.lstrip("~")
        path, _, name = path.partition("::")
        name = name or Path(path).stem.replace("_", " ")
        for existing in list(project.mapLayers().values()):
            if existing.source().split("|")[0] == path:
                project.removeMapLayer(existing.id())
        layer = QgsRasterLayer(path, name) if path.endswith(".tif") else QgsVectorLayer(path, name, "ogr")
        if not layer.isValid():
            print(f"cannot open {path}", file=sys.stderr)
            return 1
        apply_default_style(layer, kind)
        layer.setCustomProperty(ROLE_PROPERTY, section)
        project.addMapLayer(layer, False)
        node = group.insertLayer(0, layer)
        if hidden:
            node.setItemVisibilityChecked(False)
        else:
            added.append(layer)
    group.setItemVisibilityChecked(True)
    if not project.write():
        print(f"cannot write {project_path}: {project.error()}", file=sys.stderr)
        return 1
    buildings = [
        node.layer()
        for node in root.findLayers()
        if node.layer() is not None
        and node.layer().customProperty(ROLE_PROPERTY) == "realscene3d"
        and isinstance(node.layer(), QgsVectorLayer)
        and node.layer().geometryType() == 2
    ]
    extent = QgsRectangle()
    settings = QgsMapSettings()
    settings.setDestinationCrs(project.crs())
    for layer in added:
        extent.combineExtentWith(settings.layerExtentToOutputExtent(layer, layer.extent()))
    settings.setLayers(added[::-1] + buildings[:1])  # top first, as in the layer tree
    settings.setOutputSize(QSize(1200, 1000))
    settings.setBackgroundColor(QColor("white"))
    extent.scale(1.05)
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png)
    print(f"{len(items)} layers added to '{title}' of {Path(project_path).name}; map: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
