"""NMEA reading against sentences written here and values worked out by hand.

Checksums in these tests come from the small XOR helper below, never from the module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.layers import nmea
from citytwin.layers.nmea import EPOCH_COLUMNS, SATELLITE_COLUMNS, format_sentence, nmea_checksum, read_nmea

# The classic GGA example (NMEA reference texts): checksum 47.
CLASSIC_GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
CLASSIC_RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"


def xor_checksum(body: str) -> str:
    value = 0
    for char in body:
        value ^= ord(char)
    return f"{value:02X}"


def sentence(body: str) -> str:
    return f"${body}*{xor_checksum(body)}"


def gga(
    hhmmss: str, lat: str = "4807.038", ns: str = "N", lon: str = "01131.000", ew: str = "E", sats: str = "08"
) -> str:
    return sentence(f"GPGGA,{hhmmss},{lat},{ns},{lon},{ew},1,{sats},0.9,545.4,M,46.9,M,,")


def rmc(hhmmss: str, ddmmyy: str) -> str:
    return sentence(f"GPRMC,{hhmmss},A,4807.038,N,01131.000,E,0.0,0.0,{ddmmyy},,,A")


def gsa(talker: str, prns: list[str], dops: tuple[str, str, str], system: str | None = None) -> str:
    fields = [f"{talker}GSA", "A", "3", *prns, *[""] * (12 - len(prns)), *dops]
    return sentence(",".join(fields + ([system] if system is not None else [])))


def write(tmp_path, lines: list[str], name: str = "log.nmea", newline: str = "\n", prefix: bytes = b""):
    path = tmp_path / name
    path.write_bytes(prefix + (newline.join(lines) + newline).encode("latin-1"))
    return path


# -- checksums and writing ----------------------------------------------------------------
def test_checksum_matches_the_classic_example_and_a_hand_xor():
    body = CLASSIC_GGA[1 : CLASSIC_GGA.index("*")]
    assert nmea_checksum(body) == "47" == xor_checksum(body)
    assert nmea_checksum(CLASSIC_GGA) == "47"  # a whole sentence is accepted too
    assert nmea_checksum("GPGSV,1,1,00") == xor_checksum("GPGSV,1,1,00")
    # One character worked by hand: 'A' = 0x41.
    assert nmea_checksum("A") == "41"


def test_format_sentence_writes_the_classic_gga():
    fields = ["123519", "4807.038", "N", "01131.000", "E", 1, "08", 0.9, 545.4, "M", 46.9, "M", None, None]
    assert format_sentence("GP", "GGA", fields) == CLASSIC_GGA


# -- positions and fix ----------------------------------------------------------------------
def test_classic_gga_and_rmc_worked_by_hand(tmp_path):
    log = read_nmea(write(tmp_path, [CLASSIC_GGA, CLASSIC_RMC]))
    assert list(log.epochs.columns) == list(EPOCH_COLUMNS)
    assert len(log.epochs) == 1  # GGA and RMC of the same second: one epoch
    epoch = log.epochs.iloc[0]
    assert epoch["lat"] == pytest.approx(48 + 7.038 / 60)  # 48.1173
    assert epoch["lat"] == pytest.approx(48.1173, abs=1e-9)
    assert epoch["lon"] == pytest.approx(11 + 31 / 60)  # 11.516667
    assert epoch["alt_m"] == pytest.approx(545.4)
    assert epoch["geoid_sep_m"] == pytest.approx(46.9)
    assert epoch["sats_used"] == 8
    assert epoch["hdop"] == pytest.approx(0.9)
    assert epoch["fix_quality"] == 1
    assert epoch["time_of_day_s"] == 12 * 3600 + 35 * 60 + 19
    assert epoch["time"] == pd.Timestamp("1994-03-23 12:35:19", tz="UTC")
    assert epoch["speed_kn"] == pytest.approx(22.4)
    assert epoch["course_deg"] == pytest.approx(84.4)
    assert epoch["rmc_status"] == "A"
    assert epoch["line"] == 1
    assert log.report.rows == 2 and log.report.kept == 2 and log.report.ok


def test_southern_and_western_hemispheres_are_negative(tmp_path):
    lines = [
        sentence("GPGGA,010203.50,3352.1234,S,15112.5678,W,2,05,1.5,-10.0,M,20.0,M,,"),
        # An epoch with RMC only: its position comes from RMC.
        sentence("GPRMC,010204.00,A,3352.1240,S,15112.5690,W,0.5,270.0,150624,,,A"),
    ]
    log = read_nmea(write(tmp_path, lines))
    first, second = log.epochs.iloc[0], log.epochs.iloc[1]
    assert first["lat"] == pytest.approx(-(33 + 52.1234 / 60))  # -33.868723
    assert first["lon"] == pytest.approx(-(151 + 12.5678 / 60))  # -151.209463
    assert first["alt_m"] == pytest.approx(-10.0)
    assert first["fix_quality"] == 2
    assert first["time_of_day_s"] == pytest.approx(3600 + 2 * 60 + 3.5)
    assert second["lat"] == pytest.approx(-(33 + 52.124 / 60))
    assert second["lon"] == pytest.approx(-(151 + 12.569 / 60))
    assert math.isnan(second["alt_m"])
    # The RMC date is carried back to the earlier epoch of the same day.
    assert first["time"] == pd.Timestamp("2024-06-15 01:02:03.5", tz="UTC")
    assert second["time"] == pd.Timestamp("2024-06-15 01:02:04", tz="UTC")


def test_empty_fields_become_nan(tmp_path):
    lines = [
        sentence("GPGGA,120000,,,,,0,00,99.99,,,,,,"),  # a receiver without a fix
        sentence("GPRMC,120000,V,,,,,,,010124,,,N"),
    ]
    epoch = read_nmea(write(tmp_path, lines)).epochs.iloc[0]
    for column in ("lat", "lon", "alt_m", "geoid_sep_m", "speed_kn", "course_deg", "pdop", "vdop", "fix_mode"):
        assert math.isnan(epoch[column]), column
    assert epoch["fix_quality"] == 0
    assert epoch["sats_used"] == 0
    assert epoch["hdop"] == pytest.approx(99.99)
    assert epoch["rmc_status"] == "V"
    assert epoch["time"] == pd.Timestamp("2024-01-01 12:00:00", tz="UTC")


def test_a_field_that_is_not_a_number_is_empty_and_noted(tmp_path):
    log = read_nmea(write(tmp_path, [sentence("GPGGA,120000,4807.038,N,01131.000,E,1,08,0.9,5x5.4,M,46.9,M,,")]))
    assert math.isnan(log.epochs["alt_m"].iloc[0])
    assert log.epochs["lat"].iloc[0] == pytest.approx(48.1173)
    assert any("not numbers" in note for note in log.report.notes)


# -- GSA -----------------------------------------------------------------------------------
def test_gn_gsa_with_system_ids(tmp_path):
    lines = [
        # GGA without the number of satellites: it is counted from the GSA PRNs.
        sentence("GNGGA,100000.00,3100.0000,N,12130.0000,E,1,,0.9,10.0,M,8.0,M,,"),
        gsa("GN", ["05", "13", "15"], ("1.8", "1.0", "1.5"), system="1"),
        gsa("GN", ["201", "206", "209", "214"], ("1.8", "1.0", "1.5"), system="4"),
        # NMEA 2.3 GSA without a system id (18 fields) in the next epoch.
        sentence("GPGGA,100001.00,3100.0000,N,12130.0000,E,1,,0.9,10.0,M,8.0,M,,"),
        gsa("GP", ["04", "05"], ("3.0", "2.0", "2.2")),
    ]
    assert lines[1].count(",") == 18 and lines[4].count(",") == 17
    log = read_nmea(write(tmp_path, lines))
    first, second = log.epochs.iloc[0], log.epochs.iloc[1]
    assert first["sats_used"] == 3 + 4  # the system id is not a PRN
    assert first["fix_mode"] == 3
    assert (first["pdop"], first["hdop"], first["vdop"]) == pytest.approx((1.8, 1.0, 1.5))  # GSA's HDOP before GGA's
    assert second["sats_used"] == 2
    assert (second["pdop"], second["hdop"], second["vdop"]) == pytest.approx((3.0, 2.0, 2.2))
    assert log.report.ok


# -- GSV and satellites -----------------------------------------------------------------------
BEIDOU = [
    sentence("GPGGA,080000,3954.0000,N,11624.0000,E,1,08,0.9,50.0,M,-9.0,M,,"),
    sentence("BDGSV,1,1,04,01,45,120,40,02,30,200,35,03,10,300,,04,75,010,48"),
    # NMEA 4.11 talker GB with a signal id (1: B1I) after the satellites.
    sentence("GBGSV,1,1,04,11,60,045,44,12,15,135,30,13,05,225,,14,85,315,50,1"),
]


def test_beidou_gsv_of_both_talkers(tmp_path):
    log = read_nmea(write(tmp_path, BEIDOU))
    sats = log.satellites
    assert list(sats.columns) == list(SATELLITE_COLUMNS)
    assert (sats["constellation"] == "BeiDou").all()
    assert sats["prn"].tolist() == [1, 2, 3, 4, 11, 12, 13, 14]
    assert sats["elevation_deg"].tolist() == [45, 30, 10, 75, 60, 15, 5, 85]
    assert sats["azimuth_deg"].tolist() == [120, 200, 300, 10, 45, 135, 225, 315]
    np.testing.assert_array_equal(sats["cn0_dbhz"], [40, 35, np.nan, 48, 44, 30, np.nan, 50])
    np.testing.assert_array_equal(sats["signal_id"], [np.nan] * 4 + [1] * 4)
    assert (sats["epoch"] == 0).all()
    assert (sats["time"].isna()).all()  # no date in this log
    epoch = log.epochs.iloc[0]
    assert epoch["sats_in_view_beidou"] == 4
    assert epoch["sats_in_view_gps"] == 0
    # Mean C/N0 over the satellites with an SNR, by hand: (40+35+48+44+30+50)/6.
    assert epoch["mean_cn0_dbhz"] == pytest.approx(247 / 6)


def test_satellites_in_view_per_constellation(tmp_path):
    def gsv(talker: str, total: int, number: int, in_view: int, prns: list[int], signal: str | None = None) -> str:
        groups = [f"{prn:02d},{30 + prn % 50:02d},{(prn * 7) % 360:03d},{35 + prn % 10}" for prn in prns]
        tail = [signal] if signal is not None else []
        return sentence(",".join([f"{talker}GSV", str(total), str(number), f"{in_view:02d}", *groups, *tail]))

    lines = [
        gga("090000"),
        gsv("GP", 3, 1, 10, [1, 3, 6, 8]),
        gsv("GP", 3, 2, 10, [11, 14, 17, 19]),
        gsv("GP", 3, 3, 10, [22, 28]),
        gsv("GL", 2, 1, 7, [65, 66, 67, 68]),
        gsv("GA", 1, 1, 5, [2, 7, 8, 26], signal="7"),  # E1
        gsv("GA", 1, 1, 3, [2, 7, 8], signal="1"),  # E5a: fewer in view, same satellites
        gsv("GQ", 1, 1, 2, [193, 195]),
        gga("090001"),
        gsv("GP", 3, 1, 9, [1, 3, 6, 8]),
    ]
    log = read_nmea(write(tmp_path, lines))
    first, second = log.epochs.iloc[0], log.epochs.iloc[1]
    assert first[["sats_in_view_gps", "sats_in_view_glonass", "sats_in_view_galileo"]].tolist() == [10, 7, 5]
    assert first[["sats_in_view_beidou", "sats_in_view_qzss"]].tolist() == [0, 2]
    assert second[["sats_in_view_gps", "sats_in_view_glonass", "sats_in_view_galileo"]].tolist() == [9, 0, 0]
    sats = log.satellites
    assert len(sats) == 10 + 4 + 4 + 3 + 2 + 4
    galileo = sats[sats["constellation"] == "Galileo"]
    assert sorted(zip(galileo["prn"], galileo["signal_id"])) == sorted(
        [(2, 7), (7, 7), (8, 7), (26, 7), (2, 1), (7, 1), (8, 1)]
    )
    assert set(sats.loc[sats["constellation"] == "QZSS", "prn"]) == {193, 195}
    assert sats.loc[sats["epoch"] == 1, "prn"].tolist() == [1, 3, 6, 8]


def test_no_gsv_at_all_leaves_in_view_unknown(tmp_path):
    log = read_nmea(write(tmp_path, [gga("090000")]))
    for name in ("gps", "beidou", "galileo", "glonass", "qzss"):
        assert math.isnan(log.epochs[f"sats_in_view_{name}"].iloc[0])
    assert math.isnan(log.epochs["mean_cn0_dbhz"].iloc[0])
    assert log.satellites.empty and list(log.satellites.columns) == list(SATELLITE_COLUMNS)


def test_hex_signal_id_and_last_satellite_without_snr_field(tmp_path):
    lines = [
        gga("090000"),
        sentence("GBGSV,1,1,02,21,40,083,46,22,17,308,41,B"),  # u-blox: B = 11, BeiDou B2I
        sentence("GPGSV,1,1,02,01,40,083,46,02,17,308"),  # the last SNR left out entirely
    ]
    log = read_nmea(write(tmp_path, lines))
    sats = log.satellites
    assert sats["signal_id"].tolist()[:2] == [11, 11]
    assert sats["prn"].tolist() == [21, 22, 1, 2]
    assert sats["cn0_dbhz"].tolist()[2] == 46 and math.isnan(sats["cn0_dbhz"].iloc[3])
    assert log.report.ok


def test_repeated_satellite_keeps_the_last_report(tmp_path):
    lines = [
        gga("090000"),
        sentence("GPGSV,1,1,02,01,40,083,46,02,17,308,41"),
        sentence("GPGSV,1,1,02,01,41,084,47,02,17,308,"),
    ]
    sats = read_nmea(write(tmp_path, lines)).satellites
    assert sats["prn"].tolist() == [1, 2]
    assert sats["elevation_deg"].tolist() == [41, 17]
    assert sats["cn0_dbhz"].iloc[0] == 47 and math.isnan(sats["cn0_dbhz"].iloc[1])


def test_sentences_without_time_join_the_epoch_before_them(tmp_path):
    lines = [
        sentence("GPGSV,1,1,01,05,10,100,20"),  # before any time: the first epoch
        gga("090000"),
        gsa("GP", ["05"], ("2.0", "1.0", "1.7")),
        rmc("090000", "010124"),  # same second: same epoch
        gga("090001"),
        sentence("GPGSV,1,1,01,07,10,100,30"),
    ]
    log = read_nmea(write(tmp_path, lines))
    assert len(log.epochs) == 2
    assert log.epochs["line"].tolist() == [1, 5]
    assert log.satellites["prn"].tolist() == [5, 7]
    assert log.satellites["epoch"].tolist() == [0, 1]
    assert log.epochs["pdop"].tolist()[0] == 2.0 and math.isnan(log.epochs["pdop"].iloc[1])
    assert log.satellites["time"].tolist() == [
        pd.Timestamp("2024-01-01 09:00:00", tz="UTC"),
        pd.Timestamp("2024-01-01 09:00:01", tz="UTC"),
    ]


# -- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ddmmyy", "day_before", "day_after"),
    [
        ("311223", "2023-12-31", "2024-01-01"),  # year end
        ("310124", "2024-01-31", "2024-02-01"),  # month end
        ("280224", "2024-02-28", "2024-02-29"),  # leap year
        ("280223", "2023-02-28", "2023-03-01"),
        ("311299", "1999-12-31", "2000-01-01"),  # two-digit years 80-99 are 19xx
    ],
)
def test_midnight_rollover_carries_the_date(tmp_path, ddmmyy, day_before, day_after):
    lines = [rmc("235959.50", ddmmyy), gga("235959.50"), gga("000000.50"), gga("000001.50")]
    times = read_nmea(write(tmp_path, lines)).epochs["time"].tolist()
    assert times == [
        pd.Timestamp(f"{day_before} 23:59:59.5", tz="UTC"),
        pd.Timestamp(f"{day_after} 00:00:00.5", tz="UTC"),
        pd.Timestamp(f"{day_after} 00:00:01.5", tz="UTC"),
    ]


def test_epochs_before_the_first_date_were_the_day_before_when_later_in_the_day(tmp_path):
    lines = [gga("235958"), gga("235959"), gga("000000"), rmc("000001", "010124"), gga("000002")]
    times = read_nmea(write(tmp_path, lines)).epochs["time"].tolist()
    assert times == [
        pd.Timestamp("2023-12-31 23:59:58", tz="UTC"),
        pd.Timestamp("2023-12-31 23:59:59", tz="UTC"),
        pd.Timestamp("2024-01-01 00:00:00", tz="UTC"),
        pd.Timestamp("2024-01-01 00:00:01", tz="UTC"),
        pd.Timestamp("2024-01-01 00:00:02", tz="UTC"),
    ]


def test_zda_gives_the_date(tmp_path):
    lines = [sentence("GPZDA,201530.00,04,07,2002,00,00"), gga("201531")]
    epochs = read_nmea(write(tmp_path, lines)).epochs
    assert epochs["time"].tolist() == [
        pd.Timestamp("2002-07-04 20:15:30", tz="UTC"),
        pd.Timestamp("2002-07-04 20:15:31", tz="UTC"),
    ]


def test_log_without_date_keeps_time_of_day_only(tmp_path):
    log = read_nmea(write(tmp_path, [gga("123519"), gga("123520.25")]))
    assert log.epochs["time"].isna().all()
    assert log.epochs["time_of_day_s"].tolist() == [45319.0, 45320.25]
    assert any("no RMC/ZDA date in the log" in note for note in log.report.notes)


# -- bad lines -------------------------------------------------------------------------------------
def test_bad_checksum_is_skipped_with_its_line_number(tmp_path):
    good, bad = gga("120001"), gga("120002")
    wrong = f"{int(bad[-2:], 16) ^ 0x01:02X}"
    lines = [gga("120000"), good, bad[:-2] + wrong, gga("120003")]
    log = read_nmea(write(tmp_path, lines))
    assert log.report.skipped == 1
    assert dict(log.report.reasons) == {"bad checksum": 1}
    assert log.report.first_skipped == [3]
    assert log.epochs["time_of_day_s"].tolist() == [43200, 43201, 43203]
    assert log.epochs["line"].tolist() == [1, 2, 4]


def test_missing_checksum_truncated_and_short_lines(tmp_path):
    full = "$GPGGA,120001,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"
    lines = [
        gga("120000"),
        full,  # complete, but no checksum
        "$GPGGA,120002,4807.0",  # cut off while being written
        sentence("GPGGA,120003,4807.038,N"),  # a correct checksum, too few fields
        "GPGGA,120004,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47",  # no '$'
        "some text from the logger",
        "",
        gga("120005"),
    ]
    log = read_nmea(write(tmp_path, lines))
    assert dict(log.report.reasons) == {"no checksum": 1, "too few fields": 2, "not an NMEA sentence": 2}
    assert log.report.first_skipped == [2, 3, 4, 5, 6]
    assert log.report.rows == 7  # the blank line is not counted
    assert log.report.kept == 2
    assert log.epochs["time_of_day_s"].tolist() == [43200, 43205]


def test_non_printable_characters_with_a_valid_checksum_are_skipped(tmp_path):
    lines = [gga("120000"), sentence("GPGGA,120001,48\x0107.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")]
    log = read_nmea(write(tmp_path, lines))
    assert dict(log.report.reasons) == {"non-printable characters": 1}
    assert len(log.epochs) == 1


def test_other_sentence_types_are_ignored_and_noted(tmp_path):
    lines = [
        gga("120000"),
        sentence("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A"),
        sentence("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A"),
        sentence("PUBX,00,120000.00,4807.038,N"),
    ]
    log = read_nmea(write(tmp_path, lines))
    assert log.report.ok
    assert log.report.kept == 1
    note = next(note for note in log.report.notes if "ignored" in note)
    assert "3 sentences" in note and "VTG" in note and "PUBX" in note


def test_crlf_bom_trailing_garbage_and_binary_junk(tmp_path):
    lines = [CLASSIC_GGA + " trailing", CLASSIC_RMC]
    log = read_nmea(write(tmp_path, lines, newline="\r\n", prefix=b"\xef\xbb\xbf"))
    assert log.report.ok and log.report.kept == 2
    assert log.epochs["lat"].iloc[0] == pytest.approx(48.1173)
    assert log.epochs["time"].iloc[0] == pd.Timestamp("1994-03-23 12:35:19", tz="UTC")

    path = tmp_path / "junk.nmea"
    path.write_bytes(b"\x00\xff\xfe$\x93\x01*\n" + (CLASSIC_GGA + "\r\n").encode() + bytes(range(11, 256)) + b"\n")
    log = read_nmea(path)
    assert log.report.kept == 1 and log.report.skipped == 2
    assert log.epochs["lat"].iloc[0] == pytest.approx(48.1173)


def test_cr_only_line_ends(tmp_path):
    log = read_nmea(write(tmp_path, [CLASSIC_GGA, CLASSIC_RMC, gga("123520")], newline="\r"))
    assert len(log.epochs) == 2 and log.report.ok


# -- files that are not NMEA logs ---------------------------------------------------------------------
@pytest.mark.parametrize("content", [b"", b"  \r\n\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.nmea"
    path.write_bytes(content)
    with pytest.raises(InputError, match="empty") as err:
        read_nmea(path)
    assert err.value.source == str(path)


@pytest.mark.parametrize(
    "content",
    [
        b"This is a text file.\nIt has no sentences at all.\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
    ],
)
def test_wrong_kind_of_file(tmp_path, content):
    path = tmp_path / "picture.nmea"
    path.write_bytes(content)
    with pytest.raises(InputError, match="no NMEA sentences found") as err:
        read_nmea(path)
    assert "picture.nmea" in str(err.value)


def test_only_unused_sentence_types(tmp_path):
    with pytest.raises(InputError, match="only VTG"):
        read_nmea(write(tmp_path, [sentence("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A")]))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_nmea(tmp_path / "nope.nmea")


# -- chunks, progress, cancel --------------------------------------------------------------------------
MIXED = [
    sentence("GPGSV,1,1,01,05,10,100,20"),
    rmc("235958", "311223"),
    gga("235958"),
    "garbage",
    gsa("GN", ["05", "13"], ("1.8", "1.0", "1.5"), system="1"),
    sentence("GPGSV,2,1,05,01,40,083,46,02,17,308,41,03,07,344,39,04,22,228,45,1"),
    sentence("GPGSV,2,2,05,05,10,100,20,1"),
    gga("235959"),
    gga("235959")[:-1] + "0",
    *BEIDOU[1:],
    gga("000000"),
    sentence("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A"),
    sentence("GLGSV,1,1,01,65,10,100,20"),
    gga("000001"),
]


@pytest.mark.parametrize("chunk_lines", [1, 2, 3, 7])
def test_chunked_reading_gives_the_same_result(tmp_path, monkeypatch, chunk_lines):
    path = write(tmp_path, MIXED)
    whole = read_nmea(path)
    monkeypatch.setattr(nmea, "CHUNK_LINES", chunk_lines)
    chunked = read_nmea(path)
    pd.testing.assert_frame_equal(chunked.epochs, whole.epochs)
    pd.testing.assert_frame_equal(chunked.satellites, whole.satellites)
    assert chunked.report == whole.report
    # And what the whole read found, by hand:
    assert len(whole.epochs) == 4
    assert whole.report.first_skipped == [4, 9]
    assert len(whole.satellites) == 1 + 5 + 8 + 1
    assert whole.epochs["time"].iloc[-1] == pd.Timestamp("2024-01-01 00:00:01", tz="UTC")


def test_progress_and_cancel(tmp_path, monkeypatch):
    monkeypatch.setattr(nmea, "CHUNK_LINES", 4)
    path = write(tmp_path, [gga(f"1200{s:02d}") for s in range(20)])
    progress = []
    read_nmea(path, progress=progress.append)
    assert len(progress) >= 20 // 4 and progress == sorted(progress) and progress[-1] == 1.0

    calls = []

    def cancel_after_first_chunk() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Canceled):
        read_nmea(path, is_canceled=cancel_after_first_chunk)
    assert len(calls) == 2
