"""The Python packages share the C libraries QGIS itself loads (same process)."""

from __future__ import annotations

from qgis.core import Qgis, QgsProjUtils


def test_pyproj_uses_the_proj_of_qgis(qgis_app):
    import pyproj

    qgis_proj = f"{QgsProjUtils.projVersionMajor()}.{QgsProjUtils.projVersionMinor()}"
    assert pyproj.proj_version_str.startswith(qgis_proj + "."), (pyproj.proj_version_str, qgis_proj)


def test_shapely_uses_the_geos_of_qgis(qgis_app):
    import shapely

    assert shapely.geos_version_string.split("-")[0] == Qgis.geosVersion().split("-")[0]


def test_pyogrio_uses_the_gdal_of_qgis(qgis_app):
    import pyogrio
    from osgeo import gdal

    assert pyogrio.__gdal_version_string__ == gdal.__version__


def test_geopandas_round_trip_inside_qgis(qgis_app, tmp_path):
    """With mismatched GEOS copies this fails ("WKB output dimension must be 2 or 3")."""
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame({"name": ["Tiananmen"]}, geometry=[Point(116.3975, 39.9087)], crs=4326).to_crs(4548)
    frame.to_file(tmp_path / "p.gpkg")
    back = gpd.read_file(tmp_path / "p.gpkg")
    assert back.crs.to_epsg() == 4548
    assert abs(back.geometry.x[0] - 449_000) < 2_000  # ~51 km west of the 117°E meridian
