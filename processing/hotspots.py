"""Subsidence hotspots from persistent-scatterer (PS) velocities: Gi* with FDR, or ADA.

Input: PS positions ``x, y`` in a *projected* CRS (metres) and one value per point,
normally the mean velocity in mm/year, **positive up** (uplift, or motion towards the
satellite for line-of-sight velocities). Negative values are subsidence, so cold spots
(significantly low values) are reported as ``'subsiding'`` areas and hot spots as
``'uplifting'``. Two methods:

``method="gistar_fdr"`` — Getis-Ord Gi* with a false-discovery-rate correction
    The local statistic of Ord & Getis (1995, Geographical Analysis 27:286-306, eq. 14)
    with binary distance-band weights that include the point itself (w_ii = 1)::

        Gi* = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i²) / (n - 1)))
        W_i = sum_j w_ij,  S1_i = sum_j w_ij²,  S = sqrt(mean(x²) - xbar²)

    is a z-score; its two-sided p-value comes from the standard normal distribution.
    Because one test is made per point, p-values are adjusted by the Benjamini &
    Hochberg (1995, J. R. Stat. Soc. B 57:289-300) step-up procedure, which controls
    the false discovery rate at ``alpha`` for independent or positively dependent tests
    (Benjamini & Yekutieli 2001) — neighbouring Gi* values share points and are
    positively correlated, the case Caldas de Castro & Singer (2006, Geographical
    Analysis 38:180-208) recommend FDR for. A point is significant when q <= alpha.

``method="ada"`` — Active Deformation Areas
    After Barra et al. (2017, "A methodology to detect and update active deformation
    areas based on Sentinel-1 SAR images", Remote Sensing 9:1002) and Tomás et al.
    (2019, Remote Sensing 11:1675): a *stability threshold* of ``k_sigma`` (2 in the
    paper) times the standard deviation of the velocity separates moving from stable
    points, and an ADA is a group of at least ``min_points`` (5 in the paper) moving
    points close to each other. Sigma is the standard deviation of the points marked
    stable by ``stable_mask``, or ``stability_sigma`` when given, else a robust
    estimate of the whole set's spread, 1.4826 × the median absolute deviation about
    the median, so that the deforming points themselves do not inflate it.

Clusters and their polygons
    Significant (Gi*) or moving (ADA) points of the same sign are linked when they are
    at most ``band`` metres apart; the connected components
    (``scipy.sparse.csgraph.connected_components``) with at least ``min_points`` points
    are the clusters. A cluster's polygon is the union of discs of radius ``band / 2``
    around its points, which covers every point, morphologically closed with the same
    radius (buffer out, then in) so that points linked at up to ``band`` are joined by
    area rather than by discs that merely touch, and notches narrower than the band
    are filled. Holes that contain no PS point at all are filled too (a gap in
    coverage inside a deforming area is not evidence of stability); holes around
    measured points are kept.

Distance band
    Given in metres, or by default data-driven: the median, over the points, of the
    distance to the 8th nearest neighbour, so that a typical point has 8 neighbours (9
    with itself) — about the smallest neighbourhood for which the Gi* z-score is close
    to normal (Getis & Ord 1992 ask for at least ~8 neighbours). PS density follows the
    buildings, so on real data the band is short in the city and points in the open
    have fewer neighbours; give ``band`` when a physical scale is known.

Everything is sparse (k-d tree pairs, ``bincount`` sums, CSR graphs): memory and time
grow with the number of neighbour pairs, not with n²; a million points take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

if TYPE_CHECKING:  # pandas and geopandas are imported on first use
    import geopandas as gpd
    import pandas as pd

METHODS = ("gistar_fdr", "ada")
#: Neighbours (besides the point itself) a typical point has with the default band.
DEFAULT_NEIGHBOURS = 8
#: Points sampled (fixed seed) to choose the default band and to estimate the number of neighbour pairs.
_BAND_SAMPLE = 50_000
_PAIR_SAMPLE = 2_000
#: More neighbour pairs than this (about 2.4 GB of index arrays) is refused: the band is too wide.
MAX_PAIRS = 150_000_000
#: 1 / Phi^-1(3/4): scales a median absolute deviation to a normal standard deviation.
MAD_TO_SIGMA = 1.4826


@dataclass
class HotspotResult:
    """What :func:`find_hotspots` found.

    Attributes
    ----------
    points
        One row per input point, in input order: ``gi_z`` (Gi* z-score, NaN for ADA and
        for points without a value), ``p_value`` (two-sided), ``q_value`` (BH-adjusted),
        ``cluster`` (cluster number, -1 = none), ``significant`` (Gi*: q <= alpha; ADA:
        |v| above the stability threshold), ``kind`` ('cold' below, 'hot' above, '' not
        significant).
    clusters
        One row per cluster: ``cluster``, ``kind`` ('subsiding' | 'uplifting'),
        ``n_points``, ``mean_vel``, ``min_vel``, ``max_vel``, ``max_abs_vel`` (the signed
        value with the largest magnitude), ``area_m2``, ``mean_z`` (mean Gi* z, NaN for
        ADA) and the polygon, in the input CRS. Numbered from 0 by decreasing size.
    method
        ``'gistar_fdr'`` or ``'ada'``.
    threshold
        Gi*: the FDR level alpha; ADA: the stability threshold in the values' unit.
    notes
        Human-readable notes: the band and how it was chosen, sigma, counts.
    """

    points: pd.DataFrame
    clusters: gpd.GeoDataFrame
    method: str
    threshold: float
    notes: list[str] = field(default_factory=list)


# -- statistics -----------------------------------------------------------------------
def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (FDR-adjusted p-values), NaN-safe.

    q_(k) = min_{j >= k} (m p_(j) / j), capped at 1, for the p-values sorted ascending;
    m counts the non-NaN p-values only, NaN stays NaN. A test is significant at FDR
    level alpha when q <= alpha. Same result as
    ``scipy.stats.false_discovery_control(p, method="bh")`` (SciPy >= 1.11), written
    here so that it also accepts NaN and runs on older SciPy.

    Parameters
    ----------
    p
        p-values in [0, 1], any shape; NaN for tests not made.

    Returns
    -------
    numpy.ndarray
        q-values, same shape as ``p``.
    """
    p = np.asarray(p, dtype=np.float64)
    flat = p.ravel()
    q = np.full(flat.size, np.nan)
    valid = np.flatnonzero(~np.isnan(flat))
    m = valid.size
    if m:
        order = valid[np.argsort(flat[valid], kind="stable")]
        scaled = flat[order] * m / np.arange(1, m + 1)
        # Step-up: each q is the smallest scaled p at its rank or above.
        q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q.reshape(p.shape)


def _gistar_from_pairs(values: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Gi* z-scores of ``values`` (no NaN) for the neighbour pairs i < j (self included here)."""
    n = values.size
    xbar = values.mean()
    s = np.sqrt(max(np.mean(values**2) - xbar**2, 0.0))
    # Binary weights: W_i = S1_i = 1 (self) + number of neighbours.
    w = 1.0 + np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
    local_sum = values + np.bincount(i, weights=values[j], minlength=n) + np.bincount(j, weights=values[i], minlength=n)
    variance_factor = (n * w - w**2) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local_sum - xbar * w) / (s * np.sqrt(variance_factor))
    # A point whose band holds every point (n S1 = W²) or a constant field (S = 0) has no
    # defined z: NaN, which is never significant.
    z[~(variance_factor > 0) | ~(s > 0)] = np.nan
    return z


def getis_ord_gistar(x: np.ndarray, y: np.ndarray, values: np.ndarray, band: float) -> np.ndarray:
    """Getis-Ord Gi* z-scores with binary distance-band weights including the point itself.

    Ord & Getis (1995) eq. 14 (see the module docstring); x̄, S and n are taken over the
    points that have a value. Points whose value is NaN are left out of every sum and
    get NaN.

    Parameters
    ----------
    x, y
        Coordinates in metres (projected CRS).
    values
        One value per point; NaN = no value.
    band
        Neighbourhood radius in metres: j is a neighbour of i when their distance is <= band.

    Returns
    -------
    numpy.ndarray
        z-scores, one per point.
    """
    x, y, values = _check_arrays(x, y, values)
    band = _check_band(band)
    valid = ~np.isnan(values)
    if np.count_nonzero(valid) < 3:
        raise InputError("fewer than 3 points have a value: Gi* needs at least 3", field="values")
    xy = np.column_stack([x[valid], y[valid]])
    i, j = _neighbour_pairs(xy, band)
    z = np.full(values.size, np.nan)
    z[valid] = _gistar_from_pairs(values[valid], i, j)
    return z


# -- checks ---------------------------------------------------------------------------
def _check_arrays(x: Any, y: Any, values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    values = np.asarray(values, dtype=np.float64).ravel()
    if not x.size == y.size == values.size:
        raise InputError(
            f"x, y and values must have the same length (got {x.size}, {y.size} and {values.size})", field="values"
        )
    if x.size < 3:
        raise InputError(f"at least 3 points are needed, got {x.size}", field="values")
    bad = np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))
    if bad.size:
        raise InputError("point has no finite coordinates", line=int(bad[0]) + 1, field="geometry")
    if np.all(np.isnan(values)):
        raise InputError("every value is empty (NaN)", field="values")
    return x, y, values


def _check_band(band: Any) -> float:
    try:
        band = float(band)
    except (TypeError, ValueError) as exc:
        raise InputError(f"the distance band must be a number, got {band!r}", field="band") from exc
    if not np.isfinite(band) or band <= 0:
        raise InputError(f"the distance band must be a positive distance in metres, got {band}", field="band")
    return band


def _check_crs(crs: Any) -> None:
    if crs is None:
        return
    import pyproj

    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"the CRS is not understood ({exc})", field="crs") from exc
    if parsed.is_geographic:
        raise InputError(
            f"the points are in a geographic CRS ({parsed.name}): distances would be in degrees; "
            "reproject them to a projected CRS in metres",
            field="crs",
        )


# -- neighbours -----------------------------------------------------------------------
def _sample(n: int, size: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    # Fixed seed: the same data always give the same default band.
    return np.sort(np.random.default_rng(0).choice(n, size, replace=False))


def default_band(xy: np.ndarray, tree: Any = None) -> float:
    """Median distance to the 8th nearest neighbour (over up to 50,000 sampled points), metres."""
    from scipy.spatial import cKDTree

    tree = cKDTree(xy) if tree is None else tree
    k = min(DEFAULT_NEIGHBOURS, xy.shape[0] - 1)
    distances, _ = tree.query(xy[_sample(xy.shape[0], _BAND_SAMPLE)], k=k + 1)
    band = float(np.median(distances[:, k]))
    if not band > 0:
        raise InputError(
            "cannot choose a distance band: most points share their position with their neighbours; give band",
            field="band",
        )
    return band


def _neighbour_pairs(xy: np.ndarray, band: float, tree: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of points at most ``band`` apart, refusing bands that would exhaust memory."""
    from scipy.spatial import cKDTree

    tree = cKDTree(xy) if tree is None else tree
    n = xy.shape[0]
    sample = _sample(n, _PAIR_SAMPLE)
    # Dual-tree counting counts whole nodes at once, so this estimate stays cheap even
    # when the band is far too wide (where query_pairs would run out of memory).
    per_point = (tree.count_neighbors(cKDTree(xy[sample]), band) - sample.size) / sample.size
    expected_pairs = n * per_point / 2
    if expected_pairs > MAX_PAIRS:
        raise InputError(
            f"the distance band of {band:g} m gives each point about {per_point:,.0f} neighbours "
            f"({expected_pairs:,.0f} pairs): use a shorter band",
            field="band",
        )
    pairs = tree.query_pairs(band, output_type="ndarray")
    return pairs[:, 0], pairs[:, 1]


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label of each of n nodes linked by the edges (i, j)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(i.size, dtype=np.int8), (i, j)), shape=(n, n)).tocsr()
    return connected_components(graph, directed=False)[1]


# -- main entry -----------------------------------------------------------------------
def find_hotspots(
    x: np.ndarray,
    y: np.ndarray,
    values: np.ndarray,
    *,
    crs: Any = None,
    method: str = "gistar_fdr",
    band: float | None = None,
    alpha: float = 0.05,
    stability_sigma: float | None = None,
    k_sigma: float = 2.0,
    stable_mask: np.ndarray | None = None,
    min_points: int = 5,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> HotspotResult:
    """Subsidence and uplift hotspots of PS velocities, as points and cluster polygons.

    Parameters
    ----------
    x, y
        PS coordinates in metres of a projected CRS.
    values
        Velocity per point (e.g. mm/year), **positive up**: negative = subsidence. NaN
        values are ignored (NaN z, never significant).
    crs
        The points' CRS (anything pyproj accepts), copied to the clusters; a geographic
        CRS is refused. ``None``: assumed projected, in metres.
    method
        ``'gistar_fdr'`` (Getis-Ord Gi* + Benjamini-Hochberg) or ``'ada'`` (Barra et al.
        2017 active deformation areas).
    band
        Neighbourhood / linking distance in metres; default: median distance to the 8th
        nearest neighbour.
    alpha
        Gi*: false discovery rate; a point is significant when q <= alpha.
    stability_sigma
        ADA: the velocity standard deviation of stable ground, in the values' unit.
    k_sigma
        ADA: the stability threshold is ``k_sigma * sigma``.
    stable_mask
        ADA: boolean per point, True for points known to be stable; sigma is their
        standard deviation. Ignored when ``stability_sigma`` is given.
    min_points
        Smallest cluster kept.
    progress, is_canceled
        Progress (0..1) and cancel callbacks.

    Returns
    -------
    HotspotResult

    Raises
    ------
    InputError
        Fewer than 3 points, lengths that differ, no value at all, a band <= 0, a
        geographic CRS, an unknown method or an out-of-range parameter.
    Canceled
        When ``is_canceled()`` turns true.
    """
    from scipy.spatial import cKDTree

    x, y, values = _check_arrays(x, y, values)
    band = _check_parameters(method, crs, band, alpha, k_sigma, min_points)
    min_points = int(min_points)
    notes: list[str] = []
    valid = ~np.isnan(values)
    n_valid = int(np.count_nonzero(valid))
    if n_valid < 3:
        raise InputError(f"only {n_valid} point(s) have a value: at least 3 are needed", field="values")
    if n_valid < values.size:
        notes.append(f"{values.size - n_valid} point(s) without a value ignored")
    if crs is None:
        notes.append("no CRS given: coordinates taken as metres")
    xy = np.column_stack([x[valid], y[valid]])
    v = values[valid]
    progress(0.02)
    check_canceled(is_canceled)

    tree = cKDTree(xy)
    if band is None:
        band = default_band(xy, tree)
        notes.append(f"distance band {band:.1f} m: median distance to the {DEFAULT_NEIGHBOURS}th nearest neighbour")
    else:
        notes.append(f"distance band {band:g} m (given)")
    progress(0.1)
    check_canceled(is_canceled)

    if method == "gistar_fdr":
        stage = _gistar_stage(xy, v, band, alpha, tree, notes)
    else:
        stage = _ada_stage(xy, v, valid, band, stability_sigma, k_sigma, stable_mask, notes)
    progress(0.5)
    check_canceled(is_canceled)

    sign = np.where(stage.low, -1, np.where(stage.high, 1, 0))
    keep = (sign[stage.i] != 0) & (sign[stage.i] == sign[stage.j])
    labels = _components(n_valid, stage.i[keep], stage.j[keep])
    cluster = _numbered_clusters(labels, sign != 0, min_points)
    n_clusters = int(cluster.max()) + 1
    word = "significant" if method == "gistar_fdr" else "moving"
    notes.append(
        f"{int(np.count_nonzero(stage.low))} low and {int(np.count_nonzero(stage.high))} high {word} point(s); "
        f"{n_clusters} cluster(s) of >= {min_points} points"
    )
    progress(0.6)
    check_canceled(is_canceled)

    z = stage.z if method == "gistar_fdr" else None
    clusters = _cluster_frame(xy, v, z, sign, cluster, band, tree, crs, sub_progress(progress, 0.6, 0.99), is_canceled)
    points = _points_frame(valid, stage, cluster)
    progress(1.0)
    return HotspotResult(points=points, clusters=clusters, method=method, threshold=stage.threshold, notes=notes)


def _check_parameters(
    method: str, crs: Any, band: float | None, alpha: float, k_sigma: float, min_points: int
) -> float | None:
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}: use one of {', '.join(METHODS)}", field="method")
    _check_crs(crs)
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}", field="alpha")
    if not k_sigma > 0:
        raise InputError(f"k_sigma must be positive, got {k_sigma}", field="k_sigma")
    if int(min_points) < 1:
        raise InputError(f"min_points must be at least 1, got {min_points}", field="min_points")
    return None if band is None else _check_band(band)


@dataclass
class _Stage:
    """Per valid point: z, p, q (NaN for ADA), the low / high flags, the pairs that may link, the threshold."""

    z: np.ndarray
    p: np.ndarray
    q: np.ndarray
    low: np.ndarray
    high: np.ndarray
    i: np.ndarray
    j: np.ndarray
    threshold: float


def _gistar_stage(xy: np.ndarray, v: np.ndarray, band: float, alpha: float, tree: Any, notes: list[str]) -> _Stage:
    from scipy.stats import norm

    i, j = _neighbour_pairs(xy, band, tree)
    z = _gistar_from_pairs(v, i, j)
    p = 2.0 * norm.sf(np.abs(z))
    q = benjamini_hochberg(p)
    significant = q <= alpha
    notes.append(f"Gi*: {2.0 * i.size / v.size:.1f} neighbours per point on average; FDR alpha = {alpha:g}")
    return _Stage(z, p, q, significant & (z < 0), significant & (z > 0), i, j, float(alpha))


def _ada_stage(
    xy: np.ndarray,
    v: np.ndarray,
    valid: np.ndarray,
    band: float,
    stability_sigma: float | None,
    k_sigma: float,
    stable_mask: Any,
    notes: list[str],
) -> _Stage:
    sigma = _stability_sigma(v, valid, stability_sigma, stable_mask, notes)
    threshold = float(k_sigma * sigma)
    moving = np.flatnonzero(np.abs(v) > threshold)
    notes.append(f"ADA: stability threshold {k_sigma:g} × {sigma:.3g} = {threshold:.3g}")
    # Only moving points can be linked: a tree over them alone is much smaller.
    if moving.size >= 2:
        sub_i, sub_j = _neighbour_pairs(xy[moving], band)
        i, j = moving[sub_i], moving[sub_j]
    else:
        i = j = np.zeros(0, dtype=np.intp)
    nan = np.full(v.size, np.nan)
    return _Stage(nan, nan, nan, v < -threshold, v > threshold, i, j, threshold)


def _points_frame(valid: np.ndarray, stage: _Stage, cluster: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    def spread(a: np.ndarray, fill: Any) -> np.ndarray:
        out = np.full(valid.size, fill, dtype=a.dtype)
        out[valid] = a
        return out

    kind = np.where(stage.low, "cold", np.where(stage.high, "hot", "")).astype(object)
    return pd.DataFrame(
        {
            "gi_z": spread(stage.z, np.nan),
            "p_value": spread(stage.p, np.nan),
            "q_value": spread(stage.q, np.nan),
            "cluster": spread(cluster, -1),
            "significant": spread(stage.low | stage.high, False),
            "kind": spread(kind, ""),
        }
    )


def _stability_sigma(
    v: np.ndarray, valid: np.ndarray, given: float | None, stable_mask: Any, notes: list[str]
) -> float:
    if given is not None:
        sigma = float(given)
        if not (np.isfinite(sigma) and sigma > 0):
            raise InputError(f"stability_sigma must be positive, got {given}", field="stability_sigma")
        notes.append(f"sigma {sigma:.3g} (given)")
        return sigma
    if stable_mask is not None:
        mask = np.asarray(stable_mask, dtype=bool).ravel()
        if mask.size != valid.size:
            raise InputError(f"stable_mask has {mask.size} entries for {valid.size} points", field="stable_mask")
        stable = v[mask[valid]]
        if stable.size < 2:
            raise InputError("fewer than 2 stable points have a value: sigma cannot be estimated", field="stable_mask")
        sigma = float(np.std(stable, ddof=1))
        notes.append(f"sigma {sigma:.3g}: standard deviation of {stable.size} stable points")
    else:
        from scipy.stats import median_abs_deviation

        sigma = float(median_abs_deviation(v, scale=1.0 / MAD_TO_SIGMA))
        notes.append(f"sigma {sigma:.3g}: 1.4826 × median absolute deviation of all points")
    if not sigma > 0:
        raise InputError("the velocities do not vary: sigma is 0; give stability_sigma", field="stability_sigma")
    return sigma


def _numbered_clusters(labels: np.ndarray, member: np.ndarray, min_points: int) -> np.ndarray:
    """Cluster number per point (-1 none): components of members with >= min_points, largest first."""
    cluster = np.full(labels.size, -1, dtype=np.int64)
    if not member.any():
        return cluster
    comp, counts = np.unique(labels[member], return_counts=True)
    big = counts >= min_points
    comp, counts = comp[big], counts[big]
    # Largest first; ties by component label, which follows the points' order (stable numbering).
    order = np.lexsort((comp, -counts))
    number = np.full(labels.max() + 1, -1, dtype=np.int64)
    number[comp[order]] = np.arange(comp.size)
    cluster[member] = number[labels[member]]
    return cluster


def _cluster_frame(
    xy: np.ndarray,
    v: np.ndarray,
    z: np.ndarray | None,
    sign: np.ndarray,
    cluster: np.ndarray,
    band: float,
    tree: Any,
    crs: Any,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    columns = ("cluster", "kind", "n_points", "mean_vel", "min_vel", "max_vel", "max_abs_vel", "area_m2", "mean_z")
    rows: dict[str, list] = {name: [] for name in columns}
    geoms = []
    n_clusters = int(cluster.max()) + 1
    member = np.flatnonzero(cluster >= 0)
    order = member[np.argsort(cluster[member], kind="stable")]
    groups = np.split(order, np.flatnonzero(np.diff(cluster[order])) + 1) if order.size else []
    for number, idx in enumerate(groups):
        if number % 64 == 0:
            check_canceled(is_canceled)
            progress(number / max(n_clusters, 1))
        discs = shapely.union_all(shapely.buffer(shapely.points(xy[idx]), band / 2.0))
        # Closing (out, then back in, by band / 2): discs of points linked at up to `band`
        # only touch, leaving waists and notches between them; the closing fills those and
        # still contains every disc.
        closed = shapely.buffer(shapely.buffer(discs, band / 2.0), -band / 2.0)
        polygon = _fill_empty_holes(shapely.union(closed, discs), xy, tree)
        vel = v[idx]
        rows["cluster"].append(number)
        rows["kind"].append("subsiding" if sign[idx[0]] < 0 else "uplifting")
        rows["n_points"].append(idx.size)
        rows["mean_vel"].append(float(vel.mean()))
        rows["min_vel"].append(float(vel.min()))
        rows["max_vel"].append(float(vel.max()))
        rows["max_abs_vel"].append(float(vel[np.argmax(np.abs(vel))]))
        rows["area_m2"].append(float(polygon.area))
        rows["mean_z"].append(float(z[idx].mean()) if z is not None else np.nan)
        geoms.append(polygon)
    frame = gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    floats = dict.fromkeys(("mean_vel", "min_vel", "max_vel", "max_abs_vel", "area_m2", "mean_z"), np.float64)
    return frame.astype({"cluster": np.int64, "n_points": np.int64, "kind": object, **floats})


def _fill_empty_holes(geometry: Any, xy: np.ndarray, tree: Any) -> Any:
    """Drop the interior rings of ``geometry`` that contain no point of ``xy``."""
    import shapely

    parts = shapely.get_parts(geometry)
    if not any(shapely.get_num_interior_rings(parts)):
        return geometry
    filled = []
    for part in parts:
        holes = []
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            xmin, ymin, xmax, ymax = hole.bounds
            centre = ((xmin + xmax) / 2, (ymin + ymax) / 2)
            near = tree.query_ball_point(centre, np.hypot(xmax - xmin, ymax - ymin) / 2)
            if near and shapely.contains_xy(hole, xy[near, 0], xy[near, 1]).any():
                holes.append(ring)
        filled.append(shapely.Polygon(part.exterior, holes))
    return filled[0] if len(filled) == 1 else shapely.MultiPolygon(filled)
