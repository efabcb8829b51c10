"""Point-cloud information against known files and files of known content."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.twin.pointcloud_info import read_point_cloud_info
from citytwin_testing.lasfiles import geokey_vlr, write_las


def test_real_autzen_sample_matches_published_facts(shared_data):
    # Facts from ../shared/data/README.md (independent of our reader).
    info = read_point_cloud_info(shared_data / "simple.las")
    assert info.file_format == "LAS"
    assert info.las_version == "1.2"
    assert info.point_format == 3
    assert info.point_count == 1065
    assert info.mins[0] == pytest.approx(635619.8, abs=0.1)
    assert info.maxs[0] == pytest.approx(638982.6, abs=0.1)
    assert info.mins[1] == pytest.approx(848899.7, abs=0.1)
    assert info.maxs[1] == pytest.approx(853535.4, abs=0.1)
    assert info.mins[2] == pytest.approx(406.6, abs=0.1)
    assert info.maxs[2] == pytest.approx(586.4, abs=0.1)
    assert info.has_rgb
    assert sum(info.points_by_return) == 1065
    # The sample has no CRS record: reported, never guessed.
    assert info.crs.source == "none"
    assert info.crs.is_missing
    assert info.crs.epsg is None
    assert any("no CRS record" in message for message in info.crs.messages)


def test_laz_and_las_give_the_same_summary(shared_data):
    las = read_point_cloud_info(shared_data / "simple.las")
    laz = read_point_cloud_info(shared_data / "simple.laz")
    assert laz.file_format == "LAZ"
    assert (laz.point_count, laz.mins, laz.maxs, laz.class_counts) == (
        las.point_count,
        las.mins,
        las.maxs,
        las.class_counts,
    )


def test_class_census_matches_a_full_read(shared_data):
    import laspy

    info = read_point_cloud_info(shared_data / "simple.laz", chunk_size=100)
    classes = laspy.read(shared_data / "simple.laz").classification
    values, counts = np.unique(np.asarray(classes), return_counts=True)
    assert info.class_counts == dict(zip(values.tolist(), counts.tolist()))


@pytest.mark.parametrize("suffix", [".las", ".laz"])
def test_synthetic_file_with_known_classes(tmp_path, suffix):
    rng = np.random.default_rng(7)
    xyz = rng.uniform([440000, 4420000, 30], [440100, 4420100, 80], size=(2500, 3))
    classification = np.repeat(np.array([2, 6, 5, 9, 1], dtype=np.uint8), 500)
    path = write_las(tmp_path / f"known{suffix}", xyz, classification)
    progress = []
    info = read_point_cloud_info(path, chunk_size=300, progress=progress.append)
    assert info.point_count == 2500
    assert info.class_counts == {1: 500, 2: 500, 5: 500, 6: 500, 9: 500}
    assert info.classes == (1, 2, 5, 6, 9)
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert len(progress) >= 2500 // 300
    np.testing.assert_allclose(info.mins, xyz.min(axis=0), atol=0.006)
    np.testing.assert_allclose(info.maxs, xyz.max(axis=0), atol=0.006)


def test_extra_bytes_dimensions_are_listed(tmp_path):
    xyz = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    path = write_las(
        tmp_path / "extra.las",
        xyz,
        point_format=6,
        version="1.4",
        extra={"amplitude": np.array([1.5, 2.5], dtype=np.float32), "deviation": np.array([3, 4], dtype=np.uint16)},
    )
    info = read_point_cloud_info(path)
    assert info.extra_dimensions == ("amplitude", "deviation")
    assert info.las_version == "1.4"
    assert info.point_format == 6


def test_scan_can_be_skipped(tmp_path):
    path = write_las(tmp_path / "a.las", np.zeros((3, 3)))
    assert read_point_cloud_info(path, scan_classes=False).class_counts is None


def test_cancel_stops_the_scan(tmp_path):
    path = write_las(tmp_path / "a.las", np.zeros((1000, 3)))
    calls = []

    def cancel_after_first_chunk() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Canceled):
        read_point_cloud_info(path, chunk_size=100, is_canceled=cancel_after_first_chunk)
    assert len(calls) == 2


# -- CRS records ---------------------------------------------------------------------
BEIJING_GK = 4548  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
UTM50N = 32650


def test_wkt_record(tmp_path):
    wkt = pyproj.CRS.from_epsg(BEIJING_GK).to_wkt()
    path = write_las(tmp_path / "wkt.las", np.zeros((2, 3)), point_format=6, version="1.4", wkt=wkt)
    crs = read_point_cloud_info(path).crs
    assert crs.source == "wkt"
    assert crs.epsg == BEIJING_GK
    assert not crs.conflict and crs.messages == ()


def test_geotiff_keys_with_vertical_part_make_a_compound_crs(tmp_path):
    # EPSG:5737 is the Yellow Sea 1985 height (China's national vertical datum).
    path = write_las(tmp_path / "geo.las", np.zeros((2, 3)), geokeys=geokey_vlr(BEIJING_GK, 5737))
    crs = read_point_cloud_info(path).crs
    assert crs.source == "geotiff"
    assert crs.epsg == BEIJING_GK
    assert crs.vertical_name == pyproj.CRS.from_epsg(5737).name
    assert pyproj.CRS.from_wkt(crs.crs_wkt).is_compound


def test_wkt_and_geotiff_agreeing(tmp_path):
    wkt = pyproj.CRS.from_epsg(BEIJING_GK).to_wkt()
    path = write_las(tmp_path / "both.las", np.zeros((2, 3)), wkt=wkt, geokeys=geokey_vlr(BEIJING_GK))
    crs = read_point_cloud_info(path).crs
    assert crs.source == "wkt+geotiff"
    assert crs.epsg == BEIJING_GK
    assert not crs.conflict


def test_wkt_and_geotiff_disagreeing_is_reported_and_spec_rule_applied(tmp_path):
    wkt = pyproj.CRS.from_epsg(UTM50N).to_wkt()
    # LAS 1.2 / point format 3 with the WKT bit clear: GeoTIFF keys are authoritative.
    path = write_las(tmp_path / "conflict.las", np.zeros((2, 3)), wkt=wkt, geokeys=geokey_vlr(BEIJING_GK))
    crs = read_point_cloud_info(path).crs
    assert crs.conflict
    assert crs.epsg == BEIJING_GK
    assert any("disagree" in message and "GeoTIFF" in message for message in crs.messages)
    # Point format 6 (LAS 1.4): WKT is authoritative.
    path = write_las(
        tmp_path / "conflict14.las",
        np.zeros((2, 3)),
        point_format=6,
        version="1.4",
        wkt=wkt,
        geokeys=geokey_vlr(BEIJING_GK),
    )
    crs = read_point_cloud_info(path).crs
    assert crs.conflict and crs.epsg == UTM50N


def test_user_defined_geotiff_crs_is_reported_not_guessed(tmp_path):
    path = write_las(tmp_path / "user.las", np.zeros((2, 3)), geokeys=geokey_vlr(32767))
    crs = read_point_cloud_info(path).crs
    assert crs.is_missing
    assert any("user-defined" in message for message in crs.messages)


# -- bad input -----------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found") as err:
        read_point_cloud_info(tmp_path / "nope.las")
    assert "nope.las" in str(err.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.las"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as err:
        read_point_cloud_info(path)
    assert err.value.source == str(path)


def test_wrong_kind_of_file(tmp_path):
    path = tmp_path / "notes.las"
    path.write_text("this is not a point cloud\n" * 20)
    with pytest.raises(InputError, match="not a readable LAS/LAZ file"):
        read_point_cloud_info(path)


@pytest.mark.parametrize(("suffix", "cut_bytes"), [(".las", 34 * 100), (".las", 34 * 100 + 7), (".laz", 500)])
def test_truncated_file_names_how_far_it_got(tmp_path, suffix, cut_bytes):
    rng = np.random.default_rng(1)
    whole = write_las(tmp_path / f"whole{suffix}", rng.uniform(0, 1000, size=(1000, 3)))
    data = whole.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) - cut_bytes])
    with pytest.raises(InputError, match="truncated|cannot be read") as err:
        read_point_cloud_info(cut, chunk_size=250)
    assert f"cut{suffix}" in str(err.value)
    assert "1,000" in str(err.value)  # says how many points the header promised
