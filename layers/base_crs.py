"""The base CRS: CGCS2000 3-degree Gauss-Krüger zones (EPSG:4534-4554).

China's national geodetic datum CGCS2000 with 3-degree Gauss-Krüger zones, central
meridians 75°E-135°E, is the standard projected CRS of Chinese city surveying; the
EPSG codes without false-easting zone prefix are 4534 (CM 75°E) to 4554 (CM 135°E).
Beijing (about 116.4°E) falls in the zone of CM 117°E, EPSG:4548.
"""

from __future__ import annotations

import math

FIRST_ZONE_EPSG = 4534
FIRST_CENTRAL_MERIDIAN = 75
LAST_CENTRAL_MERIDIAN = 135


def central_meridian(longitude: float) -> int:
    """Central meridian (°E) of the 3-degree zone containing ``longitude``.

    Zones are centred on multiples of 3°, each spanning ±1.5°; a longitude exactly
    on a boundary goes to the eastern zone.
    """
    return int(3 * math.floor(longitude / 3 + 0.5))


def cgcs2000_gk_epsg(longitude: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone for ``longitude``.

    Raises
    ------
    ValueError
        When the longitude is outside the zones defined for China (73.5°E-136.5°E).
    """
    meridian = central_meridian(longitude)
    if not FIRST_CENTRAL_MERIDIAN <= meridian <= LAST_CENTRAL_MERIDIAN:
        raise ValueError(
            f"longitude {longitude:.4f}° is outside the CGCS2000 3-degree Gauss-Krüger "
            "zones (73.5°E-136.5°E); choose the base CRS explicitly"
        )
    return FIRST_ZONE_EPSG + (meridian - FIRST_CENTRAL_MERIDIAN) // 3


def is_cgcs2000_gk_epsg(epsg: int | None) -> bool:
    """True for the EPSG codes of the CGCS2000 3-degree Gauss-Krüger zones."""
    return epsg is not None and FIRST_ZONE_EPSG <= epsg <= FIRST_ZONE_EPSG + 20


def base_epsg_for(lonlat_bounds: tuple[float, float, float, float]) -> int:
    """Default base CRS of data covering ``(lon_min, lat_min, lon_max, lat_max)``:
    the CGCS2000 3-degree zone of the centre longitude."""
    lon_min, _, lon_max, _ = lonlat_bounds
    return cgcs2000_gk_epsg((lon_min + lon_max) / 2)


def defined_crs(crs):
    """``crs`` or None when it is missing or only a placeholder.

    GDAL reports a GeoPackage layer written without a CRS as "Undefined geographic
    SRS" / "Undefined Cartesian SRS" (srs_id 0 / -1): that is no CRS at all and
    must be treated as missing, not as some geographic CRS.
    """
    if crs is None:
        return None
    name = getattr(crs, "name", "") or ""
    if name.startswith("Undefined") or name.lower() == "unknown":
        return None
    return crs
