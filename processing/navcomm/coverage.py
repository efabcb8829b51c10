"""Cell coverage prediction on the 3D base: 3GPP TR 38.901 path loss with line of sight from a DSM.

For each cell (sector) of a :class:`~.cell_sites.CellSites` table and each receiver (a
grid cell of the DSM, or a drive-test point), the received reference-signal power is

    RSRP = P_tx - 10 log10(12 N_RB) + G(φ) - PL - L_extra   (dBm per resource element)

with P_tx the carrier's total power spread over its 12 N_RB subcarriers, G the sector's
horizontal pattern (38.901 Table 7.3-1: G_max - min(12 (φ/65°)², 30) dB, φ off the
azimuth; cells without azimuth are omnidirectional at G_max), PL the UMa or UMi path loss
of 38.901 Table 7.4.1-1 (:mod:`citytwin.processing.pathloss`) with its LOS formula where
the straight line from the antenna to the receiver clears the DSM and its NLOS formula
elsewhere, and L_extra losses the model leaves out (vehicle penetration, feeder loss,
calibration offsets). The strongest cell serves (a best-server map across all cells
given: select one carrier's cells for one layer's map).

Heights: the antenna is at DTM(site) + antenna height, the receiver at DTM + receiver
height; h_BS for the path loss is the antenna's height above the receiver's ground (at
least 2 m, so that 38.901's breakpoint distance stays defined). Where the DTM has no
value, or no DTM is given, the ground is the lowest DSM cell within 100 m
(:data:`.antennas.GROUND_WINDOW_M`), which finds streets and yards between buildings.

Receivers: on the grid, a cell whose DSM is more than ``indoor_tolerance_m`` above the
receiver (a roof; also a tree canopy, which a DSM cannot tell apart) gets no prediction
(NaN): the model is for outdoor receivers. At drive-test points such a position is
usually a GNSS error in a street canyon, so it is predicted and flagged ``indoor``.

The site's own building: real rooftop sectors sit at the roof's edge facing outwards, but
tables give one position per site (often the building's). Cells of the structure under
the antenna — DSM more than 2.5 m above the site's ground, connected (8-neighbour) to
the antenna's cell, within ``host_radius_m`` — therefore never block its line of sight;
``host_radius_m=0`` turns this off. Sites outside the DSM, or without any ground height,
are left out and reported in ``site_report``.

Line of sight comes from :func:`~.visibility.viewshed` on the grid (the R2 sweep of
Franklin and Ray 1994) and :func:`~.visibility.segment_clear` at points. Shadow fading
and fast fading are not modelled: the prediction is the median.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...common.errors import InputError
from ...common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from ..pathloss import path_loss, sector_gain_db
from .antennas import (
    HOST_RADIUS_M,
    Antenna,
    ground_surface,
    host_structure,
    lowest_dsm,
    place_antennas,
)
from .cell_sites import SCENARIOS, CellSites, cell_sites, earfcn_to_mhz
from .drive_compare import (
    Calibration,
    DriveTestComparison,
    ServingMatch,
    calibrate_site_offsets,
    compare_drive_test,
    match_serving_cells,
)
from .surface import Surface
from .visibility import segment_test, viewshed, viewshed_window

__all__ = [
    "Calibration",
    "CellSites",
    "CoverageGrid",
    "DriveTestComparison",
    "PointPrediction",
    "ServingMatch",
    "calibrate_site_offsets",
    "cell_sites",
    "compare_drive_test",
    "earfcn_to_mhz",
    "host_structure",
    "lowest_dsm",
    "match_serving_cells",
    "predict_rsrp_grid",
    "predict_rsrp_points",
]

INDOOR_TOLERANCE_M = 1.0
#: Lowest h_BS given to 38.901's formulas (its breakpoint distance needs h_BS > 1 m).
MIN_BS_HEIGHT_M = 2.0
#: Upper validity bound of 38.901's UMa/UMi path loss (d2D up to 5 km).
DEFAULT_MAX_DISTANCE_M = 5000.0
SUBCARRIERS_PER_RB = 12


@dataclass
class CoverageGrid:
    """Best-server prediction on the DSM's grid.

    Attributes
    ----------
    rsrp
        ``(rows, cols)`` float32 RSRP of the strongest cell, dBm per resource element;
        NaN: no prediction (indoor, no ground height, no cell in range).
    server
        ``(rows, cols)`` int32 row of ``sites.table`` of the serving cell, -1 for none.
    los
        ``(rows, cols)`` bool: the serving cell's antenna is in line of sight.
    indoor
        ``(rows, cols)`` bool: the DSM is above the receiver (no prediction there).
    surface
        The DSM (the grid of every array; :meth:`Surface.write` writes them).
    sites
        The cells predicted.
    site_report
        One row per cell: ``site_id``, ``cell_id``, ``x``, ``y`` (DSM CRS),
        ``ground_z``, ``antenna_z``, ``dsm_z`` (at the site), ``status`` ("used",
        "outside the DSM", "no ground height") and ``note``.
    notes
        Sentences for the user: defaults applied, cells left out, ground estimates.
    parameters
        The model's parameters as used.
    """

    rsrp: np.ndarray
    server: np.ndarray
    los: np.ndarray
    indoor: np.ndarray
    surface: Surface
    sites: CellSites
    site_report: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    def serving_cell_id(self) -> np.ndarray:
        """``(rows, cols)`` int64 cell id of the serving cell, -1 for none."""
        ids = self.sites.table["cell_id"].to_numpy(dtype=np.int64)
        return np.where(self.server >= 0, ids[np.maximum(self.server, 0)], -1)

    def serving_site_index(self) -> np.ndarray:
        """``(rows, cols)`` int32 index into ``sites.site_ids`` of the serving site, -1 for none."""
        codes = pd.Index(self.sites.site_ids).get_indexer(self.sites.table["site_id"])
        return np.where(self.server >= 0, codes[np.maximum(self.server, 0)], -1).astype(np.int32)


@dataclass
class PointPrediction:
    """Prediction at points (a drive test).

    Attributes
    ----------
    rsrp
        ``(N,)`` RSRP of the strongest cell (dBm), NaN outside the DSM or out of range.
    server
        ``(N,)`` int64 row of ``sites.table`` of the strongest cell, -1 for none.
    los
        ``(N,)`` bool, line of sight to the strongest cell's antenna.
    indoor
        ``(N,)`` bool: the DSM under the point is above the receiver (predicted anyway).
    by_cell
        ``(N, cells)`` float32 RSRP of every cell (NaN out of range or left out).
    x, y
        The points in the DSM's CRS.
    sites, site_report, notes, parameters
        As in :class:`CoverageGrid`.
    """

    rsrp: np.ndarray
    server: np.ndarray
    los: np.ndarray
    indoor: np.ndarray
    by_cell: np.ndarray
    x: np.ndarray
    y: np.ndarray
    sites: CellSites
    site_report: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    def serving_site(self) -> np.ndarray:
        """``(N,)`` object: site id of the strongest cell, None for none."""
        ids = self.sites.table["site_id"].to_numpy(dtype=object)
        return np.where(self.server >= 0, ids[np.maximum(self.server, 0)], None)


# -- the link budget ----------------------------------------------------------------------------------------------
@dataclass
class _Budget:
    scenario: str
    receiver_height: float
    per_re_db: float  # -10 log10(12 N_RB)
    antenna_gain_dbi: float
    extra_loss_db: float
    max_distance: float
    offsets: np.ndarray  # per cell (row of the sites table), dB added


def _budget(
    sites, scenario, receiver_height, resource_blocks, antenna_gain_dbi, extra_loss_db, max_distance, offsets_db
) -> _Budget:
    if scenario not in SCENARIOS:
        raise InputError(f"scenario must be one of {SCENARIOS}, got {scenario!r}", field="scenario")
    if not 1.5 <= receiver_height <= 22.5:
        raise InputError("the receiver height must be 1.5-22.5 m (38.901's h_UT range)", field="receiver_height")
    if int(resource_blocks) < 1:
        raise InputError("resource_blocks must be at least 1", field="resource_blocks")
    if not max_distance > 0:
        raise InputError("max_distance must be positive", field="max_distance")
    offsets = np.zeros(len(sites))
    if offsets_db:
        offsets = sites.table["site_id"].map(lambda s: offsets_db.get(s, 0.0)).to_numpy(dtype=np.float64)
    return _Budget(
        scenario, float(receiver_height), -10.0 * math.log10(SUBCARRIERS_PER_RB * int(resource_blocks)),
        float(antenna_gain_dbi), float(extra_loss_db), float(max_distance), offsets,
    )  # fmt: skip


def _cell_rsrp(budget: _Budget, row: pd.Series, j: int, d2d, bearing, los, h_bs) -> np.ndarray:
    """RSRP of cell ``j`` (a row of the sites table) at receivers given by their geometry."""
    loss = path_loss(budget.scenario, los, d2d, h_bs, budget.receiver_height, float(row.frequency_ghz))
    azimuth = float(row.azimuth_deg)
    gain = budget.antenna_gain_dbi if math.isnan(azimuth) else sector_gain_db(bearing, azimuth, budget.antenna_gain_dbi)
    return (float(row.tx_power_dbm) + budget.per_re_db + gain - loss - budget.extra_loss_db + budget.offsets[j]).astype(
        np.float64
    )


def _geometry(antenna: Antenna, x, y, ground):
    d2d = np.hypot(x - antenna.x, y - antenna.y)
    bearing = np.degrees(np.arctan2(x - antenna.x, y - antenna.y)) % 360.0
    h_bs = np.maximum(antenna.z - ground, MIN_BS_HEIGHT_M)
    return d2d, bearing, h_bs


def predict_rsrp_grid(
    dsm: Surface,
    dtm: Surface | None,
    sites: CellSites,
    scenario: str = "uma",
    receiver_height: float = 1.5,
    resource_blocks: int = 100,
    antenna_gain_dbi: float = 15.0,
    extra_loss_db: float = 0.0,
    max_distance: float = DEFAULT_MAX_DISTANCE_M,
    offsets_db: Mapping | None = None,
    host_radius_m: float = HOST_RADIUS_M,
    indoor_tolerance_m: float = INDOOR_TOLERANCE_M,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> CoverageGrid:
    """Best-server RSRP on every cell of the DSM's grid (3GPP TR 38.901, LOS from the DSM).

    The model is the module's (see its description); line of sight by
    :func:`~.visibility.viewshed`, once per antenna position.

    Parameters
    ----------
    dsm
        Digital surface model (metres, projected CRS).
    dtm
        Terrain on the DSM's grid (:meth:`Surface.read_like`), or None (ground then
        estimated from the DSM).
    sites
        Cells from :func:`~.cell_sites.cell_sites`.
    scenario
        "uma" or "umi" (38.901 path loss).
    receiver_height
        Receiver height above ground, m (38.901: 1.5 m).
    resource_blocks
        N_RB of the carrier (100 for 20 MHz LTE).
    antenna_gain_dbi
        Sector antenna maximum gain (38.901's pattern; 15 dBi is a typical macro panel).
    extra_loss_db
        Losses on top of the path loss, dB (e.g. 8 dB vehicle penetration + 2 dB feeder).
    max_distance
        Range of each antenna, m (38.901's UMa/UMi formulas hold to 5 km).
    offsets_db
        Optional site id -> dB added to that site's cells (from
        :func:`~.drive_compare.calibrate_site_offsets`).
    host_radius_m
        Radius of the site's own structure that never blocks (0: off).
    indoor_tolerance_m
        A cell whose DSM is this much above the receiver is indoor (no prediction).
    progress, is_canceled
        Progress (0..1, one step per antenna) and cancel callbacks.

    Returns
    -------
    CoverageGrid
    """
    budget = _budget(
        sites, scenario, receiver_height, resource_blocks, antenna_gain_dbi, extra_loss_db, max_distance, offsets_db
    )
    notes = _notes(sites, scenario)
    ground = ground_surface(dsm, dtm, notes)
    target = ground + receiver_height
    indoor = dsm.indoor(target, indoor_tolerance_m)
    target[indoor] = np.nan
    antennas, report = place_antennas(dsm, ground, sites, host_radius_m, notes)
    best = np.full(dsm.shape, -np.inf)
    server = np.full(dsm.shape, -1, dtype=np.int32)
    los_best = np.zeros(dsm.shape, dtype=bool)
    xs, ys = dsm.cell_centres()
    for k, antenna in enumerate(antennas):
        check_canceled(is_canceled)
        visible = viewshed(dsm, (antenna.x, antenna.y, antenna.z), target, max_distance, antenna.host)
        r0, r1, c0, c1 = viewshed_window(dsm, antenna.x, antenna.y, max_distance)
        win = (slice(r0, r1 + 1), slice(c0, c1 + 1))
        d2d, bearing, h_bs = _geometry(antenna, xs[None, c0 : c1 + 1], ys[r0 : r1 + 1, None], ground[win])
        reach = (d2d <= max_distance) & np.isfinite(target[win])
        los = visible[win]
        for j in antenna.cells:
            rsrp = np.where(reach, _cell_rsrp(budget, sites.table.iloc[j], j, d2d, bearing, los, h_bs), -np.inf)
            better = rsrp > best[win]
            best[win] = np.where(better, rsrp, best[win])
            server[win] = np.where(better, j, server[win])
            los_best[win] = np.where(better, los, los_best[win])
        progress((k + 1) / len(antennas))
    rsrp = np.where(server >= 0, best, np.nan).astype(np.float32)
    parameters = _parameters(budget, resource_blocks, host_radius_m, indoor_tolerance_m)
    return CoverageGrid(rsrp, server, los_best & (server >= 0), indoor, dsm, sites, report, notes, parameters)


def _notes(sites: CellSites, scenario: str) -> list[str]:
    notes = list(sites.notes())
    if sites.scenario != scenario and sites.default_counts().keys() & {"height", "power"}:
        notes.append(f"the cells' default height and power are {sites.scenario}'s, the path loss {scenario}'s")
    return notes


def _parameters(budget: _Budget, resource_blocks, host_radius_m, indoor_tolerance_m) -> dict:
    return {
        "scenario": budget.scenario,
        "receiver_height_m": budget.receiver_height,
        "resource_blocks": int(resource_blocks),
        "antenna_gain_dbi": budget.antenna_gain_dbi,
        "extra_loss_db": budget.extra_loss_db,
        "max_distance_m": budget.max_distance,
        "host_radius_m": float(host_radius_m),
        "indoor_tolerance_m": float(indoor_tolerance_m),
    }


def predict_rsrp_points(
    dsm: Surface,
    dtm: Surface | None,
    sites: CellSites,
    x: np.ndarray,
    y: np.ndarray,
    crs=None,
    scenario: str = "uma",
    receiver_height: float = 1.5,
    resource_blocks: int = 100,
    antenna_gain_dbi: float = 15.0,
    extra_loss_db: float = 0.0,
    max_distance: float = DEFAULT_MAX_DISTANCE_M,
    offsets_db: Mapping | None = None,
    host_radius_m: float = HOST_RADIUS_M,
    indoor_tolerance_m: float = INDOOR_TOLERANCE_M,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> PointPrediction:
    """The model of :func:`predict_rsrp_grid` at arbitrary points (a drive test).

    Line of sight by :func:`~.visibility.segment_clear` from each antenna to each point at
    ``receiver_height`` above the ground under it. Points outside the DSM get NaN; points
    whose DSM cell is above the receiver are predicted and flagged ``indoor``.

    Parameters
    ----------
    x, y
        Point coordinates, in ``crs`` (None: the DSM's CRS).
    crs
        CRS of the points (anything pyproj accepts).
    dsm, dtm, sites, scenario, receiver_height, resource_blocks, antenna_gain_dbi, extra_loss_db, max_distance, \
offsets_db, host_radius_m, indoor_tolerance_m, progress, is_canceled
        As in :func:`predict_rsrp_grid`.

    Returns
    -------
    PointPrediction
    """
    budget = _budget(
        sites, scenario, receiver_height, resource_blocks, antenna_gain_dbi, extra_loss_db, max_distance, offsets_db
    )
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    y = np.atleast_1d(np.asarray(y, dtype=np.float64))
    if x.shape != y.shape or x.ndim != 1:
        raise InputError("x and y must be 1-D arrays of the same length", field="x")
    if crs is not None:
        transformer = dsm.transformer_from(crs)
        if transformer is not None:
            x, y = (np.asarray(v, dtype=np.float64) for v in transformer.transform(x, y))
    notes = _notes(sites, scenario)
    ground_grid = ground_surface(dsm, dtm, notes)
    rows, cols = dsm.rows_cols(x, y)
    inside = rows >= 0
    ground = np.where(inside, ground_grid[np.maximum(rows, 0), np.maximum(cols, 0)], np.nan)
    z_rx = ground + receiver_height
    with np.errstate(invalid="ignore"):
        indoor = inside & (dsm.sample(x, y) > z_rx + indoor_tolerance_m)
    outside = int(np.count_nonzero(~inside))
    if outside:
        notes.append(f"{outside} points outside the DSM: no prediction")
    antennas, report = place_antennas(dsm, ground_grid, sites, host_radius_m, notes)
    by_cell = np.full((x.size, len(sites)), np.nan, dtype=np.float32)
    los_by_cell = np.zeros((x.size, len(sites)), dtype=bool)
    for k, antenna in enumerate(antennas):
        check_canceled(is_canceled)
        d2d, bearing, h_bs = _geometry(antenna, x, y, ground)
        reach = np.flatnonzero((d2d <= max_distance) & np.isfinite(z_rx))
        ends = np.column_stack([x[reach], y[reach], z_rx[reach]])
        los = segment_test(dsm, np.array([antenna.x, antenna.y, antenna.z]), ends, antenna.host).clear
        for j in antenna.cells:
            by_cell[reach, j] = _cell_rsrp(budget, sites.table.iloc[j], j, d2d[reach], bearing[reach], los, h_bs[reach])
            los_by_cell[reach, j] = los
        progress((k + 1) / len(antennas))
    has_any = np.isfinite(by_cell).any(axis=1)
    server = np.where(has_any, np.argmax(np.where(np.isfinite(by_cell), by_cell, -np.inf), axis=1), -1)
    picked = np.maximum(server, 0)
    rsrp = np.where(has_any, by_cell[np.arange(x.size), picked], np.nan).astype(np.float64)
    los_best = has_any & los_by_cell[np.arange(x.size), picked]
    parameters = _parameters(budget, resource_blocks, host_radius_m, indoor_tolerance_m)
    return PointPrediction(
        rsrp, server.astype(np.int64), los_best, indoor, by_cell, x, y, sites, report, notes, parameters
    )
