"""Persistent-scatterer (PS) InSAR time series: EGMS CSV files and PS point layers.

A PS product is a set of measurement points (persistent or distributed scatterers), each
with a few attributes and one displacement value per SAR acquisition date. This module
reads such products into a :class:`PSDataset` and writes the EGMS CSV layout back.

Sources
-------
EGMS CSV (:func:`read_egms_csv`)
    The European Ground Motion Service product files, levels L2a (basic, line of sight),
    L2b (calibrated, line of sight) and L3 (ortho: vertical ``U`` or east-west ``E``).
    Comma or semicolon separated (sniffed from the header; with semicolons a decimal
    comma is recognised too). Attribute columns come first, then one column per date::

        pid, mp_type, latitude, longitude, easting, northing, height, height_wgs84,
        line, pixel, rmse, temporal_coherence, amplitude_dispersion, incidence_angle,
        track_angle, los_east, los_north, los_up, mean_velocity, mean_velocity_std,
        acceleration, acceleration_std, seasonality, seasonality_std,
        20180106, 20180112, ...

    Any subset of the attribute columns is accepted (L3 files have no line/pixel and no
    line-of-sight geometry, and no latitude/longitude) as long as a position is there.
Point layers (:func:`read_ps_layer`)
    Any OGR point layer (GeoPackage, Shapefile, GeoJSON, ...) read with pyogrio, with date
    fields named the way QGIS InSAR viewer plugins (e.g. "PS Time Series Viewer") expect:
    ``D_YYYYMMDD`` or ``DYYYYMMDD``, or plain ``YYYYMMDD`` as in EGMS data converted to
    GeoPackage. See :func:`date_columns`.

Position and CRS
----------------
CSV: from ``longitude``/``latitude`` (EPSG:4326) when both columns are present, else from
``easting``/``northing`` in the ``crs`` argument, by default EPSG:3035 (ETRS89-LAEA, the
EGMS grid). The columns used for the geometry are not repeated as attributes; the others
(e.g. ``easting``/``northing`` next to latitude/longitude) are kept. Layers: the geometry
and CRS of the layer; ``crs`` only fills in for a layer without one.

Schema of :class:`PSDataset`
----------------------------
``points``
    GeoDataFrame, one row per point, the non-date attributes of the source with numeric
    dtypes (``pid`` and ``mp_type`` stay text), geometry = Point, CRS = ``points.crs``.
``dates``
    ``datetime64[D]``, strictly increasing (date columns out of order are sorted).
``displacement``
    float32, shape (points, dates), NaN where an epoch has no value; row ``i`` belongs to
    ``points.iloc[i]``.

Units (:data:`UNITS`, as in EGMS): displacement, rmse, seasonality in mm; mean velocity
in mm/yr; acceleration in mm/yr²; height in m; incidence and track angle in degrees;
``los_east``/``los_north``/``los_up`` are unit-vector components (no unit). Line-of-sight
values (L2a/L2b) are positive towards the satellite; L3 ``U`` is positive upwards, ``E``
positive eastwards.

Bad rows are skipped and counted in the :class:`~.report.ReadReport` with their line
number (header = line 1; layers count features from 1). Memory stays bounded by the
result: files are streamed in chunks of :data:`DEFAULT_CHUNK_ROWS` rows and the
displacement matrix is allocated once.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
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
from .report import MAX_LISTED_LINES, ReadReport

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import geopandas as gpd
    import pandas as pd
    import pyproj

# pandas, geopandas, pyogrio and pyproj are imported on first use: other modules import
# this one just for date_columns() (e.g. to recognise a PS layer), which needs numpy only.

#: Rows per chunk: with 300 dates, 50,000 rows are 60 MB of float32 displacements.
DEFAULT_CHUNK_ROWS = 50_000
#: Rows per chunk once a file turned out to hold text in date columns: those columns are
#: then parsed as Python strings, about 60 bytes per cell instead of 4.
TOLERANT_CHUNK_ROWS = 2_000

#: CRS of EGMS ``easting``/``northing`` (ETRS89-LAEA), assumed when no ``crs`` is given.
EGMS_CRS = "EPSG:3035"
#: CRS of ``latitude``/``longitude``.
LONLAT_CRS = "EPSG:4326"

#: EGMS attribute columns in product order (the writer's column order).
EGMS_COLUMNS: tuple[str, ...] = (
    "pid",
    "mp_type",
    "latitude",
    "longitude",
    "easting",
    "northing",
    "height",
    "height_wgs84",
    "line",
    "pixel",
    "rmse",
    "temporal_coherence",
    "amplitude_dispersion",
    "incidence_angle",
    "track_angle",
    "los_east",
    "los_north",
    "los_up",
    "mean_velocity",
    "mean_velocity_std",
    "acceleration",
    "acceleration_std",
    "seasonality",
    "seasonality_std",
)
#: Columns kept as text; every other known EGMS column is numeric.
TEXT_COLUMNS: tuple[str, ...] = ("pid", "mp_type")

#: Units of the displacement matrix and of the EGMS attributes.
UNITS: dict[str, str] = {
    "displacement": "mm",
    "mean_velocity": "mm/yr",
    "mean_velocity_std": "mm/yr",
    "acceleration": "mm/yr²",
    "acceleration_std": "mm/yr²",
    "seasonality": "mm",
    "seasonality_std": "mm",
    "rmse": "mm",
    "height": "m",
    "height_wgs84": "m",
    "incidence_angle": "degree",
    "track_angle": "degree",
}

# D_YYYYMMDD, DYYYYMMDD (PS Time Series Viewer) or YYYYMMDD (EGMS). Lower-case "d" too,
# because some drivers and tools lower-case field names.
_DATE_NAME = re.compile(r"^(?:[Dd]_?)?(\d{8})$")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d*,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")
_SEPARATORS = (",", ";", "\t")
# Bytes looked at to tell a blank file from one whose header line is blank.
_BLANK_PROBE = 65_536
# Lines sampled to tell a decimal comma from a decimal point.
_DECIMAL_SAMPLE_LINES = 50
# The pre-scan checks for cancel every this many lines.
_SCAN_CHECK_EVERY = 20_000
# Share of the progress bar for the CSV pre-scan (it only counts separators).
_SCAN_SHARE = 0.2

_POINT_TYPES = {"Point", "Point Z", "Point M", "Point ZM", "Point25D"}
_UNKNOWN_TYPES = {"Unknown", "Geometry", "Geometry Z", "Geometry M", "Geometry ZM"}

REASON_FIELDS = "wrong number of fields"
REASON_NO_COORDINATES = "missing coordinates"
REASON_TEXT_COORDINATES = "non-numeric coordinates"
REASON_COORDINATE_RANGE = "coordinates out of range"
REASON_TEXT_DISPLACEMENT = "non-numeric displacement"
REASON_NO_GEOMETRY = "no geometry"
REASON_EMPTY_GEOMETRY = "empty geometry"


@dataclass
class PSDataset:
    """Persistent-scatterer points with their displacement time series.

    Attributes
    ----------
    points
        One row per point: the non-date attributes, geometry = Point; its ``crs`` is the
        dataset's CRS (None when unknown).
    dates
        Acquisition dates, ``datetime64[D]``, strictly increasing.
    displacement
        float32 array of shape (points, dates) in millimetres, NaN where an epoch has no
        value. Other float arrays are converted to float32.
    report
        What the reader kept and skipped.
    units
        Units of the displacement and of the EGMS attributes (see :data:`UNITS`).
    """

    points: gpd.GeoDataFrame
    dates: np.ndarray
    displacement: np.ndarray
    report: ReadReport = field(default_factory=lambda: ReadReport("in memory"))
    units: dict[str, str] = field(default_factory=lambda: dict(UNITS))

    def __post_init__(self) -> None:
        # Checked here so that a dataset built by hand (e.g. the sample-data generator)
        # cannot pair a series with the wrong point or date.
        self.dates = np.asarray(self.dates, dtype="datetime64[D]")
        self.displacement = np.asarray(self.displacement, dtype=np.float32)
        if self.dates.ndim != 1:
            raise ValueError(f"dates must be one-dimensional, not of shape {self.dates.shape}")
        if self.dates.size > 1 and not np.all(np.diff(self.dates) > np.timedelta64(0, "D")):
            raise ValueError("dates must be strictly increasing")
        expected = (len(self.points), self.dates.size)
        if self.displacement.shape != expected:
            raise ValueError(f"displacement has shape {self.displacement.shape}, expected (points, dates) = {expected}")

    @property
    def crs(self) -> pyproj.CRS | None:
        """The CRS of the points (None when unknown)."""
        return self.points.crs

    @property
    def n_points(self) -> int:
        return int(self.displacement.shape[0])

    @property
    def n_dates(self) -> int:
        return int(self.displacement.shape[1])


# -- date columns ----------------------------------------------------------------------
def date_columns(names: list[str], source: str | Path | None = None) -> list[tuple[str, np.datetime64]]:
    """Recognise displacement columns by name: ``YYYYMMDD``, ``D_YYYYMMDD`` or ``DYYYYMMDD``.

    Parameters
    ----------
    names
        Column or field names, in their order.
    source
        File or layer the names come from, named in errors.

    Returns
    -------
    list of (str, numpy.datetime64)
        The date columns in the order of ``names`` (not sorted), each with its date
        (``datetime64[D]``). Other names are left out.

    Raises
    ------
    InputError
        When a name looks like a date (eight digits, optionally after ``D``/``D_``) but is
        not a valid calendar date, or when two columns hold the same date.
    """
    found: list[tuple[str, np.datetime64]] = []
    seen: dict[np.datetime64, str] = {}
    for name in names:
        match = _DATE_NAME.match(str(name).strip())
        if not match:
            continue
        digits = match.group(1)
        try:
            day = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            raise InputError(
                f"column '{name}' looks like a date (YYYYMMDD) but {digits} is not a valid date",
                source=source,
                field=str(name),
            ) from None
        date = np.datetime64(day, "D")
        if date in seen:
            raise InputError(
                f"the date {day.isoformat()} appears twice, in columns '{seen[date]}' and '{name}'",
                source=source,
                field=str(name),
            )
        seen[date] = str(name)
        found.append((str(name), date))
    return found


def _sorted_dates(
    names: list[str], source: str | Path, report: ReadReport, kind: str = "columns"
) -> tuple[list[str], np.ndarray]:
    found = date_columns(names, source=source)
    if not found:
        raise InputError(
            f"no date {kind} (YYYYMMDD, D_YYYYMMDD or DYYYYMMDD) holding displacements; found: " + ", ".join(names),
            source=source,
        )
    dates = np.array([date for _, date in found], dtype="datetime64[D]")
    order = np.argsort(dates, kind="stable")
    if np.any(order != np.arange(order.size)):
        report.note(f"The date {kind} were not in time order; they were sorted.")
    return [found[i][0] for i in order], dates[order]


# -- reading: shared pieces --------------------------------------------------------------
def _to_crs(crs: Any, source: Path) -> pyproj.CRS:
    import pyproj

    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"unknown CRS {crs!r} ({exc})", source=source) from exc


def _numbers(column: pd.Series, decimal: str) -> tuple[pd.Series, np.ndarray]:
    """``column`` as float64 and a mask of cells that held text other than a number."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.astype(np.float64), np.zeros(len(column), dtype=bool)
    text = column.astype("string").str.strip()
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce").astype(np.float64)
    bad = (text.notna() & (text != "") & numbers.isna()).to_numpy(dtype=bool)
    return numbers, bad


def _skip_rows(report: ReadReport, groups: list[tuple[np.ndarray, str]]) -> None:
    """Count skipped rows (1-based line numbers per reason), listing the earliest lines.

    ReadReport lists lines in the order it is told about them, so the lines are handed
    over in file order, whatever their reason.
    """
    lines = np.concatenate([group for group, _ in groups]) if groups else np.zeros(0, dtype=np.int64)
    if not lines.size:
        return
    reasons = np.concatenate([np.full(group.size, i) for i, (group, _) in enumerate(groups)])
    order = np.argsort(lines, kind="stable")
    room = max(MAX_LISTED_LINES - len(report.first_skipped), 0)
    for k in order[:room]:
        report.skip(int(lines[k]), groups[reasons[k]][1])
    rest = order[room:]
    for i, (_, reason) in enumerate(groups):
        report.skip_many(lines[rest[reasons[rest] == i]].tolist(), reason)


class _Collector:
    """Kept rows of all chunks: the displacement matrix (allocated once), attributes, lines."""

    def __init__(self, capacity: int, n_dates: int) -> None:
        self.matrix = np.empty((max(capacity, 1), n_dates), dtype=np.float32)
        self.n = 0
        self.attributes: list[pd.DataFrame] = []
        self.lines: list[np.ndarray] = []
        self.x: list[np.ndarray] = []
        self.y: list[np.ndarray] = []
        self.geometries: list[np.ndarray] = []
        self.report: ReadReport | None = None

    def add_displacement(self, block: np.ndarray) -> None:
        end = self.n + block.shape[0]
        if end > self.matrix.shape[0]:
            # Only when the row estimate was short (a layer miscounting its features).
            grown = np.empty((max(end, 2 * self.matrix.shape[0]), self.matrix.shape[1]), dtype=np.float32)
            grown[: self.n] = self.matrix[: self.n]
            self.matrix = grown
        self.matrix[self.n : end] = block
        self.n = end

    def chunk_done(self) -> None:
        """Called after each chunk is added (the streaming collector hands it on)."""

    def displacement(self) -> np.ndarray:
        if self.n < 0.9 * self.matrix.shape[0]:
            # Many rows were skipped: give the unused rows back.
            return self.matrix[: self.n].copy()
        return self.matrix[: self.n]


def _displacement_block(frame: pd.DataFrame, date_names: list[str], decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """float32 displacements of a chunk and a mask of rows with text in a date column."""
    import pandas as pd

    values = frame[date_names]
    if all(pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype) for dtype in values.dtypes):
        return values.to_numpy(dtype=np.float32, na_value=np.nan), np.zeros(len(frame), dtype=bool)
    block = np.empty((len(frame), len(date_names)), dtype=np.float32)
    bad = np.zeros(len(frame), dtype=bool)
    for j, name in enumerate(date_names):
        numbers, text = _numbers(values[name], decimal)
        block[:, j] = numbers.to_numpy(dtype=np.float32)
        bad |= text
    return block, bad


def _finish_attributes(collector: _Collector, decimal: str, report: ReadReport) -> pd.DataFrame:
    """Concatenate the kept attribute rows and give every column a consistent dtype."""
    import pandas as pd

    attributes = pd.concat(collector.attributes, ignore_index=True) if collector.attributes else pd.DataFrame()
    lines = np.concatenate(collector.lines) if collector.lines else np.zeros(0, dtype=np.int64)
    known_numeric = {name for name in EGMS_COLUMNS if name not in TEXT_COLUMNS}
    for name in list(attributes.columns):
        column = attributes[name]
        lower = str(name).lower()
        if lower in TEXT_COLUMNS or column.dtype != object:
            continue
        # pandas infers a type per chunk: a column may be numbers in one chunk and text
        # (or empty) in another. Known EGMS columns are numbers whatever a cell holds;
        # other columns become numbers only when every cell is one.
        numbers, bad = _numbers(column, decimal)
        if lower in known_numeric or not bad.any():
            attributes[name] = numbers
            if bad.any():
                report.note(
                    f"{int(bad.sum()):,} values of column '{name}' are not numbers and were left empty "
                    f"(first at line {int(lines[np.argmax(bad)])})."
                )
    if "pid" in attributes.columns:
        duplicated = int(attributes["pid"].dropna().duplicated().sum())
        if duplicated:
            report.note(f"{duplicated:,} points repeat the pid of an earlier point.")
    return attributes


def _finish(
    collector: _Collector,
    geometry: Any,
    attributes: pd.DataFrame,
    crs: Any,
    dates: np.ndarray,
    source: str | Path,
    report: ReadReport,
) -> PSDataset:
    import geopandas as gpd

    if collector.n == 0:
        detail = f" ({report.summary()})" if report.skipped else ""
        raise InputError(f"no point could be read{detail}", source=source)
    displacement = collector.displacement()
    report.kept = collector.n
    empty = _rows_without_values(displacement)
    if empty:
        report.note(f"{empty:,} points have no displacement at any date (kept).")
    points = gpd.GeoDataFrame(attributes, geometry=geometry, crs=crs)
    return PSDataset(points=points, dates=dates, displacement=displacement, report=report)


def _rows_without_values(displacement: np.ndarray, block: int = DEFAULT_CHUNK_ROWS) -> int:
    # In row blocks: a whole-matrix isnan() would need a second N x T array.
    count = 0
    for start in range(0, displacement.shape[0], block):
        count += int(np.isnan(displacement[start : start + block]).all(axis=1).sum())
    return count


# -- EGMS CSV ------------------------------------------------------------------------------
@dataclass
class _CsvLayout:
    names: list[str]
    sep: str
    decimal: str
    encoding: str
    n_lines: int = 0
    blank: list[int] = field(default_factory=list)
    bad: list[int] = field(default_factory=list)


def _read_header(path: Path, report: ReadReport) -> _CsvLayout:
    if not path.exists():
        raise InputError("file not found", source=path)
    if not path.is_file():
        raise InputError("not a file", source=path)
    with path.open("rb") as handle:
        first = handle.readline()
        rest = handle.read(_BLANK_PROBE)
    if not first.strip() and not rest.strip() and len(rest) < _BLANK_PROBE:
        raise InputError("the file is empty", source=path)
    if b"\x00" in first:
        raise InputError("not a text (CSV) file", source=path)
    try:
        header = first.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        # EGMS files are ASCII; an 8-bit file from a spreadsheet is most likely Latin-1.
        header = first.decode("latin-1")
        encoding = "latin-1"
        report.note("The file is not UTF-8; it was read as Latin-1.")
    header = header.rstrip("\r\n")
    if not header.strip():
        raise InputError("the first line is empty; expected the column names", source=path, line=1)
    sep = max(_SEPARATORS, key=header.count)
    if not header.count(sep):
        sep = ","
    names = [name.strip() for name in next(csv.reader([header], delimiter=sep))]
    for i, name in enumerate(names):
        if not name:
            names[i] = f"column_{i + 1}"
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"the column '{name}' appears twice in the header", source=path, line=1, field=name)
        seen.add(name)
    return _CsvLayout(names=names, sep=sep, decimal=".", encoding=encoding)


def _scan_lines(path: Path, layout: _CsvLayout, progress: ProgressCallback, is_canceled: CancelCheck) -> None:
    """Find blank lines and lines with the wrong number of fields; sniff the decimal mark.

    pandas cannot be trusted with these: in chunked reading it silently cuts a too-long
    line that starts a chunk, and it always pads a too-short one (a truncated last line)
    with NaN. Counting separators per line costs a fraction of the parse.
    """
    expected = len(layout.names)
    sep = layout.sep.encode()
    size = max(path.stat().st_size, 1)
    samples: list[bytes] = []
    index = 0
    with path.open("rb") as handle:
        handle.readline()
        for index, line in enumerate(handle, start=1):
            if b'"' in line:
                text = line.decode(layout.encoding, errors="replace").rstrip("\r\n")
                n_fields = len(next(csv.reader([text], delimiter=layout.sep), [""]))
            else:
                n_fields = line.count(sep) + 1
            if n_fields != expected:
                (layout.blank if not line.strip() else layout.bad).append(index)
            elif len(samples) < _DECIMAL_SAMPLE_LINES:
                samples.append(line)
            if index % _SCAN_CHECK_EVERY == 0:
                check_canceled(is_canceled)
                progress(handle.tell() / size)
    layout.n_lines = index + 1
    if layout.sep != ",":
        # A decimal comma only when numbers with a comma appear and none with a point: a
        # text attribute such as "12,5" must not turn "-1.5" into text.
        fields = [
            value
            for line in samples
            for value in line.decode(layout.encoding, errors="replace").rstrip("\r\n").split(layout.sep)
        ]
        if any(_DECIMAL_COMMA.match(value) for value in fields) and not any(
            _DECIMAL_POINT.match(value) for value in fields
        ):
            layout.decimal = ","
    progress(1.0)


def _position_columns(names: list[str], source: Path) -> tuple[str, str, str]:
    """(x column, y column, "lonlat" or "projected")."""
    lower = {name.lower(): name for name in names}
    if "longitude" in lower and "latitude" in lower:
        return lower["longitude"], lower["latitude"], "lonlat"
    if "easting" in lower and "northing" in lower:
        return lower["easting"], lower["northing"], "projected"
    raise InputError(
        "no position: expected columns latitude/longitude or easting/northing; found: " + ", ".join(names),
        source=source,
    )


class _TextInDates(Exception):  # noqa: N818 - internal signal, never reaches a user
    """A date column holds text: read again with the tolerant parser."""


def read_egms_csv(
    path: str | Path,
    crs: str | int | pyproj.CRS | None = None,
    chunk_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> PSDataset:
    """Read an EGMS product CSV (L2a, L2b or L3) into a :class:`PSDataset`.

    Parameters
    ----------
    path
        The CSV file, comma or semicolon separated.
    crs
        CRS of the ``easting``/``northing`` columns, used only when the file has no
        ``latitude``/``longitude`` columns (e.g. L3). Default :data:`EGMS_CRS`
        (EPSG:3035); anything :meth:`pyproj.CRS.from_user_input` accepts.
    chunk_rows
        Rows parsed per chunk (default :data:`DEFAULT_CHUNK_ROWS`).
    progress, is_canceled
        Progress (0-1) and cancel callbacks; cancel raises
        :class:`~citytwin.common.errors.Canceled`.

    Returns
    -------
    PSDataset
        Geometry from longitude/latitude (EPSG:4326) when present, else from
        easting/northing in ``crs``. Empty date cells are NaN. Rows with missing, textual
        or out-of-range coordinates, text in a date column, or the wrong number of fields
        are skipped and counted in ``report``.

    Raises
    ------
    InputError
        When the file is missing or empty, has no position columns, no date columns,
        a date column that is not a valid date, a column or date twice, or no readable row.
    """
    path = Path(path)
    report = ReadReport(str(path))
    layout, date_names, dates, position, target_crs = _csv_setup(path, crs, report, progress, is_canceled)
    collector, report = _read_csv_with_retry(
        path, layout, date_names, position, chunk_rows, report, progress, is_canceled, None
    )
    attributes = _finish_attributes(collector, layout.decimal, report)
    import geopandas as gpd

    x = np.concatenate(collector.x) if collector.x else np.zeros(0)
    y = np.concatenate(collector.y) if collector.y else np.zeros(0)
    dataset = _finish(collector, gpd.points_from_xy(x, y), attributes, target_crs, dates, path, report)
    progress(1.0)
    return dataset


def csv_columns(path: str | Path) -> list[str]:
    """Column names of an EGMS CSV (separator and encoding detected as the reader does)."""
    path = Path(path)
    return list(_read_header(path, ReadReport(str(path))).names)


def _csv_setup(path: Path, crs: Any, report: ReadReport, progress: ProgressCallback, is_canceled: CancelCheck):
    """Header, date columns, position columns, CRS and line pre-scan of an EGMS CSV."""
    layout = _read_header(path, report)
    date_names, dates = _sorted_dates(layout.names, path, report)
    x_name, y_name, kind = _position_columns(layout.names, path)
    if kind == "lonlat":
        target_crs = _to_crs(LONLAT_CRS, path)
        if crs is not None:
            report.note(f"The CRS {crs} was not used: positions come from latitude/longitude (EPSG:4326).")
    elif crs is None:
        target_crs = _to_crs(EGMS_CRS, path)
        report.note("Positions from easting/northing, assumed in EPSG:3035 (the EGMS grid); pass a CRS to change.")
    else:
        target_crs = _to_crs(crs, path)
    _scan_lines(path, layout, sub_progress(progress, 0.0, _SCAN_SHARE), is_canceled)
    if layout.decimal == ",":
        report.note("Numbers with a decimal comma were read.")
    return layout, date_names, dates, (x_name, y_name, kind), target_crs


def _read_csv_with_retry(path, layout, date_names, position, chunk_rows, report, progress, is_canceled, make_collector):
    parse_progress = sub_progress(progress, _SCAN_SHARE, 1.0)
    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    try:
        return _read_csv_rows(
            path, layout, date_names, position, rows, False, report, parse_progress, is_canceled, make_collector
        )
    except _TextInDates:
        # Rare: parse again with the date columns as text so that only the bad rows go.
        return _read_csv_rows(
            path,
            layout,
            date_names,
            position,
            min(rows, TOLERANT_CHUNK_ROWS),
            True,
            report,
            parse_progress,
            is_canceled,
            make_collector,
        )


def _read_csv_rows(
    path: Path,
    layout: _CsvLayout,
    date_names: list[str],
    position: tuple[str, str, str],
    chunk_rows: int,
    tolerant: bool,
    report_before: ReadReport,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
    make_collector: Callable[[int, int], _Collector] | None = None,
) -> tuple[_Collector, ReadReport]:
    import pandas as pd

    # A fresh report per attempt, keeping the notes made before the rows were read.
    report = ReadReport(report_before.source, notes=list(report_before.notes))
    x_name, y_name, kind = position
    skip = {0, *layout.blank, *layout.bad}
    # Lines with the wrong number of fields, reported along with the chunk they fall in.
    bad_lines = np.array(sorted(layout.bad), dtype=np.int64) + 1
    # 1-based line numbers of the rows pandas will return, in order.
    all_lines = np.arange(1, layout.n_lines + 1, dtype=np.int64)
    data_lines = np.delete(all_lines, sorted(skip)) if layout.n_lines else all_lines
    report.rows = int(data_lines.size) + len(layout.bad)
    collector = (make_collector or _Collector)(int(data_lines.size), len(date_names))
    collector.report = report
    dtypes: dict[str, Any] = {name: (str if tolerant else np.float32) for name in date_names}
    dtypes.update({name: str for name in layout.names if name.lower() in TEXT_COLUMNS})
    reader = pd.read_csv(
        path,
        sep=layout.sep,
        header=None,
        names=layout.names,
        skiprows=skip,
        dtype=dtypes,
        decimal=layout.decimal,
        encoding=layout.encoding,
        encoding_errors="replace",
        skip_blank_lines=False,
        chunksize=chunk_rows,
        engine="c",
    )
    done = 0
    with reader:
        while True:
            check_canceled(is_canceled)
            try:
                chunk = next(reader)
            except StopIteration:
                break
            except ValueError as exc:
                if tolerant:
                    raise InputError(f"the rows cannot be read ({exc})", source=path) from exc
                raise _TextInDates() from exc
            lines = data_lines[done : done + len(chunk)]
            done += len(chunk)
            reported = np.searchsorted(bad_lines, lines[-1]) if len(lines) else 0
            skipped = [(bad_lines[:reported], REASON_FIELDS)]
            bad_lines = bad_lines[reported:]
            _add_csv_chunk(chunk, lines, date_names, x_name, y_name, kind, layout.decimal, collector, report, skipped)
            collector.chunk_done()
            progress(done / max(data_lines.size, 1))
    _skip_rows(report, [(bad_lines, REASON_FIELDS)])
    return collector, report


def _add_csv_chunk(
    chunk: pd.DataFrame,
    lines: np.ndarray,
    date_names: list[str],
    x_name: str,
    y_name: str,
    kind: str,
    decimal: str,
    collector: _Collector,
    report: ReadReport,
    skipped: list[tuple[np.ndarray, str]],
) -> None:
    x, x_text = _numbers(chunk[x_name], decimal)
    y, y_text = _numbers(chunk[y_name], decimal)
    x = x.to_numpy(dtype=np.float64)
    y = y.to_numpy(dtype=np.float64)
    text = x_text | y_text
    missing = ~text & (np.isnan(x) | np.isnan(y))
    out = ~text & ~missing & ~(np.isfinite(x) & np.isfinite(y))
    if kind == "lonlat":
        out |= ~text & ~missing & ((np.abs(x) > 180) | (np.abs(y) > 90))
    block, date_text = _displacement_block(chunk, date_names, decimal)
    date_text &= ~(text | missing | out)
    _skip_rows(
        report,
        [
            *skipped,
            (lines[missing], REASON_NO_COORDINATES),
            (lines[text], REASON_TEXT_COORDINATES),
            (lines[out], REASON_COORDINATE_RANGE),
            (lines[date_text], REASON_TEXT_DISPLACEMENT),
        ],
    )
    keep = ~(missing | text | out | date_text)
    # Boolean indexing copies the block: avoid it in the usual case of a clean chunk.
    collector.add_displacement(block if keep.all() else block[keep])
    collector.x.append(x[keep])
    collector.y.append(y[keep])
    collector.lines.append(lines[keep])
    attributes = chunk.drop(columns=[*date_names, x_name, y_name])
    collector.attributes.append(attributes.loc[keep])


# -- OGR point layers ------------------------------------------------------------------------
def read_ps_layer(
    path: str | Path,
    layer: str | int | None = None,
    crs: str | int | pyproj.CRS | None = None,
    chunk_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> PSDataset:
    """Read a PS point layer (GeoPackage, Shapefile, GeoJSON, ...) into a :class:`PSDataset`.

    Parameters
    ----------
    path
        The file. A ``.csv`` file is read with :func:`read_egms_csv` (``crs`` passed on).
    layer
        Layer name or index; default the first layer (a note says which when there are
        several).
    crs
        CRS for a layer that has none; a layer's own CRS is always kept.
    chunk_rows
        Features read per chunk (default :data:`DEFAULT_CHUNK_ROWS`).
    progress, is_canceled
        Progress (0-1) and cancel callbacks; cancel raises
        :class:`~citytwin.common.errors.Canceled`.

    Returns
    -------
    PSDataset
        Date fields named ``D_YYYYMMDD``, ``DYYYYMMDD`` or ``YYYYMMDD`` (see
        :func:`date_columns`) form the displacement matrix; the other fields are the
        attributes. Features without geometry are skipped and counted (row = feature
        number from 1). A layer without CRS keeps ``crs`` None and gets a report note.

    Raises
    ------
    InputError
        When the file cannot be opened, the layer is missing, empty or not a point
        layer, or has no date fields.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return read_egms_csv(path, crs=crs, chunk_rows=chunk_rows, progress=progress, is_canceled=is_canceled)
    report = ReadReport(str(path))
    info, source = _open_layer(path, layer, report)
    date_names, dates = _sorted_dates([str(name) for name in info["fields"]], source, report, kind="fields")
    layer_crs = _layer_crs(info.get("crs"), crs, path, report)
    collector = _Collector(int(info["features"]), len(date_names))
    _read_layer_rows(
        path, info, source, date_names, chunk_rows or DEFAULT_CHUNK_ROWS, collector, report, progress, is_canceled
    )
    attributes = _finish_attributes(collector, ".", report)
    geometry = np.concatenate(collector.geometries) if collector.geometries else np.zeros(0, dtype=object)
    dataset = _finish(collector, geometry, attributes, layer_crs, dates, source, report)
    progress(1.0)
    return dataset


class _StreamCollector(_Collector):
    """Hands each chunk's kept rows on as a small :class:`PSDataset`, then forgets them."""

    def __init__(self, chunk_rows: int, n_dates: int, emit, decimal: str, crs, dates, source) -> None:
        super().__init__(chunk_rows, n_dates)
        self.emit, self.decimal, self.crs, self.dates, self.source = emit, decimal, crs, dates, source
        self.kept = 0

    def chunk_done(self) -> None:
        import geopandas as gpd

        if self.n:
            attributes = _finish_attributes(self, self.decimal, self.report)
            if self.x:
                geometry = gpd.points_from_xy(np.concatenate(self.x), np.concatenate(self.y))
            else:
                geometry = np.concatenate(self.geometries)
            points = gpd.GeoDataFrame(attributes, geometry=geometry, crs=self.crs)
            self.emit(PSDataset(points, self.dates, self.matrix[: self.n].copy(), report=self.report))
            self.kept += self.n
        self.n = 0
        for name in ("attributes", "lines", "x", "y", "geometries"):
            getattr(self, name).clear()


def stream_ps(
    path: str | Path,
    on_chunk: Callable[[PSDataset], None],
    layer: str | int | None = None,
    crs: str | int | pyproj.CRS | None = None,
    chunk_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
    on_restart: Callable[[], None] | None = None,
) -> ReadReport:
    """Read a PS file chunk by chunk, calling ``on_chunk`` with each chunk as a :class:`PSDataset`.

    Same formats, checks and skipped-row report as :func:`read_egms_csv` and
    :func:`read_ps_layer`, but memory is bounded by ``chunk_rows``, not by the file. Every
    chunk has the same ``dates``. When a CSV turns out to hold text in a date column, the
    file is read again in tolerant mode: ``on_restart`` is called first so that the
    consumer drops what it has received (without it, an :class:`InputError` is raised).
    Columns that pandas types differently from chunk to chunk (numbers in one, text in
    another) are not reconciled across chunks: known EGMS columns are always numbers.

    Returns
    -------
    ReadReport
        With ``kept`` = rows handed on.
    """
    path = Path(path)
    report = ReadReport(str(path))
    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    if path.suffix.lower() == ".csv":
        layout, date_names, dates, position, target_crs = _csv_setup(path, crs, report, progress, is_canceled)
        attempts: list[_StreamCollector] = []

        def make(_capacity: int, n_dates: int) -> _StreamCollector:
            if attempts:
                if on_restart is None:
                    raise InputError("a date column holds text; read the file with read_egms_csv", source=path)
                on_restart()
            attempts.append(_StreamCollector(rows, n_dates, on_chunk, layout.decimal, target_crs, dates, path))
            return attempts[-1]

        collector, report = _read_csv_with_retry(
            path, layout, date_names, position, rows, report, progress, is_canceled, make
        )
        source: str | Path = path
    else:
        info, source = _open_layer(path, layer, report)
        date_names, dates = _sorted_dates([str(name) for name in info["fields"]], source, report, kind="fields")
        layer_crs = _layer_crs(info.get("crs"), crs, path, report)
        collector = _StreamCollector(rows, len(date_names), on_chunk, ".", layer_crs, dates, source)
        collector.report = report
        _read_layer_rows(path, info, source, date_names, rows, collector, report, progress, is_canceled)
    report.kept = collector.kept
    if collector.kept == 0:
        detail = f" ({report.summary()})" if report.skipped else ""
        raise InputError(f"no point could be read{detail}", source=source)
    progress(1.0)
    return report


def _open_layer(path: Path, layer: str | int | None, report: ReadReport) -> tuple[dict[str, Any], str]:
    """pyogrio's layer info (with ``layer_name`` set) and the source name for messages."""
    import pyogrio

    if not path.exists():
        raise InputError("file not found", source=path)
    try:
        layers = pyogrio.list_layers(path)
        if not len(layers):
            raise InputError("the file holds no layer", source=path)
        if layer is None:
            layer = str(layers[0][0])
            if len(layers) > 1:
                report.note(f"The file has {len(layers)} layers; '{layer}' was read.")
        info = pyogrio.read_info(path, layer=layer)
        if info["features"] < 0:
            # Some drivers (GeoJSON) do not know their count without reading the file.
            info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot be read as a vector layer ({exc})", source=path) from exc
    info = dict(info)
    info["layer_name"] = str(info.get("layer_name") or layer)
    # The QGIS notation, so that the user can tell the layers of one file apart.
    source = f"{path}|layername={info['layer_name']}" if len(layers) > 1 else str(path)
    report.source = source
    geometry_type = info.get("geometry_type")
    if geometry_type is None:
        raise InputError("the layer has no geometry", source=source)
    if geometry_type not in _POINT_TYPES | _UNKNOWN_TYPES:
        raise InputError(f"the layer holds {geometry_type} geometries; PS data must be points", source=source)
    if int(info["features"]) == 0:
        raise InputError("the layer has no features", source=source)
    return info, source


def _layer_crs(layer_crs: str | None, crs: Any, path: Path, report: ReadReport) -> pyproj.CRS | None:
    if layer_crs is None:
        if crs is None:
            report.note("The layer has no CRS: assign one.")
            return None
        return _to_crs(crs, path)
    own = _to_crs(layer_crs, path)
    if crs is not None and not own.equals(_to_crs(crs, path)):
        report.note(f"The layer's own CRS was kept; {crs} is only used for layers without one.")
    return own


def _read_layer_rows(
    path: Path,
    info: dict[str, Any],
    source: str,
    date_names: list[str],
    chunk_rows: int,
    collector: _Collector,
    report: ReadReport,
    progress: ProgressCallback,
    is_canceled: CancelCheck,
) -> None:
    import pyogrio

    name = info["layer_name"]
    n_features = int(info["features"])
    errors = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError)
    done = 0
    for selection in _layer_chunks(path, info, chunk_rows):
        check_canceled(is_canceled)
        try:
            chunk = pyogrio.read_dataframe(path, layer=name, **selection)
        except errors as exc:
            raise InputError(f"the features cannot be read after row {done:,} ({exc})", source=source) from exc
        if not len(chunk):
            break
        rows = np.arange(done + 1, done + len(chunk) + 1, dtype=np.int64)
        done += len(chunk)
        _add_layer_chunk(chunk, rows, date_names, collector, report, source)
        collector.chunk_done()
        progress(min(done / max(n_features, 1), 1.0))
    report.rows = done


def _layer_chunks(path: Path, info: dict[str, Any], chunk_rows: int) -> Iterator[dict[str, Any]]:
    """``read_dataframe`` arguments selecting successive chunks of features, in order."""
    import pyogrio

    if info.get("driver") in ("GPKG", "SQLite"):
        # There, skip_features steps through every skipped feature, which makes chunked
        # reading quadratic; a FID range is a primary-key lookup.
        fids = pyogrio.read_dataframe(
            path, layer=info["layer_name"], columns=[], read_geometry=False, fid_as_index=True
        ).index.to_numpy(dtype=np.int64)
        fids.sort()
        for start in range(0, fids.size, chunk_rows):
            last = fids[min(start + chunk_rows, fids.size) - 1]
            yield {"where": f"FID >= {int(fids[start])} AND FID <= {int(last)}"}
        return
    # Shapefiles and most other drivers seek to a feature index directly.
    for start in range(0, int(info["features"]), chunk_rows):
        yield {"skip_features": start, "max_features": chunk_rows}


def _add_layer_chunk(
    chunk: gpd.GeoDataFrame,
    rows: np.ndarray,
    date_names: list[str],
    collector: _Collector,
    report: ReadReport,
    source: str,
) -> None:
    geometry = chunk.geometry
    missing = geometry.isna().to_numpy(dtype=bool)
    empty = ~missing & geometry.is_empty.to_numpy(dtype=bool)
    present = ~(missing | empty)
    not_point = present & (geometry.geom_type != "Point").to_numpy(dtype=bool)
    if not_point.any():
        first = int(np.argmax(not_point))
        raise InputError(
            f"the layer holds a {geometry.iloc[first].geom_type}; PS data must be points",
            source=source,
            line=int(rows[first]),
        )
    block, date_text = _displacement_block(chunk, date_names, ".")
    date_text &= present
    _skip_rows(
        report,
        [
            (rows[missing], REASON_NO_GEOMETRY),
            (rows[empty], REASON_EMPTY_GEOMETRY),
            (rows[date_text], REASON_TEXT_DISPLACEMENT),
        ],
    )
    keep = present & ~date_text
    collector.add_displacement(block if keep.all() else block[keep])
    collector.geometries.append(np.asarray(geometry.values, dtype=object)[keep])
    collector.lines.append(rows[keep])
    attributes = chunk.drop(columns=[*date_names, chunk.geometry.name])
    collector.attributes.append(attributes.loc[keep])


# -- writing ---------------------------------------------------------------------------------
def date_column_names(dates: np.ndarray) -> list[str]:
    """EGMS column names (``YYYYMMDD``) for ``datetime64`` dates."""
    return [text.replace("-", "") for text in np.datetime_as_string(np.asarray(dates, "datetime64[D]"), unit="D")]


def write_egms_csv(
    dataset: PSDataset,
    path: str | Path,
    sep: str = ",",
    chunk_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> Path:
    """Write a :class:`PSDataset` in the EGMS CSV layout.

    Columns: the EGMS attributes present, in product order (:data:`EGMS_COLUMNS`), then
    any other attributes, then one ``YYYYMMDD`` column per date. ``latitude``/``longitude``
    are computed from the geometry (transformed to EPSG:4326); ``easting``/``northing`` are
    the geometry's coordinates when the dataset CRS is projected (otherwise attributes of
    those names are written as they are). Empty cells stand for NaN. float32 values are
    written with the shortest text that reads back to the same float32, so
    :func:`read_egms_csv` gives the displacements back exactly; float64 attributes come
    back to float32 precision (pandas' fast float parser can be a few units off in the
    16th digit; its exact mode would make reading 1.7 times slower).

    Parameters
    ----------
    dataset
        The points and their time series; its CRS must be known.
    path
        The CSV file to write (replaced if it exists; written to ``<path>.part`` first,
        so a failure or cancel leaves no half-written file).
    sep
        Field separator, ``","`` (EGMS) or ``";"``; the decimal mark is always ``"."``.
    chunk_rows
        Rows written per chunk (default :data:`DEFAULT_CHUNK_ROWS`).
    progress, is_canceled
        Progress (0-1) and cancel callbacks.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        When the dataset has no CRS.
    """
    import pandas as pd
    import pyproj

    path = Path(path)
    crs = dataset.crs
    if crs is None:
        raise InputError("the dataset has no CRS: assign one before writing", source=path)
    points = dataset.points
    x = points.geometry.x.to_numpy(dtype=np.float64)
    y = points.geometry.y.to_numpy(dtype=np.float64)
    attributes = pd.DataFrame(points.drop(columns=points.geometry.name))
    lonlat = pyproj.CRS.from_epsg(4326)
    if crs.equals(lonlat, ignore_axis_order=True):
        longitude, latitude = x, y  # no transformation: keeps the coordinates exact
    else:
        transformer = pyproj.Transformer.from_crs(crs, lonlat, always_xy=True)
        longitude, latitude = transformer.transform(x, y)
    attributes["latitude"] = latitude
    attributes["longitude"] = longitude
    if crs.is_projected:
        attributes["easting"] = x
        attributes["northing"] = y
    known = [name for name in EGMS_COLUMNS if name in attributes.columns]
    attributes = attributes[known + [name for name in attributes.columns if name not in known]]
    names = date_column_names(dataset.dates)
    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="") as handle:
            for start in range(0, max(dataset.n_points, 1), rows):
                check_canceled(is_canceled)
                stop = min(start + rows, dataset.n_points)
                values = pd.DataFrame(dataset.displacement[start:stop], columns=names)
                frame = pd.concat([attributes.iloc[start:stop].reset_index(drop=True), values], axis=1)
                frame.to_csv(handle, sep=sep, index=False, header=start == 0, na_rep="", lineterminator="\n")
                progress(stop / max(dataset.n_points, 1))
        part.replace(path)
    finally:
        if part.exists():
            part.unlink()
    return path


# -- summary ---------------------------------------------------------------------------------
def ps_summary(dataset: PSDataset) -> dict[str, Any]:
    """Key figures of a dataset, for a message or an information panel.

    Returns
    -------
    dict
        ``n_points``, ``n_dates``, ``first_date`` and ``last_date`` (:class:`datetime.date`
        or None), ``median_interval_days`` (None with fewer than two dates),
        ``missing_share`` (share of empty point-date cells, 0-1), ``points_without_data``,
        ``crs`` (e.g. ``"EPSG:4326"``, the CRS name when it has no code, None when
        unknown) and, when the points have a ``mean_velocity`` column,
        ``velocity_min``/``velocity_max`` in mm/yr (None when all are empty).
    """
    dates = dataset.dates
    cells = dataset.n_points * dataset.n_dates
    missing = 0
    for start in range(0, dataset.n_points, DEFAULT_CHUNK_ROWS):
        missing += int(np.isnan(dataset.displacement[start : start + DEFAULT_CHUNK_ROWS]).sum())
    summary: dict[str, Any] = {
        "n_points": dataset.n_points,
        "n_dates": dataset.n_dates,
        "first_date": dates[0].item() if dates.size else None,
        "last_date": dates[-1].item() if dates.size else None,
        "median_interval_days": float(np.median(np.diff(dates).astype(np.int64))) if dates.size > 1 else None,
        "missing_share": missing / cells if cells else 0.0,
        "points_without_data": _rows_without_values(dataset.displacement),
        "crs": _crs_label(dataset.crs),
    }
    columns = {str(name).lower(): name for name in dataset.points.columns}
    if "mean_velocity" in columns:
        velocity = dataset.points[columns["mean_velocity"]].to_numpy(dtype=np.float64)
        finite = velocity[np.isfinite(velocity)]
        summary["velocity_min"] = float(finite.min()) if finite.size else None
        summary["velocity_max"] = float(finite.max()) if finite.size else None
    return summary


def _crs_label(crs: pyproj.CRS | None) -> str | None:
    if crs is None:
        return None
    authority = crs.to_authority()
    return ":".join(authority) if authority else crs.name
