"""GNSS availability map: LOS satellites and LOS-only HDOP in every cell of a grid.

For a set of satellite directions (azimuth, elevation and constellation: one epoch of a
log's GSV records, or a snapshot the user gives in a CSV file) and a receiver
``receiver_height`` above the ground in every cell of the DSM's grid, a satellite is
line-of-sight in a cell when its elevation is above the DSM's horizon in its azimuth
there (:func:`citytwin.processing.navcomm.horizon.horizon_elevation`). The map gives
the number of LOS satellites (all and BeiDou) and the HDOP of the LOS satellites
alone (one receiver clock per constellation; :func:`citytwin.processing.gnss_dop.dop`):
where positioning fails in the urban canyon (fewer than four LOS satellites, or HDOP
too large), which is what 3D-mapping-aided GNSS studies map (Groves 2011, "Shadow
matching", J. Navigation 64(3)).

Cells whose receiver would be inside a building (DSM above the receiver) and cells
without a height are no-data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...common.errors import InputError
from ...common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from ..gnss_dop import dop
from .surface import Surface

#: Cells processed per call of the horizon kernel (bounds the (cells, satellites) arrays).
BLOCK_CELLS = 65_536
#: A receiver this far below the DSM of its own cell is inside a building.
INDOOR_TOLERANCE_M = 0.5


@dataclass
class SatelliteSet:
    """Satellite directions: one row per satellite (``constellation``, ``prn``,
    ``azimuth_deg``, ``elevation_deg``) and where they came from."""

    table: pd.DataFrame
    description: str

    @property
    def n(self) -> int:
        return len(self.table)


@dataclass
class AvailabilityGrid:
    """Per cell of the DSM grid (NaN = no-data): ``n_los``, ``n_los_beidou``, ``hdop_los``;
    ``indoor`` marks cells inside buildings."""

    n_los: np.ndarray
    n_los_beidou: np.ndarray
    hdop_los: np.ndarray
    indoor: np.ndarray
    satellites: SatelliteSet


def satellites_from_log(log, time: str | pd.Timestamp | None = None, source: str | Path | None = None) -> SatelliteSet:
    """The satellites in view at one epoch of an NMEA log (GSV).

    ``time`` picks the epoch nearest to it; without it, the epoch with the most satellites
    that have an elevation (the fullest sky of the log).
    """
    sats = log.satellites
    if sats.empty:
        raise InputError("the log has no GSV sentences (satellites in view)", source=source)
    usable = sats[np.isfinite(sats["elevation_deg"]) & np.isfinite(sats["azimuth_deg"])]
    if usable.empty:
        raise InputError("no satellite of the log has an elevation and an azimuth", source=source)
    if time is None:
        counts = usable.groupby("epoch").size()
        epoch = int(counts.idxmax())
    else:
        stamp = pd.Timestamp(time)
        times = log.epochs["time"]
        if times.isna().all():
            raise InputError("the log has no dates, so an epoch cannot be chosen by time", source=source)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
        epoch = int((times - stamp).abs().idxmin())
        if epoch not in set(usable["epoch"]):
            raise InputError(f"the epoch nearest to {stamp} has no satellite with an elevation", source=source)
    chosen = usable[usable["epoch"] == epoch].drop_duplicates(["constellation", "prn"])
    table = pd.DataFrame(
        {
            "constellation": chosen["constellation"].astype(str).to_numpy(),
            "prn": chosen["prn"].to_numpy(),
            "azimuth_deg": chosen["azimuth_deg"].to_numpy(float),
            "elevation_deg": chosen["elevation_deg"].to_numpy(float),
        }
    )
    when = log.epochs["time"].iloc[epoch]
    label = str(when) if pd.notna(when) else f"line {int(log.epochs['line'].iloc[epoch])}"
    return SatelliteSet(table, f"{len(table)} satellites of the epoch at {label}")


_SNAPSHOT_COLUMNS = {
    "constellation": ("constellation", "system", "gnss", "星座", "系统"),
    "prn": ("prn", "sv", "svid", "sat", "卫星号"),
    "azimuth_deg": ("azimuth_deg", "azimuth", "az", "方位角"),
    "elevation_deg": ("elevation_deg", "elevation", "el", "elev", "高度角"),
}


def read_satellite_snapshot(path: str | Path) -> SatelliteSet:
    """A constellation snapshot from a CSV file: columns constellation (or system), prn,
    azimuth and elevation in degrees (English or Chinese headers, case-insensitive).

    Rows with a missing or out-of-range angle are an error naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path)
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable CSV file ({exc})", source=path) from exc
    lower = {str(c).strip().lower(): c for c in frame.columns}
    picked = {}
    for key, names in _SNAPSHOT_COLUMNS.items():
        found = next((lower[n] for n in names if n in lower), None)
        if found is None and key != "constellation":
            raise InputError(f"no {key.split('_')[0]} column (expected one of {', '.join(names)})", source=path)
        picked[key] = found
    table = pd.DataFrame(
        {
            "constellation": frame[picked["constellation"]].astype(str) if picked["constellation"] else "GPS",
            "prn": frame[picked["prn"]],
        }
    )
    for key in ("azimuth_deg", "elevation_deg"):
        values = pd.to_numeric(frame[picked[key]], errors="coerce").to_numpy(float)
        low, high = (0.0, 360.0) if key == "azimuth_deg" else (-90.0, 90.0)
        bad = ~np.isfinite(values) | (values < low) | (values > high)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{key.split('_')[0]} {frame[picked[key]].iloc[row]!r} is missing or outside {low:g}..{high:g} degrees",
                source=path,
                line=row + 2,
                field=str(picked[key]),
            )
        table[key] = values
    if table.empty:
        raise InputError("the file has no satellites", source=path)
    return SatelliteSet(table, f"{len(table)} satellites from {path.name}")


def receiver_heights(dsm: Surface, dtm: Surface | None, receiver_height: float) -> tuple[np.ndarray, np.ndarray]:
    """Receiver height in every cell (ground + ``receiver_height``) and the indoor mask
    (:meth:`Surface.indoor`: DSM more than :data:`INDOOR_TOLERANCE_M` above the receiver,
    or a DSM hole in a roof)."""
    ground = dsm.z if dtm is None else dtm.z
    z = ground + receiver_height
    return z, dsm.indoor(z, INDOOR_TOLERANCE_M)


def availability_grid(
    dsm: Surface,
    satellites: SatelliteSet,
    dtm: Surface | None = None,
    receiver_height: float = 1.5,
    elevation_mask: float = 10.0,
    max_distance: float = 1000.0,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> AvailabilityGrid:
    """LOS satellites and LOS-only HDOP in every cell of the DSM's grid.

    Parameters
    ----------
    dsm, dtm
        Surface model and (optionally, on the same grid) terrain model, metres.
    satellites
        The directions (:func:`satellites_from_log` or :func:`read_satellite_snapshot`).
    receiver_height
        Antenna height above the ground, metres.
    elevation_mask
        Satellites below this elevation (degrees) are not used, as receivers do.
    max_distance
        How far each ray looks for obstacles, metres.
    """
    from .horizon import horizon_elevation

    dsm.check_metric()
    table = satellites.table[satellites.table["elevation_deg"] >= elevation_mask]
    if table.empty:
        raise InputError(f"no satellite is above the elevation mask of {elevation_mask:g}°", field="elevation_mask")
    z, indoor = receiver_heights(dsm, dtm, receiver_height)
    xs, ys = dsm.cell_centres()
    todo = np.flatnonzero((np.isfinite(z) & ~indoor).ravel())
    azimuth = table["azimuth_deg"].to_numpy(float)
    elevation = table["elevation_deg"].to_numpy(float)
    constellation = table["constellation"].astype(str).to_numpy(object)
    codes = pd.factorize(constellation)[0]
    beidou = constellation == "BeiDou"
    n_los = np.full(dsm.z.size, np.nan)
    n_beidou = np.full(dsm.z.size, np.nan)
    hdop = np.full(dsm.z.size, np.nan)
    for start in range(0, len(todo), BLOCK_CELLS):
        check_canceled(is_canceled)
        cells = todo[start : start + BLOCK_CELLS]
        rows, cols = np.divmod(cells, dsm.n_cols)
        rays = horizon_elevation(dsm, xs[cols], ys[rows], z.ravel()[cells], azimuth, max_distance=max_distance)
        los = elevation[None, :] > rays.elevation_deg
        n_los[cells] = los.sum(axis=1)
        n_beidou[cells] = los[:, beidou].sum(axis=1)
        shape = los.shape
        hdop[cells] = dop(
            np.broadcast_to(azimuth, shape), np.broadcast_to(elevation, shape), los, np.broadcast_to(codes, shape)
        )["hdop"]
        progress(min(1.0, (start + len(cells)) / max(len(todo), 1)))
    shape = dsm.z.shape
    return AvailabilityGrid(n_los.reshape(shape), n_beidou.reshape(shape), hdop.reshape(shape), indoor, satellites)
