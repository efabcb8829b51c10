"""GNSS LOS/NLOS of an NMEA log and the availability map, against closed-form geometry.

One box building (30 m tall, 19.5 m east of the receiver) on flat ground: a satellite in
the east is NLOS below atan(28.5 / 19.5) = 55.6° and LOS above; every other direction is
open. HDOP from the LOS satellites is checked against an explicit least-squares
solution (pseudo-inverse of the geometry matrix), C/N0 means against hand sums.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyproj
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.nmea import format_sentence, read_nmea
from citytwin.processing.navcomm.availability import (
    SatelliteSet,
    availability_grid,
    read_satellite_snapshot,
    satellites_from_log,
)
from citytwin.processing.navcomm.gnss_los import LOS, NLOS, NO_ELEVATION, OUTSIDE, classify_log
from citytwin.processing.navcomm.surface import Surface

GROUND = 40.0
ROOF = 70.0  # 30 m building
X0, Y_TOP = 448_800.0, 4_417_400.0
RECEIVER = (448_880.5, 4_417_300.5)  # a cell centre, 19.5 m west of the building's west face
FACE_X = 448_900.0
CRS = pyproj.CRS.from_epsg(4548)


def _dsm() -> Surface:
    z = np.full((200, 200), GROUND)
    # building: x 448900..448920, y 4417250..4417350
    cols = slice(int(FACE_X - X0), int(FACE_X - X0) + 20)
    rows = slice(int(Y_TOP - 4_417_350), int(Y_TOP - 4_417_250))
    z[rows, cols] = ROOF
    return Surface(z, X0, Y_TOP, 1.0, 1.0, CRS.to_wkt())


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)


def _ddmm(value: float, degree_digits: int) -> str:
    degrees = int(abs(value))
    minutes = (abs(value) - degrees) * 60
    return f"{degrees:0{degree_digits}d}{minutes:08.5f}"


#: (talker, prn, elevation, azimuth, cn0) — elevation None: not yet known.
SKY = [
    ("GP", 2, 60, 0, 47),
    ("GP", 5, 60, 120, 46),  # east-south-east, roof line 51.7° there: LOS
    ("GP", 7, 30, 200, 44),
    ("GP", 8, 20, 270, 42),
    ("GP", 13, 70, 330, 48),
    ("GP", 15, 40, 90, 31),  # east, below the 55.6° roof line: NLOS
    ("BD", 6, 65, 95, 45),  # east, above the roof line: LOS
    ("BD", 9, 35, 250, 43),
    ("BD", 16, 25, 80, 30),  # east: NLOS
    ("BD", 19, None, None, None),
]


def _write_log(path, positions, sky=SKY, gsv=True):
    lines = []
    for k, (x, y) in enumerate(positions):
        lon, lat = _lonlat(x, y)
        hms = f"0100{k:02d}.00"
        lines.append(
            format_sentence(
                "GN",
                "GGA",
                [hms, _ddmm(lat, 2), "N", _ddmm(lon, 3), "E", 1, "09", "0.9", "41.0", "M", "-8.9", "M", "", ""],
            )
        )
        lines.append(
            format_sentence(
                "GN", "RMC", [hms, "A", _ddmm(lat, 2), "N", _ddmm(lon, 3), "E", "0.0", "0.0", "150324", "", "", "A"]
            )
        )
        if gsv:
            for talker in ("GP", "BD"):
                # NMEA GSV groups hold four satellites each
                rows = [s for s in sky if s[0] == talker]
                for start in range(0, len(rows), 4):
                    chunk = rows[start : start + 4]
                    total = -(-len(rows) // 4)
                    fields = [total, start // 4 + 1, f"{len(rows):02d}"]
                    for _, prn, el, az, cn0 in chunk:
                        fields += [f"{prn:02d}", "" if el is None else f"{el:02d}", "" if az is None else f"{az:03d}"]
                        fields.append("" if cn0 is None else f"{cn0:02d}")
                    lines.append(format_sentence(talker, "GSV", fields))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    return path


def _roof_angle(distance: float) -> float:
    return math.degrees(math.atan((ROOF - GROUND - 1.5) / distance))


def test_satellites_are_classified_by_the_building(tmp_path):
    log = _write_log(tmp_path / "a.nmea", [RECEIVER, RECEIVER])
    result = classify_log(read_nmea(log), _dsm(), source=log)
    sats = result.satellites
    first = sats[sats["epoch"] == 0].set_index(["constellation", "prn"])
    assert _roof_angle(19.5) == pytest.approx(55.6, abs=0.1)
    expected = {2: LOS, 5: LOS, 7: LOS, 8: LOS, 13: LOS, 15: NLOS}
    assert {prn: first.loc[("GPS", prn), "status"] for prn in expected} == expected
    assert first.loc[("BeiDou", 6), "status"] == LOS
    assert first.loc[("BeiDou", 9), "status"] == LOS
    assert first.loc[("BeiDou", 16), "status"] == NLOS
    assert first.loc[("BeiDou", 19), "status"] == NO_ELEVATION
    assert pd.isna(first.loc[("BeiDou", 19), "los"])
    # the horizon in the east is the roof edge, within the half-cell sampling of the face
    east = first.loc[("GPS", 15), "horizon_deg"]
    assert _roof_angle(20.5) - 0.01 <= east <= _roof_angle(18.5) + 0.01
    # west is open: flat ground seen from 1.5 m above it up to the raster's edge 80 m away
    assert first.loc[("GPS", 8), "horizon_deg"] == pytest.approx(math.degrees(math.atan(-1.5 / 80.0)), abs=0.02)
    assert any("no elevation" in note for note in result.notes)


def test_epoch_report_counts_dop_and_cn0(tmp_path):
    log = _write_log(tmp_path / "a.nmea", [RECEIVER])
    epoch = classify_log(read_nmea(log), _dsm()).epochs.iloc[0]
    assert (epoch["los_gps"], epoch["nlos_gps"], epoch["los_beidou"], epoch["nlos_beidou"]) == (5, 1, 2, 1)
    assert (epoch["n_los"], epoch["n_nlos"], epoch["n_in_view"]) == (7, 2, 10)
    los_rows = [s for s in SKY if s[1] not in (15, 16, 19)]
    assert epoch["cn0_los_dbhz"] == pytest.approx(np.mean([s[4] for s in los_rows]))
    assert epoch["cn0_nlos_dbhz"] == pytest.approx((31 + 30) / 2)
    # HDOP of the LOS satellites by an explicit least-squares solution: G⁺ (G⁺)ᵀ
    g = []
    for talker, _, el, az, _ in los_rows:
        e, a = math.radians(el), math.radians(az)
        g.append([-math.cos(e) * math.sin(a), -math.cos(e) * math.cos(a), -math.sin(e), talker == "GP", talker == "BD"])
    pinv = np.linalg.pinv(np.array(g, dtype=float))
    cov = pinv @ pinv.T
    assert epoch["hdop_los"] == pytest.approx(math.sqrt(cov[0, 0] + cov[1, 1]), rel=1e-9)
    assert epoch["hdop_all"] < epoch["hdop_los"]  # losing satellites never improves the geometry


def test_epochs_outside_the_dsm_are_flagged_not_dropped(tmp_path):
    log = _write_log(tmp_path / "a.nmea", [RECEIVER, (449_500.0, 4_417_300.0)])
    result = classify_log(read_nmea(log), _dsm())
    assert list(result.epochs["status"]) == ["ok", OUTSIDE]
    assert set(result.satellites.loc[result.satellites["epoch"] == 1, "status"]) == {OUTSIDE}
    assert any("outside the DSM" in note for note in result.notes)


def test_a_log_without_gsv_is_a_clear_error(tmp_path):
    log = _write_log(tmp_path / "nogsv.nmea", [RECEIVER], gsv=False)
    with pytest.raises(InputError, match="no GSV") as info:
        classify_log(read_nmea(log), _dsm(), source=log)
    assert "nogsv.nmea" in str(info.value)


def test_a_log_entirely_outside_the_dsm_is_a_clear_error(tmp_path):
    log = _write_log(tmp_path / "far.nmea", [(460_000.0, 4_420_000.0)])
    with pytest.raises(InputError, match="inside the DSM"):
        classify_log(log, _dsm())


def test_a_geographic_dsm_is_refused(tmp_path):
    log = _write_log(tmp_path / "a.nmea", [RECEIVER])
    dsm = _dsm()
    dsm.crs_wkt = pyproj.CRS.from_epsg(4490).to_wkt()
    with pytest.raises(InputError, match="not projected in metres"):
        classify_log(log, dsm)


# -- availability -----------------------------------------------------------------------------------
def _sky_set() -> SatelliteSet:
    rows = [s for s in SKY if s[2] is not None]
    table = pd.DataFrame(
        {
            "constellation": ["GPS" if s[0] == "GP" else "BeiDou" for s in rows],
            "prn": [s[1] for s in rows],
            "azimuth_deg": [float(s[3]) for s in rows],
            "elevation_deg": [float(s[2]) for s in rows],
        }
    )
    return SatelliteSet(table, "test sky")


def test_availability_counts_los_satellites_per_cell():
    dsm = _dsm()
    dtm = Surface(np.full(dsm.shape, GROUND), dsm.x0, dsm.y0, dsm.dx, dsm.dy, dsm.crs_wkt)
    grid = availability_grid(dsm, _sky_set(), dtm, elevation_mask=10.0, max_distance=300.0)
    row, col = (int(v[0]) for v in dsm.rows_cols(np.array([RECEIVER[0]]), np.array([RECEIVER[1]])))
    assert grid.n_los[row, col] == 7
    assert grid.n_los_beidou[row, col] == 2
    # far west of the building every satellite is LOS: the east horizon there is below 25°
    west_col = 5
    assert grid.n_los[row, west_col] == 9
    # inside the building (DSM above DTM + 1.5 m): no-data
    inside = dsm.rows_cols(np.array([FACE_X + 10]), np.array([4_417_300.0]))
    assert np.isnan(grid.n_los[inside[0][0], inside[1][0]])
    assert grid.indoor[inside[0][0], inside[1][0]]
    # the cell's HDOP is that of the classification of the same place
    assert grid.hdop_los[row, col] == pytest.approx(_hdop_of([s for s in SKY if s[1] not in (15, 16, 19)]))
    # without a DTM the receiver stands on the DSM: on the roof every satellite is in view
    on_roof = availability_grid(dsm, _sky_set(), elevation_mask=10.0, max_distance=300.0)
    assert on_roof.n_los[inside[0][0], inside[1][0]] == 9


def _hdop_of(rows) -> float:
    g = []
    for talker, _, el, az, _ in rows:
        e, a = math.radians(el), math.radians(az)
        g.append([-math.cos(e) * math.sin(a), -math.cos(e) * math.cos(a), -math.sin(e), talker == "GP", talker == "BD"])
    pinv = np.linalg.pinv(np.array(g, dtype=float))
    cov = pinv @ pinv.T
    return math.sqrt(cov[0, 0] + cov[1, 1])


def test_availability_mask_and_cancel():
    dsm = _dsm()
    with pytest.raises(InputError, match="elevation mask"):
        availability_grid(dsm, _sky_set(), elevation_mask=80.0)
    with pytest.raises(Canceled):
        availability_grid(dsm, _sky_set(), is_canceled=lambda: True)


def test_sky_of_a_log_epoch(tmp_path):
    log = read_nmea(_write_log(tmp_path / "a.nmea", [RECEIVER, RECEIVER]))
    sky = satellites_from_log(log)
    assert sky.n == 9  # the satellite without elevation is left out
    sky = satellites_from_log(log, "2024-03-15 01:00:01")
    assert "01:00:01" in sky.description


def test_snapshot_csv_reading_and_errors(tmp_path):
    good = tmp_path / "sky.csv"
    good.write_text("系统,卫星号,方位角,高度角\nBeiDou,6,95,65\nGPS,2,0,60\n", encoding="utf-8")
    sky = read_satellite_snapshot(good)
    assert list(sky.table["constellation"]) == ["BeiDou", "GPS"]
    assert list(sky.table["elevation_deg"]) == [65.0, 60.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("prn,azimuth,elevation\n2,0,60\n5,120,\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_satellite_snapshot(bad)
    assert "line 3" in str(info.value) and "elevation" in str(info.value)
    missing = tmp_path / "missing.csv"
    missing.write_text("prn,azimuth\n2,0\n", encoding="utf-8")
    with pytest.raises(InputError, match="no elevation column"):
        read_satellite_snapshot(missing)


def test_indoor_cells_include_holes_in_roofs_not_holes_in_streets():
    dsm = _dsm()
    ground = np.full(dsm.shape, GROUND)
    roof_row, roof_col = int(Y_TOP - 4_417_300), int(FACE_X - X0) + 10  # middle of the roof
    street_row, street_col = roof_row, 20
    edge_row, edge_col = roof_row, int(FACE_X - X0) - 1  # street cell against the facade
    for r, c in ((roof_row, roof_col), (street_row, street_col), (edge_row, edge_col)):
        dsm.z[r, c] = np.nan  # no lidar return
    indoor = dsm.indoor(ground + 1.5, 0.5)
    assert indoor[roof_row, roof_col]  # 8 roof neighbours: still roof
    assert not indoor[street_row, street_col] and not indoor[edge_row, edge_col]  # 0 and 3 roof neighbours
    assert indoor[roof_row, roof_col + 1] and not indoor[street_row, street_col + 1]


def test_a_patch_of_roof_holes_is_indoor_and_a_street_of_holes_is_not():
    """Lidar sparser than the DSM cell leaves patches of holes in roofs and streets alike."""
    dsm = _dsm()
    ground = np.full(dsm.shape, GROUND)
    roof_row, roof_col = int(Y_TOP - 4_417_300), int(FACE_X - X0) + 10
    dsm.z[roof_row - 3 : roof_row + 4, roof_col - 3 : roof_col + 4] = np.nan  # 7 x 7 cells, no return
    rows, cols = slice(roof_row - 3, roof_row + 4), slice(int(FACE_X - X0) - 8, int(FACE_X - X0))
    dsm.z[rows, cols] = np.nan  # the street along the facade, 8 cells wide, no return either
    indoor = dsm.indoor(ground + 1.5, 0.5)
    assert indoor[roof_row - 3 : roof_row + 4, roof_col - 3 : roof_col + 4].all()  # filled from its edges in
    assert not indoor[rows, cols].any()  # at most 3 roof neighbours along the facade
