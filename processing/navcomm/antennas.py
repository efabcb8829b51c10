"""Where the antennas and the ground are, for coverage prediction on a DSM.

The ground under receivers and sites is the DTM, or where it has no value (or there is
none) the lowest DSM cell within :data:`GROUND_WINDOW_M`, which finds streets and yards
between buildings. Each distinct antenna position (x, y, absolute height) is placed once
(its sectors share its line of sight) with the structure it stands on
(:func:`host_structure`), whose cells never block its line of sight: rooftop sectors sit
at the roof's edge, facing outwards, while tables give one position per site.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...common.errors import InputError
from .cell_sites import CellSites
from .surface import Surface
from .visibility import viewshed_window

#: Side of the square in which the lowest DSM cell stands in for a missing ground height.
GROUND_WINDOW_M = 100.0
#: The site's own structure: radius and least height above the site's ground.
HOST_RADIUS_M = 50.0
HOST_MIN_HEIGHT_M = 2.5


@dataclass
class Antenna:
    """One antenna position (the cells sharing it share its line of sight)."""

    x: float
    y: float
    z: float
    cells: list[int]
    host: np.ndarray | None


# -- ground and antennas ----------------------------------------------------------------------------------------
def lowest_dsm(dsm: Surface, window_m: float = GROUND_WINDOW_M) -> np.ndarray:
    """The lowest DSM cell within a square of side ``window_m`` around each cell (NaN if none).

    A crude ground where no DTM is known: streets and yards between buildings are the
    low points (biased low on slopes; use a DTM where there is one).
    """
    from scipy.ndimage import minimum_filter

    size = (max(1, round(window_m / dsm.dy)) | 1, max(1, round(window_m / dsm.dx)) | 1)  # odd: centred
    low = minimum_filter(np.where(np.isfinite(dsm.z), dsm.z, np.inf), size=size, mode="nearest")
    return np.where(np.isfinite(low), low, np.nan)


def ground_surface(dsm: Surface, dtm: Surface | None, notes: list[str]) -> np.ndarray:
    if dtm is None:
        notes.append(f"no DTM: the ground is the lowest DSM cell within {GROUND_WINDOW_M:g} m")
        return lowest_dsm(dsm)
    if not dtm.same_grid(dsm):
        raise InputError(
            "the DTM is not on the DSM's grid: read it with Surface.read_like(dsm)",
            source=dtm.path,
        )
    ground = dtm.z.astype(np.float64, copy=True)
    missing = ~np.isfinite(ground)
    if missing.any():
        ground[missing] = lowest_dsm(dsm)[missing]
        notes.append(
            f"{int(missing.sum())} DTM cells without data: the lowest DSM cell within {GROUND_WINDOW_M:g} m used"
        )
    return ground


def host_structure(
    dsm: Surface, x: float, y: float, ground_z: float, radius_m: float = HOST_RADIUS_M
) -> np.ndarray | None:
    """Cells of the structure under an antenna at (x, y), or None when there is none.

    The cells more than :data:`HOST_MIN_HEIGHT_M` above ``ground_z`` that are connected
    (8 neighbours) to the antenna's cell or one of its neighbours, within ``radius_m``.
    """
    from scipy.ndimage import label

    if radius_m <= 0:
        return None
    window = viewshed_window(dsm, x, y, radius_m)
    rows, cols = dsm.rows_cols(np.array([x]), np.array([y]))
    if window is None or rows[0] < 0:
        return None
    r0, r1, c0, c1 = window
    xs, ys = dsm.cell_centres()
    within = (xs[None, c0 : c1 + 1] - x) ** 2 + (ys[r0 : r1 + 1, None] - y) ** 2 <= radius_m**2
    with np.errstate(invalid="ignore"):
        raised = (dsm.z[r0 : r1 + 1, c0 : c1 + 1] > ground_z + HOST_MIN_HEIGHT_M) & within
    labels, _ = label(raised, structure=np.ones((3, 3), dtype=bool))
    r, c = rows[0] - r0, cols[0] - c0
    seeds = np.unique(labels[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2])
    seeds = seeds[seeds > 0]
    if seeds.size == 0:
        return None
    mask = np.zeros(dsm.shape, dtype=bool)
    mask[r0 : r1 + 1, c0 : c1 + 1] = np.isin(labels, seeds)
    return mask


def _site_positions(dsm: Surface, sites: CellSites) -> tuple[np.ndarray, np.ndarray]:
    x = sites.table["x"].to_numpy(dtype=np.float64)
    y = sites.table["y"].to_numpy(dtype=np.float64)
    if sites.crs is not None:
        transformer = dsm.transformer_from(sites.crs)
        if transformer is not None:
            x, y = transformer.transform(x, y)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def place_antennas(
    dsm: Surface, ground: np.ndarray, sites: CellSites, host_radius_m: float, notes: list[str]
) -> tuple[list[Antenna], pd.DataFrame]:
    table = sites.table
    x, y = _site_positions(dsm, sites)
    rows, cols = dsm.rows_cols(x, y)
    inside = rows >= 0
    ground_z = np.where(inside, ground[np.maximum(rows, 0), np.maximum(cols, 0)], np.nan)
    dsm_z = np.where(inside, dsm.z[np.maximum(rows, 0), np.maximum(cols, 0)], np.nan)
    antenna_z = ground_z + table["antenna_height_m"].to_numpy(dtype=np.float64)
    status = np.where(~inside, "outside the DSM", np.where(np.isfinite(ground_z), "used", "no ground height"))
    note = np.full(len(table), "", dtype=object)
    below = (status == "used") & np.isfinite(dsm_z) & (antenna_z < dsm_z)
    note[below] = [f"antenna {d:.1f} m below the DSM at its position" for d in (dsm_z - antenna_z)[below]]
    report = pd.DataFrame(
        {
            "site_id": table["site_id"].to_numpy(),
            "cell_id": table["cell_id"].to_numpy(),
            "x": x, "y": y, "ground_z": ground_z, "antenna_z": antenna_z, "dsm_z": dsm_z,
            "status": status, "note": note,
        }
    )  # fmt: skip
    for label in ("outside the DSM", "no ground height"):
        count = int(np.count_nonzero(status == label))
        if count:
            notes.append(f"{count} cell{'s' if count != 1 else ''} {label}: left out")
    if below.any():
        notes.append(f"{int(below.sum())} cells have their antenna below the DSM at their position: check the heights")
    used = np.flatnonzero(status == "used")
    keys = pd.factorize(pd.Series(list(zip(x[used].tolist(), y[used].tolist(), antenna_z[used].tolist()))))[0]
    antennas = []
    for key in range(keys.max() + 1 if used.size else 0):
        members = used[keys == key].tolist()
        i = members[0]
        host = host_structure(dsm, x[i], y[i], ground_z[i], host_radius_m)
        antennas.append(Antenna(float(x[i]), float(y[i]), float(antenna_z[i]), members, host))
    return antennas, report
