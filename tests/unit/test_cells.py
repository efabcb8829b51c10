"""Cell-site and drive-test readers against CSV text whose content is known by hand.

Unix time checked by hand: 1459814400 s = 16 896 days = 2016-04-05 00:00:00 UTC (2016-01-01
is day 46 x 365 + 11 leap days = 16 801; + 31 + 29 + 31 + 4 days).
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.layers import cells
from citytwin.layers.cells import (
    CELL_SITE_SCHEMA,
    DRIVE_TEST_ALIASES,
    DRIVE_TEST_SCHEMA,
    read_drive_test,
    read_opencellid,
    write_opencellid,
)

UTC = "UTC"
HEADER = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal"
ROWS = [
    "LTE,460,0,4125,124506883,301,116.3975,39.9087,1000,12,1,1459814400,1459900800,-95",
    "NR,460,1,4300,68719476735,,116.41,39.92,500,3,0,1600000000,1600000100,0",
    "GSM,460,0,4125,20511,,116.42,39.93,2500,40,1,1459814400,1459814460,",
]


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xy(frame):
    return list(zip(frame.geometry.x, frame.geometry.y))


# -- OpenCelliD ----------------------------------------------------------------------


def test_header_and_headerless_files_give_the_same_cells(tmp_path):
    with_header = read_opencellid(write(tmp_path, "full.csv", "\n".join([HEADER, *ROWS]) + "\n"))
    per_country = read_opencellid(write(tmp_path, "460.csv", "\n".join(ROWS) + "\n"))
    sites = with_header.sites
    pd.testing.assert_frame_equal(sites, per_country.sites)
    assert list(sites.columns) == [*CELL_SITE_SCHEMA, "geometry"]
    assert sites.crs.to_epsg() == 4326
    assert sites["radio"].tolist() == ["LTE", "NR", "GSM"]
    assert sites["mcc"].tolist() == [460, 460, 460]
    assert sites["mnc"].tolist() == [0, 1, 0]
    assert sites["lac_tac"].tolist() == [4125, 4300, 4125]
    assert sites["unit"].tolist() == [301, pd.NA, pd.NA]
    assert sites["range_m"].tolist() == [1000, 500, 2500]
    assert sites["samples"].tolist() == [12, 3, 40]
    assert sites["changeable"].tolist() == [True, False, True]
    assert xy(sites) == [(116.3975, 39.9087), (116.41, 39.92), (116.42, 39.93)]
    assert (with_header.report.rows, with_header.report.kept, with_header.report.skipped) == (3, 3, 0)
    assert any("no header line" in note for note in per_country.report.notes)


def test_types_times_signal_and_nr_cell_id(tmp_path):
    sites = read_opencellid(write(tmp_path, "460.csv", "\n".join(ROWS))).sites
    # NR cell identities are 36 bits: 68719476735 = 2^36 - 1 must survive exactly.
    assert sites["cell_id"].dtype == np.int64
    assert sites["cell_id"].tolist() == [124506883, 68719476735, 20511]
    assert sites["created"].dtype == "datetime64[ns, UTC]"
    assert sites["created"].iloc[0] == pd.Timestamp("2016-04-05 00:00:00", tz=UTC)
    assert sites["updated"].iloc[0] == pd.Timestamp("2016-04-06 00:00:00", tz=UTC)  # + 86 400 s
    assert sites["updated"].iloc[2] == pd.Timestamp("2016-04-05 00:01:00", tz=UTC)  # + 60 s
    # The example of the exchange format's documentation (Mozilla Ichnaea, import_export.rst).
    row = "UMTS,505,4,2035,32345,312,52.3456789,-10.034,2500,1200,1,1406204196,1406204196,-72"
    spec = read_opencellid(write(tmp_path, "spec.csv", row)).sites
    assert spec["created"].iloc[0] == pd.Timestamp("2014-07-24T12:16:36Z")
    assert (spec["unit"].iloc[0], spec["range_m"].iloc[0], spec["samples"].iloc[0]) == (312, 2500, 1200)
    assert spec["avg_signal_dbm"].iloc[0] == -72.0
    assert xy(spec) == [(52.3456789, -10.034)]
    # averageSignal: -95 dBm kept; 0 and empty both mean unknown.
    assert sites["avg_signal_dbm"].iloc[0] == -95.0
    assert sites["avg_signal_dbm"].iloc[1:].isna().all()


def test_bad_rows_are_skipped_with_their_line_numbers(tmp_path):
    text = "\n".join(
        [
            HEADER,  # line 1
            ROWS[0],  # line 2
            "LTE,460,0,4125,5,,abc,39.9,1000,1,1,1459814400,1459814400,0",  # line 3: text in lon
            "LTE,460,0,4125,6,,116.4,95,1000,1,1,1459814400,1459814400,0",  # line 4: lat 95
            "LTE,460,0,4125,7,,116.4",  # line 5: too few columns
            "",  # line 6: blank, not a row
            ROWS[1],  # line 7
            ROWS[2] + ",extra",  # line 8: too many columns
            "LTE,460,0,4125,9,,-181,39.9,1000,1,1,1459814400,1459814400,0",  # line 9: lon -181
        ]
    )
    result = read_opencellid(write(tmp_path, "bad.csv", text))
    report = result.report
    assert result.sites["cell_id"].tolist() == [124506883, 68719476735]
    assert (report.rows, report.kept, report.skipped) == (7, 2, 5)
    assert report.first_skipped == [3, 4, 5, 8, 9]
    assert report.reasons == {
        "unreadable lon": 1,
        "lat outside [-90, 90]": 1,
        "wrong number of fields (expected 14)": 2,
        "lon outside [-180, 180]": 1,
    }


def test_headerless_line_numbers_start_at_one(tmp_path):
    text = "\n".join(["LTE,460,0,4125", ROWS[0], "LTE,460,zero,4125,5,,116.4,39.9,1000,1,1,1459814400,1459814400,0"])
    report = read_opencellid(write(tmp_path, "460.csv", text)).report
    assert report.first_skipped == [1, 3]
    assert report.reasons == {"wrong number of fields (expected 14)": 1, "unreadable net": 1}


def test_duplicate_cells_keep_the_latest_update(tmp_path):
    text = "\n".join(
        [
            "LTE,460,0,4125,77,1,116.1,39.1,100,1,1,1459814400,1459814400,-90",
            "LTE,460,0,4125,77,2,116.2,39.2,200,2,1,1459814400,1459900800,-91",  # latest update
            "LTE,460,0,4125,77,3,116.3,39.3,300,3,1,1459814400,1459850000,-92",
            "UMTS,460,0,4125,77,4,116.4,39.4,400,4,1,1459814400,1459814400,-93",  # other radio: other cell
        ]
    )
    result = read_opencellid(write(tmp_path, "dups.csv", text))
    assert result.sites["radio"].tolist() == ["LTE", "UMTS"]
    assert result.sites["unit"].tolist() == [2, 4]
    assert xy(result.sites) == [(116.2, 39.2), (116.4, 39.4)]
    assert result.report.kept == 2 and result.report.skipped == 0
    assert any("2 duplicate" in note for note in result.report.notes)


@pytest.mark.parametrize("header", [True, False])
def test_write_then_read_round_trip(tmp_path, header):
    original = read_opencellid(write(tmp_path, "460.csv", "\n".join(ROWS))).sites
    path = write_opencellid(original, tmp_path / "out.csv", header=header)
    lines = path.read_text().splitlines()
    # Written back as read: times in Unix seconds, unknown signal as 0, empty unit empty.
    assert lines == ([HEADER] if header else []) + [ROWS[0], ROWS[1], ROWS[2] + "0"]
    again = read_opencellid(path).sites
    pd.testing.assert_frame_equal(again, original)


def test_write_reprojects_and_needs_the_key_columns(tmp_path):
    original = read_opencellid(write(tmp_path, "460.csv", "\n".join(ROWS))).sites
    # EPSG:4548 is CGCS2000 / 3-degree Gauss-Kruger CM 117E, the Beijing base CRS.
    path = write_opencellid(original.to_crs(4548), tmp_path / "out.csv", header=False)
    lon, lat = path.read_text().splitlines()[0].split(",")[6:8]
    assert float(lon) == pytest.approx(116.3975, abs=1e-9)
    assert float(lat) == pytest.approx(39.9087, abs=1e-9)
    with pytest.raises(InputError, match="missing column.*cell_id"):
        write_opencellid(original.drop(columns=["cell_id"]), tmp_path / "x.csv")


def test_gzipped_download_is_read_directly(tmp_path):
    path = tmp_path / "460.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(ROWS) + "\n").encode()))
    plain = read_opencellid(write(tmp_path, "460.csv", "\n".join(ROWS) + "\n"))
    pd.testing.assert_frame_equal(read_opencellid(path).sites, plain.sites)


def test_header_in_another_order_with_extra_column(tmp_path):
    text = "lat,lon,radio,mcc,net,area,cell,comment\n39.9,116.4,lte,460,0,4125,5,roof\n"
    result = read_opencellid(write(tmp_path, "reordered.csv", text))
    assert xy(result.sites) == [(116.4, 39.9)]
    assert result.sites["radio"].tolist() == ["LTE"]
    assert result.sites["range_m"].isna().all() and result.sites["created"].isna().all()
    assert any("comment" in note for note in result.report.notes)


def test_utf16_cell_list_is_refused_with_advice(tmp_path):
    with pytest.raises(InputError, match="UTF-16.*save it as UTF-8"):
        read_opencellid(write(tmp_path, "460.csv", "\n".join(ROWS), encoding="utf-16"))


def test_file_without_cell_columns_is_refused_with_the_columns_found(tmp_path):
    path = write(tmp_path, "drive.csv", "time,lon,lat,rsrp\n2024-05-01 08:00:00,116.4,39.9,-90\n")
    with pytest.raises(InputError) as err:
        read_opencellid(path)
    message = str(err.value)
    assert "radio, mcc, net, area, cell" in message
    assert "time, lon, lat, rsrp" in message
    assert err.value.line == 1


@pytest.mark.parametrize(("content", "match"), [(b"", "empty"), (b"\n \n", "empty"), (HEADER.encode(), "no data")])
def test_empty_opencellid_file(tmp_path, content, match):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as err:
        read_opencellid(path)
    assert err.value.source == str(path)


def test_chunks_report_progress_cancel_and_keep_line_order(tmp_path, monkeypatch):
    monkeypatch.setattr(cells, "CHUNK_BYTES", 120)  # 2 lines
    good = "LTE,460,0,1,{},,116.4,39.9,1,1,1,1459814400,1459814400,0"
    lines = [good.format(i) if i % 3 else "LTE,460,0" for i in range(1, 13)]  # lines 3, 6, 9, 12 bad
    path = write(tmp_path, "460.csv", "\n".join(lines))
    progress = []
    result = read_opencellid(path, progress=progress.append)
    assert result.report.first_skipped == [3, 6, 9, 12]
    assert result.report.kept == 8
    assert progress == sorted(progress) and progress[-1] == 1.0 and len(progress) >= 6
    calls = []
    with pytest.raises(Canceled):
        read_opencellid(path, is_canceled=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3


def test_stray_carriage_return_keeps_line_numbers(tmp_path):
    text = "\n".join(
        [
            ROWS[0],  # line 1
            "LTE,460,0,4125,5,,116.4,39.9\r,1000,1,1,1459814400,1459814400,0",  # line 2: a lone CR inside
            "LTE,460,0",  # line 3: too few fields
            ROWS[1],  # line 4
        ]
    )
    result = read_opencellid(write(tmp_path, "460.csv", text))
    assert result.sites["cell_id"].tolist() == [124506883, 5, 68719476735]
    assert result.report.first_skipped == [3]


# -- drive tests ---------------------------------------------------------------------

TEMS = (
    "Time,Latitude,Longitude,Serving Cell RSRP (dBm),RSRQ (dB),SINR (dB),PCI,EARFCN,ECI,Speed (m/s),Event\n"
    "2024-05-01 08:00:02.250,39.9089,116.3977,-88.5,-10.5,12.5,301,1825,124506883,10,\n"
    "2024-05-01 08:00:01,39.9088,116.3976,-90,-11,13,302,1825,124506884,12.5,Handover\n"
)


def test_tems_like_english_headers(tmp_path):
    result = read_drive_test(write(tmp_path, "tems.csv", TEMS))
    m = result.measurements
    assert list(m.columns) == [*DRIVE_TEST_SCHEMA, "geometry"]
    assert m.crs.to_epsg() == 4326
    # Sorted by time: the second line comes first.
    assert m["time"].tolist() == [
        pd.Timestamp("2024-05-01 08:00:01", tz=UTC),
        pd.Timestamp("2024-05-01 08:00:02.250", tz=UTC),
    ]
    assert m["rsrp_dbm"].tolist() == [-90.0, -88.5]
    assert m["rsrq_db"].tolist() == [-11.0, -10.5]
    assert m["sinr_db"].tolist() == [13.0, 12.5]
    assert m["pci"].tolist() == [302, 301]
    assert m["cell_id"].tolist() == [124506884, 124506883]
    assert m["earfcn"].tolist() == [1825, 1825]
    assert m["speed_kmh"].tolist() == [45.0, 36.0]  # m/s x 3.6
    assert xy(m) == [(116.3976, 39.9088), (116.3977, 39.9089)]
    # Fields the file lacks are there, empty.
    assert m["rssi_dbm"].isna().all() and m["tac"].isna().all() and m["technology"].isna().all()
    assert result.mapping == {
        "time": "Time",
        "lon": "Longitude",
        "lat": "Latitude",
        "rsrp_dbm": "Serving Cell RSRP (dBm)",
        "rsrq_db": "RSRQ (dB)",
        "sinr_db": "SINR (dB)",
        "pci": "PCI",
        "cell_id": "ECI",
        "earfcn": "EARFCN",
        "speed_kmh": "Speed (m/s)",
    }
    assert result.unmapped == ["Event"]
    notes = " ".join(result.report.notes)
    assert "rsrp_dbm = 'Serving Cell RSRP (dBm)'" in notes
    assert "Columns not used: 'Event'" in notes
    assert "2 time(s) without a time zone were taken as UTC" in notes
    assert "converted from m/s" in notes
    assert (result.report.rows, result.report.kept, result.report.skipped) == (2, 2, 0)


CHINESE = (
    "时间,经度,纬度,RSRP,SINR\n2024-05-01 08:00:00,116.3975,39.9087,-95,3.5\n2024/05/01 08:00:05,116.398,39.909,-97,2\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_chinese_headers_in_any_common_encoding(tmp_path, encoding):
    result = read_drive_test(write(tmp_path, "鼎利.csv", CHINESE, encoding=encoding))
    m = result.measurements
    assert result.mapping == {"time": "时间", "lon": "经度", "lat": "纬度", "rsrp_dbm": "RSRP", "sinr_db": "SINR"}
    assert m["time"].tolist() == [
        pd.Timestamp("2024-05-01 08:00:00", tz=UTC),
        pd.Timestamp("2024-05-01 08:00:05", tz=UTC),
    ]
    assert m["rsrp_dbm"].tolist() == [-95.0, -97.0]
    assert m["sinr_db"].tolist() == [3.5, 2.0]
    assert m["rsrq_db"].isna().all()
    assert xy(m) == [(116.3975, 39.9087), (116.398, 39.909)]
    assert result.unmapped == []
    assert any("GB18030" in note for note in result.report.notes) == (encoding == "gbk")


def test_semicolon_decimal_comma_and_unix_milliseconds(tmp_path):
    text = (
        "timestamp;lng;lat;rsrp;rsrq;sinr\n"
        "1459814400123;116,3975;39,9087;-90,5;-10,5;7,25\n"  # milliseconds
        "1459814401;116,3976;39,9088;-91;-11;8\n"  # seconds
    )
    result = read_drive_test(write(tmp_path, "nemo.csv", text))
    m = result.measurements
    assert m["time"].tolist() == [
        pd.Timestamp("2016-04-05 00:00:00.123", tz=UTC),
        pd.Timestamp("2016-04-05 00:00:01", tz=UTC),
    ]
    assert xy(m) == [(116.3975, 39.9087), (116.3976, 39.9088)]
    assert m["rsrp_dbm"].tolist() == [-90.5, -91.0]
    assert m["rsrq_db"].tolist() == [-10.5, -11.0]
    assert m["sinr_db"].tolist() == [7.25, 8.0]
    notes = " ".join(result.report.notes)
    assert "Decimal commas" in notes
    assert "time zone" not in notes  # Unix times are UTC by definition


def test_tab_separated_iso_times_with_zones(tmp_path):
    text = (
        "UTC\tGPS_Lon\tGPS_Lat\tSS-RSRP\n"
        "2024-05-01T16:00:00+08:00\t116.40\t39.90\t-80\n"
        "2024-05-01T08:00:01Z\t116.41\t39.91\t-81\n"
        "2024-05-01T03:00:02.5-05:00\t116.42\t39.92\t-82\n"
    )
    result = read_drive_test(write(tmp_path, "qualipoc.txt", text))
    assert result.measurements["time"].tolist() == [
        pd.Timestamp("2024-05-01 08:00:00", tz=UTC),
        pd.Timestamp("2024-05-01 08:00:01", tz=UTC),
        pd.Timestamp("2024-05-01 08:00:02.5", tz=UTC),
    ]
    assert result.measurements["rsrp_dbm"].tolist() == [-80.0, -81.0, -82.0]
    assert not any("time zone" in note for note in result.report.notes)


def test_naive_times_in_a_given_time_zone(tmp_path):
    result = read_drive_test(write(tmp_path, "tems.csv", TEMS), naive_time_zone="Asia/Shanghai")
    # Beijing time is UTC+8 all year.
    assert result.measurements["time"].iloc[0] == pd.Timestamp("2024-05-01 00:00:01", tz=UTC)
    assert any("taken as Asia/Shanghai" in note for note in result.report.notes)
    with pytest.raises(ValueError, match="time zone"):
        read_drive_test(write(tmp_path, "tems.csv", TEMS), naive_time_zone="Mars/Olympus")


def test_date_and_time_of_day_in_two_columns(tmp_path):
    text = "Date,Time,Lat,Lon,RSRP\n2024-05-01,08:00:01.5,39.9,116.4,-90\n2024/05/02,23:59:59,39.9,116.4,-91\n"
    result = read_drive_test(write(tmp_path, "split.csv", text))
    assert result.measurements["time"].tolist() == [
        pd.Timestamp("2024-05-01 08:00:01.5", tz=UTC),
        pd.Timestamp("2024-05-02 23:59:59", tz=UTC),
    ]
    assert result.mapping["date"] == "Date"


def test_user_mapping_overrides_the_aliases(tmp_path):
    text = "ts,lat_wgs,lon_wgs,Level,RSRP,cell\n1459814400,39.9,116.4,-70,-99,12\n"
    path = write(tmp_path, "gnettrack.csv", text)
    automatic = read_drive_test(path, mapping={"lon": "lon_wgs", "lat": "lat_wgs", "time": "ts"})
    assert automatic.mapping["rsrp_dbm"] == "RSRP"
    assert automatic.measurements["rsrp_dbm"].tolist() == [-99.0]
    assert automatic.unmapped == ["Level", "cell"]
    chosen = read_drive_test(
        path, mapping={"lon": "lon_wgs", "lat": "lat_wgs", "time": "ts", "rsrp_dbm": "level", "cell_id": "cell"}
    )
    assert chosen.mapping["rsrp_dbm"] == "Level"  # matched despite the case
    assert chosen.measurements["rsrp_dbm"].tolist() == [-70.0]
    assert chosen.measurements["cell_id"].tolist() == [12]
    assert chosen.unmapped == ["RSRP"]
    assert chosen.measurements["time"].iloc[0] == pd.Timestamp("2016-04-05", tz=UTC)
    with pytest.raises(InputError, match="'longitude' chosen for lon is not in the file") as err:
        read_drive_test(path, mapping={"lon": "longitude"})
    assert "lat_wgs" in str(err.value)
    with pytest.raises(InputError, match="not a drive-test field"):
        read_drive_test(path, mapping={"altitude": "ts"})


def test_mapping_none_leaves_a_field_out(tmp_path):
    text = "time,lon,lat,rsrp,pci\n1459814400,116.4,39.9,-90,7\n"
    result = read_drive_test(write(tmp_path, "a.csv", text), mapping={"pci": None})
    assert result.measurements["pci"].isna().all()
    assert result.unmapped == ["pci"]


def test_two_headers_for_one_field_prefer_the_earlier_alias(tmp_path):
    text = "time,lon,lat,NR SS-RSRP,RSRP\n1459814400,116.4,39.9,-100,-90\n"
    result = read_drive_test(write(tmp_path, "nsa.csv", text))
    # "rsrp" is listed before "nr_ss_rsrp", whatever the column order.
    assert result.mapping["rsrp_dbm"] == "RSRP"
    assert result.measurements["rsrp_dbm"].tolist() == [-90.0]
    assert result.unmapped == ["NR SS-RSRP"]
    assert any("'RSRP' was used, not 'NR SS-RSRP'" in note for note in result.report.notes)


def test_missing_lon_names_the_field_aliases_and_headers(tmp_path):
    path = write(tmp_path, "nolon.csv", "time,latitude,rsrp\n1459814400,39.9,-90\n")
    with pytest.raises(InputError) as err:
        read_drive_test(path)
    assert err.value.field == "lon"
    message = str(err.value)
    assert "no column for lon" in message
    assert "longitude" in message and "经度" in message  # aliases tried
    assert "time, latitude, rsrp" in message  # headers present


def test_no_radio_measure_column_is_an_error(tmp_path):
    path = write(tmp_path, "gps.csv", "time,lon,lat,speed\n1459814400,116.4,39.9,30\n")
    with pytest.raises(InputError, match="no radio measure column") as err:
        read_drive_test(path)
    assert err.value.field == "rsrp_dbm"
    assert "time, lon, lat, speed" in str(err.value)


def test_out_of_range_measures_become_empty_with_a_note(tmp_path):
    text = (
        "time,lon,lat,rsrp,rsrq,sinr\n"
        "1459814400,116.4,39.9,-20,-10,5\n"  # line 2: RSRP above -31 dBm
        "1459814401,116.4,39.9,-156,-43,40\n"  # line 3: all on the limits, kept
        "1459814402,116.4,39.9,-160,25,-30\n"  # line 4: all three impossible -> row skipped
        "1459814403,116.4,39.9,-100,-50,\n"  # line 5: RSRQ below -43 dB
    )
    result = read_drive_test(write(tmp_path, "range.csv", text))
    m = result.measurements
    # Kept: lines 2, 3 and 5, in that (time) order.
    np.testing.assert_array_equal(m["rsrp_dbm"], [np.nan, -156.0, -100.0])
    np.testing.assert_array_equal(m["rsrq_db"], [-10.0, -43.0, np.nan])
    np.testing.assert_array_equal(m["sinr_db"], [5.0, 40.0, np.nan])
    assert result.report.first_skipped == [4]
    assert result.report.reasons == {"no RSRP, RSRQ or SINR value": 1}
    notes = " ".join(result.report.notes)
    assert "2 rsrp_dbm value(s) outside the 3GPP TS 36.133 reporting range [-156, -31] dBm" in notes
    assert "were set to empty (first on line 2)" in notes
    assert "2 rsrq_db value(s) outside the 3GPP TS 36.133 reporting range [-43, 20] dB" in notes
    assert "1 sinr_db value(s) outside the 3GPP TS 36.133 reporting range [-23, 40] dB" in notes


def test_bad_drive_rows_are_skipped_with_line_numbers(tmp_path):
    text = "\n".join(
        [
            "time,lon,lat,rsrp,rsrq,pci",  # line 1
            "2024-05-01 08:00:00,116.4,39.9,-90,-10,1",  # line 2: good
            "16/07/2024 10:03:43,116.4,39.9,-90,-10,1",  # line 3: unknown time format
            "2024-05-01 08:00:02,east,39.9,-90,-10,1",  # line 4: text in lon
            "2024-05-01 08:00:03,116.4,91,-90,-10,1",  # line 5: lat out of range
            "2024-05-01 08:00:04,0,0,-90,-10,1",  # line 6: no GPS fix
            "2024-05-01 08:00:05,116.4,39.9,-90",  # line 7: too few fields
            "",  # line 8: blank
            "2024-05-01 08:00:06,116.4,39.9,N/A,-,2",  # line 9: no radio measure
            "2024-05-01 08:00:07,116.4,39.9,-91,-11,x",  # line 10: good, unreadable pci left empty
            "2024-05-01 08:00:08,116.4,39.9,-92,-12,3,",  # line 11: good, trailing separator
            "2024-05-01 08:00:09,116.4,39.9,-93,-13,3,9",  # line 12: too many fields
        ]
    )
    result = read_drive_test(write(tmp_path, "bad.csv", text))
    report = result.report
    assert result.measurements["rsrp_dbm"].tolist() == [-90.0, -91.0, -92.0]
    assert result.measurements["pci"].tolist() == [1, pd.NA, 3]
    assert (report.rows, report.kept, report.skipped) == (10, 3, 7)
    assert report.first_skipped == [3, 4, 5, 6, 7, 9, 12]
    assert report.reasons == {
        "unreadable time": 1,
        "unreadable lon": 1,
        "lat outside [-90, 90]": 1,
        "no GPS fix (lon and lat are 0)": 1,
        "fewer fields than the header": 1,
        "no RSRP, RSRQ or SINR value": 1,
        "more fields than the header": 1,
    }
    notes = " ".join(report.notes)
    assert "Line 3: time '16/07/2024 10:03:43' is not in a known format" in notes
    assert "1 pci value(s) in 'pci' are not numbers" in notes


def test_cgi_values_give_the_cell_identity(tmp_path):
    text = (
        "time,lon,lat,rsrp,CGI\n"
        "1459814400,116.4,39.9,-90,460-00-12345-67\n"  # GSM CGI: MCC-MNC-LAC-CI
        "1459814401,116.4,39.9,-90,460-11-68719476735\n"  # NR NCGI: MCC-MNC-NCI
    )
    result = read_drive_test(write(tmp_path, "cgi.csv", text))
    assert result.measurements["cell_id"].tolist() == [67, 68719476735]
    assert any("CGI" in note for note in result.report.notes)


def test_drive_progress_and_cancel(tmp_path, monkeypatch):
    monkeypatch.setattr(cells, "CHUNK_BYTES", 100)  # about 3 lines
    text = "time,lon,lat,rsrp\n" + "".join(f"{1459814400 + i},116.4,39.9,-90\n" for i in range(10))
    path = write(tmp_path, "long.csv", text)
    progress = []
    result = read_drive_test(path, progress=progress.append)
    assert result.report.kept == 10
    assert progress == sorted(progress) and progress[-1] == 1.0 and len(progress) >= 4
    calls = []
    with pytest.raises(Canceled):
        read_drive_test(path, is_canceled=lambda: calls.append(1) or len(calls) > 1)


@pytest.mark.parametrize(
    ("content", "match"), [(b"", "empty"), (b"\r\n\r\n", "empty"), (b"time,lon,lat,rsrp\n", "no data")]
)
def test_empty_drive_test_file(tmp_path, content, match):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_drive_test(path)


@pytest.mark.parametrize("reader", [read_drive_test, read_opencellid])
def test_binary_files_are_refused(tmp_path, reader):
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="binary") as err:
        reader(png)
    assert err.value.source == str(png)
    xlsx = tmp_path / "log.xlsx"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(100))
    with pytest.raises(InputError, match="Excel"):
        reader(xlsx)
    with pytest.raises(InputError, match="file not found"):
        reader(tmp_path / "missing.csv")


def test_no_alias_belongs_to_two_fields():
    owners = {}
    for canonical, aliases in DRIVE_TEST_ALIASES.items():
        for alias in aliases:
            spelling = cells._norm(alias, drop_bracketed=False)
            assert owners.setdefault(spelling, canonical) == canonical, f"{alias!r}: {owners[spelling]} and {canonical}"


def test_quoted_fields_may_hold_the_separator(tmp_path):
    text = (
        "time,lon,lat,rsrp,technology,note\n"
        '1459814400,116.4,39.9,-90,"LTE, NSA","a ""quoted"" word"\n'  # line 2: separators inside quotes
        '1459814401,"116.5",39.9,-91,NR,plain\n'  # line 3: a quoted number
        '1459814402,116.6,39.9,-92,"NR,SA"\n'  # line 4: one field short
    )
    result = read_drive_test(write(tmp_path, "quoted.csv", text))
    m = result.measurements
    assert m["technology"].tolist() == ["LTE, NSA", "NR"]
    assert m["lon"].tolist() == [116.4, 116.5]
    assert result.report.first_skipped == [4]
    assert result.report.reasons == {"fewer fields than the header": 1}


def test_unbalanced_quote_is_read_line_by_line(tmp_path):
    text = 'time,lon,lat,rsrp,note\n1459814400,116.4,39.9,-90,"open\n1459814401,116.5,39.9,-91,ok\n'
    result = read_drive_test(write(tmp_path, "open.csv", text))
    # The csv module takes the stray quote as text; the next line is still its own row.
    assert result.measurements["rsrp_dbm"].tolist() == [-90.0, -91.0]
    assert result.report.skipped == 0


def test_trailing_separator_on_every_line(tmp_path):
    text = "time;lon;lat;rsrp;\n1459814400;116,4;39,9;-90;\n1459814401;116,5;39,9;-91;\n"
    result = read_drive_test(write(tmp_path, "trailing.csv", text))
    assert result.measurements["lon"].tolist() == [116.4, 116.5]
    assert result.report.skipped == 0


def test_utf16_file_with_bom(tmp_path):
    result = read_drive_test(write(tmp_path, "excel.txt", CHINESE.replace(",", "\t"), encoding="utf-16"))
    assert result.measurements["rsrp_dbm"].tolist() == [-95.0, -97.0]
    assert any("UTF-16" in note for note in result.report.notes)


def test_mixed_time_layouts_in_one_column(tmp_path):
    text = (
        "Timestamp,Longitude,Latitude,Level\n"
        "2024-05-01 08:00:00,116.4,39.9,-90\n"
        "2024-05-01T16:00:01+08:00,116.4,39.9,-91\n"
        "2024.05.01_08.00.02,116.4,39.9,-92\n"  # G-NetTrack's layout
        "2024-5-1 8:00:03,116.4,39.9,-93\n"
    )
    result = read_drive_test(write(tmp_path, "gnettrack.csv", text))
    assert result.measurements["time"].tolist() == [pd.Timestamp(f"2024-05-01 08:00:0{i}", tz=UTC) for i in range(4)]
    assert result.mapping["rsrp_dbm"] == "Level"
    assert "3 time(s) without a time zone were taken as UTC." in result.report.notes
