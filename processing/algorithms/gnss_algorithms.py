"""Processing algorithms of GNSS on the 3D base (通导融合分析), QGIS adapter tier.

``skyview`` (horizon, sky-view factor, open sky), ``gnsslos`` (LOS/NLOS of an NMEA
log's satellites) and ``gnssavailability`` (LOS satellites and LOS-only HDOP per cell):
thin wrappers around :mod:`citytwin.processing.navcomm`.
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
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..qgis_algorithm import CityTwinAlgorithm, cancel_check
from ..qgis_frames import require_crs, source_to_frame, style_on_load, write_frame

_CORE = ("numpy", "pandas", "pyproj", "numba")
_NMEA_FILTER = "NMEA logs (*.nmea *.nma *.log *.txt *.NMEA);;All files (*.*)"
_CSV_FILTER = "CSV files (*.csv *.txt);;All files (*.*)"


class GnssMessages:
    """Translation context of this module's helper functions."""

    @staticmethod
    def tr(text: str) -> str:
        from qgis.PyQt.QtCore import QCoreApplication

        return QCoreApplication.translate("GnssMessages", text)


def _raster_path(algorithm, parameters, name: str, context) -> str | None:
    layer = algorithm.parameterAsRasterLayer(parameters, name, context)
    if layer is None:
        return None
    path = layer.source()
    if layer.providerType() != "gdal":
        raise QgsProcessingException(
            GnssMessages.tr("Raster '{layer}' is not a GDAL raster file; save it as a GeoTIFF first.").format(
                layer=layer.name()
            )
        )
    return path


class SurfaceAlgorithm(CityTwinAlgorithm):
    """Shared inputs: the DSM, an optional DTM, receiver height and search distance."""

    DSM = "DSM"
    DTM = "DTM"
    RECEIVER_HEIGHT = "RECEIVER_HEIGHT"
    MAX_DISTANCE = "MAX_DISTANCE"

    GROUP_ID = "navcomm"
    REQUIRED_MODULES = _CORE

    def add_surface_parameters(self) -> None:
        self.addParameter(QgsProcessingParameterRasterLayer(self.DSM, self.tr("DSM (surface heights, metres)")))
        self.addParameter(
            QgsProcessingParameterRasterLayer(self.DTM, self.tr("DTM (ground; empty: the DSM)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.RECEIVER_HEIGHT,
                self.tr("Receiver height above the ground (m)"),
                QgsProcessingParameterNumber.Type.Double,
                1.5,
                minValue=0.0,
                maxValue=500.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_DISTANCE,
                self.tr("Search distance for obstacles (m)"),
                QgsProcessingParameterNumber.Type.Double,
                1000.0,
                minValue=1.0,
            )
        )

    def surfaces(self, parameters, context, feedback):
        from ..navcomm.surface import Surface

        dsm = Surface.read(_raster_path(self, parameters, self.DSM, context))
        dtm_path = _raster_path(self, parameters, self.DTM, context)
        dtm = dsm.read_like(dtm_path) if dtm_path else None
        if dtm is not None and not dtm.same_grid(Surface.read(dtm_path, require_metres=False)):
            feedback.pushInfo(self.tr("The DTM was resampled onto the DSM's grid (bilinear)."))
        gaps = float(1.0 - (dsm.z == dsm.z).mean())
        if gaps > 0:
            feedback.pushInfo(
                self.tr(
                    "{share:.1%} of the DSM is no-data: holes do not block rays; their share is reported per result."
                ).format(share=gaps)
            )
        return dsm, dtm

    def receiver_height(self, parameters, context) -> float:
        return self.parameterAsDouble(parameters, self.RECEIVER_HEIGHT, context)

    def max_distance(self, parameters, context) -> float:
        return self.parameterAsDouble(parameters, self.MAX_DISTANCE, context)


def _dsm_crs(dsm) -> QgsCoordinateReferenceSystem:
    return QgsCoordinateReferenceSystem.fromWkt(dsm.crs_wkt)


class SkyViewAlgorithm(SurfaceAlgorithm):
    """Horizon angles, sky-view factor and open-sky fraction from a DSM."""

    POINTS = "POINTS"
    SECTORS = "SECTORS"
    MASK = "MASK"
    STEP = "STEP"
    SVF = "SVF"
    OPEN_SKY = "OPEN_SKY"
    OUTPUT = "OUTPUT"
    MEAN_SVF = "MEAN_SVF"

    ICON = "citytwin.svg"

    def name(self) -> str:
        return "skyview"

    def displayName(self) -> str:
        return self.tr("Horizon and sky-view factor")

    def tags(self) -> list[str]:
        return self.tr("sky view factor,svf,horizon,skyline,urban canyon,gnss,satellite,obstruction,dsm").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "From a DSM (the twin's or any raster in a projected CRS in metres) computes, at a receiver the given "
            "height above the DTM (above the DSM when no DTM is given), the horizon elevation angle in N azimuth "
            "sectors (default 72, i.e. every 5°, clockwise from grid north), by walking a ray through the DSM in "
            "each sector's central direction up to the search distance.\n"
            "• Sky-view factor SVF = 1 − mean over sectors of sin²(horizon): the cosine-weighted view of the sky "
            "of a flat receiving surface used in urban climatology (Oke 1988, Energy and Buildings 11); at the "
            "centre of a long street canyon of height H and width W it is cos(atan(2H/W)). 1 = open sky.\n"
            "• Open-sky fraction above the elevation mask: the share of the solid angle of the sky above the mask "
            "that is not blocked (e.g. 25° for satellite direct-to-device links).\n"
            "Rasters cover every DSM cell (or every Nth); cells where the receiver would be inside a building "
            "(DSM above the receiver) are no-data. With input points, each point gets svf, open_sky and its "
            "horizon profile (comma-separated degrees, one per sector from north) for a sky plot; points outside "
            "the DSM are flagged, not dropped. DSM no-data does not block rays; the share of each ray on no-data "
            "is reported (gap_fraction)."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add_surface_parameters()
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.POINTS, self.tr("Points (optional)"), [QgsProcessing.SourceType.TypeVectorPoint], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SECTORS, self.tr("Azimuth sectors"), QgsProcessingParameterNumber.Type.Integer, 72, minValue=4
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MASK,
                self.tr("Elevation mask for the open-sky fraction (°)"),
                QgsProcessingParameterNumber.Type.Double,
                25.0,
                minValue=0.0,
                maxValue=89.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.STEP,
                self.tr("Compute every Nth cell of the rasters"),
                QgsProcessingParameterNumber.Type.Integer,
                1,
                minValue=1,
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.SVF, self.tr("Sky-view factor"), optional=True))
        self.addParameter(
            QgsProcessingParameterRasterDestination(self.OPEN_SKY, self.tr("Open-sky fraction"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT,
                self.tr("Points with sky view"),
                QgsProcessing.SourceType.TypeVectorPoint,
                optional=True,
                createByDefault=False,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.MEAN_SVF, self.tr("Mean sky-view factor")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import numpy as np

        dsm, dtm = self.surfaces(parameters, context, feedback)
        sectors = self.parameterAsInt(parameters, self.SECTORS, context)
        mask = self.parameterAsDouble(parameters, self.MASK, context)
        results: dict[str, Any] = {}
        svf_path = self.parameterAsOutputLayer(parameters, self.SVF, context)
        open_path = self.parameterAsOutputLayer(parameters, self.OPEN_SKY, context)
        points = self.parameterAsSource(parameters, self.POINTS, context)
        want_points = points is not None and parameters.get(self.OUTPUT) is not None
        if not (svf_path or open_path or want_points):
            raise QgsProcessingException(self.tr("Choose at least one output: a raster, or points and their output."))
        mean_svf = float("nan")
        if svf_path or open_path:
            mean_svf = self._rasters(parameters, context, feedback, dsm, dtm, sectors, mask, svf_path, open_path)
            results.update({k: v for k, v in ((self.SVF, svf_path), (self.OPEN_SKY, open_path)) if v})
        if want_points:
            height, distance = self.receiver_height(parameters, context), self.max_distance(parameters, context)
            frame = self._points(points, feedback, dsm, dtm, (sectors, mask, height, distance))
            results[self.OUTPUT] = write_frame(self, parameters, self.OUTPUT, context, frame, feedback, _dsm_crs(dsm))
            style_on_load(context, results[self.OUTPUT], "sky_points", "navigation")
            if not np.isfinite(mean_svf):
                mean_svf = float(np.nanmean(frame["svf"])) if frame["svf"].notna().any() else float("nan")
        results[self.MEAN_SVF] = mean_svf
        return results

    def _rasters(self, parameters, context, feedback, dsm, dtm, sectors, mask, svf_path, open_path) -> float:
        import numpy as np

        from ..navcomm.horizon import sky_view_grid

        grid = sky_view_grid(
            dsm,
            dtm,
            receiver_height=self.receiver_height(parameters, context),
            sectors=sectors,
            max_distance=self.max_distance(parameters, context),
            mask_deg=mask,
            step=self.parameterAsInt(parameters, self.STEP, context),
            progress=lambda f: feedback.setProgress(90.0 * f),
            is_canceled=cancel_check(feedback),
        )
        target = grid.grid if getattr(grid, "grid", None) is not None else dsm
        for path, values, kind in ((svf_path, grid.svf, "svf_raster"), (open_path, grid.open_sky, "open_sky_raster")):
            if path:
                target.write(values, path)
                style_on_load(context, path, kind, "navigation")
        indoor = int(np.count_nonzero(grid.indoor))
        feedback.pushInfo(
            self.tr("{cells:,} cells inside buildings (DSM above the receiver) are no-data.").format(cells=indoor)
        )
        return float(np.nanmean(grid.svf)) if np.isfinite(grid.svf).any() else float("nan")

    def _points(self, source, feedback, dsm, dtm, settings):
        import numpy as np

        from ..navcomm.horizon import sky_view

        sectors, mask, height, distance = settings
        require_crs(source)
        frame = source_to_frame(source, feedback=feedback)
        frame = frame[~frame.geometry.isna()].to_crs(dsm.crs_wkt)
        x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
        ground = (dtm if dtm is not None else dsm).sample(x, y)
        view = sky_view(dsm, x, y, ground + height, sectors=sectors, max_distance=distance, mask_deg=mask)
        frame["svf"] = view.svf
        frame["open_sky"] = view.open_sky
        frame["gap_fraction"] = view.gap_fraction
        frame["outside"] = view.outside | ~np.isfinite(ground)
        frame["horizon_deg"] = [
            "" if not np.isfinite(row).all() else ",".join(f"{v:.1f}" for v in row) for row in view.horizon_deg
        ]
        outside = int(frame["outside"].sum())
        if outside:
            feedback.pushWarning(
                self.tr("{n} points lie outside the DSM or on its no-data: their values are empty.").format(n=outside)
            )
        return frame


def _frame_at_xy(table, crs_wkt: str):
    """``table`` (with ``x``, ``y`` columns in ``crs_wkt``) as a point GeoDataFrame; rows without a
    position get an empty geometry."""
    import geopandas as gpd

    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=crs_wkt)


def _for_output(frame):
    """Columns QGIS fields can hold: categories as text, nullable booleans as text."""
    out = frame.copy()
    for column in out.columns:
        if column == "geometry":
            continue
        dtype = out[column].dtype
        if str(dtype) in ("category", "boolean"):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
            out[column] = out[column].map(lambda v: None if v is None else str(v))
    return out


class GnssLosAlgorithm(SurfaceAlgorithm):
    """LOS/NLOS of every satellite of an NMEA log against a DSM."""

    INPUT = "INPUT"
    USE_LOG_ALTITUDE = "USE_LOG_ALTITUDE"
    OUTPUT = "OUTPUT"
    SATELLITES = "SATELLITES"
    CN0_LOS = "CN0_LOS"
    CN0_NLOS = "CN0_NLOS"
    N_LOS = "N_LOS"
    N_NLOS = "N_NLOS"

    ICON = "citytwin.svg"

    def name(self) -> str:
        return "gnsslos"

    def displayName(self) -> str:
        return self.tr("GNSS line-of-sight from an NMEA log")

    def tags(self) -> list[str]:
        return self.tr("gnss,nlos,los,beidou,gps,nmea,gsv,multipath,urban canyon,shadow matching,hdop,c/n0").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "For each epoch of an NMEA 0183 log, takes the satellites in view from GSV (PRN, elevation, azimuth, "
            "C/N0; the talker gives the constellation: GP GPS, BD/GB BeiDou, GA Galileo, GL GLONASS) and the "
            "receiver position from GGA, and classifies each satellite LOS when its elevation is above the DSM's "
            "horizon at the receiver in the satellite's azimuth, else NLOS (blocked: received, if at all, by "
            "reflection). The receiver is the given height above the DTM at the logged position.\n"
            "Outputs: one point per epoch with LOS/NLOS counts per constellation (BeiDou separately), HDOP "
            "recomputed from the LOS satellites only (from their azimuth/elevation geometry, one clock per "
            "constellation) next to the HDOP of all satellites in view, and the mean C/N0 (dB-Hz) of LOS and NLOS "
            "satellites; and one point per satellite observation with its horizon, margin (elevation − horizon, "
            "degrees: GSV angles are whole degrees, so |margin| < 1 is uncertain) and status. NLOS signals should "
            "be weaker: a clearly lower NLOS mean C/N0 is the check that the 3D model and the log agree (Groves "
            "2011, 'Shadow matching', J. Navigation 64(3)).\n"
            "Satellites without elevation and epochs without a position or outside the DSM are kept and flagged."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT,
                self.tr("NMEA log"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=_NMEA_FILTER,
            )
        )
        self.add_surface_parameters()
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.USE_LOG_ALTITUDE, self.tr("Use the log's GGA altitude as the receiver height"), False
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Epochs with LOS/NLOS counts"), QgsProcessing.SourceType.TypeVectorPoint
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.SATELLITES,
                self.tr("Satellite observations (LOS/NLOS)"),
                QgsProcessing.SourceType.TypeVectorPoint,
                optional=True,
            )
        )
        for name, label in (
            (self.CN0_LOS, self.tr("Mean C/N0 of LOS satellites (dB-Hz)")),
            (self.CN0_NLOS, self.tr("Mean C/N0 of NLOS satellites (dB-Hz)")),
            (self.N_LOS, self.tr("LOS observations")),
            (self.N_NLOS, self.tr("NLOS observations")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ...layers.nmea import read_nmea
        from ..navcomm.gnss_los import classify_log

        path = self.parameterAsFile(parameters, self.INPUT, context)
        if not path:
            raise QgsProcessingException(self.tr("No NMEA log was given."))
        dsm, dtm = self.surfaces(parameters, context, feedback)
        log = read_nmea(path, progress=lambda f: feedback.setProgress(20.0 * f), is_canceled=cancel_check(feedback))
        result = classify_log(
            log,
            dsm,
            dtm,
            receiver_height=self.receiver_height(parameters, context),
            max_distance=self.max_distance(parameters, context),
            use_log_altitude=self.parameterAsBool(parameters, self.USE_LOG_ALTITUDE, context),
            source=path,
            progress=lambda f: feedback.setProgress(20.0 + 60.0 * f),
            is_canceled=cancel_check(feedback),
        )
        for note in result.notes:
            feedback.pushInfo(note)
        self._report(result.summary, feedback)
        epochs = _frame_at_xy(result.epochs, dsm.crs_wkt)
        dest = write_frame(self, parameters, self.OUTPUT, context, _for_output(epochs), feedback, _dsm_crs(dsm))
        style_on_load(context, dest, "gnss_epochs", "navigation", time_field="time")
        outputs = {self.OUTPUT: dest}
        if parameters.get(self.SATELLITES) is not None:
            sats = _frame_at_xy(result.satellites, dsm.crs_wkt)
            outputs[self.SATELLITES] = write_frame(
                self, parameters, self.SATELLITES, context, _for_output(sats), feedback, _dsm_crs(dsm)
            )
            style_on_load(context, outputs[self.SATELLITES], "gnss_satellites", "navigation", time_field="time")
        summary = result.summary
        outputs.update(
            {
                self.CN0_LOS: summary["cn0_los_dbhz"],
                self.CN0_NLOS: summary["cn0_nlos_dbhz"],
                self.N_LOS: summary["n_los"],
                self.N_NLOS: summary["n_nlos"],
            }
        )
        return outputs

    @staticmethod
    def _numbers(entry: dict) -> dict:
        keys = {"los": "n_los", "nlos": "n_nlos", "cl": "cn0_los_dbhz", "cn": "cn0_nlos_dbhz"}
        return {short: entry[key] for short, key in keys.items()}

    def _report(self, summary: dict, feedback) -> None:
        feedback.pushInfo(
            self.tr(
                "{los:,} LOS and {nlos:,} NLOS satellite observations; "
                "mean C/N0 {cl:.1f} dB-Hz LOS, {cn:.1f} dB-Hz NLOS."
            ).format(**self._numbers(summary))
        )
        for name, entry in summary["constellations"].items():
            feedback.pushInfo(
                self.tr("  {name}: {los:,} LOS, {nlos:,} NLOS; C/N0 {cl:.1f} / {cn:.1f} dB-Hz").format(
                    name=name, **self._numbers(entry)
                )
            )
        difference = summary["cn0_difference_db"]
        if not difference > 1.0:
            feedback.pushWarning(
                self.tr(
                    "NLOS satellites are not clearly weaker than LOS ones ({d:.1f} dB): the DSM may not match the "
                    "place of the log (CRS, date, coverage) or the receiver height is off."
                ).format(d=difference)
            )


class GnssAvailabilityAlgorithm(SurfaceAlgorithm):
    """LOS satellites and LOS-only HDOP per cell, for one sky."""

    LOG = "LOG"
    TIME = "TIME"
    SNAPSHOT = "SNAPSHOT"
    ELEVATION_MASK = "ELEVATION_MASK"
    LOS_COUNT = "LOS_COUNT"
    BEIDOU_COUNT = "BEIDOU_COUNT"
    HDOP = "HDOP"
    SATELLITES_USED = "SATELLITES_USED"
    FAIL_SHARE = "FAIL_SHARE"

    ICON = "citytwin.svg"

    def name(self) -> str:
        return "gnssavailability"

    def displayName(self) -> str:
        return self.tr("GNSS availability map")

    def tags(self) -> list[str]:
        return self.tr("gnss,availability,hdop,dop,los,beidou,urban canyon,positioning,satellites,dsm").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "For every cell of the DSM's grid and one sky — the satellites in view at one epoch of an NMEA log "
            "(GSV; the epoch nearest the given time, or the one with the most satellites), or a snapshot CSV with "
            "columns constellation, prn, azimuth, elevation (degrees) — predicts the number of line-of-sight "
            "satellites (all, and BeiDou) and the HDOP of the LOS satellites alone (one receiver clock per "
            "constellation), for a receiver the given height above the ground. A satellite is LOS in a cell when "
            "its elevation is above the DSM's horizon there in its azimuth; satellites below the elevation mask "
            "are not used. Where fewer than 4 satellites (plus one per extra constellation) are LOS, HDOP is "
            "no-data: positioning from direct signals fails there. Cells inside buildings are no-data."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.add_surface_parameters()
        self.addParameter(
            QgsProcessingParameterFile(
                self.LOG,
                self.tr("NMEA log (satellites of one epoch)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=_NMEA_FILTER,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.TIME, self.tr("Epoch time (UTC, e.g. 2024-03-15 23:55:00; empty: fullest sky)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.SNAPSHOT,
                self.tr("Or a constellation snapshot (CSV)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=_CSV_FILTER,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.ELEVATION_MASK,
                self.tr("Elevation mask (°)"),
                QgsProcessingParameterNumber.Type.Double,
                10.0,
                minValue=0.0,
                maxValue=89.0,
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.LOS_COUNT, self.tr("LOS satellites")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(self.BEIDOU_COUNT, self.tr("LOS BeiDou satellites"), optional=True)
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.HDOP, self.tr("LOS-only HDOP")))
        self.addOutput(QgsProcessingOutputNumber(self.SATELLITES_USED, self.tr("Satellites above the mask")))
        self.addOutput(QgsProcessingOutputNumber(self.FAIL_SHARE, self.tr("Share of cells without a LOS fix")))

    def _sky(self, parameters, context, feedback):
        from ...layers.nmea import read_nmea
        from ..navcomm.availability import read_satellite_snapshot, satellites_from_log

        snapshot = self.parameterAsFile(parameters, self.SNAPSHOT, context)
        log_path = self.parameterAsFile(parameters, self.LOG, context)
        if snapshot and log_path:
            raise QgsProcessingException(self.tr("Give either an NMEA log or a snapshot file, not both."))
        if snapshot:
            return read_satellite_snapshot(snapshot)
        if not log_path:
            raise QgsProcessingException(self.tr("Give an NMEA log or a constellation snapshot file."))
        log = read_nmea(log_path, is_canceled=cancel_check(feedback))
        time = self.parameterAsString(parameters, self.TIME, context).strip() or None
        return satellites_from_log(log, time, source=log_path)

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import numpy as np

        from ..navcomm.availability import availability_grid

        sky = self._sky(parameters, context, feedback)
        feedback.pushInfo(self.tr("Sky: {what}.").format(what=sky.description))
        dsm, dtm = self.surfaces(parameters, context, feedback)
        mask = self.parameterAsDouble(parameters, self.ELEVATION_MASK, context)
        grid = availability_grid(
            dsm,
            sky,
            dtm,
            receiver_height=self.receiver_height(parameters, context),
            elevation_mask=mask,
            max_distance=self.max_distance(parameters, context),
            progress=lambda f: feedback.setProgress(95.0 * f),
            is_canceled=cancel_check(feedback),
        )
        outputs: dict[str, Any] = {}
        for name, values, kind in (
            (self.LOS_COUNT, grid.n_los, "los_count_raster"),
            (self.BEIDOU_COUNT, grid.n_los_beidou, "los_count_raster"),
            (self.HDOP, grid.hdop_los, "hdop_raster"),
        ):
            path = self.parameterAsOutputLayer(parameters, name, context)
            if path:
                dsm.write(values, path)
                style_on_load(context, path, kind, "navigation")
                outputs[name] = path
        outdoor = np.isfinite(grid.n_los)
        fail = float((~np.isfinite(grid.hdop_los) & outdoor).sum() / max(outdoor.sum(), 1))
        feedback.pushInfo(self.tr("{share:.1%} of outdoor cells have no LOS-only fix.").format(share=fail))
        outputs[self.SATELLITES_USED] = int((sky.table["elevation_deg"] >= mask).sum())
        outputs[self.FAIL_SHARE] = fail
        return outputs


GNSS_ALGORITHMS = (SkyViewAlgorithm, GnssLosAlgorithm, GnssAvailabilityAlgorithm)
