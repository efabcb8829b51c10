"""BeiDou grid codes (GB/T 39409-2020) of many points at once: the rules of :mod:`.beidou_grid`, vectorised.

Codes are built as fixed-width ASCII byte arrays (one row per point, one column per
character) with NumPy integer arithmetic on the same 1/2048" units as the one-point
functions, so both give identical codes, edges included; a Python loop over
:func:`.beidou_grid.encode` is about twenty times slower (``bench/navcomm_beidou.py``).
No library codes BeiDou grids in Python, hence this module.
"""

from __future__ import annotations

import numpy as np

from ..common.errors import InputError
from ..common.progress import CancelCheck, ProgressCallback, check_canceled, never_canceled, no_progress
from .beidou_grid import (
    _LOG_BASE,
    _TOTAL_HEIGHT_BITS,
    _Z_ORDER_LEVELS,
    CELL_UNITS,
    CODE_LENGTHS,
    EARTH_RADIUS,
    HEIGHT_BITS,
    HEIGHT_SCALE,
    LEVEL_CHARS,
    MAX_GRID_CELLS,
    MAX_LATITUDE,
    UNITS_PER_DEGREE,
)

_DIGITS = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
#: ASCII byte -> digit value (hexadecimal), 255 for anything else.
_VALUES = np.full(256, 255, dtype=np.uint8)
_VALUES[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_VALUES[np.frombuffer(b"ABCDEF", dtype=np.uint8)] = np.arange(10, 16)
_LEVEL_OF_LENGTH = {length: level for length, level in CODE_LENGTHS.items()}


def _check_level(level: int) -> None:
    if level not in CELL_UNITS:
        raise InputError(f"BeiDou grid level must be 1 to 10 (got {level})", field="level")


def _coordinates(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=np.float64).ravel()
    lat = np.asarray(lat, dtype=np.float64).ravel()
    if lon.shape != lat.shape:
        raise InputError(f"{lon.size} longitudes but {lat.size} latitudes")
    return lon, lat


def codable_mask(lon, lat) -> np.ndarray:
    """True where a point can be coded: finite, ``|lon| <= 180``, ``|lat| < 88``."""
    lon, lat = _coordinates(lon, lat)
    with np.errstate(invalid="ignore"):
        return np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0) & (np.abs(lat) < MAX_LATITUDE)


def encode_chars(lon, lat, level: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """2D codes as an ``(N, length)`` uint8 array of ASCII characters, and the mask of codable points.

    Rows of points that cannot be coded hold the code of (0, 0); use the mask.
    """
    _check_level(level)
    lon, lat = _coordinates(lon, lat)
    valid = codable_mask(lon, lat)
    lon, lat = np.where(valid, lon, 0.0), np.where(valid, lat, 0.0)
    # The same float operations as beidou_grid.encode, so both agree to the unit.
    scaled = np.abs(lon) * UNITS_PER_DEGREE
    u_lon = np.where(lon >= 0, np.floor(scaled), np.maximum(np.ceil(scaled) - 1, 0)).astype(np.int64)
    u_lat = np.floor(np.abs(lat) * UNITS_PER_DEGREE).astype(np.int64)
    zone = np.minimum(np.floor(lon / 6.0) + 31, 60).astype(np.int64)
    # One row per character (contiguous writes), transposed once at the end.
    rows = np.empty((sum(LEVEL_CHARS[k] for k in range(1, level + 1)), lon.size), dtype=np.uint8)
    rows[0] = np.where(lat >= 0, ord("N"), ord("S"))
    rows[1] = ord("0") + zone // 10
    rows[2] = ord("0") + zone % 10
    band, rem_lat = _divmod(u_lat, CELL_UNITS[1][1])
    rows[3] = ord("A") + band
    rem_lon = _divmod(u_lon, CELL_UNITS[1][0])[1]
    pos = 4
    for k in range(2, min(level, 6) + 1):
        size_lon, size_lat = CELL_UNITS[k]
        col, rem_lon = _divmod(rem_lon, size_lon)
        row, rem_lat = _divmod(rem_lat, size_lat)
        if k in _Z_ORDER_LEVELS:
            rows[pos] = ord("0") + 2 * row + col
        else:
            rows[pos] = _DIGITS[col]
            rows[pos + 1] = _DIGITS[row]
        pos += LEVEL_CHARS[k]
    # Levels 7-10 split the 2" cell (4096 units) into 8 x 8 four times: three bits each.
    for k in range(7, level + 1):
        shift = 3 * (10 - k)
        rows[pos] = ord("0") + ((rem_lon >> shift) & 7)
        rows[pos + 1] = ord("0") + ((rem_lat >> shift) & 7)
        pos += 2
    return np.ascontiguousarray(rows.T), valid


def _divmod(values: np.ndarray, divisor: int) -> tuple[np.ndarray, np.ndarray]:
    # numpy's divmod of int64 arrays is five times slower than // and a multiply.
    quotient = values // divisor
    return quotient, values - quotient * divisor


def codes_to_list(chars: np.ndarray, valid: np.ndarray) -> list[str | None]:
    """Python strings of a character array; None where ``valid`` is False."""
    width = chars.shape[1]
    # One decode of the whole buffer and slices of it: faster than numpy's bytes -> str casts.
    text = np.ascontiguousarray(chars).tobytes().decode("ascii")
    codes = [text[i : i + width] for i in range(0, len(text), width)]
    for i in np.flatnonzero(~valid).tolist():
        codes[i] = None
    return codes


def to_cgcs2000(crs, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (CGCS2000, EPSG:4490, the grid's frame) of points in ``crs``.

    ``crs``: anything pyproj reads (``"EPSG:4548"``, WKT). NaN coordinates stay NaN.
    """
    from pyproj import Transformer

    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.size == 0:
        return x.copy(), y.copy()
    transformer = Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
    # pyproj takes its one-point path for one-element arrays (a DeprecationWarning under
    # numpy >= 1.25): transform at least two points and drop the extra one.
    lon, lat = transformer.transform(np.append(x, x[:1]), np.append(y, y[:1]))
    return np.asarray(lon)[:-1], np.asarray(lat)[:-1]


# -- heights and 3D codes ---------------------------------------------------------------------------
def _height_at(k: np.ndarray) -> np.ndarray:
    return EARTH_RADIUS * np.expm1(k * _LOG_BASE / HEIGHT_SCALE)


def height_indices(height) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sign, n, valid) of many heights, as :func:`.beidou_grid.height_index` gives them one by one."""
    height = np.asarray(height, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = np.isfinite(height) & (height > -EARTH_RADIUS)
        h = np.where(valid, height, 0.0)
        k = np.floor(HEIGHT_SCALE * np.log1p(h / EARTH_RADIUS) / _LOG_BASE)
        # One ulp of disagreement between log and exp: step into the cell holding h.
        k -= h < _height_at(k)
        k += h >= _height_at(k + 1)
    valid &= np.abs(k) < 2.0**_TOTAL_HEIGHT_BITS
    k = np.where(valid, k, 0).astype(np.int64)
    return (k < 0).astype(np.uint8), np.abs(k), valid


def _layout_3d(level: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Where the 2D characters 1.. go in a 3D code, and where each level's height characters go."""
    to_3d, heights, pos = [], [], 2
    for k in range(1, level + 1):
        width = LEVEL_CHARS[k] - (1 if k == 1 else 0)
        to_3d += list(range(pos, pos + width))
        pos += width
        heights.append((pos, 2 if k == 1 else 1))
        pos += heights[-1][1]
    return to_3d, heights


def encode_chars_3d(lon, lat, height, level: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """3D codes as an ``(N, length)`` uint8 array, and the mask of points (and heights) that could be coded."""
    chars_2d, valid = encode_chars(lon, lat, level)
    sign, n, valid_h = height_indices(height)
    if sign.size != valid.size:
        raise InputError(f"{valid.size} points but {sign.size} heights")
    to_3d, heights = _layout_3d(level)
    chars = np.empty((valid.size, heights[-1][0] + heights[-1][1]), dtype=np.uint8)
    chars[:, 0] = chars_2d[:, 0]
    chars[:, 1] = _DIGITS[sign]
    chars[:, to_3d] = chars_2d[:, 1:]
    shift = _TOTAL_HEIGHT_BITS
    for k, (pos, width) in enumerate(heights, start=1):
        shift -= HEIGHT_BITS[k - 1]
        value = (n >> shift) & ((1 << HEIGHT_BITS[k - 1]) - 1)
        if width == 2:  # level 1: two decimal digits
            chars[:, pos] = _DIGITS[value // 10]
            chars[:, pos + 1] = _DIGITS[value % 10]
        else:
            chars[:, pos] = _DIGITS[value]
    return chars, valid & valid_h


# -- decoding ---------------------------------------------------------------------------------------
def _as_char_array(codes) -> np.ndarray:
    """(N, width) uint8 upper-case ASCII of the codes, zero-padded on the right."""
    if isinstance(codes, (list, tuple)) and all(isinstance(c, str) for c in codes):
        try:  # numpy encodes str as ASCII straight into fixed-width bytes (fast)
            codes = np.array(codes, dtype="S")
        except UnicodeEncodeError:
            raise InputError("BeiDou grid codes are ASCII letters and digits only") from None
    array = np.asarray(codes)
    if array.dtype.kind == "U":
        try:
            array = np.char.encode(array, "ascii")
        except UnicodeEncodeError:
            raise InputError("BeiDou grid codes are ASCII letters and digits only") from None
    elif array.dtype.kind != "S":
        bad = next((c for c in array.ravel().tolist() if not isinstance(c, str)), None)
        raise InputError(f"{bad!r} is not a BeiDou grid code")
    array = array.ravel()
    width = max(array.dtype.itemsize, 1)
    chars = np.frombuffer(array.astype(f"S{width}").tobytes(), dtype=np.uint8).reshape(array.size, width).copy()
    lower = (chars >= ord("a")) & (chars <= ord("z"))
    chars[lower] -= 32
    return chars


def decode_arrays(codes) -> dict[str, np.ndarray]:
    """Cells of 2D codes (any mix of levels): ``west``, ``south``, ``east``, ``north`` (degrees), ``level``."""
    chars = _as_char_array(codes)
    lengths = (chars != 0).sum(axis=1)
    out = {name: np.empty(len(chars)) for name in ("west", "south", "east", "north")}
    out["level"] = np.zeros(len(chars), dtype=np.int64)
    for length in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == length)
        level = _LEVEL_OF_LENGTH.get(length)
        if level is None or (chars[rows, length:] != 0).any():
            raise InputError(f"'{_text(chars[rows[0]])}' is not a BeiDou grid code (lengths 4, 6, 7, 9, ... 20)")
        cells = _decode_level(chars[rows, :length], level)
        for name, values in zip(("west", "south", "east", "north"), cells):
            out[name][rows] = values
        out["level"][rows] = level
    return out


def _text(row: np.ndarray) -> str:
    return row[row != 0].tobytes().decode("ascii", "replace")


def _refuse(chars: np.ndarray, bad: np.ndarray, why: str) -> None:
    if bad.any():
        raise InputError(f"'{_text(chars[np.flatnonzero(bad)[0]])}' is not a BeiDou grid code: {why}")


def _decode_level(chars: np.ndarray, level: int) -> tuple[np.ndarray, ...]:
    values = _VALUES[chars]
    _refuse(chars, (chars[:, 0] != ord("N")) & (chars[:, 0] != ord("S")), "it must start with N or S")
    zone = values[:, 1].astype(np.int64) * 10 + values[:, 2]
    band = chars[:, 3].astype(np.int64) - ord("A")
    _refuse(chars, (values[:, 1] > 9) | (values[:, 2] > 9) | (zone < 1) | (zone > 60), "zone not 01-60")
    _refuse(chars, (band < 0) | (band >= MAX_LATITUDE / 4), "latitude band letter not A-V")
    west_of_greenwich = zone <= 30
    u_lon = np.where(west_of_greenwich, 30 - zone, zone - 31) * CELL_UNITS[1][0]
    u_lat = band * CELL_UNITS[1][1]
    pos = 4
    for k in range(2, level + 1):
        size_lon, size_lat = CELL_UNITS[k]
        span_lon, span_lat = CELL_UNITS[k - 1][0] // size_lon, CELL_UNITS[k - 1][1] // size_lat
        if k in _Z_ORDER_LEVELS:
            digit = values[:, pos].astype(np.int64)
            _refuse(chars, digit >= span_lon * span_lat, f"level {k} digit out of range")
            col, row = digit % 2, digit // 2
        else:
            col, row = values[:, pos].astype(np.int64), values[:, pos + 1].astype(np.int64)
            _refuse(chars, (col >= span_lon) | (row >= span_lat), f"level {k} index outside its parent cell")
        u_lon = u_lon + col * size_lon
        u_lat = u_lat + row * size_lat
        pos += LEVEL_CHARS[k]
    size_lon, size_lat = CELL_UNITS[level]
    a_lon, b_lon = u_lon / UNITS_PER_DEGREE, (u_lon + size_lon) / UNITS_PER_DEGREE
    a_lat, b_lat = u_lat / UNITS_PER_DEGREE, (u_lat + size_lat) / UNITS_PER_DEGREE
    west = np.where(west_of_greenwich, -b_lon, a_lon)
    east = np.where(west_of_greenwich, -a_lon, b_lon)
    south_hemisphere = chars[:, 0] == ord("S")
    south = np.where(south_hemisphere, -b_lat, a_lat)
    north = np.where(south_hemisphere, -a_lat, b_lat)
    return west, south, east, north


# -- grids of cells ---------------------------------------------------------------------------------
def _lattice(low: float, high: float, size: float) -> np.ndarray:
    """Lower edges of the cells of ``size`` meeting [low, high] (cells aligned on 0)."""
    first = int(np.floor(low / size))
    last = max(int(np.ceil(high / size)) - 1, first)
    return np.arange(first, last + 1) * size


def grid_cell_count(west: float, south: float, east: float, north: float, level: int) -> int:
    """How many level-``level`` cells meet the extent (degrees)."""
    _check_extent(west, south, east, north, level)
    size_lon, size_lat = (v / UNITS_PER_DEGREE for v in CELL_UNITS[level])
    return len(_lattice(west, east, size_lon)) * len(_lattice(south, north, size_lat))


def _check_extent(west: float, south: float, east: float, north: float, level: int) -> None:
    _check_level(level)
    if not all(np.isfinite(v) for v in (west, south, east, north)):
        raise InputError("the extent has a coordinate that is not a number")
    if east < west or north < south:
        raise InputError("the extent is empty (east < west or north < south)")
    if west < -180.0 or east > 180.0:
        raise InputError(f"the extent {west:g}..{east:g} E leaves -180..180 degrees of longitude")
    if south < -MAX_LATITUDE or north > MAX_LATITUDE:
        raise InputError(
            f"the extent {south:g}..{north:g} N leaves the +/-{MAX_LATITUDE:g} degree band the grid codes cover here "
            "(the polar caps have their own rules)"
        )


def grid_cell_arrays(
    west: float,
    south: float,
    east: float,
    north: float,
    level: int,
    progress: ProgressCallback = no_progress,
    is_canceled: CancelCheck = never_canceled,
) -> dict:
    """Every level-``level`` cell meeting the extent (degrees), rows from south to north.

    Returns ``code`` (list of str) and ``west``, ``south``, ``east``, ``north`` arrays.
    Each cell is found by coding its centre (inside the cell whatever the edge rule) and
    decoding the code. Raises :class:`InputError` when they would be more than
    :data:`.beidou_grid.MAX_GRID_CELLS` (choose a coarser level or a smaller extent).
    """
    _check_extent(west, south, east, north, level)
    size_lon, size_lat = (v / UNITS_PER_DEGREE for v in CELL_UNITS[level])
    lons, lats = _lattice(west, east, size_lon), _lattice(south, north, size_lat)
    count = lons.size * lats.size
    if count > MAX_GRID_CELLS:
        raise InputError(
            f"level {level} over this extent makes {count:,} cells (at most {MAX_GRID_CELLS:,}): "
            "choose a coarser level or a smaller extent",
            field="level",
        )
    codes: list[str] = []
    bounds: list[tuple[np.ndarray, ...]] = []
    rows_per_chunk = max(1, 100_000 // max(lons.size, 1))
    for start in range(0, lats.size, rows_per_chunk):
        check_canceled(is_canceled)
        y = lats[start : start + rows_per_chunk]
        cx, cy = np.meshgrid(lons + size_lon / 2, y + size_lat / 2)
        chars, _ = encode_chars(cx, cy, level)
        codes += codes_to_list(chars, np.ones(len(chars), dtype=bool))
        bounds.append(_decode_level(chars, level))
        progress(min(1.0, (start + len(y)) / lats.size))
    stacked = [np.concatenate([b[i] for b in bounds]) for i in range(4)]
    return {"code": codes, "west": stacked[0], "south": stacked[1], "east": stacked[2], "north": stacked[3]}
