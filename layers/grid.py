"""Square grids in the base CRS and time bins: the frame of the fused base.

Cells are addressed by integer column/row computed with floor division from a snapped
origin, so assigning a million measurements to cells is one vectorised pass (no
point-in-polygon tests); a cell's polygon is only built for cells that are written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Time-bin units offered to the user; "month" is the default of the fused grid.
TIME_UNITS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class GridSpec:
    """A grid of ``n_cols`` x ``n_rows`` square cells of side ``cell_size``.

    ``origin_x``/``origin_y`` is the lower-left corner, a multiple of ``cell_size``
    so that grids of the same cell size line up across bases. Cell ids count
    row-major from the lower-left: ``cell_id = row * n_cols + col``.
    """

    origin_x: float
    origin_y: float
    cell_size: float
    n_cols: int
    n_rows: int

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], cell_size: float) -> GridSpec:
        """The smallest snapped grid covering ``(xmin, ymin, xmax, ymax)``."""
        if not cell_size > 0:
            raise ValueError(f"cell size must be positive, got {cell_size}")
        xmin, ymin, xmax, ymax = bounds
        if not all(math.isfinite(v) for v in bounds) or xmax < xmin or ymax < ymin:
            raise ValueError(f"invalid bounds {bounds}")
        origin_x = math.floor(xmin / cell_size) * cell_size
        origin_y = math.floor(ymin / cell_size) * cell_size
        # A point exactly on the upper edge still needs its own cell (floor division).
        n_cols = math.floor((xmax - origin_x) / cell_size) + 1
        n_rows = math.floor((ymax - origin_y) / cell_size) + 1
        return cls(origin_x, origin_y, float(cell_size), n_cols, n_rows)

    @property
    def n_cells(self) -> int:
        return self.n_cols * self.n_rows

    def cell_ids(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cell id of each point (int64); -1 for points outside the grid or NaN."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.origin_x) / self.cell_size)
            row = np.floor((y - self.origin_y) / self.cell_size)
        inside = (col >= 0) & (col < self.n_cols) & (row >= 0) & (row < self.n_rows)
        ids = np.full(x.shape, -1, dtype=np.int64)
        ids[inside] = row[inside].astype(np.int64) * self.n_cols + col[inside].astype(np.int64)
        return ids

    def col_row(self, cell_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cell_ids = np.asarray(cell_ids, dtype=np.int64)
        return cell_ids % self.n_cols, cell_ids // self.n_cols

    def cell_bounds(self, cell_ids: np.ndarray) -> np.ndarray:
        """(N, 4) array of xmin, ymin, xmax, ymax of the given cells."""
        col, row = self.col_row(cell_ids)
        xmin = self.origin_x + col * self.cell_size
        ymin = self.origin_y + row * self.cell_size
        return np.column_stack([xmin, ymin, xmin + self.cell_size, ymin + self.cell_size])

    def cell_polygons(self, cell_ids: np.ndarray) -> np.ndarray:
        """Shapely polygons of the given cells."""
        import shapely

        b = self.cell_bounds(cell_ids)
        return shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3])


def as_utc_datetime64(times) -> np.ndarray:
    """datetime64[ns] in UTC without zone, from numpy or pandas (zone-aware) input.

    Zone-aware pandas data are converted inside pandas: ``np.asarray`` on them would
    build one Python ``Timestamp`` per value, a hundred times slower.
    """
    import pandas as pd

    if isinstance(times, np.ndarray) and np.issubdtype(times.dtype, np.datetime64):
        return times.astype("datetime64[ns]")
    series = times if isinstance(times, pd.Series) else pd.Series(times)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[ns]")


def time_bins(times: np.ndarray, unit: str = "month") -> np.ndarray:
    """Integer bin of each time: days, ISO weeks (Monday), months, quarters or years
    since 1970 in UTC; ``-2**62`` marks NaT (no time)."""
    if unit not in TIME_UNITS:
        raise ValueError(f"time unit must be one of {', '.join(TIME_UNITS)}, got {unit!r}")
    t = as_utc_datetime64(times)
    missing = np.isnat(t)
    if unit == "day":
        bins = t.astype("datetime64[D]").astype(np.int64)
    elif unit == "week":
        # 1970-01-01 was a Thursday: shift so that bins start on Mondays.
        bins = (t.astype("datetime64[D]").astype(np.int64) + 3) // 7
    elif unit == "month":
        bins = t.astype("datetime64[M]").astype(np.int64)
    elif unit == "quarter":
        bins = t.astype("datetime64[M]").astype(np.int64) // 3
    else:
        bins = t.astype("datetime64[Y]").astype(np.int64)
    bins = bins.astype(np.int64)
    bins[missing] = NO_TIME
    return bins


#: Bin value of observations without time (static layers: PS velocities, buildings).
NO_TIME = -(2**62)


def bin_range(bins: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) datetime64[s] of integer bins."""
    bins = np.asarray(bins, dtype=np.int64)
    if unit == "day":
        start = bins.astype("datetime64[D]")
        end = start + np.timedelta64(1, "D")
    elif unit == "week":
        start = (bins * 7 - 3).astype("datetime64[D]")
        end = start + np.timedelta64(7, "D")
    elif unit == "month":
        start = bins.astype("datetime64[M]")
        end = (bins + 1).astype("datetime64[M]")
    elif unit == "quarter":
        start = (bins * 3).astype("datetime64[M]")
        end = (bins * 3 + 3).astype("datetime64[M]")
    else:
        start = bins.astype("datetime64[Y]")
        end = (bins + 1).astype("datetime64[Y]")
    return start.astype("datetime64[s]"), end.astype("datetime64[s]")


def bin_labels(bins: np.ndarray, unit: str) -> list[str]:
    """Readable labels: 2024-03-17, 2024-W11, 2024-03, 2024-Q1, 2024."""
    start, _ = bin_range(bins, unit)
    labels = []
    for value, s in zip(np.asarray(bins), start):
        if value == NO_TIME:
            labels.append("")
            continue
        day = s.astype("datetime64[D]").item()
        if unit == "day":
            labels.append(day.isoformat())
        elif unit == "week":
            iso = day.isocalendar()
            labels.append(f"{iso[0]}-W{iso[1]:02d}")
        elif unit == "month":
            labels.append(f"{day.year}-{day.month:02d}")
        elif unit == "quarter":
            labels.append(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
        else:
            labels.append(str(day.year))
    return labels
