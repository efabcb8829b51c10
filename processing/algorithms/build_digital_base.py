"""Processing algorithm "Build digital base" (``citytwin:builddigitalbase``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)

from ..qgis_algorithm import CityTwinAlgorithm, cancel_check, progress_callback

TIME_UNITS = ("day", "week", "month", "quarter", "year")


class BuildDigitalBaseAlgorithm(CityTwinAlgorithm):
    """Build the city's digital base GeoPackage and project from a description or files."""

    DESCRIPTION = "DESCRIPTION"
    INPUTS = "INPUTS"
    CRS = "CRS"
    CELL_SIZE = "CELL_SIZE"
    TIME_UNIT = "TIME_UNIT"
    OUTPUT = "OUTPUT"
    PROJECT = "PROJECT"
    LAYERS = "LAYERS"
    GRID_CELLS = "GRID_CELLS"
    SKIPPED = "SKIPPED"
    BASE_CRS = "BASE_CRS"

    GROUP_ID = "digitalbase"
    REQUIRED_MODULES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj", "laspy", "lazrs")
    ICON = "citytwin.svg"

    def __init__(self) -> None:
        super().__init__()
        self._built = None
        self._project_path: Path | None = None
        self._results: dict[str, Any] = {}

    def name(self) -> str:
        return "builddigitalbase"

    def displayName(self) -> str:
        return self.tr("Build digital base")

    def tags(self) -> list[str]:
        return self.tr("digital base,fusion,grid,nmea,beidou,gnss,cell,rsrp,ndvi,insar,ps,lidar,buildings").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Builds the city's spatiotemporal digital base: reads every source (NMEA logs, GPX, OpenCelliD cell "
            "sites, drive tests, multiband imagery, InSAR PS points, point clouds, building footprints), brings "
            "them onto one CRS (by default the CGCS2000 3-degree Gauss-Krüger zone of the data's centre, e.g. "
            "EPSG:4548 for Beijing) and one time axis, and computes the fused grid: per square cell (in metres) "
            "and time bin, the GNSS fix rate, mean HDOP and satellites used; mean and 10th-percentile RSRP (dBm) "
            "and the share below −110 dBm; mean NDVI/NDBI/NDWI; PS count and mean velocity (mm/yr); building "
            "count, footprint share and mean height (m). Each statistic comes with its observation count; empty "
            "cells are not written.\n\n"
            "Give either a base description (TOML or JSON: sources and settings; its settings then apply) or a "
            "list of files (their kind is detected; CRS, cell size and time unit are taken from this dialog). "
            "Writes one GeoPackage (all layers, the grid, the sources with SHA-256 checksums, styles) and a QGIS "
            "project with the five groups and the time range set; both are written atomically. Malformed lines "
            "are skipped, counted and listed in the log."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.DESCRIPTION,
                self.tr("Base description (TOML or JSON)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=self.tr("Base descriptions (*.toml *.json)"),
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.INPUTS, self.tr("Or: input files"), QgsProcessing.SourceType.TypeFile, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterCrs(self.CRS, self.tr("Base CRS (default: CGCS2000 zone of the data)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.CELL_SIZE,
                self.tr("Grid cell size (m)"),
                type=QgsProcessingParameterNumber.Type.Double,
                defaultValue=100.0,
                minValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.TIME_UNIT,
                self.tr("Time bin"),
                options=[self.tr("Day"), self.tr("Week"), self.tr("Month"), self.tr("Quarter"), self.tr("Year")],
                defaultValue=2,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, self.tr("Base GeoPackage"), self.tr("GeoPackage (*.gpkg)")
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.PROJECT, self.tr("Base project"), self.tr("QGIS project (*.qgz)"), optional=True
            )
        )
        self.addOutput(QgsProcessingOutputString(self.BASE_CRS, self.tr("Base CRS")))
        self.addOutput(QgsProcessingOutputNumber(self.LAYERS, self.tr("Layers in the base")))
        self.addOutput(QgsProcessingOutputNumber(self.GRID_CELLS, self.tr("Fused grid rows")))
        self.addOutput(QgsProcessingOutputNumber(self.SKIPPED, self.tr("Skipped lines")))

    def _description(self, parameters, context):
        from ...layers.base_description import read_description
        from ...layers.source_detect import description_from_files

        output = Path(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        project = self.parameterAsFileOutput(parameters, self.PROJECT, context)
        description_file = self.parameterAsFile(parameters, self.DESCRIPTION, context)
        if parameters.get(self.DESCRIPTION) and description_file:
            description = read_description(description_file)
            description.output = output
            if project:
                description.project = Path(project)
            else:
                description.project = output.with_suffix(".qgz")
            return description
        files = [f for f in self.parameterAsFileList(parameters, self.INPUTS, context) if f]
        if not files:
            raise QgsProcessingException(self.tr("Give a base description or at least one input file."))
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        return description_from_files(
            files,
            output,
            Path(project) if project else None,
            crs=crs.authid() or crs.toWkt() if crs.isValid() else None,
            cell_size_m=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            time_unit=TIME_UNITS[self.parameterAsEnum(parameters, self.TIME_UNIT, context)],
            name=output.stem,
        )

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...layers.base_build import build_base

        description = self._description(parameters, context)
        feedback.pushInfo(
            self.tr("Building {name} from {n} sources…").format(name=description.name, n=len(description.sources))
        )
        built = build_base(description, progress=progress_callback(feedback), is_canceled=cancel_check(feedback))
        for report in built.reports:
            (feedback.pushWarning if not report.ok else feedback.pushInfo)(report.summary())
        self._built = built
        self._project_path = description.project_path
        grid_rows = next((layer.feature_count for layer in built.layers if layer.kind == "fused_grid"), 0)
        self._results = {
            self.OUTPUT: str(built.gpkg),
            self.BASE_CRS: built.crs,
            self.LAYERS: len(built.layers),
            self.GRID_CELLS: grid_rows,
            self.SKIPPED: sum(r.skipped for r in built.reports),
        }
        return dict(self._results)

    def postProcessAlgorithm(self, context: QgsProcessingContext, feedback: QgsProcessingFeedback) -> dict[str, Any]:
        # Runs in the main thread: QGIS layers and projects are made here, not in the worker.
        from ...layers.qgis_base_project import create_base_project

        if self._built is None:
            return {}
        create_base_project(self._built, self._project_path)
        feedback.pushInfo(self.tr("Project written: {path}").format(path=str(self._project_path)))
        # QGIS 3.22 returns what this method returns, so repeat processAlgorithm's results.
        return {**self._results, self.PROJECT: str(self._project_path)}
