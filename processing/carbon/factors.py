"""The carbon factor table: every number the ledger uses, with its unit, scope and source.

The table ships as ``factors_cn.csv`` next to this module and a user can pass their own
(CSV with the same columns, or TOML with one ``[[factor]]`` table per row). Each row is

``sector, factor, scope, value, unit, indicative, source, note``

``value`` is converted on load to the factor's canonical unit (``CANONICAL``), so a user
may write ``tCO2/MWh`` for a grid factor or ``GJ/m2/yr`` for a heating intensity; a unit
the factor does not know, a missing unit or source, a duplicate ``(factor, scope)`` are
errors that name the file and line. Nothing is guessed.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ...common.errors import InputError

#: C -> CO2 mass ratio (molar masses 44.01 / 12.011, rounded as inventories do).
C_TO_CO2 = 44.0 / 12.0
KWH_PER_GJ = 1e9 / 3.6e6
DEFAULT_TABLE = Path(__file__).with_name("factors_cn.csv")
COLUMNS = ("sector", "factor", "scope", "value", "unit", "indicative", "source", "note")

_EMISSION_PER_KWH = {
    "kgCO2/kWh": 1.0,
    "tCO2/MWh": 1.0,
    "gCO2/kWh": 1e-3,
    "kgCO2/MWh": 1e-3,
    "tCO2/GJ": 1000.0 / KWH_PER_GJ,
    "kgCO2/GJ": 1.0 / KWH_PER_GJ,
}
_ENERGY_PER_AREA = {
    "kWh/m2/yr": 1.0,
    "MWh/m2/yr": 1000.0,
    "GJ/m2/yr": KWH_PER_GJ,
    "MJ/m2/yr": KWH_PER_GJ / 1000.0,
    # kgce is not offered: GB/T 51161 gives electricity in kgce as primary energy (x ~2.6), a
    # conversion by calorific value would silently undercount it.
}
_RATIO = {"-": 1.0, "1": 1.0, "fraction": 1.0}
_SPEED = {"km/h": 1.0, "m/s": 3.6}
_SINK_PER_AREA = {
    "tCO2/ha/yr": 1.0,
    "tC/ha/yr": C_TO_CO2,
    "kgCO2/m2/yr": 10.0,
    "kgC/m2/yr": 10.0 * C_TO_CO2,
    "gC/m2/yr": 0.01 * C_TO_CO2,
}

#: factor -> {accepted unit: multiplier to the canonical unit (the first key)}.
UNITS: dict[str, dict[str, float]] = {
    "grid_ef": _EMISSION_PER_KWH,
    "heat_ef": _EMISSION_PER_KWH,
    "elec_intensity": _ENERGY_PER_AREA,
    "heat_intensity": _ENERGY_PER_AREA,
    "storey_height": {"m": 1.0},
    **{f"copert_{c}": {"g/km": 1.0} for c in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta")},
    "copert_rf": {"%": 0.01, "-": 1.0, "fraction": 1.0},
    "copert_vmin": _SPEED,
    "copert_vmax": _SPEED,
    "fleet_share": {"-": 1.0, "%": 0.01, "fraction": 1.0},
    "casa_eps_max": {"gC/MJ": 1.0, "kgC/MJ": 1000.0},
    "casa_stress": _RATIO,
    "par_fraction": _RATIO,
    "fpar_min": _RATIO,
    "fpar_max": _RATIO,
    "ndvi_min": _RATIO,
    "ndvi_max": _RATIO,
    "solar_radiation": {"MJ/m2/yr": 1.0, "GJ/m2/yr": 1000.0, "kWh/m2/yr": 3.6},
    "landcover_ndvi_max": _RATIO,
    "landcover_sink": _SINK_PER_AREA,
}
#: Factors that must be > 0 (a divisor, a speed limit, a rate of light use) and those that may be < 0.
POSITIVE = {"storey_height", "copert_vmin", "copert_vmax", "casa_eps_max", "solar_radiation", "fpar_max"}
SIGNED = {f"copert_{c}" for c in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta")} | {
    "ndvi_min",
    "ndvi_max",
    "landcover_ndvi_max",
}
#: The unit every value is held in after loading.
CANONICAL = {factor: next(iter(units)) for factor, units in UNITS.items()}


@dataclass(frozen=True)
class Factor:
    """One row of the table, its value in the canonical unit of its factor."""

    sector: str
    factor: str
    scope: str
    value: float
    unit: str  # as written in the table
    indicative: bool
    source: str
    note: str
    table: str
    line: int

    @property
    def canonical_unit(self) -> str:
        return CANONICAL[self.factor]

    @property
    def reference(self) -> str:
        """A short trace for a result field: ``grid_ef[north_china] (file:line)``."""
        return f"{self.factor}[{self.scope}] ({self.table_name}:{self.line})"

    @property
    def table_name(self) -> str:
        return self.table.replace("\\", "/").rsplit("/", 1)[-1]


class FactorTable:
    """The rows of a factor table, looked up by ``(factor, scope)``."""

    def __init__(self, rows: Iterable[Factor], source: str) -> None:
        self.source = source
        self._rows: dict[tuple[str, str], Factor] = {}
        for row in rows:
            key = (row.factor, row.scope)
            if key in self._rows:
                raise InputError(
                    f"factor '{row.factor}' for scope '{row.scope}' is given twice "
                    f"(lines {self._rows[key].line} and {row.line})",
                    source,
                    row.line,
                )
            self._rows[key] = row

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self):
        return iter(self._rows.values())

    def scopes(self, factor: str) -> list[str]:
        return [scope for (name, scope) in self._rows if name == factor]

    def get(self, factor: str, scope: str) -> Factor:
        try:
            return self._rows[(factor, scope)]
        except KeyError:
            known = ", ".join(self.scopes(factor)) or "none"
            raise InputError(
                f"the factor table has no '{factor}' for '{scope}' (it has it for: {known})", self.source
            ) from None

    def value(self, factor: str, scope: str) -> float:
        return self.get(factor, scope).value

    def used(self, keys: Iterable[tuple[str, str]]) -> list[Factor]:
        """The rows behind a result, for its report and its 'Factors' sheet."""
        return [self._rows[key] for key in dict.fromkeys(keys) if key in self._rows]


def _parse_row(raw: dict, path: str, line: int) -> Factor:
    def text(name: str, required: bool = True) -> str:
        value = raw.get(name)
        value = "" if value is None else str(value).strip()
        if required and not value:
            raise InputError(f"'{name}' is empty", path, line, name)
        return value

    factor = text("factor")
    if factor not in UNITS:
        raise InputError(f"unknown factor '{factor}' (known: {', '.join(sorted(UNITS))})", path, line, "factor")
    unit = text("unit")
    units = UNITS[factor]
    if unit not in units:
        raise InputError(
            f"unit '{unit}' is not a unit of {factor} (use one of: {', '.join(units)})", path, line, "unit"
        )
    try:
        value = float(raw.get("value"))
    except (TypeError, ValueError):
        raise InputError(f"value '{raw.get('value')}' is not a number", path, line, "value") from None
    if not math.isfinite(value):
        raise InputError(f"value '{raw.get('value')}' is not a finite number", path, line, "value")
    if factor in POSITIVE and not value > 0:
        raise InputError(f"{factor} must be positive, got {value:g}", path, line, "value")
    if factor not in SIGNED and value < 0:
        raise InputError(f"{factor} cannot be negative, got {value:g}", path, line, "value")
    indicative = text("indicative", required=False).lower() in ("yes", "true", "1", "y")
    return Factor(
        sector=text("sector", required=False),
        factor=factor,
        scope=text("scope"),
        value=value * units[unit],
        unit=unit,
        indicative=indicative,
        source=text("source"),
        note=text("note", required=False),
        table=path,
        line=line,
    )


def _has_text(raw: dict) -> bool:
    """False for a blank CSV line (all cells empty)."""
    return any(isinstance(v, str) and v.strip() for v in raw.values())


def load_factor_table(path: str | Path | None = None) -> FactorTable:
    """Read a factor table (CSV or TOML); ``None`` reads the shipped Chinese defaults."""
    path = Path(path) if path else DEFAULT_TABLE
    label = str(path)
    if not path.is_file():
        raise InputError("factor table not found", label)
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not a readable TOML file ({exc})", label) from None
        items = data.get("factor")
        if not isinstance(items, list) or not items:
            raise InputError("a TOML factor table needs [[factor]] tables", label)
        # tomllib gives no line numbers: rows are numbered as the n-th [[factor]].
        rows = [_parse_row(item, label, n) for n, item in enumerate(items, start=1)]
    else:
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = reader.fieldnames or []
                missing = [c for c in ("factor", "scope", "value", "unit", "source") if c not in header]
                if missing:
                    raise InputError(f"missing column(s) {', '.join(missing)}", label, 1)
                rows = [_parse_row(raw, label, reader.line_num) for raw in reader if _has_text(raw)]
        except UnicodeDecodeError:
            raise InputError("not a UTF-8 text file", label) from None
    if not rows:
        raise InputError("the factor table has no rows", label)
    return FactorTable(rows, label)
