"""GPX reading against small files written here, with the values they hold."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.gpx import (
    ROUTE_COLUMNS,
    ROUTE_POINT_COLUMNS,
    TRACK_COLUMNS,
    TRACK_POINT_COLUMNS,
    WAYPOINT_COLUMNS,
    read_gpx,
)

GPX_11 = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="CityTwin tests" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="39.9087" lon="116.3975"><ele>44.5</ele><time>2024-03-01T08:00:00Z</time><name>天安门</name></wpt>
  <wpt lat="39.9163" lon="116.3972"><name>Gugong</name></wpt>
  <rte><name>R1</name>
    <rtept lat="39.90" lon="116.40"><name>start</name></rtept>
    <rtept lat="39.91" lon="116.41"><ele>3.5</ele></rtept>
    <rtept lat="39.92" lon="116.43"/>
  </rte>
  <trk><name>Morning ride</name>
    <trkseg>
      <trkpt lat="39.90" lon="116.40"><ele>44.0</ele><time>2024-03-01T08:00:00Z</time></trkpt>
      <trkpt lat="39.91" lon="116.41"><ele>45.0</ele><time>2024-03-01T16:00:01+08:00</time></trkpt>
    </trkseg>
    <trkseg>
      <trkpt lat="39.92" lon="116.42"><ele>46.0</ele><time>2024-03-01T08:00:02.5Z</time></trkpt>
      <trkpt lat="39.93" lon="116.43"><ele>47.0</ele><time>2024-03-01T08:00:03Z</time></trkpt>
    </trkseg>
  </trk>
  <trk><name>Lone point</name><trkseg><trkpt lat="1.5" lon="2.5"/></trkseg></trk>
</gpx>
"""

GPX_10_WAYPOINTS = """<?xml version="1.0"?>
<gpx version="1.0" creator="CityTwin tests" xmlns="http://www.topografix.com/GPX/1/0">
  <wpt lat="31.2304" lon="121.4737"><ele>4</ele><name>Shanghai</name></wpt>
</gpx>
"""


def write(tmp_path, text: str, name: str = "data.gpx"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gpx_11_waypoints_routes_and_tracks(tmp_path):
    data = read_gpx(write(tmp_path, GPX_11))

    wpt = data.waypoints
    assert list(wpt.columns) == list(WAYPOINT_COLUMNS)
    assert wpt.crs.to_epsg() == 4326
    assert wpt["name"].tolist() == ["天安门", "Gugong"]
    assert wpt["ele_m"].iloc[0] == 44.5 and pd.isna(wpt["ele_m"].iloc[1])
    assert wpt["time"].iloc[0] == pd.Timestamp("2024-03-01 08:00:00", tz="UTC") and pd.isna(wpt["time"].iloc[1])
    assert (wpt.geometry.x.tolist(), wpt.geometry.y.tolist()) == ([116.3975, 116.3972], [39.9087, 39.9163])

    points = data.track_points
    assert list(points.columns) == list(TRACK_POINT_COLUMNS)
    assert points["track"].tolist() == ["Morning ride"] * 4 + ["Lone point"]
    assert points["track_id"].tolist() == [0, 0, 0, 0, 1]
    assert points["segment"].tolist() == [0, 0, 1, 1, 0]
    assert points["point"].tolist() == [0, 1, 0, 1, 0]
    assert points["ele_m"].tolist()[:4] == [44.0, 45.0, 46.0, 47.0]
    # +08:00 (Beijing time) is converted: 16:00:01+08:00 is 08:00:01 UTC.
    assert points["time"].tolist()[:4] == [
        pd.Timestamp("2024-03-01 08:00:00", tz="UTC"),
        pd.Timestamp("2024-03-01 08:00:01", tz="UTC"),
        pd.Timestamp("2024-03-01 08:00:02.5", tz="UTC"),
        pd.Timestamp("2024-03-01 08:00:03", tz="UTC"),
    ]
    assert str(points["time"].dtype) == "datetime64[ns, UTC]"

    tracks = data.tracks
    assert list(tracks.columns) == list(TRACK_COLUMNS)
    assert tracks["name"].tolist() == ["Morning ride", "Lone point"]
    assert tracks["segments"].tolist() == [2, 1] and tracks["points"].tolist() == [4, 1]
    ride = tracks.geometry.iloc[0]
    assert ride.geom_type == "MultiLineString"
    assert [list(part.coords) for part in ride.geoms] == [
        [(116.40, 39.90), (116.41, 39.91)],
        [(116.42, 39.92), (116.43, 39.93)],
    ]
    assert tracks.geometry.iloc[1] is None  # one point makes no line
    assert any("single point" in note for note in data.report.notes)

    route = data.route_points
    assert list(route.columns) == list(ROUTE_POINT_COLUMNS)
    assert route["route"].tolist() == ["R1"] * 3 and route["point"].tolist() == [0, 1, 2]
    assert route["name"].tolist()[0] == "start" and route["ele_m"].tolist()[1] == 3.5
    routes = data.routes
    assert list(routes.columns) == list(ROUTE_COLUMNS)
    assert routes["points"].tolist() == [3]
    assert list(routes.geometry.iloc[0].coords) == [(116.40, 39.90), (116.41, 39.91), (116.43, 39.92)]
    # Length of the line, worked out from its two legs (degrees, planar).
    legs = ((0.01**2 + 0.01**2) ** 0.5) + ((0.02**2 + 0.01**2) ** 0.5)
    assert shapely.length(routes.geometry.iloc[0]) == pytest.approx(legs)

    assert data.report.rows == data.report.kept == 2 + 5 + 3


def test_gpx_10_with_only_waypoints(tmp_path):
    data = read_gpx(write(tmp_path, GPX_10_WAYPOINTS))
    assert data.waypoints["name"].tolist() == ["Shanghai"]
    assert data.waypoints["ele_m"].tolist() == [4.0]
    assert (data.waypoints.geometry.x.iloc[0], data.waypoints.geometry.y.iloc[0]) == (121.4737, 31.2304)
    for frame, columns in (
        (data.track_points, TRACK_POINT_COLUMNS),
        (data.route_points, ROUTE_POINT_COLUMNS),
        (data.tracks, TRACK_COLUMNS),
        (data.routes, ROUTE_COLUMNS),
    ):
        assert frame.empty
        assert list(frame.columns) == list(columns)
        assert frame.crs.to_epsg() == 4326
    assert str(data.track_points["time"].dtype) == "datetime64[ns, UTC]"
    assert data.report.rows == 1 and data.report.ok


def test_times_without_zone_are_utc_and_noted(tmp_path):
    text = GPX_10_WAYPOINTS.replace("<ele>4</ele>", "<ele>4</ele><time>2024-05-01T10:20:30</time>")
    data = read_gpx(write(tmp_path, text))
    assert data.waypoints["time"].tolist() == [pd.Timestamp("2024-05-01 10:20:30", tz="UTC")]
    assert any("time zone" in note for note in data.report.notes)


def test_progress_and_cancel(tmp_path):
    path = write(tmp_path, GPX_11)
    progress = []
    read_gpx(path, progress=progress.append)
    assert progress == sorted(progress) and progress[-1] == 1.0 and len(progress) >= 5
    with pytest.raises(Canceled):
        read_gpx(path, is_canceled=lambda: True)


# -- files that are not GPX ----------------------------------------------------------------------
def test_empty_file(tmp_path):
    path = tmp_path / "empty.gpx"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as err:
        read_gpx(path)
    assert err.value.source == str(path)


@pytest.mark.parametrize(
    "content",
    [
        b"just some text, not XML\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b'{"type": "FeatureCollection", "features": []}',
    ],
    ids=["text", "png", "geojson"],
)
def test_wrong_kind_of_file(tmp_path, content):
    path = tmp_path / "notes.gpx"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a GPX file") as err:
        read_gpx(path)
    assert "notes.gpx" in str(err.value)


def test_broken_xml_names_the_line(tmp_path):
    text = GPX_10_WAYPOINTS.replace("<name>Shanghai</name></wpt>", "<name>Shanghai</wpt>")
    path = write(tmp_path, text, "broken.gpx")
    with pytest.raises(InputError, match="GPX") as err:
        read_gpx(path)
    assert err.value.line == 3  # the <wpt> line
    assert "broken.gpx" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_gpx(tmp_path / "nope.gpx")
