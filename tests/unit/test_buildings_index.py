"""Building footprints with mapped fields; point-cloud extents for the base."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely.geometry import LineString, Polygon, box

from citytwin.common.errors import InputError
from citytwin.layers.base_crs import base_epsg_for
from citytwin.layers.buildings import map_fields, read_buildings
from citytwin.layers.pointcloud_index import index_point_clouds
from citytwin_testing.lasfiles import write_las


def write_layer(path, columns: dict, geometries, crs="EPSG:4548"):
    gpd.GeoDataFrame(columns, geometry=geometries, crs=crs).to_file(path)
    return path


def test_english_fields_mapped(tmp_path):
    path = write_layer(
        tmp_path / "b.gpkg",
        {
            "OBJECTID": [7, 8, 9],
            "HEIGHT": [24.5, -3.0, 60.0],
            "Floors": [8, 0, 20],
            "TYPE": ["apartments", "Office", "warehouse"],
        },
        [box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)],
    )
    result = read_buildings(path)
    frame = result.footprints
    assert result.mapping == {"building_id": "OBJECTID", "height_m": "HEIGHT", "floors": "Floors", "use": "TYPE"}
    assert frame["building_id"].tolist() == ["7", "8", "9"]
    assert frame["height_m"].tolist()[0] == 24.5 and np.isnan(frame["height_m"][1])  # -3 m is implausible
    assert frame["floors"].tolist()[0] == 8 and np.isnan(frame["floors"][1])
    assert frame["use"].tolist() == ["residential", "office", "industrial"]
    assert frame["use_source"].tolist() == ["apartments", "Office", "warehouse"]
    assert frame.crs.to_epsg() == 4548
    assert any("heights (m) outside" in note for note in result.report.notes)


def test_chinese_fields_and_unknown_use(tmp_path):
    path = write_layer(
        tmp_path / "b.gpkg",
        {"建筑高度": [30.0, None], "层数": [10, 3], "用途": ["住宅", "宗教"]},
        [box(0, 0, 10, 10), box(20, 0, 30, 10)],
    )
    result = read_buildings(path)
    assert result.footprints["use"].tolist() == ["residential", "other"]
    assert result.unknown_uses == {"宗教": 1}
    assert any("does not recognise ('宗教' (1))" in note for note in result.report.notes)
    assert np.isnan(result.footprints["height_m"][1])


def test_mapping_override_and_missing_fields(tmp_path):
    path = write_layer(tmp_path / "b.gpkg", {"h_roof": [12.0], "height": [99.0]}, [box(0, 0, 1, 1)])
    assert read_buildings(path, mapping={"height_m": "h_roof"}).footprints["height_m"][0] == 12.0
    with pytest.raises(InputError, match="'nope'"):
        read_buildings(path, mapping={"height_m": "nope"})
    result = read_buildings(path)
    assert any("No floors field found" in note for note in result.report.notes)
    assert result.footprints["use"].tolist() == ["other"]


def test_alias_normalisation():
    assert map_fields(["Building_Height", "building:levels", "Bldg Type"]) == {
        "height_m": "Building_Height",
        "floors": "building:levels",
        "use": "Bldg Type",
    }


def test_invalid_geometry_repaired_and_no_crs_reported(tmp_path):
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    path = write_layer(tmp_path / "b.gpkg", {"height": [5.0, 6.0]}, [bowtie, box(0, 0, 1, 1)], crs=None)
    result = read_buildings(path)
    assert result.footprints.geometry.is_valid.all()
    assert any("repaired" in note for note in result.report.notes)
    assert any("no CRS" in note for note in result.report.notes)
    assert result.footprints.crs is None  # GDAL's "Undefined geographic SRS" is no CRS


def test_wrong_geometry_and_bad_files(tmp_path):
    lines = write_layer(tmp_path / "l.gpkg", {"a": [1]}, [LineString([(0, 0), (1, 1)])])
    with pytest.raises(InputError, match="must be polygons"):
        read_buildings(lines)
    with pytest.raises(InputError, match="file not found"):
        read_buildings(tmp_path / "missing.gpkg")
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(InputError, match="cannot be read"):
        read_buildings(junk)


# -- point-cloud index -----------------------------------------------------------------
def test_index_extents_counts_and_crs(tmp_path, optional_shared_data):
    gk = pyproj.CRS.from_epsg(4548)
    a = write_las(tmp_path / "a.laz", np.array([[448000.0, 4419000.0, 40.0], [448100.0, 4419050.0, 90.0]]),
                  point_format=6, version="1.4", wkt=gk.to_wkt())  # fmt: skip
    # Tile b is in UTM 50N: its extent must be reprojected into the base CRS.
    utm = pyproj.CRS.from_epsg(32650)
    to_utm = pyproj.Transformer.from_crs(gk, utm, always_xy=True)
    bx, by = to_utm.transform([448100.0, 448200.0], [4419000.0, 4419100.0])
    b = write_las(tmp_path / "b.las", np.column_stack([bx, by, [40.0, 50.0]]), np.array([2, 6], dtype=np.uint8),
                  point_format=6, version="1.4", wkt=utm.to_wkt())  # fmt: skip
    paths = [a, b]
    if optional_shared_data is not None:
        paths.append(optional_shared_data / "simple.las")  # no CRS: reported, not guessed
    index = index_point_clouds(paths, target_crs="EPSG:4548", scan_classes=True)
    extents = index.extents
    assert extents["point_count"].tolist() == [2, 2]
    assert extents.crs.to_epsg() == 4548
    np.testing.assert_allclose(extents.geometry[0].bounds, (448000, 4419000, 448100, 4419050), atol=0.01)
    np.testing.assert_allclose(extents.geometry[1].bounds, (448100, 4419000, 448200, 4419100), atol=0.5)
    assert extents["classes"][1] == "2,6"
    if optional_shared_data is not None:
        assert index.report.reasons == {"no CRS": 1}
        assert any("simple.las: no CRS record" in note for note in index.report.notes)
        assumed = index_point_clouds([optional_shared_data / "simple.las"], assumed_crs="EPSG:2994")
        assert assumed.extents["crs"][0] == "EPSG:2994" and len(assumed.extents) == 1


def test_unreadable_tile_is_skipped_not_fatal(tmp_path):
    bad = tmp_path / "bad.las"
    bad.write_text("x" * 400)
    good = write_las(tmp_path / "good.las", np.zeros((3, 3)), wkt=pyproj.CRS.from_epsg(4548).to_wkt())
    index = index_point_clouds([bad, good])
    assert len(index.extents) == 1 and index.report.reasons == {"unreadable": 1}


def test_default_base_crs():
    assert base_epsg_for((116.2, 39.8, 116.6, 40.0)) == 4548
