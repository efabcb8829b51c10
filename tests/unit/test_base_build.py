"""Building a base from a description: counts, CRS, fused grid totals, atomicity, errors."""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from citytwin.common.errors import Canceled, InputError
from citytwin.layers.base_build import build_base
from citytwin.layers.base_description import read_description, write_description
from citytwin.layers.samplecity import generate_sample_city


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return generate_sample_city(tmp_path_factory.mktemp("city"), small=True)


@pytest.fixture(scope="module")
def built(city):
    return build_base(read_description(city.description))


def test_layers_counts_and_crs(city, built):
    from citytwin.layers.cells import read_drive_test
    from citytwin.layers.nmea import read_nmea

    names = {layer.name: layer for layer in built.layers}
    assert built.crs == "EPSG:4548"
    listed = {name for name, *_ in pyogrio.list_layers(built.gpkg)}
    vector_names = {n for n, layer in names.items() if not layer.raster}
    assert vector_names | {"base_sources", "base_info"} <= listed
    nav = read_nmea(city.files["nmea"][0]).epochs
    layer = gpd.read_file(built.gpkg, layer="nav_drive_2024_03_15")
    assert len(layer) == len(nav) == names["nav_drive_2024_03_15"].feature_count
    assert layer.crs.to_epsg() == 4548
    drive = read_drive_test(city.files["drive_test"][1]).measurements
    assert len(gpd.read_file(built.gpkg, layer="drive_drive_test_2024_06_20")) == len(drive)
    sections = {layer.section for layer in built.layers}
    assert sections == {"base", "navigation", "communication", "remote_sensing", "monitoring", "realscene3d"}
    rasters = [layer for layer in built.layers if layer.raster]
    assert {layer.index for layer in rasters} == {"ndvi", "ndbi", "ndwi"} and len(rasters) == 6


def test_fused_grid_totals_equal_the_inputs(city, built):
    grid = gpd.read_file(built.gpkg, layer="fused_grid")
    epochs = pd.concat([gpd.read_file(built.gpkg, layer=f"nav_drive_{d}") for d in ("2024_03_15", "2024_06_20")])
    assert grid["gnss_n"].sum() == epochs.geometry.notna().sum()
    drives = pd.concat([gpd.read_file(built.gpkg, layer=f"drive_drive_test_{d}") for d in ("2024_03_15", "2024_06_20")])
    assert grid["rsrp_n"].sum() == drives["rsrp_dbm"].notna().sum()
    ps = gpd.read_file(built.gpkg, layer="ps_egms_l3_u_sample_city")
    # static PS counts repeat on every period row of a cell: count each cell once
    assert grid.drop_duplicates("cell_id")["ps_n"].sum() == len(ps)
    assert set(grid["period"]) >= {"2024-03", "2024-04", "2024-06", "2024-08"}
    assert (grid.geometry.area.round(6) == 100.0**2).all()
    # BeiDou codes of the cell centres: level 6 (2") for 100 m cells at the city's latitude, one per cell.
    cells = grid.drop_duplicates("cell_id")
    assert cells["beidou_code"].str.len().eq(12).all() and cells["beidou_code"].is_unique
    assert (grid.groupby("cell_id")["beidou_code"].nunique() == 1).all()


def test_sources_table_has_checksums_and_info(city, built):
    sources = pyogrio.read_dataframe(built.gpkg, layer="base_sources")
    for row in sources.itertuples():
        with open(row.path, "rb") as handle:
            assert row.sha256 == hashlib.sha256(handle.read()).hexdigest()
    info = dict(pyogrio.read_dataframe(built.gpkg, layer="base_info")[["key", "value"]].itertuples(index=False))
    assert info["crs"] == "EPSG:4548" and info["time_unit"] == "month"
    assert info["time_start"].startswith("2022-01-03") and "[[source]]" in info["description"]


def test_default_crs_is_the_zone_of_the_data(city, tmp_path):
    description = read_description(city.description)
    description.crs = None
    description.output = tmp_path / "auto.gpkg"
    description.sources = [s for s in description.sources if s.kind in ("nmea", "opencellid")]
    assert build_base(description).crs == "EPSG:4548"


def test_bad_source_names_the_file_and_writes_nothing(city, tmp_path):
    description = read_description(city.description)
    broken = tmp_path / "broken.nmea"
    broken.write_text("not nmea at all\n" * 5)
    description.sources[1].path = broken
    description.output = tmp_path / "out.gpkg"
    with pytest.raises(InputError, match="broken.nmea"):
        build_base(description)
    assert not (tmp_path / "out.gpkg").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["broken.nmea"]  # no temporary leftovers


def test_cancel_keeps_the_previous_base(city, tmp_path):
    description = read_description(city.description)
    description.output = tmp_path / "base.gpkg"
    description.output.write_bytes(b"previous base")
    calls = []

    def cancel_later() -> bool:
        calls.append(1)
        return len(calls) > 25

    with pytest.raises(Canceled):
        build_base(description, is_canceled=cancel_later)
    assert description.output.read_bytes() == b"previous base"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.gpkg"]


def test_source_without_crs_needs_one_assigned(city, tmp_path):
    frame = gpd.read_file(city.files["buildings"][0])
    no_crs = tmp_path / "buildings_nocrs.gpkg"
    frame.set_crs(None, allow_override=True).to_file(no_crs)
    description = read_description(city.description)
    description.sources = [s for s in description.sources if s.kind == "buildings"]
    description.sources[0].path = no_crs
    description.output = tmp_path / "b.gpkg"
    with pytest.raises(InputError, match=r"buildings_nocrs\.gpkg.*no CRS"):
        build_base(description)
    description.sources[0].crs = "EPSG:4548"
    assert build_base(description).layers[-1].feature_count == len(frame)


# -- the description file ----------------------------------------------------------------
def test_description_round_trip_toml_and_json(city, tmp_path):
    description = read_description(city.description)
    copy = write_description(description, tmp_path / "copy.toml")
    again = read_description(copy)
    assert [(s.kind, s.path.name, s.options) for s in again.sources] == [
        (s.kind, s.path.name, s.options) for s in description.sources
    ]
    as_json = tmp_path / "base.json"
    as_json.write_text(
        json.dumps({"base": {"name": "j", "cell_size_m": 50}, "source": [{"kind": "gpx", "path": "a.gpx"}]})
    )
    parsed = read_description(as_json)
    assert parsed.cell_size_m == 50.0 and parsed.sources[0].kind == "gpx"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[base]\nname="x"\n', "lists no"),
        ('[[source]]\nkind="lidar"\npath="a"\n', "unknown kind 'lidar'"),
        ('[base]\ntime_unit="fortnight"\n[[source]]\nkind="gpx"\npath="a"\n', "time_unit"),
        ('[base]\ncell_size_m=-5\n[[source]]\nkind="gpx"\npath="a"\n', "cell_size_m"),
        ("[base\nname=", "not valid TOML"),
        ('[[source]]\npath="a"\n', "needs 'kind' and 'path'"),
    ],
)
def test_description_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_description(path)


def test_output_folder_must_exist(city, tmp_path):
    description = read_description(city.description)
    description.output = tmp_path / "missing" / "base.gpkg"
    with pytest.raises(InputError, match="output folder does not exist"):
        build_base(description)
