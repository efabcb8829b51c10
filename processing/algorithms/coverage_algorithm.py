"""``citytwin:cellcoverage``: LTE/NR coverage from the cell sites with DSM line of sight,
compared with a drive test and calibrated per site (QGIS adapter tier).

The work is done by :mod:`citytwin.processing.navcomm.coverage` and
:mod:`citytwin.processing.navcomm.drive_compare`.
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
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from ..qgis_algorithm import cancel_check
from ..qgis_frames import require_crs, source_to_frame, style_on_load, write_frame
from .gnss_algorithms import SurfaceAlgorithm

SCENARIOS = ("uma", "umi")
#: Site-table fields: parameter -> (cell_sites keyword, names recognised when the field is not chosen).
SITE_FIELDS = {
    "SITE_ID_FIELD": ("site_id", ("site_id", "site", "enodeb_id", "enb_id", "gnb_id", "基站", "站号")),
    "CELL_ID_FIELD": ("cell_id", ("cell_id", "eci", "nci", "cgi", "cell", "小区")),
    "PCI_FIELD": ("pci", ("pci",)),
    "HEIGHT_FIELD": ("height", ("antenna_height_m", "antenna_height", "height", "ant_height", "挂高", "天线挂高")),
    "POWER_FIELD": ("power", ("tx_power_dbm", "tx_power", "power", "pmax", "发射功率")),
    "FREQUENCY_FIELD": ("frequency", ("frequency_mhz", "frequency", "freq", "频率")),
    "EARFCN_FIELD": ("earfcn", ("earfcn", "arfcn", "频点")),
    "AZIMUTH_FIELD": ("azimuth", ("azimuth_deg", "azimuth", "方位角")),
}


class CellCoverageAlgorithm(SurfaceAlgorithm):
    """Best-server RSRP over the DSM's grid, and the comparison with a drive test."""

    SITES = "SITES"
    SCENARIO = "SCENARIO"
    RESOURCE_BLOCKS = "RESOURCE_BLOCKS"
    ANTENNA_GAIN = "ANTENNA_GAIN"
    EXTRA_LOSS = "EXTRA_LOSS"
    DRIVE_TEST = "DRIVE_TEST"
    CALIBRATE = "CALIBRATE"
    RSRP = "RSRP"
    COMPARISON = "COMPARISON"
    PER_SITE = "PER_SITE"
    RMSE = "RMSE"
    BIAS = "BIAS"
    CORRELATION = "CORRELATION"
    RMSE_CALIBRATED = "RMSE_CALIBRATED"
    HOLDOUT_RMSE = "HOLDOUT_RMSE"

    REQUIRED_MODULES = ("numpy", "pandas", "pyproj", "numba", "geopandas")

    def name(self) -> str:
        return "cellcoverage"

    def displayName(self) -> str:
        return self.tr("Cell coverage prediction (38.901, DSM line of sight)")

    def tags(self) -> list[str]:
        return self.tr("coverage,rsrp,lte,nr,5g,3gpp,38.901,uma,umi,path loss,drive test,calibration,工参").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Predicts the RSRP (dBm per resource element) of the strongest cell over every cell of the DSM's grid, "
            "for a receiver the given height above the DTM, with the path-loss models of 3GPP TR 38.901 (V17.0.0, "
            "Table 7.4.1-1; UMa or UMi street canyon). For each cell and site the LOS or NLOS formula is chosen by a "
            "line-of-sight test through the DSM between antenna and receiver (a radial sweep, Franklin & Ray 1994); "
            "the antenna's own roof does not block. RSRP = P_tx − 10·log10(12·N_RB) + G(azimuth) − PL − extra "
            "losses, with the 3-sector horizontal pattern of TR 38.901 Table 7.3-1 (65° beamwidth).\n"
            "Sites: a point layer, one feature per cell/sector (an operator's engineering-parameter table, 工参表). "
            "Fields are found by name when not chosen; missing values get documented defaults, reported in the log: "
            "antenna height 25 m (UMa) / 10 m (UMi) above ground, Tx power 46 dBm (UMa) / 44 dBm (UMi), frequency "
            "from the EARFCN (3GPP TS 36.101) else 1.85 GHz, no azimuth = omnidirectional.\n"
            "With a drive test (CSV of the common tools, English or Chinese headers), each sample is predicted at "
            "its own position and compared with the measured RSRP: bias (predicted − measured), RMSE and Pearson "
            "correlation, overall and per site (the serving site by cell id, then PCI, then the strongest predicted "
            "cell). 'Calibrate' adds to each site the mean of measured − predicted over its samples (at least 10), "
            "reports the RMSE on a held-out half (alternate blocks of samples) and applies the offsets to the map. "
            "Receivers inside buildings are no-data on the map."
        )

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.SITES, self.tr("Cell sites (one point per cell)"), [QgsProcessing.SourceType.TypeVectorPoint]
            )
        )
        labels = {
            "SITE_ID_FIELD": self.tr("Site id field"),
            "CELL_ID_FIELD": self.tr("Cell id field (ECI/NCI)"),
            "PCI_FIELD": self.tr("PCI field"),
            "HEIGHT_FIELD": self.tr("Antenna height field (m above ground)"),
            "POWER_FIELD": self.tr("Tx power field (dBm)"),
            "FREQUENCY_FIELD": self.tr("Frequency field (MHz or GHz)"),
            "EARFCN_FIELD": self.tr("EARFCN field"),
            "AZIMUTH_FIELD": self.tr("Azimuth field (°)"),
        }
        for name, label in labels.items():
            self.addParameter(
                QgsProcessingParameterField(name, label, parentLayerParameterName=self.SITES, optional=True)
            )
        self.add_surface_parameters()
        self.addParameter(
            QgsProcessingParameterEnum(
                self.SCENARIO,
                self.tr("Scenario"),
                options=[self.tr("UMa (urban macro)"), self.tr("UMi street canyon")],
                defaultValue=0,
            )
        )
        for name, label, default, minimum in (
            (self.RESOURCE_BLOCKS, self.tr("Resource blocks (100 = 20 MHz LTE)"), 100, 1),
            (self.ANTENNA_GAIN, self.tr("Antenna gain (dBi)"), 15.0, -10.0),
            (self.EXTRA_LOSS, self.tr("Extra losses (dB: vehicle, body, feeder)"), 0.0, 0.0),
        ):
            kind = (
                QgsProcessingParameterNumber.Type.Integer
                if name == self.RESOURCE_BLOCKS
                else QgsProcessingParameterNumber.Type.Double
            )
            self.addParameter(QgsProcessingParameterNumber(name, label, kind, default, minValue=minimum))
        self.addParameter(
            QgsProcessingParameterFile(
                self.DRIVE_TEST,
                self.tr("Drive test (CSV, optional)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter="CSV (*.csv *.txt);;All files (*.*)",
                optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterBoolean(self.CALIBRATE, self.tr("Calibrate a per-site offset"), False))
        self.addParameter(QgsProcessingParameterRasterDestination(self.RSRP, self.tr("Predicted RSRP (dBm)")))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.COMPARISON,
                self.tr("Drive test vs prediction"),
                QgsProcessing.SourceType.TypeVectorPoint,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.PER_SITE, self.tr("Comparison per site"), QgsProcessing.SourceType.TypeVector, optional=True
            )
        )
        for name, label in (
            (self.RMSE, self.tr("RMSE against the drive test (dB)")),
            (self.BIAS, self.tr("Bias, predicted − measured (dB)")),
            (self.CORRELATION, self.tr("Correlation with the drive test")),
            (self.RMSE_CALIBRATED, self.tr("RMSE after calibration (dB)")),
            (self.HOLDOUT_RMSE, self.tr("Held-out RMSE after calibration (dB)")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    # -- inputs -------------------------------------------------------------------------------
    def _sites(self, parameters, context, feedback, dsm):
        from ..navcomm.cell_sites import cell_sites

        source = self.parameterAsSource(parameters, self.SITES, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.SITES))
        crs = require_crs(source)
        frame = source_to_frame(source, feedback=feedback)
        frame = frame[~frame.geometry.isna()]
        frame["_x"], frame["_y"] = frame.geometry.x, frame.geometry.y
        lower = {name.lower(): name for name in frame.columns}
        chosen = {}
        for parameter, (keyword, names) in SITE_FIELDS.items():
            field = self.parameterAsString(parameters, parameter, context)
            if not field:
                field = next((lower[n] for n in names if n in lower), None)
            chosen[keyword] = field
        scenario = SCENARIOS[self.parameterAsEnum(parameters, self.SCENARIO, context)]
        sites = cell_sites(
            frame.drop(columns="geometry"), x="_x", y="_y", crs=crs.toWkt(), scenario=scenario,
            source=source.sourceName(), **chosen,
        )  # fmt: skip
        used = ", ".join(f"{k} ← {v}" for k, v in chosen.items() if v)
        feedback.pushInfo(self.tr("Site fields used: {fields}.").format(fields=used or self.tr("none (all defaults)")))
        for note in sites.notes():
            feedback.pushWarning(note)
        return sites, scenario

    def _model(self, parameters, context) -> dict:
        return {
            "receiver_height": self.receiver_height(parameters, context),
            "resource_blocks": self.parameterAsInt(parameters, self.RESOURCE_BLOCKS, context),
            "antenna_gain_dbi": self.parameterAsDouble(parameters, self.ANTENNA_GAIN, context),
            "extra_loss_db": self.parameterAsDouble(parameters, self.EXTRA_LOSS, context),
            "max_distance": self.max_distance(parameters, context),
        }

    # -- run ----------------------------------------------------------------------------------
    def run_algorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        import numpy as np

        from ..navcomm.coverage import predict_rsrp_grid

        dsm, dtm = self.surfaces(parameters, context, feedback)
        sites, scenario = self._sites(parameters, context, feedback, dsm)
        model = self._model(parameters, context)
        results: dict[str, Any] = {}
        offsets = None
        write_comparison = None
        drive_path = self.parameterAsFile(parameters, self.DRIVE_TEST, context)
        if drive_path:
            offsets, write_comparison = self._compare(
                parameters, context, feedback, (dsm, dtm, sites, scenario, model), drive_path, results
            )
        grid = predict_rsrp_grid(
            dsm, dtm, sites, scenario=scenario, offsets_db=offsets, **model,
            progress=lambda f: feedback.setProgress(30.0 + 65.0 * f), is_canceled=cancel_check(feedback),
        )  # fmt: skip
        for note in grid.notes:
            feedback.pushInfo(note)
        if write_comparison is not None:  # written only now: a cancel during the map leaves no file
            write_comparison()
        path = self.parameterAsOutputLayer(parameters, self.RSRP, context)
        dsm.write(grid.rsrp.astype(np.float64), path)
        style_on_load(context, path, "rsrp_raster", "communication")
        results[self.RSRP] = path
        covered = np.isfinite(grid.rsrp)
        feedback.pushInfo(
            self.tr("{cells:,} cells predicted; {los:.0%} in line of sight of their server; {indoor:,} indoor.").format(
                cells=int(covered.sum()),
                los=float(grid.los[covered].mean()) if covered.any() else 0.0,
                indoor=int(grid.indoor.sum()),
            )
        )
        return results

    def _compare(self, parameters, context, feedback, setup, drive_path: str, results: dict):
        from ...layers.cells import read_drive_test
        from ..navcomm.coverage import predict_rsrp_points
        from ..navcomm.drive_compare import calibrate_site_offsets, compare_drive_test, match_serving_cells

        dsm, dtm, sites, scenario, model = setup
        drive = read_drive_test(drive_path).measurements
        if drive.empty or "rsrp_dbm" not in drive or not drive["rsrp_dbm"].notna().any():
            raise QgsProcessingException(self.tr("{file}: the drive test has no RSRP values.").format(file=drive_path))
        points = predict_rsrp_points(
            dsm, dtm, sites, drive["lon"].to_numpy(), drive["lat"].to_numpy(), crs="EPSG:4326", scenario=scenario,
            **model, is_canceled=cancel_check(feedback),
        )  # fmt: skip
        feedback.setProgress(20.0)
        columns = {k: drive[k].to_numpy() if k in drive else None for k in ("cell_id", "pci")}
        match = match_serving_cells(sites, points, columns["cell_id"], columns["pci"])
        measured = drive["rsrp_dbm"].to_numpy(float)
        comparison = compare_drive_test(points.rsrp, measured, match.site)
        feedback.pushInfo(self.tr("Drive test vs prediction: {summary}").format(summary=comparison.summary()))
        feedback.pushInfo(self.tr("Serving cells matched: {counts}").format(counts=match.counts()))
        results.update(
            {self.RMSE: comparison.rmse_db, self.BIAS: comparison.bias_db, self.CORRELATION: comparison.correlation}
        )
        predicted = points.rsrp
        offsets = None
        calibrated = predicted
        if self.parameterAsBool(parameters, self.CALIBRATE, context):
            calibration = calibrate_site_offsets(predicted, measured, match.site)
            offsets = calibration.offsets_db
            calibrated = calibration.apply(predicted, match.site)
            results[self.RMSE_CALIBRATED] = calibration.rmse_after_db
            results[self.HOLDOUT_RMSE] = calibration.holdout_rmse_after_db
            feedback.pushInfo(
                self.tr(
                    "Per-site calibration: RMSE {before:.1f} → {after:.1f} dB; on the held-out half "
                    "{hold_before:.1f} → {hold_after:.1f} dB ({n} samples)."
                ).format(
                    before=calibration.rmse_before_db,
                    after=calibration.rmse_after_db,
                    hold_before=calibration.holdout_rmse_before_db,
                    hold_after=calibration.holdout_rmse_after_db,
                    n=calibration.n_holdout,
                )
            )

        def write() -> None:
            self._write_comparison(
                parameters, context, feedback, drive, points, match, (predicted, calibrated), results
            )
            self._write_per_site(parameters, context, feedback, comparison, offsets, results)

        return offsets, write

    def _write_comparison(self, parameters, context, feedback, drive, points, match, predictions, results) -> None:
        if parameters.get(self.COMPARISON) is None:
            return
        predicted, calibrated = predictions
        frame = drive[[c for c in ("time", "rsrp_dbm", "cell_id", "pci", "geometry") if c in drive]].copy()
        frame["predicted_dbm"] = predicted
        frame["calibrated_dbm"] = calibrated
        frame["error_db"] = calibrated - frame["rsrp_dbm"]
        frame["site"] = [None if s is None else str(s) for s in match.site]
        frame["matched_by"] = match.how.astype(str)
        frame["los"] = points.los.astype(bool)
        frame["indoor"] = points.indoor.astype(bool)
        dest = write_frame(self, parameters, self.COMPARISON, context, frame, feedback)
        style_on_load(context, dest, "drive_test", "communication", time_field="time" if "time" in frame else None)
        results[self.COMPARISON] = dest

    def _write_per_site(self, parameters, context, feedback, comparison, offsets, results) -> None:
        if parameters.get(self.PER_SITE) is None:
            return
        table = comparison.per_site.copy()
        table["site"] = table["site"].astype(str)
        table["offset_db"] = [float((offsets or {}).get(s, float("nan"))) for s in comparison.per_site["site"]]
        results[self.PER_SITE] = write_frame(self, parameters, self.PER_SITE, context, table, feedback)


COVERAGE_ALGORITHMS = (CellCoverageAlgorithm,)
