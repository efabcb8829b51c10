"""NMEA 0183 receiver logs -> one table of fixes per epoch and one table of satellites.

Read sentences: GGA, RMC and ZDA (time-bearing), GSA and GSV (no time). Other sentence
types (VTG, GLL, TXT, proprietary ``$P...``) are counted in a report note and ignored.
Talkers map to constellations: GP GPS, BD/GB BeiDou, GA Galileo, GL GLONASS, GQ QZSS,
GI NavIC, GN "multi" (multi-GNSS); any other talker is "other".

``NmeaLog.epochs`` — one row per fix time (see :func:`read_nmea` for how sentences are
grouped into epochs and how dates are carried):

=====================  =======================================================================
``time``               datetime64[ns, UTC]; NaT when the log has no RMC/ZDA date
``time_of_day_s``      seconds since UTC midnight (float)
``lat``, ``lon``       decimal degrees WGS 84, south/west negative (GGA, else RMC)
``alt_m``              GGA altitude above mean sea level, metres
``geoid_sep_m``        GGA geoid separation (ellipsoid minus geoid), metres
``fix_quality``        GGA fix quality 0..8
``fix_mode``           GSA fix mode 1 (none), 2 (2D), 3 (3D)
``sats_used``          GGA satellites used; else the number of PRNs in the epoch's GSA sentences
``hdop``               GSA HDOP; GGA HDOP when the epoch has no GSA
``pdop``, ``vdop``     GSA
``speed_kn``           RMC speed over ground, knots
``course_deg``         RMC course over ground, degrees from true north
``rmc_status``         RMC status, 'A' (valid) or 'V' (void); None without RMC
``sats_in_view_gps``   GSV "satellites in view" (largest over the epoch's GSV groups of that
``..._beidou``         constellation, signal groups included); 0 when the epoch has no GSV of
``..._galileo``        the constellation, NaN when the log has no GSV at all
``..._glonass``
``..._qzss``
``mean_cn0_dbhz``      mean C/N0 (GSV SNR) over the epoch's satellite rows that have one
``line``               1-based line of the epoch's first sentence (int)
=====================  =======================================================================

``NmeaLog.satellites`` — one row per satellite (and signal) per epoch, from GSV:

=====================  =======================================================================
``time``               the epoch's time
``epoch``              row number in ``epochs`` (int)
``constellation``      categorical, one of :data:`CONSTELLATIONS`
``prn``                satellite number as the receiver writes it (int)
``elevation_deg``      degrees above the horizon
``azimuth_deg``        degrees from true north
``cn0_dbhz``           SNR (C/N0) in dB-Hz; NaN when the satellite is not tracked
``signal_id``          NMEA 4.10+ signal id (e.g. 1 GPS L1 C/A); NaN when the log has none
=====================  =======================================================================

Integer-valued columns that can be missing (``fix_quality``, ``fix_mode``, ``sats_used``,
``sats_in_view_*``, ``signal_id``) are float64 so that missing is NaN, as elsewhere.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import reduce
from operator import xor
from pathlib import Path

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .report import MAX_LISTED_LINES, ReadReport

#: Lines scanned between two progress / cancel calls.
CHUNK_LINES = 100_000
#: Threads that parse pieces of a sentence type's block (pandas' tokenizer runs without the GIL).
PARSE_THREADS = 2
MIN_ROWS_PER_PIECE = 5_000

#: Constellation names, in the order of the ``constellation`` categories.
CONSTELLATIONS = ("GPS", "BeiDou", "Galileo", "GLONASS", "QZSS", "NavIC", "multi", "other")

#: NMEA talker id -> constellation.
TALKERS = {
    "GP": "GPS",
    "BD": "BeiDou",
    "GB": "BeiDou",
    "GA": "Galileo",
    "GL": "GLONASS",
    "GQ": "QZSS",
    "GI": "NavIC",
    "GN": "multi",
}

#: NMEA 4.10+ GSA system id (field 18) -> constellation.
SYSTEM_IDS = {1: "GPS", 2: "GLONASS", 3: "Galileo", 4: "BeiDou", 5: "QZSS", 6: "NavIC"}

#: Constellations with a ``sats_in_view_<name>`` column.
IN_VIEW = ("GPS", "BeiDou", "Galileo", "GLONASS", "QZSS")

EPOCH_COLUMNS = (
    "time",
    "time_of_day_s",
    "lat",
    "lon",
    "alt_m",
    "geoid_sep_m",
    "fix_quality",
    "fix_mode",
    "sats_used",
    "hdop",
    "pdop",
    "vdop",
    "speed_kn",
    "course_deg",
    "rmc_status",
    *(f"sats_in_view_{name.lower()}" for name in IN_VIEW),
    "mean_cn0_dbhz",
    "line",
)

SATELLITE_COLUMNS = (
    "time",
    "epoch",
    "constellation",
    "prn",
    "elevation_deg",
    "azimuth_deg",
    "cn0_dbhz",
    "signal_id",
)

#: Sentence types read, and the fields (address included) each needs at least.
MIN_FIELDS = {"GGA": 12, "RMC": 10, "ZDA": 5, "GSA": 18, "GSV": 4}
_KINDS = tuple(MIN_FIELDS)
_TYPE_CODES = np.array([(ord(k[0]) << 16) | (ord(k[1]) << 8) | ord(k[2]) for k in _KINDS], dtype=np.int32)
_GSV = _KINDS.index("GSV")

# Seconds by which the time of day must fall back for a new day: a fix that is only a
# little earlier than the one before is receiver jitter or a replayed line, not midnight.
_MIDNIGHT_JUMP_S = 43_200.0

_NS_PER_DAY = 86_400 * 10**9


def _byte_table(chars: bytes, value: bool = True) -> np.ndarray:
    table = np.full(256, not value, dtype=bool)
    table[list(chars)] = value
    return table


_HEX = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
    _HEX[bytes([_c]).lower()[0]] = _i
_BLANK_CHARS = " \t\r\n\x0b\x0c\xef\xbb\xbf"  # whitespace and the UTF-8 BOM's bytes (as Latin-1)
_PREFIX_BAD = _byte_table(_BLANK_CHARS.encode("latin-1"), value=False)
_PRINTABLE = bytes(range(32, 127))


@dataclass
class NmeaLog:
    """What :func:`read_nmea` read: fixes per epoch, satellites per epoch, and the counts."""

    epochs: pd.DataFrame
    satellites: pd.DataFrame
    report: ReadReport


def nmea_checksum(body: str) -> str:
    """The NMEA checksum of a sentence body.

    Parameters
    ----------
    body
        The characters between ``$`` and ``*``. A whole sentence is accepted too: a
        leading ``$`` and everything from ``*`` on are left out.

    Returns
    -------
    str
        Two upper-case hex digits, the XOR of the body's character codes.

    Raises
    ------
    UnicodeEncodeError
        When the body is not ASCII (NMEA 0183 is).
    """
    body = body[1:] if body.startswith("$") else body
    body = body.split("*", 1)[0]
    return f"{reduce(xor, body.encode('ascii'), 0):02X}"


def format_sentence(talker: str, sentence: str, fields: list | tuple) -> str:
    """Build one NMEA sentence, checksum included, without a line ending.

    Parameters
    ----------
    talker
        Two-letter talker id, e.g. ``"GP"``, ``"GN"``, ``"BD"``.
    sentence
        Sentence type, e.g. ``"GGA"``.
    fields
        The fields after the address; None becomes an empty field, anything else
        ``str(value)`` (format numbers before passing them).

    Returns
    -------
    str
        E.g. ``"$GPGGA,123519,...*47"``.
    """
    body = ",".join([talker + sentence, *("" if value is None else str(value) for value in fields)])
    return f"${body}*{nmea_checksum(body)}"


def read_nmea(
    path: str | Path,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> NmeaLog:
    """Read an NMEA 0183 log into epochs and satellites (schemas in the module docstring).

    Every line is a sentence ``$<address>,<fields>*<checksum>``; whitespace and a UTF-8
    BOM before the ``$`` and anything after the two checksum digits are tolerated
    (CRLF, LF, or CR-only line ends). Lines that are not sentences, lack a checksum or
    have a wrong one, or have too few fields are skipped and counted in the report
    with their line numbers; empty fields are fine (NaN).

    Epochs: GGA, RMC and ZDA carry the time of day. A new epoch starts at each such
    sentence whose time differs from the one before it, so a GGA and an RMC of the same
    second form one epoch. GSA and GSV carry no time: each belongs to the epoch of the
    last time-bearing sentence before it (forward fill); those before the first
    time-bearing sentence join the first epoch. GGA/RMC without a time are not used
    (noted). Within an epoch a later sentence's non-empty field wins, except that
    position comes from GGA before RMC and DOPs from the first GSA.

    Dates: from RMC (ddmmyy, years 80-99 read as 19xx) or ZDA. An epoch without a date
    sentence takes the date of the last dated epoch before it, plus one day each time
    the time of day falls back by more than 12 hours (midnight). Epochs before the first
    dated one count back from it the same way (so one that is later in the day than the
    first dated epoch was the day before). Without any date in the log ``time`` is NaT
    and only ``time_of_day_s`` is filled (noted).

    Parameters
    ----------
    path
        The log file.
    progress, is_canceled
        Progress (0-1) and cancel callbacks, called every :data:`CHUNK_LINES` lines;
        cancel raises :class:`~citytwin.common.errors.Canceled`.

    Returns
    -------
    NmeaLog
        ``report.rows`` counts non-blank lines, ``report.kept`` the sentences used.

    Raises
    ------
    InputError
        When the file is missing, empty, unreadable, or holds no NMEA sentence of a type
        read here.
    """
    path = Path(path)
    data = _read_bytes(path)
    report = ReadReport(source=str(path))
    scan = _Scan()
    # pandas' CSV tokenizer releases the GIL: a small pool parses the pieces of each
    # sentence type's block side by side (1.6x on two cores for the parsing part).
    with ThreadPoolExecutor(max_workers=PARSE_THREADS, thread_name_prefix="citytwin-nmea") as pool:
        scan.pool = pool
        _scan_file(data, scan, report, progress, is_canceled)
        scan.pool = None
    _report_skips(report, scan.skipped)

    parsed = {kind: _concat(kind, parts, scan) for kind, parts in scan.parsed.items()}
    if not any(len(p["line"]) for p in parsed.values()):
        if scan.ignored:
            raise InputError(
                "no GGA, RMC, ZDA, GSA or GSV sentences found (only " + ", ".join(sorted(scan.ignored)) + ")",
                source=path,
            )
        reasons = ", ".join(f"{reason}: {n:,}" for reason, n in report.reasons.most_common())
        raise InputError("no NMEA sentences found" + (f" ({reasons})" if reasons else ""), source=path)
    if scan.ignored:
        names = ", ".join(sorted(scan.ignored, key=lambda name: -scan.ignored[name]))
        count = sum(scan.ignored.values())
        report.note(f"{count:,} sentence{'s' if count != 1 else ''} of other types ignored ({names}).")
    if scan.invalid_numbers:
        report.note(f"{scan.invalid_numbers:,} fields that are not numbers were read as empty.")
    check_canceled(is_canceled)

    epochs, satellites = _assemble(parsed, report)
    progress(1.0)
    return NmeaLog(epochs=epochs, satellites=satellites, report=report)


# -- reading and scanning ---------------------------------------------------------------
def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError("file not found", source=path)
    if not path.is_file():
        raise InputError("not a file", source=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", source=path) from exc
    if not data or data.isspace():
        raise InputError("the file is empty", source=path)
    return data


@dataclass
class _Scan:
    """What the line scan collected, chunk by chunk."""

    skipped: list[tuple[np.ndarray, str]] = field(default_factory=list)
    parsed: dict[str, list[dict[str, np.ndarray]]] = field(default_factory=lambda: {k: [] for k in _KINDS})
    ignored: dict[str, int] = field(default_factory=dict)
    invalid_numbers: int = 0
    pool: ThreadPoolExecutor | None = None

    def skip(self, lines: np.ndarray, reason: str) -> None:
        """Record skipped lines (1-based file line numbers)."""
        if len(lines):
            self.skipped.append((np.asarray(lines), reason))


def _scan_file(
    data: bytes, scan: _Scan, report: ReadReport, progress: ProgressCallback, is_canceled: CancelCheck
) -> None:
    # Hand-written instead of pynmea2, which builds a Python object per sentence (10-15 µs
    # a line, 3-5 times our time for a whole read; see bench/nmea_speed.py): checksums,
    # line classification and field counts are numpy reductions over the bytes of a chunk
    # of lines, and each sentence type's fields are parsed column-wise by pandas' C CSV
    # parser. Latin-1 maps each byte to one character, so byte offsets are string offsets
    # and junk bytes cannot fail to decode.
    newline = 10 if b"\n" in data or b"\r" not in data else 13  # CR-only logs exist (old Macs, some loggers)
    if data[-1] != newline:
        data += bytes([newline])  # so that every line ends with a break
    buf = np.frombuffer(data, dtype=np.uint8)
    text = data.decode("latin-1")
    breaks = np.flatnonzero(buf == newline)
    starts = np.concatenate(([0], breaks[:-1] + 1))
    n_lines = len(starts)
    for first in range(0, n_lines, CHUNK_LINES):
        check_canceled(is_canceled)
        last = min(first + CHUNK_LINES, n_lines)
        base = int(starts[first])
        lines = slice(first, last)
        chunk = _Chunk(buf[base : breaks[last - 1] + 1], text, base, starts[lines] - base, breaks[lines] - base, first)
        _scan_chunk(chunk, scan, report)
        progress(0.9 * last / n_lines)


@dataclass
class _Chunk:
    """Lines ``first_line``... (0-based) of the file: their bytes from offset ``base``.

    ``starts``/``ends`` are the lines' offsets in ``buf`` (end: the line break, which
    every line has, so offsets up to a line's end lie inside ``buf``).
    """

    buf: np.ndarray
    text: str
    base: int
    starts: np.ndarray
    ends: np.ndarray
    first_line: int

    def byte(self, offsets: np.ndarray) -> np.ndarray:
        """The bytes at ``offsets`` (clipped to the chunk) as int32."""
        return self.buf[np.minimum(np.maximum(offsets, 0), len(self.buf) - 1)].astype(np.int32)

    def strings(self, lo: np.ndarray, hi: np.ndarray) -> list[str]:
        return [self.text[a:b] for a, b in zip((lo + self.base).tolist(), (hi + self.base).tolist())]


def _scan_chunk(chunk: _Chunk, scan: _Scan, report: ReadReport) -> None:
    """Classify the lines of one chunk and parse its good sentences."""
    # Whole-chunk passes are plain comparisons and uint8 reductions: a 256-entry table
    # look-up over every byte costs several times more.
    d, line = _sentence_starts(chunk)
    others = np.ones(len(chunk.starts), dtype=bool)
    others[line] = False
    others = np.flatnonzero(others)
    if len(others):  # few in a healthy log: blank lines, or junk
        junk = np.array([bool(s.strip(_BLANK_CHARS)) for s in chunk.strings(chunk.starts[others], chunk.ends[others])])
        scan.skip(others[junk] + chunk.first_line + 1, "not an NMEA sentence")
        report.rows += int(junk.sum())
    report.rows += len(d)
    if len(d):
        sentences = _measure(chunk, d, line)
        _classify(sentences, scan)
        _parse(chunk, sentences, scan)


def _sentence_starts(chunk: _Chunk) -> tuple[np.ndarray, np.ndarray]:
    """Offset of the '$' of each line that is a sentence, and that line's index."""
    buf, starts = chunk.buf, chunk.starts
    dollars = np.flatnonzero(buf == 36)
    line = np.searchsorted(starts, dollars, side="right") - 1
    first = np.ones(len(dollars), dtype=bool)
    first[1:] = line[1:] != line[:-1]
    dollars, line = dollars[first], line[first]
    # Only whitespace or a UTF-8 BOM may come before the '$'.
    late = np.flatnonzero(dollars > starts[line])
    if len(late):
        junk = np.logical_or.reduceat(_PREFIX_BAD[buf], _interleave(starts[line[late]], dollars[late]))[0::2]
        keep = np.ones(len(dollars), dtype=bool)
        keep[late[junk]] = False
        dollars, line = dollars[keep], line[keep]
    return dollars, line


def _interleave(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(2 * len(a), dtype=np.intp)
    out[0::2] = a
    out[1::2] = b
    return out


@dataclass
class _Sentences:
    """The lines of a chunk that start with '$', measured."""

    d: np.ndarray  # offset of the '$'
    line: np.ndarray  # 1-based file line
    star: np.ndarray  # offset of the '*' (the line end when there is none)
    has_star: np.ndarray
    kind: np.ndarray  # index into _KINDS, -1 for other sentence types
    talker: np.ndarray  # the two talker characters as one number
    fields: np.ndarray  # number of fields, address included
    checksum_ok: np.ndarray
    ok: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # set by _classify
    signal: np.ndarray = field(default_factory=lambda: np.zeros(0))  # GSV signal id, NaN if none
    body_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))


def _measure(chunk: _Chunk, d: np.ndarray, line: np.ndarray) -> _Sentences:
    buf = chunk.buf
    line_end = chunk.ends[line]
    # The first '*' after the '$' on the same line ends the body.
    stars = np.flatnonzero(buf == 42)
    star = stars[np.minimum(np.searchsorted(stars, d), len(stars) - 1)] if len(stars) else line_end
    has_star = (star > d) & (star < line_end)
    star = np.where(has_star, star, line_end)

    # The address is five characters (talker + type), then ',' or the end of the body.
    head = chunk.byte(d[:, None] + np.arange(7))  # "$GPGGA,"
    standard = (star >= d + 6) & ((head[:, 6] == 44) | (star == d + 6))
    code = (head[:, 3] << 16) | (head[:, 4] << 8) | head[:, 5]
    kind = np.full(len(d), -1, dtype=np.int8)
    for index, type_code in enumerate(_TYPE_CODES):
        kind[standard & (code == type_code)] = index

    # Checksum and field count of each body, one reduction each. reduceat gives the
    # element itself for an empty segment, hence the fix-ups.
    segments = _interleave(d + 1, star)
    empty = star == d + 1
    checksum = np.bitwise_xor.reduceat(buf, segments)[0::2].astype(np.int32)
    checksum[empty] = 0
    # Counted in uint8, exact below 255 characters (NMEA allows 82); longer bodies are recounted.
    fields = np.add.reduceat((buf == 44).view(np.uint8), segments, dtype=np.uint8)[0::2].astype(np.int32) + 1
    fields[empty] = 1
    for i in np.flatnonzero(star - d > 255).tolist():
        fields[i] = chunk.text.count(",", chunk.base + int(d[i]) + 1, chunk.base + int(star[i])) + 1
    high, low = _HEX[chunk.byte(star + 1)], _HEX[chunk.byte(star + 2)]
    given = np.where((star + 2 < line_end) & (high >= 0) & (low >= 0), high * 16 + low, -1)
    return _Sentences(
        d=d,
        line=line + chunk.first_line + 1,
        star=star,
        has_star=has_star,
        kind=kind,
        talker=(head[:, 1] << 8) | head[:, 2],
        fields=fields,
        checksum_ok=has_star & (given == checksum),
    )


def _classify(s: _Sentences, scan: _Scan) -> None:
    """Skip the bad sentences (with their reason) and set ``s.ok`` for the others."""
    min_fields = np.array([MIN_FIELDS[k] for k in _KINDS] + [0], dtype=np.int32)[s.kind]  # -1: last
    short = (s.kind >= 0) & (s.fields < min_fields)
    # A line without '*' that is also short was cut off (a truncated write), not
    # merely written without a checksum.
    scan.skip(s.line[~s.has_star & short], "too few fields")
    scan.skip(s.line[~s.has_star & ~short], "no checksum")
    scan.skip(s.line[s.has_star & ~s.checksum_ok], "bad checksum")
    scan.skip(s.line[s.checksum_ok & short], "too few fields")
    ok = s.checksum_ok & ~short

    # GSV: 4 fields, 4 per satellite, then (NMEA 4.10+) a one-hex-digit signal id. A last
    # satellite without its (empty) SNR field leaves 3 over; 2 over is garbage.
    left_over = (s.fields - 4) % 4
    gsv = ok & (s.kind == _GSV)
    scan.skip(s.line[gsv & (left_over == 2)], "wrong number of fields")
    s.ok = ok & ~(gsv & (left_over == 2))


def _parse(chunk: _Chunk, s: _Sentences, scan: _Scan) -> None:
    """Parse the good sentences of a chunk, one CSV parser call per sentence type."""
    signal = _HEX[chunk.byte(s.star - 1)]
    has_signal = s.ok & (s.kind == _GSV) & ((s.fields - 4) % 4 == 1) & (chunk.byte(s.star - 2) == 44) & (signal >= 0)
    s.signal = np.where(has_signal, signal, np.nan)
    s.body_end = np.where(has_signal, s.star - 2, s.star)  # the signal id is read here, not by the CSV parser
    s.fields = s.fields - has_signal

    ignored = s.ok & (s.kind < 0)
    if ignored.any():
        # Few distinct addresses: count them on their first five characters.
        for address, n in pd.Series(chunk.strings(s.d[ignored] + 1, s.d[ignored] + 6)).value_counts().items():
            name = str(address).split(",", 1)[0].split("*", 1)[0]
            if len(name) == 5 and not name.startswith("P"):  # a standard address: talker + type
                name = name[2:]
            scan.ignored[name] = scan.ignored.get(name, 0) + int(n)

    for index, kind in enumerate(_KINDS):
        sel = np.flatnonzero(s.ok & (s.kind == index))
        if not len(sel):
            continue
        bodies = chunk.strings(s.d[sel] + 7, s.body_end[sel])  # after "$", the address and its comma
        blob = "\n".join(bodies).encode("latin-1")
        # Once printable ASCII is deleted only the line breaks between bodies may be left.
        if len(blob.translate(None, _PRINTABLE)) != len(bodies) - 1:  # junk passed its checksum by chance
            clean = np.array([not body.encode("latin-1").translate(None, _PRINTABLE) for body in bodies])
            scan.skip(s.line[sel[~clean]], "non-printable characters")
            sel = sel[clean]
            if not len(sel):
                continue
            blob = "\n".join(body for body, keep in zip(bodies, clean) if keep).encode("latin-1")
        frame = _parse_csv_pieces(blob, len(sel), int(s.fields[sel].max()), kind, scan.pool)
        extras = {"line": s.line[sel], "talker": s.talker[sel], "fields": s.fields[sel], "signal": s.signal[sel]}
        scan.parsed[kind].append(_PARSERS[kind](frame, extras, scan))


def _report_skips(report: ReadReport, skipped: list[tuple[np.ndarray, str]]) -> None:
    if not skipped:
        return
    names = sorted({reason for _, reason in skipped})
    lines = np.concatenate([lines for lines, _ in skipped])
    reasons = np.concatenate([np.full(len(lines), names.index(reason)) for lines, reason in skipped])
    order = np.argsort(lines, kind="stable")
    lines, reasons = lines[order], reasons[order]
    # The first skipped lines of the whole file are listed, whatever their reason.
    for line, reason in zip(lines[:MAX_LISTED_LINES].tolist(), reasons[:MAX_LISTED_LINES].tolist()):
        report.skip(line, names[reason])
    for index, reason in enumerate(names):
        report.skip_many(lines[MAX_LISTED_LINES:][reasons[MAX_LISTED_LINES:] == index], reason)


# -- fields -----------------------------------------------------------------------------
_LETTERS = {"GGA": (3, 5), "RMC": (2, 4, 6)}
_USECOLS = {
    "GGA": (1, 2, 3, 4, 5, 6, 7, 8, 9, 11),
    "RMC": (1, 2, 3, 4, 5, 6, 7, 8, 9),
    "ZDA": (1, 2, 3, 4),
    "GSA": tuple(range(2, 19)),
    "GSV": tuple(range(3, 20)),
}


def _parse_csv_pieces(blob: bytes, rows: int, fields: int, kind: str, pool: ThreadPoolExecutor | None) -> pd.DataFrame:
    """:func:`_parse_csv` on pieces of ``blob`` split at line breaks, in the pool."""
    pieces = PARSE_THREADS if pool is not None and rows >= 2 * MIN_ROWS_PER_PIECE else 1
    if pieces == 1:
        return _parse_csv(blob, rows, fields, kind)
    cuts = [0]
    for k in range(1, pieces):
        cut = blob.find(b"\n", len(blob) * k // pieces)
        cuts.append(len(blob) if cut < 0 else cut + 1)
    cuts.append(len(blob) + 1)
    parts = [blob[a : b - 1] for a, b in zip(cuts[:-1], cuts[1:])]  # each without its final line break
    jobs = [(part, part.count(b"\n") + 1, fields, kind) for part in parts if part]
    frames = list(pool.map(lambda job: _parse_csv(*job), jobs))
    frame = pd.concat(frames, ignore_index=True)
    if len(frame) != rows:
        raise RuntimeError(f"CSV parser returned {len(frame)} rows for {rows} sentences")
    return frame


def _parse_csv(blob: bytes, rows: int, fields: int, kind: str) -> pd.DataFrame:
    # Bodies are printable ASCII without '*' (checked above), one per line, address left
    # out; quotes mean nothing in NMEA, and only empty fields are missing ('NA' is not).
    # Types are inferred: a column with a field that is not a number is coerced by _number().
    frame = pd.read_csv(
        io.BytesIO(blob),
        header=None,
        names=range(fields - 1),
        usecols=[c - 1 for c in _USECOLS[kind] if c < fields],
        # One-letter fields (N/S, E/W, A/V) as categories: a handful of values, no string per row.
        dtype={c - 1: "category" for c in _LETTERS.get(kind, ()) if c < fields},
        sep=",",
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        na_values=[""],
        engine="c",
    )
    if len(frame) != rows:  # cannot happen with the checks above; never misalign rows
        raise RuntimeError(f"CSV parser returned {len(frame)} rows for {rows} sentences")
    frame.columns = frame.columns + 1  # NMEA field numbers, the address being field 0
    return frame


def _number(frame: pd.DataFrame, column: int, scan: _Scan) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = frame[column]
    if values.dtype.kind in "fiub":
        return values.to_numpy(dtype=np.float64)
    numbers = pd.to_numeric(values, errors="coerce")
    scan.invalid_numbers += int((numbers.isna() & values.notna()).sum())
    return numbers.to_numpy(dtype=np.float64)


def _letters(frame: pd.DataFrame, column: int, values: dict[str, object] | None, missing: object) -> np.ndarray:
    """A one-letter field (read as categorical) mapped through ``values`` (None: as is)."""
    if column not in frame.columns:
        return np.full(len(frame), missing)
    field = frame[column].astype("category")
    names = [str(c) for c in field.cat.categories]
    table = np.array([*(name if values is None else values.get(name, missing) for name in names), missing])
    return table[field.cat.codes.to_numpy()]  # code -1 (empty) picks ``missing``


def _signs(frame: pd.DataFrame, column: int, positive: str, negative: str) -> np.ndarray:
    return _letters(frame, column, {positive: 1.0, negative: -1.0}, np.nan).astype(np.float64)


def _time_of_day(hhmmss: np.ndarray) -> np.ndarray:
    hours = np.floor(hhmmss / 10_000)
    minutes = np.floor(hhmmss / 100) - hours * 100
    seconds = hhmmss - hours * 10_000 - minutes * 100
    with np.errstate(invalid="ignore"):
        valid = (hhmmss >= 0) & (hours < 24) & (minutes < 60) & (seconds < 61)  # 60: leap second
    # Rounded to the microsecond: hhmmss.ss is not exact in binary floating point.
    return np.where(valid, np.round(hours * 3600 + minutes * 60 + seconds, 6), np.nan)


def _degrees(ddmm: np.ndarray, sign: np.ndarray) -> np.ndarray:
    degrees = np.trunc(ddmm / 100)
    minutes = ddmm - degrees * 100
    with np.errstate(invalid="ignore"):
        return np.where((minutes >= 0) & (minutes < 60), (degrees + minutes / 60) * sign, np.nan)


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (float, NaN for missing or impossible dates)."""
    with np.errstate(invalid="ignore"):
        valid = (year >= 1900) & (year < 2200) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    out = np.full(len(year), np.nan)
    if valid.any():
        months = ((year[valid] - 1970) * 12 + month[valid] - 1).astype(np.int64).astype("datetime64[M]")
        first = months.astype("datetime64[D]").astype(np.int64)
        length = (months + 1).astype("datetime64[D]").astype(np.int64) - first
        out[valid] = np.where(day[valid] <= length, first + day[valid] - 1, np.nan)
    return out


def _parse_gga(frame: pd.DataFrame, extras: dict[str, np.ndarray], scan: _Scan) -> dict[str, np.ndarray]:
    return {
        "line": extras["line"],
        "tod": _time_of_day(_number(frame, 1, scan)),
        "lat": _degrees(_number(frame, 2, scan), _signs(frame, 3, "N", "S")),
        "lon": _degrees(_number(frame, 4, scan), _signs(frame, 5, "E", "W")),
        "fix_quality": _number(frame, 6, scan),
        "sats_used": _number(frame, 7, scan),
        "hdop": _number(frame, 8, scan),
        "alt_m": _number(frame, 9, scan),
        "geoid_sep_m": _number(frame, 11, scan),
    }


def _parse_rmc(frame: pd.DataFrame, extras: dict[str, np.ndarray], scan: _Scan) -> dict[str, np.ndarray]:
    ddmmyy = _number(frame, 9, scan)
    yy = ddmmyy % 100
    year = np.where(yy >= 80, 1900 + yy, 2000 + yy)  # GPS began in 1980
    return {
        "line": extras["line"],
        "tod": _time_of_day(_number(frame, 1, scan)),
        "rmc_status": _letters(frame, 2, None, None).astype(object),
        "lat": _degrees(_number(frame, 3, scan), _signs(frame, 4, "N", "S")),
        "lon": _degrees(_number(frame, 5, scan), _signs(frame, 6, "E", "W")),
        "speed_kn": _number(frame, 7, scan),
        "course_deg": _number(frame, 8, scan),
        "date": _days(year, np.floor(ddmmyy / 100) % 100, np.floor(ddmmyy / 10_000)),
    }


def _parse_zda(frame: pd.DataFrame, extras: dict[str, np.ndarray], scan: _Scan) -> dict[str, np.ndarray]:
    return {
        "line": extras["line"],
        "tod": _time_of_day(_number(frame, 1, scan)),
        "date": _days(_number(frame, 4, scan), _number(frame, 3, scan), _number(frame, 2, scan)),
    }


def _constellation_codes(talker: np.ndarray) -> np.ndarray:
    unique, inverse = np.unique(talker, return_inverse=True)
    names = [TALKERS.get(chr(int(t) >> 8) + chr(int(t) & 255), "other") for t in unique]
    return np.array([CONSTELLATIONS.index(name) for name in names], dtype=np.int8)[inverse]


def _parse_gsa(frame: pd.DataFrame, extras: dict[str, np.ndarray], scan: _Scan) -> dict[str, np.ndarray]:
    system = _number(frame, 18, scan)  # NMEA 4.10+
    constellation = _constellation_codes(extras["talker"])
    for system_id, name in SYSTEM_IDS.items():
        constellation[system == system_id] = CONSTELLATIONS.index(name)
    prns = np.column_stack([_number(frame, c, scan) for c in range(3, 15)])
    return {
        "line": extras["line"],
        "constellation": constellation,
        "fix_mode": _number(frame, 2, scan),
        "prns": (~np.isnan(prns)).sum(axis=1).astype(np.float64),
        "pdop": _number(frame, 15, scan),
        "hdop": _number(frame, 16, scan),
        "vdop": _number(frame, 17, scan),
    }


def _parse_gsv(frame: pd.DataFrame, extras: dict[str, np.ndarray], scan: _Scan) -> dict[str, np.ndarray]:
    groups, left_over = np.divmod(extras["fields"] - 4, 4)
    satellites = groups + (left_over == 3)  # a last satellite may lack its SNR field
    prn, elevation, azimuth, cn0 = (
        np.column_stack([_number(frame, 4 + 4 * j + k, scan) for j in range(4)]) for k in range(4)
    )
    present = (np.arange(4)[None, :] < satellites[:, None]) & ~np.isnan(prn)
    flat = present.ravel()  # row-major: sentence by sentence, satellites in their order
    return {
        "line": extras["line"],
        "constellation": _constellation_codes(extras["talker"]),
        "in_view": _number(frame, 3, scan),
        "signal": extras["signal"],
        # One entry per satellite; sat_row is its sentence.
        "sat_row": np.repeat(np.arange(len(frame)), 4)[flat],
        "sat_prn": prn.ravel()[flat],
        "sat_elevation": elevation.ravel()[flat],
        "sat_azimuth": azimuth.ravel()[flat],
        "sat_cn0": cn0.ravel()[flat],
    }


_PARSERS = {"GGA": _parse_gga, "RMC": _parse_rmc, "ZDA": _parse_zda, "GSA": _parse_gsa, "GSV": _parse_gsv}


def _concat(kind: str, parts: list[dict[str, np.ndarray]], scan: _Scan) -> dict[str, np.ndarray]:
    if not parts:  # the same keys, empty
        none = np.zeros(0, dtype=np.int64)
        parts = [_PARSERS[kind](pd.DataFrame(), {"line": none, "talker": none, "fields": none, "signal": none}, scan)]
    offset = 0
    for part in parts:
        if "sat_row" in part:  # satellites point at their sentence: renumber across chunks
            part["sat_row"] = part["sat_row"] + offset
        offset += len(part["line"])
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


# -- epochs -----------------------------------------------------------------------------
def _per_epoch(epoch: np.ndarray, values: np.ndarray, n: int, which: str = "last") -> np.ndarray:
    """The last (or first) non-missing value per epoch; ``epoch`` is non-decreasing, -1 unused."""
    if values.dtype == object:
        out = np.full(n, None, dtype=object)
        present = (epoch >= 0) & pd.notna(values)
    else:
        out = np.full(n, np.nan)
        present = (epoch >= 0) & ~np.isnan(values)
    e, v = epoch[present], values[present]
    if len(e):
        pick = np.ones(len(e), dtype=bool)
        if which == "last":
            pick[:-1] = e[1:] != e[:-1]
        else:
            pick[1:] = e[1:] != e[:-1]
        out[e[pick]] = v[pick]
    return out


@dataclass
class _Epochs:
    """How sentences map to epochs."""

    n: int
    time_of_day: np.ndarray
    line: np.ndarray
    of: dict[str, np.ndarray]  # sentence type -> epoch of each sentence (-1: not used)


def _epoch_index(parsed: dict[str, dict[str, np.ndarray]], report: ReadReport) -> _Epochs:
    timed = [(kind, parsed[kind]) for kind in ("GGA", "RMC", "ZDA")]
    lines = np.concatenate([p["line"][~np.isnan(p["tod"])] for _, p in timed])
    tods = np.concatenate([p["tod"][~np.isnan(p["tod"])] for _, p in timed])
    if not len(lines):
        report.note("No sentence in the log carries a time: all of it is one epoch without time.")
        first = min(int(p["line"][0]) for p in parsed.values() if len(p["line"]))
        of = {kind: np.zeros(len(p["line"]), dtype=np.int64) for kind, p in parsed.items()}
        return _Epochs(1, np.full(1, np.nan), np.array([first]), of)

    order = np.argsort(lines, kind="stable")
    lines, tods = lines[order], tods[order]
    new = np.ones(len(tods), dtype=bool)
    new[1:] = tods[1:] != tods[:-1]
    epoch = np.cumsum(new) - 1
    of = {}
    for kind, p in timed:
        of[kind] = np.full(len(p["line"]), -1, dtype=np.int64)
        has_time = ~np.isnan(p["tod"])
        of[kind][has_time] = epoch[np.searchsorted(lines, p["line"][has_time])]
    untimed = sum(int((e < 0).sum()) for e in of.values())
    if untimed:
        report.note(f"{untimed:,} GGA/RMC/ZDA sentences without a time were not used.")
    first_line = lines[new]
    for kind in ("GSA", "GSV"):
        line = parsed[kind]["line"]
        # Forward fill; before the first time-bearing sentence: the first epoch.
        of[kind] = epoch[np.maximum(np.searchsorted(lines, line, side="right") - 1, 0)]
        if len(line):
            first_line[0] = min(first_line[0], int(line[0]))
    return _Epochs(int(epoch[-1]) + 1, tods[new], first_line, of)


def _assemble(parsed: dict[str, dict[str, np.ndarray]], report: ReadReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    epochs = _epoch_index(parsed, report)
    report.kept = sum(int((e >= 0).sum()) for e in epochs.of.values())

    def value(kind: str, key: str, which: str = "last") -> np.ndarray:
        return _per_epoch(epochs.of[kind], parsed[kind][key], epochs.n, which)

    columns: dict[str, np.ndarray | pd.Series] = {"time_of_day_s": epochs.time_of_day}
    for key in ("lat", "lon"):
        columns[key] = np.where(np.isnan(value("GGA", key)), value("RMC", key), value("GGA", key))
    for key in ("alt_m", "geoid_sep_m", "fix_quality"):
        columns[key] = value("GGA", key)
    columns["fix_mode"] = value("GSA", "fix_mode", "first")
    gsa_epoch = epochs.of["GSA"]
    prns = np.bincount(gsa_epoch, weights=parsed["GSA"]["prns"], minlength=epochs.n)
    has_gsa = np.bincount(gsa_epoch, minlength=epochs.n) > 0
    sats_used = value("GGA", "sats_used")
    columns["sats_used"] = np.where(np.isnan(sats_used) & has_gsa, prns, sats_used)
    hdop = value("GSA", "hdop", "first")
    columns["hdop"] = np.where(np.isnan(hdop), value("GGA", "hdop"), hdop)
    columns["pdop"] = value("GSA", "pdop", "first")
    columns["vdop"] = value("GSA", "vdop", "first")
    for key in ("speed_kn", "course_deg", "rmc_status"):
        columns[key] = value("RMC", key)
    columns.update(_in_view(parsed["GSV"], epochs, report))

    day = _epoch_days(epochs.time_of_day, value("RMC", "date"), value("ZDA", "date"), report)
    time_ns = np.full(epochs.n, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    dated = ~np.isnan(day) & ~np.isnan(epochs.time_of_day)
    microseconds = np.round(epochs.time_of_day[dated] * 1e6).astype(np.int64)
    time_ns[dated] = day[dated].astype(np.int64) * _NS_PER_DAY + microseconds * 1000
    times = pd.Series(pd.to_datetime(time_ns.view("datetime64[ns]"), utc=True))

    satellites = _satellites(parsed["GSV"], epochs.of["GSV"], times)
    cn0 = satellites["cn0_dbhz"].to_numpy()
    tracked = ~np.isnan(cn0)
    sat_epoch = satellites["epoch"].to_numpy()[tracked]
    counts = np.bincount(sat_epoch, minlength=epochs.n)
    sums = np.bincount(sat_epoch, weights=cn0[tracked], minlength=epochs.n)
    columns["mean_cn0_dbhz"] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    columns["line"] = epochs.line.astype(np.int64)
    columns["time"] = times
    return pd.DataFrame({name: columns[name] for name in EPOCH_COLUMNS}, copy=False), satellites


def _in_view(gsv: dict[str, np.ndarray], epochs: _Epochs, report: ReadReport) -> dict[str, np.ndarray]:
    if not len(gsv["line"]):
        report.note("The log has no GSV sentences: satellites in view and C/N0 are unknown.")
    elif (gsv["constellation"] == CONSTELLATIONS.index("multi")).any():
        report.note("GSV sentences of the GN talker name no constellation: their satellites are 'multi'.")
    columns = {}
    for name in IN_VIEW:
        in_view = np.full(epochs.n, 0.0 if len(gsv["line"]) else np.nan)
        mine = (gsv["constellation"] == CONSTELLATIONS.index(name)) & ~np.isnan(gsv["in_view"])
        # Signal groups (L1, L5, ...) each count the satellites they see: take the largest.
        np.maximum.at(in_view, epochs.of["GSV"][mine], gsv["in_view"][mine])
        columns[f"sats_in_view_{name.lower()}"] = in_view
    return columns


def _epoch_days(tod: np.ndarray, rmc_day: np.ndarray, zda_day: np.ndarray, report: ReadReport) -> np.ndarray:
    """Day number (since 1970-01-01) of each epoch: its own date, else carried from a dated one."""
    own = np.where(np.isnan(zda_day), rmc_day, zda_day)
    dated = np.flatnonzero(~np.isnan(own))
    if not len(dated):
        report.note("no RMC/ZDA date in the log: times carry no date")
        return np.full(len(tod), np.nan)
    midnight = np.zeros(len(tod), dtype=np.int64)
    midnight[1:] = tod[1:] < tod[:-1] - _MIDNIGHT_JUMP_S
    rollovers = np.cumsum(midnight)
    # Each epoch's anchor: the last dated epoch at or before it, else the first dated one.
    anchor = np.maximum.accumulate(np.where(~np.isnan(own), np.arange(len(tod)), -1))
    anchor[anchor < 0] = dated[0]
    return own[anchor] + (rollovers - rollovers[anchor])


def _satellites(gsv: dict[str, np.ndarray], sentence_epoch: np.ndarray, times: pd.Series) -> pd.DataFrame:
    row = gsv["sat_row"]
    epoch = sentence_epoch[row]
    constellation = gsv["constellation"][row]
    prn = gsv["sat_prn"].astype(np.int64)
    signal = gsv["signal"][row]
    keep = ~_repeated(epoch, constellation, prn, signal)
    columns = {
        "time": times.take(epoch[keep]).reset_index(drop=True),
        "epoch": epoch[keep].astype(np.int64),
        "constellation": pd.Categorical.from_codes(constellation[keep], categories=CONSTELLATIONS),
        "prn": prn[keep],
        "elevation_deg": gsv["sat_elevation"][keep],
        "azimuth_deg": gsv["sat_azimuth"][keep],
        "cn0_dbhz": gsv["sat_cn0"][keep],
        "signal_id": signal[keep],
    }
    return pd.DataFrame(columns, copy=False)  # fresh arrays: no need to copy them into blocks


def _repeated(epoch: np.ndarray, constellation: np.ndarray, prn: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """True for the rows whose (epoch, constellation, prn, signal) comes again later."""
    signal_code = np.where(np.isnan(signal), 16, signal).astype(np.int64)  # ids are one hex digit
    if len(prn) and (prn.min() < 0 or prn.max() >= 4096):  # too wide for one key: slower, general
        keys = pd.DataFrame({"e": epoch, "c": constellation, "p": prn, "s": signal_code})
        return keys.duplicated(keep="last").to_numpy()
    key = ((epoch * 8 + constellation) * 4096 + prn) * 32 + signal_code
    # Rows come epoch by epoch, in runs of increasing PRN: a stable (tim)sort of such keys
    # is many times faster than hashing them. Equal keys stay in file order, so all but
    # the last of each run of equal keys are repeated later.
    order = np.argsort(key, kind="stable")
    repeated = np.zeros(len(key), dtype=bool)
    repeated[order[:-1][key[order[:-1]] == key[order[1:]]]] = True
    return repeated
