"""GNSS line-of-sight from real observations: each satellite of an NMEA log, LOS or NLOS.

For every epoch of a log (:func:`citytwin.layers.nmea.read_nmea`) the receiver position
comes from GGA (RMC when there is no GGA) and the satellites in view from GSV: PRN,
elevation, azimuth, C/N0 and the talker's constellation. A satellite is **LOS** when its
elevation is above the horizon of the DSM at the receiver *in the satellite's azimuth*
(one ray per satellite, :func:`citytwin.processing.navcomm.horizon.horizon_elevation`),
else **NLOS**: its signal, if tracked, reached the antenna by reflection or diffraction.

Per epoch the report gives satellites LOS/NLOS per constellation (BeiDou separately),
HDOP recomputed from the LOS satellites only (their azimuth/elevation geometry, one
clock per constellation: :func:`citytwin.processing.gnss_dop.dop`) next to the HDOP of
every satellite in view, and the mean C/N0 of LOS and of NLOS satellites. NLOS signals
arrive weaker (a reflection loses several dB and the antenna's gain is lower at the
arrival angle), so a clearly lower NLOS mean is the built-in check that the 3D model is
right (Groves 2011, "Shadow matching: a new GNSS positioning technique for urban
canyons", J. Navigation 64(3); Wang, Groves & Ziebart 2013, "GNSS shadow matching:
improving urban positioning accuracy using a 3D city model with optimized visibility
scoring scheme", NAVIGATION 60(3)).

Assumptions, stated in the outputs' notes:
- The receiver is ``receiver_height`` above the DTM at the logged position (above the
  DSM where no DTM is given): the log's altitude is above mean sea level through the
  receiver's own geoid model, the DSM's heights are in the base's vertical datum, and
  the two need not agree. ``use_log_altitude`` takes the GGA altitude instead.
- GSV angles are whole degrees, so a satellite within about 1° of the horizon can fall
  either way; ``margin_deg`` (elevation minus horizon) lets the user see those.
- NMEA positions are WGS 84; the base's CGCS2000 is taken as equal (a few cm apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...common.errors import InputError
from ...common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from ..gnss_dop import dop
from .surface import Surface

#: Per-satellite status values.
LOS, NLOS, NO_ELEVATION, NO_POSITION, OUTSIDE = "LOS", "NLOS", "no elevation", "no position", "outside DSM"
#: Constellations reported in columns of their own (others go to "other").
REPORTED = ("GPS", "BeiDou", "Galileo", "GLONASS", "QZSS")
#: Satellites of one epoch classified per call of the horizon kernel.
BATCH_ROWS = 200_000


@dataclass
class GnssLos:
    """The classification of a log.

    Attributes
    ----------
    epochs
        One row per epoch (the log's epochs columns ``time``, ``lat``, ``lon``,
        ``hdop``, ``line`` and): ``x``, ``y`` (DSM CRS), ``receiver_z``, ``status``
        (``ok``, ``no position``, ``outside DSM``, ``no satellites``), ``n_in_view``,
        ``n_los``, ``n_nlos``, ``los_<constellation>`` and ``nlos_<constellation>`` for
        :data:`REPORTED` plus ``other``, ``hdop_all`` and ``hdop_los`` (recomputed),
        ``cn0_los_dbhz`` and ``cn0_nlos_dbhz``.
    satellites
        One row per GSV satellite row: the log's satellite columns plus ``x``, ``y``,
        ``horizon_deg``, ``margin_deg`` (elevation − horizon), ``status`` (see the
        module constants), ``los`` (boolean, NA where not classified) and
        ``gap_fraction`` (share of the ray on DSM no-data).
    summary
        Counts and the C/N0 check: ``n_los``, ``n_nlos``, ``cn0_los_dbhz``,
        ``cn0_nlos_dbhz``, ``cn0_difference_db`` (LOS − NLOS), per constellation too.
    notes
        Sentences for the user (assumptions, skipped rows).
    """

    epochs: pd.DataFrame
    satellites: pd.DataFrame
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def classify_log(
    log: Any,
    dsm: Surface,
    dtm: Surface | None = None,
    receiver_height: float = 1.5,
    max_distance: float = 1000.0,
    use_log_altitude: bool = False,
    source: str | Path | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> GnssLos:
    """Classify every satellite of an NMEA log LOS or NLOS against a DSM.

    Parameters
    ----------
    log
        A :class:`~citytwin.layers.nmea.NmeaLog` (or a path, read with ``read_nmea``).
    dsm
        The surface model (projected, metres); ``dtm`` on the same grid gives the
        ground under the receiver.
    receiver_height
        Antenna height above the ground, metres.
    max_distance
        How far each ray looks for obstacles, metres.
    use_log_altitude
        Take the receiver's height from GGA (altitude + geoid separation) instead.
    source
        The log's path, named in messages.

    Raises
    ------
    InputError
        When the log has no GSV satellites, no satellite with an elevation, or no
        position inside the DSM.
    """
    from ...layers.nmea import read_nmea

    if isinstance(log, (str, Path)):
        source = source or log
        log = read_nmea(log, is_canceled=is_canceled)
    source = source or getattr(getattr(log, "report", None), "source", None)
    dsm.check_metric()
    sats = log.satellites
    if sats.empty:
        raise InputError(
            "the log has no GSV sentences (satellites in view): line-of-sight needs each satellite's "
            "azimuth and elevation; switch on GSV output on the receiver",
            source=source,
        )
    notes: list[str] = []
    epochs = _receiver_positions(log.epochs, dsm, dtm, receiver_height, use_log_altitude, source, notes)
    progress(0.05)
    satellites = _classify_satellites(sats, epochs, dsm, max_distance, notes, progress, is_canceled)
    if not (satellites["status"].isin([LOS, NLOS])).any():
        raise InputError(
            "no satellite could be classified: " + "; ".join(notes or ["no satellite has an elevation"]),
            source=source,
        )
    _epoch_report(epochs, satellites)
    progress(1.0)
    return GnssLos(epochs, satellites, _summary(satellites), notes)


def _receiver_positions(
    epochs: pd.DataFrame,
    dsm: Surface,
    dtm: Surface | None,
    receiver_height: float,
    use_log_altitude: bool,
    source: Any,
    notes: list[str],
) -> pd.DataFrame:
    out = epochs.copy()
    lon, lat = out["lon"].to_numpy(float), out["lat"].to_numpy(float)
    has_position = np.isfinite(lon) & np.isfinite(lat)
    if not has_position.any():
        raise InputError("the log has no position (no GGA or RMC with latitude and longitude)", source=source)
    to_dsm = dsm.transformer_from("EPSG:4326")
    x, y = (lon, lat) if to_dsm is None else to_dsm.transform(lon, lat)
    x, y = np.where(has_position, x, np.nan), np.where(has_position, y, np.nan)
    ground = (dtm if dtm is not None else dsm).sample(x, y)
    if use_log_altitude:
        z = out["alt_m"].to_numpy(float) + np.nan_to_num(out["geoid_sep_m"].to_numpy(float))
    else:
        z = ground + receiver_height
    rows, _ = dsm.rows_cols(x, y)
    status = np.where(~has_position, NO_POSITION, np.where((rows < 0) | ~np.isfinite(z), OUTSIDE, "ok"))
    out["x"], out["y"], out["receiver_z"], out["status"] = x, y, z, status
    if (status == OUTSIDE).any():
        notes.append(
            f"{int((status == OUTSIDE).sum()):,} epochs lie outside the DSM (or on its no-data): not classified."
        )
    if (status == NO_POSITION).any():
        notes.append(f"{int((status == NO_POSITION).sum()):,} epochs have no position: not classified.")
    if not (status == "ok").any():
        raise InputError("no epoch of the log lies inside the DSM: check that the DSM covers the drive", source=source)
    height = "the log's GGA altitude" if use_log_altitude else f"{receiver_height:g} m above the ground"
    notes.append(f"Receiver antenna taken at {height}.")
    return out


def _classify_satellites(
    sats: pd.DataFrame,
    epochs: pd.DataFrame,
    dsm: Surface,
    max_distance: float,
    notes: list[str],
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> pd.DataFrame:
    from .horizon import horizon_elevation

    out = sats.copy()
    epoch = out["epoch"].to_numpy(np.int64)
    elevation = out["elevation_deg"].to_numpy(float)
    azimuth = out["azimuth_deg"].to_numpy(float)
    epoch_status = epochs["status"].to_numpy(object)[epoch]
    has_angles = np.isfinite(elevation) & np.isfinite(azimuth)
    status = np.where(epoch_status == "ok", np.where(has_angles, "", NO_ELEVATION), epoch_status).astype(object)
    if (status == NO_ELEVATION).any():
        notes.append(
            f"{int((status == NO_ELEVATION).sum()):,} satellite rows have no elevation or azimuth "
            "(receivers leave them empty before the almanac is known): not classified."
        )
    x = epochs["x"].to_numpy(float)[epoch]
    y = epochs["y"].to_numpy(float)[epoch]
    z = epochs["receiver_z"].to_numpy(float)[epoch]
    horizon = np.full(len(out), np.nan)
    gaps = np.full(len(out), np.nan)
    todo = np.flatnonzero(status == "")
    for start in range(0, len(todo), BATCH_ROWS):
        check_canceled(is_canceled)
        part = todo[start : start + BATCH_ROWS]
        rays = horizon_elevation(dsm, x[part], y[part], z[part], azimuth[part, None], max_distance=max_distance)
        horizon[part] = rays.elevation_deg[:, 0]
        gaps[part] = rays.gap_fraction[:, 0]
        progress(0.05 + 0.9 * min(1.0, (start + len(part)) / max(len(todo), 1)))
    los = elevation > horizon
    status[todo] = np.where(los[todo], LOS, NLOS)
    out["x"], out["y"] = x, y
    out["horizon_deg"] = horizon
    out["margin_deg"] = np.where(np.isfinite(horizon), elevation - horizon, np.nan)
    out["status"] = pd.Categorical(status, categories=[LOS, NLOS, NO_ELEVATION, NO_POSITION, OUTSIDE])
    out["los"] = pd.array(np.where(np.isin(status, [LOS, NLOS]), los, None), dtype="boolean")
    out["gap_fraction"] = gaps
    return out


def _group(constellation: pd.Series) -> np.ndarray:
    names = constellation.astype(str).to_numpy(object)
    return np.where(np.isin(names, REPORTED), names, "other")


def _epoch_report(epochs: pd.DataFrame, sats: pd.DataFrame) -> None:
    """Add the per-epoch counts, DOPs and C/N0 means to ``epochs`` (in place)."""
    n = len(epochs)
    epoch = sats["epoch"].to_numpy(np.int64)
    status = sats["status"].astype(str).to_numpy(object)
    is_los, is_nlos = status == LOS, status == NLOS
    group = _group(sats["constellation"])
    # One row per satellite for counts and geometry: NMEA 4.11 logs repeat a satellite
    # per signal (L1, L5, B1I, ...) in separate GSV groups.
    first = ~pd.DataFrame({"e": epoch, "c": sats["constellation"].astype(str), "p": sats["prn"]}).duplicated()
    first = first.to_numpy()
    epochs["n_in_view"] = np.bincount(epoch[first], minlength=n)
    epochs["n_los"] = np.bincount(epoch[first & is_los], minlength=n)
    epochs["n_nlos"] = np.bincount(epoch[first & is_nlos], minlength=n)
    for name in (*REPORTED, "other"):
        mine = first & (group == name)
        key = name.lower()
        epochs[f"los_{key}"] = np.bincount(epoch[mine & is_los], minlength=n)
        epochs[f"nlos_{key}"] = np.bincount(epoch[mine & is_nlos], minlength=n)
    classified = first & (is_los | is_nlos)
    epochs["hdop_all"] = _hdop_per_epoch(sats, classified, n)
    epochs["hdop_los"] = _hdop_per_epoch(sats, classified & is_los, n)
    cn0 = sats["cn0_dbhz"].to_numpy(float)
    tracked = np.isfinite(cn0)
    for label, mask in (("los", is_los), ("nlos", is_nlos)):
        take = mask & tracked
        total = np.bincount(epoch[take], weights=cn0[take], minlength=n)
        count = np.bincount(epoch[take], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            epochs[f"cn0_{label}_dbhz"] = np.where(count > 0, total / count, np.nan)
    epochs.loc[(epochs["status"] == "ok") & (epochs["n_los"] + epochs["n_nlos"] == 0), "status"] = "no satellites"


def _hdop_per_epoch(sats: pd.DataFrame, take: np.ndarray, n_epochs: int) -> np.ndarray:
    """HDOP of the satellites ``take`` per epoch (NaN where fewer than the unknowns)."""
    rows = sats[take]
    out = np.full(n_epochs, np.nan)
    if rows.empty:
        return out
    epoch = rows["epoch"].to_numpy(np.int64)
    slot = rows.groupby("epoch").cumcount().to_numpy()
    shape = (n_epochs, int(slot.max()) + 1)
    az, el, system = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, -1, dtype=np.int64)
    az[epoch, slot] = rows["azimuth_deg"].to_numpy(float)
    el[epoch, slot] = rows["elevation_deg"].to_numpy(float)
    system[epoch, slot] = rows["constellation"].cat.codes.to_numpy() if hasattr(rows["constellation"], "cat") else 0
    # Chunked: the normal matrices of all epochs at once would be (E, S, 3 + systems) floats.
    for start in range(0, n_epochs, 20_000):
        part = slice(start, start + 20_000)
        out[part] = dop(az[part], el[part], np.isfinite(az[part]), system[part])["hdop"]
    return out


def _mean(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else float("nan")


def _summary(sats: pd.DataFrame) -> dict[str, Any]:
    status = sats["status"].astype(str).to_numpy(object)
    cn0 = sats["cn0_dbhz"].to_numpy(float)
    group = _group(sats["constellation"])
    summary: dict[str, Any] = {"constellations": {}}
    for name in (None, *REPORTED, "other"):
        mine = np.ones(len(sats), dtype=bool) if name is None else group == name
        los, nlos = mine & (status == LOS), mine & (status == NLOS)
        if name is not None and not (los | nlos).any():
            continue
        entry = {
            "n_los": int(los.sum()),
            "n_nlos": int(nlos.sum()),
            "cn0_los_dbhz": _mean(cn0[los]),
            "cn0_nlos_dbhz": _mean(cn0[nlos]),
            "tracked_los": int((los & np.isfinite(cn0)).sum()),
            "tracked_nlos": int((nlos & np.isfinite(cn0)).sum()),
        }
        entry["cn0_difference_db"] = entry["cn0_los_dbhz"] - entry["cn0_nlos_dbhz"]
        if name is None:
            summary.update(entry)
        else:
            summary["constellations"][name] = entry
    summary["n_unclassified"] = int((~np.isin(status, [LOS, NLOS])).sum())
    return summary
