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
    Requirement("openpyxl", "openpyxl>=3.0", "XLSX ledger tables"),
    Requirement("rtree", "rtree>=1.0", "spatial index"),
    Requirement("laspy", "laspy>=2.5", "LAS/LAZ/COPC point clouds"),
    Requirement("lazrs", "lazrs>=0.5", "LAZ compression for laspy"),
    Requirement("numba", "numba>=0.59", "fast point-cloud decimation (compiled kernel)"),
    Requirement("vtk", "vtk>=9.2", "3D rendering"),
    Requirement("pyvista", "pyvista>=0.43", "3D scenes"),
    Requirement("pyvistaqt", "pyvistaqt>=0.11", "the interactive 3D view"),
)


def requirement(module: str) -> Requirement:
    """The :class:`Requirement` for an import name (a bare one if it is not listed)."""
    for req in REQUIREMENTS:
        if req.module == module:
            return req
    return Requirement(module, module, "")


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
    return [requirement(name) for name in missing_modules(modules)]


def _inside(path: Path, folder: str) -> bool:
    try:
        path.resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def python_executable() -> str:
    """The Python interpreter of the running QGIS, suitable for ``-m pip``.

    Inside QGIS ``sys.executable`` is unreliable: it is the ``qgis`` binary on Linux,
    ``qgis-bin.exe`` on Windows, and in ``qgis_process`` whatever ``python3`` comes
    first on PATH (possibly another installation). So accept it only when it belongs
    to the running Python's prefix, else look for the interpreter in that prefix.
    """
    exe = Path(sys.executable)
    if exe.name.lower().startswith("python") and (
        _inside(exe, sys.exec_prefix) or _inside(exe, sys.base_exec_prefix) or _inside(exe, sys.prefix)
    ):
        return str(exe)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = []
    for prefix in dict.fromkeys((sys.exec_prefix, sys.base_exec_prefix)):
        candidates += [
            Path(prefix) / "python.exe",  # OSGeo4W / standalone Windows installers
            Path(prefix) / "bin" / f"python{version}",  # Linux, macOS
            Path(prefix) / "bin" / "python3",
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


#: Packages whose PyPI wheels bundle their own PROJ, GDAL, GEOS or libspatialindex.
#: Inside a QGIS process that already loaded the system copies of those libraries the
#: two copies collide (checked with QGIS 3.22 on Debian 12: pyproj, pyogrio and rtree
#: wheels crash qgis_process at exit, the shapely wheel fails with GEOS errors). On
#: Linux they must be built against the libraries QGIS uses; Windows and macOS QGIS
#: installers ship matching builds of them.
SYSTEM_LIBRARY_PACKAGES: tuple[str, ...] = ("pyproj", "pyogrio", "shapely", "rtree")


def needs_source_build(platform: str | None = None) -> bool:
    """True where :data:`SYSTEM_LIBRARY_PACKAGES` must not come as PyPI wheels."""
    return (platform or sys.platform).startswith("linux")


def prefix_site_dirs(prefix: Path) -> list[Path]:
    """The folders where ``pip install --prefix <prefix>`` puts packages.

    Asked of ``sysconfig`` because distributions patch the layout (Debian's
    ``posix_local`` scheme puts them under ``local/lib/python3.X/dist-packages``).
    """
    import sysconfig

    variables = {"base": str(prefix), "platbase": str(prefix)}
    folders = [Path(sysconfig.get_path(kind, vars=variables)) for kind in ("purelib", "platlib")]
    return list(dict.fromkeys(folders))


def pip_install_command(
    prefix: Path,
    specs: list[str],
    constraints_file: Path | None = None,
    extra_args: list[str] | None = None,
    python: str | None = None,
    platform: str | None = None,
) -> list[str]:
    """The argument list of a ``pip install --prefix <prefix>`` of ``specs``.

    ``--prefix`` keeps the user's system Python untouched (everything lands in one
    folder of the QGIS profile, which the plugin puts on ``sys.path`` and the user
    can delete to undo the installation) while, unlike ``--target``, it reuses the
    packages the QGIS Python already has instead of installing second copies.
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
        "--prefix",
        str(prefix),
    ]
    if needs_source_build(platform):
        command += ["--no-binary", ",".join(SYSTEM_LIBRARY_PACKAGES)]
    if constraints_file is not None:
        command += ["--constraint", str(constraints_file)]
    command += list(extra_args or [])
    command += list(specs)
    return command


def pip_command_text(specs: list[str]) -> str:
    """A command a user can paste into a shell to install ``specs``."""
    return shlex.join([python_executable(), "-m", "pip", "install", *specs])


def activate_packages_dir(prefix: Path) -> bool:
    """Append the site folders of ``prefix`` to ``sys.path`` (once each).

    Appended, not prepended: packages of the QGIS Python itself keep precedence.
    Returns True when at least one folder exists and is on the path.
    """
    active = False
    for folder in prefix_site_dirs(prefix):
        if not folder.is_dir():
            continue
        entry = str(folder)
        if entry not in sys.path:
            sys.path.append(entry)
        active = True
    if active:
        importlib.invalidate_caches()
    return active


def deactivate_packages_dir(prefix: Path) -> None:
    """Remove the site folders of ``prefix`` from ``sys.path`` again (plugin unload)."""
    for folder in prefix_site_dirs(prefix):
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
