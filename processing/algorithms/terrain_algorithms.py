"""Processing algorithms deriving terrain and building heights from a point cloud (QGIS adapter tier).

``citytwin:pointcloudsurfaces`` writes DSM, DTM and nDSM GeoTIFFs;
``citytwin:buildingheights`` writes a copy of a footprint layer with height fields.
The work is done by :mod:`citytwin.twin.terrain` and :mod:`citytwin.twin.building_heights`.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ..qgis_algorithm import CityTwinAlgorithm, cancel_check
from ..qgis_frames import crs_wkt, source_to_frame, style_on_load, write_frame

GROUND_FILTERS = ("auto", "always", "never")
SURFACES = ("dsm", "dtm", "ndsm")


class PointCloudAlgorithm(CityTwinAlgorithm):
    """Shared parameters of algorithms reading a point-cloud file: the file and a CRS to assign."""

    INPUT = "INPUT"
    SOURCE_CRS = "SOURCE_CRS"

    GROUP_ID = "realscene3d"
    ICON = "pointcloud_info.svg"

    def add_cloud_parameters(self) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT,
                self.tr("Point cloud file"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=self.tr("Point clouds (*.las *.laz *.LAS *.LAZ);;All files (*.*)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterCrs(self.SOURCE_CRS, self.tr("CRS to assign when the file has none"), optional=True)
        )

    def cloud_path(self, parameters, context) -> str:
        path = self.parameterAsFile(parameters, self.INPUT, context)
        if not path:
            raise QgsProcessingException(self.tr("No point cloud file was given."))
        return path

    def assigned_crs(self, parameters, context) -> str | None:
        return crs_wkt(self.parameterAsCrs(parameters, self.SOURCE_CRS, context))


class PointCloudSurfacesAlgorithm(PointCloudAlgorithm):
    """DSM, DTM and nDSM rasters from a LAS/LAZ/COPC file."""

    TARGET_CRS = "TARGET_CRS"
    CELL_SIZE = "CELL_SIZE"
    EXTENT = "EXTENT"
    GROUND_FILTER = "GROUND_FILTER"
    FILTER_WINDOW = "FILTER_WINDOW"
    MAX_FILL = "MAX_FILL"
    DSM = "DSM"
    DTM = "DTM"
    NDSM = "NDSM"
    GROUND_METHOD = "GROUND_METHOD"
    COLUMNS = "COLUMNS"
    ROWS = "ROWS"

    REQUIRED_MODULES = ("numpy", "scipy", "laspy", "lazrs", "pyproj")

    def name(self) -> str:
        return "pointcloudsurfaces"

    def displayName(self) -> str:
        return self.tr("Point cloud to DSM/DTM/nDSM")

    def tags(self) -> list[str]:
        return self.tr("dsm,dtm,ndsm,dem,terrain,ground,lidar,las,laz,raster,height").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Streams a LAS/LAZ/COPC point cloud chunk by chunk (memory bounded by the raster, not the file) and "
            "writes three float32 GeoTIFFs on one grid of the chosen cell size (metres of the output CRS), nodata "
            "−9999:\n"
            "• DSM: highest point per cell, noise (classes 7 and 18) excluded; empty cells stay nodata.\n"
            "• DTM: mean height of the ground points (ASPRS class 2) per cell. When the cloud has no ground class "
            "(or 'Ground filter' is 'always'), the lowest point per cell cleaned by a progressive morphological "
            "filter (Zhang et al. 2003) with windows up to the filter window — make it wider than the smallest "
            "side of the largest building. Gaps under buildings are interpolated linearly from the ground around "
            "them, up to the fill distance; farther cells stay nodata.\n"
            "• nDSM: DSM − DTM, clipped at 0: the height of buildings and trees above the ground.\n"
            "A file without a CRS record gets the CRS you assign (it is never guessed); give an output CRS to "
            "reproject the points first."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add_cloud_parameters()
        self.addParameter(
            QgsProcessingParameterCrs(self.TARGET_CRS, self.tr("Output CRS (reproject the points)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CELL_SIZE,
                self.tr("Cell size (m)"),
                type=QgsProcessingParameterNumber.Type.Double,
                defaultValue=1.0,
                minValue=0.01,
            )
        )
        self.addParameter(
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Extent (default: the whole cloud)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.GROUND_FILTER,
                self.tr("Ground filter"),
                options=[
                    self.tr("Automatic: ground class 2 when present, else the morphological filter"),
                    self.tr("Always the morphological filter"),
                    self.tr("Never: ground class 2 only"),
                ],
                defaultValue=0,
            )
        )
        for name, label, default in (
            (self.FILTER_WINDOW, self.tr("Ground filter window (m)"), 60.0),
            (self.MAX_FILL, self.tr("Fill DTM gaps up to (m from measured ground)"), 50.0),
        ):
            self.addParameter(
                QgsProcessingParameterNumber(
                    name, label, type=QgsProcessingParameterNumber.Type.Double, defaultValue=default, minValue=0.0
                )
            )
        self.addParameter(QgsProcessingParameterRasterDestination(self.DSM, self.tr("DSM (surface)")))
        self.addParameter(QgsProcessingParameterRasterDestination(self.DTM, self.tr("DTM (terrain)")))
        self.addParameter(QgsProcessingParameterRasterDestination(self.NDSM, self.tr("nDSM (height above ground)")))
        self.addOutput(QgsProcessingOutputString(self.GROUND_METHOD, self.tr("Ground from")))
        self.addOutput(QgsProcessingOutputNumber(self.COLUMNS, self.tr("Columns")))
        self.addOutput(QgsProcessingOutputNumber(self.ROWS, self.tr("Rows")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...twin.terrain import surfaces_from_file

        path = self.cloud_path(parameters, context)
        target = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        bounds = None
        if parameters.get(self.EXTENT):
            # The extent in the output CRS: the target when given, else the file's (or the assigned) CRS.
            extent_crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
            rect = self.parameterAsExtent(parameters, self.EXTENT, context, target if target.isValid() else None)
            bounds = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
            if not target.isValid() and extent_crs.isValid():
                feedback.pushInfo(
                    self.tr("The extent is taken in the point cloud's CRS (given in {crs}).").format(
                        crs=extent_crs.authid() or extent_crs.description()
                    )
                )
        surfaces = surfaces_from_file(
            path,
            self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            bounds=bounds,
            ground_filter=GROUND_FILTERS[self.parameterAsEnum(parameters, self.GROUND_FILTER, context)],
            filter_window_m=self.parameterAsDouble(parameters, self.FILTER_WINDOW, context),
            max_fill_m=self.parameterAsDouble(parameters, self.MAX_FILL, context),
            target_crs=crs_wkt(target),
            source_crs=self.assigned_crs(parameters, context),
            progress=lambda f: feedback.setProgress(95.0 * f),
            is_canceled=cancel_check(feedback),
        )
        if surfaces.crs_wkt is None:
            feedback.pushWarning(
                self.tr(
                    "{file} has no CRS record and none was assigned: the rasters are written without a CRS."
                ).format(file=path)
            )
        method = {
            "classes": self.tr("ground class 2"),
            "filter": self.tr("progressive morphological filter"),
        }.get(surfaces.ground_method, surfaces.ground_method)
        rows, cols = surfaces.spec.shape
        feedback.pushInfo(
            self.tr(
                "{cols} × {rows} cells of {size} m; DTM from {method}; {valid} of {cells} cells have a DTM."
            ).format(
                cols=cols,
                rows=rows,
                size=f"{surfaces.spec.cell_size:g}",
                method=method,
                valid=f"{int(surfaces.valid('dtm').sum()):,}",
                cells=f"{rows * cols:,}",
            )
        )
        outputs = {
            name: self.parameterAsOutputLayer(parameters, key, context)
            for name, key in (("dsm", self.DSM), ("dtm", self.DTM), ("ndsm", self.NDSM))
        }
        surfaces.write_files(outputs, is_canceled=cancel_check(feedback))
        for name, path in outputs.items():
            style_on_load(context, path, "ndsm_raster" if name == "ndsm" else "elevation_raster", "realscene3d")
        feedback.setProgress(100)
        return {
            self.DSM: outputs["dsm"],
            self.DTM: outputs["dtm"],
            self.NDSM: outputs["ndsm"],
            self.GROUND_METHOD: surfaces.ground_method,
            self.COLUMNS: cols,
            self.ROWS: rows,
        }


class BuildingHeightsAlgorithm(PointCloudAlgorithm):
    """Footprints with height statistics of the points inside them."""

    FOOTPRINTS = "FOOTPRINTS"
    DTM = "DTM"
    PERCENTILE = "PERCENTILE"
    MIN_POINTS = "MIN_POINTS"
    DTM_CELL = "DTM_CELL"
    OUTPUT = "OUTPUT"
    MEASURED = "MEASURED"

    REQUIRED_MODULES = ("numpy", "scipy", "laspy", "lazrs", "pyproj", "shapely", "geopandas")

    def name(self) -> str:
        return "buildingheights"

    def displayName(self) -> str:
        return self.tr("Building heights from point cloud")

    def tags(self) -> list[str]:
        return self.tr("building,height,roof,footprint,lidar,las,laz,ndsm,storeys").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "For every building footprint: the points of the cloud inside it (all classes except ground, water "
            "and noise), the roof height as a high percentile of their z (the 95th ignores antennas and stray "
            "returns), the ground under the footprint (median of the DTM cells inside it; the DTM is interpolated "
            "under buildings from the ground around them) and the building height = roof − ground, in metres.\n"
            "Output: a copy of the footprint layer with pc_points (points inside), pc_roof_z, pc_ground_z, "
            "pc_height_m, pc_height_std (roof roughness) and pc_flag (why a value is missing, e.g. too few "
            "points). The input layer is not modified.\n"
            "Without a DTM one is made from the same points in the same pass (ground class 2, else a "
            "morphological filter). Points are assigned to footprints through a raster of footprint ids, with "
            "exact point-in-polygon tests only near the edges: tens of millions of points take seconds."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add_cloud_parameters()
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.FOOTPRINTS, self.tr("Building footprints"), [QgsProcessing.SourceType.TypeVectorPolygon]
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.DTM, self.tr("DTM in the point cloud's CRS (default: made from the cloud)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.PERCENTILE,
                self.tr("Roof percentile of the points' heights"),
                type=QgsProcessingParameterNumber.Type.Double,
                defaultValue=95.0,
                minValue=1.0,
                maxValue=100.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_POINTS,
                self.tr("Fewest points for a height"),
                type=QgsProcessingParameterNumber.Type.Integer,
                defaultValue=10,
                minValue=1,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.DTM_CELL,
                self.tr("Cell size of the DTM made from the cloud (m)"),
                type=QgsProcessingParameterNumber.Type.Double,
                defaultValue=1.0,
                minValue=0.1,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Buildings with heights"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.MEASURED, self.tr("Buildings with a height")))

    def _dtm(self, parameters, context, points_crs_wkt: str | None, feedback):
        """The DTM parameter as (array, RasterSpec) on a snapped grid in the points' CRS, or None.

        A DTM that is not north-up on a grid snapped to multiples of its cell size, or
        not in the points' CRS, is resampled (bilinear, GDAL Warp in memory) first.
        """
        import numpy as np
        from osgeo import gdal

        from ...twin.terrain import NODATA, RasterSpec

        layer = self.parameterAsRasterLayer(parameters, self.DTM, context)
        if layer is None:
            return None
        dataset = gdal.Open(layer.source())
        if dataset is None:
            raise QgsProcessingException(self.tr("The DTM {name} cannot be read by GDAL.").format(name=layer.source()))
        x0, dx, rx, y0, ry, dy = dataset.GetGeoTransform()
        cell = abs(dx)
        layer_wkt = crs_wkt(layer.crs())
        same_crs = (
            points_crs_wkt is None or layer_wkt is None or layer.crs() == QgsCoordinateReferenceSystem(points_crs_wkt)
        )
        snapped = (
            not rx
            and not ry
            and dy < 0
            and abs(abs(dy) - cell) <= 1e-9 * cell
            and abs(x0 / cell - round(x0 / cell)) < 1e-6
            and abs(y0 / cell - round(y0 / cell)) < 1e-6
        )
        if not (snapped and same_crs):
            feedback.pushInfo(self.tr("The DTM is resampled (bilinear) to a north-up grid in the point cloud's CRS."))
            options = gdal.WarpOptions(
                format="MEM",
                xRes=cell,
                yRes=cell,
                targetAlignedPixels=True,
                dstSRS=points_crs_wkt if not same_crs else None,
                resampleAlg="bilinear",
                dstNodata=NODATA,
                outputType=gdal.GDT_Float64,
            )
            dataset = gdal.Warp("", dataset, options=options)
            x0, dx, _rx, y0, _ry, dy = dataset.GetGeoTransform()
            cell = abs(dx)
        band = dataset.GetRasterBand(1)
        values = band.ReadAsArray().astype(np.float64)
        nodata = band.GetNoDataValue()
        if nodata is not None:
            values[values == nodata] = NODATA
        values[np.isnan(values)] = NODATA
        rows, cols = values.shape
        spec = RasterSpec(cell, round(x0 / cell), round(y0 / cell) - rows, cols, rows)
        return values, spec

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...twin.building_heights import building_heights_from_file

        path = self.cloud_path(parameters, context)
        source = self.parameterAsSource(parameters, self.FOOTPRINTS, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.FOOTPRINTS))
        from ...twin.pointcloud_info import read_point_cloud_info

        frame = source_to_frame(source, None, feedback)
        points_crs = read_point_cloud_info(path, scan_classes=False).crs.crs_wkt or self.assigned_crs(
            parameters, context
        )
        result = building_heights_from_file(
            path,
            frame,
            dtm=self._dtm(parameters, context, points_crs, feedback),
            percentile=self.parameterAsDouble(parameters, self.PERCENTILE, context),
            min_points=self.parameterAsInt(parameters, self.MIN_POINTS, context),
            points_crs=self.assigned_crs(parameters, context),
            reproject=True,
            dtm_cell_size=self.parameterAsDouble(parameters, self.DTM_CELL, context),
            progress=lambda f: feedback.setProgress(90.0 * f),
            is_canceled=cancel_check(feedback),
        )
        measured = int(result["pc_height_m"].notna().sum())
        feedback.pushInfo(
            self.tr("{measured} of {total} buildings have a height from the point cloud.").format(
                measured=f"{measured:,}", total=f"{len(result):,}"
            )
        )
        for flag, count in result["pc_flag"].dropna().value_counts().items():
            feedback.pushWarning(self.tr("{count} buildings: {flag}").format(count=f"{count:,}", flag=flag))
        dest = write_frame(self, parameters, self.OUTPUT, context, result, feedback, crs=source.sourceCrs())
        style_on_load(context, dest, "building_heights", "realscene3d")
        feedback.setProgress(100)
        return {self.OUTPUT: dest, self.MEASURED: measured}


TERRAIN_ALGORITHMS = (PointCloudSurfacesAlgorithm, BuildingHeightsAlgorithm)
