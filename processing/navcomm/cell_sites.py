"""The cell sites of a coverage prediction: one row per cell (sector), fields normalised.

:func:`cell_sites` takes any table (an operator's engineering-parameter table, 工参表;
OpenCelliD cells; a layer's attributes) and names its columns; what is missing gets a
documented default and the row records it, so the QGIS tier can say "3 cells without
antenna height: 25 m used".

=================  =========================================================================
field              default when the column or the row's value is missing
=================  =========================================================================
antenna height     25 m above ground for UMa, 10 m for UMi: the base-station heights of
                   3GPP TR 38.901 Table 7.4.1-1
Tx power           46 dBm for UMa (40 W, the LTE macro cell of 3GPP TR 36.814 Table
                   A.2.1.1-2 for a 10 MHz carrier; TR 38.901 Table 7.8-1 calibrates UMa
                   at 49 dBm for 20 MHz at 6 GHz) and 44 dBm for UMi (TR 38.901 Table 7.8-1)
frequency          from the EARFCN when that column is given (3GPP TS 36.101 Table
                   5.7.3-1: F_DL = F_DL_low + 0.1 (N_DL - N_Offs-DL)), else 1.85 GHz
                   (LTE band 3, the urban layer of China Mobile and China Unicom)
azimuth            none: the cell is taken as omnidirectional at the sector antenna's
                   maximum gain in every direction (an upper bound; a real sector is up to
                   30 dB weaker off its boresight)
site id            one id per distinct position (sectors of a site share it)
cell id            the row number (1-based)
=================  =========================================================================

Frequencies above 100 are read as MHz, others as GHz (38.901 covers 0.5-100 GHz, and no
cellular carrier is below 400 MHz). A row without a position, or with a height, power
or frequency out of range, raises :class:`~citytwin.common.errors.InputError` naming the
row and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...common.errors import InputError

SCENARIOS = ("uma", "umi")
DEFAULT_ANTENNA_HEIGHT_M = {"uma": 25.0, "umi": 10.0}
DEFAULT_TX_POWER_DBM = {"uma": 46.0, "umi": 44.0}
DEFAULT_FREQUENCY_GHZ = 1.85

#: 3GPP TS 36.101 Table 5.7.3-1 (downlink): band -> (F_DL_low MHz, N_Offs-DL, last N_DL).
#: The bands in use in China and the common ones elsewhere; others give the default frequency.
EUTRA_DOWNLINK_BANDS = {
    1: (2110.0, 0, 599),
    2: (1930.0, 600, 1199),
    3: (1805.0, 1200, 1949),
    4: (2110.0, 1950, 2399),
    5: (869.0, 2400, 2649),
    7: (2620.0, 2750, 3449),
    8: (925.0, 3450, 3799),
    12: (729.0, 5010, 5179),
    13: (746.0, 5180, 5279),
    20: (791.0, 6150, 6449),
    28: (758.0, 9210, 9659),
    34: (2010.0, 36200, 36349),
    38: (2570.0, 37750, 38249),
    39: (1880.0, 38250, 38649),
    40: (2300.0, 38650, 39649),
    41: (2496.0, 39650, 41589),
}

#: Plausible ranges; values outside are errors in the table, not defaults.
HEIGHT_RANGE_M = (0.0, 500.0)
POWER_RANGE_DBM = (-10.0, 70.0)
FREQUENCY_RANGE_GHZ = (0.5, 100.0)

#: What each tag of the ``defaults`` column means, for the notes.
DEFAULT_TAGS = {
    "height": "without antenna height: {value} m used",
    "power": "without Tx power: {value} dBm used",
    "frequency": "without frequency (or a known EARFCN): {value} GHz used",
    "frequency_from_earfcn": "with the frequency taken from the EARFCN (3GPP TS 36.101)",
    "azimuth": "without azimuth: omnidirectional at the maximum gain",
    "site_id": "without site id: one id per position",
    "cell_id": "without cell id: the row number used",
}

COLUMNS = (
    "site_id", "cell_id", "pci", "x", "y", "antenna_height_m", "tx_power_dbm", "frequency_ghz", "azimuth_deg",
    "defaults", "row",
)  # fmt: skip


def earfcn_to_mhz(earfcn: np.ndarray) -> np.ndarray:
    """Downlink carrier frequency (MHz) of each EARFCN, NaN for unknown bands or values.

    3GPP TS 36.101 Table 5.7.3-1: F_DL = F_DL_low + 0.1 (N_DL - N_Offs-DL), for the bands
    of :data:`EUTRA_DOWNLINK_BANDS`.
    """
    n = np.asarray(earfcn, dtype=np.float64)
    out = np.full(n.shape, np.nan)
    for f_low, offset, last in EUTRA_DOWNLINK_BANDS.values():
        inside = (n >= offset) & (n <= last) & (n == np.floor(n))
        out[inside] = f_low + 0.1 * (n[inside] - offset)
    return out


@dataclass
class CellSites:
    """Cells ready for prediction.

    Attributes
    ----------
    table
        One row per cell with the columns of :data:`COLUMNS`: ``site_id`` (object),
        ``cell_id`` (Int64), ``pci`` (Int64, <NA> when unknown), ``x``, ``y`` (in
        ``crs``), ``antenna_height_m`` (above ground), ``tx_power_dbm``,
        ``frequency_ghz``, ``azimuth_deg`` (NaN: omnidirectional), ``defaults`` (comma-
        separated tags of :data:`DEFAULT_TAGS`, "" when the row was complete) and
        ``row`` (1-based row of the input table).
    crs
        CRS of x and y (anything pyproj accepts); None: the DSM's CRS.
    scenario
        "uma" or "umi": the defaults used.
    source
        The table's file or layer name, for messages.
    """

    table: pd.DataFrame
    crs: Any = None
    scenario: str = "uma"
    source: str | None = None
    default_values: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def site_ids(self) -> list:
        """The distinct site ids, in order of first appearance."""
        return list(pd.unique(self.table["site_id"]))

    def default_counts(self) -> dict[str, int]:
        """Rows per default tag."""
        counts: dict[str, int] = {}
        for tags in self.table["defaults"]:
            for tag in filter(None, tags.split(",")):
                counts[tag] = counts.get(tag, 0) + 1
        return counts

    def notes(self) -> list[str]:
        """One sentence per default applied, e.g. "3 cells without antenna height: 25 m used"."""
        notes = []
        for tag, count in self.default_counts().items():
            text = DEFAULT_TAGS[tag].format(value=f"{self.default_values.get(tag, float('nan')):g}")
            notes.append(f"{count} cell{'s' if count != 1 else ''} {text}")
        return notes


def _column(frame: pd.DataFrame, name: str | None, source: str | None) -> pd.Series | None:
    if name is None:
        return None
    if name not in frame.columns:
        raise InputError(f"no column '{name}' (columns: {', '.join(map(str, frame.columns))})", source, field=name)
    return frame[name]


def _numbers(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)


def _check_range(values: np.ndarray, low: float, high: float, label: str, name: str | None, source) -> None:
    bad = np.flatnonzero(np.isfinite(values) & ((values <= low) | (values > high)))
    if bad.size:
        more = f" (and {bad.size - 1} more rows)" if bad.size > 1 else ""
        raise InputError(
            f"row {bad[0] + 1}{more}: {label} {values[bad[0]]:g} is outside ({low:g}, {high:g}]", source, field=name
        )


def _integers(series: pd.Series | None, n: int) -> pd.arrays.IntegerArray:
    values = _numbers(series, n)
    whole = np.isfinite(values) & (values == np.floor(values))
    return pd.arrays.IntegerArray(np.where(whole, values, 0).astype(np.int64), ~whole)


def cell_sites(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    site_id: str | None = None,
    cell_id: str | None = None,
    pci: str | None = None,
    height: str | None = None,
    power: str | None = None,
    frequency: str | None = None,
    earfcn: str | None = None,
    azimuth: str | None = None,
    crs: Any = None,
    scenario: str = "uma",
    source: str | None = None,
) -> CellSites:
    """Normalise a table of cells (one row per cell or sector) for coverage prediction.

    Parameters
    ----------
    frame
        The table.
    x, y
        Columns of the position (in ``crs``; lon/lat with ``crs="EPSG:4326"``).
    site_id, cell_id, pci, height, power, frequency, earfcn, azimuth
        Columns of the site id, cell id (ECI/NCI), physical cell id, antenna height above
        ground (m), Tx power (dBm, whole carrier), carrier frequency (MHz or GHz), EARFCN
        and antenna azimuth (degrees clockwise from north); None where the table has
        none. Missing columns and empty or unreadable values get the defaults of the
        module's table, recorded per row in ``defaults``.
    crs
        CRS of x and y; None: the DSM's.
    scenario
        "uma" or "umi" (3GPP TR 38.901): chooses the default height and power.
    source
        File or layer name for messages.

    Returns
    -------
    CellSites

    Raises
    ------
    InputError
        Naming the row and field: no position, a value out of range, a column that
        does not exist, an empty table.
    """
    if scenario not in SCENARIOS:
        raise InputError(f"scenario must be one of {SCENARIOS}, got {scenario!r}", source, field="scenario")
    n = len(frame)
    if n == 0:
        raise InputError("the cell table has no rows", source)
    columns = {
        key: _column(frame, name, source)
        for key, name in (
            ("x", x), ("y", y), ("site_id", site_id), ("cell_id", cell_id), ("pci", pci), ("height", height),
            ("power", power), ("frequency", frequency), ("earfcn", earfcn), ("azimuth", azimuth),
        )
    }  # fmt: skip
    xs, ys = _numbers(columns["x"], n), _numbers(columns["y"], n)
    no_position = np.flatnonzero(~(np.isfinite(xs) & np.isfinite(ys)))
    if no_position.size:
        more = f" (and {no_position.size - 1} more rows)" if no_position.size > 1 else ""
        raise InputError(
            f"row {no_position[0] + 1}{more} has no position: '{x}' or '{y}' is empty or not a number",
            source,
            field=x if not np.isfinite(xs[no_position[0]]) else y,
        )
    tags: list[list[str]] = [[] for _ in range(n)]
    defaults = {
        "height": DEFAULT_ANTENNA_HEIGHT_M[scenario],
        "power": DEFAULT_TX_POWER_DBM[scenario],
        "frequency": DEFAULT_FREQUENCY_GHZ,
    }

    def fill(values: np.ndarray, tag: str) -> np.ndarray:
        missing = ~np.isfinite(values)
        for i in np.flatnonzero(missing):
            tags[i].append(tag)
        return np.where(missing, defaults[tag], values)

    heights = _numbers(columns["height"], n)
    _check_range(heights, *HEIGHT_RANGE_M, "antenna height (m)", height, source)
    powers = _numbers(columns["power"], n)
    _check_range(powers, *POWER_RANGE_DBM, "Tx power (dBm)", power, source)
    freq = _numbers(columns["frequency"], n)
    freq = np.where(freq > 100.0, freq / 1000.0, freq)  # MHz -> GHz
    _check_range(freq, *FREQUENCY_RANGE_GHZ, "frequency (GHz)", frequency, source)
    from_earfcn = ~np.isfinite(freq) & np.isfinite(earfcn_to_mhz(_numbers(columns["earfcn"], n)))
    freq = np.where(from_earfcn, earfcn_to_mhz(_numbers(columns["earfcn"], n)) / 1000.0, freq)
    for i in np.flatnonzero(from_earfcn):
        tags[i].append("frequency_from_earfcn")
    azimuths = _numbers(columns["azimuth"], n) % 360.0
    for i in np.flatnonzero(~np.isfinite(azimuths)):
        tags[i].append("azimuth")
    table = pd.DataFrame(
        {
            "site_id": _site_ids(columns["site_id"], xs, ys, tags),
            "cell_id": _cell_ids(columns["cell_id"], n, tags),
            "pci": _integers(columns["pci"], n),
            "x": xs,
            "y": ys,
            "antenna_height_m": fill(heights, "height"),
            "tx_power_dbm": fill(powers, "power"),
            "frequency_ghz": fill(freq, "frequency"),
            "azimuth_deg": azimuths,
        }
    )
    order = list(DEFAULT_TAGS)
    table["defaults"] = [",".join(sorted(t, key=order.index)) for t in tags]
    table["row"] = np.arange(1, n + 1)
    return CellSites(table, crs, scenario, source, defaults)


def _site_ids(series: pd.Series | None, xs: np.ndarray, ys: np.ndarray, tags: list[list[str]]) -> np.ndarray:
    by_position = pd.factorize(pd.Series(list(zip(xs.tolist(), ys.tolist()))))[0] + 1
    if series is None:
        for t in tags:
            t.append("site_id")
        return by_position.astype(object)
    values = series.to_numpy(dtype=object).copy()
    missing = pd.isna(series).to_numpy() | (series.astype(str).str.strip() == "").to_numpy()
    for i in np.flatnonzero(missing):
        tags[i].append("site_id")
        values[i] = f"position {by_position[i]}"
    return values


def _cell_ids(series: pd.Series | None, n: int, tags: list[list[str]]) -> pd.arrays.IntegerArray:
    ids = _integers(series, n)
    missing = np.asarray(ids.isna())
    for i in np.flatnonzero(missing):
        tags[i].append("cell_id")
    values = np.where(missing, np.arange(1, n + 1), ids.to_numpy(dtype=np.int64, na_value=0))
    return pd.arrays.IntegerArray(values.astype(np.int64), np.zeros(n, dtype=bool))
