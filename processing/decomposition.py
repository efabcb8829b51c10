"""Vertical and east-west motion from ascending and descending line-of-sight velocities.

A line-of-sight (LOS) velocity is the projection of the ground velocity (vE, vN, vU) on
the unit vector from the ground to the satellite, ``v_los = e·vE + n·vN + u·vU``. Two
geometries give two equations; the north component cannot be resolved from polar-orbit
SAR (the LOS is nearly perpendicular to north, |n| ≈ 0.1), so, as is standard (e.g.
Manzo et al. 2006; the EGMS L3 "ortho" product, Crosetto et al. 2021), it is neglected::

    [v_asc ]   [e_asc  u_asc ] [vE]
    [v_desc] = [e_desc u_desc] [vU]

solved in closed form per pair. A north-south motion vN leaks into the result as
``n·vN`` in each equation: say so when reporting.

LOS unit vectors come from EGMS ``los_east``/``los_north``/``los_up`` fields, or from the
incidence angle θ and the satellite heading α (track angle, clockwise from north) of a
right-looking SAR: ``e = −sin θ cos α``, ``n = sin θ sin α``, ``u = cos θ`` (positive
towards the satellite, the EGMS convention).

Co-location: each ascending point is paired with the nearest descending point within
``max_distance`` when each is the other's nearest (mutual nearest neighbours, so no
measurement is used twice); the result sits at the pair's midpoint. Gridded inputs
(cell centres) pair the same way with ``max_distance`` about half a cell.

Uncertainty: with the LOS standard deviations σ_asc and σ_desc (independent), σ(vE) and
σ(vU) follow by linear propagation through the inverse 2 x 2 matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..common.errors import InputError

#: Pairs whose 2 x 2 system is this close to singular (|det|) are dropped.
MIN_DETERMINANT = 0.1


def los_from_angles(incidence_deg: np.ndarray, heading_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LOS unit vector (east, north, up), ground to satellite, of a right-looking SAR."""
    theta = np.radians(np.asarray(incidence_deg, dtype=np.float64))
    alpha = np.radians(np.asarray(heading_deg, dtype=np.float64))
    return -np.sin(theta) * np.cos(alpha), np.sin(theta) * np.sin(alpha), np.cos(theta)


@dataclass
class Geometry:
    """One acquisition geometry's points: positions, LOS velocity and LOS unit vector."""

    x: np.ndarray
    y: np.ndarray
    velocity: np.ndarray  # mm/yr, positive towards the satellite
    los_east: np.ndarray
    los_up: np.ndarray
    los_north: np.ndarray | None = None
    velocity_sd: np.ndarray | None = None
    name: str = ""

    def __post_init__(self) -> None:
        n = np.asarray(self.x).size
        for label in ("y", "velocity", "los_east", "los_up", "los_north", "velocity_sd"):
            value = getattr(self, label)
            if value is not None and np.asarray(value).size != n:
                raise InputError(f"'{label}' has {np.asarray(value).size} values for {n} points", source=self.name)
        if n == 0:
            raise InputError("no points", source=self.name)
        norm = np.hypot(np.hypot(self.los_east, self.los_up), 0 if self.los_north is None else self.los_north)
        bad = np.isfinite(norm) & (np.abs(norm - 1.0) > 0.05)
        if self.los_north is not None and bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"the LOS vector of point {i + 1} has length {norm[i]:.3f}, not 1: los_east/los_north/los_up "
                "must be unit-vector components",
                source=self.name,
                line=i + 1,
            )


@dataclass
class Decomposition:
    """Result: one row per co-located pair."""

    x: np.ndarray
    y: np.ndarray
    vertical: np.ndarray  # mm/yr, up positive
    east: np.ndarray  # mm/yr, east positive
    vertical_sd: np.ndarray
    east_sd: np.ndarray
    asc_index: np.ndarray
    desc_index: np.ndarray
    distance: np.ndarray
    notes: list[str] = field(default_factory=list)


def solve_pair(v_asc, v_desc, e_asc, u_asc, e_desc, u_desc):
    """(vE, vU) from two LOS velocities, neglecting north; NaN where the system is near singular."""
    det = e_asc * u_desc - e_desc * u_asc
    ok = np.abs(det) >= MIN_DETERMINANT
    det = np.where(ok, det, np.nan)
    east = (u_desc * v_asc - u_asc * v_desc) / det
    up = (e_asc * v_desc - e_desc * v_asc) / det
    return east, up


def decompose(asc: Geometry, desc: Geometry, max_distance: float) -> Decomposition:
    """Pair ``asc`` and ``desc`` points within ``max_distance`` (CRS units) and solve each pair."""
    from scipy.spatial import cKDTree

    if not max_distance > 0:
        raise InputError(f"the pairing distance must be positive, got {max_distance}", field="max_distance")
    pa = np.column_stack([asc.x, asc.y]).astype(np.float64)
    pd_ = np.column_stack([desc.x, desc.y]).astype(np.float64)
    da, ia = cKDTree(pd_).query(pa, distance_upper_bound=max_distance)
    _, idd = cKDTree(pa).query(pd_, distance_upper_bound=max_distance)
    candidates = np.flatnonzero(np.isfinite(da))
    mutual = candidates[idd[ia[candidates]] == candidates]
    j = ia[mutual]
    east, up = solve_pair(
        np.asarray(asc.velocity, np.float64)[mutual],
        np.asarray(desc.velocity, np.float64)[j],
        np.asarray(asc.los_east, np.float64)[mutual],
        np.asarray(asc.los_up, np.float64)[mutual],
        np.asarray(desc.los_east, np.float64)[j],
        np.asarray(desc.los_up, np.float64)[j],
    )
    if asc.velocity_sd is not None and desc.velocity_sd is not None:
        sa = np.asarray(asc.velocity_sd, np.float64)[mutual]
        sd = np.asarray(desc.velocity_sd, np.float64)[j]
        ea, ua = np.asarray(asc.los_east)[mutual], np.asarray(asc.los_up)[mutual]
        ed, ud = np.asarray(desc.los_east)[j], np.asarray(desc.los_up)[j]
        det = ea * ud - ed * ua
        east_sd = np.sqrt((ud * sa) ** 2 + (ua * sd) ** 2) / np.abs(det)
        up_sd = np.sqrt((ed * sa) ** 2 + (ea * sd) ** 2) / np.abs(det)
    else:
        east_sd = np.full(mutual.size, np.nan)
        up_sd = np.full(mutual.size, np.nan)
    keep = np.isfinite(east) & np.isfinite(up)
    notes = [
        f"{int(keep.sum())} pairs within {max_distance:g} m from {pa.shape[0]} ascending and "
        f"{pd_.shape[0]} descending points (mutual nearest neighbours).",
        "The north-south component is neglected (standard for polar-orbit SAR): a north-south motion vN "
        "adds about los_north·vN to each line of sight.",
    ]
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} pairs dropped: the two geometries were too similar to separate.")
    return Decomposition(
        x=(pa[mutual, 0] + pd_[j, 0])[keep] / 2,
        y=(pa[mutual, 1] + pd_[j, 1])[keep] / 2,
        vertical=up[keep],
        east=east[keep],
        vertical_sd=up_sd[keep],
        east_sd=east_sd[keep],
        asc_index=mutual[keep],
        desc_index=j[keep],
        distance=da[mutual][keep],
        notes=notes,
    )
