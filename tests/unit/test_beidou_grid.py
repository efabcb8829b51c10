"""BeiDou grid location codes (GB/T 39409-2020): the worked example, round trips, cell edges, heights."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citytwin.common.errors import InputError
from citytwin.processing import beidou_grid as bg

# The worked example, checked by hand on the standard's level rules.
LON = 116 + 18 / 60 + 45.37 / 3600
LAT = 39 + 59 / 60 + 35.38 / 3600
#: Cell sizes in degrees, from the standard's table (independent of the module's units).
SIZES = {
    1: (6.0, 4.0),
    2: (0.5, 0.5),
    3: (0.25, 1 / 6),
    4: (1 / 60, 1 / 60),
    5: (4 / 3600, 4 / 3600),
    6: (2 / 3600, 2 / 3600),
    7: (1 / 4 / 3600, 1 / 4 / 3600),
    8: (1 / 32 / 3600, 1 / 32 / 3600),
    9: (1 / 256 / 3600, 1 / 256 / 3600),
    10: (1 / 2048 / 3600, 1 / 2048 / 3600),
}


def test_worked_example():
    assert bg.encode(LON, LAT, 8) == "N50J47539B825534"
    assert bg.encode(LON, LAT, 10) == "N50J47539B8255346152"
    full = bg.encode(LON, LAT, 10)
    lengths = [4, 6, 7, 9, 11, 12, 14, 16, 18, 20]
    for level, length in zip(range(1, 11), lengths):
        assert bg.encode(LON, LAT, level) == full[:length]
        assert bg.parent(full, level) == full[:length]


@pytest.mark.parametrize("signs", [(1, 1), (-1, 1), (1, -1), (-1, -1)])
def test_decoding_gives_the_cell_holding_the_point_in_every_hemisphere(signs):
    rng = np.random.default_rng(abs(hash(signs)) % 1000)
    lons = signs[0] * rng.uniform(0, 180, 300)
    lats = signs[1] * rng.uniform(0, 87.9, 300)
    for lon, lat in zip(lons, lats):
        previous = None
        for level in range(1, 11):
            cell = bg.decode(bg.encode(lon, lat, level))
            assert cell.contains(lon, lat), (lon, lat, level, cell)
            assert cell.east - cell.west == pytest.approx(SIZES[level][0], rel=1e-9)
            assert cell.north - cell.south == pytest.approx(SIZES[level][1], rel=1e-9)
            if previous is not None:  # cells nest
                assert previous.west <= cell.west and cell.east <= previous.east
                assert previous.south <= cell.south and cell.north <= previous.north
            previous = cell
        assert (cell.code[0] == "N") == (lat >= 0)


def test_hemispheres_and_zones_by_hand():
    assert bg.encode(0.0001, 0.0001, 1) == "N31A"
    assert bg.encode(-0.0001, 0.0001, 1) == "N30A"
    assert bg.encode(0.0001, -0.0001, 1) == "S31A"
    assert bg.encode(-179.9, -45.0, 1) == "S01L"  # floor(-179.9/6) + 31 = 1; floor(45/4) = 11 -> L
    assert bg.encode(179.9, 45.0, 1) == "N60L"
    # Mirrored indices: the first cell away from the meridian and the equator is (0, 0) everywhere.
    for lon, lat in ((0.1, 0.1), (-0.1, 0.1), (0.1, -0.1), (-0.1, -0.1)):
        assert bg.encode(lon, lat, 2)[4:] == "00"


def test_cell_edges():
    # A level-2 edge (114.5 E): the cell farther from the meridian east of Greenwich.
    assert bg.encode(114.5, 36.1, 2)[4:6] == "10"  # column 1 (114.5-115), row 0 (36-36.5)
    assert bg.encode(114.4999999, 36.1, 2)[4:6] == "00"
    # 114.5 W: the zone rule puts the edge in the cell nearer the meridian.
    code = bg.encode(-114.5, 36.1, 2)
    assert code[1:3] == "11" and bg.decode(code).contains(-114.5, 36.1)
    assert bg.decode(code).east == pytest.approx(-114.0)
    # Latitude edges belong to the band farther from the equator, north and south.
    assert bg.encode(116.0, 40.0, 1) == "N50K" and bg.encode(116.0, -40.0, 1) == "S50K"
    assert bg.decode("S50K").contains(116.0, -40.0)


def test_bad_codes_and_points_are_refused():
    for bad in ("", "X50J", "N50", "N99J", "N50J4", "N50JC7", "N50J4G"):
        with pytest.raises(InputError):
            bg.decode(bad)
    with pytest.raises(InputError, match="level"):
        bg.encode(LON, LAT, 11)
    with pytest.raises(InputError, match="latitude"):
        bg.encode(LON, 89.0, 5)


R = 6378137.0
THETA = 1 / 2048 / 3600  # degrees


def standard_n(height: float) -> int:
    """The standard's formula as written (signed H, theta0 in radians inside the logarithm)."""
    return math.floor((1 / THETA) * math.log((height + R) / R) / math.log(1 + math.pi / 180))


def test_heights():
    assert bg.height_index(0.0) == (0, 0)
    for height in (0.4, 1.5, 12.0, 87.3, 1000.0, 8848.86, -0.001, -3.2, -400.0, -11034.0):
        sign, n = bg.height_index(height)
        low, high = bg.height_range(sign, n)
        assert low <= height < high
        expected = standard_n(height)
        assert (sign, n) == (int(expected < 0), abs(expected))
        assert bg.join_height_bits(bg.height_bits(n)) == n
    assert [len(bin(v)) - 2 <= b for v, b in zip(bg.height_bits(2**31 - 1), bg.HEIGHT_BITS)] == [True] * 10
    # Near the ground a level-10 height cell is r ln(1 + theta0) theta / theta0 thick: 1.5 cm,
    # about the width of a level-10 cell (1/2048" of arc).
    near = bg.height_range(*bg.height_index(10.0))
    theta0 = math.pi / 180
    assert near[1] - near[0] == pytest.approx(R * math.log1p(theta0) / theta0 * math.radians(THETA), rel=1e-5)
    # Just below the ellipsoid is cell -1 (sign 1, |n| = 1), not a mirror of cell 0.
    assert bg.height_index(-0.001) == (1, 1)
    assert bg.height_range(1, 1)[1] == 0.0
    for bad in (math.nan, math.inf, -R, -7e6):
        with pytest.raises(InputError, match="height"):
            bg.height_index(bad)


def test_height_by_hand():
    # 50 m: ln(1 + 50/r) = 7.839258e-6; / ln(1.0174533) = 4.53066e-4 turns; x 7 372 800 = 3340.37.
    assert bg.height_index(50.0) == (0, 3340)
    # -3.2 m: -5.01715e-7 / 0.0173027 x 7 372 800 = -213.78, floor -214.
    assert bg.height_index(-3.2) == (1, 214)
    # 3340 = 0b110_100_001_100: levels 1-6 hold the 19 high bits (all 0), levels 7-10 get 6, 4, 1, 4.
    assert bg.height_bits(3340) == [0, 0, 0, 0, 0, 0, 6, 4, 1, 4]


def test_3d_worked_example():
    # The point at 50 m above the ellipsoid: hemisphere, sign, then per level the
    # 2D characters of N50J47539B8255346152 followed by that level's height characters.
    expected = "N" + "0" + "50J" + "00" + "47" + "0" + "5" + "0" + "39" + "0" + "B8" + "0" + "2" + "0"
    expected += "55" + "6" + "34" + "4" + "61" + "1" + "52" + "4"
    assert len(expected) == 32
    assert bg.encode_3d(LON, LAT, 50.0) == expected
    for level, length in zip(range(1, 11), (7, 10, 12, 15, 18, 20, 23, 26, 29, 32)):
        assert bg.encode_3d(LON, LAT, 50.0, level) == expected[:length]
    # Below the ellipsoid: sign 1 and |n| = 214 = 0b011_010_110 in the last three levels.
    below = bg.encode_3d(LON, LAT, -3.2)
    assert below[1] == "1" and [below[i] for i in (-10, -7, -4, -1)] == ["0", "3", "2", "6"]
    cell = bg.decode_3d(expected)
    assert cell.code_2d == "N50J47539B8255346152" and cell.level == 10
    assert cell.bottom == pytest.approx(R * math.expm1(3340 * THETA * math.log(1 + math.pi / 180)), abs=1e-9)
    assert cell.bottom <= 50.0 < cell.top and cell.top - cell.bottom == pytest.approx(0.01497, abs=1e-4)


@pytest.mark.parametrize("signs", [(1, 1), (-1, 1), (1, -1), (-1, -1)])
def test_3d_round_trips_at_every_level(signs):
    rng = np.random.default_rng(7 + signs[0] + 3 * signs[1])
    lons = signs[0] * rng.uniform(0, 180, 60)
    lats = signs[1] * rng.uniform(0, 87.9, 60)
    heights = np.concatenate([rng.uniform(-500, 9000, 40), rng.uniform(-0.05, 0.05, 10), rng.uniform(1e5, 3e7, 10)])
    for lon, lat, height in zip(lons, lats, heights):
        full = bg.encode_3d(lon, lat, height)
        previous = None
        for level in range(1, 11):
            code = bg.encode_3d(lon, lat, height, level)
            assert full.startswith(code)
            cell = bg.decode_3d(code)
            assert cell.contains_3d(lon, lat, height), (lon, lat, height, level, cell)
            assert cell.code_2d == bg.encode(lon, lat, level)
            if previous is not None:  # height cells nest like the 2D ones
                assert previous.bottom <= cell.bottom and cell.top <= previous.top
            previous = cell


def test_height_cell_edges():
    # A height exactly on a cell's bottom belongs to that cell, above and below the ellipsoid.
    for k in (5, 3340, -214, -1):
        bottom = bg.height_at(k)
        assert bg.signed_height_index(bottom) == k
        sign, n = bg.height_index(bottom)
        assert bg.height_range(sign, n)[0] == bottom
    # Coarse levels: level 1 height cells are 2**25 level-10 cells (about 520 km).
    low, high = bg.height_range(0, 0, 1)
    assert low == 0.0 and high == pytest.approx(R * math.expm1(2**25 * THETA * math.log(1 + math.pi / 180)))
    assert bg.height_range(1, 0, 1)[1] == 0.0


def test_bad_3d_codes_are_refused():
    good = bg.encode_3d(LON, LAT, 50.0)
    for bad in (
        "",
        good[:-1],  # 31 characters
        good[:1] + "2" + good[2:],  # sign must be 0 or 1
        good[:5] + "64" + good[7:],  # level 1 height is 00-63
        good[:5] + "0A" + good[7:],  # and decimal
        good[:9] + "8" + good[10:],  # level 2: one octal digit
        good[:11] + "2" + good[12:],  # level 3: one bit
        good[:4] + "X" + good[5:],  # 2D part: latitude band letter
        "N150J0000000000000000000000000000"[:32],  # sign 1 with n = 0 at level 10
    ):
        with pytest.raises(InputError):
            bg.decode_3d(bad)


# -- many points at once ------------------------------------------------------------------------------
def edge_points() -> tuple[np.ndarray, np.ndarray]:
    """Points on cell edges of every level, in all four hemispheres, and on the meridians and equator."""
    rng = np.random.default_rng(11)
    lons, lats = [0.0, -0.0, 180.0, -180.0, 0.0, 6.0, -6.0], [0.0, 0.0, 0.0, 0.0, -0.0, 4.0, -4.0]
    for size_lon, size_lat in SIZES.values():
        k_lon, k_lat = rng.integers(1, 1000, 40), rng.integers(1, 1000, 40)
        x = np.minimum(k_lon * size_lon, 180.0) * rng.choice([-1, 1], 40)
        y = np.minimum(k_lat * size_lat, 87.99) * rng.choice([-1, 1], 40)
        lons += x.tolist()
        lats += y.tolist()
    return np.array(lons), np.array(lats)


def test_many_points_match_one_by_one():
    rng = np.random.default_rng(3)
    lon = np.concatenate([rng.uniform(-180, 180, 3000), edge_points()[0]])
    lat = np.concatenate([rng.uniform(-87.99, 87.99, 3000), edge_points()[1]])
    for level in range(1, 11):
        assert bg.encode_many(lon, lat, level) == [bg.encode(x, y, level) for x, y in zip(lon, lat)]
    heights = rng.uniform(-1000, 20000, lon.size)
    heights[:5] = [0.0, -0.0, bg.height_at(3340), bg.height_at(-214), -1e-9]
    for level in (1, 4, 10):
        expected = [bg.encode_3d(x, y, h, level) for x, y, h in zip(lon, lat, heights)]
        assert bg.encode_many_3d(lon, lat, heights, level) == expected


def test_many_points_flag_what_cannot_be_coded():
    lon = np.array([LON, LON, LON, LON, np.nan, 181.0, LON])
    lat = np.array([LAT, 88.0, -88.0, 89.5, 10.0, 10.0, np.inf])
    assert bg.encode_many(lon, lat, 6) == [bg.encode(LON, LAT, 6)] + [None] * 6
    assert bg.codable(lon, lat).tolist() == [True] + [False] * 6
    codes = bg.encode_many_3d([LON, LON, LON], [LAT, LAT, 89.0], [np.nan, -R, 10.0], 10)
    assert codes == [None, None, None]
    with pytest.raises(InputError, match="level"):
        bg.encode_many([LON], [LAT], 0)


def test_decode_many_matches_decode():
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(-180, 180, 500), rng.uniform(-87.99, 87.99, 500)
    levels = rng.integers(1, 11, 500)
    codes = [bg.encode(x, y, int(k)) for x, y, k in zip(lon, lat, levels)]
    codes[0] = codes[0].lower()  # codes are read case-blind, as decode does
    cells = bg.decode_many(codes)
    for i, code in enumerate(codes):
        one = bg.decode(code)
        got = [cells[name][i] for name in ("west", "south", "east", "north")]
        assert got == [one.west, one.south, one.east, one.north]
        assert cells["level"][i] == one.level
    for bad in (["N50J47539B825534", "N50J4"], ["N50JC7"], ["X50J"], [None], ["N50J47539B82553"]):
        with pytest.raises(InputError, match="not a BeiDou grid code"):
            bg.decode_many(bad)


# -- sizes -------------------------------------------------------------------------------------------
def test_cell_sizes_in_metres():
    from pyproj import Geod

    geod = Geod(a=6378137.0, f=1 / 298.257222101)  # the CGCS2000 ellipsoid
    for level in (5, 7, 10):
        for lat in (0.0, 39.9, -60.0):
            size_lon, size_lat = SIZES[level]
            width = geod.inv(116.0, lat, 116.0 + size_lon, lat)[2]
            height = geod.inv(116.0, lat - size_lat / 2, 116.0, lat + size_lat / 2)[2]
            assert bg.cell_size_m(level, lat) == pytest.approx((width, height), rel=1e-6)
    # 100 m cells at 40 N: a level-5 cell is 4" (123 m of latitude), level 6 is 2" (62 m x 47 m).
    assert bg.level_for_cell_size(100.0, 40.0) == 6
    assert bg.level_for_cell_size(10.0, 40.0) == 7  # 1/4": 7.7 m
    assert bg.level_for_cell_size(0.001, 40.0) == 10
    assert bg.level_for_cell_size(1e6, 0.0) == 1


def test_codes_of_many_points():
    lon = np.array([LON, -73.9857, np.nan])
    lat = np.array([LAT, 40.7484, 10.0])
    codes = bg.encode_many(lon, lat, 8)
    assert codes[0] == "N50J47539B825534" and codes[2] is None
    assert bg.decode(codes[1]).contains(-73.9857, 40.7484)


def test_grid_cells_cover_the_extent_once():
    west, south, east, north = 116.30, 39.98, 116.33, 40.01  # straddles the 40 N band edge
    cells = bg.grid_cells(west, south, east, north, 4)  # 1' cells
    codes = [c.code for c in cells]
    assert len(codes) == len(set(codes))
    rng = np.random.default_rng(2)
    for lon, lat in zip(rng.uniform(west, east, 500), rng.uniform(south, north, 500)):
        holding = [c for c in cells if c.contains(lon, lat)]
        assert len(holding) == 1 and holding[0].code == bg.encode(lon, lat, 4)
    # 0.03 deg = 1.8' each way from 116.30 (= 116 deg 18') and 39.98 (39 deg 58.8'):
    # columns 18'..19.8' -> 2 cells, rows 58.8'..60.6' -> 58', 59', 60' = 3 cells.
    assert len(cells) == 2 * 3
    with pytest.raises(InputError, match="coarser level"):
        bg.grid_cells(116.0, 39.0, 117.0, 40.0, 8)


@pytest.mark.parametrize("extent", [(-0.7, -0.45, 0.6, 0.2), (-179.9, -87.9, -179.0, -87.0), (179.5, 87.2, 180, 88)])
def test_grid_cells_across_the_meridian_equator_and_band_ends(extent):
    from citytwin.processing.beidou_arrays import grid_cell_arrays, grid_cell_count

    level = 3  # 15' x 10'
    size_lon, size_lat = SIZES[level]
    cells = grid_cell_arrays(*extent, level)
    west, south, east, north = extent
    columns = math.ceil(east / size_lon - 1e-12) - math.floor(west / size_lon)
    rows = math.ceil(north / size_lat - 1e-12) - math.floor(south / size_lat)
    assert len(cells["code"]) == columns * rows == grid_cell_count(*extent, level)
    assert len(set(cells["code"])) == len(cells["code"])
    for i, code in enumerate(cells["code"]):
        cell = bg.decode(code)
        edges = tuple(cells[name][i] for name in ("west", "south", "east", "north"))
        assert (cell.west, cell.south, cell.east, cell.north) == edges
    area = float(np.sum((cells["east"] - cells["west"]) * (cells["north"] - cells["south"])))
    assert area == pytest.approx(columns * size_lon * rows * size_lat, rel=1e-12)


def test_grid_extent_beyond_88_degrees_is_refused_clearly():
    with pytest.raises(InputError, match="88"):
        bg.grid_cells(10.0, 87.0, 11.0, 88.5, 2)
    with pytest.raises(InputError, match="empty"):
        bg.grid_cells(11.0, 10.0, 10.0, 11.0, 2)


def test_grid_reports_progress_and_stops_when_canceled():
    from citytwin.common.errors import Canceled
    from citytwin.processing.beidou_arrays import grid_cell_arrays

    seen = []
    cells = grid_cell_arrays(116.0, 39.0, 117.0, 40.0, 5, progress=seen.append)  # 900 x 900 cells of 4"
    assert len(cells["code"]) == 900 * 900
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 1
    with pytest.raises(Canceled):
        grid_cell_arrays(116.0, 39.0, 117.0, 40.0, 5, is_canceled=lambda: True)
