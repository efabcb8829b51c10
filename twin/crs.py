"""Explicit handling of the CRS records of LAS/LAZ files.

A LAS file may carry its CRS as an OGC WKT VLR, as GeoTIFF keys, as both (which may
disagree), as a compound CRS with a vertical part, or not at all. CityTwin never
guesses: every case is reported in words and the caller decides (a missing CRS must
be assigned by the user).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# GeoTIFF key ids (OGC 19-008r4, section 7)
_GEOGRAPHIC_TYPE_KEY = 2048
_PROJECTED_TYPE_KEY = 3072
_VERTICAL_TYPE_KEY = 4096
_USER_DEFINED = 32767


@dataclass(frozen=True)
class CrsReport:
    """What the CRS records of a point-cloud file say.

    Attributes
    ----------
    source
        ``"none"``, ``"wkt"``, ``"geotiff"`` or ``"wkt+geotiff"``: which records exist.
    crs_wkt
        WKT2 of the CRS CityTwin will use, or None when there is none it can use.
    name
        Human-readable CRS name (``"CGCS2000 / 3-degree Gauss-Kruger CM 117E"``).
    epsg
        EPSG code of the (horizontal) CRS when it has one.
    vertical_name
        Name of the vertical CRS when the CRS is compound, else None.
    conflict
        True when WKT and GeoTIFF records are both present and disagree.
    messages
        Sentences for the user explaining anything unusual (missing, conflicting or
        unparsable records); empty when a single clean record was found.
    """

    source: str
    crs_wkt: str | None
    name: str | None = None
    epsg: int | None = None
    vertical_name: str | None = None
    conflict: bool = False
    messages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_missing(self) -> bool:
        """True when there is no CRS the data can be used with."""
        return self.crs_wkt is None


def _wkt_records(header: Any) -> list[Any]:
    from laspy.vlrs.known import WktCoordinateSystemVlr

    records = [v for v in header.vlrs if isinstance(v, WktCoordinateSystemVlr)]
    if header.evlrs is not None:
        records += [v for v in header.evlrs if isinstance(v, WktCoordinateSystemVlr)]
    return records


def _geokey_records(header: Any) -> list[Any]:
    from laspy.vlrs.known import GeoKeyDirectoryVlr

    return [v for v in header.vlrs if isinstance(v, GeoKeyDirectoryVlr)]


def _crs_from_geokeys(record: Any) -> tuple[Any | None, str | None]:
    """(pyproj CRS, problem) from a GeoKeyDirectory VLR, keeping a vertical CS."""
    import pyproj

    keys = {key.id: key.value_offset for key in record.geo_keys}
    horizontal = keys.get(_PROJECTED_TYPE_KEY) or keys.get(_GEOGRAPHIC_TYPE_KEY)
    vertical = keys.get(_VERTICAL_TYPE_KEY)
    if horizontal is None:
        return None, "the GeoTIFF keys name no projected or geographic CRS"
    if horizontal == _USER_DEFINED:
        return None, "the GeoTIFF keys describe a user-defined CRS, which is not supported"
    try:
        if vertical and vertical != _USER_DEFINED:
            return pyproj.CRS.from_user_input(f"EPSG:{horizontal}+{vertical}"), None
        return pyproj.CRS.from_epsg(horizontal), None
    except pyproj.exceptions.CRSError as exc:
        return None, f"the GeoTIFF keys name EPSG:{horizontal}, which is unknown ({exc})"


def _crs_from_wkt(record: Any) -> tuple[Any | None, str | None]:
    import pyproj

    text = record.string if hasattr(record, "string") else None
    try:
        crs = record.parse_crs()
    except pyproj.exceptions.CRSError as exc:
        return None, f"the WKT record cannot be parsed ({exc})"
    if crs is None:
        return None, f"the WKT record cannot be parsed ({(text or '')[:60]!r})"
    return crs, None


def _horizontal(crs: Any) -> Any:
    return crs.sub_crs_list[0] if crs.is_compound else crs


def read_crs_report(header: Any) -> CrsReport:
    """Report the CRS records of a laspy header without guessing.

    When WKT and GeoTIFF records disagree, the one the LAS specification makes
    authoritative wins and the conflict is reported: WKT when the header's WKT bit
    is set (always for point formats 6-10), GeoTIFF keys otherwise.
    """
    wkt_records = _wkt_records(header)
    geo_records = _geokey_records(header)
    source = "+".join(name for name, present in (("wkt", wkt_records), ("geotiff", geo_records)) if present)
    if not source:
        return CrsReport(
            source="none",
            crs_wkt=None,
            messages=(
                "The file has no CRS record (neither WKT nor GeoTIFF keys); assign the CRS the data was captured in.",
            ),
        )

    messages: list[str] = []
    wkt_crs = geo_crs = None
    if wkt_records:
        wkt_crs, problem = _crs_from_wkt(wkt_records[0])
        if problem:
            messages.append(problem[0].upper() + problem[1:] + ".")
    if geo_records:
        geo_crs, problem = _crs_from_geokeys(geo_records[0])
        if problem:
            messages.append(problem[0].upper() + problem[1:] + ".")

    conflict = False
    wkt_is_authoritative = bool(header.global_encoding.wkt) or header.point_format.id >= 6
    chosen = wkt_crs if wkt_is_authoritative else geo_crs
    chosen = chosen if chosen is not None else (wkt_crs or geo_crs)
    if (
        wkt_crs is not None
        and geo_crs is not None
        and not _horizontal(wkt_crs).equals(_horizontal(geo_crs), ignore_axis_order=True)
    ):
        conflict = True
        winner = "WKT" if chosen is wkt_crs else "GeoTIFF"
        messages.append(
            f"The WKT record ({wkt_crs.name}) and the GeoTIFF keys ({geo_crs.name}) "
            f"disagree; using the {winner} record as the LAS specification directs. "
            "Check the data and assign the CRS if this is wrong."
        )
    if chosen is None:
        messages.append("No usable CRS could be read; assign the CRS of the data.")
        return CrsReport(source=source, crs_wkt=None, conflict=conflict, messages=tuple(messages))

    horizontal = _horizontal(chosen)
    vertical_name = chosen.sub_crs_list[1].name if chosen.is_compound else None
    return CrsReport(
        source=source,
        crs_wkt=chosen.to_wkt(),
        name=chosen.name,
        epsg=horizontal.to_epsg(),
        vertical_name=vertical_name,
        conflict=conflict,
        messages=tuple(messages),
    )
