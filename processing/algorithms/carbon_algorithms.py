"""Processing algorithms of carbon monitoring (碳排放管理), QGIS adapter tier.

``buildingemissions``, ``trafficemissions``, ``vegetationsink``, ``carbonledger`` and
``reconcileinventory``: thin wrappers around :mod:`..carbon` (the pure core). Every
algorithm takes an optional factor table (CSV/TOML); the shipped one is used otherwise,
and the rows behind a result are listed in the log and in the XLSX ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ...common.errors import Canceled
from ..qgis_algorithm import CityTwinAlgorithm, cancel_check, progress_callback
from ..qgis_frames import projected, require_crs, source_to_frame, style_on_load, write_frame

_CORE = ("numpy", "pandas", "geopandas", "shapely", "pyproj")
_FACTOR_FILTER = "Factor tables (*.csv *.toml)"


class CarbonMessages:
    """Translation context of this module's helper functions."""

    @staticmethod
    def tr(text: str) -> str:
        from qgis.PyQt.QtCore import QCoreApplication

        return QCoreApplication.translate("CarbonMessages", text)


def _add_factor_parameter(algorithm) -> None:
    parameter = QgsProcessingParameterFile(
        algorithm.FACTORS,
        CarbonMessages.tr("Factor table (CSV or TOML; empty: the shipped Chinese defaults)"),
        behavior=QgsProcessingParameterFile.Behavior.File,
        fileFilter=_FACTOR_FILTER,
        optional=True,
    )
    algorithm.addParameter(parameter)


def _factors(algorithm, parameters, context, feedback):
    from ..carbon.factors import load_factor_table

    path = algorithm.parameterAsFile(parameters, algorithm.FACTORS, context)
    table = load_factor_table(path or None)
    feedback.pushInfo(
        CarbonMessages.tr("Factor table: {path} ({rows} rows)").format(path=table.source, rows=len(table))
    )
    return table


def _log_factors(feedback, rows) -> None:
    for row in rows:
        indicative = CarbonMessages.tr(" (indicative)") if row.indicative else ""
        feedback.pushInfo(f"  {row.reference}: {row.value:g} {row.canonical_unit}{indicative} — {row.source}")


def _frame(algorithm, parameters, name, context, feedback, fields=None):
    """GeoDataFrame of a feature-source parameter, in a projected CRS (metres)."""
    source = algorithm.parameterAsSource(parameters, name, context)
    if source is None:
        raise QgsProcessingException(algorithm.invalidSourceError(parameters, name))
    require_crs(source)
    missing = [f for f in (fields or []) if f and source.fields().indexOf(f) < 0]
    if missing:
        raise QgsProcessingException(
            CarbonMessages.tr("Layer '{layer}' has no field '{field}'.").format(
                layer=source.sourceName(), field=missing[0]
            )
        )
    frame = source_to_frame(source, None, feedback)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.empty:
        raise QgsProcessingException(
            CarbonMessages.tr("Layer '{layer}' has no feature with a geometry.").format(layer=source.sourceName())
        )
    return projected(frame, source.sourceName(), feedback), source.sourceName()


def _metres(name: str, label: str, default: float, minimum: float) -> QgsProcessingParameterNumber:
    """A length in metres. Not a QgsProcessingParameterDistance: layers in latitude/longitude are
    projected to UTM before any length is used, so the layer's own unit (degrees) would mislead."""
    return QgsProcessingParameterNumber(
        name, label, QgsProcessingParameterNumber.Type.Double, default, minValue=minimum
    )


class _CarbonAlgorithm(CityTwinAlgorithm):
    GROUP_ID = "carbon"
    REQUIRED_MODULES = _CORE
    FACTORS = "FACTORS"
    OUTPUT = "OUTPUT"


class BuildingEmissionsAlgorithm(_CarbonAlgorithm):
    """Operational CO2 of buildings from floor area, use and emission factors."""

    INPUT = "INPUT"
    USE_FIELD = "USE_FIELD"
    FLOORS_FIELD = "FLOORS_FIELD"
    HEIGHT_FIELD = "HEIGHT_FIELD"
    REGION = "REGION"
    HEATING = "HEATING"
    TOTAL = "TOTAL"
    FLAGGED = "FLAGGED"

    def name(self) -> str:
        return "buildingemissions"

    def displayName(self) -> str:
        return self.tr("Building operational emissions")

    def tags(self) -> list[str]:
        return self.tr("carbon,co2,building,energy,electricity,heating,emission factor,floor area").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Operational CO2 of each building, in tCO2/yr. Floor area = footprint area × floors; floors come from "
            "the floors field, or from the height (e.g. pc_height_m of 'Building heights from point cloud') ÷ the "
            "storey height of the building's use. Electricity = floor area × electricity intensity of the use "
            "(kWh/m²/yr) × the regional grid emission factor (kgCO2/kWh; defaults: Ministry of Ecology and "
            "Environment and National Bureau of Statistics, 2022: North China 0.6776, national 0.5366, …). Heating "
            "= floor area × heating intensity × the heating system's factor (district heat 0.11 tCO2/GJ, gas or "
            "coal boilers from IPCC 2006 fuel factors). Uses: residential, office, commercial, public, industrial "
            "(Chinese and OSM spellings are recognised). Intensities by use are indicative defaults (order of GB/T "
            "51161-2016): give your own factor table for real accounting.\n"
            "Every output row carries the factors used and the table rows they came from (factor_refs). A building "
            "with an unknown use, or with neither floors nor height, gets a flag and empty results, never a zero."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        from ..carbon.names import GRID_REGIONS, HEATING_SYSTEMS

        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT, self.tr("Building footprints"), [QgsProcessing.SourceType.TypeVectorPolygon]
            )
        )
        for name, label, default, kind in (
            (self.USE_FIELD, self.tr("Use field"), "use", QgsProcessingParameterField.DataType.Any),
            (self.FLOORS_FIELD, self.tr("Floors field"), "floors", QgsProcessingParameterField.DataType.Numeric),
            (self.HEIGHT_FIELD, self.tr("Height field (m)"), "height", QgsProcessingParameterField.DataType.Numeric),
        ):
            # Optional: QGIS 3.22 rejects a missing field value despite its default.
            self.addParameter(QgsProcessingParameterField(name, label, default, self.INPUT, kind, optional=True))
        self.addParameter(
            QgsProcessingParameterEnum(self.REGION, self.tr("Power grid region"), list(GRID_REGIONS), False, 0)
        )
        self.addParameter(
            QgsProcessingParameterEnum(self.HEATING, self.tr("Heating system"), list(HEATING_SYSTEMS), False, 0)
        )
        _add_factor_parameter(self)
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Building emissions"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.TOTAL, self.tr("Total tCO2/yr")))
        self.addOutput(QgsProcessingOutputNumber(self.FLAGGED, self.tr("Buildings without a result")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import pandas as pd

        from ..carbon.buildings import FIELDS, building_emissions
        from ..carbon.names import GRID_REGIONS, HEATING_SYSTEMS

        factors = _factors(self, parameters, context, feedback)
        use = self.parameterAsString(parameters, self.USE_FIELD, context) or "use"
        floors = self.parameterAsString(parameters, self.FLOORS_FIELD, context)
        height = self.parameterAsString(parameters, self.HEIGHT_FIELD, context)
        frame, label = _frame(self, parameters, self.INPUT, context, feedback, [use, floors, height])
        if not floors and not height:
            raise QgsProcessingException(self.tr("Give a floors field, a height field or both."))
        region = GRID_REGIONS[self.parameterAsEnum(parameters, self.REGION, context)]
        heating = HEATING_SYSTEMS[self.parameterAsEnum(parameters, self.HEATING, context)]
        result = building_emissions(
            frame.geometry.area.to_numpy(),
            frame[use].tolist(),
            factors,
            floors=frame[floors].tolist() if floors else None,
            height_m=frame[height].tolist() if height else None,
            region=region,
            heating=heating,
        )
        keep = [c for c in frame.columns if c not in FIELDS and c != frame.geometry.name]
        out = pd.concat([frame[keep].reset_index(drop=True), result], axis=1)
        out = frame[[frame.geometry.name]].reset_index(drop=True).join(out)
        flagged = result[result["flag"] != ""]
        for reason, count in flagged["flag"].str.split(" \\(").str[0].value_counts().items():
            feedback.reportError(
                self.tr("{count} building(s) without a result: {reason}").format(count=count, reason=reason)
            )
        total = float(result["co2_t"].sum())
        feedback.pushInfo(
            self.tr(
                "{n} buildings of '{layer}': {total:,.1f} tCO2/yr (electricity {elec:,.1f}, heating {heat:,.1f})."
            ).format(
                n=len(result),
                layer=label,
                total=total,
                elec=result["co2_elec_t"].sum(),
                heat=result["co2_heat_t"].sum(),
            )
        )
        used = [("grid_ef", region), ("heat_ef", heating)]
        for u in sorted(set(result["use_class"]) - {""}):
            used += [("elec_intensity", u), ("heat_intensity", u), ("storey_height", u)]
        _log_factors(feedback, factors.used(used))
        import geopandas as gpd

        out = gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=frame.crs)
        dest = write_frame(self, parameters, self.OUTPUT, context, out, feedback)
        style_on_load(context, dest, "carbon_buildings", "monitoring")
        return {self.OUTPUT: dest, self.TOTAL: total, self.FLAGGED: len(flagged)}


def _seconds(values, label: str, field: str):
    """Seconds since 1970 of a time field (datetimes, ISO text or numbers of seconds)."""
    import numpy as np
    import pandas as pd

    series = pd.Series(values)
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=np.float64)
    times = pd.to_datetime(series, errors="coerce", utc=True)
    bad = times.isna() & series.notna()
    if bad.any():
        raise QgsProcessingException(
            CarbonMessages.tr("Layer '{layer}', field '{field}': '{value}' (feature {n}) is not a time.").format(
                layer=label, field=field, value=series[bad].iloc[0], n=int(np.flatnonzero(bad.to_numpy())[0]) + 1
            )
        )
    return (times - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy()


class TrafficEmissionsAlgorithm(_CarbonAlgorithm):
    """Road-traffic CO2 from GNSS trajectories with speed-dependent COPERT factors."""

    INPUT = "INPUT"
    TIME_FIELD = "TIME_FIELD"
    TRACK_FIELD = "TRACK_FIELD"
    FLEET = "FLEET"
    EXPANSION = "EXPANSION"
    ROADS = "ROADS"
    AADT_FIELD = "AADT_FIELD"
    SNAP = "SNAP"
    DEFAULT_SPEED = "DEFAULT_SPEED"
    CELL_SIZE = "CELL_SIZE"
    STOP_SPEED = "STOP_SPEED"
    MAX_SPEED = "MAX_SPEED"
    MAX_GAP = "MAX_GAP"
    TOTAL = "TOTAL"

    def name(self) -> str:
        return "trafficemissions"

    def displayName(self) -> str:
        return self.tr("Road-traffic emissions from GNSS trajectories")

    def tags(self) -> list[str]:
        return self.tr("carbon,co2,traffic,gnss,trajectory,copert,emep,speed,aadt,road").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Speeds from consecutive GNSS fixes of each track (distance ÷ time between fixes). Segments where time "
            "goes backwards or repeats, across a gap longer than the gap limit, or faster than the plausible "
            "maximum (a position jump) are excluded and counted in the log; slower than the stop speed is a stop "
            "(no distance driven). The CO2 emission factor is the EMEP/EEA (COPERT) speed function EF(v) = (αv² + "
            "βv + γ + δ/v)/(εv² + ζv + η)·(1 − RF) g/km, v in km/h clamped to each vehicle class's [vmin, vmax], "
            "averaged over the fleet shares (e.g. 'passenger_car_petrol:0.8, bus_diesel:0.2'; empty: the table's "
            "fleet_share rows). The shipped coefficients are indicative: replace them by the guidebook's.\n"
            "Without a road layer: probe emissions × expansion factor (fleet vehicle-km per probe vehicle-km in a "
            "year) summed on a grid of the cell size, tCO2/yr per cell. With a road layer and its AADT field: per "
            "road, EF(space-mean speed of the probes snapped to it) × length × AADT × 365, tCO2/yr; roads without "
            "probes take the default speed (flagged) or stay empty."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.INPUT, self.tr("GNSS fixes"), [QgsProcessing.SourceType.TypeVectorPoint]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(self.TIME_FIELD, self.tr("Time field"), "time", self.INPUT, optional=True)
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.TRACK_FIELD, self.tr("Track field (vehicle or trip id)"), None, self.INPUT, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(self.FLEET, self.tr("Fleet shares (class:share, …)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.EXPANSION,
                self.tr("Expansion factor (fleet vehicle-km per probe vehicle-km per year)"),
                QgsProcessingParameterNumber.Type.Double,
                1.0,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.ROADS, self.tr("Road lines (optional)"), [QgsProcessing.SourceType.TypeVectorLine], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.AADT_FIELD,
                self.tr("AADT field (vehicles/day)"),
                "aadt",
                self.ROADS,
                QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(_metres(self.SNAP, self.tr("Snap distance to roads (m)"), 25.0, 0.0))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.DEFAULT_SPEED,
                self.tr("Speed on roads without probes (km/h; empty: leave them empty)"),
                QgsProcessingParameterNumber.Type.Double,
                None,
                optional=True,
                minValue=1.0,
            )
        )
        self.addParameter(_metres(self.CELL_SIZE, self.tr("Grid cell size (m)"), 100.0, 1.0))
        for name, label, default in (
            (self.STOP_SPEED, self.tr("Stop below (km/h)"), 2.0),
            (self.MAX_SPEED, self.tr("Position jump above (km/h)"), 200.0),
            (self.MAX_GAP, self.tr("Longest gap between fixes (s)"), 60.0),
        ):
            parameter = QgsProcessingParameterNumber(
                name, label, QgsProcessingParameterNumber.Type.Double, default, minValue=0.0
            )
            parameter.setFlags(parameter.flags() | parameter.FlagAdvanced)
            self.addParameter(parameter)
        _add_factor_parameter(self)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Traffic emissions")))
        self.addOutput(QgsProcessingOutputNumber(self.TOTAL, self.tr("Total tCO2/yr")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import geopandas as gpd
        import numpy as np
        import pandas as pd

        from ...common.errors import InputError
        from ...layers.grid import GridSpec
        from ..carbon import traffic

        factors = _factors(self, parameters, context, feedback)
        time_field = self.parameterAsString(parameters, self.TIME_FIELD, context) or "time"
        track_field = self.parameterAsString(parameters, self.TRACK_FIELD, context)
        fixes, label = _frame(self, parameters, self.INPUT, context, feedback, [time_field, track_field])
        if (fixes.geom_type == "MultiPoint").any():
            fixes = fixes.explode(index_parts=False)  # one fix per point, the attributes repeated
        classes = traffic.copert_classes(factors)
        try:
            shares = traffic.parse_fleet(self.parameterAsString(parameters, self.FLEET, context), factors)
        except InputError as exc:
            raise QgsProcessingException(self.tr("Fleet shares: {error}").format(error=exc.message)) from None
        rules = traffic.TrajectoryRules(
            self.parameterAsDouble(parameters, self.STOP_SPEED, context),
            self.parameterAsDouble(parameters, self.MAX_SPEED, context),
            self.parameterAsDouble(parameters, self.MAX_GAP, context),
        )
        segments, report = traffic.trajectory_segments(
            fixes.geometry.x.to_numpy(),
            fixes.geometry.y.to_numpy(),
            _seconds(fixes[time_field].tolist(), label, time_field),
            fixes[track_field].to_numpy() if track_field else None,
            rules,
            source=label,
        )
        for note in report.notes():
            feedback.pushInfo(note)
        feedback.pushInfo(self.tr("Fleet: {fleet}").format(fleet=", ".join(f"{k} {v:.2f}" for k, v in shares.items())))
        used = [
            (f"copert_{c}", name)
            for name in shares
            for c in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "rf", "vmin", "vmax")
        ]
        _log_factors(feedback, factors.used(used))
        if parameters.get(self.ROADS):
            out = self._roads(parameters, context, feedback, fixes.crs, segments, classes, shares)
        else:
            expansion = self.parameterAsDouble(parameters, self.EXPANSION, context)
            co2 = traffic.segment_emissions(segments, classes, shares, expansion)
            ok = np.isfinite(co2)
            grid = GridSpec.covering(
                tuple(fixes.total_bounds), self.parameterAsDouble(parameters, self.CELL_SIZE, context)
            )
            ids = grid.cell_ids(segments["xm"].to_numpy()[ok], segments["ym"].to_numpy()[ok])
            moving = segments["status"].to_numpy()[ok] == "ok"
            per_cell = pd.DataFrame(
                {
                    "cell_id": ids,
                    "co2_t": co2[ok],
                    "km": segments["dist_m"].to_numpy()[ok] / 1000 * moving,
                    "hours": segments["dt_s"].to_numpy()[ok] / 3600 * moving,
                    "segments": 1,
                }
            )
            per_cell = per_cell[per_cell["cell_id"] >= 0].groupby("cell_id", as_index=False).sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                per_cell["speed_kmh"] = per_cell["km"] / per_cell["hours"]
            per_cell = per_cell.rename(columns={"km": "probe_km"}).drop(columns="hours")
            out = gpd.GeoDataFrame(per_cell, geometry=grid.cell_polygons(per_cell["cell_id"].to_numpy()), crs=fixes.crs)
        total = float(np.nansum(out["co2_t"].to_numpy(dtype=float)))
        feedback.pushInfo(self.tr("Traffic: {total:,.1f} tCO2/yr.").format(total=total))
        dest = write_frame(self, parameters, self.OUTPUT, context, out, feedback)
        style_on_load(context, dest, "carbon_traffic", "monitoring")
        return {self.OUTPUT: dest, self.TOTAL: total}

    def _roads(self, parameters, context, feedback, crs, segments, classes, shares):
        import geopandas as gpd
        import pandas as pd

        from ..carbon.traffic import road_emissions

        aadt = self.parameterAsString(parameters, self.AADT_FIELD, context) or "aadt"
        roads, _ = _frame(self, parameters, self.ROADS, context, feedback, [aadt])
        roads = roads.to_crs(crs)
        speed = parameters.get(self.DEFAULT_SPEED)
        result = road_emissions(
            roads.geometry.to_numpy(),
            roads[aadt].tolist(),
            segments,
            classes,
            shares,
            snap_m=self.parameterAsDouble(parameters, self.SNAP, context),
            default_speed_kmh=self.parameterAsDouble(parameters, self.DEFAULT_SPEED, context)
            if speed not in (None, "")
            else None,
        )
        flagged = int((result["flag"] != "").sum())
        if flagged:
            feedback.reportError(self.tr("{count} road(s) flagged (no probe speed or no AADT).").format(count=flagged))
        keep = [c for c in roads.columns if c not in result.columns and c != roads.geometry.name]
        out = pd.concat([roads[keep].reset_index(drop=True), result], axis=1)
        return gpd.GeoDataFrame(out, geometry=roads.geometry.reset_index(drop=True), crs=crs)


class VegetationSinkAlgorithm(_CarbonAlgorithm):
    """CO2 uptake of vegetation from an NDVI raster (CASA or land-cover factors)."""

    INPUT = "INPUT"
    BAND = "BAND"
    METHOD = "METHOD"
    SCALE = "SCALE"
    SOLAR = "SOLAR"
    STRESS = "STRESS"
    TOTAL = "TOTAL"

    def name(self) -> str:
        return "vegetationsink"

    def displayName(self) -> str:
        return self.tr("Vegetation carbon sink from NDVI")

    def tags(self) -> list[str]:
        return self.tr("carbon,co2,sink,uptake,ndvi,casa,npp,vegetation,light use efficiency").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "CO2 uptake per cell (tCO2/yr) from an NDVI raster.\n"
            "CASA (Potter et al. 1993): FPAR linear in NDVI between the table's ndvi_min and ndvi_max (clamped to "
            "FPAR 0.001–0.95), APAR = solar radiation × 0.5 × FPAR (MJ/m²/yr), NPP = APAR × ε_max (0.389 gC/MJ) × "
            "stress (the temperature and water scalars as one annual value; 1 = potential), uptake = NPP × cell "
            "area × 44/12. Soil respiration is not subtracted: the result is an upper bound of the net uptake.\n"
            "Land cover: NDVI classes (sealed or water, grass or shrub, trees) with an uptake per hectare each "
            "(trees: 0.28 kgC/m²/yr, Nowak et al. 2013).\n"
            "NDVI outside [−1, 1] is invalid: such cells become nodata and are counted; a raster that looks scaled "
            "(e.g. × 10000) is refused with the scale to set. Cell areas come from the raster's CRS (on the sphere "
            "for latitude/longitude). Read and written in blocks: any raster size."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("NDVI raster")))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BAND, self.tr("Band"), QgsProcessingParameterNumber.Type.Integer, 1, minValue=1
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD,
                self.tr("Method"),
                [self.tr("CASA light-use efficiency"), self.tr("Land-cover factors")],
                False,
                0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SCALE, self.tr("NDVI scale factor"), QgsProcessingParameterNumber.Type.Double, 1.0
            )
        )
        for name, label in (
            (self.SOLAR, self.tr("Annual solar radiation (MJ/m²/yr; empty: the table's Beijing value)")),
            (self.STRESS, self.tr("CASA stress scalar (empty: the table's value)")),
        ):
            self.addParameter(
                QgsProcessingParameterNumber(
                    name, label, QgsProcessingParameterNumber.Type.Double, None, optional=True, minValue=0.0
                )
            )
        _add_factor_parameter(self)
        self.addParameter(
            QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("CO2 uptake (tCO2/yr per cell)"))
        )
        self.addOutput(QgsProcessingOutputNumber(self.TOTAL, self.tr("Total uptake tCO2/yr")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        from ..carbon.vegetation import METHODS, vegetation_sink_raster

        factors = _factors(self, parameters, context, feedback)
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        if layer is None:
            raise QgsProcessingException(self.invalidRasterError(parameters, self.INPUT))
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        target = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        optional = {
            key: self.parameterAsDouble(parameters, name, context) if parameters.get(name) not in (None, "") else None
            for key, name in (("solar", self.SOLAR), ("stress", self.STRESS))
        }
        report = vegetation_sink_raster(
            layer.source(),
            target,
            factors,
            method=method,
            band=self.parameterAsInt(parameters, self.BAND, context),
            scale=self.parameterAsDouble(parameters, self.SCALE, context),
            **optional,
            progress=progress_callback(feedback),
            is_canceled=cancel_check(feedback),
        )
        for note in report.notes():
            feedback.pushInfo(note)
        if report.out_of_range:
            feedback.reportError(
                self.tr("{n} cells with NDVI outside [-1, 1] set to nodata.").format(n=report.out_of_range)
            )
        if method == "casa":
            used = [
                (n, "all")
                for n in ("casa_eps_max", "casa_stress", "par_fraction", "fpar_min", "fpar_max", "ndvi_min", "ndvi_max")
            ]
            if optional["solar"] is None:
                used.append(("solar_radiation", "beijing"))
        else:
            used = [
                (n, s) for s in factors.scopes("landcover_ndvi_max") for n in ("landcover_ndvi_max", "landcover_sink")
            ]
        _log_factors(feedback, factors.used(used))
        style_on_load(context, target, "carbon_sink", "monitoring")
        return {self.OUTPUT: target, self.TOTAL: report.total_t}


class CarbonLedgerAlgorithm(_CarbonAlgorithm):
    """Carbon balance grid and district ledger from the sector results."""

    DISTRICTS = "DISTRICTS"
    NAME_FIELD = "NAME_FIELD"
    YEAR = "YEAR"
    BUILDINGS = "BUILDINGS"
    TRAFFIC = "TRAFFIC"
    SINK = "SINK"
    CELL_SIZE = "CELL_SIZE"
    PREVIOUS = "PREVIOUS"
    GRID = "GRID"
    TABLE = "TABLE"
    CHART = "CHART"
    NET = "NET"
    EMISSIONS = "EMISSIONS"
    UPTAKE = "UPTAKE"

    def name(self) -> str:
        return "carbonledger"

    def displayName(self) -> str:
        return self.tr("Carbon balance grid and district ledger")

    def tags(self) -> list[str]:
        return self.tr("carbon,co2,ledger,balance,district,grid,inventory,year over year,xlsx").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Sums each sector onto one grid (cells of the given size in the districts' CRS, snapped to multiples of "
            "the cell size like the base grid): building emissions (fields co2_elec_t and co2_heat_t of 'Building "
            "operational emissions', at each footprint's centroid), traffic (field co2_t of 'Road-traffic "
            "emissions': grid cells at their centre, road lines split along their length) and the vegetation "
            "uptake raster (each raster cell to the grid cell of its centre). Net = buildings + traffic − uptake, "
            "tCO2/yr.\n"
            "Outputs: the balance raster (one band per sector and the net), the districts with their totals "
            "(a district holds the grid cells whose centre lies inside it, as QGIS's zonal statistics do; a "
            "district holding fewer than two cell centres is reported: use a smaller cell), and "
            "the ledger as a CSV or XLSX table (the XLSX lists the factors used), optionally a chart (PNG). Give the "
            "ledger table of an earlier year to add the year-over-year change per district."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.DISTRICTS, self.tr("Districts"), [QgsProcessing.SourceType.TypeVectorPolygon]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.NAME_FIELD, self.tr("District name field"), "name", self.DISTRICTS, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.YEAR,
                self.tr("Year"),
                QgsProcessingParameterNumber.Type.Integer,
                dt.date.today().year - 1,
                minValue=1900,
                maxValue=2200,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.BUILDINGS,
                self.tr("Building emissions (optional)"),
                [QgsProcessing.SourceType.TypeVectorAnyGeometry],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.TRAFFIC,
                self.tr("Traffic emissions (optional)"),
                [QgsProcessing.SourceType.TypeVectorAnyGeometry],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(self.SINK, self.tr("Vegetation uptake raster (optional)"), optional=True)
        )
        self.addParameter(_metres(self.CELL_SIZE, self.tr("Grid cell size (m)"), 100.0, 1.0))
        self.addParameter(
            QgsProcessingParameterFile(
                self.PREVIOUS,
                self.tr("Ledger table of an earlier year (optional)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter="Ledger tables (*.csv *.xlsx)",
                optional=True,
            )
        )
        _add_factor_parameter(self)
        self.addParameter(QgsProcessingParameterRasterDestination(self.GRID, self.tr("Carbon balance grid")))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("District ledger"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(self.TABLE, self.tr("Ledger table"), "Excel (*.xlsx);;CSV (*.csv)")
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.CHART, self.tr("Ledger chart"), "PNG (*.png)", optional=True, createByDefault=False
            )
        )
        for name, label in (
            (self.NET, self.tr("Net tCO2/yr")),
            (self.EMISSIONS, self.tr("Emissions tCO2/yr")),
            (self.UPTAKE, self.tr("Uptake tCO2/yr")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import geopandas as gpd

        from ...common.errors import InputError
        from ...layers.grid import GridSpec
        from ..carbon import ledger as led
        from ..carbon.chart import write_ledger_chart

        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or "name"
        districts, label = _frame(self, parameters, self.DISTRICTS, context, feedback, [name_field])
        crs_wkt = districts.crs.to_wkt()
        grid = GridSpec.covering(
            tuple(districts.total_bounds), self.parameterAsDouble(parameters, self.CELL_SIZE, context)
        )
        feedback.pushInfo(
            self.tr("Grid: {cols} × {rows} cells of {size:g} m.").format(
                cols=grid.n_cols, rows=grid.n_rows, size=grid.cell_size
            )
        )
        sectors = self._sectors(parameters, context, feedback, grid, districts.crs)
        if not sectors:
            raise QgsProcessingException(
                self.tr("Give at least one of: building emissions, traffic emissions, uptake raster.")
            )
        previous_path = self.parameterAsFile(parameters, self.PREVIOUS, context)
        previous = led.read_table(previous_path) if previous_path else None
        year = self.parameterAsInt(parameters, self.YEAR, context)
        try:
            ledger = led.build_ledger(
                grid, sectors, districts.geometry.to_numpy(), districts[name_field].tolist(), year, previous
            )
        except InputError as exc:
            raise QgsProcessingException(f"{label}: {exc}") from None
        for note in ledger.notes:
            feedback.reportError(note)
        if feedback.isCanceled():  # nothing written yet
            raise Canceled()
        grid_path = self.parameterAsOutputLayer(parameters, self.GRID, context)
        led.write_balance_raster(ledger, grid_path, crs_wkt)
        table_path = self.parameterAsFileOutput(parameters, self.TABLE, context)
        factors = _factors(self, parameters, context, feedback)
        about = {"year": str(year), "districts": label, "grid cell (m)": f"{grid.cell_size:g}", "units": "tCO2/yr",
                 "rule": "district = grid cells whose centre lies inside it (QGIS zonal statistics rule)"}  # fmt: skip
        about["factor table"] = factors.source
        led.write_table(ledger.table, table_path, list(factors), about)
        outputs = {self.GRID: grid_path, self.TABLE: table_path}
        chart_path = self.parameterAsFileOutput(parameters, self.CHART, context)
        if chart_path:
            write_ledger_chart(
                ledger.table, chart_path, self.tr("Carbon ledger {year} (tCO2/yr)").format(year=year), _chart_labels()
            )
            outputs[self.CHART] = chart_path
        rows = ledger.table.iloc[: len(districts)].drop(columns=["district"]).reset_index(drop=True)
        frame = districts.reset_index(drop=True)
        out = gpd.GeoDataFrame(frame[[name_field]].join(rows), geometry=frame.geometry, crs=districts.crs)
        outputs[self.OUTPUT] = write_frame(self, parameters, self.OUTPUT, context, out, feedback)
        style_on_load(context, outputs[self.OUTPUT], "carbon_districts", "monitoring")
        style_on_load(context, grid_path, "carbon_balance", "monitoring")
        total = ledger.table.iloc[-1]
        outputs[self.NET] = float(total["net_t"])
        outputs[self.EMISSIONS] = float(total["emissions_t"])
        outputs[self.UPTAKE] = float(total.get("vegetation_sink_t", 0.0) or 0.0)
        feedback.pushInfo(
            self.tr("Ledger {year}: emissions {e:,.1f}, uptake {u:,.1f}, net {n:,.1f} tCO2/yr.").format(
                year=year, e=outputs[self.EMISSIONS], u=outputs[self.UPTAKE], n=outputs[self.NET]
            )
        )
        return outputs

    def _sectors(self, parameters, context, feedback, grid, crs) -> dict:
        """Per-cell tCO2/yr of each sector given."""
        from ..carbon import ledger as led

        sectors = {}
        if parameters.get(self.BUILDINGS):
            buildings, name = _frame(self, parameters, self.BUILDINGS, context, feedback, ["co2_elec_t", "co2_heat_t"])
            points = buildings.to_crs(crs).geometry.centroid
            for sector, column in (("buildings_electricity", "co2_elec_t"), ("buildings_heating", "co2_heat_t")):
                sectors[sector], outside = led.grid_sum(
                    grid, points.x, points.y, buildings[column].to_numpy(dtype=float)
                )
                self._outside(feedback, outside, name)
            missing = int(buildings["co2_elec_t"].isna().sum())
            if missing:
                feedback.reportError(
                    self.tr("{n} building(s) of '{layer}' have no emissions (flagged): not in the ledger.").format(
                        n=missing, layer=name
                    )
                )
        if parameters.get(self.TRAFFIC):
            traffic, name = _frame(self, parameters, self.TRAFFIC, context, feedback, ["co2_t"])
            traffic = traffic.to_crs(crs)
            values = traffic["co2_t"].to_numpy(dtype=float)
            if traffic.geom_type.str.contains("Line").all():
                sectors["traffic"], outside = led.lines_grid_sum(grid, traffic.geometry.to_numpy(), values)
            else:
                centres = traffic.geometry.centroid
                sectors["traffic"], outside = led.grid_sum(grid, centres.x, centres.y, values)
            self._outside(feedback, outside, name)
        if parameters.get(self.SINK):
            raster = self.parameterAsRasterLayer(parameters, self.SINK, context)
            if raster is None:
                raise QgsProcessingException(self.invalidRasterError(parameters, self.SINK))
            sectors["vegetation_sink"], outside = led.raster_grid_sum(
                raster.source(),
                grid,
                crs.to_wkt(),
                progress=progress_callback(feedback),
                is_canceled=cancel_check(feedback),
            )
            self._outside(feedback, outside, raster.name())
        return sectors

    def _outside(self, feedback, outside: float, layer: str) -> None:
        if outside:
            feedback.reportError(
                self.tr(
                    "{t:,.1f} tCO2/yr of '{layer}' lie outside the grid of the districts: not in the ledger."
                ).format(t=outside, layer=layer)
            )


def _chart_labels() -> dict[str, str]:
    tr = CarbonMessages.tr
    return {
        "buildings_electricity": tr("Buildings: electricity (scope 2)"),
        "buildings_heating": tr("Buildings: heating"),
        "traffic": tr("Road traffic"),
        "vegetation_sink": tr("Vegetation uptake"),
        "net": tr("Net"),
        "unit": tr("tCO2/yr"),
    }


class ReconcileInventoryAlgorithm(_CarbonAlgorithm):
    """Our district estimate against a gridded inventory (ODIAC or EDGAR)."""

    LEDGER = "LEDGER"
    NAME_FIELD = "NAME_FIELD"
    INVENTORY = "INVENTORY"
    KIND = "KIND"
    COMPARE = "COMPARE"
    TABLE = "TABLE"
    RATIO = "RATIO"
    COMPARISONS = (
        ("buildings_heating_t", "traffic_t"),
        ("buildings_electricity_t", "buildings_heating_t", "traffic_t"),
        ("traffic_t",),
        ("buildings_heating_t",),
        ("buildings_electricity_t", "buildings_heating_t"),
    )

    def name(self) -> str:
        return "reconcileinventory"

    def displayName(self) -> str:
        return self.tr("Reconcile with a gridded inventory (ODIAC / EDGAR)")

    def tags(self) -> list[str]:
        return self.tr("carbon,co2,odiac,edgar,inventory,reconcile,compare,netcdf").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Compares the district ledger with a gridded inventory. ODIAC: GeoTIFF of tonne C per cell per month "
            "(one band per month; the months given are summed, fewer than 12 are scaled to a year); EDGAR: NetCDF "
            "whose 'units' attribute is read (Tonnes or kg per cell per year, or a flux in kg m-2 s-1 × cell area × "
            "365 days) or EDGAR's text format (lat;lon;emission in tons). Carbon becomes CO2 × 44/12. Each district "
            "receives each inventory cell's value in proportion to the cell's area inside it (equal-area "
            "projection).\n"
            "Choose what our estimate includes so that the scopes match: inventories place electricity emissions at "
            "the power plants (scope 1), the ledger's building electricity is scope 2. Compare a sector file (e.g. "
            "EDGAR road transport) with the matching sector only. Output per district: ours_t, inventory_t, "
            "difference_t, ratio and the share of the district the inventory covers."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.LEDGER, self.tr("District ledger"), [QgsProcessing.SourceType.TypeVectorPolygon]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.NAME_FIELD, self.tr("District name field"), "name", self.LEDGER, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.INVENTORY,
                self.tr("Inventory file"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter="Inventories (*.tif *.tiff *.nc *.txt *.csv)",
            )
        )
        self.addParameter(QgsProcessingParameterEnum(self.KIND, self.tr("Inventory"), ["ODIAC", "EDGAR"], False, 0))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.COMPARE,
                self.tr("Our estimate includes"),
                [
                    self.tr("Direct emissions: heating + traffic (scope 1)"),
                    self.tr("All emissions: electricity + heating + traffic"),
                    self.tr("Traffic only"),
                    self.tr("Building heating only"),
                    self.tr("Buildings: electricity + heating"),
                ],
                False,
                0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Reconciliation"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.TABLE,
                self.tr("Reconciliation table"),
                "CSV (*.csv);;Excel (*.xlsx)",
                optional=True,
                createByDefault=False,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.RATIO, self.tr("Ours / inventory, all districts")))

    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import geopandas as gpd
        import pandas as pd

        from ..carbon import inventory as inv
        from ..carbon.ledger import write_table

        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or "name"
        columns = list(self.COMPARISONS[self.parameterAsEnum(parameters, self.COMPARE, context)])
        ledger, label = _frame(self, parameters, self.LEDGER, context, feedback, [name_field])
        missing = [c for c in columns if c not in ledger.columns]
        if missing:
            raise QgsProcessingException(
                self.tr(
                    "Layer '{layer}' has no field '{field}': run the ledger with that sector, or compare another."
                ).format(layer=label, field=missing[0])
            )
        kind = inv.KINDS[self.parameterAsEnum(parameters, self.KIND, context)]
        # Only the cells around the districts are read (ODIAC and EDGAR grids are global, in lon/lat).
        bounds = tuple(ledger.to_crs("EPSG:4326").total_bounds)
        grid = inv.read_inventory(self.parameterAsFile(parameters, self.INVENTORY, context), kind, bounds)
        for note in grid.notes:
            feedback.pushInfo(note)
        names = ledger[name_field].astype(str).tolist()
        totals = inv.district_totals(grid, ledger.geometry.to_numpy(), ledger.crs)
        table = inv.reconcile(
            pd.DataFrame({"district": names, **{c: ledger[c].to_numpy() for c in columns}}), totals, columns, names
        )
        feedback.pushInfo(
            self.tr("Ours = {columns}; inventory: {label}.").format(columns=" + ".join(columns), label=grid.label)
        )
        low = table.iloc[:-1][table["coverage"].iloc[:-1] < 0.99]
        if len(low):
            feedback.reportError(self.tr("{n} district(s) only partly covered by the inventory.").format(n=len(low)))
        outputs = {}
        table_path = self.parameterAsFileOutput(parameters, self.TABLE, context)
        if table_path:
            outputs[self.TABLE] = str(write_table(table, table_path))
        rows = table.iloc[:-1].drop(columns=["district"]).reset_index(drop=True)
        frame = ledger.reset_index(drop=True)
        out = gpd.GeoDataFrame(frame[[name_field]].join(rows), geometry=frame.geometry, crs=ledger.crs)
        outputs[self.OUTPUT] = write_frame(self, parameters, self.OUTPUT, context, out, feedback)
        style_on_load(context, outputs[self.OUTPUT], "carbon_reconcile", "monitoring")
        outputs[self.RATIO] = float(table["ratio"].iloc[-1])
        feedback.pushInfo(self.tr("All districts: ours / inventory = {ratio:.2f}.").format(ratio=outputs[self.RATIO]))
        return outputs


CARBON_ALGORITHMS = (
    BuildingEmissionsAlgorithm,
    TrafficEmissionsAlgorithm,
    VegetationSinkAlgorithm,
    CarbonLedgerAlgorithm,
    ReconcileInventoryAlgorithm,
)
