"""BeiDou grid location codes (北斗网格位置码, GB/T 39409-2020): two- and three-dimensional codes.

Implemented from the standard's level rules (as the issue states them, checked by hand on
its worked example); no library offers them in Python. Arrays of points are coded by
:mod:`.beidou_arrays` (vectorised, the same rules); this module holds the rules and the
one-point functions.

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
farther from the prime meridian, west of it the nearer one (so in signed longitude every
cell is ``[west, east)``). :func:`decode` returns the cell with the same convention, so
it always contains the point that was encoded.

Heights (the third dimension)
-----------------------------
``n = floor((theta0/theta) ln((H + r)/r) / ln(1 + theta0))`` with ``theta0`` = 1 degree
(in radians inside the logarithm), ``theta`` = 1/2048", ``r`` = 6 378 137 m and ``H`` the
height above the ellipsoid. The formula is applied to the signed height: below the
ellipsoid ``n`` is negative, the sign bit is 1 and the code carries ``|n|``. Height cells
are therefore one geometric progression of radii ``r (1 + theta0)^(k theta/theta0)``
through the ellipsoid, each cell ``[bottom, top)`` on both sides; ``|n|`` < 2**31. The
31 bits of ``|n|`` are spread over the levels, most significant first: 6, 3, 1, 4, 4, 1,
3, 3, 3, 3 bits. A level-10 height cell is about 1.5 cm thick near the ground (about
the side of a level-10 cell); at level ``k`` the height cell is the union of the
level-10 cells sharing the first ``k`` groups of bits.

Three-dimensional code layout (32 characters at level 10): the 2D code's hemisphere
letter, then the height sign (``0`` above the ellipsoid, ``1`` below), then for each
level its 2D characters followed by its height characters: level 1 two decimal digits
(``00``-``63``), 3 bits one octal digit, 1 bit ``0``/``1``, 4 bits one hexadecimal digit
(``0``-``F``). Example (the issue's point, ``H`` = 50 m, ``n`` = 3340 = 0b110100001100)::

    N 0 | 50J 00 | 47 0 | 5 0 | 39 0 | B8 0 | 2 0 | 55 6 | 34 4 | 61 1 | 52 4

Lengths 7, 10, 12, 15, 18, 20, 23, 26, 29, 32 (levels 1-10); a coarser code is a prefix
of a finer one, as in 2D. Where this was checked: the standard's text is not in the
sources this project can read, so the layout was cross-checked in three public
descriptions (which may share an origin): a technical blog on the 3D code (CSDN, "北斗三维网格位置码介绍与实现
详解"), which lists the 12 height characters and says they are interleaved with the 2D
ones; and two open implementations (ywx001/BeidouGridCodec, Java; TQtong/beidou-grid,
TypeScript), which agree on the interleaving per level, the decimal pair of level 1, the
radixes and the signed formula for heights below the ellipsoid (``|n|`` with the sign
bit). They disagree on small points, where this module follows the majority and the
arithmetic: the blog lists the 4-bit characters as ``0``-``9``, ``A``-``E`` (15 values,
which cannot hold 4 bits; both implementations write ``0``-``F``), and the Java library
flips some 2D indices per hemisphere inconsistently between its encoder and decoder
(the TypeScript one mirrors every hemisphere onto the north-east, as this module does).

Frame: the grid is defined on CGCS2000 geographic coordinates (EPSG:4490). PROJ treats
WGS 84 and CGCS2000 as equal (a null transformation); the frames themselves agree to
centimetres, but a position measured in WGS 84 today differs from its CGCS2000 (epoch
2000.0) coordinates by the plate motion since 2000 (about 3 cm a year in China, several
decimetres by now), which matters at levels 8-10 (1 m, 12 cm and 1.5 cm cells).
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
        # Southern cells are (south, north] but latitude 0 itself is coded north ("N").
        in_lat = (self.south <= lat < self.north) if self.north > 0 else (self.south < lat <= self.north and lat < 0)
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
#: ln(1 + theta0), the logarithm's base in the height formula.
_LOG_BASE = math.log1p(THETA0)
_TOTAL_HEIGHT_BITS = sum(HEIGHT_BITS)
#: Characters a 3D code has at each level (2D characters, then height characters).
CODE_3D_LENGTHS = {
    sum(LEVEL_CHARS[k] + (2 if k == 1 else 1) for k in range(1, level + 1)) + 1: level for level in range(1, 11)
}


def height_at(k: int) -> float:
    """Height (m) of the bottom of signed height cell ``k`` (negative ``k`` below the ellipsoid)."""
    return EARTH_RADIUS * math.expm1(k * _LOG_BASE / HEIGHT_SCALE)


def signed_height_index(height: float) -> int:
    """The standard's ``n`` of a height (m above the ellipsoid), negative below it."""
    if not math.isfinite(height) or height <= -EARTH_RADIUS:
        raise InputError(f"height {height} m cannot be coded", field="height")
    k = math.floor(HEIGHT_SCALE * math.log1p(height / EARTH_RADIUS) / _LOG_BASE)
    # The logarithm and its inverse round differently by an ulp: step to the cell whose
    # [bottom, top) holds the height as :func:`height_at` computes them, so decoding a
    # code always gives back an interval holding the height.
    if height < height_at(k):
        k -= 1
    elif height >= height_at(k + 1):
        k += 1
    return k


def height_index(height: float) -> tuple[int, int]:
    """(sign, n): the level-10 height cell of ``height`` metres (ellipsoidal); sign 1 below the ellipsoid."""
    k = signed_height_index(height)
    if abs(k) >= 1 << _TOTAL_HEIGHT_BITS:
        raise InputError(f"height {height} m is beyond the grid's range", field="height")
    return (1, -k) if k < 0 else (0, k)


def height_range(sign: int, n: int, level: int = 10) -> tuple[float, float]:
    """The heights (m) ``[bottom, top)`` of the level-``level`` height cell whose code carries (sign, n).

    ``n`` is the 31-bit index with the bits of levels finer than ``level`` zero (bits
    there are ignored).
    """
    rest = sum(HEIGHT_BITS[level:])
    n = (n >> rest) << rest
    if sign:
        # Codes below the ellipsoid carry |k| >= 1 for the signed index k: cells -n - 2**rest + 1 .. -n.
        low, high = -n - (1 << rest) + 1, min(-n + 1, 0)
        if low >= high:
            raise InputError("height index 0 below the ellipsoid does not exist (sign 1 needs n >= 1)")
    else:
        low, high = n, n + (1 << rest)
    return height_at(low), height_at(high)


def height_bits(n: int) -> list[int]:
    """The value each level contributes to a height index (most significant first: 6, 3, 1, 4, ... bits)."""
    parts = []
    shift = _TOTAL_HEIGHT_BITS
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


# -- three-dimensional codes --------------------------------------------------------------------
@dataclass(frozen=True)
class Cell3D(Cell):
    """A 3D grid cell: the 2D cell (``code`` is the 3D code, ``code_2d`` the 2D one) and its heights.

    Heights are metres above the CGCS2000 ellipsoid, ``[bottom, top)``.
    """

    bottom: float = 0.0
    top: float = 0.0
    code_2d: str = ""

    def contains_3d(self, lon: float, lat: float, height: float) -> bool:
        """True when the point is in the cell (edges as :meth:`Cell.contains`, heights ``[bottom, top)``)."""
        return self.contains(lon, lat) and self.bottom <= height < self.top


def _height_chars(level: int, value: int) -> str:
    # Level 1's 6 bits are two decimal digits (00-63); the others one digit of radix
    # 2**bits (octal, binary or hexadecimal), all of which read as a hexadecimal digit.
    return f"{value:02d}" if level == 1 else f"{value:X}"


def encode_3d(lon: float, lat: float, height: float, level: int = 10) -> str:
    """The three-dimensional BeiDou grid code of a point (degrees, metres above the ellipsoid)."""
    code_2d = encode(lon, lat, level)
    sign, n = height_index(height)
    parts = height_bits(n)
    out = [code_2d[0], str(sign)]
    pos = 1
    for k in range(1, level + 1):
        width = LEVEL_CHARS[k] - (1 if k == 1 else 0)
        out.append(code_2d[pos : pos + width])
        out.append(_height_chars(k, parts[k - 1]))
        pos += width
    return "".join(out)


def split_3d(code: str) -> tuple[str, int, list[int]]:
    """(2D code, height sign, per-level height values) of a 3D code, checking its characters."""
    text = code.strip().upper()
    level = CODE_3D_LENGTHS.get(len(text))
    if level is None or text[1:2] not in ("0", "1"):
        raise InputError(
            f"'{code}' is not a three-dimensional BeiDou grid code (lengths 7, 10, 12, 15, 18, 20, 23, 26, 29 "
            "or 32, height sign 0 or 1 second)"
        )
    code_2d, parts, pos = text[0], [], 2
    for k in range(1, level + 1):
        width = LEVEL_CHARS[k] - (1 if k == 1 else 0)
        code_2d += text[pos : pos + width]
        pos += width
        digits = text[pos : pos + (2 if k == 1 else 1)]
        pos += len(digits)
        radix = 10 if k == 1 else 16
        if not digits or any(c not in "0123456789ABCDEF"[:radix] for c in digits):
            raise InputError(f"'{code}': height character(s) '{digits}' of level {k} are not digits")
        value = int(digits, radix)
        if value >= 1 << HEIGHT_BITS[k - 1]:
            raise InputError(f"'{code}': height value {value} of level {k} does not fit {HEIGHT_BITS[k - 1]} bits")
        parts.append(value)
    return code_2d, int(text[1]), parts


def decode_3d(code: str) -> Cell3D:
    """The 3D cell a three-dimensional BeiDou grid code stands for."""
    code_2d, sign, parts = split_3d(code)
    level = len(parts)
    cell = decode(code_2d)
    bottom, top = height_range(sign, join_height_bits(parts + [0] * (10 - level)), level)
    return Cell3D(code.strip().upper(), level, cell.west, cell.south, cell.east, cell.north, bottom, top, code_2d)


# -- sizes ------------------------------------------------------------------------------------------
#: CGCS2000 ellipsoid (semi-major axis, flattening).
_A, _F = 6_378_137.0, 1 / 298.257222101


def cell_size_m(level: int, lat: float) -> tuple[float, float]:
    """Width and height (m) of a level-``level`` cell at latitude ``lat`` on the CGCS2000 ellipsoid.

    Closed form from the radii of curvature (meridian ``M``, prime vertical ``N``): a
    library call would not be simpler.
    """
    e2 = _F * (2 - _F)
    s2 = math.sin(math.radians(lat)) ** 2
    m = _A * (1 - e2) / (1 - e2 * s2) ** 1.5
    n = _A / math.sqrt(1 - e2 * s2)
    per_unit = math.radians(1.0 / UNITS_PER_DEGREE)
    size_lon, size_lat = CELL_UNITS[level]
    return size_lon * per_unit * n * math.cos(math.radians(lat)), size_lat * per_unit * m


def level_for_cell_size(size_m: float, lat: float) -> int:
    """The coarsest level whose cells are no larger than ``size_m`` on either side at ``lat`` (10 if none).

    Points ``size_m`` apart then never share a cell, so the code of a square grid
    cell's centre names the neighbourhood of that centre alone.
    """
    for level in range(1, 11):
        if max(cell_size_m(level, lat)) <= size_m:
            return level
    return 10


# -- many points, and grids of cells (vectorised in .beidou_arrays) ---------------------------------
def encode_many(lon, lat, level: int = 10) -> list[str | None]:
    """:func:`encode` of arrays of points; None where a point cannot be coded.

    A point cannot be coded when a coordinate is not finite, the longitude is outside
    -180..180 or the latitude outside the +/-88 degree band (:func:`codable` tells which).
    """
    from .beidou_arrays import codes_to_list, encode_chars

    chars, valid = encode_chars(lon, lat, level)
    return codes_to_list(chars, valid)


def encode_many_3d(lon, lat, height, level: int = 10) -> list[str | None]:
    """:func:`encode_3d` of arrays of points; None where a point or its height cannot be coded."""
    from .beidou_arrays import codes_to_list, encode_chars_3d

    chars, valid = encode_chars_3d(lon, lat, height, level)
    return codes_to_list(chars, valid)


def codable(lon, lat):
    """Boolean array: True where :func:`encode_many` can code the point."""
    from .beidou_arrays import codable_mask

    return codable_mask(lon, lat)


def decode_many(codes) -> dict:
    """Cells of many 2D codes as arrays: ``west``, ``south``, ``east``, ``north`` (degrees), ``level``.

    Raises :class:`InputError` naming the first code that is not valid.
    """
    from .beidou_arrays import decode_arrays

    return decode_arrays(codes)


#: Most cells :func:`grid_cells` makes at once (a layer of a million polygons is already slow in QGIS).
MAX_GRID_CELLS = 1_000_000


def grid_cells(west: float, south: float, east: float, north: float, level: int) -> list[Cell]:
    """Every level-``level`` cell meeting the extent (degrees), in rows from south to north.

    Raises :class:`InputError` when they would be more than :data:`MAX_GRID_CELLS`
    (choose a coarser level or a smaller extent). :func:`.beidou_arrays.grid_cell_arrays`
    gives the same cells as arrays, with progress and cancel.
    """
    from .beidou_arrays import grid_cell_arrays

    cells = grid_cell_arrays(west, south, east, north, level)
    edges = zip(*(cells[name].tolist() for name in ("west", "south", "east", "north")))
    return [Cell(code, level, *bounds) for code, bounds in zip(cells["code"], edges)]
