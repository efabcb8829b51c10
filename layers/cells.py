"""Communication layers: cell-site lists (OpenCelliD) and drive-test measurements.

Both readers are pure Python; the QGIS side turns their GeoDataFrames into layers.
Bad rows never stop a read: they are skipped and counted, with reason and 1-based
line number, in the :class:`~citytwin.layers.report.ReadReport` returned alongside.

Cell sites: :func:`read_opencellid`
-----------------------------------
OpenCelliD CSV, the exchange format OpenCelliD and Mozilla Location Service agreed on
(documented in Mozilla Ichnaea's ``docs/import_export.rst``): ``radio,mcc,net,area,cell,
unit,lon,lat,range,samples,changeable,created,updated,averageSignal``. The full database
dump has this header line; the per-country downloads (``460.csv`` for China) have none,
same column order. Gzip-compressed files (``460.csv.gz``, as downloaded) are read
directly. The result, ``CellSites.sites``, is a GeoDataFrame in EPSG:4326, one row per
cell (CDMA rows carry SID, NID and BID in mnc, lac_tac and cell_id):

=================  ===================  ==================================================
column             dtype                meaning (source column)
=================  ===================  ==================================================
radio              object (str)         GSM, UMTS, LTE, NR or CDMA, upper case (radio)
mcc                int64                mobile country code, 460 = China (mcc)
mnc                int64                mobile network code (net)
lac_tac            int64                location / tracking area code (area)
cell_id            int64                CI, UTRAN CI, ECI or NCI; NR ids reach 2^36 (cell)
unit               Int64 (nullable)     PSC (UMTS) or PCI (LTE, NR); <NA> when empty (unit)
range_m            Int64 (nullable)     estimated coverage radius in metres (range)
samples            Int64 (nullable)     measurements behind the position (samples)
changeable         boolean (nullable)   True: position estimated from observations,
                                        False: exact position from a knowledgeable source
                                        (changeable)
created            datetime64[ns, UTC]  first seen (created, Unix seconds)
updated            datetime64[ns, UTC]  last updated (updated, Unix seconds)
avg_signal_dbm     float64              average signal strength; NaN when unknown
                                        (averageSignal, where 0 means unknown)
geometry           Point (lon, lat)     estimated cell position (lon, lat)
=================  ===================  ==================================================

Rows with a wrong number of fields, a missing or unreadable radio, mcc, net, area, cell,
lon or lat, lon/lat out of range, or an unreadable optional value are skipped and
counted. A cell (radio, mcc, mnc, lac_tac, cell_id) listed twice keeps its most recently
updated row. :func:`write_opencellid` writes the same layout back.

Drive tests: :func:`read_drive_test`
------------------------------------
Measurement CSVs from TEMS, NEMO, G-NetTrack, QualiPoc, 鼎利/Pilot and similar tools,
comma, semicolon or tab separated (decimal commas allowed when the separator is not a
comma), UTF-8 (with or without BOM), GB18030/GBK or UTF-16 with BOM. Headers are matched
to canonical fields through alias lists (:data:`DRIVE_TEST_ALIASES`), ignoring case,
spaces, ``_-./:#``, brackets and a unit in brackets; a user mapping overrides them.
``DriveTest.measurements`` is a GeoDataFrame in EPSG:4326 sorted by time, always with
these columns (a field the file does not have is all-missing):

=================  ===================  ==================================================
column             dtype                meaning
=================  ===================  ==================================================
time               datetime64[ns, UTC]  sample time (required)
lon, lat           float64              WGS 84 position in degrees (required)
rsrp_dbm           float64              reference signal received power, dBm
rsrq_db            float64              reference signal received quality, dB
sinr_db            float64              signal to interference and noise ratio, dB
rssi_dbm           float64              received signal strength indicator, dBm
pci                Int64 (nullable)     physical cell id
cell_id            Int64 (nullable)     ECI, NCI or CI (the last part of a CGI)
earfcn             Int64 (nullable)     (NR-)ARFCN / EARFCN of the serving cell
tac                Int64 (nullable)     tracking (or location) area code
technology         object (str)         as the tool wrote it (LTE, NR, 5G NSA, ...)
speed_kmh          float64              vehicle speed, km/h (converted from m/s or mph
                                        when the header says so)
geometry           Point (lon, lat)     the sample position
=================  ===================  ==================================================

At least one of rsrp_dbm, rsrq_db and sinr_db must be present. RSRP, RSRQ and SINR
outside the 3GPP TS 36.133 reporting ranges (:data:`RADIO_RANGES`) are set to NaN and
counted in a note; a row left with none of the three is skipped.

Times: ISO 8601 with or without a zone, ``YYYY-MM-DD HH:MM:SS(.fff)``,
``YYYY/MM/DD HH:MM:SS``, G-NetTrack's ``YYYY.MM.DD_HH.MM.SS``, a time of day completed by
a ``date`` column, or Unix seconds / milliseconds (numbers above 1e11 are milliseconds).
Times without a zone are read in ``naive_time_zone`` (UTC unless told) and counted in a
note. Rows with a missing or unreadable time, lon or lat, a position out of range or at
(0, 0) (no GPS fix), or a wrong number of fields are skipped and counted. Each line is
one row: quoted fields may hold the separator, not a line break.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .report import MAX_LISTED_LINES, ReadReport

if TYPE_CHECKING:
    import geopandas

#: Bytes parsed per chunk, about 100,000 OpenCelliD rows: bounds memory and sets how often
#: progress and cancel are polled.
CHUNK_BYTES = 8_000_000

#: Bytes looked at to recognise empty, binary, compressed and encoded files.
SAMPLE_BYTES = 65_536

# Unix times outside [1973-03-03, 2200-01-01) are not plausible measurement or database
# times (small numbers are usually elapsed seconds, and datetime64[ns] ends in 2262).
MIN_UNIX_SECONDS = 1e8
MAX_UNIX_SECONDS = 7_258_118_400
# A numeric time above this is in milliseconds (1e11 s would be the year 5138).
MILLISECONDS_ABOVE = 1e11
# Integers stored through float64 are exact only up to 2^53.
MAX_EXACT_FLOAT_INT = 2**53

# -- OpenCelliD ---------------------------------------------------------------------

OPENCELLID_COLUMNS = (
    *("radio", "mcc", "net", "area", "cell", "unit", "lon", "lat"),
    *("range", "samples", "changeable", "created", "updated", "averageSignal"),
)
OPENCELLID_REQUIRED = ("radio", "mcc", "net", "area", "cell", "lon", "lat")
RADIO_TYPES = ("GSM", "UMTS", "LTE", "NR", "CDMA")
CELL_KEY = ("radio", "mcc", "mnc", "lac_tac", "cell_id")

#: Output columns of :func:`read_opencellid` (plus ``geometry``) and their dtypes.
CELL_SITE_SCHEMA = {
    "radio": "object",
    "mcc": "int64",
    "mnc": "int64",
    "lac_tac": "int64",
    "cell_id": "int64",
    "unit": "Int64",
    "range_m": "Int64",
    "samples": "Int64",
    "changeable": "boolean",
    "created": "datetime64[ns, UTC]",
    "updated": "datetime64[ns, UTC]",
    "avg_signal_dbm": "float64",
}

# Header spellings seen in other exports of the same layout (normalised, see _norm).
_OPENCELLID_HEADER_NAMES = {
    "radio": "radio",
    "mcc": "mcc",
    "net": "net",
    "mnc": "net",
    "area": "area",
    "lac": "area",
    "tac": "area",
    "cell": "cell",
    "cellid": "cell",
    "cid": "cell",
    "unit": "unit",
    "lon": "lon",
    "lat": "lat",
    "range": "range",
    "samples": "samples",
    "changeable": "changeable",
    "created": "created",
    "updated": "updated",
    "averagesignal": "averageSignal",
}

# -- drive tests --------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Canonical drive-test fields -> accepted header spellings, best first. Matching ignores
#: case, spaces, ``_-./:#``, brackets and bracketed units, so "RSRP (dBm)" is "rsrp".
#: ``date`` is not an output column: it completes time-of-day-only ``time`` values.
DRIVE_TEST_ALIASES: dict[str, tuple[str, ...]] = {
    "time": _words(
        "time timestamp datetime date_time utc utc_time time_utc gps_time sample_time "
        "时间 日期时间 时间戳 采样时间 测试时间 采集时间"
    ),
    "lon": _words("lon long lng longitude gps_lon gps_long gps_longitude 经度 gps经度 x"),
    "lat": _words("lat latitude gps_lat gps_latitude 纬度 gps纬度 y"),
    "rsrp_dbm": _words(
        "rsrp rsrp_dbm serving_rsrp serving_cell_rsrp scell_rsrp pcell_rsrp lte_rsrp lte_serving_cell_rsrp "
        "ss_rsrp nr_ss_rsrp nr_rsrp serving_ss_rsrp 参考信号接收功率 服务小区rsrp "
        # G-NetTrack's "Level" is RSRP on LTE (RSCP/RxLev on older networks): last resort.
        "level"
    ),
    "rsrq_db": _words(
        "rsrq rsrq_db serving_rsrq serving_cell_rsrq scell_rsrq pcell_rsrq lte_rsrq lte_serving_cell_rsrq "
        "ss_rsrq nr_ss_rsrq nr_rsrq 参考信号接收质量 服务小区rsrq qual"
    ),
    "sinr_db": _words(
        "sinr sinr_db rs_sinr serving_sinr serving_cell_sinr scell_sinr pcell_sinr lte_sinr lte_rs_sinr "
        "ss_sinr nr_ss_sinr nr_sinr snr rs_snr 信噪比 服务小区sinr"
    ),
    "rssi_dbm": _words("rssi rssi_dbm lte_rssi carrier_rssi e_utra_carrier_rssi nr_rssi 接收信号强度"),
    "pci": _words(
        "pci pcid physical_cell_id phys_cell_id serving_pci serving_cell_pci scell_pci pcell_pci lte_pci nr_pci "
        "物理小区标识 服务小区pci"
    ),
    "cell_id": _words(
        "eci nci cellid cell_id ci cgi ecgi ncgi cell_identity serving_cell_id global_cell_id nr_cell_id "
        "小区标识 小区id"
    ),
    "earfcn": _words("earfcn arfcn nrarfcn nr_arfcn dl_earfcn earfcn_dl dl_arfcn ssb_arfcn serving_earfcn uarfcn 频点"),
    "tac": _words("tac lac tac_lac lac_tac tracking_area_code location_area_code 跟踪区码 位置区码"),
    "technology": _words(
        "technology tech rat network_tech network_type network_mode access_technology system 网络制式 制式 网络类型"
    ),
    "speed_kmh": _words("speed speed_kmh speed_km_h gps_speed velocity vehicle_speed speed_mps speed_mph 速度 车速"),
    "date": _words("date gps_date utc_date 日期"),
}

#: Output columns of :func:`read_drive_test` (plus ``geometry``) and their dtypes.
DRIVE_TEST_SCHEMA = {
    "time": "datetime64[ns, UTC]",
    "lon": "float64",
    "lat": "float64",
    "rsrp_dbm": "float64",
    "rsrq_db": "float64",
    "sinr_db": "float64",
    "rssi_dbm": "float64",
    "pci": "Int64",
    "cell_id": "Int64",
    "earfcn": "Int64",
    "tac": "Int64",
    "technology": "object",
    "speed_kmh": "float64",
}

#: The radio measures of which at least one is required, with their 3GPP TS 36.133
#: reporting ranges (RSRP 5.1.x / 9.1.4, RSRQ 9.1.7, RS-SINR 9.1.17), inclusive.
RADIO_RANGES = {"rsrp_dbm": (-156.0, -31.0), "rsrq_db": (-43.0, 20.0), "sinr_db": (-23.0, 40.0)}
_RADIO_UNITS = {"rsrp_dbm": "dBm", "rsrq_db": "dB", "sinr_db": "dB"}
_INTEGER_FIELDS = ("pci", "cell_id", "earfcn", "tac")
_FLOAT_FIELDS = ("rsrp_dbm", "rsrq_db", "sinr_db", "rssi_dbm", "speed_kmh")

# What tools write for "no value" (pandas compares them case-sensitively: spellings listed).
_MISSING_TOKENS = _words("- -- — n/a N/A NA na nan NaN NAN null NULL Null none None NONE nil 无")
# Naive time layouts parsed in one vectorised pass each; anything else goes through _DATETIME.
_NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S",
)

_BRACKETED = re.compile(r"[(\[{（【][^)\]}）】]*[)\]}）】]")
_IGNORED_CHARS = re.compile(r"[\s_\-./:#()\[\]{}（）【】]+")
# A unit glued to the end of a name: "rsrp_dbm", "speed_kmh".
_UNIT_SUFFIX = re.compile(r"(dbm|db|kmh|kph)$")

_DATETIME = re.compile(
    r"^(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"
    r"(?:[Tt]|\s+|_)(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:[:.](?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9})\d*)?)?"
    r"\s*(?P<zone>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)
# pandas < 2 reads zones despite an explicit format: zoned values skip the format pass.
_ZONE_SUFFIX = re.compile(r"(?:[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$")
_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$")
_ZONE_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2})?$")
_CGI = re.compile(r"^\d+(?:[-_:]\d+)+$")


@dataclass
class CellSites:
    """Result of :func:`read_opencellid`.

    Attributes
    ----------
    sites
        One row per cell, EPSG:4326; columns in the module docstring.
    report
        Rows read, kept and skipped, duplicates dropped, assumptions made.
    """

    sites: geopandas.GeoDataFrame
    report: ReadReport


@dataclass
class DriveTest:
    """Result of :func:`read_drive_test`.

    Attributes
    ----------
    measurements
        One row per sample, EPSG:4326, sorted by time; columns in the module docstring.
    mapping
        Canonical field -> source header used for it.
    unmapped
        Source headers not used, in file order.
    report
        Rows read, kept and skipped, notes on mapping, units and value ranges.
    """

    measurements: geopandas.GeoDataFrame
    mapping: dict[str, str]
    unmapped: list[str]
    report: ReadReport


# -- shared helpers -----------------------------------------------------------------


def _norm(text: str, drop_bracketed: bool = True) -> str:
    """Header spelling reduced to what identifies it: "RSRP (dBm)" -> "rsrp"."""
    text = text.replace("\ufeff", "").strip().lower()
    if drop_bracketed:
        text = _BRACKETED.sub("", text)
    return _IGNORED_CHARS.sub("", text)


def _header_forms(header: str) -> set[str]:
    """The normalised spellings a header can match an alias by."""
    short = _norm(header)
    forms = {short, _norm(header, drop_bracketed=False)}
    bare = _UNIT_SUFFIX.sub("", short)
    if bare:
        forms.add(bare)
    return forms - {""}


def _check_text_file(path: Path) -> bytes:
    """First bytes of ``path`` (decompressed when gzip), after refusing what is not text."""
    if not path.exists():
        raise InputError("file not found", source=path)
    if not path.is_file():
        raise InputError("not a file", source=path)
    try:
        with path.open("rb") as raw:
            sample = raw.read(SAMPLE_BYTES)
        if sample[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as unzipped:
                sample = unzipped.read(SAMPLE_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read ({getattr(exc, 'strerror', None) or exc})", source=path) from exc
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return sample
    if not sample.strip():
        raise InputError("the file is empty", source=path)
    if sample.startswith(b"PK\x03\x04"):
        raise InputError("this is a ZIP or Excel (.xlsx) file, not CSV text; unzip it or save it as CSV", source=path)
    # NUL never occurs in CSV text (in UTF-8 or GB18030), nearly always in binary files.
    if b"\x00" in sample:
        raise InputError("this is a binary file, not CSV text", source=path)
    return sample


@contextlib.contextmanager
def _open_binary(path: Path) -> Iterator[tuple[IO[bytes], Callable[[], float]]]:
    """The file's bytes (gunzipped when needed) and a function giving the fraction read."""
    size = max(path.stat().st_size, 1)
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        # Progress follows the compressed position: the uncompressed size is unknown.
        fraction = lambda: min(raw.tell() / size, 1.0)  # noqa: E731
        if gzipped:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield stream, fraction
        else:
            yield raw, fraction


def _guess_encoding(sample: bytes) -> str:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # Incremental so a character cut at the end of the sample is no error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        # Chinese Windows tools write GBK; GB18030 is its superset.
        return "gb18030"
    return "utf-8"


def _first_line(stream: IO[bytes]) -> tuple[int, bytes]:
    """The first non-blank line and its 1-based number; (0, b"") for a blank file."""
    number = 0
    for number, raw in enumerate(iter(stream.readline, b""), start=1):
        if raw.strip():
            return number, raw
    return number, b""


@dataclass
class _Block:
    """Whole lines of a file: the bytes, and each line's [start, end) and 1-based number.

    The layout of every line (separators, blank or not) is counted with numpy on the raw
    bytes, which keeps the per-line Python work off the normal path. Splitting on the
    newline byte is safe in UTF-8 and GB18030: 0x0A never occurs inside a character.
    """

    data: bytes
    buf: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    numbers: np.ndarray

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per line, how many bytes ``mask`` marks (each segment also holds its newline)."""
        return np.add.reduceat(mask, self.starts, dtype=np.int64)

    def text(self, i: int, encoding: str) -> str:
        return self.data[self.starts[i] : self.ends[i]].decode(encoding, errors="replace").rstrip("\r")

    def joined(self, which: np.ndarray) -> bytes:
        """The selected lines as one buffer (the block itself when all are selected)."""
        if which.all():
            return self.data
        return b"".join(self.data[start : end + 1] for start, end in zip(self.starts[which], self.ends[which]))


def _blocks(stream: IO[bytes], first_number: int, pending: bytes = b"") -> Iterator[_Block]:
    """The rest of ``stream`` in blocks of whole lines of about :data:`CHUNK_BYTES`."""
    rest = pending
    number = first_number
    while True:
        data = stream.read(CHUNK_BYTES)
        if data:
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
        elif rest:
            data, rest = rest, b""
        else:
            return
        buf = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(buf == 10)
        if not len(ends) or ends[-1] != len(buf) - 1:
            ends = np.append(ends, len(buf))  # the last line of a file without final newline
        starts = np.concatenate([[0], ends[:-1] + 1])
        yield _Block(data, buf, starts, ends, number + np.arange(len(ends)))
        number += len(ends)


@dataclass
class _Layout:
    """How the data lines of one file are split into fields."""

    delimiter: str
    #: Fields per line (header fields, or the OpenCelliD layout).
    width: int
    #: Positions of the fields wanted.
    used: list[int]
    #: Positions read as text whatever they hold.
    text: list[int]
    encoding: str
    #: Fields may be quoted: separators inside quotes do not count, and a block with a
    #: line of unbalanced quotes is split line by line by the csv module.
    quoted: bool
    #: One more, empty field (a separator at the end of the line) is no error.
    trailing_ok: bool
    decimal_comma: bool
    na_values: list[str]
    too_few: str
    too_many: str


def _parse_block(
    block: _Block, layout: _Layout, report: ReadReport
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[np.ndarray, str]]]:
    """Rows with the right number of fields (columns named by position), their line numbers, and the rest."""
    nonblank = block.count(block.buf > 32) > 0
    report.rows += int(nonblank.sum())
    is_separator = block.buf == ord(layout.delimiter)
    quoting = csv.QUOTE_NONE
    if layout.quoted:
        is_quote = block.buf == ord('"')
        if is_quote.any():
            if (block.count(is_quote) % 2).any():
                # An unbalanced quote (a field going on over lines, or damage): line by line.
                return _parse_lines_slowly(block, nonblank, layout)
            is_separator &= ~_inside_quotes(block, is_quote)
            quoting = csv.QUOTE_MINIMAL
    separators = block.count(is_separator)
    good = nonblank & ((separators == layout.width - 1) | (layout.trailing_ok & (separators == layout.width)))
    wrong = nonblank & ~good
    skips = [
        (block.numbers[wrong & (separators < layout.width - 1)], layout.too_few),
        (block.numbers[wrong & (separators >= layout.width)], layout.too_many),
    ]
    lines = block.numbers[good]
    if not len(lines):
        return pd.DataFrame(index=range(0)), lines, skips
    # pandas wants a name per field and refuses names no line fills: name the trailing
    # field only when a line has one.
    extra = [layout.width] if (separators[good] == layout.width).any() else []
    try:
        table = pd.read_csv(
            io.BytesIO(block.joined(good)),
            sep=layout.delimiter,
            header=None,
            names=list(range(layout.width + len(extra))),
            usecols=layout.used + extra,
            dtype={position: str for position in layout.text},
            keep_default_na=False,
            na_values=["", *layout.na_values],
            quoting=quoting,
            decimal="," if layout.decimal_comma else ".",
            float_precision="round_trip",
            encoding=layout.encoding,
            encoding_errors="replace",
            low_memory=False,
            skip_blank_lines=False,
            index_col=False,
        )
    except pd.errors.ParserError:
        table = None  # a quote inside a field, taken differently by pandas and by our count
    if table is None or len(table) != len(lines):
        # Also when a lone carriage return ended a row for pandas but not a line for us.
        return _parse_lines_slowly(block, nonblank, layout)
    if extra:
        more = table.pop(layout.width).notna().to_numpy()
        if more.any():
            skips.append((lines[more], layout.too_many))
            table, lines = table[~more].reset_index(drop=True), lines[~more]
    return table, lines, skips


def _inside_quotes(block: _Block, is_quote: np.ndarray) -> np.ndarray:
    """Bytes after an odd number of quotes on their line: inside a quoted field."""
    before = np.cumsum(is_quote, dtype=np.int64) - is_quote
    lengths = np.diff(np.append(block.starts, len(block.buf)))
    return (before - np.repeat(before[block.starts], lengths)) % 2 == 1


def _parse_lines_slowly(
    block: _Block, nonblank: np.ndarray, layout: _Layout
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[np.ndarray, str]]]:
    """:func:`_parse_block` line by line with the csv module, for blocks pandas cannot take."""
    rows: list[list[str]] = []
    lines: list[int] = []
    too_few: list[int] = []
    too_many: list[int] = []
    for i in np.flatnonzero(nonblank):
        text = block.text(i, layout.encoding)
        if layout.quoted:
            fields = next(csv.reader([text], delimiter=layout.delimiter), [])
        else:
            fields = text.split(layout.delimiter)
        if layout.trailing_ok and len(fields) == layout.width + 1 and not fields[-1].strip():
            fields = fields[:-1]
        if len(fields) == layout.width:
            rows.append(fields)
            lines.append(int(block.numbers[i]))
        else:
            (too_few if len(fields) < layout.width else too_many).append(int(block.numbers[i]))
    missing = {"", *layout.na_values}
    table = pd.DataFrame(
        {
            position: pd.Series([None if row[position] in missing else row[position] for row in rows], dtype=object)
            for position in layout.used
        }
    )
    skips = [
        (np.asarray(too_few, dtype=np.int64), layout.too_few),
        (np.asarray(too_many, dtype=np.int64), layout.too_many),
    ]
    return table, np.asarray(lines, dtype=np.int64), skips


class _Rejects:
    """Rows of one chunk rejected so far, each with the first reason found for it."""

    def __init__(self, lines: np.ndarray) -> None:
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)
        self.items: list[tuple[np.ndarray, str]] = []

    def reject(self, mask: np.ndarray, reason: str) -> None:
        new = np.asarray(mask, dtype=bool) & ~self.bad
        if new.any():
            self.items.append((self.lines[new], reason))
            self.bad |= new


def _record_skips(report: ReadReport, items: list[tuple[np.ndarray, str]]) -> None:
    """Count skipped rows so that ``first_skipped`` lists the first lines of the file.

    Chunks arrive in file order, so merging one chunk's reasons by line number is enough.
    """
    items = [(lines, reason) for lines, reason in items if len(lines)]
    if not items:
        return
    lines = np.concatenate([lines for lines, _ in items])
    which = np.concatenate([np.full(len(lines_), i) for i, (lines_, _) in enumerate(items)])
    order = np.argsort(lines, kind="stable")
    room = max(MAX_LISTED_LINES - len(report.first_skipped), 0)
    for k in order[:room]:
        report.skip(int(lines[k]), items[which[k]][1])
    for i, count in Counter(which[order[room:]].tolist()).items():
        # The list of line numbers is full by now: only the counts grow.
        report.skip(int(items[i][0][0]), items[i][1], count=count)


def _as_text(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Stripped strings ("" where missing) and the missing mask."""
    missing = column.isna().to_numpy()
    text = column.where(~missing, "").astype(str).str.strip()
    return text, missing | text.eq("").to_numpy()


def _floats(column: pd.Series, decimal_comma: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers of a parsed column: values (NaN when not valid), valid mask, empty mask."""
    if column.dtype.kind in "biuf":
        values = column.to_numpy(dtype=float, na_value=np.nan)
        valid = np.isfinite(values)
        empty = column.isna().to_numpy()
    else:
        # Text left over when pandas could not read every value as a number.
        text, empty = _as_text(column)
        if decimal_comma:
            text = text.str.replace(",", ".", regex=False)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        valid = np.isfinite(values)
    values[~valid] = np.nan
    return values, valid, empty & ~valid


def _integers(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integers of a parsed column, exactly: values (0 when not valid), valid mask, empty mask."""
    if column.dtype.kind in "bi":
        n = len(column)
        return column.to_numpy(dtype=np.int64), np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    if column.dtype.kind in "uf":
        values = column.to_numpy(dtype=float, na_value=np.nan)
        empty = column.isna().to_numpy()
    else:
        text, empty = _as_text(column)
        number = pd.to_numeric(text, errors="coerce")
        if number.dtype.kind == "i":
            return number.to_numpy(dtype=np.int64), np.ones(len(text), dtype=bool), np.zeros(len(text), dtype=bool)
        values = number.to_numpy(dtype=float, na_value=np.nan)
    # Through float64, integers are exact only up to 2^53.
    valid = np.isfinite(values) & (np.abs(values) < MAX_EXACT_FLOAT_INT)
    valid[valid] = values[valid] == np.floor(values[valid])
    return np.where(valid, values, 0).astype(np.int64), valid, empty & ~valid


def _nullable_int(values: np.ndarray, valid: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.astype(np.int64), ~valid)


# UTC instants travel as naive numpy datetime64[ns] (NaT for none), made time-zone aware
# only in the output: assignment into tz-aware pandas objects differs between versions.
_NAT = np.datetime64("NaT", "ns")


def _unix_times(seconds: np.ndarray) -> np.ndarray:
    """Unix seconds (NaN for none) as UTC instants, rounded to the microsecond.

    Rounding removes float noise (1459814400.123 is not exact in binary).
    """
    out = np.full(len(seconds), _NAT)
    finite = np.isfinite(seconds)
    if finite.any():
        out[finite] = pd.to_datetime(seconds[finite], unit="s").round("us").to_numpy(dtype="datetime64[ns]")
    return out


def _utc(instants: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(instants).tz_localize("UTC")


def _points(lon: np.ndarray, lat: np.ndarray):
    import geopandas

    return geopandas.points_from_xy(lon, lat, crs="EPSG:4326")


def _empty_frame(schema: dict[str, str], *extra: str) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in schema.items()})
    for name in extra:
        frame[name] = pd.Series(dtype="int64" if name == "_line" else "float64")
    return frame


def _column(table: pd.DataFrame, position: int | None) -> pd.Series:
    """A parsed column by position; all-missing when the file does not have it."""
    if position is None:
        return pd.Series(np.full(len(table), np.nan))
    return table[position].reset_index(drop=True)


# -- OpenCelliD ---------------------------------------------------------------------


def _is_cell_row(fields: list[str]) -> bool:
    """True when the first line is already data (per-country files have no header)."""
    if fields and fields[0].upper() in RADIO_TYPES:
        return True
    return len(fields) == len(OPENCELLID_COLUMNS) and fields[1].isdigit()


def _opencellid_header(fields: list[str], path: Path, line: int, report: ReadReport) -> list[str | None]:
    """Source column name per position (None for columns that are not used)."""
    columns: list[str | None] = []
    for name in fields:
        known = _OPENCELLID_HEADER_NAMES.get(_norm(name))
        columns.append(known if known not in columns else None)
    missing = [name for name in OPENCELLID_REQUIRED if name not in columns]
    if missing:
        raise InputError(
            f"not an OpenCelliD cell list: missing column(s) {', '.join(missing)}; "
            f"the header has: {', '.join(fields) or '(nothing)'}",
            source=path,
            line=line,
        )
    unused = [name for name, known in zip(fields, columns) if known is None and name]
    if unused:
        report.note(f"Columns not used: {', '.join(unused)}.")
    absent = [name for name in OPENCELLID_COLUMNS if name not in columns]
    if absent:
        report.note(f"Columns not in the file, left empty: {', '.join(absent)}.")
    return columns


def read_opencellid(
    path: str | Path,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> CellSites:
    """Read an OpenCelliD (or Mozilla Location Service) cell-site CSV.

    Parameters
    ----------
    path
        A ``.csv`` or ``.csv.gz`` file, with the header line (full dump) or without it
        (per-country downloads such as ``460.csv``).
    progress, is_canceled
        Progress (0-1) and cancel callbacks, polled once per chunk of
        :data:`CHUNK_BYTES` (about 100,000 rows); cancel raises
        :class:`~citytwin.common.errors.Canceled`.

    Returns
    -------
    CellSites
        The cells (schema in the module docstring) and the read report. Rows with a
        wrong number of fields, a missing or unreadable number, or lon/lat out of range
        are skipped and counted; duplicate cells keep the most recently updated row.

    Raises
    ------
    InputError
        When the file is missing, empty, binary, has no data rows, or its header lacks
        a required column.
    """
    path = Path(path)
    if _guess_encoding(_check_text_file(path)) == "utf-16":
        raise InputError("this is UTF-16 text; OpenCelliD files are plain ASCII: save it as UTF-8 CSV", source=path)
    report = ReadReport(str(path))
    frames: list[pd.DataFrame] = []
    line = 0
    try:
        with _open_binary(path) as (stream, fraction):
            line, first = _first_line(stream)
            if not first:
                raise InputError("the file is empty", source=path)
            fields = [f.strip().strip('"') for f in first.decode("utf-8", "replace").strip().split(",")]
            if _is_cell_row(fields):
                columns: list[str | None] = list(OPENCELLID_COLUMNS)
                blocks = _blocks(stream, line, pending=first)
                report.note("The file has no header line: columns were taken in the OpenCelliD order.")
            else:
                columns = _opencellid_header(fields, path, line, report)
                blocks = _blocks(stream, line + 1)
            position = {name: i for i, name in enumerate(columns) if name is not None}
            layout = _Layout(
                delimiter=",",
                width=len(columns),
                used=sorted(position.values()),
                text=[position["radio"]],
                encoding="utf-8",
                # OpenCelliD never quotes; taking quotes literally also keeps one damaged
                # line from swallowing the next ones, as an unbalanced quote would.
                quoted=False,
                trailing_ok=False,
                decimal_comma=False,
                na_values=[],
                too_few=f"wrong number of fields (expected {len(columns)})",
                too_many=f"wrong number of fields (expected {len(columns)})",
            )
            for block in blocks:
                check_canceled(is_canceled)
                line = int(block.numbers[-1])
                table, lines, skips = _parse_block(block, layout, report)
                if len(lines):
                    texts = {name: _column(table, position.get(name)) for name in OPENCELLID_COLUMNS}
                    frame, rejected = _typed_cells(texts, lines, report)
                    frames.append(frame)
                    skips += rejected
                _record_skips(report, skips)
                progress(0.9 * fraction())
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read after line {line:,} ({exc})", source=path) from exc
    if report.rows == 0:
        raise InputError("no data rows after the header line", source=path)
    frames = [frame for frame in frames if len(frame)]
    table = pd.concat(frames, ignore_index=True) if frames else _empty_frame(CELL_SITE_SCHEMA, "_lon", "_lat", "_line")
    table = _drop_duplicate_cells(table, report)
    sites = _cell_sites(table)
    report.kept = len(sites)
    progress(1.0)
    return CellSites(sites=sites, report=report)


def _radio_names(column: pd.Series) -> np.ndarray:
    """Upper-case radio names ("" when missing), cleaned once per distinct value."""
    codes, uniques = pd.factorize(column)
    cleaned = np.append(pd.Index(uniques, dtype=object).astype(str).str.strip().str.strip('"').str.upper(), "")
    return cleaned.astype(object)[codes]  # code -1 (missing) picks the appended ""


def _typed_cells(
    texts: dict[str, pd.Series], lines: np.ndarray, report: ReadReport
) -> tuple[pd.DataFrame, list[tuple[np.ndarray, str]]]:
    """Check and convert one chunk's OpenCelliD columns; returns the good rows and the rejected ones."""
    rejects = _Rejects(lines)
    radio = _radio_names(texts["radio"])
    rejects.reject(radio == "", "missing radio")
    values: dict[str, np.ndarray] = {}
    for name in ("mcc", "net", "area", "cell"):
        values[name], valid, empty = _integers(texts[name])
        rejects.reject(empty, f"missing {name}")
        rejects.reject(~valid, f"unreadable {name}")
    for name, limit in (("lon", 180.0), ("lat", 90.0)):
        values[name], valid, empty = _floats(texts[name])
        rejects.reject(empty, f"missing {name}")
        rejects.reject(~valid, f"unreadable {name}")
        rejects.reject(np.abs(np.nan_to_num(values[name])) > limit, f"{name} outside [-{limit:g}, {limit:g}]")
    optional: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in ("unit", "range", "samples", "changeable", "created", "updated"):
        number, valid, empty = _integers(texts[name])
        rejects.reject(~valid & ~empty, f"unreadable {name}")
        optional[name] = (number, valid)
    number, valid = optional["changeable"]
    rejects.reject(valid & (number != 0) & (number != 1), "changeable not 0 or 1")
    times = {}
    for name in ("created", "updated"):
        number, valid = optional[name]
        plausible = (number >= 0) & (number < MAX_UNIX_SECONDS)
        rejects.reject(valid & ~plausible, f"{name} not a plausible Unix time (seconds)")
        times[name] = _unix_times(np.where(valid & plausible, number, np.nan))
    signal, signal_valid, signal_empty = _floats(texts["averageSignal"])
    rejects.reject(~signal_valid & ~signal_empty, "unreadable averageSignal")

    keep = ~rejects.bad
    unknown = sorted(set(radio[keep]) - set(RADIO_TYPES))
    if unknown:
        report.note(f"Radio types other than {', '.join(RADIO_TYPES)} were kept as written: {', '.join(unknown)}.")
    changeable, changeable_valid = optional["changeable"]
    frame = pd.DataFrame(
        {
            "radio": radio,
            "mcc": values["mcc"],
            "mnc": values["net"],
            "lac_tac": values["area"],
            "cell_id": values["cell"],
            "unit": _nullable_int(*optional["unit"]),
            "range_m": _nullable_int(*optional["range"]),
            "samples": _nullable_int(*optional["samples"]),
            "changeable": pd.arrays.BooleanArray(changeable == 1, ~changeable_valid),
            "created": _utc(times["created"]),
            "updated": _utc(times["updated"]),
            # OpenCelliD writes 0 when no measurement carried a signal strength.
            "avg_signal_dbm": np.where(signal == 0, np.nan, signal),
            "_lon": values["lon"],
            "_lat": values["lat"],
            "_line": lines,
        }
    )
    return frame[keep].astype(CELL_SITE_SCHEMA), rejects.items


def _drop_duplicate_cells(table: pd.DataFrame, report: ReadReport) -> pd.DataFrame:
    """Keep, per cell, the row updated last (the later line on a tie)."""
    ordered = table.sort_values(["updated", "_line"], na_position="first", kind="mergesort")
    duplicate = ordered.duplicated(subset=list(CELL_KEY), keep="last")
    count = int(duplicate.sum())
    if count:
        report.note(
            f"{count:,} duplicate cell row(s) (same radio, mcc, mnc, lac_tac and cell_id) were dropped, "
            "keeping the most recently updated row of each cell."
        )
    return ordered[~duplicate].sort_values("_line", kind="mergesort")


def _cell_sites(table: pd.DataFrame) -> geopandas.GeoDataFrame:
    import geopandas

    columns = table[list(CELL_SITE_SCHEMA)].reset_index(drop=True).astype(CELL_SITE_SCHEMA)
    geometry = _points(table["_lon"].to_numpy(dtype=float), table["_lat"].to_numpy(dtype=float))
    return geopandas.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")


def write_opencellid(sites: geopandas.GeoDataFrame, path: str | Path, header: bool = True) -> Path:
    """Write cells in the OpenCelliD CSV layout (the inverse of :func:`read_opencellid`).

    Parameters
    ----------
    sites
        Point GeoDataFrame with at least radio, mcc, mnc, lac_tac and cell_id; the other
        columns of the cell-site schema are written empty when absent. Reprojected to
        EPSG:4326 when it has another CRS; no CRS is taken as EPSG:4326.
    path
        The CSV file to write (replaced if it exists).
    header
        Write the header line (as the full dump); False gives the per-country layout.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        When a required column is missing or a geometry is not a point.
    """
    path = Path(path)
    missing = [name for name in CELL_KEY if name not in sites.columns]
    if missing:
        raise InputError(
            f"cannot write an OpenCelliD file: missing column(s) {', '.join(missing)}; "
            f"the table has: {', '.join(map(str, sites.columns))}",
            source=path,
        )
    if sites.crs is not None and sites.crs.to_epsg() != 4326:
        sites = sites.to_crs("EPSG:4326")
    if len(sites) and not (sites.geom_type == "Point").all():
        raise InputError("cannot write an OpenCelliD file: every geometry must be a point", source=path)
    n = len(sites)

    def column(name: str, dtype: str) -> pd.Series:
        values = sites[name] if name in sites.columns else pd.Series([None] * n, index=sites.index)
        return values.astype(dtype)

    def seconds(name: str) -> pd.Series:
        if name not in sites.columns:
            return pd.Series([pd.NA] * n, index=sites.index, dtype="Int64")
        times = pd.to_datetime(sites[name], utc=True)  # naive times are taken as UTC
        return ((times - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).astype("Int64")

    table = pd.DataFrame(
        {
            "radio": sites["radio"].astype(str),
            "mcc": column("mcc", "Int64"),
            "net": column("mnc", "Int64"),
            "area": column("lac_tac", "Int64"),
            "cell": column("cell_id", "Int64"),
            "unit": column("unit", "Int64"),
            "lon": sites.geometry.x,
            "lat": sites.geometry.y,
            "range": column("range_m", "Int64"),
            "samples": column("samples", "Int64"),
            "changeable": column("changeable", "boolean").astype("Int64"),
            "created": seconds("created"),
            "updated": seconds("updated"),
            # OpenCelliD's "unknown" is 0.
            "averageSignal": column("avg_signal_dbm", "float64").fillna(0).round().astype("int64"),
        }
    )
    table.to_csv(path, index=False, header=header, lineterminator="\n")
    return path


# -- drive tests --------------------------------------------------------------------


def _sniff_delimiter(header: str) -> str:
    """The separator used most in the header line (quoted parts ignored)."""
    bare = re.sub(r'"[^"]*"', "", header)
    counts = {sep: bare.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _speed_factor(header: str) -> tuple[float, str]:
    """Multiplier to km/h implied by the header's unit, and the unit's name."""
    text = header.lower().replace(" ", "")
    if "m/s" in text or text.endswith("mps") or "米/秒" in text:
        return 3.6, "m/s"
    if "mph" in text:
        return 1.609344, "mph"
    return 1.0, "km/h"


def _map_columns(
    headers: list[str], mapping: dict[str, str | None] | None, path: Path, report: ReadReport
) -> dict[str, int]:
    """Canonical field -> column index; raises when a required field has no column."""
    given = dict(mapping or {})
    chosen = _user_columns(headers, given, path)
    forms = [_header_forms(name) for name in headers]
    for canonical, aliases in DRIVE_TEST_ALIASES.items():
        if canonical in given:
            continue
        taken = set(chosen.values())
        # (alias rank, header position): the best alias wins, then the leftmost header.
        candidates = [
            (rank, i)
            for rank, alias in enumerate(aliases)
            for i, header_forms in enumerate(forms)
            if _norm(alias, drop_bracketed=False) in header_forms and i not in taken
        ]
        if not candidates:
            continue
        best = min(candidates)[1]
        chosen[canonical] = best
        others = sorted({i for _, i in candidates} - {best})
        if others:
            report.note(
                f"Several columns look like {canonical}: '{headers[best]}' was used, not "
                + ", ".join(f"'{headers[i]}'" for i in others)
                + " (give a mapping to choose another)."
            )
    for canonical in ("time", "lon", "lat"):
        if canonical not in chosen:
            raise InputError(
                f"no column for {canonical}: none of the headers matches {', '.join(DRIVE_TEST_ALIASES[canonical])}; "
                f"the file's columns are: {', '.join(headers)}",
                source=path,
                field=canonical,
            )
    if not any(name in chosen for name in RADIO_RANGES):
        tried = "; ".join(f"{name}: {', '.join(DRIVE_TEST_ALIASES[name])}" for name in RADIO_RANGES)
        raise InputError(
            f"no radio measure column (rsrp_dbm, rsrq_db or sinr_db); aliases tried: {tried}; "
            f"the file's columns are: {', '.join(headers)}",
            source=path,
            field="rsrp_dbm",
        )
    return chosen


def _user_columns(headers: list[str], given: dict[str, str | None], path: Path) -> dict[str, int]:
    """Column indices of a user's mapping; a None or empty header leaves the field out."""
    chosen: dict[str, int] = {}
    for canonical, header in given.items():
        if canonical not in DRIVE_TEST_ALIASES:
            raise InputError(
                f"'{canonical}' is not a drive-test field; the fields are: {', '.join(DRIVE_TEST_ALIASES)}",
                source=path,
                field=canonical,
            )
        if not header:
            continue
        # The exact header first; then the same spelling rules as the aliases.
        matches = [i for i, name in enumerate(headers) if name == header]
        matches = matches or [i for i, name in enumerate(headers) if _norm(name) == _norm(header)]
        if not matches:
            raise InputError(
                f"the column '{header}' chosen for {canonical} is not in the file; "
                f"its columns are: {', '.join(headers)}",
                source=path,
                field=canonical,
            )
        chosen[canonical] = matches[0]
    return chosen


@dataclass
class _DriveStats:
    """What a drive-test read noticed across chunks, turned into notes at the end."""

    naive_times: int = 0
    decimal_comma: str | None = None
    bad_time_example: tuple[int, str] | None = None
    out_of_range: Counter = field(default_factory=Counter)
    out_of_range_line: dict[str, int] = field(default_factory=dict)
    unreadable: Counter = field(default_factory=Counter)
    unreadable_line: dict[str, int] = field(default_factory=dict)
    cgi_example: str | None = None
    cgi_count: int = 0

    def count_unreadable(self, name: str, mask: np.ndarray, lines: np.ndarray) -> None:
        self._count(self.unreadable, self.unreadable_line, name, mask, lines)

    def count_out_of_range(self, name: str, mask: np.ndarray, lines: np.ndarray) -> None:
        self._count(self.out_of_range, self.out_of_range_line, name, mask, lines)

    @staticmethod
    def _count(counter: Counter, first_lines: dict[str, int], name: str, mask: np.ndarray, lines: np.ndarray) -> None:
        hits = lines[mask]
        if len(hits):
            counter[name] += len(hits)
            first_lines.setdefault(name, int(hits[0]))


def _parse_times(
    column: pd.Series, date: pd.Series | None, naive_time_zone: str, decimal_comma: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series | None]:
    """Times of a parsed column as UTC instants (see :func:`_unix_times`).

    Returns the instants (NaT when missing or unreadable), the mask of times that had no
    zone, the missing mask, and the text looked at (None for a numeric column).
    """
    n = len(column)
    if column.dtype.kind in "iuf":
        number = column.to_numpy(dtype=float, na_value=np.nan)
        text, empty = None, column.isna().to_numpy()
    else:
        text, empty = _as_text(column)
        if date is not None:
            # Some tools split date and time of day over two columns.
            date_text, date_empty = _as_text(date)
            clock = text.str.match(_TIME_OF_DAY).to_numpy(dtype=bool) & ~date_empty
            if clock.any():
                text = text.copy()
                text[clock] = date_text[clock] + " " + text[clock]
        number = pd.to_numeric(text.str.replace(",", ".", regex=False) if decimal_comma else text, errors="coerce")
        number = number.to_numpy(dtype=float, na_value=np.nan)
    # Unix seconds, or milliseconds when too large to be seconds.
    seconds = np.where(number > MILLISECONDS_ABOVE, number / 1000.0, number)
    numeric = (seconds >= MIN_UNIX_SECONDS) & (seconds < MAX_UNIX_SECONDS)
    times = _unix_times(np.where(numeric, seconds, np.nan))
    naive = np.zeros(n, dtype=bool)
    textual = ~np.isfinite(number) & ~empty
    if text is not None and textual.any():
        parsed, had_no_zone = _parse_time_text(text[textual].reset_index(drop=True), naive_time_zone)
        times[textual] = parsed
        naive[np.flatnonzero(textual)[had_no_zone]] = True
    return times, naive, empty, text


def _parse_time_text(text: pd.Series, naive_time_zone: str) -> tuple[np.ndarray, np.ndarray]:
    """Date-time strings to UTC instants; also which had no zone (read in ``naive_time_zone``)."""
    local = np.full(len(text), _NAT)
    todo = np.ones(len(text), dtype=bool)
    naive_layout = ~text.str.contains(_ZONE_SUFFIX).to_numpy(dtype=bool)
    tried: set[str] = set()
    while (todo & naive_layout).any():
        # One vectorised pass per layout, chosen by the first value still to do.
        first = text[todo & naive_layout].iloc[0]
        fits = [
            f for f in _NAIVE_FORMATS if f not in tried and pd.notna(pd.to_datetime(first, format=f, errors="coerce"))
        ]
        if not fits:
            break
        tried.add(fits[0])
        step = todo & naive_layout
        local[step] = pd.to_datetime(text[step], format=fits[0], errors="coerce").to_numpy(dtype="datetime64[ns]")
        todo &= np.isnat(local)
    utc = np.full(len(text), _NAT)
    # Everything else (zones, one-digit months, G-NetTrack's 2019.07.16_10.03.43, ...).
    parts = text[todo].str.extract(_DATETIME)
    matched = parts["year"].notna().to_numpy()
    if matched.any():
        parts = parts[matched]
        where = np.flatnonzero(todo)[matched]
        fields = parts[["year", "month", "day", "hour", "minute"]].astype(float)
        fields["second"] = parts["second"].astype(float).fillna(0.0)
        stamps = pd.to_datetime(fields, errors="coerce").to_numpy(dtype="datetime64[ns]")
        fraction = parts["fraction"].fillna("0").str.ljust(9, "0").astype(np.int64).to_numpy()
        stamps = stamps + fraction.astype("timedelta64[ns]")
        zoned = parts["zone"].notna().to_numpy()
        if zoned.any():
            offset = parts["zone"][zoned].str.upper().str.extract(_ZONE_OFFSET)
            sign = np.where(offset["sign"].to_numpy() == "-", -1, 1)
            minutes = offset["hours"].astype(float).fillna(0.0) * 60 + offset["minutes"].astype(float).fillna(0.0)
            shift = (sign * minutes.to_numpy().astype(np.int64)).astype("timedelta64[m]")
            utc[where[zoned]] = stamps[zoned] - shift
        local[where[~zoned]] = stamps[~zoned]
    had_no_zone = ~np.isnat(local)
    if had_no_zone.any():
        localized = pd.DatetimeIndex(local[had_no_zone]).tz_localize(
            naive_time_zone, ambiguous="NaT", nonexistent="NaT"
        )
        utc[had_no_zone] = localized.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")
    return utc, had_no_zone


def _drive_chunk(
    columns_in: dict[str, pd.Series],
    lines: np.ndarray,
    decimal_comma: bool,
    naive_time_zone: str,
    speed_factor: float,
    stats: _DriveStats,
) -> tuple[pd.DataFrame, list[tuple[np.ndarray, str]]]:
    """Typed rows of one chunk and the rejected rows with their reasons."""
    rejects = _Rejects(lines)
    columns: dict[str, object] = {}
    times, naive, time_empty, time_text = _parse_times(
        columns_in["time"], columns_in.get("date"), naive_time_zone, decimal_comma
    )
    time_bad = np.isnat(times) & ~time_empty
    if time_bad.any() and stats.bad_time_example is None:
        first = int(np.flatnonzero(time_bad)[0])
        value = time_text.iloc[first] if time_text is not None else columns_in["time"].iloc[first]
        stats.bad_time_example = (int(lines[first]), str(value))
    rejects.reject(time_empty, "missing time")
    rejects.reject(time_bad, "unreadable time")
    columns["time"] = _utc(times)

    for name, limit in (("lon", 180.0), ("lat", 90.0)):
        values, valid, empty = _floats(columns_in[name], decimal_comma)
        rejects.reject(empty, f"missing {name}")
        rejects.reject(~valid, f"unreadable {name}")
        rejects.reject(np.abs(np.nan_to_num(values)) > limit, f"{name} outside [-{limit:g}, {limit:g}]")
        columns[name] = values
    # Loggers write 0, 0 while the GPS has no fix; (0°, 0°) is in the Atlantic.
    rejects.reject((columns["lon"] == 0) & (columns["lat"] == 0), "no GPS fix (lon and lat are 0)")

    columns.update(_drive_values(columns_in, lines, rejects, decimal_comma, speed_factor, stats))
    no_measure = np.all([np.isnan(columns[name]) for name in RADIO_RANGES], axis=0)
    rejects.reject(no_measure, "no RSRP, RSRQ or SINR value")
    stats.naive_times += int((naive & ~rejects.bad).sum())
    frame = pd.DataFrame({name: columns[name] for name in DRIVE_TEST_SCHEMA})
    frame["_line"] = lines
    return frame[~rejects.bad].astype(DRIVE_TEST_SCHEMA), rejects.items


def _drive_values(
    columns_in: dict[str, pd.Series],
    lines: np.ndarray,
    rejects: _Rejects,
    decimal_comma: bool,
    speed_factor: float,
    stats: _DriveStats,
) -> dict[str, object]:
    """The measure, identity and technology columns of one chunk (missing fields all-empty)."""
    n = len(lines)
    columns: dict[str, object] = {}
    # Problems are counted only on rows kept so far, so notes and skips do not overlap.
    counted = ~rejects.bad
    for name in _FLOAT_FIELDS:
        if name not in columns_in:
            columns[name] = np.full(n, np.nan)
            continue
        values, valid, empty = _floats(columns_in[name], decimal_comma)
        stats.count_unreadable(name, ~valid & ~empty & counted, lines)
        if name in RADIO_RANGES:
            low, high = RADIO_RANGES[name]
            outside = valid & ((values < low) | (values > high))
            stats.count_out_of_range(name, outside & counted, lines)
            values = np.where(outside, np.nan, values)
        columns[name] = values * speed_factor if name == "speed_kmh" else values
    for name in _INTEGER_FIELDS:
        if name not in columns_in:
            columns[name] = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
            continue
        values, valid, empty = _integers(columns_in[name])
        if name == "cell_id":
            values, valid = _cell_ids_from_cgi(columns_in[name], values, valid, stats)
        stats.count_unreadable(name, ~valid & ~empty & counted, lines)
        columns[name] = _nullable_int(values, valid)
    technology = columns_in.get("technology", pd.Series(np.full(n, None, dtype=object)))
    text, empty = _as_text(technology)
    columns["technology"] = np.where(empty, None, text.to_numpy(dtype=object))
    return columns


def _cell_ids_from_cgi(
    column: pd.Series, values: np.ndarray, valid: np.ndarray, stats: _DriveStats
) -> tuple[np.ndarray, np.ndarray]:
    """Take the cell identity from CGI-style values: 460-00-4567-12 -> 12, 460-00-12345678 -> 12345678.

    The last part of a (E/N)CGI is the cell identity whatever the radio technology.
    """
    if valid.all() or column.dtype.kind != "O":
        return values, valid
    text, _ = _as_text(column)
    candidates = ~valid & text.str.match(_CGI).to_numpy(dtype=bool)
    if not candidates.any():
        return values, valid
    last = text[candidates].str.split(r"[-_:]", regex=True).str[-1].reset_index(drop=True)
    number, ok, _ = _integers(last)
    values, valid = values.copy(), valid.copy()
    where = np.flatnonzero(candidates)[ok]
    values[where] = number[ok]
    valid[where] = True
    stats.cgi_count += len(where)
    if stats.cgi_example is None and len(where):
        stats.cgi_example = str(text.iloc[where[0]])
    return values, valid


def read_drive_test(
    path: str | Path,
    mapping: dict[str, str | None] | None = None,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
    naive_time_zone: str = "UTC",
) -> DriveTest:
    """Read a drive-test measurement CSV from any of the common tools.

    Parameters
    ----------
    path
        Comma, semicolon or tab separated text (``.gz`` allowed), one header line, one
        row per line.
    mapping
        Canonical field -> source header, overriding the automatic matching
        (:data:`DRIVE_TEST_ALIASES`); a None or empty header leaves the field out.
    progress, is_canceled
        Progress (0-1) and cancel callbacks, polled once per chunk of
        :data:`CHUNK_BYTES`; cancel raises :class:`~citytwin.common.errors.Canceled`.
    naive_time_zone
        Time zone of times written without one (IANA name such as ``Asia/Shanghai``);
        UTC by default, and the report says how many times it was applied to.

    Returns
    -------
    DriveTest
        Measurements sorted by time (schema in the module docstring), the mapping used,
        the headers not used and the read report. Rows with a missing or unreadable
        time, lon or lat, a position out of range or (0, 0), a wrong number of fields
        or no RSRP/RSRQ/SINR value are skipped and counted; out-of-range radio values
        become NaN and are counted in a note.

    Raises
    ------
    InputError
        When the file is missing, empty, binary, has no data rows, or no column can be
        found for time, lon, lat or any of rsrp_dbm/rsrq_db/sinr_db (the message lists
        the aliases tried and the headers present), or ``mapping`` names a field or
        header that does not exist.
    ValueError
        When ``naive_time_zone`` is not a known time zone.
    """
    path = Path(path)
    try:
        pd.Timestamp("2000-01-01").tz_localize(naive_time_zone)
    except (KeyError, ValueError, TypeError) as exc:  # pytz and zoneinfo: KeyError subclasses
        raise ValueError(f"unknown time zone: {naive_time_zone!r}") from exc
    sample = _check_text_file(path)
    encoding = _guess_encoding(sample)
    report = ReadReport(str(path))
    if encoding != "utf-8":
        report.note(f"The file was read as {encoding.upper()} text.")
    stats = _DriveStats()
    try:
        with _open_binary(path) as (stream, fraction):
            if encoding == "utf-16":
                # UTF-16 cannot be split on the newline byte: recode it whole (rare, small files).
                stream = io.BytesIO(stream.read().decode("utf-16", errors="replace").encode("utf-8"))  # noqa: PLW2901
                encoding = "utf-8"
            line, headers, chosen, layout = _drive_header(stream, encoding, path, mapping, report)
            speed_factor, speed_unit = (
                _speed_factor(headers[chosen["speed_kmh"]]) if "speed_kmh" in chosen else (1.0, "km/h")
            )
            frames = []
            for block in _blocks(stream, line + 1):
                check_canceled(is_canceled)
                table, lines, skips = _parse_block(block, layout, report)
                if len(lines):
                    if layout.decimal_comma and stats.decimal_comma is None:
                        stats.decimal_comma = _decimal_comma_example(block, layout, [chosen["lon"], chosen["lat"]])
                    columns = {canonical: _column(table, i) for canonical, i in chosen.items()}
                    frame, rejected = _drive_chunk(
                        columns, lines, layout.decimal_comma, naive_time_zone, speed_factor, stats
                    )
                    frames.append(frame)
                    skips += rejected
                _record_skips(report, skips)
                progress(0.9 * fraction())
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read after {report.rows:,} rows ({exc})", source=path) from exc
    if report.rows == 0:
        raise InputError("no data rows after the header line", source=path)

    mapping_used = {canonical: headers[i] for canonical, i in chosen.items()}
    unmapped = [name for i, name in enumerate(headers) if i not in set(chosen.values()) and name]
    _drive_notes(report, mapping_used, unmapped, stats, naive_time_zone, speed_unit)
    frames = [frame for frame in frames if len(frame)]
    table = pd.concat(frames, ignore_index=True) if frames else _empty_frame(DRIVE_TEST_SCHEMA, "_line")
    table = table.sort_values(["time", "_line"], kind="mergesort").reset_index(drop=True)
    measurements = _measurements(table)
    report.kept = len(measurements)
    progress(1.0)
    return DriveTest(measurements=measurements, mapping=mapping_used, unmapped=unmapped, report=report)


def _drive_header(
    stream: IO[bytes], encoding: str, path: Path, mapping: dict[str, str | None] | None, report: ReadReport
) -> tuple[int, list[str], dict[str, int], _Layout]:
    """Read the header line: its number, the headers, the columns chosen and the data layout."""
    line, first = _first_line(stream)
    if not first:
        raise InputError("the file is empty", source=path)
    header_text = first.decode(encoding, errors="replace").rstrip("\r\n")
    delimiter = _sniff_delimiter(header_text)
    headers = [name.replace("\ufeff", "").strip() for name in next(csv.reader([header_text], delimiter=delimiter))]
    chosen = _map_columns(headers, mapping, path, report)
    layout = _Layout(
        delimiter=delimiter,
        width=len(headers),
        used=sorted(set(chosen.values())),
        text=[chosen[name] for name in ("technology", "date") if name in chosen],
        encoding=encoding,
        quoted=True,
        trailing_ok=True,
        # A comma cannot be the decimal mark where it separates the fields.
        decimal_comma=delimiter != ",",
        na_values=list(_MISSING_TOKENS),
        too_few="fewer fields than the header",
        too_many="more fields than the header",
    )
    return line, headers, chosen, layout


def _decimal_comma_example(block: _Block, layout: _Layout, positions: list[int]) -> str | None:
    """A lon or lat value written with a decimal comma in the block's first data line, if any."""
    nonblank = np.flatnonzero(block.count(block.buf > 32) > 0)
    if not len(nonblank):
        return None
    fields = block.text(int(nonblank[0]), layout.encoding).split(layout.delimiter)
    return next((fields[i].strip() for i in positions if i < len(fields) and "," in fields[i]), None)


def _drive_notes(
    report: ReadReport,
    mapping: dict[str, str],
    unmapped: list[str],
    stats: _DriveStats,
    naive_time_zone: str,
    speed_unit: str,
) -> None:
    used = ", ".join(f"{canonical} = '{header}'" for canonical, header in mapping.items())
    report.note(f"Columns used: {used}.")
    if unmapped:
        report.note("Columns not used: " + ", ".join(f"'{header}'" for header in unmapped) + ".")
    if stats.naive_times:
        report.note(f"{stats.naive_times:,} time(s) without a time zone were taken as {naive_time_zone}.")
    if stats.decimal_comma:
        report.note(f"Decimal commas were read as decimal points (e.g. '{stats.decimal_comma}').")
    if speed_unit != "km/h":
        report.note(f"speed_kmh was converted from {speed_unit} ('{mapping['speed_kmh']}').")
    if stats.bad_time_example:
        line, value = stats.bad_time_example
        report.note(
            f"Line {line}: time '{value}' is not in a known format (ISO 8601, YYYY-MM-DD HH:MM:SS, "
            "YYYY/MM/DD HH:MM:SS, Unix seconds or milliseconds)."
        )
    for name, count in stats.out_of_range.items():
        low, high = RADIO_RANGES[name]
        report.note(
            f"{count:,} {name} value(s) outside the 3GPP TS 36.133 reporting range [{low:g}, {high:g}] "
            f"{_RADIO_UNITS[name]} were set to empty (first on line {stats.out_of_range_line[name]})."
        )
    for name, count in stats.unreadable.items():
        report.note(
            f"{count:,} {name} value(s) in '{mapping[name]}' are not numbers and were left empty "
            f"(first on line {stats.unreadable_line[name]})."
        )
    if stats.cgi_count:
        report.note(
            f"cell_id was taken from the last part of {stats.cgi_count:,} CGI value(s) such as '{stats.cgi_example}'."
        )


def _measurements(table: pd.DataFrame) -> geopandas.GeoDataFrame:
    import geopandas

    columns = table[list(DRIVE_TEST_SCHEMA)].astype(DRIVE_TEST_SCHEMA)
    geometry = _points(table["lon"].to_numpy(dtype=float), table["lat"].to_numpy(dtype=float))
    return geopandas.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")
