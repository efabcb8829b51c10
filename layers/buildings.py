"""Building footprints from any OGR vector, with height, floor and use fields mapped.

Schema of :attr:`Buildings.footprints` (a GeoDataFrame in the layer's CRS):

==============  =============================================================
building_id     the source's id field when there is one, else the row number
height_m        building height in metres (NaN when unknown or implausible)
floors          number of floors above ground (NaN when unknown)
use             one of ``residential, office, commercial, public, industrial,
                other`` (``other`` when missing or not recognised)
use_source      the source's own use value, kept for traceability
geometry        Polygon / MultiPolygon footprint
==============  =============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..common.errors import InputError
from .base_crs import defined_crs
from .report import ReadReport

#: Canonical field -> accepted source field names (compared case-insensitively, with
#: spaces, underscores, hyphens, dots and colons removed). Earlier aliases win.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "building_id": ("building_id", "bldg_id", "id", "fid", "osm_id", "objectid", "编号", "建筑编号"),
    "height_m": (
        "height_m", "height", "bldg_height", "building_height", "buildingheight", "hgt", "h", "roof_height",
        "measuredheight", "高度", "建筑高度", "楼高",
    ),
    "floors": (
        "floors", "floor", "num_floors", "storeys", "stories", "building:levels", "levels", "floor_count",
        "层数", "楼层", "楼层数", "地上层数",
    ),
    "use": (
        "use", "usage", "building_use", "function", "bldg_type", "building_type", "type", "building", "class",
        "用途", "功能", "建筑用途", "类型", "性质",
    ),
}  # fmt: skip

#: Source use values (lower-case) -> canonical use. OSM building tags, CityGML-like
#: function names and the common Chinese terms.
USE_VALUES: dict[str, str] = {
    **dict.fromkeys(
        ("residential", "apartments", "apartment", "house", "detached", "semidetached_house", "terrace",
         "dormitory", "housing", "home", "住宅", "居住", "住宅楼", "公寓", "宿舍"), "residential"),
    **dict.fromkeys(("office", "offices", "办公", "写字楼", "办公楼"), "office"),
    **dict.fromkeys(
        ("commercial", "retail", "shop", "shops", "supermarket", "mall", "hotel", "商业", "商场", "商铺",
         "商务", "酒店", "商业楼"), "commercial"),
    **dict.fromkeys(
        ("public", "civic", "government", "school", "university", "college", "kindergarten", "hospital",
         "clinic", "museum", "library", "train_station", "transportation", "公共", "公建", "学校", "医院",
         "政府", "教育", "文化", "公共建筑"), "public"),
    **dict.fromkeys(
        ("industrial", "industry", "factory", "manufacture", "warehouse", "工业", "厂房", "仓库", "工厂"),
        "industrial"),
}  # fmt: skip

USES = ("residential", "office", "commercial", "public", "industrial", "other")

#: Heights outside this range (m) are treated as errors in the data.
PLAUSIBLE_HEIGHT_M = (0.5, 1000.0)


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-.:()（）]", "", name).lower()


def map_fields(columns: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Canonical field -> source column, from the aliases (``mapping`` overrides)."""
    mapping = dict(mapping or {})
    by_normal = {}
    for column in columns:
        by_normal.setdefault(_normalise(column), column)
    result = {}
    for canonical, aliases in FIELD_ALIASES.items():
        if canonical in mapping:
            if mapping[canonical] not in columns:
                raise InputError(
                    f"the field '{mapping[canonical]}' given for {canonical} is not in the layer "
                    f"(fields: {', '.join(columns)})",
                    field=mapping[canonical],
                )
            result[canonical] = mapping[canonical]
            continue
        for alias in aliases:
            if _normalise(alias) in by_normal:
                result[canonical] = by_normal[_normalise(alias)]
                break
    return result


def canonical_use(values) -> np.ndarray:
    """Canonical use of each source value (``other`` when unknown or missing)."""
    import pandas as pd

    out = []
    for value in values:
        key = "" if value is None or pd.isna(value) else str(value).strip().lower()
        out.append(USE_VALUES.get(key, "other"))
    return np.asarray(out, dtype=object)


@dataclass
class Buildings:
    footprints: object
    mapping: dict[str, str]
    report: ReadReport
    unknown_uses: dict[str, int] = field(default_factory=dict)


def _read_polygons(path: Path, layer: str | None):
    import pyogrio

    if not path.exists():
        raise InputError("file not found", source=path)
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:
        raise InputError(f"cannot be read as a vector layer ({exc})", source=path) from exc
    source = f"{path}" + (f" (layer {layer})" if layer else "")
    if frame.empty:
        raise InputError("the layer has no features", source=source)
    geom_types = set(frame.geometry.geom_type.dropna().unique())
    if not geom_types <= {"Polygon", "MultiPolygon"}:
        raise InputError(
            f"building footprints must be polygons, the layer has {', '.join(sorted(geom_types))}", source=source
        )
    return frame, source


def _clean_geometries(frame, report: ReadReport):
    import shapely

    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        report.skip_many((np.flatnonzero(empty.to_numpy()) + 1).tolist(), "empty geometry")
    frame = frame[~empty].copy()
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        frame.loc[invalid, "geometry"] = shapely.make_valid(frame.geometry[invalid].to_numpy())
        report.note(f"{int(invalid.sum())} invalid footprints were repaired (shapely make_valid).")
    return frame


def _numeric(frame, fields: dict[str, str], name: str, low: float, high: float, report: ReadReport, label: str):
    import pandas as pd

    if name not in fields:
        return pd.Series(np.nan, index=frame.index)
    values = pd.to_numeric(frame[fields[name]], errors="coerce")
    implausible = values.notna() & ~values.between(low, high)
    if implausible.any():
        report.note(f"{int(implausible.sum())} {label} outside {low:g}-{high:g} were treated as unknown.")
    return values.where(~implausible)


def _uses(frame, fields: dict[str, str], report: ReadReport):
    import pandas as pd

    if "use" not in fields:
        source_use = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    else:
        source_use = frame[fields["use"]]
    canonical = canonical_use(source_use.tolist())
    unknown = source_use[(canonical == "other") & source_use.notna().to_numpy()].astype(str).value_counts()
    if len(unknown):
        listed = ", ".join(f"'{value}' ({n})" for value, n in unknown.head(8).items())
        report.note(
            f"{int(unknown.sum())} buildings have a use CityTwin does not recognise ({listed}): set to 'other'."
        )
    missing = int(source_use.isna().sum())
    if missing and "use" in fields:
        report.note(f"{missing} buildings have no use value: set to 'other'.")
    return canonical, source_use.astype(object).where(source_use.notna(), None), unknown


def read_buildings(path: str | Path, layer: str | None = None, mapping: dict[str, str] | None = None) -> Buildings:
    """Read building footprints from any OGR-readable vector (GeoPackage, Shapefile, ...).

    Parameters
    ----------
    path, layer
        The vector file and, for multi-layer files, the layer name.
    mapping
        Canonical field (``height_m``, ``floors``, ``use``, ``building_id``) -> field
        name of the source, overriding the automatic matching of :data:`FIELD_ALIASES`.

    Raises
    ------
    InputError
        Unreadable file, no features, or geometries that are not polygons.
    """
    import geopandas as gpd
    import pandas as pd

    frame, source = _read_polygons(Path(path), layer)
    report = ReadReport(source, rows=len(frame), unit="features")
    fields = map_fields([c for c in frame.columns if c != "geometry"], mapping)
    report.note("Fields used: " + ", ".join(f"{k} <- {v}" for k, v in fields.items()) + ".")
    for canonical in ("height_m", "floors", "use"):
        if canonical not in fields:
            tried = ", ".join(FIELD_ALIASES[canonical])
            report.note(f"No {canonical.replace('_m', '')} field found (tried {tried}).")
    frame = _clean_geometries(frame, report)

    out = pd.DataFrame(index=frame.index)
    out["building_id"] = frame[fields["building_id"]].astype(str) if "building_id" in fields else frame.index + 1
    out["height_m"] = _numeric(frame, fields, "height_m", *PLAUSIBLE_HEIGHT_M, report, "heights (m)")
    out["floors"] = _numeric(frame, fields, "floors", 1, 300, report, "floor counts")
    out["use"], out["use_source"], unknown = _uses(frame, fields, report)
    crs = defined_crs(frame.crs)
    if crs is None:
        report.note("The layer has no CRS: assign one before it joins the base.")
    footprints = gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=crs).reset_index(drop=True)
    report.kept = len(footprints)
    return Buildings(footprints, fields, report, {str(k): int(v) for k, v in unknown.items()})
