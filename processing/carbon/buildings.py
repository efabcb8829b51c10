"""Operational CO2 of buildings: floor area x energy intensity x emission factor.

Per building::

    floors      = the floors attribute, or round(height / storey height of its use)
    floor area  = footprint area x floors                                   [m2]
    electricity = floor area x elec_intensity[use]                          [kWh/yr]
    heating     = floor area x heat_intensity[use]                          [kWh/yr]
    CO2         = electricity x grid_ef[region] + heating x heat_ef[system]  [kgCO2/yr]

Electricity is a scope-2 emission (it happens at the power plant), heating by a boiler or
the district network scope 1/2 by the system; the two are kept apart so that a ledger can
be compared with inventories that place emissions at the stack. A building whose use is
unknown, or that has neither floors nor height, gets a ``flag`` and NULL results: never a
silent zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .factors import FactorTable
from .names import BUILDING_USES, GRID_REGIONS, HEATING_SYSTEMS

#: Spellings met in real footprint layers (OSM building=*, Chinese land-use names).
USE_ALIASES = {
    **{use: use for use in BUILDING_USES},
    "住宅": "residential",
    "居住": "residential",
    "住宅楼": "residential",
    "residence": "residential",
    "house": "residential",
    "apartments": "residential",
    "dormitory": "residential",
    "办公": "office",
    "写字楼": "office",
    "商业": "commercial",
    "商场": "commercial",
    "商业服务": "commercial",
    "retail": "commercial",
    "shop": "commercial",
    "hotel": "commercial",
    "公共": "public",
    "公共服务": "public",
    "学校": "public",
    "医院": "public",
    "school": "public",
    "hospital": "public",
    "university": "public",
    "civic": "public",
    "工业": "industrial",
    "厂房": "industrial",
    "industry": "industrial",
    "factory": "industrial",
    "warehouse": "industrial",
}

__all__ = ["BUILDING_USES", "FIELDS", "GRID_REGIONS", "HEATING_SYSTEMS", "building_emissions", "normalise_use"]

#: Output fields (name -> description with unit), in order.
FIELDS = {
    "use_class": "use class the intensities were taken for",
    "floors_used": "floors used (from the attribute, or height / storey height)",
    "floors_from": "where the floors came from: attribute | height",
    "floor_area_m2": "gross floor area = footprint area x floors (m2)",
    "elec_kwh_m2": "electricity intensity (kWh/m2/yr)",
    "heat_kwh_m2": "heating intensity (kWh/m2/yr)",
    "grid_ef": "grid emission factor (kgCO2/kWh)",
    "heat_ef": "heating emission factor (kgCO2/kWh of heat)",
    "elec_mwh": "electricity use (MWh/yr)",
    "heat_mwh": "heat use (MWh/yr)",
    "co2_elec_t": "CO2 of electricity, scope 2 (tCO2/yr)",
    "co2_heat_t": "CO2 of heating (tCO2/yr)",
    "co2_t": "operational CO2 (tCO2/yr)",
    "factor_refs": "factor table rows used (factor[scope] (file:line))",
    "flag": "why a building has no result (empty when it has one)",
}


def normalise_use(value) -> str | None:
    """The use class of an attribute value, or None when it is not known."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return USE_ALIASES.get(str(value).strip().lower()) or USE_ALIASES.get(str(value).strip())


def _numbers(values, n: int) -> np.ndarray:
    """Floats of an attribute column; NaN where it is missing or not a number."""
    if values is None:
        return np.full(n, np.nan)
    return pd.to_numeric(pd.Series(list(values)), errors="coerce").to_numpy(np.float64)


def building_emissions(
    footprint_area_m2,
    use,
    factors: FactorTable,
    floors=None,
    height_m=None,
    region: str = "north_china",
    heating: str = "district_heat",
) -> pd.DataFrame:
    """Operational CO2 per building (one row per input, in input order; see :data:`FIELDS`)."""
    area = np.asarray(footprint_area_m2, dtype=np.float64)
    n = area.shape[0]
    uses = [normalise_use(u) for u in (use if use is not None else [None] * n)]
    floors_in = _numbers(floors, n)
    height = _numbers(height_m, n)
    grid = factors.get("grid_ef", region)
    heat = factors.get("heat_ef", heating)

    flags = np.full(n, "", dtype=object)
    raw_use = list(use) if use is not None else [None] * n
    for i, u in enumerate(uses):
        if u is None:
            flags[i] = f"unknown use '{raw_use[i]}' (known: {', '.join(BUILDING_USES)})"
    bad_area = ~(area > 0)
    flags[bad_area & (flags == "")] = "footprint has no area"

    has_floors = floors_in > 0
    per_use = {u: {n: factors.value(n, u) for n in ("storey_height", "elec_intensity", "heat_intensity")}
               for u in set(uses) - {None}}  # fmt: skip
    storey = np.array([per_use[u]["storey_height"] if u else np.nan for u in uses])
    with np.errstate(invalid="ignore", divide="ignore"):
        from_height = np.maximum(1.0, np.round(height / storey))
    floors_used = np.where(has_floors, floors_in, np.where(height > 0, from_height, np.nan))
    no_floors = ~np.isfinite(floors_used) & (flags == "")
    flags[no_floors] = "neither floors nor a height (run 'Building heights from point cloud' or fill floors)"

    ok = flags == ""
    elec_i = np.array([per_use[u]["elec_intensity"] if u else np.nan for u in uses])
    heat_i = np.array([per_use[u]["heat_intensity"] if u else np.nan for u in uses])
    floor_area = area * floors_used
    elec_mwh = floor_area * elec_i / 1000.0
    heat_mwh = floor_area * heat_i / 1000.0
    co2_elec = elec_mwh * grid.value  # MWh x kgCO2/kWh = tCO2
    co2_heat = heat_mwh * heat.value

    def references(u: str, with_storey: bool) -> str:
        keys = [("grid_ef", region), ("heat_ef", heating), ("elec_intensity", u), ("heat_intensity", u)]
        if with_storey:
            keys.append(("storey_height", u))
        return "; ".join(factors.get(name, scope).reference for name, scope in keys)

    # One string per (use, floors from height) pair, not per building.
    cache = {(u, h): references(u, h) for u in set(uses) - {None} for h in (False, True)}
    refs = [cache[(u, not has_floors[i])] if u else "" for i, u in enumerate(uses)]

    def masked(values):
        return np.where(ok, values, np.nan).astype(np.float64)

    return pd.DataFrame(
        {
            "use_class": [u or "" for u in uses],
            "floors_used": masked(floors_used),
            "floors_from": np.where(ok, np.where(has_floors, "attribute", "height"), ""),
            "floor_area_m2": masked(floor_area),
            "elec_kwh_m2": masked(elec_i),
            "heat_kwh_m2": masked(heat_i),
            "grid_ef": masked(np.full(n, grid.value)),
            "heat_ef": masked(np.full(n, heat.value)),
            "elec_mwh": masked(elec_mwh),
            "heat_mwh": masked(heat_mwh),
            "co2_elec_t": masked(co2_elec),
            "co2_heat_t": masked(co2_heat),
            "co2_t": masked(co2_elec + co2_heat),
            "factor_refs": np.where(ok, refs, ""),
            "flag": flags,
        }
    )
