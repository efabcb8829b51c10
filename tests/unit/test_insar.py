"""PS (InSAR) reader and writer against files whose content is written here by hand."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.insar import (
    PSDataset,
    date_column_names,
    date_columns,
    ps_summary,
    read_egms_csv,
    read_ps_layer,
    write_egms_csv,
)

# Three L2b-like points; the date columns are deliberately out of time order. Every
# number is a binary fraction, so float32 holds it exactly and comparisons are exact.
HEADER = [
    "pid",
    "mp_type",
    "latitude",
    "longitude",
    "easting",
    "northing",
    "height",
    "los_up",
    "mean_velocity",
    "mean_velocity_std",
    "20180118",
    "20180106",
    "20180112",
]
ROWS = [
    ["P1", "PS", "52.5", "13.25", "4552000.5", "3271000.25", "35.5", "0.75", "-2.5", "0.25", "-3.5", "0", "-1.75"],
    ["P2", "DS", "52.625", "13.5", "4558000", "3282000", "36", "0.8125", "1.25", "0.5", "", "0", "0.5"],
    ["P3", "PS", "52.75", "13.75", "4565000", "3293000", "37", "0.75", "-10", "1", "-12.25", "0", "-6"],
]
# Columns 20180106, 20180112, 20180118 (sorted) of ROWS, by hand.
EXPECTED = np.array([[0, -1.75, -3.5], [0, 0.5, np.nan], [0, -6, -12.25]], dtype=np.float32)
EXPECTED_DATES = np.array(["2018-01-06", "2018-01-12", "2018-01-18"], dtype="datetime64[D]")


def write_csv(path, header, rows, sep=","):
    lines = [sep.join(header)] + [sep.join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def egms_csv(tmp_path):
    return write_csv(tmp_path / "egms_l2b.csv", HEADER, ROWS)


# -- date columns ------------------------------------------------------------------------
def test_date_columns_recognise_the_three_conventions_in_input_order():
    names = ["pid", "D_20180112", "D20180106", "20180118", "d_20180124", "height", "D_2018011", "20180130a"]
    assert date_columns(names) == [
        ("D_20180112", np.datetime64("2018-01-12")),
        ("D20180106", np.datetime64("2018-01-06")),
        ("20180118", np.datetime64("2018-01-18")),
        ("d_20180124", np.datetime64("2018-01-24")),
    ]
    assert date_columns(["pid", "height"]) == []


def test_date_columns_reject_impossible_dates_and_repeated_dates():
    with pytest.raises(InputError, match="not a valid date") as err:
        date_columns(["pid", "20180229"])  # 2018 is no leap year
    assert err.value.field == "20180229"
    with pytest.raises(InputError, match="2018-01-06 appears twice") as err:
        date_columns(["20180106", "D_20180106"])
    assert err.value.field == "D_20180106"


def test_date_column_names_round_trip():
    assert date_column_names(EXPECTED_DATES) == ["20180106", "20180112", "20180118"]


# -- EGMS CSV: content -----------------------------------------------------------------------
def test_dates_are_sorted_and_the_matrix_matches_the_hand_values(egms_csv):
    ds = read_egms_csv(egms_csv)
    np.testing.assert_array_equal(ds.dates, EXPECTED_DATES)
    assert ds.dates.dtype == np.dtype("datetime64[D]")
    assert ds.displacement.dtype == np.float32
    assert ds.displacement.shape == (3, 3)
    np.testing.assert_array_equal(ds.displacement, EXPECTED)  # NaN where the cell was empty
    assert np.isnan(ds.displacement[1, 2])
    assert any("sorted" in note for note in ds.report.notes)
    assert (ds.report.rows, ds.report.kept, ds.report.skipped) == (3, 3, 0)
    assert ds.units["displacement"] == "mm" and ds.units["mean_velocity"] == "mm/yr"


def test_attributes_are_numeric_and_geometry_comes_from_latitude_longitude(egms_csv):
    ds = read_egms_csv(egms_csv)
    points = ds.points
    assert ds.crs.to_epsg() == 4326
    assert points.geometry.x.tolist() == [13.25, 13.5, 13.75]
    assert points.geometry.y.tolist() == [52.5, 52.625, 52.75]
    # The columns used for the geometry are not repeated; the others are kept.
    assert list(points.columns) == [
        "pid",
        "mp_type",
        "easting",
        "northing",
        "height",
        "los_up",
        "mean_velocity",
        "mean_velocity_std",
        "geometry",
    ]
    assert points["pid"].tolist() == ["P1", "P2", "P3"]
    assert points["mp_type"].tolist() == ["PS", "DS", "PS"]
    for name in ("easting", "northing", "height", "mean_velocity", "mean_velocity_std", "los_up"):
        assert pd.api.types.is_float_dtype(points[name]), name
    assert points["mean_velocity"].tolist() == [-2.5, 1.25, -10.0]
    assert points["easting"].tolist() == [4552000.5, 4558000.0, 4565000.0]
    # A CRS for easting/northing does not change that; the user is told.
    other = read_egms_csv(egms_csv, crs="EPSG:3035")
    assert other.crs.to_epsg() == 4326
    assert any("was not used" in note for note in other.report.notes)


def test_semicolon_file_gives_the_same_dataset(tmp_path, egms_csv):
    comma = read_egms_csv(egms_csv)
    semicolon = read_egms_csv(write_csv(tmp_path / "semi.csv", HEADER, ROWS, sep=";"))
    pd.testing.assert_frame_equal(pd.DataFrame(semicolon.points), pd.DataFrame(comma.points))
    np.testing.assert_array_equal(semicolon.displacement, comma.displacement)
    np.testing.assert_array_equal(semicolon.dates, comma.dates)
    assert semicolon.crs == comma.crs


def test_semicolon_file_with_decimal_commas(tmp_path, egms_csv):
    rows = [[value.replace(".", ",") for value in row] for row in ROWS]
    ds = read_egms_csv(write_csv(tmp_path / "excel.csv", HEADER, rows, sep=";"))
    np.testing.assert_array_equal(ds.displacement, EXPECTED)
    assert ds.points.geometry.x.tolist() == [13.25, 13.5, 13.75]
    assert ds.points["mean_velocity"].tolist() == [-2.5, 1.25, -10.0]
    assert any("decimal comma" in note for note in ds.report.notes)


def test_excel_style_file_with_bom_and_crlf(tmp_path):
    path = tmp_path / "excel.csv"
    text = "\r\n".join([";".join(HEADER)] + [";".join(row) for row in ROWS]) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ds = read_egms_csv(path)
    assert ds.points.columns[0] == "pid"
    np.testing.assert_array_equal(ds.displacement, EXPECTED)


def test_other_columns_keep_their_type_and_bad_numbers_are_noted(tmp_path):
    header = ["pid", "district", "latitude", "longitude", "mean_velocity", "20180106", "20180112"]
    rows = [
        ["P1", "Chaoyang", "39.875", "116.5", "-2.5", "0", "-1"],
        ["P2", "Haidian", "39.96875", "116.25", "n.a.", "0", "-2"],  # line 3
        ["P3", "12,5", "39.9375", "116.375", "1.5", "0", "0.5"],
    ]
    ds = read_egms_csv(write_csv(tmp_path / "mixed.csv", header, rows, sep=";"))
    assert ds.points["district"].tolist() == ["Chaoyang", "Haidian", "12,5"]
    velocity = ds.points["mean_velocity"]
    assert pd.api.types.is_float_dtype(velocity)
    assert velocity[0] == -2.5 and np.isnan(velocity[1]) and velocity[2] == 1.5
    assert any("'mean_velocity'" in note and "line 3" in note for note in ds.report.notes)
    assert ds.report.kept == 3  # the point and its series stay
    np.testing.assert_array_equal(ds.displacement, np.array([[0, -1], [0, -2], [0, 0.5]], dtype=np.float32))


def test_easting_northing_in_egms_crs_when_there_is_no_latitude_longitude(tmp_path):
    # L3-like (ortho, vertical): no latitude/longitude, no line/pixel, no LOS geometry.
    header = ["pid", "mp_type", "easting", "northing", "height", "rmse", "mean_velocity", "20190105", "20190111"]
    rows = [
        ["U1", "PS", "4321000", "3210000", "40.5", "1.5", "-4.25", "0", "-0.5"],
        ["U2", "PS", "4321100", "3210100", "41", "2", "-3", "0", "-0.25"],
    ]
    ds = read_egms_csv(write_csv(tmp_path / "egms_l3_u.csv", header, rows))
    assert ds.crs.to_epsg() == 3035
    assert ds.points.geometry.x.tolist() == [4321000.0, 4321100.0]
    assert ds.points.geometry.y.tolist() == [3210000.0, 3210100.0]
    assert "easting" not in ds.points.columns
    assert ds.points["rmse"].tolist() == [1.5, 2.0]
    np.testing.assert_array_equal(ds.displacement, np.array([[0, -0.5], [0, -0.25]], dtype=np.float32))
    assert any("EPSG:3035" in note for note in ds.report.notes)  # the assumption is said
    # An explicit CRS overrides the EGMS default.
    assert read_egms_csv(tmp_path / "egms_l3_u.csv", crs="EPSG:4548").crs.to_epsg() == 4548
    assert read_egms_csv(tmp_path / "egms_l3_u.csv", crs=4548).crs.to_epsg() == 4548


def test_row_without_any_displacement_is_kept_and_noted(tmp_path):
    rows = [*ROWS, ["P4", "PS", "52.875", "14", "", "", "38", "0.75", "0", "0", "", "", ""]]
    ds = read_egms_csv(write_csv(tmp_path / "gap.csv", HEADER, rows))
    assert ds.n_points == 4
    assert np.isnan(ds.displacement[3]).all()
    assert any("1 points have no displacement" in note for note in ds.report.notes)
    assert ds.report.skipped == 0


# -- EGMS CSV: bad rows -------------------------------------------------------------------
def test_text_in_longitude_skips_the_row_with_its_line_number(tmp_path):
    rows = [ROWS[0], [*ROWS[1][:3], "13.5E", *ROWS[1][4:]], ROWS[2]]
    path = write_csv(tmp_path / "text.csv", HEADER, rows)
    ds = read_egms_csv(path)
    assert ds.points["pid"].tolist() == ["P1", "P3"]
    np.testing.assert_array_equal(ds.displacement, EXPECTED[[0, 2]])
    report = ds.report
    assert (report.rows, report.kept, report.skipped) == (3, 2, 1)
    assert report.first_skipped == [3]  # header = line 1, P2 = line 3
    assert report.reasons == {"non-numeric coordinates": 1}
    assert "line" in report.summary() and "3" in report.summary()


def test_blank_lines_do_not_shift_line_numbers_and_bad_rows_are_named(tmp_path):
    path = tmp_path / "messy.csv"
    lines = [
        ",".join(HEADER),
        ",".join(ROWS[0]),  # line 2
        "",  # line 3: blank, ignored
        ",".join([*ROWS[1][:2], "", *ROWS[1][3:]]),  # line 4: no latitude
        ",".join([*ROWS[2][:2], "95", *ROWS[2][3:]]),  # line 5: latitude out of range
        ",".join([*ROWS[2][:10], "sunk", *ROWS[2][11:]]),  # line 6: text in a date column
        ",".join(ROWS[2]),  # line 7
    ]
    path.write_text("\n".join(lines) + "\n")
    ds = read_egms_csv(path)
    assert ds.points["pid"].tolist() == ["P1", "P3"]
    np.testing.assert_array_equal(ds.displacement, EXPECTED[[0, 2]])
    assert ds.report.rows == 5
    assert ds.report.first_skipped == [4, 5, 6]
    assert ds.report.reasons == {
        "missing coordinates": 1,
        "coordinates out of range": 1,
        "non-numeric displacement": 1,
    }


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 1000])
def test_rows_with_the_wrong_number_of_fields_are_skipped_whatever_the_chunking(tmp_path, chunk_rows):
    # pandas alone silently cuts a too-long row that starts a chunk and pads a cut-off
    # last row with NaN; both must be reported instead.
    path = tmp_path / "fields.csv"
    lines = [
        ",".join(HEADER),
        ",".join(ROWS[0]),  # line 2
        ",".join(ROWS[1]),  # line 3
        ",".join([*ROWS[2], "99"]),  # line 4: one field too many
        ",".join(ROWS[2]),  # line 5
        ",".join(ROWS[0][:11]),  # line 6: cut off after the first date
    ]
    path.write_text("\n".join(lines))  # and no newline at the end
    ds = read_egms_csv(path, chunk_rows=chunk_rows)
    assert ds.points["pid"].tolist() == ["P1", "P2", "P3"]
    np.testing.assert_array_equal(ds.displacement, EXPECTED)
    assert ds.report.first_skipped == [4, 6]
    assert ds.report.reasons == {"wrong number of fields": 2}
    assert ds.report.rows == 5


# -- EGMS CSV: unusable files ------------------------------------------------------------------
def test_no_date_column(tmp_path):
    path = write_csv(tmp_path / "nodates.csv", HEADER[:10], [row[:10] for row in ROWS])
    with pytest.raises(InputError, match=r"no date columns \(YYYYMMDD") as err:
        read_egms_csv(path)
    assert "nodates.csv" in str(err.value)


def test_invalid_date_header_is_named(tmp_path):
    header = [*HEADER[:10], "20180118", "20181345", "20180112"]
    with pytest.raises(InputError, match="20181345") as err:
        read_egms_csv(write_csv(tmp_path / "baddate.csv", header, ROWS))
    assert err.value.field == "20181345"
    assert "not a valid date" in str(err.value)


def test_duplicate_date_column_is_named(tmp_path):
    header = [*HEADER[:10], "20180118", "20180106", "20180106"]
    with pytest.raises(InputError, match="20180106") as err:
        read_egms_csv(write_csv(tmp_path / "dup.csv", header, ROWS))
    assert "twice" in str(err.value)


def test_no_position_columns_lists_what_was_found(tmp_path):
    header = ["pid", "height", "20180106"]
    with pytest.raises(InputError, match="latitude/longitude or easting/northing") as err:
        read_egms_csv(write_csv(tmp_path / "nopos.csv", header, [["P1", "3", "0"]]))
    assert "pid, height, 20180106" in str(err.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputError, match="empty") as err:
        read_egms_csv(path)
    assert err.value.source == str(path)
    path.write_text("\n  \n")
    with pytest.raises(InputError, match="the file is empty"):
        read_egms_csv(path)


def test_header_only_and_only_bad_rows(tmp_path):
    with pytest.raises(InputError, match="no point could be read"):
        read_egms_csv(write_csv(tmp_path / "header.csv", HEADER, []))
    bad = [[*row[:2], "north", *row[3:]] for row in ROWS]
    with pytest.raises(InputError, match="non-numeric coordinates: 3"):
        read_egms_csv(write_csv(tmp_path / "allbad.csv", HEADER, bad))


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_egms_csv(tmp_path / "nope.csv")
    path = tmp_path / "binary.csv"
    path.write_bytes(b"GPKG\x00\x01\x02\n\x00\x00")
    with pytest.raises(InputError, match="not a text"):
        read_egms_csv(path)


# -- chunks, progress, cancel -------------------------------------------------------------------
def big_csv(path, n=2500, dates=("20200105", "20200117", "20200129", "20200210")):
    rng = np.random.default_rng(42)
    values = np.round(rng.normal(0, 5, size=(n, len(dates))), 2)
    empty = rng.random((n, len(dates))) < 0.05
    lines = [",".join(["pid", "mp_type", "latitude", "longitude", "mean_velocity", *dates])]
    for i in range(n):
        cells = ["" if empty[i, j] else f"{values[i, j]:.2f}" for j in range(len(dates))]
        lines.append(f"G{i},PS,{39.9 + i * 1e-5:.5f},{116.3 + i * 1e-5:.5f},{values[i, -1] / 2:.3f}," + ",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    truth = np.array([[float(f"{v:.2f}") for v in row] for row in values], dtype=np.float32)
    truth[empty] = np.nan
    return path, truth


def test_chunked_reading_equals_unchunked(tmp_path):
    path, truth = big_csv(tmp_path / "big.csv")
    progress = []
    chunked = read_egms_csv(path, chunk_rows=300, progress=progress.append)
    whole = read_egms_csv(path)
    np.testing.assert_array_equal(chunked.displacement, truth)
    np.testing.assert_array_equal(whole.displacement, truth)
    pd.testing.assert_frame_equal(pd.DataFrame(chunked.points), pd.DataFrame(whole.points))
    assert chunked.points["pid"].tolist()[-1] == "G2499"
    assert chunked.points.geometry.y.iloc[2499] == pytest.approx(39.9 + 2499e-5)
    assert chunked.report.kept == whole.report.kept == 2500
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert len(progress) >= 2500 // 300


def test_skipped_lines_are_listed_in_file_order_whatever_the_reason(tmp_path):
    path, truth = big_csv(tmp_path / "big.csv")
    lines = path.read_text().splitlines()
    for number in range(2000, 2012):  # 12 lines with a field too many (1-based numbers)
        lines[number - 1] += ",7"
    lines[4] = lines[4].replace(",PS,", ",PS,x", 1)  # line 5: text in latitude
    path.write_text("\n".join(lines) + "\n")
    ds = read_egms_csv(path, chunk_rows=300)
    assert ds.report.first_skipped == [5, *range(2000, 2009)]
    assert ds.report.reasons == {"wrong number of fields": 12, "non-numeric coordinates": 1}
    assert ds.n_points == 2500 - 13
    # Row i of the file (line i + 2) is kept unless skipped: the series stay with their points.
    kept = np.array([i for i in range(2500) if i + 2 != 5 and not 2000 <= i + 2 < 2012])
    np.testing.assert_array_equal(ds.displacement, truth[kept])
    assert ds.points["pid"].tolist() == [f"G{i}" for i in kept]


def test_position_and_dates_only(tmp_path):
    path = write_csv(tmp_path / "bare.csv", ["latitude", "longitude", "20200101"], [["39.5", "116.25", "-1.5"]])
    ds = read_egms_csv(path)
    assert list(ds.points.columns) == ["geometry"]
    assert ds.displacement.tolist() == [[-1.5]]


def test_cancel_raises_canceled(tmp_path):
    path, _ = big_csv(tmp_path / "big.csv")
    calls = []

    def cancel_on_third_check() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Canceled):
        read_egms_csv(path, chunk_rows=300, is_canceled=cancel_on_third_check)
    assert len(calls) == 3


# -- point layers --------------------------------------------------------------------------------
def layer_frame(date_fields, crs="EPSG:4548"):
    """Three points in Beijing (CGCS2000 / 3-degree GK CM 117E) with hand values."""
    frame = gpd.GeoDataFrame(
        {
            "pid": ["B1", "B2", "B3"],
            "mean_velocity": [-12.5, -3.0, 0.5],
            date_fields[2]: [-25.0, -6.0, np.nan],
            date_fields[0]: [0.0, 0.0, 0.0],
            date_fields[1]: [-12.5, -3.5, 1.0],
        },
        geometry=[Point(447000.5, 4420000.25), Point(447010, 4420010), Point(447020, 4420020)],
        crs=crs,
    )
    return frame


LAYER_EXPECTED = np.array([[0, -12.5, -25], [0, -3.5, -6], [0, 1, np.nan]], dtype=np.float32)
LAYER_DATES = np.array(["2021-03-01", "2021-03-13", "2021-03-25"], dtype="datetime64[D]")


@pytest.mark.parametrize(
    "date_fields",
    [
        ["D_20210301", "D_20210313", "D_20210325"],
        ["D20210301", "D20210313", "D20210325"],
        ["20210301", "20210313", "20210325"],
    ],
)
def test_geopackage_layer_with_date_fields(tmp_path, date_fields):
    path = tmp_path / "ps.gpkg"
    pyogrio.write_dataframe(layer_frame(date_fields), path, layer="ps")
    ds = read_ps_layer(path, chunk_rows=2)
    np.testing.assert_array_equal(ds.dates, LAYER_DATES)
    np.testing.assert_array_equal(ds.displacement, LAYER_EXPECTED)
    assert ds.crs.to_epsg() == 4548
    assert ds.points.geometry.x.tolist() == [447000.5, 447010.0, 447020.0]
    assert ds.points.geometry.y.tolist() == [4420000.25, 4420010.0, 4420020.0]
    assert list(ds.points.columns) == ["pid", "mean_velocity", "geometry"]
    assert ds.points["mean_velocity"].tolist() == [-12.5, -3.0, 0.5]
    assert ds.points["pid"].tolist() == ["B1", "B2", "B3"]
    assert (ds.report.rows, ds.report.kept, ds.report.skipped) == (3, 3, 0)
    assert not any("no CRS" in note for note in ds.report.notes)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
@pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning")
def test_layer_without_crs_gets_a_note_or_the_given_crs(tmp_path):
    path = tmp_path / "nocrs.shp"
    pyogrio.write_dataframe(layer_frame(["D20210301", "D20210313", "D20210325"], crs=None), path)
    assert not (tmp_path / "nocrs.prj").exists()
    ds = read_ps_layer(path)
    assert ds.crs is None
    assert "The layer has no CRS: assign one." in ds.report.notes
    np.testing.assert_array_equal(ds.displacement, LAYER_EXPECTED)
    assigned = read_ps_layer(path, crs="EPSG:4548")
    assert assigned.crs.to_epsg() == 4548
    assert not any("no CRS" in note for note in assigned.report.notes)


def test_polygon_layer_is_refused(tmp_path):
    path = tmp_path / "areas.gpkg"
    frame = gpd.GeoDataFrame({"D_20210301": [1.0]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs="EPSG:4548")
    pyogrio.write_dataframe(frame, path, layer="areas")
    with pytest.raises(InputError, match="Polygon") as err:
        read_ps_layer(path)
    assert "areas.gpkg" in str(err.value)


def test_layer_is_chosen_by_name_and_features_without_geometry_are_skipped(tmp_path):
    path = tmp_path / "two.gpkg"
    areas = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs="EPSG:4548")
    pyogrio.write_dataframe(areas, path, layer="areas")
    points = layer_frame(["D_20210301", "D_20210313", "D_20210325"])
    points.loc[1, "geometry"] = None
    pyogrio.write_dataframe(points, path, layer="ps")
    ds = read_ps_layer(path, layer="ps")
    assert ds.points["pid"].tolist() == ["B1", "B3"]
    np.testing.assert_array_equal(ds.displacement, LAYER_EXPECTED[[0, 2]])
    assert ds.report.source.endswith("|layername=ps")
    assert ds.report.first_skipped == [2]
    assert ds.report.reasons == {"no geometry": 1}
    with pytest.raises(InputError, match="Polygon"):
        read_ps_layer(path)  # the first layer, "areas"


def test_layer_without_date_fields(tmp_path):
    path = tmp_path / "nodates.gpkg"
    pyogrio.write_dataframe(layer_frame(["a", "b", "c"]), path)
    with pytest.raises(InputError, match="no date fields"):
        read_ps_layer(path)


def test_file_that_is_no_vector_layer(tmp_path):
    path = tmp_path / "notes.gpkg"
    path.write_text("not a geopackage\n" * 10)
    with pytest.raises(InputError, match="cannot be read as a vector layer") as err:
        read_ps_layer(path)
    assert "notes.gpkg" in str(err.value)
    with pytest.raises(InputError, match="file not found"):
        read_ps_layer(tmp_path / "nope.gpkg")


def test_csv_path_goes_to_the_egms_reader(egms_csv):
    ds = read_ps_layer(egms_csv)
    np.testing.assert_array_equal(ds.displacement, EXPECTED)


def test_layer_cancel(tmp_path):
    path = tmp_path / "ps.gpkg"
    pyogrio.write_dataframe(layer_frame(["D_20210301", "D_20210313", "D_20210325"]), path)
    with pytest.raises(Canceled):
        read_ps_layer(path, chunk_rows=1, is_canceled=lambda: True)


# -- writing -------------------------------------------------------------------------------------
def test_write_then_read_gives_the_dataset_back(tmp_path, egms_csv):
    original = read_egms_csv(egms_csv)
    out = write_egms_csv(original, tmp_path / "out.csv")
    header = out.read_text().splitlines()[0].split(",")
    assert header[:6] == ["pid", "mp_type", "latitude", "longitude", "easting", "northing"]
    assert header[-3:] == ["20180106", "20180112", "20180118"]
    again = read_egms_csv(out)
    pd.testing.assert_frame_equal(pd.DataFrame(again.points), pd.DataFrame(original.points))
    np.testing.assert_array_equal(again.displacement, original.displacement)
    np.testing.assert_array_equal(again.dates, original.dates)
    assert again.crs == original.crs


@pytest.mark.parametrize("sep", [",", ";"])
def test_float32_values_survive_the_round_trip_exactly(tmp_path, sep):
    rng = np.random.default_rng(3)
    displacement = rng.normal(0, 20, size=(50, 12)).astype(np.float32)
    displacement[rng.random(displacement.shape) < 0.1] = np.nan
    dates = np.datetime64("2019-01-03") + 12 * np.arange(12)
    # In the EGMS grid: its origin (4321000, 3210000) is 52°N 10°E by definition.
    points = gpd.GeoDataFrame(
        {"pid": [f"Q{i}" for i in range(50)], "mean_velocity": rng.normal(0, 3, 50)},
        geometry=gpd.points_from_xy(4321000 + 10.0 * np.arange(50), np.full(50, 3210000.0)),
        crs="EPSG:3035",
    )
    path = write_egms_csv(PSDataset(points, dates, displacement), tmp_path / "q.csv", sep=sep)
    assert not (tmp_path / "q.csv.part").exists()
    back = read_egms_csv(path)
    np.testing.assert_array_equal(back.displacement, displacement)
    np.testing.assert_array_equal(back.dates, dates)
    # float64 attributes come back to float32 precision: pandas' fast parser may be a few
    # units off in the 16th digit.
    np.testing.assert_array_equal(
        back.points["mean_velocity"].to_numpy(np.float32), points["mean_velocity"].to_numpy(np.float32)
    )
    # latitude/longitude were written, so the geometry comes back in EPSG:4326 ...
    assert back.crs.to_epsg() == 4326
    assert back.points.geometry.x.iloc[0] == pytest.approx(10.0, abs=1e-9)
    assert back.points.geometry.y.iloc[0] == pytest.approx(52.0, abs=1e-9)
    # ... and easting/northing keep the projected coordinates exactly.
    assert back.points["easting"].tolist() == points.geometry.x.tolist()
    assert back.points["northing"].tolist() == points.geometry.y.tolist()


def test_writing_needs_a_crs(tmp_path):
    points = gpd.GeoDataFrame({"pid": ["a"]}, geometry=[Point(1, 2)])
    dataset = PSDataset(points, np.array(["2020-01-01"], dtype="datetime64[D]"), np.zeros((1, 1)))
    with pytest.raises(InputError, match="no CRS"):
        write_egms_csv(dataset, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_canceled_write_leaves_no_file(tmp_path, egms_csv):
    dataset = read_egms_csv(egms_csv)
    with pytest.raises(Canceled):
        write_egms_csv(dataset, tmp_path / "c.csv", chunk_rows=1, is_canceled=lambda: True)
    assert list(tmp_path.glob("c.csv*")) == []


# -- the dataset and its summary --------------------------------------------------------------
def test_summary_by_hand(egms_csv):
    summary = ps_summary(read_egms_csv(egms_csv))
    assert summary["n_points"] == 3
    assert summary["n_dates"] == 3
    assert summary["first_date"] == dt.date(2018, 1, 6)
    assert summary["last_date"] == dt.date(2018, 1, 18)
    assert summary["median_interval_days"] == 6.0
    assert summary["missing_share"] == pytest.approx(1 / 9)  # one empty cell of nine
    assert summary["points_without_data"] == 0
    assert summary["crs"] == "EPSG:4326"
    assert (summary["velocity_min"], summary["velocity_max"]) == (-10.0, 1.25)


def test_dataset_checks_its_shape_and_dates():
    points = gpd.GeoDataFrame({"pid": ["a", "b"]}, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:4326")
    dates = np.array(["2020-01-01", "2020-01-13"], dtype="datetime64[D]")
    dataset = PSDataset(points, dates, np.zeros((2, 2), dtype=np.float64))
    assert dataset.displacement.dtype == np.float32
    assert (dataset.n_points, dataset.n_dates) == (2, 2)
    with pytest.raises(ValueError, match="shape"):
        PSDataset(points, dates, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="increasing"):
        PSDataset(points, dates[::-1], np.zeros((2, 2)))
