"""The declarative description of a digital base: sources and settings, in TOML or JSON.

A base is rebuilt exactly from its description, and the description is small and
textual, so it belongs under version control next to the data's manifest::

    [base]
    name = "Sample city (Beijing)"
    crs = "EPSG:4548"          # omitted: the CGCS2000 3-degree zone of the data's centre
    cell_size_m = 100.0
    time_unit = "month"        # day, week, month, quarter or year
    output = "base.gpkg"       # relative to this file
    project = "base.qgz"

    [[source]]
    kind = "nmea"              # see SOURCE_KINDS
    path = "navigation/drive.nmea"

    [[source]]
    kind = "imagery"
    path = "remote_sensing/S2_L2A_20240420.tif"
    sensor = "sentinel2_l2a"   # any further keys are options of that source's reader

Paths are relative to the description's folder unless absolute.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..common.errors import InputError
from .grid import TIME_UNITS

#: Source kinds a base can hold, and the section they belong to.
SOURCE_KINDS: dict[str, str] = {
    "nmea": "navigation",
    "gpx": "navigation",
    "opencellid": "communication",
    "drive_test": "communication",
    "imagery": "remote_sensing",
    "ps": "monitoring",
    "pointcloud": "realscene3d",
    "buildings": "realscene3d",
}


@dataclass
class SourceSpec:
    kind: str
    path: Path
    options: dict = field(default_factory=dict)
    #: CRS to assign when the source has none (never guessed otherwise).
    crs: str | None = None

    @property
    def section(self) -> str:
        return SOURCE_KINDS[self.kind]


@dataclass
class BaseDescription:
    name: str
    sources: list[SourceSpec]
    crs: str | None = None
    cell_size_m: float = 100.0
    time_unit: str = "month"
    output: Path = Path("base.gpkg")
    project: Path = Path("base.qgz")
    folder: Path = Path()

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.folder / path)

    @property
    def output_path(self) -> Path:
        return self.resolve(self.output)

    @property
    def project_path(self) -> Path:
        return self.resolve(self.project)


def _load(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", source=path, line=exc.lineno) from exc
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # QGIS on Windows still ships Python 3.9
        try:
            import tomli as tomllib
        except ModuleNotFoundError as exc:
            raise InputError(
                "reading TOML needs Python 3.11 or the 'tomli' package; use a .json description instead",
                source=path,
            ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=path) from exc


def read_description(path: str | Path) -> BaseDescription:
    """Read and validate a base description (``.toml`` or ``.json``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path)
    data = _load(path)
    base = data.get("base", {})
    if not isinstance(base, dict):
        raise InputError("[base] must be a table", source=path, field="base")
    sources = []
    for i, item in enumerate(data.get("source", []), start=1):
        if not isinstance(item, dict) or "kind" not in item or "path" not in item:
            raise InputError(f"source #{i} needs 'kind' and 'path'", source=path, field="source")
        kind = str(item["kind"])
        if kind not in SOURCE_KINDS:
            raise InputError(
                f"source #{i}: unknown kind '{kind}' (known: {', '.join(SOURCE_KINDS)})", source=path, field="kind"
            )
        options = {k: v for k, v in item.items() if k not in ("kind", "path", "crs")}
        sources.append(SourceSpec(kind, Path(str(item["path"])), options, item.get("crs")))
    if not sources:
        raise InputError("the description lists no [[source]]", source=path)
    time_unit = str(base.get("time_unit", "month"))
    if time_unit not in TIME_UNITS:
        raise InputError(f"time_unit must be one of {', '.join(TIME_UNITS)}", source=path, field="time_unit")
    cell_size = float(base.get("cell_size_m", 100.0))
    if not (math.isfinite(cell_size) and cell_size > 0):
        raise InputError("cell_size_m must be a positive number", source=path, field="cell_size_m")
    return BaseDescription(
        name=str(base.get("name", path.stem)),
        sources=sources,
        crs=base.get("crs"),
        cell_size_m=cell_size,
        time_unit=time_unit,
        output=Path(str(base.get("output", path.with_suffix(".gpkg").name))),
        project=Path(str(base.get("project", path.with_suffix(".qgz").name))),
        folder=path.parent,
    )


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def description_text(description: BaseDescription) -> str:
    """The description as TOML (paths written relative to its folder where possible)."""

    def rel(path: Path) -> str:
        try:
            return path.relative_to(description.folder).as_posix() if path.is_absolute() else path.as_posix()
        except ValueError:
            return path.as_posix()

    lines = ["# CityTwin digital base description", "[base]", f"name = {_toml_value(description.name)}"]
    if description.crs:
        lines.append(f"crs = {_toml_value(description.crs)}")
    lines += [
        f"cell_size_m = {_toml_value(float(description.cell_size_m))}",
        f"time_unit = {_toml_value(description.time_unit)}",
        f"output = {_toml_value(rel(description.output))}",
        f"project = {_toml_value(rel(description.project))}",
    ]
    for source in description.sources:
        lines += ["", "[[source]]", f"kind = {_toml_value(source.kind)}", f"path = {_toml_value(rel(source.path))}"]
        if source.crs:
            lines.append(f"crs = {_toml_value(source.crs)}")
        lines += [f"{key} = {_toml_value(value)}" for key, value in source.options.items()]
    return "\n".join(lines) + "\n"


def write_description(description: BaseDescription, path: str | Path) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(description_text(description), encoding="utf-8")
    tmp.replace(path)
    return path
