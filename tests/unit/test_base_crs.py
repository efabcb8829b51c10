"""CGCS2000 3-degree Gauss-Krüger zones, checked against the EPSG database (pyproj)."""

from __future__ import annotations

import pyproj
import pytest

from citytwin.layers.base_crs import central_meridian, cgcs2000_gk_epsg, is_cgcs2000_gk_epsg


def test_beijing_is_epsg_4548():
    assert cgcs2000_gk_epsg(116.397) == 4548  # Tiananmen


@pytest.mark.parametrize("longitude", [73.6, 75.0, 88.4, 101.2, 113.26, 117.0, 121.47, 126.6, 135.0, 136.4])
def test_zone_agrees_with_epsg_definition(longitude):
    epsg = cgcs2000_gk_epsg(longitude)
    crs = pyproj.CRS.from_epsg(epsg)
    assert "CGCS2000" in crs.name and "3-degree Gauss-Kruger CM" in crs.name
    params = {param.name: param.value for param in crs.coordinate_operation.params}
    lon_0 = params["Longitude of natural origin"]
    assert lon_0 == central_meridian(longitude)
    assert abs(longitude - lon_0) <= 1.5
    assert params["False easting"] == 500000  # no zone prefix in the false easting


def test_zone_boundary_goes_east():
    assert central_meridian(115.5) == 117
    assert central_meridian(115.4999) == 114


@pytest.mark.parametrize("longitude", [10.0, 72.0, 137.0, -116.0])
def test_outside_china_is_an_error(longitude):
    with pytest.raises(ValueError, match="outside the CGCS2000"):
        cgcs2000_gk_epsg(longitude)


def test_is_gk_epsg():
    assert is_cgcs2000_gk_epsg(4534) and is_cgcs2000_gk_epsg(4554)
    assert not is_cgcs2000_gk_epsg(4533) and not is_cgcs2000_gk_epsg(4555) and not is_cgcs2000_gk_epsg(None)
