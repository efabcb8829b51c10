"""Tell what kind of source a file is, for bases built from a plain list of files."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from ..common.errors import InputError

_NMEA_LINE = re.compile(rb"^\$[A-Z]{2}[A-Z]{3},")
_RADIOS = {"GSM", "UMTS", "LTE", "NR", "CDMA"}
RASTER_SUFFIXES = {".tif", ".tiff", ".jp2", ".img", ".vrt"}
VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite"}


def _head(path: Path, size: int = 8192) -> bytes:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as handle:
        return handle.read(size)


def _csv_kind(path: Path, head: bytes) -> str:
    from .cells import DRIVE_TEST_ALIASES
    from .insar import date_columns

    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    separator = ";" if first.count(";") > first.count(",") else ("\t" if first.count("\t") > first.count(",") else ",")
    headers = [h.strip().strip('"') for h in first.split(separator)]
    lowered = {h.lower() for h in headers}
    if {"radio", "mcc", "net"} <= lowered or (headers and headers[0].upper() in _RADIOS and len(headers) >= 13):
        return "opencellid"
    try:
        if date_columns(headers) and ({"pid", "mean_velocity"} & lowered or "latitude" in lowered):
            return "ps"
    except InputError:
        pass
    normal = {re.sub(r"[\s_\-.()\[\]]|dbm|db", "", h.lower()) for h in headers}
    rsrp_aliases = {re.sub(r"[\s_\-.()\[\]]|dbm|db", "", a.lower()) for a in DRIVE_TEST_ALIASES.get("rsrp_dbm", ())}
    if normal & rsrp_aliases:
        return "drive_test"
    raise InputError(
        "cannot tell whether this CSV holds cell sites, drive-test measurements or PS points "
        f"(columns: {', '.join(headers[:12])}); list it in a base description with its kind",
        source=path,
    )


def detect_kind(path: str | Path) -> str:
    """The source kind of ``path`` (see ``base_description.SOURCE_KINDS``).

    Raises
    ------
    InputError
        When the file is missing or its kind cannot be told; the message says how to
        state it explicitly.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path)
    suffixes = "".join(path.suffixes).lower()
    suffix = path.suffix.lower()
    if suffix in (".las", ".laz") or suffixes.endswith(".copc.laz"):
        return "pointcloud"
    if suffix == ".gpx":
        return "gpx"
    if suffix in RASTER_SUFFIXES:
        return "imagery"
    if suffix in VECTOR_SUFFIXES:
        return _vector_kind(path)
    head = _head(path)
    lines = [line.strip() for line in head.splitlines()[:40] if line.strip()]
    if lines and sum(bool(_NMEA_LINE.match(line.lstrip(b"\xef\xbb\xbf"))) for line in lines) >= max(1, len(lines) // 2):
        return "nmea"
    if suffix in (".csv", ".txt", ".gz"):
        return _csv_kind(path, head)
    raise InputError("unknown kind of file; list it in a base description with its kind", source=path)


def _vector_kind(path: Path) -> str:
    import pyogrio

    from .insar import date_columns

    try:
        info = pyogrio.read_info(path)
    except Exception as exc:
        raise InputError(f"cannot be read as a vector layer ({exc})", source=path) from exc
    geometry = (info.get("geometry_type") or "").lower()
    if "polygon" in geometry:
        return "buildings"
    if "point" in geometry:
        try:
            if date_columns(list(info["fields"])):
                return "ps"
        except InputError:
            pass
    raise InputError(
        f"a {geometry or 'non-spatial'} layer: CityTwin imports polygon layers as buildings and point layers "
        "with D_YYYYMMDD fields as PS points; list other layers in a base description",
        source=path,
    )


def guess_sensor(path: str | Path) -> str:
    """Sensor of a multiband image from its band descriptions and count."""
    from .imagery import describe_image

    info = describe_image(path)
    descriptions = [d.upper() for d in info.band_descriptions if d]
    if any(d.startswith("SR_B") for d in descriptions) or info.band_count == 7:
        return "landsat_c2_l2"
    if "B8A" in descriptions or info.band_count in (12, 13):
        return "sentinel2_l2a"
    if info.band_count == 4:
        return "gf2_pms"
    raise InputError(
        f"cannot tell the sensor of a {info.band_count}-band image; choose it (Sentinel-2 L2A, Landsat 8/9, GF-2)",
        source=path,
    )


def description_from_files(
    paths: list[str | Path],
    output: Path,
    project: Path | None = None,
    crs: str | None = None,
    cell_size_m: float = 100.0,
    time_unit: str = "month",
    name: str = "Digital base",
):
    """A base description for a plain list of files, each file's kind detected."""
    from .base_description import BaseDescription, SourceSpec

    sources = []
    for item in paths:
        path = Path(item)
        kind = detect_kind(path)
        options = {"sensor": guess_sensor(path)} if kind == "imagery" else {}
        sources.append(SourceSpec(kind, path.resolve(), options))
    if not sources:
        raise InputError("no input files were given")
    output = Path(output).resolve()
    return BaseDescription(
        name=name,
        sources=sources,
        crs=crs,
        cell_size_m=cell_size_m,
        time_unit=time_unit,
        output=output,
        project=Path(project).resolve() if project else output.with_suffix(".qgz"),
        folder=output.parent,
    )
