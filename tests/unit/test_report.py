from citytwin.layers.report import MAX_LISTED_LINES, ReadReport


def test_skips_are_counted_and_the_first_lines_listed():
    report = ReadReport("log.nmea", rows=100, kept=80)
    for line in range(3, 3 + 2 * 15, 2):
        report.skip(line, "bad checksum")
    report.skip_many([90, 91, 92, 93, 94], "too few fields")
    assert report.skipped == 20
    assert report.reasons == {"bad checksum": 15, "too few fields": 5}
    assert report.first_skipped == list(range(3, 3 + 2 * MAX_LISTED_LINES, 2))
    text = report.summary()
    assert "20 skipped" in text and "bad checksum: 15" in text and "first skipped lines: 3, 5, 7" in text
    assert text.endswith("…")


def test_clean_report():
    report = ReadReport("cells.csv", rows=3, kept=3)
    report.note("Column 'foo' was not used.")
    assert report.ok
    assert report.summary() == "cells.csv: 3 records from 3 lines. Column 'foo' was not used."


def test_first_lines_are_the_lowest_whatever_the_order_of_reasons():
    report = ReadReport("x.csv")
    report.skip_many(list(range(100, 120)), "too few fields")
    report.skip(5, "bad number")
    report.skip_many([7, 3], "bad date")
    assert report.first_skipped == [3, 5, 7, 100, 101, 102, 103, 104, 105, 106]
