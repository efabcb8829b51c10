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


def test_heights():
    assert bg.height_index(0.0) == (0, 0)
    for height in (0.4, 1.5, 12.0, 87.3, 1000.0, 8848.86, -3.2, -400.0):
        sign, n = bg.height_index(height)
        low, high = bg.height_range(sign, n)
        assert (low <= height < high) if height >= 0 else (low < height <= high)
        # The formula as the standard writes it, evaluated independently.
        expected = math.floor(
            (1 / (1 / 2048 / 3600)) * math.log((abs(height) + 6378137) / 6378137) / math.log(1 + math.pi / 180)
        )
        assert n == expected
        assert bg.join_height_bits(bg.height_bits(n)) == n
    assert [len(bin(v)) - 2 <= b for v, b in zip(bg.height_bits(2**31 - 1), bg.HEIGHT_BITS)] == [True] * 10
    # Cells grow with height (about 0.5 m near the ground at this resolution).
    near = bg.height_range(*bg.height_index(10.0))
    assert 0.0 < near[1] - near[0] < 1.0


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
    # 0.03 deg = 1.8' in each direction: 2-3 cells each way.
    assert 4 <= len(cells) <= 9
    with pytest.raises(InputError, match="coarser level"):
        bg.grid_cells(116.0, 39.0, 117.0, 40.0, 8)
