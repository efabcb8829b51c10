"""The "Import …" algorithms: one per source family of the digital base.

Each reads one file with the pure reader of its family and writes the layers to
Processing outputs (any format or destination QGIS offers), optionally reprojected;
loaded outputs get CityTwin's default style, section and time axis. Malformed lines
are skipped, counted and reported in the log, never silently.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..qgis_algorithm import CityTwinAlgorithm, cancel_check, progress_callback
from ..qgis_frames import style_on_load, write_frame

_FILE = QgsProcessingParameterFile.Behavior.File


class ImportSourceAlgorithm(CityTwinAlgorithm):
    """Shared machinery: subclasses say which kind they read and which outputs they have."""

    INPUT = "INPUT"
    TARGET_CRS = "TARGET_CRS"
    SOURCE_CRS = "SOURCE_CRS"
    RECORDS = "RECORDS"
    SKIPPED = "SKIPPED"

    KIND = ""
    FILE_FILTER = ""
    #: (parameter, layer kind, label, time field or None, QGIS source type)
    OUTPUTS: tuple[tuple[str, str, str, str | None, int], ...] = ()
    GROUP_ID = "digitalbase"
    REQUIRED_MODULES = ("numpy", "pandas", "geopandas", "pyogrio", "shapely", "pyproj")

    def input_label(self) -> str:
        return self.tr("Input file")

    def extra_parameters(self) -> None:
        """Subclasses add their own parameters here."""

    def options(self, parameters, context) -> dict[str, Any]:
        return {}

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(self.INPUT, self.input_label(), behavior=_FILE, fileFilter=self.FILE_FILTER)
        )
        self.extra_parameters()
        self.addParameter(
            QgsProcessingParameterCrs(self.SOURCE_CRS, self.tr("CRS to assign when the file has none"), optional=True)
        )
        self.addParameter(QgsProcessingParameterCrs(self.TARGET_CRS, self.tr("Reproject to (optional)"), optional=True))
        for name, _kind, label, _time, source_type in self.OUTPUTS:
            self.addParameter(
                QgsProcessingParameterFeatureSink(name, self.tr(label), source_type, optional=len(self.OUTPUTS) > 1)
            )
        self.addOutput(QgsProcessingOutputNumber(self.RECORDS, self.tr("Records read")))
        self.addOutput(QgsProcessingOutputNumber(self.SKIPPED, self.tr("Lines skipped")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...layers.base_description import SOURCE_KINDS, SourceSpec
        from ...layers.base_sources import load_source

        path = Path(self.parameterAsFile(parameters, self.INPUT, context))
        source_crs = self.parameterAsCrs(parameters, self.SOURCE_CRS, context)
        spec = SourceSpec(self.KIND, path, self.options(parameters, context), source_crs.authid() or None)
        target = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="citytwin-import-") as work:
            loaded = load_source(
                spec, path, Path(work), target.authid() or None, progress_callback(feedback), cancel_check(feedback)
            )
            for report in loaded.reports:
                (feedback.pushWarning if not report.ok else feedback.pushInfo)(report.summary())
            results = self.write_outputs(parameters, context, feedback, loaded, target, SOURCE_KINDS[self.KIND])
        results[self.RECORDS] = sum(r.kept for r in loaded.reports)
        results[self.SKIPPED] = sum(r.skipped for r in loaded.reports)
        return results

    def write_outputs(self, parameters, context, feedback, loaded, target, section) -> dict[str, Any]:
        results = {}
        by_kind: dict[str, list] = {}
        for layer in loaded.layers:
            by_kind.setdefault(layer.kind, []).append(layer)
        for name, kind, _label, time_field, _source_type in self.OUTPUTS:
            if parameters.get(name) is None or kind not in by_kind:
                continue
            frame = by_kind[kind].pop(0).data
            if target.isValid() and getattr(frame, "crs", None) is not None:
                frame = frame.to_crs(target.toWkt())
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("Canceled: no output was written."))
            dest = write_frame(self, parameters, name, context, frame, feedback)
            style_on_load(context, dest, kind, section, time_field)
            results[name] = dest
        return results


class ImportNmeaAlgorithm(ImportSourceAlgorithm):
    KIND = "nmea"
    FILE_FILTER = "NMEA logs (*.nmea *.nma *.log *.txt *.NMEA);;All files (*.*)"
    OUTPUT = "OUTPUT"
    SATELLITES = "SATELLITES"
    OUTPUTS = (
        (
            "OUTPUT",
            "nav_epochs",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "GNSS epochs"),
            "time",
            QgsProcessing.SourceType.TypeVectorPoint,
        ),
        (
            "SATELLITES",
            "nav_satellites",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Satellites in view"),
            None,
            QgsProcessing.SourceType.TypeVector,
        ),
    )
    GROUP_ID = "navcomm"
    ICON = "citytwin.svg"

    def name(self) -> str:
        return "importnmea"

    def displayName(self) -> str:
        return self.tr("Import NMEA log")

    def shortHelpString(self) -> str:
        return self.tr(
            "Reads an NMEA 0183 log (GGA, RMC, GSA, GSV, ZDA; talkers GP GPS, BD/GB BeiDou, GA Galileo, GL GLONASS, "
            "GN multi-GNSS, GQ QZSS) with checksums verified. One point per epoch (UTC time, WGS 84 position, "
            "altitude, fix quality, satellites used, HDOP/PDOP/VDOP, satellites in view per constellation, mean "
            "C/N0 in dB-Hz) and, optionally, a table of the satellites in view (PRN, elevation, azimuth, C/N0). "
            "The date comes from RMC or ZDA and is carried across midnight. Lines with bad checksums or too few "
            "fields are skipped and counted."
        )


class ImportGpxAlgorithm(ImportSourceAlgorithm):
    KIND = "gpx"
    FILE_FILTER = "GPX (*.gpx *.GPX)"
    OUTPUTS = (
        (
            "WAYPOINTS",
            "gpx_waypoints",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Waypoints"),
            "time",
            QgsProcessing.SourceType.TypeVectorPoint,
        ),
        (
            "TRACK_POINTS",
            "gpx_points",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Track points"),
            "time",
            QgsProcessing.SourceType.TypeVectorPoint,
        ),
        (
            "TRACKS",
            "gpx_lines",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Tracks and routes"),
            None,
            QgsProcessing.SourceType.TypeVectorLine,
        ),
    )
    GROUP_ID = "navcomm"

    def name(self) -> str:
        return "importgpx"

    def displayName(self) -> str:
        return self.tr("Import GPX")

    def shortHelpString(self) -> str:
        return self.tr("Reads the waypoints, track points and tracks of a GPX 1.0/1.1 file (WGS 84, UTC times).")


class ImportCellSitesAlgorithm(ImportSourceAlgorithm):
    KIND = "opencellid"
    FILE_FILTER = "OpenCelliD CSV (*.csv *.csv.gz *.txt);;All files (*.*)"
    OUTPUTS = (
        (
            "OUTPUT",
            "cell_sites",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Cell sites"),
            None,
            QgsProcessing.SourceType.TypeVectorPoint,
        ),
    )
    GROUP_ID = "navcomm"

    def name(self) -> str:
        return "importcellsites"

    def displayName(self) -> str:
        return self.tr("Import OpenCelliD cell sites")

    def shortHelpString(self) -> str:
        return self.tr(
            "Reads an OpenCelliD export (radio, mcc, net, area, cell, unit, lon, lat, range, samples, changeable, "
            "created, updated, averageSignal; with or without the header line, plain or gzipped). Times are Unix "
            "seconds, read as UTC; an averageSignal of 0 means unknown. Duplicated cells keep the latest update."
        )


class ImportDriveTestAlgorithm(ImportSourceAlgorithm):
    KIND = "drive_test"
    MAPPING = "MAPPING"
    FILE_FILTER = "Drive-test CSV (*.csv *.txt *.csv.gz);;All files (*.*)"
    OUTPUTS = (
        (
            "OUTPUT",
            "drive_test",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Drive-test measurements"),
            "time",
            QgsProcessing.SourceType.TypeVectorPoint,
        ),
    )
    GROUP_ID = "navcomm"

    def name(self) -> str:
        return "importdrivetest"

    def displayName(self) -> str:
        return self.tr("Import drive test")

    def shortHelpString(self) -> str:
        return self.tr(
            "Reads a drive-test measurement CSV (comma, semicolon or tab separated; UTF-8, GBK or UTF-16) and maps "
            "its columns to time, lon, lat, RSRP (dBm), RSRQ (dB), SINR (dB), RSSI, PCI, cell id, EARFCN, TAC, "
            "technology and speed, accepting the common header spellings of drive-test tools in English and "
            "Chinese. The log says which column was used for which field and which were not used. Give a mapping "
            "such as 'rsrp_dbm=Serving RSRP;time=UTC' to override. Values outside the 3GPP TS 36.133 reporting "
            "ranges are set to empty and counted."
        )

    def extra_parameters(self) -> None:
        self.addParameter(
            QgsProcessingParameterString(self.MAPPING, self.tr("Column mapping (field=column;…)"), optional=True)
        )

    def options(self, parameters, context) -> dict[str, Any]:
        text = self.parameterAsString(parameters, self.MAPPING, context) or ""
        mapping = {}
        for item in filter(None, (part.strip() for part in text.split(";"))):
            if "=" not in item:
                raise QgsProcessingException(self.tr("Mapping item '{item}' is not field=column").format(item=item))
            key, value = item.split("=", 1)
            mapping[key.strip()] = value.strip()
        return {"mapping": mapping} if mapping else {}


class ImportPsAlgorithm(ImportSourceAlgorithm):
    KIND = "ps"
    FILE_FILTER = "PS points (*.csv *.gpkg *.shp *.geojson);;All files (*.*)"
    OUTPUTS = (
        (
            "OUTPUT",
            "ps_points",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "PS points"),
            None,
            QgsProcessing.SourceType.TypeVectorPoint,
        ),
    )
    GROUP_ID = "subsidence"

    def name(self) -> str:
        return "importps"

    def displayName(self) -> str:
        return self.tr("Import InSAR PS points")

    def shortHelpString(self) -> str:
        return self.tr(
            "Reads persistent scatterers from an EGMS CSV (L2a, L2b or L3; comma or semicolon separated; date "
            "columns YYYYMMDD) or from a point layer with D_YYYYMMDD / DYYYYMMDD fields (the QGIS InSAR viewer "
            "convention). Writes the points with their attributes (velocity in mm/yr) and one D_YYYYMMDD field per "
            "epoch (displacement in mm). EGMS positions come from latitude/longitude, else easting/northing in "
            "ETRS89-LAEA (EPSG:3035) unless another CRS is assigned."
        )


class ImportBuildingsAlgorithm(ImportSourceAlgorithm):
    KIND = "buildings"
    HEIGHT_FIELD = "HEIGHT_FIELD"
    FLOORS_FIELD = "FLOORS_FIELD"
    USE_FIELD = "USE_FIELD"
    FILE_FILTER = "Vector files (*.gpkg *.shp *.geojson *.fgb *.gml *.kml);;All files (*.*)"
    OUTPUTS = (
        (
            "OUTPUT",
            "buildings",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Buildings"),
            None,
            QgsProcessing.SourceType.TypeVectorPolygon,
        ),
    )
    GROUP_ID = "realscene3d"

    def name(self) -> str:
        return "importbuildings"

    def displayName(self) -> str:
        return self.tr("Import building footprints")

    def shortHelpString(self) -> str:
        return self.tr(
            "Reads building footprints from any OGR vector and maps height (m), floors and use (residential, "
            "office, commercial, public, industrial, other) from the common field names in English and Chinese "
            "(e.g. height, HEIGHT, 高度, floors, 层数, use, type, 用途); name the fields to override. Implausible "
            "heights are treated as unknown, invalid footprints repaired; unknown uses are listed in the log."
        )

    def extra_parameters(self) -> None:
        for name, label in (
            (self.HEIGHT_FIELD, self.tr("Height field (optional)")),
            (self.FLOORS_FIELD, self.tr("Floors field (optional)")),
            (self.USE_FIELD, self.tr("Use field (optional)")),
        ):
            self.addParameter(QgsProcessingParameterString(name, label, optional=True))

    def options(self, parameters, context) -> dict[str, Any]:
        mapping = {}
        for name, canonical in (
            (self.HEIGHT_FIELD, "height_m"),
            (self.FLOORS_FIELD, "floors"),
            (self.USE_FIELD, "use"),
        ):
            value = self.parameterAsString(parameters, name, context)
            if value:
                mapping[canonical] = value
        return {"mapping": mapping} if mapping else {}


class IndexPointCloudAlgorithm(ImportSourceAlgorithm):
    KIND = "pointcloud"
    FILE_FILTER = "Point clouds (*.las *.laz *.LAS *.LAZ)"
    OUTPUTS = (
        (
            "OUTPUT",
            "pointcloud_extents",
            QT_TRANSLATE_NOOP("ImportSourceAlgorithm", "Point-cloud extent"),
            None,
            QgsProcessing.SourceType.TypeVectorPolygon,
        ),
    )
    GROUP_ID = "realscene3d"
    REQUIRED_MODULES = (*ImportSourceAlgorithm.REQUIRED_MODULES, "laspy", "lazrs")

    def name(self) -> str:
        return "indexpointcloud"

    def displayName(self) -> str:
        return self.tr("Index point cloud")

    def shortHelpString(self) -> str:
        return self.tr(
            "Adds a LAS/LAZ/COPC file to the base as its extent polygon with point count, CRS, height range, "
            "density and the classes present (points streamed in chunks). A file without a CRS record is indexed "
            "only with the CRS you assign: it is never guessed."
        )


class ImportImageryAlgorithm(ImportSourceAlgorithm):
    KIND = "imagery"
    SENSOR = "SENSOR"
    NDVI = "NDVI"
    NDBI = "NDBI"
    NDWI = "NDWI"
    SENSORS = ("auto", "sentinel2_l2a", "landsat_c2_l2", "gf2_pms")
    FILE_FILTER = "Images (*.tif *.tiff *.jp2 *.img *.vrt);;All files (*.*)"
    GROUP_ID = "digitalbase"

    def name(self) -> str:
        return "importimagery"

    def displayName(self) -> str:
        return self.tr("Spectral indices from imagery")

    def shortHelpString(self) -> str:
        return self.tr(
            "Computes NDVI = (NIR − Red)/(NIR + Red) (Rouse et al. 1974), NDBI = (SWIR1 − NIR)/(SWIR1 + NIR) (Zha et "
            "al. 2003) and NDWI = (Green − NIR)/(Green + NIR) (McFeeters 1996) from a multiband image, on surface "
            "reflectance: Sentinel-2 L2A (B3 green, B4 red, B8 NIR, B11 SWIR1; (DN − 1000)/10000 from baseline "
            "04.00), Landsat 8/9 Collection 2 Level-2 (SR_B3, SR_B4, SR_B5, SR_B6; DN × 0.0000275 − 0.2) or GF-2 "
            "PMS (B2, B3, B4; no SWIR, so no NDBI). Bands are found by their descriptions, else by the sensor's "
            "standard order. Float32 GeoTIFFs, nodata −9999, written block by block."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT, self.tr("Multiband image"), behavior=_FILE, fileFilter=self.FILE_FILTER
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.SENSOR,
                self.tr("Sensor"),
                options=[self.tr("Detect"), "Sentinel-2 L2A", "Landsat 8/9 C2 L2", self.tr("GF-2 PMS")],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterCrs(self.SOURCE_CRS, self.tr("CRS to assign when the file has none"), optional=True)
        )
        for name in (self.NDVI, self.NDBI, self.NDWI):
            self.addParameter(QgsProcessingParameterRasterDestination(name, name, optional=name != self.NDVI))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import tempfile

        from ...layers.imagery import compute_indices
        from ...layers.source_detect import guess_sensor

        path = self.parameterAsFile(parameters, self.INPUT, context)
        sensor = self.SENSORS[self.parameterAsEnum(parameters, self.SENSOR, context)]
        if sensor == "auto":
            sensor = guess_sensor(path)
            feedback.pushInfo(self.tr("Sensor: {sensor}").format(sensor=sensor))
        wanted = [n.lower() for n in (self.NDVI, self.NDBI, self.NDWI) if parameters.get(n) is not None]
        results = {}
        with tempfile.TemporaryDirectory(prefix="citytwin-indices-") as work:
            report = compute_indices(
                path,
                sensor,
                work,
                indices=wanted,
                progress=progress_callback(feedback),
                is_canceled=cancel_check(feedback),
            )
            for note in report.notes:
                feedback.pushInfo(note)
            assigned = self.parameterAsCrs(parameters, self.SOURCE_CRS, context)
            for index, produced in report.paths.items():
                destination = self.parameterAsOutputLayer(parameters, index.upper(), context)
                shutil.copyfile(produced, destination)
                if assigned.isValid():
                    _assign_raster_crs(destination, assigned.toWkt())
                style_on_load(context, destination, "index_raster", "remote_sensing", index=index)
                results[index.upper()] = destination
        return results


def _assign_raster_crs(path: str, wkt: str) -> None:
    """Give a raster without a CRS the one the user assigned (never overriding one)."""
    from osgeo import gdal

    gdal.UseExceptions()
    dataset = gdal.Open(path, gdal.GA_Update)
    if not dataset.GetProjection():
        dataset.SetProjection(wkt)
    dataset = None


IMPORT_ALGORITHMS = (
    ImportNmeaAlgorithm,
    ImportGpxAlgorithm,
    ImportCellSitesAlgorithm,
    ImportDriveTestAlgorithm,
    ImportImageryAlgorithm,
    ImportPsAlgorithm,
    IndexPointCloudAlgorithm,
    ImportBuildingsAlgorithm,
)
