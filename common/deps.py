"""Which third-party Python packages CityTwin needs, which are missing, how to get them.

Checked with :func:`importlib.util.find_spec`, which locates a package without
importing it: QGIS start-up must not pay for importing geopandas, VTK and friends.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Requirement:
    """A package the plugin uses.

    Attributes
    ----------
    module
        The name it is imported by (``"laspy"``).
    pip_spec
        What pip installs (``"laspy[lazrs]>=2.5"``); looser than the development pins
        in ``requirements.txt`` so that it fits a user's QGIS Python.
    purpose
        What it is used for, shown to the user.
    """

    module: str
    pip_spec: str
    purpose: str

    @property
    def distribution(self) -> str:
        """The distribution name, i.e. ``pip_spec`` without extras and versions."""
        return spec_name(self.pip_spec)


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("numpy", "numpy>=1.22,<2", "arrays"),
    Requirement("pandas", "pandas>=1.5", "tables"),
    Requirement("shapely", "shapely>=2.0", "geometry"),
    Requirement("pyproj", "pyproj>=3.3", "coordinate transformations"),
    Requirement("pyogrio", "pyogrio>=0.7", "fast vector I/O"),
    Requirement("geopandas", "geopandas>=0.14", "vector data frames"),
    Requirement("scipy", "scipy>=1.8", "least squares, interpolation, statistics"),
    Requirement("matplotlib", "matplotlib>=3.5", "time-series and ledger charts"),
    Requirement("rtree", "rtree>=1.0", "spatial index"),
    Requirement("laspy", "laspy>=2.5", "LAS/LAZ/COPC point clouds"),
    Requirement("lazrs", "lazrs>=0.5", "LAZ compression for laspy"),
    Requirement("vtk", "vtk>=9.2", "3D rendering"),
    Requirement("pyvista", "pyvista>=0.43", "3D scenes"),
    Requirement("pyvistaqt", "pyvistaqt>=0.11", "the interactive 3D view"),
)

_BY_MODULE = {req.module: req for req in REQUIREMENTS}


def requirement(module: str) -> Requirement:
    """The :class:`Requirement` for an import name (KeyError if unknown)."""
    return _BY_MODULE[module]


def is_available(module: str) -> bool:
    """True when ``module`` can be imported, without importing it.

    A finder that raises (a broken install, a blocked import) counts as missing.
    """
    if module in sys.modules and sys.modules[module] is not None:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_modules(modules: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Import names among ``modules`` (default: all requirements) that are missing."""
    names = [req.module for req in REQUIREMENTS] if modules is None else list(modules)
    return [name for name in names if not is_available(name)]


def missing_requirements(
    modules: list[str] | tuple[str, ...] | None = None,
) -> list[Requirement]:
    """Like :func:`missing_modules`, as :class:`Requirement` objects."""
    result = []
    for name in missing_modules(modules):
        result.append(_BY_MODULE.get(name) or Requirement(name, name, ""))
    return result


def python_executable() -> str:
    """The Python interpreter of the running QGIS, suitable for ``-m pip``.

    Inside the QGIS desktop ``sys.executable`` is the ``qgis`` binary on Linux and
    ``qgis-bin.exe`` on Windows, so look for the interpreter beside the standard
    library instead.
    """
    exe = Path(sys.executable)
    if exe.name.lower().startswith("python"):
        return str(exe)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        Path(sys.exec_prefix) / "python.exe",  # OSGeo4W / standalone Windows
        Path(sys.exec_prefix) / "bin" / f"python{version}",  # Linux, macOS
        Path(sys.exec_prefix) / "bin" / "python3",
        Path(sys.base_exec_prefix) / "bin" / f"python{version}",
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return f"python{version}" if os.name != "nt" else "python"


def constraints_for_running_python() -> list[str]:
    """Pins that keep pip from replacing binary packages the running Python uses.

    QGIS's own GDAL bindings are compiled against the numpy it ships; a newer major
    numpy pulled in as a dependency would break them, so pin numpy to what is loaded.
    """
    constraints = []
    try:
        from importlib.metadata import version

        constraints.append(f"numpy=={version('numpy')}")
    except Exception:  # noqa: BLE001 - no numpy metadata: nothing to pin
        pass
    return constraints


def pip_install_command(
    target: Path,
    specs: list[str],
    constraints_file: Path | None = None,
    extra_args: list[str] | None = None,
    python: str | None = None,
) -> list[str]:
    """The argument list of a ``pip install`` into ``target`` (a folder on sys.path).

    ``--target`` keeps the user's system Python untouched: everything lands in one
    folder of the QGIS profile that the plugin adds to ``sys.path`` and that the user
    can delete to undo the installation.
    """
    command = [
        python or python_executable(),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "--upgrade",
        "--target",
        str(target),
    ]
    if constraints_file is not None:
        command += ["--constraint", str(constraints_file)]
    command += list(extra_args or [])
    command += list(specs)
    return command


def pip_command_text(specs: list[str]) -> str:
    """A command a user can paste into a shell to install ``specs``."""
    return shlex.join([python_executable(), "-m", "pip", "install", *specs])


def activate_packages_dir(folder: Path) -> bool:
    """Append ``folder`` to ``sys.path`` (once) so packages installed there import.

    Appended, not prepended: packages of the QGIS Python itself keep precedence.
    Returns True when the folder exists and is on the path.
    """
    if not folder.is_dir():
        return False
    entry = str(folder)
    if entry not in sys.path:
        sys.path.append(entry)
    importlib.invalidate_caches()
    return True


def deactivate_packages_dir(folder: Path) -> None:
    """Remove ``folder`` from ``sys.path`` again (plugin unload)."""
    entry = str(folder)
    while entry in sys.path:
        sys.path.remove(entry)


def pip_progress_step(line: str, requested: list[str]) -> str | None:
    """Name of the requested distribution a pip output line starts working on.

    pip prints ``Collecting <name>`` when it begins to resolve a requirement; for the
    requested distributions that is the step a progress bar can count.
    """
    text = line.strip()
    if not text.startswith("Collecting "):
        return None
    name = spec_name(text[len("Collecting ") :])
    wanted = {_normalise(spec_name(spec)) for spec in requested}
    return name if _normalise(name) in wanted else None


def spec_name(spec: str) -> str:
    """Distribution name of a pip specifier (``"laspy[lazrs]>=2" -> "laspy"``)."""
    name = spec
    for sep in "[<>=!~; ":
        name = name.split(sep, 1)[0]
    return name


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
