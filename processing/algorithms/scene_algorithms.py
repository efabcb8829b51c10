"""Processing algorithms of real-scene 3D views: render to image, export as glTF/VTK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..qgis_algorithm import cancel_check, progress_callback
from ..qgis_frames import source_to_frame
from .terrain_algorithms import PointCloudAlgorithm

COLOURS = ("auto", "rgb", "classification", "elevation", "intensity")
CAMERAS = ("oblique_south", "oblique_east", "oblique_north", "oblique_west", "top")
HEIGHT_FIELD_GUESSES = ("pc_height_m", "height_m", "height", "HEIGHT", "高度")


class SceneAlgorithm(PointCloudAlgorithm):
    """Shared parameters: a point cloud (thinned to a budget), colouring, buildings."""

    BUDGET = "BUDGET"
    COLOUR = "COLOUR"
    BUILDINGS = "BUILDINGS"
    HEIGHT_FIELD = "HEIGHT_FIELD"
    TERRAIN = "TERRAIN"
    OUTPUT = "OUTPUT"
    POINTS = "POINTS"

    REQUIRED_MODULES = ("numpy", "laspy", "lazrs", "pyproj", "shapely", "geopandas", "vtk", "pyvista")

    def add_scene_parameters(self) -> None:
        self.add_cloud_parameters()
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BUDGET,
                self.tr("Point budget (the cloud is thinned evenly to at most this many points)"),
                type=QgsProcessingParameterNumber.Type.Integer,
                defaultValue=2_000_000,
                minValue=1_000,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.COLOUR,
                self.tr("Colour by"),
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
            QgsProcessingParameterFeatureSource(
                self.BUILDINGS,
                self.tr("Building footprints to extrude (optional)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.HEIGHT_FIELD,
                self.tr("Building height field (m)"),
                parentLayerParameterName=self.BUILDINGS,
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.TERRAIN, self.tr("DTM to show as a terrain surface (optional)"), optional=True
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.POINTS, self.tr("Points in the scene")))

    def make_scene(self, parameters, context, feedback):
        from ...twin.reader import read_cloud
        from ...twin.scene import BuildingsLayer, SceneSpec, ground_from_cloud

        path = self.cloud_path(parameters, context)
        cloud = read_cloud(
            path,
            budget=self.parameterAsInt(parameters, self.BUDGET, context),
            source_crs=self.assigned_crs(parameters, context),
            progress=lambda f: feedback.setProgress(80.0 * f),
            is_canceled=cancel_check(feedback),
        )
        feedback.pushInfo(
            self.tr("{shown} of {total} points in the scene.").format(
                shown=f"{len(cloud):,}", total=f"{cloud.total_points:,}"
            )
        )
        if cloud.crs_wkt is None:
            feedback.pushWarning(
                self.tr(
                    "{file} has no CRS record and none was assigned: the scene is in the file's own "
                    "coordinates (the CRS is never guessed)."
                ).format(file=path)
            )
        terrain = self._terrain(parameters, context, feedback, cloud)
        buildings = []
        source = self.parameterAsSource(parameters, self.BUILDINGS, context)
        if source is not None:
            frame = self._buildings_frame(source, parameters, context, feedback, cloud)
            if len(frame):
                # Without a DTM the buildings stand on the ground of the cloud itself.
                ground = None if terrain is not None else ground_from_cloud(cloud)
                buildings.append(BuildingsLayer(frame.geometry.to_numpy(), frame["_height"].to_numpy(), terrain=ground))
        colour = COLOURS[self.parameterAsEnum(parameters, self.COLOUR, context)]
        return SceneSpec(cloud=cloud, colour_by=colour, buildings=buildings, terrain=terrain, title=Path(path).name)

    def _terrain(self, parameters, context, feedback, cloud):
        """The DTM parameter as a TerrainSurface in the cloud's CRS (GDAL Warp in memory when it differs)."""
        from osgeo import gdal

        from ...twin.scene import TerrainSurface

        layer = self.parameterAsRasterLayer(parameters, self.TERRAIN, context)
        if layer is None:
            return None
        dataset = gdal.Open(layer.source())
        if dataset is None:
            raise QgsProcessingException(self.tr("The DTM {name} cannot be read by GDAL.").format(name=layer.source()))
        if cloud.crs_wkt and layer.crs().isValid() and layer.crs() != QgsCoordinateReferenceSystem(cloud.crs_wkt):
            feedback.pushInfo(self.tr("The DTM is reprojected to the point cloud's CRS."))
            dataset = gdal.Warp(
                "", dataset, options=gdal.WarpOptions(format="MEM", dstSRS=cloud.crs_wkt, resampleAlg="bilinear")
            )
        band = dataset.GetRasterBand(1)
        return TerrainSurface(band.ReadAsArray(), dataset.GetGeoTransform(), nodata=band.GetNoDataValue())

    def _buildings_frame(self, source, parameters, context, feedback, cloud):
        import geopandas as gpd

        field = self.parameterAsString(parameters, self.HEIGHT_FIELD, context)
        names = [f.name() for f in source.fields()]
        if not field:
            field = next((name for name in HEIGHT_FIELD_GUESSES if name in names), "")
        if not field:
            raise QgsProcessingException(
                self.tr("Choose the building height field (fields: {fields}).").format(fields=", ".join(names))
            )
        frame = source_to_frame(source, [field], feedback)
        if cloud.crs_wkt is None:
            raise QgsProcessingException(
                self.tr("The point cloud has no CRS, so the buildings cannot be placed on it: assign its CRS.")
            )
        if frame.crs is not None:
            frame = frame.to_crs(cloud.crs_wkt)
        frame["_height"] = frame[field].astype(float)
        usable = frame["_height"].notna() & (frame["_height"] > 0) & frame.geometry.notna()
        if (~usable).any():
            feedback.pushWarning(
                self.tr("{n} buildings without a height were left out.").format(n=int((~usable).sum()))
            )
        return gpd.GeoDataFrame(frame[usable], crs=frame.crs)


def parse_camera(text: str) -> dict | None:
    """``"x,y,z; x,y,z[; x,y,z]"`` (position; focal point[; view up], real coordinates) -> camera dict."""
    text = (text or "").strip()
    if not text:
        return None
    parts = [part.strip() for part in text.split(";")]
    try:
        vectors = [tuple(float(v) for v in part.split(",")) for part in parts]
    except ValueError:
        vectors = []
    if len(vectors) not in (2, 3) or any(len(v) != 3 for v in vectors):
        raise ValueError(text)
    camera = {"position": vectors[0], "focal_point": vectors[1]}
    if len(vectors) == 3:
        camera["view_up"] = vectors[2]
    return camera


class RenderSceneAlgorithm(SceneAlgorithm):
    CAMERA = "CAMERA"
    CAMERA_SPEC = "CAMERA_SPEC"
    WIDTH = "WIDTH"
    HEIGHT = "HEIGHT"
    ICON = "view3d.svg"

    def name(self) -> str:
        return "renderscene"

    def displayName(self) -> str:
        return self.tr("Render 3D scene to image")

    def shortHelpString(self) -> str:
        return self.tr(
            "Renders a point cloud — thinned evenly to the point budget (voxel decimation) — with optional "
            "extruded building footprints to a PNG image, offscreen (PyVista/VTK, no display needed). Colours: "
            "RGB, ASPRS classification (standard palette, with a legend), elevation or intensity (2nd–98th "
            "percentile ramp), with eye-dome lighting for depth. Camera: top (north up) or oblique from each "
            "side, or your own camera (position and focal point in the cloud's CRS). An optional DTM is drawn as "
            "a terrain surface under the buildings. Coordinates are shifted to a local origin before rendering, "
            "so large projected coordinates do not jitter."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add_scene_parameters()
        self.addParameter(
            QgsProcessingParameterEnum(
                self.CAMERA,
                self.tr("Camera"),
                options=[
                    self.tr("Oblique from south"),
                    self.tr("Oblique from east"),
                    self.tr("Oblique from north"),
                    self.tr("Oblique from west"),
                    self.tr("Top"),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CAMERA_SPEC,
                self.tr("Camera of your own: position; focal point (x,y,z; x,y,z in the cloud's CRS) — overrides"),
                optional=True,
            )
        )
        for name, label, default in (
            (self.WIDTH, self.tr("Width (px)"), 1600),
            (self.HEIGHT, self.tr("Height (px)"), 1000),
        ):
            self.addParameter(
                QgsProcessingParameterNumber(
                    name,
                    label,
                    type=QgsProcessingParameterNumber.Type.Integer,
                    defaultValue=default,
                    minValue=64,
                    maxValue=8192,
                )
            )
        self.addParameter(
            QgsProcessingParameterFileDestination(self.OUTPUT, self.tr("Image"), self.tr("PNG image (*.png)"))
        )

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...twin.render import render_png

        try:
            camera = parse_camera(self.parameterAsString(parameters, self.CAMERA_SPEC, context))
        except ValueError as exc:
            raise QgsProcessingException(
                self.tr(
                    "The camera '{text}' is not 'x,y,z; x,y,z' (position; focal point; optional view-up direction)."
                ).format(text=str(exc))
            ) from None
        camera = camera or CAMERAS[self.parameterAsEnum(parameters, self.CAMERA, context)]
        scene = self.make_scene(parameters, context, feedback)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        size = (
            self.parameterAsInt(parameters, self.WIDTH, context),
            self.parameterAsInt(parameters, self.HEIGHT, context),
        )
        render_png(scene, output, camera=camera, size=size)
        feedback.setProgress(100)
        return {self.OUTPUT: output, self.POINTS: len(scene.cloud)}


class ExportSceneAlgorithm(SceneAlgorithm):
    ICON = "view3d.svg"

    def name(self) -> str:
        return "exportscene"

    def displayName(self) -> str:
        return self.tr("Export 3D view as glTF")

    def shortHelpString(self) -> str:
        return self.tr(
            "Exports a point cloud (thinned to the point budget) with optional extruded buildings as glTF 2.0 "
            "binary (.glb: points with normalized 8-bit colours, buildings as meshes) or VTK (.vtp for a cloud, "
            ".vtm with buildings). Positions are float32 offsets from a local origin; the origin (real "
            "coordinates), the CRS and the axis convention (glTF x = east, y = up, z = −north) are written in "
            "the file (glTF asset.extras / VTK field data), so real coordinates = origin + position."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add_scene_parameters()
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT,
                self.tr("3D file"),
                self.tr("glTF binary (*.glb);;VTK PolyData (*.vtp);;VTK MultiBlock (*.vtm)"),
            )
        )

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...twin.export import export_glb, export_vtk

        scene = self.make_scene(parameters, context, feedback)
        output = Path(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        if output.suffix.lower() == ".glb":
            written = export_glb(
                scene, output, progress=progress_callback(feedback), is_canceled=cancel_check(feedback)
            )
        else:
            written = export_vtk(
                scene, output, progress=progress_callback(feedback), is_canceled=cancel_check(feedback)
            )
        return {self.OUTPUT: str(written), self.POINTS: len(scene.cloud)}


SCENE_ALGORITHMS = (RenderSceneAlgorithm, ExportSceneAlgorithm)
