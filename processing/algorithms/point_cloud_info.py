"""Processing algorithm "Point cloud information" (``citytwin:pointcloudinfo``)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate

from ..qgis_algorithm import CityTwinAlgorithm, cancel_check, progress_callback
from ..qgis_fields import make_fields

FIELDS = [
    ("file", "string"),
    ("format", "string"),
    ("las_version", "string"),
    ("point_format", "int"),
    ("point_count", "int64"),
    ("x_min", "double"),
    ("y_min", "double"),
    ("z_min", "double"),
    ("x_max", "double"),
    ("y_max", "double"),
    ("z_max", "double"),
    ("x_scale", "double"),
    ("y_scale", "double"),
    ("z_scale", "double"),
    ("crs_source", "string"),
    ("crs_name", "string"),
    ("crs_epsg", "int"),
    ("crs_vertical", "string"),
    ("crs_note", "string"),
    ("returns", "string"),
    ("classes", "string"),
    ("has_rgb", "bool"),
    ("extra_dims", "string"),
    ("gps_time", "string"),
    ("software", "string"),
    ("system_id", "string"),
    ("created", "date"),
    ("size_mb", "double"),
]


class PointCloudInfoAlgorithm(CityTwinAlgorithm):
    """Summarise a LAS/LAZ/COPC file as a one-row table."""

    INPUT = "INPUT"
    SCAN_CLASSES = "SCAN_CLASSES"
    OUTPUT = "OUTPUT"
    POINT_COUNT = "POINT_COUNT"
    CRS = "CRS"
    FILE_FORMAT = "FILE_FORMAT"

    GROUP_ID = "realscene3d"
    REQUIRED_MODULES = ("numpy", "laspy", "lazrs", "pyproj")
    ICON = "pointcloud_info.svg"

    def name(self) -> str:
        return "pointcloudinfo"

    def displayName(self) -> str:
        return self.tr("Point cloud information")

    def tags(self) -> list[str]:
        return self.tr("las,laz,copc,lidar,header,metadata,crs,classification").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Reads the header of a LAS 1.0–1.4, LAZ or COPC point-cloud file (with laspy) "
            "and writes a one-row table: format and version, point format, point count "
            "and returns, bounds (x/y/z min and max, in the units of the file's CRS), "
            "scale factors, the CRS records found (WKT, GeoTIFF keys, both, or none: a "
            "missing CRS is reported, never guessed), RGB, extra-bytes dimensions, GPS "
            "time type, software and creation date.\n\n"
            "With 'Count points per class' the points are streamed in chunks of one "
            "million and counted per ASPRS classification code (the 'classes' field, "
            "code:count pairs); memory stays bounded whatever the file size."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT,
                self.tr("Point cloud file"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=self.tr("Point clouds (*.las *.laz *.LAS *.LAZ);;All files (*.*)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(self.SCAN_CLASSES, self.tr("Count points per class"), defaultValue=True)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT,
                self.tr("Point cloud information"),
                type=QgsProcessing.SourceType.TypeVector,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.POINT_COUNT, self.tr("Point count")))
        self.addOutput(QgsProcessingOutputString(self.CRS, self.tr("CRS (authority id or name)")))
        self.addOutput(QgsProcessingOutputString(self.FILE_FORMAT, self.tr("File format")))

    def run_algorithm(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        from ...twin.pointcloud_info import read_point_cloud_info

        path = self.parameterAsFile(parameters, self.INPUT, context)
        if not path:
            raise QgsProcessingException(self.tr("No point cloud file was given."))
        info = read_point_cloud_info(
            path,
            scan_classes=self.parameterAsBoolean(parameters, self.SCAN_CLASSES, context),
            progress=progress_callback(feedback),
            is_canceled=cancel_check(feedback),
        )
        for message in info.crs.messages:
            feedback.pushWarning(self.tr("{file}: {message}").format(file=path, message=message))
        feedback.pushInfo(
            self.tr("{file}: {format} {version}, point format {pf}, {count} points").format(
                file=path,
                format=info.file_format,
                version=info.las_version,
                pf=info.point_format,
                count=f"{info.point_count:,}",
            )
        )

        # The sink is created only now, after all reading succeeded: a cancel or a bad
        # file leaves no output behind.
        fields = make_fields(FIELDS)
        sink, dest_id = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            fields,
            QgsWkbTypes.Type.NoGeometry,
            QgsCoordinateReferenceSystem(),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        feature = QgsFeature(fields)
        feature.setAttributes(
            [
                info.path,
                info.file_format,
                info.las_version,
                info.point_format,
                info.point_count,
                *info.mins,
                *info.maxs,
                *info.scales,
                info.crs.source,
                info.crs.name,
                info.crs.epsg,
                info.crs.vertical_name,
                " ".join(info.crs.messages) or None,
                ",".join(str(n) for n in info.points_by_return),
                ";".join(f"{code}:{n}" for code, n in sorted(info.class_counts.items()))
                if info.class_counts is not None
                else None,
                info.has_rgb,
                ",".join(info.extra_dimensions) or None,
                info.gps_time_type,
                info.generating_software or None,
                info.system_identifier or None,
                QDate(info.creation_date.year, info.creation_date.month, info.creation_date.day)
                if info.creation_date
                else None,
                round(info.file_size / 1e6, 3),
            ]
        )
        if not sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert):
            raise QgsProcessingException(sink.lastError())
        crs_text = f"EPSG:{info.crs.epsg}" if info.crs.epsg else (info.crs.name or "")
        return {
            self.OUTPUT: dest_id,
            self.POINT_COUNT: info.point_count,
            self.CRS: crs_text,
            self.FILE_FORMAT: info.file_format,
        }
