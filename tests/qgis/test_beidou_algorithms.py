"""BeiDou grid algorithms run as a user's batch would (processing.run).

Truth: the pure one-point encoder on coordinates transformed independently with pyproj,
shapely for centroids and areas, and closed-form cell counts from the standard's cell sizes.
"""

from __future__ import annotations

import math

import numpy as np
import pyogrio
import pytest
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPoint,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from citytwin.processing import beidou_grid as bg

pytestmark = pytest.mark.usefixtures("provider_registered")


class LogFeedback(QgsProcessingFeedback):
    """Keeps the warnings it was given."""

    def __init__(self):
        super().__init__()
        self.warnings = []

    def pushWarning(self, warning):
        self.warnings.append(warning)


def run(algorithm, params, feedback=None):
    import processing

    return processing.run(f"citytwin:{algorithm}", params, feedback=feedback or QgsProcessingFeedback())


def to_cgcs2000(crs: str, x, y):
    """pyproj's transformation, independent of the algorithm's own path through QGIS."""
    from pyproj import Transformer

    return Transformer.from_crs(crs, "EPSG:4490", always_xy=True).transform(np.asarray(x), np.asarray(y))


def is_null(value) -> bool:
    return value is None or (isinstance(value, QVariant) and value.isNull())


@pytest.fixture(scope="module")
def points_gpkg(tmp_path_factory):
    """Random points near Beijing in CGCS2000 / 3-degree GK CM 117E, one without geometry."""
    import geopandas as gpd

    rng = np.random.default_rng(8)
    n = 300
    x, y = rng.uniform(430_000, 450_000, n), rng.uniform(4_410_000, 4_430_000, n)
    heights = rng.uniform(-20.0, 400.0, n)
    heights[5] = np.nan
    frame = gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(n)], "h": heights},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:4548",
    )
    frame.loc[7, "geometry"] = None
    path = tmp_path_factory.mktemp("beidou") / "points.gpkg"
    frame.to_file(path, layer="points", driver="GPKG")
    return path, frame


def test_codes_of_points_match_the_pure_encoder(points_gpkg, tmp_path):
    path, frame = points_gpkg
    feedback = LogFeedback()
    out = tmp_path / "coded.gpkg"
    result = run(
        "beidoucode",
        {
            "INPUT": f"{path}|layername=points",
            "LEVEL": 10,
            "HEIGHT_SOURCE": 1,
            "HEIGHT_FIELD": "h",
            "OUTPUT": str(out),
        },
        feedback,
    )
    coded = pyogrio.read_dataframe(out).set_index("name").loc[frame["name"]]
    assert list(coded.columns[:3]) == ["h", "bd_code", "bd_code_3d"]
    has_geometry = frame.geometry.notna().to_numpy()
    lon, lat = to_cgcs2000("EPSG:4548", frame.geometry.x[has_geometry], frame.geometry.y[has_geometry])
    expected = [bg.encode(x, y, 10) for x, y in zip(lon, lat)]
    assert coded["bd_code"].to_numpy()[has_geometry].tolist() == expected
    heights = frame["h"].to_numpy()[has_geometry]
    expected_3d = [None if math.isnan(h) else bg.encode_3d(x, y, h, 10) for x, y, h in zip(lon, lat, heights)]
    got_3d = [None if v is None or isinstance(v, float) else v for v in coded["bd_code_3d"].to_numpy()[has_geometry]]
    assert got_3d == expected_3d
    assert coded["bd_code"].isna().to_numpy()[~has_geometry].all()
    assert result["CODED"] == has_geometry.sum() and result["NOT_CODED"] == 1
    assert any("1 feature(s) have no geometry" in w for w in feedback.warnings)
    assert any("no height" in w for w in feedback.warnings)


def test_level_and_field_name_and_existing_field(points_gpkg, tmp_path):
    path, _ = points_gpkg
    out = tmp_path / "coarse.gpkg"
    run("beidoucode", {"INPUT": f"{path}|layername=points", "LEVEL": 4, "FIELD": "grid", "OUTPUT": str(out)})
    coded = pyogrio.read_dataframe(out)
    assert "bd_code_3d" not in coded.columns
    assert coded["grid"].dropna().str.len().eq(9).all()
    with pytest.raises(QgsProcessingException, match="already has a field 'name'"):
        run("beidoucode", {"INPUT": f"{path}|layername=points", "FIELD": "name", "OUTPUT": str(tmp_path / "x.gpkg")})


def test_polygons_are_coded_at_their_centroid(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Polygon

    shapes = [
        Polygon([(440_000, 4_420_000), (440_300, 4_420_000), (440_300, 4_420_050), (440_000, 4_420_400)]),
        Polygon([(441_000, 4_421_000), (441_020, 4_421_000), (441_020, 4_421_020), (441_000, 4_421_020)]),
    ]
    path = tmp_path / "polygons.gpkg"
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=shapes, crs="EPSG:4548").to_file(path, driver="GPKG")
    run("beidoucode", {"INPUT": str(path), "LEVEL": 9, "OUTPUT": str(tmp_path / "coded.gpkg")})
    coded = pyogrio.read_dataframe(tmp_path / "coded.gpkg").sort_values("id")
    lon, lat = to_cgcs2000("EPSG:4548", [p.centroid.x for p in shapes], [p.centroid.y for p in shapes])
    assert coded["bd_code"].tolist() == [bg.encode(x, y, 9) for x, y in zip(lon, lat)]


def test_geometry_z_gives_the_height():
    layer = QgsVectorLayer("PointZ?crs=epsg:4548&field=id:integer", "z", "memory")
    feature = QgsFeature(layer.fields())
    feature.setAttributes([1])
    feature.setGeometry(QgsGeometry(QgsPoint(440_000.0, 4_420_000.0, 57.25)))
    layer.dataProvider().addFeatures([feature])
    result = run("beidoucode", {"INPUT": layer, "HEIGHT_SOURCE": 2, "OUTPUT": "TEMPORARY_OUTPUT"})
    (out,) = list(result["OUTPUT"].getFeatures())
    lon, lat = to_cgcs2000("EPSG:4548", 440_000.0, 4_420_000.0)
    assert out["bd_code_3d"] == bg.encode_3d(lon, lat, 57.25)
    assert bg.decode_3d(out["bd_code_3d"]).contains_3d(lon, lat, 57.25)


def test_polar_points_get_null_and_a_warning():
    layer = QgsVectorLayer("Point?crs=epsg:4326&field=id:integer", "polar", "memory")
    features = []
    for i, (lon, lat) in enumerate([(10.0, 45.0), (10.0, 88.0), (-40.0, -89.5), (170.0, 87.99)]):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([i])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    feedback = LogFeedback()
    result = run("beidoucode", {"INPUT": layer, "LEVEL": 6, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback)
    codes = {f["id"]: f["bd_code"] for f in result["OUTPUT"].getFeatures()}
    assert codes[0] == bg.encode(10.0, 45.0, 6) and codes[3] == bg.encode(170.0, 87.99, 6)
    assert is_null(codes[1]) and is_null(codes[2])
    assert result["NOT_CODED"] == 2
    assert any(w.startswith("2 feature(s) lie beyond ±88°") for w in feedback.warnings)


# -- create grid -------------------------------------------------------------------------------------
def read_cells(path):
    return pyogrio.read_dataframe(path)


def test_grid_over_a_small_extent(tmp_path):
    # 116.30-116.33 E, 39.98-40.01 N at level 4 (1'): by hand 2 columns (18'-20') x 3 rows (58'-61').
    out = tmp_path / "grid.gpkg"
    result = run("beidougrid", {"EXTENT": "116.30,116.33,39.98,40.01 [EPSG:4490]", "LEVEL": 4, "OUTPUT": str(out)})
    cells = read_cells(out)
    assert result["CELLS"] == len(cells) == 2 * 3
    assert cells.crs.to_epsg() == 4490
    check_cells(cells, 4)
    assert cells.geometry.union_all().bounds == pytest.approx((116.3, 39.96666667, 116.33333333, 40.01666667))


def check_cells(cells, level):
    """Each polygon is the cell its code names; together they tile a rectangle without gaps or overlaps."""
    import shapely

    assert cells["code"].is_unique and (cells["level"] == level).all()
    for row in cells.itertuples():
        cell = bg.decode(row.code)
        assert (cell.west, cell.south, cell.east, cell.north) == pytest.approx(
            (row.west, row.south, row.east, row.north)
        )
        assert row.geometry.bounds == pytest.approx((cell.west, cell.south, cell.east, cell.north), abs=1e-12)
        width, height = bg.cell_size_m(level, (cell.south + cell.north) / 2)
        assert (row.width_m, row.height_m) == pytest.approx((width, height))
    polygons = cells.geometry.to_numpy()
    union = shapely.union_all(polygons)
    assert union.area == pytest.approx(shapely.area(polygons).sum(), rel=1e-9)  # no overlaps
    assert union.area == pytest.approx(shapely.box(*union.bounds).area, rel=1e-9)  # no gaps


def test_grid_from_a_projected_extent_counts_in_closed_form(tmp_path):
    # A 3 km x 2 km box in EPSG:4548: its geographic bounding box, then level 5 (4") cells.
    out = tmp_path / "grid.gpkg"
    run("beidougrid", {"EXTENT": "440000,443000,4420000,4422000 [EPSG:4548]", "OUTPUT": str(out)})
    cells = read_cells(out)
    corners_x, corners_y = np.meshgrid(np.linspace(440_000, 443_000, 31), np.linspace(4_420_000, 4_422_000, 21))
    lon, lat = to_cgcs2000("EPSG:4548", corners_x.ravel(), corners_y.ravel())
    size = 4 / 3600
    columns = math.ceil(lon.max() / size) - math.floor(lon.min() / size)
    rows = math.ceil(lat.max() / size) - math.floor(lat.min() / size)
    assert len(cells) == columns * rows
    check_cells(cells, 5)


def test_grid_refuses_too_many_cells_and_the_poles(tmp_path):
    with pytest.raises(QgsProcessingException, match="coarser level or a smaller extent"):
        run("beidougrid", {"EXTENT": "116,117,39,40 [EPSG:4490]", "LEVEL": 8, "OUTPUT": str(tmp_path / "a.gpkg")})
    with pytest.raises(QgsProcessingException, match="beyond ±88°"):
        run("beidougrid", {"EXTENT": "10,11,88.5,89 [EPSG:4326]", "LEVEL": 2, "OUTPUT": str(tmp_path / "b.gpkg")})
    feedback = LogFeedback()
    out = tmp_path / "c.gpkg"
    run("beidougrid", {"EXTENT": "10,11,87,89 [EPSG:4326]", "LEVEL": 2, "OUTPUT": str(out)}, feedback)
    assert any("clipped to ±88°" in w for w in feedback.warnings)
    assert len(read_cells(out)) == 2 * 2  # 10-11 E in 30' columns, 87-88 N in 30' rows


def test_coding_grid_cells_gives_their_own_codes(tmp_path):
    # Around (0, 0): cells of all four hemispheres. 4" = 1/900 degree: columns floor(-9.45) = -10
    # to ceil(4.95) = 5 (15), rows floor(-6.75) = -7 to ceil(4.05) = 5 (12).
    grid = tmp_path / "grid.gpkg"
    run("beidougrid", {"EXTENT": "-0.0105,0.0055,-0.0075,0.0045 [EPSG:4490]", "LEVEL": 5, "OUTPUT": str(grid)})
    coded = tmp_path / "coded.gpkg"
    run("beidoucode", {"INPUT": str(grid), "LEVEL": 5, "FIELD": "again", "OUTPUT": str(coded)})
    cells = read_cells(coded)
    assert len(cells) == 15 * 12
    check_cells(cells, 5)
    assert (cells["again"] == cells["code"]).all()
    assert {c[0] for c in cells["code"]} == {"N", "S"} and {c[1:3] for c in cells["code"]} == {"30", "31"}
