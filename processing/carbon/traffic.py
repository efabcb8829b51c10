"""Road-traffic CO2 from GNSS trajectories with speed-dependent COPERT emission factors.

1. Segments between consecutive fixes of a track give distance, duration and speed.
   Quality control, per segment (never silently): time going backwards or repeated,
   a gap longer than ``max_gap_s`` (the route between is unknown), a speed above
   ``max_speed_kmh`` (a teleporting jump) are excluded and counted; a speed under
   ``stop_speed_kmh`` is a stop (GNSS jitter, no distance driven; idling is outside the
   hot-emission factors).
2. The emission factor is the EMEP/EEA (COPERT) functional form

       EF(v) = (alpha v^2 + beta v + gamma + delta / v) / (epsilon v^2 + zeta v + eta) * (1 - RF)  [g/km]

   with v in km/h clamped to the class's [vmin, vmax], averaged over the fleet shares.
3. Scaling to a year: either one expansion factor (fleet vehicle-km per probe
   vehicle-km in a year) applied to every segment, or per road of a line layer
   ``EF(space-mean speed of the probes on it) x length x AADT x 365``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...common.errors import InputError
from .factors import FactorTable

STATUSES = ("ok", "stop", "time_backwards", "duplicate_time", "gap", "jump")
STATUS_TEXT = {
    "stop": "stops (speed below the stop threshold: no distance driven)",
    "time_backwards": "segments where time goes backwards (excluded)",
    "duplicate_time": "segments with a repeated time stamp (excluded)",
    "gap": "segments across a gap longer than the gap limit (excluded)",
    "jump": "segments faster than the plausible maximum: position jumps (excluded)",
}


@dataclass(frozen=True)
class CopertClass:
    """Coefficients of one vehicle class (EF in g/km, v in km/h)."""

    name: str
    alpha: float
    beta: float
    gamma: float
    delta: float
    epsilon: float
    zeta: float
    eta: float
    rf: float
    vmin: float
    vmax: float

    def ef(self, speed_kmh) -> np.ndarray:
        v = np.clip(np.asarray(speed_kmh, dtype=np.float64), self.vmin, self.vmax)
        num = self.alpha * v**2 + self.beta * v + self.gamma + self.delta / v
        den = self.epsilon * v**2 + self.zeta * v + self.eta
        return num / den * (1.0 - self.rf)


def copert_classes(factors: FactorTable) -> dict[str, CopertClass]:
    """Every vehicle class with a full set of coefficients in the table."""
    names = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "rf", "vmin", "vmax")
    classes = {}
    for scope in factors.scopes("copert_alpha"):
        values = {n: factors.value(f"copert_{n}", scope) for n in names}
        if not 0 < values["vmin"] < values["vmax"]:
            row = factors.get("copert_vmin", scope)
            raise InputError(f"vmin must be positive and below vmax for '{scope}'", row.table, row.line, "value")
        classes[scope] = CopertClass(scope, **values)
    if not classes:
        raise InputError("the factor table has no COPERT vehicle class (copert_* rows)", factors.source)
    return classes


def parse_fleet(text: str | None, factors: FactorTable) -> dict[str, float]:
    """Fleet shares from ``"class:share, ..."`` (or the table's ``fleet_share`` rows), normalised to 1."""
    classes = copert_classes(factors)
    if text and text.strip():
        shares = {}
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            name, _, share = part.partition(":")
            name = name.strip()
            if name not in classes:
                raise InputError(f"unknown vehicle class '{name}' (known: {', '.join(classes)})", "fleet")
            try:
                shares[name] = float(share) if share.strip() else 1.0
            except ValueError:
                raise InputError(f"share '{share.strip()}' of '{name}' is not a number", "fleet") from None
    else:
        shares = {scope: factors.value("fleet_share", scope) for scope in factors.scopes("fleet_share")}
        unknown = [name for name in shares if name not in classes]
        if unknown:
            row = factors.get("fleet_share", unknown[0])
            raise InputError(f"fleet class '{unknown[0]}' has no copert_* rows", row.table, row.line, "scope")
    total = sum(shares.values())
    if not total > 0 or any(s < 0 for s in shares.values()):
        raise InputError("fleet shares must be non-negative and not all zero", "fleet")
    return {name: share / total for name, share in shares.items()}


def fleet_ef(speed_kmh, classes: Mapping[str, CopertClass], shares: Mapping[str, float]) -> np.ndarray:
    """Fleet-average EF (g/km) at the given speeds."""
    v = np.asarray(speed_kmh, dtype=np.float64)
    return sum(share * classes[name].ef(v) for name, share in shares.items())


@dataclass(frozen=True)
class TrajectoryRules:
    stop_speed_kmh: float = 2.0
    max_speed_kmh: float = 200.0
    max_gap_s: float = 60.0


@dataclass
class TrafficReport:
    fixes: int = 0
    tracks: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    km_driven: float = 0.0

    def notes(self) -> list[str]:
        notes = [f"{self.fixes} fixes in {self.tracks} track(s), {self.km_driven:.2f} km driven"]
        for status, text in STATUS_TEXT.items():
            if self.counts.get(status):
                notes.append(f"{self.counts[status]} {text}")
        return notes


def trajectory_segments(
    x, y, t_seconds, track=None, rules: TrajectoryRules = TrajectoryRules(), source: str = "trajectory"
) -> tuple[pd.DataFrame, TrafficReport]:
    """Segments between consecutive fixes of each track, with a QC status.

    Fixes are grouped by track keeping their input order within a track (a fleet export
    sorted by time interleaves vehicles); they are not sorted by time, so a time going
    backwards within a track is found and reported.

    ``x``/``y`` in metres (a projected CRS), ``t_seconds`` any epoch in seconds. Columns:
    ``track, fix (0-based index of the segment's first fix), xm, ym (midpoint), dist_m,
    dt_s, speed_kmh, status``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    t = np.asarray(t_seconds, dtype=np.float64)
    n = x.shape[0]
    if n < 2:
        raise InputError(f"{n} fix(es): a trajectory needs at least two", source)
    if np.isnan(t).any():
        raise InputError(f"{int(np.isnan(t).sum())} fix(es) without a time", source, field="time")
    tracks = np.zeros(n, dtype=object) if track is None else np.asarray(track, dtype=object)
    if track is not None:
        order = np.argsort(pd.factorize(tracks)[0], kind="stable")
        x, y, t, tracks = x[order], y[order], t[order], tracks[order]
    else:
        order = np.arange(n)
    same = tracks[1:] == tracks[:-1]
    i0 = np.flatnonzero(same)
    dx = x[i0 + 1] - x[i0]
    dy = y[i0 + 1] - y[i0]
    dist = np.hypot(dx, dy)
    dt = t[i0 + 1] - t[i0]
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt > 0, dist / dt * 3.6, np.nan)
    status = np.full(i0.shape, "ok", dtype=object)
    status[speed < rules.stop_speed_kmh] = "stop"
    status[speed > rules.max_speed_kmh] = "jump"
    status[dt > rules.max_gap_s] = "gap"
    status[dt == 0] = "duplicate_time"
    status[dt < 0] = "time_backwards"
    frame = pd.DataFrame(
        {
            "track": tracks[i0],
            "fix": order[i0],
            "xm": (x[i0] + x[i0 + 1]) / 2,
            "ym": (y[i0] + y[i0 + 1]) / 2,
            "dist_m": dist,
            "dt_s": dt,
            "speed_kmh": speed,
            "status": status,
        }
    )
    counts = frame["status"].value_counts()  # hashing, not a sort of a million strings
    report = TrafficReport(
        fixes=n,
        tracks=len(pd.unique(tracks)),
        counts={str(k): int(v) for k, v in counts.items()},
        km_driven=float(dist[status == "ok"].sum() / 1000.0),
    )
    if not report.counts.get("ok"):
        raise InputError("no usable segment (all stops, gaps, jumps or bad times)", source)
    return frame, report


def segment_emissions(
    segments: pd.DataFrame, classes: Mapping[str, CopertClass], shares: Mapping[str, float], expansion: float = 1.0
) -> np.ndarray:
    """Annual tCO2 of each segment: EF(speed) x km x ``expansion``; 0 for stops, NaN for excluded."""
    ok = (segments["status"] == "ok").to_numpy()
    out = np.where(segments["status"].to_numpy() == "stop", 0.0, np.nan)
    ef = fleet_ef(segments["speed_kmh"].to_numpy()[ok], classes, shares)
    out[ok] = ef * segments["dist_m"].to_numpy()[ok] / 1000.0 * expansion * 1e-6
    return out


def road_emissions(
    roads,
    aadt,
    segments: pd.DataFrame,
    classes: Mapping[str, CopertClass],
    shares: Mapping[str, float],
    snap_m: float = 25.0,
    default_speed_kmh: float | None = None,
) -> pd.DataFrame:
    """Annual tCO2 per road line: EF(space-mean probe speed) x length x AADT x 365.

    ``roads`` are shapely lines in the segments' CRS. Each usable segment is given to the
    nearest road within ``snap_m`` of its midpoint; a road's speed is the probes'
    space-mean speed (sum of distances / sum of times). Roads without probes take
    ``default_speed_kmh`` (flagged) or get NULL and a flag.
    """
    import shapely

    roads = np.asarray(roads, dtype=object)
    aadt = pd.to_numeric(pd.Series(aadt), errors="coerce").to_numpy(float)
    ok = segments[segments["status"] == "ok"]
    points = shapely.points(ok["xm"].to_numpy(), ok["ym"].to_numpy())
    tree = shapely.STRtree(roads)
    (seg_idx, road_idx) = tree.query_nearest(points, max_distance=snap_m, all_matches=False)
    n = roads.shape[0]
    dist = np.bincount(road_idx, weights=ok["dist_m"].to_numpy()[seg_idx], minlength=n)
    time = np.bincount(road_idx, weights=ok["dt_s"].to_numpy()[seg_idx], minlength=n)
    count = np.bincount(road_idx, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(time > 0, dist / time * 3.6, np.nan)
    flags = np.full(n, "", dtype=object)
    if default_speed_kmh:
        flags[~np.isfinite(speed)] = f"no GNSS speed on this road: {default_speed_kmh:g} km/h assumed"
        speed = np.where(np.isfinite(speed), speed, default_speed_kmh)
    else:
        flags[~np.isfinite(speed)] = "no GNSS speed on this road"
    no_aadt = ~(aadt >= 0)
    flags[no_aadt] = [f"{f}; no AADT" if f else "no AADT" for f in flags[no_aadt]]
    length_km = shapely.length(roads) / 1000.0
    has_speed = np.isfinite(speed)
    ef = np.full(n, np.nan)
    ef[has_speed] = fleet_ef(speed[has_speed], classes, shares)
    # NaN (NULL) where there is no speed or no AADT: never a silent zero.
    co2 = np.where(aadt >= 0, ef * length_km * aadt * 365.0 * 1e-6, np.nan)
    return pd.DataFrame(
        {
            "probe_segments": count,
            "probe_km": dist / 1000.0,
            "speed_kmh": speed,
            "ef_g_km": ef,
            "length_km": length_km,
            "aadt": aadt,
            "co2_t": co2,
            "flag": flags,
        }
    )
