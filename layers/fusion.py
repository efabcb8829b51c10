"""The fused spatiotemporal grid: what every source says, cell by cell, period by period.

Inputs are already in the base CRS (a projected CRS in metres). Each family of data
is reduced to statistics keyed by (cell, time bin) with :class:`GroupIndex`, then the
families are joined. Observations without time (PS velocities, buildings, images
without an acquisition date) are *static*: their statistics are attached to every
period row of their cell, and a cell seen only by static data gets one row whose
period is empty (shown at all times by QGIS's temporal controller).

Output schema (one row per cell and period with any observation; empty cells are not
written; every statistic comes with the count of observations it rests on):

=======================  ===============================================================
cell_id, col, row        cell address (``cell_id = row * n_cols + col``)
beidou_code              2D BeiDou grid location code (GB/T 39409-2020) of the cell's centre,
                         at the coarsest level whose cells are no larger than the grid cell
                         (:func:`beidou_level`); written only when the grid's CRS is known
period                   label of the time bin ("2024-03"), empty for static-only rows
period_start, period_end UTC start (inclusive) / end (exclusive) of the bin, or null
gnss_n                   GNSS epochs in the cell and period
gnss_fix_rate            share of those epochs with a fix (GGA quality > 0)
gnss_hdop_mean           mean HDOP of epochs with a fix
gnss_sats_mean           mean satellites used, epochs with a fix
rsrp_n                   drive-test measurements with an RSRP
rsrp_mean_dbm            mean RSRP (dBm; mean of dB values, as drive-test tools report)
rsrp_p10_dbm             10th percentile of RSRP (dBm), linear interpolation
rsrp_below_110_share     share of measurements below -110 dBm (weak coverage)
<index>_n, <index>_mean  valid pixels and mean of each spectral index (ndvi, ndbi, ndwi)
ps_n, ps_vel_mean_mm_yr  persistent scatterers and their mean velocity (mm/yr)
bldg_n                   buildings whose representative point lies in the cell
bldg_footprint_share     footprint area inside the cell / cell area (0-1)
bldg_height_n            buildings with a known height
bldg_height_mean_m       mean height of those buildings (m)
=======================  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .grid import NO_TIME, GridSpec, as_utc_datetime64, bin_labels, bin_range, time_bins
from .groupstats import GroupIndex

#: dBm threshold of "weak coverage" in the fused grid.
WEAK_RSRP_DBM = -110.0


@dataclass
class IndexSamples:
    """Valid pixels of one spectral-index raster, in the base CRS."""

    name: str
    x: np.ndarray
    y: np.ndarray
    values: np.ndarray
    time: np.datetime64 | None = None


@dataclass
class FusionInputs:
    """What the fused grid is computed from; every frame's x/y are in the base CRS.

    ``gnss``: columns x, y, time, fix_quality, hdop, sats_used (NMEA epochs).
    ``drive``: columns x, y, time, rsrp_dbm (drive-test measurements).
    ``ps``: columns x, y, mean_velocity (mm/yr).
    ``buildings``: GeoDataFrame of footprints with a ``height_m`` column (NaN if unknown).
    """

    gnss: object | None = None
    drive: object | None = None
    indices: list[IndexSamples] = field(default_factory=list)
    ps: object | None = None
    buildings: object | None = None


def _family_frame(grid: GridSpec, x, y, times, unit: str, columns: dict[str, callable]):
    """Statistics of one family keyed by (cell_id, bin) as a DataFrame."""
    import pandas as pd

    cells = grid.cell_ids(x, y)
    bins = np.full(cells.shape, NO_TIME, dtype=np.int64) if times is None else time_bins(times, unit)
    keep = cells >= 0
    cells, bins = cells[keep], bins[keep]
    # (cell, bin) packed into one int64 key: slot 0 holds static observations, timed
    # bins follow from slot 1.
    timed = bins != NO_TIME
    first = int(bins[timed].min()) if timed.any() else 0
    slots = np.where(timed, bins - first + 1, 0)
    n_slots = int(slots.max()) + 1 if slots.size else 1
    groups = GroupIndex.from_keys(cells * n_slots + slots)
    frame = pd.DataFrame({"cell_id": groups.keys // n_slots})
    group_bins = np.zeros(groups.n_groups, dtype=np.int64)
    group_bins[groups.inverse] = bins  # every member of a group has the same bin
    frame["bin"] = group_bins
    for name, reduce in columns.items():
        frame[name] = reduce(groups, keep)
    return frame


def _gnss_stats(grid: GridSpec, gnss, unit: str):
    fixed = np.asarray(gnss["fix_quality"], dtype=np.float64) > 0
    hdop = np.where(fixed, np.asarray(gnss["hdop"], dtype=np.float64), np.nan)
    sats = np.where(fixed, np.asarray(gnss["sats_used"], dtype=np.float64), np.nan)
    return _family_frame(
        grid,
        gnss["x"],
        gnss["y"],
        gnss["time"],
        unit,
        {
            "gnss_n": lambda g, k: g.size(),
            "gnss_fix_rate": lambda g, k: g.share(fixed[k]),
            "gnss_hdop_mean": lambda g, k: g.mean(hdop[k]),
            "gnss_sats_mean": lambda g, k: g.mean(sats[k]),
        },
    )


def _drive_stats(grid: GridSpec, drive, unit: str):
    rsrp = np.asarray(drive["rsrp_dbm"], dtype=np.float64)
    has = ~np.isnan(rsrp)
    with np.errstate(invalid="ignore"):
        weak = rsrp < WEAK_RSRP_DBM
    return _family_frame(
        grid,
        np.asarray(drive["x"])[has],
        np.asarray(drive["y"])[has],
        as_utc_datetime64(drive["time"])[has],
        unit,
        {
            "rsrp_n": lambda g, k: g.size(),
            "rsrp_mean_dbm": lambda g, k: g.mean(rsrp[has][k]),
            "rsrp_p10_dbm": lambda g, k: g.quantile(rsrp[has][k], 0.10),
            "rsrp_below_110_share": lambda g, k: g.share(weak[has][k]),
        },
    )


def _index_stats(grid: GridSpec, samples: list[IndexSamples], unit: str):
    """Statistics of one index over all its images (pooled, so that two images in
    the same month make one mean, and images in different months different rows)."""
    name = samples[0].name
    values = np.concatenate([np.asarray(s.values, dtype=np.float64) for s in samples])
    x = np.concatenate([np.asarray(s.x) for s in samples])
    y = np.concatenate([np.asarray(s.y) for s in samples])
    times = np.concatenate(
        [
            np.full(len(s.values), np.datetime64("NaT") if s.time is None else s.time, dtype="datetime64[ns]")
            for s in samples
        ]
    )
    timed = None if np.isnat(times).all() else times
    return _family_frame(
        grid,
        x,
        y,
        timed,
        unit,
        {
            f"{name}_n": lambda g, k: g.count(values[k]),
            f"{name}_mean": lambda g, k: g.mean(values[k]),
        },
    )


def _ps_stats(grid: GridSpec, ps, unit: str):
    velocity = np.asarray(ps["mean_velocity"], dtype=np.float64)
    return _family_frame(
        grid,
        ps["x"],
        ps["y"],
        None,
        unit,
        {"ps_n": lambda g, k: g.size(), "ps_vel_mean_mm_yr": lambda g, k: g.mean(velocity[k])},
    )


def building_cell_stats(grid: GridSpec, footprints, heights: np.ndarray):
    """Count, footprint share and mean height of buildings per cell (static).

    Footprint share is exact: each footprint is intersected with the boxes of the
    cells its bounding box touches (a handful per building), so large buildings
    spread over several cells count in each of them by area.
    """
    import pandas as pd
    import shapely

    geoms = np.asarray(footprints)
    heights = np.asarray(heights, dtype=np.float64)
    bounds = shapely.bounds(geoms)
    cs = grid.cell_size
    c0 = np.clip(np.floor((bounds[:, 0] - grid.origin_x) / cs), 0, grid.n_cols - 1).astype(np.int64)
    c1 = np.clip(np.floor((bounds[:, 2] - grid.origin_x) / cs), 0, grid.n_cols - 1).astype(np.int64)
    r0 = np.clip(np.floor((bounds[:, 1] - grid.origin_y) / cs), 0, grid.n_rows - 1).astype(np.int64)
    r1 = np.clip(np.floor((bounds[:, 3] - grid.origin_y) / cs), 0, grid.n_rows - 1).astype(np.int64)
    widths, spans = c1 - c0 + 1, r1 - r0 + 1
    per_building = widths * spans
    building = np.repeat(np.arange(len(geoms)), per_building)
    offset = np.arange(per_building.sum()) - np.repeat(np.cumsum(per_building) - per_building, per_building)
    cols = c0[building] + offset % widths[building]
    rows = r0[building] + offset // widths[building]
    pair_cells = rows * grid.n_cols + cols
    boxes = grid.cell_polygons(pair_cells)
    areas = shapely.area(shapely.intersection(geoms[building], boxes))
    area_groups = GroupIndex.from_keys(pair_cells)
    share = pd.DataFrame({"cell_id": area_groups.keys, "bldg_footprint_share": area_groups.sum(areas) / (cs * cs)})
    points = shapely.point_on_surface(geoms)
    cells = grid.cell_ids(shapely.get_x(points), shapely.get_y(points))
    keep = cells >= 0
    groups = GroupIndex.from_keys(cells[keep])
    counts = pd.DataFrame(
        {
            "cell_id": groups.keys,
            "bldg_n": groups.size(),
            "bldg_height_n": groups.count(heights[keep]),
            "bldg_height_mean_m": groups.mean(heights[keep]),
        }
    )
    frame = share.merge(counts, on="cell_id", how="outer")
    frame["bin"] = NO_TIME
    frame["bldg_n"] = frame["bldg_n"].fillna(0).astype(np.int64)
    frame["bldg_height_n"] = frame["bldg_height_n"].fillna(0).astype(np.int64)
    return frame[frame["bldg_footprint_share"] > 0]


def fuse_grid(
    grid: GridSpec,
    inputs: FusionInputs,
    time_unit: str = "month",
    crs=None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
):
    """Compute the fused grid (schema in the module docstring) as a GeoDataFrame."""
    import geopandas as gpd
    import pandas as pd

    steps = []
    if inputs.gnss is not None and len(inputs.gnss):
        steps.append(lambda: _gnss_stats(grid, inputs.gnss, time_unit))
    if inputs.drive is not None and len(inputs.drive):
        steps.append(lambda: _drive_stats(grid, inputs.drive, time_unit))
    by_index: dict[str, list[IndexSamples]] = {}
    for samples in inputs.indices:
        by_index.setdefault(samples.name, []).append(samples)
    for group in by_index.values():
        steps.append(lambda g=group: _index_stats(grid, g, time_unit))
    if inputs.ps is not None and len(inputs.ps):
        steps.append(lambda: _ps_stats(grid, inputs.ps, time_unit))
    if inputs.buildings is not None and len(inputs.buildings):
        steps.append(
            lambda: building_cell_stats(
                grid, inputs.buildings.geometry.to_numpy(), inputs.buildings["height_m"].to_numpy()
            )
        )
    frames = []
    for i, step in enumerate(steps):
        check_canceled(is_canceled)
        frames.append(step())
        progress((i + 1) / (len(steps) + 1))
    if not frames:
        return gpd.GeoDataFrame({"cell_id": pd.Series(dtype=np.int64)}, geometry=[], crs=crs)

    dynamic = [f[f["bin"] != NO_TIME] for f in frames]
    static = [f[f["bin"] == NO_TIME].drop(columns="bin") for f in frames]
    merged_dynamic = _outer_merge([f for f in dynamic if len(f)], ["cell_id", "bin"])
    merged_static = _outer_merge([f for f in static if len(f)], ["cell_id"])
    if merged_dynamic is None and merged_static is None:  # nothing fell inside the grid
        return gpd.GeoDataFrame({"cell_id": pd.Series(dtype=np.int64)}, geometry=[], crs=crs)
    if merged_dynamic is None:
        result = merged_static.assign(bin=NO_TIME)
    elif merged_static is None:
        result = merged_dynamic
    else:
        result = merged_dynamic.merge(merged_static, on="cell_id", how="left")
        static_only = merged_static[~merged_static["cell_id"].isin(merged_dynamic["cell_id"])]
        result = pd.concat([result, static_only.assign(bin=NO_TIME)], ignore_index=True)
    check_canceled(is_canceled)

    result = result.sort_values(["cell_id", "bin"], kind="stable").reset_index(drop=True)
    count_columns = [c for c in result.columns if c.endswith("_n")]
    result[count_columns] = result[count_columns].fillna(0).astype(np.int64)
    bins = result["bin"].to_numpy(dtype=np.int64)
    timed = bins != NO_TIME
    start, end = bin_range(np.where(timed, bins, 0), time_unit)
    result.insert(1, "period", bin_labels(bins, time_unit))
    result.insert(2, "period_start", pd.to_datetime(np.where(timed, start, np.datetime64("NaT")), utc=True))
    result.insert(3, "period_end", pd.to_datetime(np.where(timed, end, np.datetime64("NaT")), utc=True))
    _insert_address(result, grid, crs)
    result = result.drop(columns="bin")
    geometry = grid.cell_polygons(result["cell_id"].to_numpy())
    progress(1.0)
    return gpd.GeoDataFrame(result, geometry=geometry, crs=crs)


def _insert_address(result, grid: GridSpec, crs) -> None:
    """Columns col, row and (with a CRS) beidou_code after cell_id."""
    col, row = grid.col_row(result["cell_id"].to_numpy())
    result.insert(1, "col", col)
    result.insert(2, "row", row)
    if crs is not None:
        cell_ids, where = np.unique(result["cell_id"].to_numpy(), return_inverse=True)
        codes = np.asarray(beidou_cell_codes(grid, cell_ids, crs), dtype=object)
        result.insert(3, "beidou_code", codes[where])


def beidou_level(grid: GridSpec, crs) -> int:
    """BeiDou grid level of the fused grid's codes: the coarsest whose cells are no larger than a grid cell.

    Judged at the latitude of the grid's centre. Cell centres one grid cell apart then
    never share a BeiDou cell, so each code names the neighbourhood of one centre (100 m
    cells at 40 N: level 6, 2" = 62 m x 47 m). The level is also the code's length
    (4, 6, 7, 9, 11, 12, 14, 16, 18 or 20 characters at levels 1-10).
    """
    from ..processing.beidou_arrays import to_cgcs2000
    from ..processing.beidou_grid import level_for_cell_size

    centre_x = grid.origin_x + grid.n_cols * grid.cell_size / 2
    centre_y = grid.origin_y + grid.n_rows * grid.cell_size / 2
    _, lat = to_cgcs2000(crs, [centre_x], [centre_y])
    return level_for_cell_size(grid.cell_size, float(lat[0]) if np.isfinite(lat[0]) else 0.0)


def beidou_cell_codes(grid: GridSpec, cell_ids: np.ndarray, crs) -> list[str | None]:
    """2D BeiDou codes of the centres of ``cell_ids`` at :func:`beidou_level`; None outside +/-88 degrees."""
    from ..processing.beidou_arrays import to_cgcs2000
    from ..processing.beidou_grid import encode_many

    bounds = grid.cell_bounds(cell_ids)
    lon, lat = to_cgcs2000(crs, (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
    return encode_many(lon, lat, beidou_level(grid, crs))


def _outer_merge(frames: list, on: list[str]):
    if not frames:
        return None
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on=on, how="outer")
    return merged
