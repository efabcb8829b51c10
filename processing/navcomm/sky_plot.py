"""The sky plot of a place: its DSM horizon and, when a log is given, the satellites there.

A sky plot is the polar chart GNSS engineers read: azimuth clockwise from north, the
zenith in the centre and the horizon on the outer ring (radius = 90° − elevation). The
buildings' horizon is drawn as a filled skyline, the satellites of the log's epoch
nearest to the place as markers, green when line-of-sight *from the picked place*, red
when blocked. Pure core: the data come from :func:`sky_plot_data`, the drawing from
:func:`draw_sky_plot` on any matplotlib ``Figure`` (the dock's Qt canvas, or a PNG
written by the demo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...common.errors import InputError
from .surface import Surface

#: Azimuth resolution of the plotted skyline (finer than the 72 analysis sectors: it is a picture).
PLOT_SECTORS = 360

LABELS = {
    "title": "Sky plot",
    "los": "LOS",
    "nlos": "NLOS (blocked)",
    "skyline": "Buildings (DSM horizon)",
    "mask": "Elevation mask",
    "svf": "Sky-view factor {svf:.2f} · open sky above {mask:g}°: {open:.0%}",
    "satellites": "{n_los} LOS / {n_nlos} NLOS satellites · epoch {time} ({distance:.0f} m away)",
    "no_log": "No log satellites near this place",
}


@dataclass
class SkyPlotData:
    """What a sky plot shows."""

    x: float
    y: float
    receiver_z: float
    azimuth_deg: np.ndarray
    horizon_deg: np.ndarray
    svf: float
    open_sky: float
    mask_deg: float
    #: constellation, prn, azimuth_deg, elevation_deg, cn0_dbhz, horizon_deg, los
    satellites: pd.DataFrame = field(default_factory=pd.DataFrame)
    epoch_time: Any = None
    epoch_distance_m: float = float("nan")


def sky_plot_data(
    dsm: Surface,
    x: float,
    y: float,
    dtm: Surface | None = None,
    receiver_height: float = 1.5,
    max_distance: float = 1000.0,
    mask_deg: float = 25.0,
    log: Any = None,
    max_epoch_distance: float = 50.0,
) -> SkyPlotData:
    """Horizon, sky view and (with an NMEA ``log``) the satellites at one place.

    Parameters
    ----------
    dsm, dtm
        Surface and (optional, same grid) terrain; ``x``, ``y`` in the DSM's CRS.
    log
        A :class:`~citytwin.layers.nmea.NmeaLog`: the satellites of the epoch whose
        position is nearest to the place (within ``max_epoch_distance`` metres) are
        classified from the place itself.

    Raises
    ------
    InputError
        When the place is outside the DSM or on its no-data.
    """
    from .horizon import horizon_elevation, open_sky_fraction, svf_from_horizon

    ground = (dtm if dtm is not None else dsm).sample(np.array([x]), np.array([y]))[0]
    if not np.isfinite(ground):
        raise InputError(f"the point ({x:.1f}, {y:.1f}) is outside the DSM or on its no-data", source=dsm.path)
    z = ground + receiver_height
    azimuth = np.arange(PLOT_SECTORS) * (360.0 / PLOT_SECTORS)
    rays = horizon_elevation(dsm, np.array([x]), np.array([y]), np.array([z]), azimuth, max_distance=max_distance)
    horizon = rays.elevation_deg[0]
    data = SkyPlotData(
        float(x),
        float(y),
        float(z),
        azimuth,
        horizon,
        float(svf_from_horizon(horizon[None])[0]),
        float(open_sky_fraction(horizon[None], mask_deg)[0]),
        mask_deg,
    )
    if log is not None:
        _add_satellites(data, dsm, log, max_distance, max_epoch_distance)
    return data


def _add_satellites(data: SkyPlotData, dsm: Surface, log: Any, max_distance: float, max_epoch_distance: float) -> None:
    from .horizon import horizon_elevation

    epochs, sats = log.epochs, log.satellites
    if sats.empty:
        return
    lon, lat = epochs["lon"].to_numpy(float), epochs["lat"].to_numpy(float)
    to_dsm = dsm.transformer_from("EPSG:4326")
    ex, ey = (lon, lat) if to_dsm is None else to_dsm.transform(lon, lat)
    distance = np.hypot(np.asarray(ex) - data.x, np.asarray(ey) - data.y)
    with_sats = np.zeros(len(epochs), dtype=bool)
    with_sats[sats["epoch"].to_numpy(np.int64)] = True
    distance = np.where(with_sats & np.isfinite(distance), distance, np.inf)
    nearest = int(np.argmin(distance))
    if not distance[nearest] <= max_epoch_distance:
        return
    chosen = sats[(sats["epoch"] == nearest) & sats["elevation_deg"].notna() & sats["azimuth_deg"].notna()]
    chosen = chosen.drop_duplicates(["constellation", "prn"])
    if chosen.empty:
        return
    azimuth = chosen["azimuth_deg"].to_numpy(float)
    rays = horizon_elevation(
        dsm,
        np.full(len(chosen), data.x),
        np.full(len(chosen), data.y),
        np.full(len(chosen), data.receiver_z),
        azimuth[:, None],
        max_distance=max_distance,
    )
    horizon = rays.elevation_deg[:, 0]
    data.satellites = pd.DataFrame(
        {
            "constellation": chosen["constellation"].astype(str).to_numpy(),
            "prn": chosen["prn"].to_numpy(),
            "azimuth_deg": azimuth,
            "elevation_deg": chosen["elevation_deg"].to_numpy(float),
            "cn0_dbhz": chosen["cn0_dbhz"].to_numpy(float),
            "horizon_deg": horizon,
            "los": chosen["elevation_deg"].to_numpy(float) > horizon,
        }
    )
    data.epoch_time = epochs["time"].iloc[nearest]
    data.epoch_distance_m = float(distance[nearest])


#: Marker per constellation (BeiDou stands out: it is the one the policy is about); others "P".
MARKERS = {"BeiDou": "D", "GPS": "o", "Galileo": "^", "GLONASS": "s"}
#: RINEX system letters for the satellite tags (C = BeiDou).
RINEX_LETTERS = {"GPS": "G", "BeiDou": "C", "Galileo": "E", "GLONASS": "R", "QZSS": "J", "NavIC": "I"}


def draw_sky_plot(figure: Any, data: SkyPlotData, labels: dict[str, str] | None = None) -> Any:
    """Draw ``data`` on ``figure`` (cleared first); returns the polar axes."""
    text = {**LABELS, **(labels or {})}
    figure.clear()
    axes = figure.add_subplot(projection="polar")
    axes.set_theta_zero_location("N")
    axes.set_theta_direction(-1)
    axes.set_rlim(0, 90)
    # radius = 90° − elevation: rings at 60° and 30° elevation; compass letters for azimuth
    axes.set_rticks([30, 60])
    axes.set_yticklabels(["60°", "30°"], fontsize=7, color="#404040")
    axes.set_rlabel_position(22.5)
    axes.set_thetagrids(range(0, 360, 45), ["N", "45°", "E", "135°", "S", "225°", "W", "315°"])
    theta = np.radians(np.append(data.azimuth_deg, data.azimuth_deg[0] + 360.0))
    horizon = np.clip(np.append(data.horizon_deg, data.horizon_deg[0]), 0.0, 90.0)
    axes.fill_between(theta, 90.0 - horizon, 90.0, color="#5b5b5b", alpha=0.75, label=text["skyline"], lw=0)
    axes.plot(theta, np.full(theta.shape, 90.0 - data.mask_deg), ls="--", lw=0.8, color="#2b83ba", label=text["mask"])
    sats = data.satellites
    for los, colour, label in ((True, "#1a9641", text["los"]), (False, "#d7191c", text["nlos"])):
        first = True
        names = sorted(set(sats["constellation"])) if not sats.empty else []
        for name in names:
            mine = sats[(sats["los"] == los) & (sats["constellation"] == name)]
            if mine.empty:
                continue
            marker = MARKERS.get(name, "P")
            axes.scatter(
                np.radians(mine["azimuth_deg"]),
                90.0 - mine["elevation_deg"],
                s=46,
                marker=marker,
                color=colour,
                edgecolor="black",
                linewidth=0.5,
                zorder=3,
                label=label if first else None,
            )
            first = False
            for _, row in mine.iterrows():
                tag = f"{RINEX_LETTERS.get(name, '?')}{int(row['prn']):02d}"
                axes.annotate(tag, (np.radians(row["azimuth_deg"]), 90.0 - row["elevation_deg"]), fontsize=7,
                              xytext=(4, 3), textcoords="offset points")  # fmt: skip
    lines = [text["svf"].format(svf=data.svf, mask=data.mask_deg, open=data.open_sky)]
    if not sats.empty:
        stamp = data.epoch_time.strftime("%Y-%m-%d %H:%M:%S") if pd.notna(data.epoch_time) else "?"
        n_los, n_nlos = int(sats["los"].sum()), int((~sats["los"]).sum())
        lines.append(text["satellites"].format(n_los=n_los, n_nlos=n_nlos, time=stamp, distance=data.epoch_distance_m))
    axes.set_title(f"{text['title']} · ({data.x:.1f}, {data.y:.1f})\n" + "\n".join(lines), fontsize=9)
    axes.legend(loc="upper left", bbox_to_anchor=(0.0, -0.04), fontsize=7, frameon=False, ncols=2)
    return axes
