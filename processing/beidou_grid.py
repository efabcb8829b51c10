"""BeiDou grid location codes (北斗网格位置码, GB/T 39409-2020): two-dimensional codes and heights.

Implemented from the standard's level rules (as the issue states them, checked by hand on
its worked example); no library offers them in Python.

Two-dimensional code, levels 1-10 (cell sizes in longitude x latitude):

====== ===================== ============= ==================================
level  cell                  divisions     characters added
====== ===================== ============= ==================================
1      6 deg x 4 deg         (zones)       ``N``/``S``, zone ``floor(lon/6)+31``
                                           (2 digits), letter ``A + floor(|lat|/4)``
2      30' x 30'             12 x 8        column, row (hexadecimal)
3      15' x 10'             2 x 3         one Z-order digit ``2 row + column``
4      1' x 1'               15 x 10       column, row (hexadecimal)
5      4" x 4"               15 x 15       column, row (hexadecimal)
6      2" x 2"               2 x 2         one Z-order digit
7-10   1/4", 1/32", 1/256",  8 x 8 each    column, row (octal digits)
       1/2048"
====== ===================== ============= ==================================

Code lengths 4, 6, 7, 9, 11, 12, 14, 16, 18, 20. Indices count away from the equator and
the prime meridian (mirrored in the southern and western hemispheres): they are taken
from ``|lat|`` and ``|lon|``. Arithmetic is in whole units of 1/2048 arc-second (the
level-10 cell), so cell edges are exact integers and never suffer from float rounding.

Cell edges: a point on an edge belongs to the cell farther from the equator in
latitude (``floor(|lat| / size)``, as the level-1 letter rule says) and, in longitude,
to the cell the zone rule ``floor(lon / 6) + 31`` gives: east of Greenwich the cell
farther from the prime meridian, west of it the nearer one. :func:`decode` returns the
cell with the same convention, so it always contains the point that was encoded.

Heights (the third dimension): ``n = floor((theta0/theta) ln((H + r)/r) / ln(1 + theta0))``
with ``theta0`` = 1 degree (in radians inside the logarithm), ``theta`` = 1/2048", ``r``
= 6 378 137 m; :func:`height_index` and :func:`height_range` give the index and the
height interval it stands for, :func:`height_bits` the bits per level (6, 3, 1, 4, 4, 1,
3, 3, 3, 3) that the three-dimensional code spreads over the levels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..common.errors import InputError

#: 1/2048 arc-second per unit; units per degree.
UNITS_PER_DEGREE = 3600 * 2048
#: Cell size of each level in units (longitude, latitude); level 0 is the whole zone row.
CELL_UNITS = {
    1: (6 * UNITS_PER_DEGREE, 4 * UNITS_PER_DEGREE),
    2: (1800 * 2048, 1800 * 2048),
    3: (900 * 2048, 600 * 2048),
    4: (60 * 2048, 60 * 2048),
    5: (4 * 2048, 4 * 2048),
    6: (2 * 2048, 2 * 2048),
    7: (512, 512),
    8: (64, 64),
    9: (8, 8),
    10: (1, 1),
}
#: Characters each level adds, and the total length of a code of each level.
LEVEL_CHARS = {1: 4, 2: 2, 3: 1, 4: 2, 5: 2, 6: 1, 7: 2, 8: 2, 9: 2, 10: 2}
CODE_LENGTHS = {sum(LEVEL_CHARS[k] for k in range(1, level + 1)): level for level in range(1, 11)}
_Z_ORDER_LEVELS = (3, 6)
#: Latitudes covered: the polar caps above 88 degrees have their own rules in the standard.
MAX_LATITUDE = 88.0

EARTH_RADIUS = 6_378_137.0
THETA0 = math.radians(1.0)
#: theta0 / theta: one degree in 1/2048 arc-seconds.
HEIGHT_SCALE = UNITS_PER_DEGREE
HEIGHT_BITS = (6, 3, 1, 4, 4, 1, 3, 3, 3, 3)


@dataclass(frozen=True)
class Cell:
    """A grid cell in WGS 84 / CGCS2000 degrees: ``[west, east) x [south, north)`` as the edges rule says."""

    code: str
    level: int
    west: float
    south: float
    east: float
    north: float

    def contains(self, lon: float, lat: float) -> bool:
        """True when the point is in the cell, edges as the module's description says."""
        in_lat = (self.south <= lat < self.north) if self.north > 0 else (self.south < lat <= self.north)
        return self.west <= lon < self.east and in_lat


def _check(lon: float, lat: float, level: int) -> None:
    if level not in CELL_UNITS:
        raise InputError(f"BeiDou grid level must be 1 to 10 (got {level})", field="level")
    if not (-180.0 <= lon <= 180.0) or not math.isfinite(lon):
        raise InputError(f"longitude {lon} is outside -180..180 degrees", field="longitude")
    if not (-MAX_LATITUDE < lat < MAX_LATITUDE) or not math.isfinite(lat):
        raise InputError(
            f"latitude {lat} is outside the +/-{MAX_LATITUDE:g} degree band the grid codes cover here "
            "(the polar caps have their own rules)",
            field="latitude",
        )


def _units(value: float) -> int:
    return math.floor(abs(value) * UNITS_PER_DEGREE)


def encode(lon: float, lat: float, level: int = 10) -> str:
    """The two-dimensional BeiDou grid code of a point (degrees, WGS 84 / CGCS2000) at ``level``."""
    _check(lon, lat, level)
    zone = min(math.floor(lon / 6.0) + 31, 60)
    u_lat = _units(lat)
    # West of Greenwich a cell is (a, a + size] in |lon| (the zone rule puts an edge in the
    # cell nearer the meridian): the unit holding |lon| is then ceil(|lon|) - 1.
    u_lon = _units(lon) if lon >= 0 else max(math.ceil(abs(lon) * UNITS_PER_DEGREE) - 1, 0)
    code = ["N" if lat >= 0 else "S", f"{zone:02d}", chr(ord("A") + u_lat // CELL_UNITS[1][1])]
    rem_lon, rem_lat = u_lon % CELL_UNITS[1][0], u_lat % CELL_UNITS[1][1]
    for k in range(2, level + 1):
        size_lon, size_lat = CELL_UNITS[k]
        col, row = rem_lon // size_lon, rem_lat // size_lat
        rem_lon, rem_lat = rem_lon % size_lon, rem_lat % size_lat
        if k in _Z_ORDER_LEVELS:
            code.append(str(2 * row + col))
        else:
            code.append(f"{col:X}{row:X}")
    return "".join(code)


def decode(code: str) -> Cell:
    """The cell a two-dimensional BeiDou grid code stands for."""
    text = code.strip().upper()
    level = CODE_LENGTHS.get(len(text))
    if level is None or text[0] not in "NS" or not text[1:3].isdigit():
        raise InputError(f"'{code}' is not a BeiDou grid code (lengths 4, 6, 7, 9, 11, 12, 14, 16, 18 or 20)")
    zone = int(text[1:3])
    band = ord(text[3]) - ord("A")
    if not 1 <= zone <= 60 or not 0 <= band < MAX_LATITUDE / 4:
        raise InputError(f"'{code}': zone {zone} or latitude band {text[3]} out of range")
    west_of_greenwich = zone <= 30
    u_lon = (30 - zone if west_of_greenwich else zone - 31) * CELL_UNITS[1][0]
    u_lat = band * CELL_UNITS[1][1]
    pos = 4
    for k in range(2, level + 1):
        size_lon, size_lat = CELL_UNITS[k]
        parent_lon, parent_lat = CELL_UNITS[k - 1]
        try:
            if k in _Z_ORDER_LEVELS:
                digit = int(text[pos])
                col, row = digit % 2, digit // 2
                pos += 1
            else:
                col, row = int(text[pos], 16), int(text[pos + 1], 16)
                pos += 2
        except ValueError:
            raise InputError(f"'{code}': character {pos + 1} is not a digit of level {k}") from None
        if col * size_lon >= parent_lon or row * size_lat >= parent_lat:
            raise InputError(f"'{code}': level {k} index ({col}, {row}) outside its parent cell")
        u_lon += col * size_lon
        u_lat += row * size_lat
    size_lon, size_lat = CELL_UNITS[level]
    # Back from |lon|, |lat| units to signed degrees; west cells hold (a, a + size] in |lon|.
    a_lon, b_lon = u_lon / UNITS_PER_DEGREE, (u_lon + size_lon) / UNITS_PER_DEGREE
    a_lat, b_lat = u_lat / UNITS_PER_DEGREE, (u_lat + size_lat) / UNITS_PER_DEGREE
    west, east = (-b_lon, -a_lon) if west_of_greenwich else (a_lon, b_lon)
    south, north = (-b_lat, -a_lat) if text[0] == "S" else (a_lat, b_lat)
    return Cell(text, level, west, south, east, north)


def parent(code: str, level: int) -> str:
    """The code of the level-``level`` cell holding ``code``'s cell."""
    length = next(n for n, k in CODE_LENGTHS.items() if k == level)
    if len(code) < length:
        raise InputError(f"'{code}' is coarser than level {level}")
    return code[:length]


# -- heights ------------------------------------------------------------------------------------
def height_index(height: float) -> tuple[int, int]:
    """(sign, n): the height cell of ``height`` metres (ellipsoidal); sign 1 below the ellipsoid."""
    if not math.isfinite(height) or height <= -EARTH_RADIUS:
        raise InputError(f"height {height} m cannot be coded", field="height")
    ratio = math.log((abs(height) + EARTH_RADIUS) / EARTH_RADIUS) / math.log(1.0 + THETA0)
    n = math.floor(HEIGHT_SCALE * ratio)
    if n >= 2 ** sum(HEIGHT_BITS):
        raise InputError(f"height {height} m is beyond the grid's range", field="height")
    return (1 if height < 0 else 0), n


def height_range(sign: int, n: int) -> tuple[float, float]:
    """The heights (m) of height cell ``n``: [low, high) above the ellipsoid, mirrored below it."""

    def h(k: int) -> float:
        return EARTH_RADIUS * (math.exp(k / HEIGHT_SCALE * math.log(1.0 + THETA0)) - 1.0)

    low, high = h(n), h(n + 1)
    return (-high, -low) if sign else (low, high)


def height_bits(n: int) -> list[int]:
    """The value each level contributes to a height index (most significant first: 6, 3, 1, 4, ... bits)."""
    parts = []
    shift = sum(HEIGHT_BITS)
    for bits in HEIGHT_BITS:
        shift -= bits
        parts.append((n >> shift) & ((1 << bits) - 1))
    return parts


def join_height_bits(parts: list[int]) -> int:
    """The height index from its per-level values (the inverse of :func:`height_bits`)."""
    n = 0
    for bits, value in zip(HEIGHT_BITS, parts):
        if not 0 <= value < 1 << bits:
            raise InputError(f"height digit {value} does not fit {bits} bits")
        n = (n << bits) | value
    return n


# -- many points, and grids of cells ---------------------------------------------------------------
def encode_many(lon, lat, level: int = 10) -> list[str]:
    """:func:`encode` of arrays of points (NaN coordinates give None)."""
    import numpy as np

    lon, lat = np.asarray(lon, dtype=np.float64).ravel(), np.asarray(lat, dtype=np.float64).ravel()
    if lon.shape != lat.shape:
        raise InputError(f"{lon.size} longitudes but {lat.size} latitudes")
    return [None if not (math.isfinite(x) and math.isfinite(y)) else encode(x, y, level) for x, y in zip(lon, lat)]


#: Most cells :func:`grid_cells` makes at once (a layer of a million polygons is already slow in QGIS).
MAX_GRID_CELLS = 1_000_000


def grid_cells(west: float, south: float, east: float, north: float, level: int) -> list[Cell]:
    """Every level-``level`` cell meeting the extent (degrees), in rows from south to north.

    Raises :class:`InputError` when they would be more than :data:`MAX_GRID_CELLS`
    (choose a coarser level or a smaller extent).
    """
    _check(west, south, level)
    _check(east, north, level)
    if east < west or north < south:
        raise InputError("the extent is empty (east < west or north < south)")
    size_lon, size_lat = (v / UNITS_PER_DEGREE for v in CELL_UNITS[level])
    # Cell origins on the level's lattice (it is aligned on whole units of every level
    # from the meridian and the equator, in both hemispheres).
    lons = _lattice(west, east, size_lon)
    lats = _lattice(south, north, size_lat)
    count = len(lons) * len(lats)
    if count > MAX_GRID_CELLS:
        raise InputError(
            f"level {level} over this extent makes {count:,} cells (at most {MAX_GRID_CELLS:,}): "
            "choose a coarser level or a smaller extent",
            field="level",
        )
    cells = []
    for y in lats:
        for x in lons:
            # The centre of a cell is inside it whatever the edge rule: code it, decode it.
            cells.append(decode(encode(x + size_lon / 2, y + size_lat / 2, level)))
    return cells


def _lattice(low: float, high: float, size: float) -> list[float]:
    """Lower edges of the cells of ``size`` meeting [low, high] (cells aligned on 0)."""
    first = math.floor(low / size)
    last = max(math.ceil(high / size) - 1, first)
    return [k * size for k in range(first, last + 1)]
