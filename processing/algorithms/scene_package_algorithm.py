"""Processing algorithm "Export 3D scene package" (``citytwin:scenepackage``, QGIS adapter tier).

The work is done by :func:`citytwin.twin.scene_package.export_scene_package`; this module
reads the parameters, turns QGIS layers into what the core takes (file paths, a
GeoDataFrame with the layer's CRS, a :class:`~citytwin.twin.meshtiles.Dtm`) and reports.

The output is a folder destination: a folder holds the package; a name ending in ``.zip``
(or the "one .zip" option) writes a single zip file instead. A folder parameter rather
than a file destination because a package *is* a folder by default, and a file
destination would make QGIS append a file extension in batch mode and in the dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsPointCloudLayer,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingUtils,
)

from ..qgis_algorithm import CityTwinAlgorithm, cancel_check, progress_callback
from ..qgis_frames import crs_wkt, source_to_frame
from .scene_algorithms import COLOURS


class ScenePackageAlgorithm(CityTwinAlgorithm):
    """Point clouds, buildings and a DTM as one OGC 3D Tiles 1.1 package with a browser viewer."""

    INPUT = "INPUT"
    SOURCE_CRS = "SOURCE_CRS"
    BUILDINGS = "BUILDINGS"
    HEIGHT_FIELD = "HEIGHT_FIELD"
    BASE_FIELD = "BASE_FIELD"
    DTM = "DTM"
    COLOUR = "COLOUR"
    BUDGET = "BUDGET"
    MAX_DEPTH = "MAX_DEPTH"
    ZIP = "ZIP"
    OUTPUT = "OUTPUT"
    POINTS = "POINTS"
    BUILDING_COUNT = "BUILDING_COUNT"
    TILES = "TILES"

    GROUP_ID = "realscene3d"
    ICON = "view3d.svg"
    REQUIRED_MODULES = ("numpy", "laspy", "lazrs", "pyproj", "shapely", "geopandas")

    def name(self) -> str:
        return "scenepackage"

    def displayName(self) -> str:
        return self.tr("Export 3D scene package")

    def tags(self) -> list[str]:
        return self.tr("3d tiles,cesium,gltf,tileset,scene,package,web,lidar,las,laz,buildings,dtm").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Writes the point clouds, extruded buildings and the DTM of the base as one 3D scene package: an "
            "OGC 3D Tiles 1.1 tileset (tileset.json) of glTF 2.0 binary tiles, a manifest.json (sources with "
            "SHA-256, CRS, origin, counts) and a browser viewer.\n"
            "• Points: an octree with level of detail and ADD refinement: every point of the files is written "
            "exactly once; a tile keeps an even sample of at most 'Points per tile' points of its cube and hands "
            "the rest to its eight children, so the levels add up to the source count. The files are streamed "
            "(memory bounded). Colours: RGB, ASPRS classification, elevation or intensity; classification and "
            "intensity are also kept per point (EXT_structural_metadata).\n"
            "• Buildings: footprints extruded from their base to base + height (metres; default height field: "
            "pc_height_m, height, …; base: the field you give, else the lowest DTM height under the footprint). "
            "Every attribute is kept and can be picked in the viewer (EXT_mesh_features and "
            "EXT_structural_metadata).\n"
            "• DTM: a terrain surface as a quadtree of triangle grids (REPLACE refinement).\n"
            "Georeferencing: coordinates go from the base CRS to Earth-centred coordinates (ECEF, EPSG:4978) with "
            "PROJ; tiles hold small offsets in an east/north/up frame at an origin near the data, placed on the "
            "Earth by the tileset's root transform. CGCS2000 is taken as WGS 84 (they agree to a few "
            "centimetres); heights are used as ellipsoidal heights (no geoid model: over a global terrain the "
            "package sits off by the geoid undulation, about −8 to −10 m around Beijing). A file without a CRS "
            "record gets the CRS you assign (it is never guessed).\n"
            "Output: a folder, or a single .zip file (give a name ending in .zip, or tick the option). To open it, "
            "run python3 serve.py in the package folder (browsers refuse file:// pages) and the page opens in "
            "your browser (CesiumJS, offline); or serve the folder from any web server, load tileset.json in "
            'CesiumJS, or add it in QGIS 3.34+ as a "Cesium 3D Tiles" layer. The package is written to a '
            "hidden folder and moved into place when complete: a failure or a cancel leaves nothing; an existing "
            "output is replaced only when it is a CityTwin package."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.INPUT,
                self.tr("Point clouds (LAS/LAZ/COPC files)"),
                layerType=QgsProcessing.SourceType.TypeFile,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterCrs(
                self.SOURCE_CRS, self.tr("CRS to assign to point clouds whose file has none"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.BUILDINGS,
                self.tr("Building footprints (optional)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            )
        )
        for name, label in (
            (self.HEIGHT_FIELD, self.tr("Building height field (m above the base)")),
            (self.BASE_FIELD, self.tr("Building base elevation field (m; default: from the DTM)")),
        ):
            self.addParameter(
                QgsProcessingParameterField(
                    name,
                    label,
                    parentLayerParameterName=self.BUILDINGS,
                    type=QgsProcessingParameterField.DataType.Numeric,
                    optional=True,
                )
            )
        self.addParameter(QgsProcessingParameterRasterLayer(self.DTM, self.tr("DTM (optional)"), optional=True))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.COLOUR,
                self.tr("Colour points by"),
                options=[
                    self.tr("Automatic"),
                    self.tr("RGB"),
                    self.tr("Classification"),
                    self.tr("Elevation"),
                    self.tr("Intensity"),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BUDGET,
                self.tr("Points per tile (at most)"),
                QgsProcessingParameterNumber.Type.Integer,
                50_000,
                False,
                minValue=1_000,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_DEPTH,
                self.tr("Maximum octree depth (0: as deep as the point budget needs)"),
                QgsProcessingParameterNumber.Type.Integer,
                0,
                False,
                minValue=0,
                maxValue=30,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(self.ZIP, self.tr("Write the package as one .zip file"), defaultValue=False)
        )
        self.addParameter(
            QgsProcessingParameterFolderDestination(
                self.OUTPUT, self.tr("Scene package (folder, or a name ending in .zip)")
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.POINTS, self.tr("Points in the package")))
        self.addOutput(QgsProcessingOutputNumber(self.BUILDING_COUNT, self.tr("Buildings in the package")))
        self.addOutput(QgsProcessingOutputNumber(self.TILES, self.tr("Tiles with content")))

    # -- inputs -----------------------------------------------------------------------------
    def _clouds(self, parameters, context) -> list[Any]:
        """Point-cloud files as CloudSources; a point-cloud layer's CRS is used for a file without one."""
        from ...twin.pointtiles import CloudSource

        assigned = crs_wkt(self.parameterAsCrs(parameters, self.SOURCE_CRS, context))
        sources = []
        for value in self.parameterAsFileList(parameters, self.INPUT, context):
            if not value:
                continue
            # On a QGIS with PDAL a point-cloud layer of the project may be given: its file, and
            # the CRS set on it in QGIS (the user's explicit choice) for a file that has none.
            layer = QgsProcessingUtils.mapLayerFromString(value, context, False)
            if isinstance(layer, QgsPointCloudLayer):
                path = layer.source()
                crs = crs_wkt(layer.crs()) or assigned
            else:
                path, crs = value, assigned
            if not Path(path).is_file():
                raise QgsProcessingException(self.tr("Point cloud {file}: file not found.").format(file=path))
            sources.append(CloudSource(Path(path), crs))
        return sources

    def _buildings(self, parameters, context, feedback) -> tuple[Any, str | None]:
        """The footprints as a GeoDataFrame in the layer's CRS, and the height field to use."""
        from ...twin.scene_package import height_field_of

        source = self.parameterAsSource(parameters, self.BUILDINGS, context)
        if source is None:
            if parameters.get(self.BUILDINGS):
                raise QgsProcessingException(self.invalidSourceError(parameters, self.BUILDINGS))
            return None, None
        name = source.sourceName()
        if not source.sourceCrs().isValid():
            raise QgsProcessingException(
                self.tr("Buildings layer '{layer}' has no CRS: assign one (a CRS is never guessed).").format(layer=name)
            )
        frame = source_to_frame(source, None, feedback)
        frame.attrs["layer_name"] = name
        height_field = height_field_of(frame, self.parameterAsString(parameters, self.HEIGHT_FIELD, context), name)
        heights = frame[height_field].astype("float64")
        usable = int(((heights > 0) & heights.notna()).sum())
        if not usable:
            raise QgsProcessingException(
                self.tr(
                    "Buildings layer '{layer}': no building has a height in field '{field}' (all NULL or ≤ 0)."
                ).format(layer=name, field=height_field)
            )
        if usable < len(frame):
            feedback.pushWarning(
                self.tr("Buildings layer '{layer}': {n} buildings without a height in '{field}' are left out.").format(
                    layer=name, n=f"{len(frame) - usable:,}", field=height_field
                )
            )
        feedback.pushInfo(
            self.tr("{n} buildings from '{layer}', heights from field '{field}'.").format(
                n=f"{usable:,}", layer=name, field=height_field
            )
        )
        return frame, height_field

    def _dtm(self, parameters, context) -> Any:
        """The DTM layer read for tiling; the CRS set on the layer in QGIS when the file has none."""
        import dataclasses

        from ...twin.meshtiles import Dtm

        layer = self.parameterAsRasterLayer(parameters, self.DTM, context)
        if layer is None:
            return None
        dtm = Dtm.read(layer.source())
        if dtm.path is not None and not dtm.path.is_file():  # a GDAL connection string, not a file
            dtm = dataclasses.replace(dtm, path=None)
        if dtm.crs_wkt is None and layer.crs().isValid():
            dtm = dataclasses.replace(dtm, crs_wkt=crs_wkt(layer.crs()))
        return dtm

    def _target(self, parameters, context) -> str:
        target = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not target:
            raise QgsProcessingException(self.tr("No output folder was given."))
        target = target.rstrip("/\\")
        if self.parameterAsBoolean(parameters, self.ZIP, context) and not target.lower().endswith(".zip"):
            target += ".zip"
        return target

    # -- run ---------------------------------------------------------------------------------
    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...twin.scene_package import export_scene_package

        clouds = self._clouds(parameters, context)
        buildings, height_field = self._buildings(parameters, context, feedback)
        dtm = self._dtm(parameters, context)
        if not clouds and buildings is None and dtm is None:
            raise QgsProcessingException(self.tr("Nothing to export: give point clouds, buildings or a DTM."))
        max_depth = self.parameterAsInt(parameters, self.MAX_DEPTH, context)
        result = export_scene_package(
            self._target(parameters, context),
            clouds,
            buildings,
            dtm,
            buildings_name=buildings.attrs.get("layer_name") if buildings is not None else None,
            height_field=height_field,
            base_field=self.parameterAsString(parameters, self.BASE_FIELD, context) or None,
            colour_by=COLOURS[self.parameterAsEnum(parameters, self.COLOUR, context)],
            point_budget=self.parameterAsInt(parameters, self.BUDGET, context),
            max_depth=max_depth if max_depth > 0 else None,
            progress=progress_callback(feedback),
            is_canceled=cancel_check(feedback),
        )
        for warning in result.warnings:
            feedback.pushWarning(warning)
        layers = result.manifest["layers"]
        tiles = sum(int(layer.get("tiles", 0)) for layer in layers.values())
        building_count = int(layers.get("buildings", {}).get("features", 0))
        feedback.pushInfo(
            self.tr("{points} points, {buildings} buildings, {tiles} tiles -> {path}").format(
                points=f"{result.points:,}", buildings=f"{building_count:,}", tiles=f"{tiles:,}", path=result.path
            )
        )
        if (result.path / "serve.py").is_file():
            feedback.pushInfo(
                self.tr("To view it: python3 serve.py in {folder} (then open the address it prints).").format(
                    folder=result.path
                )
            )
        feedback.setProgress(100)
        return {
            self.OUTPUT: str(result.path),
            self.POINTS: result.points,
            self.BUILDING_COUNT: building_count,
            self.TILES: tiles,
        }


SCENE_PACKAGE_ALGORITHMS = (ScenePackageAlgorithm,)
