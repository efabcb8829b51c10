"""The digital base in real PyQGIS: citytwin:builddigitalbase and the import algorithms."""

from __future__ import annotations

import sqlite3

import pyogrio
import pytest
from qgis.core import QgsProcessingException, QgsProject, QgsRasterLayer, QgsVectorLayer


def run(algorithm, params):
    import processing

    return processing.run(f"citytwin:{algorithm}", params)


def layer_counts(gpkg) -> dict[str, int]:
    return {name: pyogrio.read_info(gpkg, layer=name)["features"] for name, _ in pyogrio.list_layers(gpkg)}


@pytest.fixture(scope="module")
def built(sample_city, provider_registered, tmp_path_factory):
    out = tmp_path_factory.mktemp("base") / "city.gpkg"
    return run("builddigitalbase", {"DESCRIPTION": str(sample_city.description), "OUTPUT": str(out)})


def test_build_results(built):
    assert built["BASE_CRS"] == "EPSG:4548"
    assert built["LAYERS"] == 20 and built["GRID_CELLS"] > 100 and built["SKIPPED"] == 0
    assert built["PROJECT"].endswith("city.qgz")


def test_project_opens_with_five_groups_grid_styles_and_time(built):
    project = QgsProject()
    assert project.read(built["PROJECT"])
    groups = [node.name() for node in project.layerTreeRoot().children() if node.nodeType() == 0]
    assert groups == ["Navigation", "Communication", "Monitoring", "Real-scene 3D", "Remote sensing"]
    layers = list(project.mapLayers().values())
    assert len(layers) == 20 and all(layer.isValid() for layer in layers)
    grid = project.mapLayersByName("Fused grid")[0]
    assert grid.temporalProperties().isActive()
    assert set(grid.styleManager().styles()) == {"RSRP mean", "PS velocity", "NDVI", "GNSS HDOP"}
    time_range = project.timeSettings().temporalRange()
    assert time_range.begin().toString("yyyy-MM-dd") == "2022-01-03"
    assert time_range.end().date().year() == 2024
    assert project.crs().authid() == "EPSG:4548"
    rasters = [layer for layer in layers if isinstance(layer, QgsRasterLayer)]
    assert len(rasters) == 6 and all(r.temporalProperties().isActive() for r in rasters)
    with sqlite3.connect(built["OUTPUT"]) as db:
        styled = {row[0] for row in db.execute("select f_table_name from layer_styles")}
    assert {"fused_grid", "buildings_buildings", "ps_egms_l3_u_sample_city"} <= styled


def test_import_nmea_matches_the_reader(sample_city, provider_registered, tmp_path):
    from citytwin.layers.nmea import read_nmea

    source = sample_city.files["nmea"][0]
    result = run(
        "importnmea",
        {"INPUT": str(source), "OUTPUT": str(tmp_path / "e.gpkg"), "SATELLITES": str(tmp_path / "s.gpkg"),
         "TARGET_CRS": "EPSG:4548"},
    )  # fmt: skip
    log = read_nmea(source)
    epochs = QgsVectorLayer(result["OUTPUT"], "e", "ogr")
    assert epochs.featureCount() == len(log.epochs)
    assert epochs.crs().authid() == "EPSG:4548"
    satellites = QgsVectorLayer(result["SATELLITES"], "s", "ogr")
    assert satellites.featureCount() == len(log.satellites)
    first = next(epochs.getFeatures())
    assert first["time"].toString("yyyy-MM-ddTHH:mm:ss") == log.epochs["time"].iloc[0].strftime("%Y-%m-%dT%H:%M:%S")


def test_import_families(sample_city, provider_registered, tmp_path):
    files = sample_city.files
    checks = [
        ("importcellsites", files["opencellid"][0], {}, 17),
        ("importdrivetest", files["drive_test"][1], {"MAPPING": "rsrp_dbm=RSRP"}, None),
        ("importps", files["ps"][2], {}, None),
        ("importbuildings", files["buildings"][0], {"HEIGHT_FIELD": "height"}, 97),
        ("indexpointcloud", files["pointcloud"][0], {}, 1),
    ]
    for algorithm, source, extra, expected in checks:
        result = run(algorithm, {"INPUT": str(source), "OUTPUT": str(tmp_path / f"{algorithm}.gpkg"), **extra})
        layer = QgsVectorLayer(result["OUTPUT"], algorithm, "ogr")
        assert layer.isValid() and layer.featureCount() == result["RECORDS"] > 0, algorithm
        if expected is not None:
            assert layer.featureCount() == expected, algorithm
    gpx = run(
        "importgpx",
        {"INPUT": str(files["gpx"][0]), "WAYPOINTS": str(tmp_path / "w.gpkg"), "TRACK_POINTS": None, "TRACKS": None},
    )
    assert QgsVectorLayer(gpx["WAYPOINTS"], "w", "ogr").featureCount() == 9


def test_spectral_indices_algorithm(sample_city, provider_registered, tmp_path):
    result = run(
        "importimagery",
        {
            "INPUT": str(sample_city.files["imagery"][1]),
            "NDVI": str(tmp_path / "ndvi.tif"),
            "NDWI": str(tmp_path / "ndwi.tif"),
        },
    )
    ndvi = QgsRasterLayer(result["NDVI"], "ndvi")
    stats = ndvi.dataProvider().bandStatistics(1)
    assert ndvi.crs().authid() == "EPSG:32650"
    assert -0.6 < stats.minimumValue < 0.0 and 0.7 < stats.maximumValue <= 1.0
    assert "NDBI" not in result


def test_bad_inputs_are_clear_processing_errors(sample_city, provider_registered, tmp_path):
    junk = tmp_path / "junk.nmea"
    junk.write_text("hello\nworld\n")
    with pytest.raises(QgsProcessingException, match=r"junk\.nmea"):
        run("importnmea", {"INPUT": str(junk), "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="Give a base description or at least one input file"):
        run("builddigitalbase", {"OUTPUT": str(tmp_path / "x.gpkg")})
    unknown = tmp_path / "mystery.csv"
    unknown.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(QgsProcessingException, match=r"mystery\.csv.*cannot tell"):
        run("builddigitalbase", {"INPUTS": [str(unknown)], "OUTPUT": str(tmp_path / "y.gpkg")})
    assert not (tmp_path / "y.gpkg").exists()


def test_build_from_files_equals_build_from_description(sample_city, provider_registered, built, tmp_path):
    description_sources = [
        sample_city.folder / s for s in ("navigation/drive_2024-03-15.nmea", "navigation/drive_2024-06-20.nmea")
    ]
    result = run(
        "builddigitalbase", {"INPUTS": [str(p) for p in description_sources], "OUTPUT": str(tmp_path / "f.gpkg")}
    )
    counts = layer_counts(result["OUTPUT"])
    reference = layer_counts(built["OUTPUT"])
    for name in ("nav_drive_2024_03_15", "nav_drive_2024_06_20"):
        assert counts[name] == reference[name]
