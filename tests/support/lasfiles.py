"""Write small LAS/LAZ files with exactly known content for tests."""

from __future__ import annotations

from pathlib import Path

import laspy
import numpy as np
from laspy.vlrs.known import GeoKeyDirectoryVlr, GeoKeyEntryStruct, WktCoordinateSystemVlr

PROJECTED_KEY = 3072
VERTICAL_KEY = 4096


def geokey_vlr(projected_epsg: int, vertical_epsg: int | None = None) -> GeoKeyDirectoryVlr:
    """A GeoKeyDirectory VLR naming a projected EPSG CRS (and a vertical one)."""
    vlr = GeoKeyDirectoryVlr()
    keys = [(1024, 1), (PROJECTED_KEY, projected_epsg)]  # GTModelType = projected
    if vertical_epsg is not None:
        keys.append((VERTICAL_KEY, vertical_epsg))
    vlr.geo_keys = []
    for key_id, value in keys:
        entry = GeoKeyEntryStruct()
        entry.id = key_id
        entry.tiff_tag_location = 0
        entry.count = 1
        entry.value_offset = value
        vlr.geo_keys.append(entry)
    vlr.geo_keys_header.key_directory_version = 1
    vlr.geo_keys_header.key_revision = 1
    vlr.geo_keys_header.minor_revision = 0
    vlr.geo_keys_header.number_of_keys = len(keys)
    return vlr


def write_las(
    path: Path,
    xyz: np.ndarray,
    classification: np.ndarray | None = None,
    point_format: int = 3,
    version: str = "1.2",
    wkt: str | None = None,
    geokeys: GeoKeyDirectoryVlr | None = None,
    scale: float = 0.01,
    extra: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write ``xyz`` (N x 3) to ``path`` (.las or .laz) with the given records."""
    header = laspy.LasHeader(point_format=point_format, version=version)
    header.scales = np.array([scale, scale, scale])
    header.offsets = np.floor(xyz.min(axis=0)) if len(xyz) else np.zeros(3)
    for name, values in (extra or {}).items():
        header.add_extra_dim(laspy.ExtraBytesParams(name=name, type=values.dtype))
    if wkt is not None:
        header.vlrs.append(WktCoordinateSystemVlr(wkt))
        if point_format >= 6 or version == "1.4":
            header.global_encoding.wkt = True
    if geokeys is not None:
        header.vlrs.append(geokeys)
    data = laspy.LasData(header)
    data.x, data.y, data.z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    if classification is not None:
        data.classification = classification
    for name, values in (extra or {}).items():
        data[name] = values
    data.write(str(path))
    return path
