"""The browser viewer that scene packages ship: ``index.html`` + CesiumJS + ``serve.py``.

The viewer lives in the plugin's ``viewer/`` folder: our own page (``index.html``,
``viewer.js``, ``viewer.css``), a dependency-free local web server (``serve.py``), a
bilingual ``README.txt``, and ``Cesium/`` — the browser build of CesiumJS with its
licence, copied from npm by ``make viewer`` (part of ``make build``; never committed).
:func:`copy_viewer` puts all of it at the root of a scene package, beside
``tileset.json``, which the page loads.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..common.errors import InputError
from ..common.paths import plugin_dir

#: Our own viewer files, copied to the package root.
VIEWER_FILES = ("index.html", "viewer.js", "viewer.css", "serve.py", "README.txt")
#: The CesiumJS build folder (inside ``viewer/`` and inside every package).
CESIUM_DIR = "Cesium"
#: Files that must be in ``Cesium/`` (``make viewer`` fills a temporary folder and renames
#: it, so a ``Cesium/`` folder that exists is complete).
CESIUM_MARKERS = ("Cesium.js", "LICENSE.md")


def viewer_dir() -> Path:
    """The plugin's ``viewer/`` folder (whether or not CesiumJS has been built into it)."""
    return plugin_dir() / "viewer"


def _is_built(folder: Path) -> bool:
    return all((folder / CESIUM_DIR / name).is_file() for name in CESIUM_MARKERS) and all(
        (folder / name).is_file() for name in VIEWER_FILES
    )


def viewer_source() -> Path | None:
    """The plugin's viewer folder when it is complete (CesiumJS built into it), else None."""
    folder = viewer_dir()
    return folder if _is_built(folder) else None


def copy_viewer(package_dir: str | Path, source: str | Path | None = None) -> list[str]:
    """Copy the browser viewer into the root of a scene package.

    Parameters
    ----------
    package_dir
        The package folder (it must exist); ``index.html`` there loads ``tileset.json``
        and ``manifest.json`` from the same folder.
    source
        The viewer folder to copy from (default: the plugin's, :func:`viewer_source`).

    Returns
    -------
    list of str
        Every file written, as POSIX paths relative to ``package_dir``, sorted.

    Raises
    ------
    InputError
        When the viewer is not built (no ``Cesium/Cesium.js``) or ``package_dir`` is not
        a folder.
    """
    package_dir = Path(package_dir)
    source = Path(source) if source is not None else viewer_dir()
    if not _is_built(source):
        raise InputError(
            "the 3D scene viewer is not built into this CityTwin installation (its CesiumJS copy, "
            f"{CESIUM_DIR}/Cesium.js, is missing); in a development checkout run `make build`",
            source=source,
        )
    if not package_dir.is_dir():
        raise InputError("the scene package folder does not exist", source=package_dir)

    written: list[str] = []

    def copy_file(src: str, dst: str) -> str:
        written.append(Path(dst).relative_to(package_dir).as_posix())
        return shutil.copy2(src, dst)

    for name in VIEWER_FILES:
        copy_file(str(source / name), str(package_dir / name))
    # dirs_exist_ok: a package exported again into the same folder is overwritten in place.
    shutil.copytree(
        source / CESIUM_DIR,
        package_dir / CESIUM_DIR,
        copy_function=copy_file,
        ignore=shutil.ignore_patterns(".*", "__pycache__"),
        dirs_exist_ok=True,
    )
    return sorted(written)
