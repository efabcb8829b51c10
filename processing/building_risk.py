"""Building damage risk from the settlement of persistent scatterers (PS) on and around each building.

Input: building footprints (polygons) and PS points in the same *projected* CRS
(metres), with one **settlement per point in millimetres, positive downwards** (a point
that moved 4 mm down has settlement +4). Vertical displacement, positive up, becomes
settlement by a change of sign; the QGIS wrapper does that.

Points of a building
    The points within ``buffer_m`` metres of its footprint (distance 0 = on or inside
    it), found with a ``shapely.STRtree`` ``dwithin`` query — exact distances, no
    polygonal buffer approximation. PS sit on roofs, walls and the ground next to the
    walls, hence the buffer. A point near two buildings (a shared wall) counts for
    both. Points whose settlement or coordinates are NaN are ignored.

Per building, from its points (NaN and a ``risk_flag`` when there are fewer than
``min_points``):

``settle_mean_mm``, ``settle_max_mm``, ``dsettle_mm``
    Mean and largest settlement, and the differential settlement max - min (mm).
``tilt``, ``tilt_dir_deg``
    Rigid-body tilt ω (Burland & Wroth 1974): the gradient of the least-squares plane
    s = a + b·x + c·y through the points, ω = sqrt(b² + c²) in radians (mm/m × 10⁻³),
    and the azimuth of the *downward* direction (where settlement grows), degrees
    clockwise from north. NaN with fewer than 3 points or points on one line.
``beta``
    Angular distortion as it is computed from PS data (Peduto et al. 2017, Landslides
    14:1993-2007, after Skempton & MacDonald 1956): the largest |s_i - s_j| / L_ij
    over the pairs of the building's points at least ``min_separation_m`` apart
    (closer pairs turn millimetre noise into large ratios). Dimensionless (radians).
``beta_net``
    The same after subtracting the tilt plane from the settlements: Burland & Wroth's
    (1974) angular distortion, the rotation of a line between two points *relative to
    the rigid-body tilt*, which is what cracks a building (a rigid tilt does not).
    Three points always fit a plane exactly, so ``beta_net`` is 0 with exactly 3.
``damage_class``, ``beta_1_in``
    The class of ``beta`` in :data:`DAMAGE_CLASSES` (Skempton & MacDonald 1956; Bjerrum
    1963), and 1/beta rounded, to read "1/xxx" (NaN where beta is NaN or 0).

Class boundaries: a class holds its lower limit, not its upper one (``lower <= beta <
upper``): beta exactly 1/500 is ``'slight'`` — Bjerrum's 1/500 is reached, so the
building is no longer within the safe limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..common.errors import InputError
from ..common.progress import (
    CancelCheck,
    ProgressCallback,
    check_canceled,
    never_canceled,
    no_progress,
    sub_progress,
)

if TYPE_CHECKING:  # geopandas is imported on first use
    import geopandas as gpd

#: (upper limit of beta, exclusive; class code; label), in increasing order. Sources:
#: Skempton & MacDonald (1956), "The allowable settlements of buildings", Proc. ICE 5(6):727-768;
#: Bjerrum (1963), discussion, Proc. European Conf. SMFE, Wiesbaden, vol. 2:135-137.
DAMAGE_CLASSES: tuple[tuple[float, str, str], ...] = (
    (1 / 5000, "negligible", "Negligible: beta < 1/5000"),
    (
        1 / 500,
        "very_slight",
        "Very slight: 1/5000 <= beta < 1/500, within Bjerrum's (1963) safe limit for buildings where cracking "
        "is not permissible",
    ),
    (
        1 / 300,
        "slight",
        "Slight: 1/500 <= beta < 1/300, beyond that safe limit; first cracking of panel walls expected at 1/300 "
        "(Skempton & MacDonald 1956; Bjerrum 1963)",
    ),
    (
        1 / 150,
        "moderate",
        "Moderate: 1/300 <= beta < 1/150, cracking of panel and brick walls; structural damage expected at 1/150 "
        "(Skempton & MacDonald 1956)",
    ),
    (np.inf, "severe", "Severe: beta >= 1/150, structural damage of general buildings expected"),
)

#: Columns added to the buildings, with their unit and method, for the wrapper to show.
FIELD_DESCRIPTIONS: dict[str, str] = {
    "ps_count": "Number of PS points within the footprint buffered by buffer_m (count)",
    "settle_mean_mm": "Mean settlement of the building's PS points (mm, positive downwards)",
    "settle_max_mm": "Largest settlement of the building's PS points (mm, positive downwards)",
    "dsettle_mm": "Differential settlement: largest minus smallest settlement (mm)",
    "tilt": "Rigid-body tilt omega: gradient of the least-squares settlement plane (rad; Burland & Wroth 1974)",
    "tilt_dir_deg": "Azimuth of the downward tilt, degrees clockwise from north",
    "beta": "Angular distortion: max |ds|/L over point pairs at least min_separation_m apart "
    "(rad; Skempton & MacDonald 1956, as used with PS data by Peduto et al. 2017)",
    "beta_net": "Angular distortion after removing the rigid-body tilt plane (rad; Burland & Wroth 1974)",
    "damage_class": "Damage class of beta: negligible (<1/5000), very_slight (<1/500), slight (<1/300), "
    "moderate (<1/150), severe (Skempton & MacDonald 1956; Bjerrum 1963)",
    "beta_1_in": "1/beta rounded: beta read as 1/xxx",
    "risk_flag": "Why values are missing: '' (none), 'no geometry', 'no points', 'too few points', "
    "'collinear points' (no tilt), 'points too close' (no pair at min_separation_m)",
}
FIELDS = tuple(FIELD_DESCRIPTIONS)

#: Pairs handled at once when computing beta (bounds memory at about 60 bytes a pair).
_PAIR_BATCH = 4_000_000
#: Smallest-to-largest spread ratio (eigenvalues of the points' scatter) below which they are on one line.
_COLLINEAR = 1e-10


def damage_class(beta: np.ndarray) -> np.ndarray:
    """Damage class code of each angular distortion, '' where beta is NaN.

    Class k holds ``upper[k-1] <= beta < upper[k]`` (see :data:`DAMAGE_CLASSES`).

    Parameters
    ----------
    beta
        Angular distortion (dimensionless), any shape.

    Returns
    -------
    numpy.ndarray
        Class codes (object array of str), same shape.
    """
    beta = np.asarray(beta, dtype=np.float64)
    uppers = np.array([upper for upper, _, _ in DAMAGE_CLASSES[:-1]])
    codes = np.array([code for _, code, _ in DAMAGE_CLASSES] + [""], dtype=object)
    index = np.searchsorted(uppers, beta, side="right")
    index[np.isnan(beta)] = len(DAMAGE_CLASSES)
    return codes[index]


# -- checks ---------------------------------------------------------------------------
def _check_buildings(buildings: Any) -> Any:
    """The footprints' GeoSeries, or :class:`InputError`."""
    import geopandas as gpd
    import shapely

    if not isinstance(buildings, gpd.GeoDataFrame):
        raise InputError("the buildings must be a GeoDataFrame with a geometry column", source="buildings")
    try:
        geometry = buildings.geometry  # raises AttributeError when no active geometry column is set
    except AttributeError as exc:
        raise InputError("the buildings have no geometry column", source="buildings", field="geometry") from exc
    name = geometry.name
    geoms = geometry.array
    kinds = shapely.get_type_id(np.asarray(geoms))
    # 3 Polygon, 6 MultiPolygon; -1 is a missing geometry (flagged, not an error).
    bad = np.flatnonzero(~np.isin(kinds, (-1, 3, 6)))
    if bad.size:
        raise InputError(
            f"the buildings must be polygons; row {bad[0] + 1} is a {geoms[bad[0]].geom_type}",
            source="buildings",
            line=int(bad[0]) + 1,
            field=name,
        )
    return geometry


def _check_crs(buildings_crs: Any, points_crs: Any) -> None:
    for crs, what in ((buildings_crs, "buildings"), (points_crs, "points")):
        if crs is not None and crs.is_geographic:
            raise InputError(
                f"the {what} are in a geographic CRS ({crs.name}): distances would be in degrees; "
                "reproject to a projected CRS in metres",
                source=what,
            )
    if buildings_crs is not None and points_crs is not None and not buildings_crs.equals(points_crs):
        raise InputError(
            f"the buildings are in {buildings_crs.name} but the points in {points_crs.name}: reproject one of them",
            source="points",
        )


def _point_arrays(points: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    """x, y and the CRS (or None) of the points: a GeoDataFrame / GeoSeries of points or (x, y)."""
    import geopandas as gpd
    import shapely

    if isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)):
        geoms = np.asarray(points.geometry.array)
        kinds = shapely.get_type_id(geoms)
        bad = np.flatnonzero(~np.isin(kinds, (-1, 0)))
        if bad.size:
            raise InputError(
                f"the points must be points; row {bad[0] + 1} is a {geoms[bad[0]].geom_type}",
                source="points",
                line=int(bad[0]) + 1,
                field="geometry",
            )
        return shapely.get_x(geoms), shapely.get_y(geoms), points.crs
    try:
        x, y = points
    except (TypeError, ValueError) as exc:
        raise InputError("the points must be a GeoDataFrame of points or a pair of arrays (x, y)") from exc
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.size != y.size:
        raise InputError(f"x has {x.size} values but y {y.size}", source="points")
    return x, y, None


# -- main entry -----------------------------------------------------------------------
def building_risk(
    buildings: gpd.GeoDataFrame,
    points: Any,
    settlement_mm: np.ndarray,
    *,
    buffer_m: float = 5.0,
    min_points: int = 3,
    min_separation_m: float = 5.0,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> gpd.GeoDataFrame:
    """Settlement, tilt, angular distortion and damage class per building from PS points.

    Parameters
    ----------
    buildings
        Footprints (Polygon / MultiPolygon) in a projected CRS, metres. Not modified.
    points
        The PS points: a GeoDataFrame (or GeoSeries) of points, or a pair of arrays
        ``(x, y)`` taken to be in the buildings' CRS.
    settlement_mm
        Settlement per point in millimetres, **positive downwards**; NaN = no value.
    buffer_m
        Points within this distance (m) of a footprint count for it.
    min_points
        Buildings with fewer points get NaN statistics and a ``risk_flag``.
    min_separation_m
        Pairs of points closer than this (m) are left out of ``beta`` / ``beta_net``.
    progress, is_canceled
        Progress (0..1) and cancel callbacks.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``buildings``, every column kept, with the columns of
        :data:`FIELD_DESCRIPTIONS` added (those of an earlier run replaced).

    Raises
    ------
    InputError
        No geometry column, non-polygon footprints, non-point points, CRSs that differ
        or are geographic, a settlement array of another length than the points, a
        negative buffer or an out-of-range parameter.
    Canceled
        When ``is_canceled()`` turns true.
    """
    import shapely

    footprints = _check_buildings(buildings)
    x, y, points_crs = _point_arrays(points)
    _check_crs(buildings.crs, points_crs)
    settlement = np.asarray(settlement_mm, dtype=np.float64).ravel()
    if settlement.size != x.size:
        raise InputError(f"{settlement.size} settlement values for {x.size} points", field="settlement_mm")
    if not (np.isfinite(buffer_m) and buffer_m >= 0):
        raise InputError(f"the buffer must be a distance >= 0 m, got {buffer_m}", field="buffer_m")
    if not (np.isfinite(min_separation_m) and min_separation_m > 0):
        raise InputError(f"the minimum separation must be > 0 m, got {min_separation_m}", field="min_separation_m")
    if int(min_points) < 1:
        raise InputError(f"min_points must be at least 1, got {min_points}", field="min_points")
    progress(0.02)
    check_canceled(is_canceled)

    usable = np.isfinite(x) & np.isfinite(y) & np.isfinite(settlement)
    x, y, settlement = x[usable], y[usable], settlement[usable]
    geoms = np.asarray(footprints.array)
    # STRtree 'dwithin': exact point-polygon distance <= buffer_m, candidates found through
    # the tree's bounding boxes. The tree holds the points and each footprint queries it:
    # twice as fast as the reverse with 10 points a building (GEOS prepares each footprint once).
    building_idx, point_idx = shapely.STRtree(shapely.points(x, y)).query(
        geoms, predicate="dwithin", distance=float(buffer_m)
    )
    progress(0.3)
    check_canceled(is_canceled)

    order = np.lexsort((point_idx, building_idx))
    building_idx, point_idx = building_idx[order], point_idx[order]
    stats = _building_statistics(
        geoms.size,
        building_idx,
        x[point_idx],
        y[point_idx],
        settlement[point_idx],
        int(min_points),
        float(min_separation_m),
        sub_progress(progress, 0.3, 0.98),
        is_canceled,
    )
    stats["risk_flag"] = _flags(stats, shapely.is_missing(geoms) | shapely.is_empty(geoms), int(min_points))

    out = buildings.copy(deep=True)
    for name in FIELDS:
        out[name] = stats[name]
    progress(1.0)
    return out


def _building_statistics(
    n_buildings: int,
    building: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    min_points: int,
    min_separation: float,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> dict[str, np.ndarray]:
    """Per-building statistics of (building, x, y, s) rows sorted by building."""
    count = np.bincount(building, minlength=n_buildings)
    enough = count >= min_points
    keep = enough[building]
    building, x, y, s = building[keep], x[keep], y[keep], s[keep]
    n = np.where(enough, count, 0)
    nan = np.full(n_buildings, np.nan)

    def group_sum(values: np.ndarray) -> np.ndarray:
        return np.bincount(building, weights=values, minlength=n_buildings)

    with np.errstate(invalid="ignore", divide="ignore"):
        mean_s = group_sum(s) / n
        # Coordinates centred on each building's own mean: projected coordinates are
        # ~10⁶ m, and squaring them uncentred would cancel away the digits the fit needs.
        dx = x - (group_sum(x) / n)[building]
        dy = y - (group_sum(y) / n)[building]
        ds = s - mean_s[building]
        sxx, syy, sxy = group_sum(dx * dx), group_sum(dy * dy), group_sum(dx * dy)
        sxs, sys_ = group_sum(dx * ds), group_sum(dy * ds)
        det = sxx * syy - sxy * sxy
        # Least-squares plane through centred points: the normal equations reduce to a
        # 2×2 system per building, solved in closed form for all buildings at once.
        planar = (n >= 3) & (det > _COLLINEAR * (sxx + syy) ** 2)
        grad_x = np.where(planar, (syy * sxs - sxy * sys_) / det, np.nan)  # mm/m
        grad_y = np.where(planar, (sxx * sys_ - sxy * sxs) / det, np.nan)
    tilt = np.hypot(grad_x, grad_y) / 1000.0
    tilt_dir = np.degrees(np.arctan2(grad_x, grad_y)) % 360.0
    tilt_dir[~(tilt > 0)] = np.nan
    residual = ds - grad_x[building] * dx - grad_y[building] * dy

    starts = np.searchsorted(building, np.arange(n_buildings))
    has = n > 0
    settle_max, settle_min = nan.copy(), nan.copy()
    if building.size:
        settle_max[has] = np.maximum.reduceat(s, starts[has])
        settle_min[has] = np.minimum.reduceat(s, starts[has])
    progress(0.1)
    check_canceled(is_canceled)
    beta, beta_net = _angular_distortion(
        building, x, y, s, residual, n, starts, min_separation, sub_progress(progress, 0.1, 1.0), is_canceled
    )
    with np.errstate(divide="ignore"):
        beta_1_in = np.where(beta > 0, np.round(1.0 / beta), np.nan)
    return {
        "ps_count": count.astype(np.int64),
        "settle_mean_mm": mean_s,
        "settle_max_mm": settle_max,
        "dsettle_mm": settle_max - settle_min,
        "tilt": tilt,
        "tilt_dir_deg": tilt_dir,
        "beta": beta,
        "beta_net": np.where(np.isnan(tilt), np.nan, beta_net),
        "damage_class": damage_class(beta),
        "beta_1_in": beta_1_in,
    }


def _angular_distortion(
    building: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    residual: np.ndarray,
    n: np.ndarray,
    starts: np.ndarray,
    min_separation: float,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> tuple[np.ndarray, np.ndarray]:
    """Max |Δs| / L and max |Δresidual| / L over each building's pairs at least min_separation apart.

    Neither scipy's ``pdist`` (one building at a time: a Python loop over 10⁵ buildings)
    nor a k-d tree (which finds close pairs, not all pairs) fits; the pairs of many
    buildings are instead enumerated at once with index arithmetic, in batches of about
    ``_PAIR_BATCH`` pairs. A building with more pairs than that is done alone, in row blocks.
    """
    beta = np.full(n.size, np.nan)
    beta_net = np.full(n.size, np.nan)
    groups = np.flatnonzero(n >= 2)
    pairs = n[groups] * (n[groups] - 1) // 2
    done = 0
    batch_start = 0
    while batch_start < groups.size:
        check_canceled(is_canceled)
        progress(done / max(int(pairs.sum()), 1))
        if pairs[batch_start] > _PAIR_BATCH:
            g = groups[batch_start]
            rows = slice(starts[g], starts[g] + n[g])
            beta[g], beta_net[g] = _large_building(x[rows], y[rows], s[rows], residual[rows], min_separation)
            done += int(pairs[batch_start])
            batch_start += 1
            continue
        cumulative = np.cumsum(pairs[batch_start:])
        batch_end = batch_start + max(int(np.searchsorted(cumulative, _PAIR_BATCH, side="right")), 1)
        batch = groups[batch_start:batch_end]
        i, j = _pairs_within_groups(starts[batch], n[batch])
        length = np.hypot(x[i] - x[j], y[i] - y[j])
        far = length >= min_separation
        with np.errstate(invalid="ignore", divide="ignore"):
            # mm / m -> rad: divide by 1000 (exact for round values such as 20 mm over 10 m = 1/500).
            ratio = np.where(far, np.abs(s[i] - s[j]) / length / 1000.0, np.nan)
            ratio_net = np.where(far, np.abs(residual[i] - residual[j]) / length / 1000.0, np.nan)
        offsets = np.concatenate([[0], np.cumsum(pairs[batch_start:batch_end])[:-1]])
        beta[batch] = np.fmax.reduceat(ratio, offsets)
        beta_net[batch] = np.fmax.reduceat(ratio_net, offsets)
        done += int(pairs[batch_start:batch_end].sum())
        batch_start = batch_end
    progress(1.0)
    return beta, beta_net


def _pairs_within_groups(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i < j) inside each run [start, start + size), runs in order, pairs grouped by run."""
    rows = np.repeat(starts, sizes) + (np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes))
    local = rows - np.repeat(starts, sizes)
    partners = np.repeat(sizes, sizes) - local - 1
    i = np.repeat(rows, partners)
    first = np.cumsum(partners) - partners
    j = i + 1 + (np.arange(partners.sum()) - np.repeat(first, partners))
    return i, j


def _large_building(
    x: np.ndarray, y: np.ndarray, s: np.ndarray, residual: np.ndarray, min_separation: float
) -> tuple[float, float]:
    """beta and beta_net of one building with very many points, a block of rows at a time."""
    from scipy.spatial.distance import cdist

    xy = np.column_stack([x, y])
    block = max(1, _PAIR_BATCH // x.size)
    best, best_net = -np.inf, -np.inf
    for a in range(0, x.size, block):
        length = cdist(xy[a : a + block], xy)
        far = length >= min_separation
        if not far.any():
            continue
        length = length[far]
        ratio = np.abs(s[a : a + block, None] - s[None, :])[far] / length / 1000.0
        ratio_net = np.abs(residual[a : a + block, None] - residual[None, :])[far] / length / 1000.0
        best = max(best, float(ratio.max()))
        best_net = max(best_net, float(np.fmax.reduce(ratio_net)))  # residual is NaN when there is no tilt
    return (best if best > -np.inf else np.nan), (best_net if best_net > -np.inf else np.nan)


def _flags(stats: dict[str, np.ndarray], no_geometry: np.ndarray, min_points: int) -> np.ndarray:
    count = stats["ps_count"]
    flag = np.full(count.size, "", dtype=object)
    enough = count >= min_points
    flag[enough & (count >= 3) & np.isnan(stats["tilt"])] = "collinear points"
    flag[enough & (count >= 2) & np.isnan(stats["beta"])] = "points too close"
    flag[(count > 0) & (count < min_points)] = "too few points"
    flag[count == 0] = "no points"
    flag[no_geometry] = "no geometry"
    return flag
