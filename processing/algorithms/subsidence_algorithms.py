"""Processing algorithms of ground subsidence monitoring (地面沉降监测), QGIS adapter tier.

``fittimeseries``, ``decomposelos``, ``subsidencerate``, ``subsidencehotspots`` and
``buildingrisk``: thin wrappers around :mod:`..timeseries` / :mod:`..ps_fit_file`,
:mod:`..decomposition`, :mod:`..rate_surface`, :mod:`..hotspots` and
:mod:`..building_risk`. Bulk point layers stored in files are read with pyogrio; other
layers (memory, databases, a selection) through their features.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsProcessingParameterVectorLayer,
    QgsProviderRegistry,
)

from ..qgis_algorithm import CityTwinAlgorithm, cancel_check, progress_callback
from ..qgis_frames import projected, require_crs, source_to_frame, style_on_load, write_frame

_CORE = ("numpy", "scipy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio")


def _file_of(layer) -> tuple[str, str | None] | None:
    """(path, layer name) of a vector layer stored in a file OGR reads, else None."""
    if layer is None or layer.providerType() not in ("ogr", "delimitedtext") or layer.subsetString():
        return None
    parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
    path = parts.get("path") or ""
    if not path:
        return None
    return path, parts.get("layerName") or None


class SubsidenceMessages:
    """Translation context of this module's helper functions (pylupdate5 files ``SubsidenceMessages.tr``
    strings under it; ``algorithm.tr`` in a function would be filed under the context "algorithm")."""

    @staticmethod
    def tr(text: str) -> str:
        from qgis.PyQt.QtCore import QCoreApplication

        return QCoreApplication.translate("SubsidenceMessages", text)


def _read_points(algorithm, parameters, name: str, context, fields: list[str], feedback):
    """GeoDataFrame of a point parameter with ``fields`` (pyogrio for files, features otherwise)."""
    import geopandas as gpd

    source = algorithm.parameterAsSource(parameters, name, context)
    if source is None:
        raise QgsProcessingException(algorithm.invalidSourceError(parameters, name))
    layer = algorithm.parameterAsVectorLayer(parameters, name, context)
    selected = bool(getattr(parameters.get(name), "selectedFeaturesOnly", False))
    found = None if selected else _file_of(layer)
    wanted = [f for f in fields if f]
    if found is not None and found[0].lower().endswith(".csv"):
        # OGR takes an EGMS header of dates for data (field_1, ...): CityTwin's reader reads it.
        return _read_egms_points(found[0], wanted, feedback)
    missing = [f for f in wanted if source.fields().indexOf(f) < 0]
    if missing:
        raise QgsProcessingException(
            SubsidenceMessages.tr("Layer '{layer}' has no field '{field}'.").format(
                layer=source.sourceName(), field=missing[0]
            )
        )
    crs = require_crs(source)
    if found is not None:
        import pyogrio

        frame = pyogrio.read_dataframe(found[0], layer=found[1], columns=wanted)
    else:
        frame = source_to_frame(source, wanted, feedback)
    frame = gpd.GeoDataFrame(frame, geometry=frame.geometry.set_crs(crs.toWkt(), allow_override=True))
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.empty:
        raise QgsProcessingException(
            SubsidenceMessages.tr("Layer '{layer}' has no point with a geometry.").format(layer=source.sourceName())
        )
    return frame, source.sourceName()


def _read_egms_points(path: str, fields: list[str], feedback):
    """The points of an EGMS CSV (positions and CRS as :func:`layers.insar.read_egms_csv` gives them)."""
    from pathlib import Path

    from ...layers.insar import read_egms_csv

    dataset = read_egms_csv(path, progress=progress_callback(feedback), is_canceled=cancel_check(feedback))
    for note in dataset.report.notes:
        feedback.pushInfo(note)
    points = dataset.points
    missing = [f for f in fields if f not in points.columns]
    if missing:
        raise QgsProcessingException(
            SubsidenceMessages.tr("Layer '{layer}' has no field '{field}'.").format(layer=path, field=missing[0])
        )
    return points[[*fields, points.geometry.name]], Path(path).stem


class _SubsidenceAlgorithm(CityTwinAlgorithm):
    GROUP_ID = "subsidence"
    REQUIRED_MODULES = _CORE
    OUTPUT = "OUTPUT"


class FitTimeSeriesAlgorithm(_SubsidenceAlgorithm):
    """Per-point least-squares fit of PS displacement series."""

    INPUT = "INPUT"
    SOURCE_CRS = "SOURCE_CRS"
    UNIT = "UNIT"
    VELOCITY = "VELOCITY"
    ACCELERATION = "ACCELERATION"
    ANNUAL = "ANNUAL"
    SEMIANNUAL = "SEMIANNUAL"
    STEPS = "STEPS"
    REFERENCE_POINT = "REFERENCE_POINT"
    REFERENCE_RADIUS = "REFERENCE_RADIUS"
    KEEP_SERIES = "KEEP_SERIES"
    FITTED = "FITTED"
    UNITS = ("mm", "cm", "m")

    def name(self) -> str:
        return "fittimeseries"

    def displayName(self) -> str:
        return self.tr("Fit displacement time series")

    def tags(self) -> list[str]:
        return self.tr("insar,ps,egms,velocity,acceleration,seasonal,time series,subsidence,mintpy").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Fits each persistent scatterer's displacement series by least squares: offset, velocity (mm/yr), "
            "acceleration (mm/yr², k! convention: d = c + v·t + a·t²/2), annual and semi-annual terms (amplitude "
            "in mm and phase in degrees of A·cos(2πkτ − φ), τ from 1 January) and steps at the given dates (mm). "
            "Per point: each coefficient and its standard deviation from the residual variance (σ² = eᵀe/(N − P), "
            "C = σ²(GᵀG)⁻¹), the RMSE, the number of epochs used and the modelled cumulative displacement over "
            "the period. Missing epochs are skipped per point; a point with too few epochs gets a fit_flag.\n"
            "Input: an EGMS CSV (YYYYMMDD columns) or a point layer with D_YYYYMMDD / DYYYYMMDD / YYYYMMDD fields, "
            "displacements in the chosen unit. Optional reference: the series are re-referenced to the mean of "
            "the points within the radius of the reference point (radius 0: the nearest point). The file is read "
            "and written in chunks, so a whole city fits in memory."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.INPUT, self.tr("PS points or EGMS CSV"), [QgsProcessing.SourceType.TypeVector]
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(self.UNIT, self.tr("Displacement unit of the input"), self.UNITS, False, 0)
        )
        for name, label, default in (
            (self.VELOCITY, self.tr("Velocity"), True),
            (self.ACCELERATION, self.tr("Acceleration"), False),
            (self.ANNUAL, self.tr("Annual seasonal term"), True),
            (self.SEMIANNUAL, self.tr("Semi-annual seasonal term"), False),
        ):
            self.addParameter(QgsProcessingParameterBoolean(name, label, defaultValue=default))
        self.addParameter(
            QgsProcessingParameterString(
                self.STEPS, self.tr("Steps at dates (YYYY-MM-DD, comma separated)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterPoint(self.REFERENCE_POINT, self.tr("Reference (stable) point"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.REFERENCE_RADIUS,
                self.tr("Reference radius in metres (0 = the nearest point)"),
                QgsProcessingParameterNumber.Type.Double,
                0.0,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.KEEP_SERIES, self.tr("Write the series as D_YYYYMMDD fields (for the plot)"), defaultValue=True
            )
        )
        crs = QgsProcessingParameterCrs(
            self.SOURCE_CRS, self.tr("CRS of a CSV without latitude/longitude"), optional=True
        )
        crs.setFlags(crs.flags() | crs.FlagAdvanced)
        self.addParameter(crs)
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.OUTPUT, self.tr("Fitted PS points"), QgsProcessing.SourceType.TypeVectorPoint
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.FITTED, self.tr("Points fitted")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import tempfile

        from ...layers.insar import date_columns
        from ..ps_fit_file import fit_ps_file
        from ..timeseries import ModelTerms, parse_step_dates

        layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if layer is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        found = _file_of(layer)
        is_csv = found is not None and found[0].lower().endswith(".csv")
        # OGR may read an EGMS CSV's numeric header as data (field_1, ...): the core reads its header itself.
        if not is_csv and not date_columns([f.name() for f in layer.fields()], source=layer.name()):
            raise QgsProcessingException(
                self.tr(
                    "Layer '{layer}' has no date fields (YYYYMMDD, D_YYYYMMDD or DYYYYMMDD) holding displacements."
                ).format(layer=layer.name())
            )
        steps = parse_step_dates(self.parameterAsString(parameters, self.STEPS, context) or "", source=self.STEPS)
        terms = ModelTerms(
            velocity=self.parameterAsBoolean(parameters, self.VELOCITY, context),
            acceleration=self.parameterAsBoolean(parameters, self.ACCELERATION, context),
            annual=self.parameterAsBoolean(parameters, self.ANNUAL, context),
            semiannual=self.parameterAsBoolean(parameters, self.SEMIANNUAL, context),
            steps=steps,
        )
        source_crs = self.parameterAsCrs(parameters, self.SOURCE_CRS, context)
        target = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        feedback.pushInfo(self.tr("Model: {model}").format(model=terms.describe()))
        with tempfile.TemporaryDirectory(prefix="citytwin-ps-") as work:
            found = found or self._export(layer, context, work)
            report = fit_ps_file(
                found[0],
                target,
                terms,
                unit=self.UNITS[self.parameterAsEnum(parameters, self.UNIT, context)],
                layer=found[1],
                crs=source_crs.toWkt() if source_crs.isValid() else None,
                reference=self._reference(parameters, context),
                keep_series=self.parameterAsBoolean(parameters, self.KEEP_SERIES, context),
                progress=progress_callback(feedback),
                is_canceled=cancel_check(feedback),
            )
        for note in report.notes:
            feedback.pushInfo(note)
        for flag, count in report.flagged.items():
            feedback.reportError(self.tr("{count} point(s) not fitted: {reason}").format(count=count, reason=flag))
        feedback.pushInfo(
            self.tr("{fitted} of {points} points fitted over {dates} dates.").format(
                fitted=report.fitted, points=report.n_points, dates=report.n_dates
            )
        )
        style_on_load(context, target, "ps_fit" if terms.velocity else "ps_points", "monitoring")
        return {self.OUTPUT: target, self.FITTED: report.fitted}

    def _reference(self, parameters, context):
        from ..ps_fit_file import Reference

        if not parameters.get(self.REFERENCE_POINT):
            return None
        point = self.parameterAsPoint(parameters, self.REFERENCE_POINT, context)
        crs = self.parameterAsPointCrs(parameters, self.REFERENCE_POINT, context)
        radius = self.parameterAsDouble(parameters, self.REFERENCE_RADIUS, context)
        return Reference(point.x(), point.y(), radius, crs=crs.toWkt() if crs.isValid() else None)

    def _export(self, layer, context, folder: str) -> tuple[str, str]:
        """A layer not stored in a file (memory, database) written to a temporary GeoPackage."""
        from pathlib import Path

        from qgis.core import QgsVectorFileWriter

        path = Path(folder) / "ps.gpkg"
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = "ps"
        error = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(path), context.transformContext(), options)
        if error[0] != QgsVectorFileWriter.WriterError.NoError:
            raise QgsProcessingException(error[1])
        return str(path), "ps"


class DecomposeLosAlgorithm(_SubsidenceAlgorithm):
    """Vertical and east-west velocity from ascending and descending LOS velocities."""

    ASCENDING = "ASCENDING"
    DESCENDING = "DESCENDING"
    ASC_FIELD = "ASC_FIELD"
    DESC_FIELD = "DESC_FIELD"
    MAX_DISTANCE = "MAX_DISTANCE"
    PAIRS = "PAIRS"

    def name(self) -> str:
        return "decomposelos"

    def displayName(self) -> str:
        return self.tr("Vertical and east-west decomposition")

    def tags(self) -> list[str]:
        return self.tr("insar,los,ascending,descending,vertical,east,decomposition,egms,l3").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Combines an ascending and a descending line-of-sight (LOS) velocity layer into vertical (up positive) "
            "and east-west (east positive) velocities, in the unit of the inputs (mm/yr). Each ascending point is "
            "paired with the nearest descending point within the distance when each is the other's nearest; the "
            "result lies at the pair's midpoint. LOS unit vectors come from the EGMS fields los_east / los_north "
            "/ los_up, else from incidence_angle and track_angle (right-looking SAR: e = −sinθ·cosα, n = sinθ·sinα, "
            "u = cosθ). The north-south component is neglected, as is standard for polar-orbit SAR (the LOS is "
            "nearly perpendicular to north): a north-south motion adds about los_north·vN to each LOS. Standard "
            "deviations are propagated when the inputs have mean_velocity_std or vel_sd."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        for layer_name, field_name, label in (
            (self.ASCENDING, self.ASC_FIELD, self.tr("Ascending")),
            (self.DESCENDING, self.DESC_FIELD, self.tr("Descending")),
        ):
            self.addParameter(
                QgsProcessingParameterFeatureSource(
                    layer_name,
                    self.tr("{track} LOS points").format(track=label),
                    [QgsProcessing.SourceType.TypeVectorPoint],
                )
            )
            self.addParameter(
                QgsProcessingParameterField(
                    field_name,
                    self.tr("{track} LOS velocity field (mm/yr)").format(track=label),
                    "mean_velocity",
                    layer_name,
                    QgsProcessingParameterField.DataType.Numeric,
                    optional=True,  # QGIS 3.22 rejects a missing field value despite its default
                )
            )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.MAX_DISTANCE,
                self.tr("Pairing distance"),
                defaultValue=30.0,
                parentParameterName=self.ASCENDING,
                minValue=0.001,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Vertical and east-west velocity"), QgsProcessing.SourceType.TypeVectorPoint
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.PAIRS, self.tr("Pairs")))

    def _geometry(self, parameters, layer_name, field_name, context, feedback, crs=None):
        import numpy as np

        from ..decomposition import Geometry, los_from_angles

        source = self.parameterAsSource(parameters, layer_name, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, layer_name))
        found = _file_of(self.parameterAsVectorLayer(parameters, layer_name, context))
        if found is not None and found[0].lower().endswith(".csv"):
            from ...layers.insar import csv_columns

            names = csv_columns(found[0])
        else:
            names = [f.name() for f in source.fields()]
        velocity = self.parameterAsString(parameters, field_name, context) or "mean_velocity"
        if {"los_east", "los_up"} <= set(names):
            los = ["los_east", "los_up"] + (["los_north"] if "los_north" in names else [])
        elif {"incidence_angle", "track_angle"} <= set(names):
            los = ["incidence_angle", "track_angle"]
        else:
            raise QgsProcessingException(
                self.tr(
                    "Layer '{layer}' has neither los_east/los_up nor incidence_angle/track_angle fields: the "
                    "line-of-sight direction is unknown."
                ).format(layer=source.sourceName())
            )
        sd = next((n for n in ("mean_velocity_std", "vel_sd") if n in names), None)
        frame, label = _read_points(self, parameters, layer_name, context, [velocity, *los, sd], feedback)
        frame = frame.to_crs(crs) if crs is not None else projected(frame, label, feedback)
        values = {name: frame[name].to_numpy(dtype=np.float64) for name in (velocity, *los) if name}
        if "los_east" in values:
            east, up, north = values["los_east"], values["los_up"], values.get("los_north")
        else:
            east, north, up = los_from_angles(values["incidence_angle"], values["track_angle"])
        geometry = Geometry(
            frame.geometry.x.to_numpy(),
            frame.geometry.y.to_numpy(),
            values[velocity],
            east,
            up,
            north,
            frame[sd].to_numpy(dtype=np.float64) if sd else None,
            name=label,
        )
        return geometry, frame

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import geopandas as gpd

        from ..decomposition import decompose

        asc, asc_frame = self._geometry(parameters, self.ASCENDING, self.ASC_FIELD, context, feedback)
        desc, _ = self._geometry(parameters, self.DESCENDING, self.DESC_FIELD, context, feedback, asc_frame.crs)
        distance = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context)
        result = decompose(asc, desc, distance)
        for note in result.notes:
            feedback.pushInfo(note)
        frame = gpd.GeoDataFrame(
            {
                "vertical": result.vertical,
                "east": result.east,
                "vertical_sd": result.vertical_sd,
                "east_sd": result.east_sd,
                "pair_dist": result.distance,
                "asc_row": result.asc_index + 1,
                "desc_row": result.desc_index + 1,
            },
            geometry=gpd.points_from_xy(result.x, result.y),
            crs=asc_frame.crs,
        )
        dest = write_frame(self, parameters, self.OUTPUT, context, frame, feedback)
        style_on_load(context, dest, "ps_vertical", "monitoring")
        return {self.OUTPUT: dest, self.PAIRS: len(frame)}


class RateSurfaceAlgorithm(_SubsidenceAlgorithm):
    """Velocity raster interpolated from PS points."""

    INPUT = "INPUT"
    FIELD = "FIELD"
    CELL_SIZE = "CELL_SIZE"
    RADIUS = "RADIUS"
    POWER = "POWER"
    MIN_POINTS = "MIN_POINTS"
    MAX_POINTS = "MAX_POINTS"

    def name(self) -> str:
        return "subsidencerate"

    def displayName(self) -> str:
        return self.tr("Subsidence rate surface")

    def tags(self) -> list[str]:
        return self.tr("insar,velocity,raster,interpolation,idw,subsidence,rate").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Interpolates point velocities (mm/yr) to a raster by inverse distance weighting with a search radius "
            "(Shepard 1968; as GDAL's invdistnn): each cell takes Σwᵢvᵢ/Σwᵢ, wᵢ = 1/dᵢᵖ, over at most the "
            "maximum number of nearest points within the radius. Cells with fewer than the minimum number of "
            "points in their search circle stay nodata (−9999): the surface is masked where points are too sparse "
            "instead of being extrapolated. Float32 GeoTIFF in the points' CRS (a projected one: geographic "
            "inputs are computed in their UTM zone)."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT, self.tr("PS points"), [QgsProcessing.SourceType.TypeVectorPoint]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.FIELD,
                self.tr("Velocity field (mm/yr)"),
                "vel",
                self.INPUT,
                QgsProcessingParameterField.DataType.Numeric,
                optional=True,  # QGIS 3.22 rejects a missing field value despite its default
            )
        )
        for name, label, default, minimum in (
            (self.CELL_SIZE, self.tr("Cell size"), 20.0, 0.01),
            (self.RADIUS, self.tr("Search radius"), 100.0, 0.01),
        ):
            self.addParameter(
                QgsProcessingParameterDistance(
                    name, label, defaultValue=default, parentParameterName=self.INPUT, minValue=minimum
                )
            )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.POWER, self.tr("Power"), QgsProcessingParameterNumber.Type.Double, 2.0, minValue=0.1
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_POINTS,
                self.tr("Fewest points in the search circle"),
                QgsProcessingParameterNumber.Type.Integer,
                3,
                minValue=1,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_POINTS, self.tr("Most points used"), QgsProcessingParameterNumber.Type.Integer, 12, minValue=1
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Rate surface (mm/yr)")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import numpy as np

        from ...twin.terrain import write_geotiff
        from ..rate_surface import idw_surface

        field = self.parameterAsString(parameters, self.FIELD, context) or "vel"
        frame, label = _read_points(self, parameters, self.INPUT, context, [field], feedback)
        frame = projected(frame, label, feedback)
        surface = idw_surface(
            frame.geometry.x.to_numpy(),
            frame.geometry.y.to_numpy(),
            frame[field].to_numpy(dtype=np.float64),
            self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            self.parameterAsDouble(parameters, self.RADIUS, context),
            power=self.parameterAsDouble(parameters, self.POWER, context),
            min_points=self.parameterAsInt(parameters, self.MIN_POINTS, context),
            max_points=self.parameterAsInt(parameters, self.MAX_POINTS, context),
            progress=progress_callback(feedback),
            is_canceled=cancel_check(feedback),
        )
        masked = int(np.count_nonzero(surface.values == surface.nodata))
        feedback.pushInfo(
            self.tr("{cells} cells, {masked} masked (too few points within the radius).").format(
                cells=surface.values.size, masked=masked
            )
        )
        target = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        write_geotiff(surface.values, surface.spec, frame.crs.to_wkt(), target, surface.nodata)
        style_on_load(context, target, "velocity_raster", "monitoring")
        return {self.OUTPUT: target}


class HotspotsAlgorithm(_SubsidenceAlgorithm):
    """Significant clusters of moving PS points."""

    INPUT = "INPUT"
    FIELD = "FIELD"
    METHOD = "METHOD"
    BAND = "BAND"
    ALPHA = "ALPHA"
    K_SIGMA = "K_SIGMA"
    MIN_POINTS = "MIN_POINTS"
    KINDS = "KINDS"
    POINTS = "POINTS"
    CLUSTERS = "CLUSTERS"
    METHODS = ("gistar_fdr", "ada")

    def name(self) -> str:
        return "subsidencehotspots"

    def displayName(self) -> str:
        return self.tr("Subsidence hotspots")

    def tags(self) -> list[str]:
        return self.tr("insar,hotspot,getis,ord,gi*,fdr,ada,cluster,subsidence").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Finds significant clusters of moving PS points.\n"
            "• Getis-Ord Gi* (Ord & Getis 1995) with binary distance-band weights including the point itself; "
            "two-sided p-values corrected for multiple testing by the Benjamini-Hochberg false discovery rate; "
            "significant points of the same sign linked within the band form a cluster.\n"
            "• ADA (active deformation areas, Barra et al. 2017): points moving faster than k·σ, σ the robust "
            "spread of the velocities (1.4826·MAD), linked within the band.\n"
            "Clusters with at least the minimum number of points become polygons (the points buffered by half "
            "the band) with point count, mean / min / max velocity (mm/yr) and area (m²). Band 0: chosen from "
            "the data (distance with about 8 neighbours per point), given in the log. Gi* compares each "
            "neighbourhood with the layer's mean: where most points subside, stable ground forms 'uplifting' "
            "(relatively high) clusters, so by default only subsiding clusters are kept."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT, self.tr("PS points"), [QgsProcessing.SourceType.TypeVectorPoint]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.FIELD,
                self.tr("Velocity field (mm/yr)"),
                "vel",
                self.INPUT,
                QgsProcessingParameterField.DataType.Numeric,
                optional=True,  # QGIS 3.22 rejects a missing field value despite its default
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD,
                self.tr("Method"),
                [self.tr("Getis-Ord Gi* with false discovery rate"), self.tr("Active deformation areas (k·σ)")],
                False,
                0,
            )
        )
        self.addParameter(
            QgsProcessingParameterDistance(
                self.BAND, self.tr("Neighbourhood distance (0 = automatic)"), 0.0, self.INPUT, minValue=0.0
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.ALPHA,
                self.tr("False discovery rate (Gi*)"),
                QgsProcessingParameterNumber.Type.Double,
                0.05,
                minValue=0.0001,
                maxValue=0.5,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.K_SIGMA,
                self.tr("Stability threshold in σ (ADA)"),
                QgsProcessingParameterNumber.Type.Double,
                2.0,
                minValue=0.5,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_POINTS,
                self.tr("Fewest points per cluster"),
                QgsProcessingParameterNumber.Type.Integer,
                5,
                minValue=1,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.KINDS,
                self.tr("Clusters to keep"),
                [self.tr("Subsiding only"), self.tr("Subsiding and uplifting")],
                False,
                0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Hotspots"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.POINTS,
                self.tr("Points with statistics"),
                QgsProcessing.SourceType.TypeVectorPoint,
                optional=True,
                createByDefault=False,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.CLUSTERS, self.tr("Clusters")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import geopandas as gpd
        import numpy as np

        from ..hotspots import find_hotspots

        field = self.parameterAsString(parameters, self.FIELD, context) or "vel"
        frame, label = _read_points(self, parameters, self.INPUT, context, [field], feedback)
        frame = projected(frame, label, feedback)
        band = self.parameterAsDouble(parameters, self.BAND, context)
        result = find_hotspots(
            frame.geometry.x.to_numpy(),
            frame.geometry.y.to_numpy(),
            frame[field].to_numpy(dtype=np.float64),
            crs=frame.crs,
            method=self.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
            band=band if band > 0 else None,
            alpha=self.parameterAsDouble(parameters, self.ALPHA, context),
            k_sigma=self.parameterAsDouble(parameters, self.K_SIGMA, context),
            min_points=self.parameterAsInt(parameters, self.MIN_POINTS, context),
            progress=progress_callback(feedback),
            is_canceled=cancel_check(feedback),
        )
        for note in result.notes:
            feedback.pushInfo(note)
        clusters = result.clusters
        if self.parameterAsEnum(parameters, self.KINDS, context) == 0:
            clusters = clusters[clusters["kind"] == "subsiding"]
        dest = write_frame(self, parameters, self.OUTPUT, context, clusters, feedback)
        style_on_load(context, dest, "hotspots", "monitoring")
        outputs = {self.OUTPUT: dest, self.CLUSTERS: len(clusters)}
        if parameters.get(self.POINTS) is not None:
            points = gpd.GeoDataFrame(
                result.points.reset_index(drop=True), geometry=frame.geometry.reset_index(drop=True), crs=frame.crs
            )
            points.insert(0, field, frame[field].to_numpy())
            outputs[self.POINTS] = write_frame(self, parameters, self.POINTS, context, points, feedback)
        return outputs


class BuildingRiskAlgorithm(_SubsidenceAlgorithm):
    """Differential settlement, tilt, angular distortion and damage class per building."""

    BUILDINGS = "BUILDINGS"
    POINTS = "POINTS"
    FIELD = "FIELD"
    FIELD_KIND = "FIELD_KIND"
    YEARS = "YEARS"
    BUFFER = "BUFFER"
    MIN_POINTS = "MIN_POINTS"
    MIN_SEPARATION = "MIN_SEPARATION"
    AT_RISK = "AT_RISK"

    def name(self) -> str:
        return "buildingrisk"

    def displayName(self) -> str:
        return self.tr("Building damage risk from subsidence")

    def tags(self) -> list[str]:
        return self.tr("insar,building,damage,risk,angular distortion,tilt,settlement,skempton,bjerrum").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "For each building footprint, from the PS points on it or within the buffer: settlement (mm, positive "
            "downwards) mean and maximum, differential settlement (max − min), rigid-body tilt ω (rad, gradient "
            "of the least-squares plane, with its downward azimuth), angular distortion β = max |Δs|/L over pairs "
            "of points at least the minimum separation apart (Skempton & MacDonald 1956), β after removing the "
            "tilt (Burland & Wroth 1974), and a damage class from β with the limits of Skempton & MacDonald "
            "(1956) and Bjerrum (1963): negligible < 1/5000 ≤ very slight < 1/500 ≤ slight (cracking in panel "
            "walls) < 1/300 ≤ moderate (structural damage possible) < 1/150 ≤ severe.\n"
            "Settlement comes from a field holding either cumulative vertical displacement (mm, up positive, e.g. "
            "cum_disp of the fit) or vertical velocity (mm/yr, up positive) multiplied by a number of years. "
            "Buildings with too few points are kept with an empty class and a flag. The input layers are not "
            "modified; points are taken to the buildings' CRS."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.BUILDINGS, self.tr("Building footprints"), [QgsProcessing.SourceType.TypeVectorPolygon]
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.POINTS, self.tr("PS points (vertical)"), [QgsProcessing.SourceType.TypeVectorPoint]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.FIELD,
                self.tr("Displacement or velocity field"),
                "cum_disp",
                self.POINTS,
                QgsProcessingParameterField.DataType.Numeric,
                optional=True,  # QGIS 3.22 rejects a missing field value despite its default
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.FIELD_KIND,
                self.tr("The field holds"),
                [
                    self.tr("Cumulative vertical displacement (mm, up positive)"),
                    self.tr("Vertical velocity (mm/yr, up positive) × years"),
                ],
                False,
                0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.YEARS,
                self.tr("Years (for a velocity)"),
                QgsProcessingParameterNumber.Type.Double,
                10.0,
                minValue=0.01,
            )
        )
        for name, label, default in (
            (self.BUFFER, self.tr("Buffer around footprints"), 5.0),
            (self.MIN_SEPARATION, self.tr("Shortest distance between two points for β"), 5.0),
        ):
            self.addParameter(QgsProcessingParameterDistance(name, label, default, self.BUILDINGS, minValue=0.0))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_POINTS,
                self.tr("Fewest points per building"),
                QgsProcessingParameterNumber.Type.Integer,
                3,
                minValue=2,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Buildings at risk"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.AT_RISK, self.tr("Buildings in class slight or worse")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import numpy as np

        from ..building_risk import FIELD_DESCRIPTIONS, building_risk

        buildings_source = self.parameterAsSource(parameters, self.BUILDINGS, context)
        if buildings_source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.BUILDINGS))
        require_crs(buildings_source)
        buildings = source_to_frame(buildings_source, None, feedback)
        buildings = projected(buildings, buildings_source.sourceName(), feedback)
        field = self.parameterAsString(parameters, self.FIELD, context) or "cum_disp"
        points, _ = _read_points(self, parameters, self.POINTS, context, [field], feedback)
        points = points.to_crs(buildings.crs)
        values = points[field].to_numpy(dtype=np.float64)
        if self.parameterAsEnum(parameters, self.FIELD_KIND, context) == 1:
            values = values * self.parameterAsDouble(parameters, self.YEARS, context)
        result = building_risk(
            buildings,
            points,
            -values,  # settlement is positive downwards
            buffer_m=self.parameterAsDouble(parameters, self.BUFFER, context),
            min_points=self.parameterAsInt(parameters, self.MIN_POINTS, context),
            min_separation_m=self.parameterAsDouble(parameters, self.MIN_SEPARATION, context),
            progress=progress_callback(feedback),
            is_canceled=cancel_check(feedback),
        )
        for name, text in FIELD_DESCRIPTIONS.items():
            feedback.pushDebugInfo(f"{name}: {text}")
        at_risk = int(result["damage_class"].isin(["slight", "moderate", "severe"]).sum())
        counts = result["damage_class"].replace("", "-").value_counts().to_dict()
        feedback.pushInfo(
            self.tr("Damage classes: {counts}").format(counts=", ".join(f"{k} {v}" for k, v in counts.items()))
        )
        dest = write_frame(self, parameters, self.OUTPUT, context, result, feedback, crs=None)
        style_on_load(context, dest, "building_risk", "monitoring")
        return {self.OUTPUT: dest, self.AT_RISK: at_risk}


SUBSIDENCE_ALGORITHMS = (
    FitTimeSeriesAlgorithm,
    DecomposeLosAlgorithm,
    RateSurfaceAlgorithm,
    HotspotsAlgorithm,
    BuildingRiskAlgorithm,
)
