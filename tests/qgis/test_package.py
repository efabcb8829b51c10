"""`make package`: dist/citytwin-<version>.zip as "Install from ZIP" expects it."""

from __future__ import annotations

import configparser
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def version() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"]


def test_zip_layout(built_package):
    zip_path = ROOT / "dist" / f"citytwin-{version()}.zip"
    assert zip_path.is_file()
    names = zipfile.ZipFile(zip_path).namelist()
    assert all(name.startswith("citytwin/") for name in names)
    for required in (
        "citytwin/metadata.txt",
        "citytwin/__init__.py",
        "citytwin/plugin.py",
        "citytwin/LICENSE",
        "citytwin/resources_rc.py",
        "citytwin/i18n/citytwin_zh_CN.qm",
        "citytwin/icons/citytwin.svg",
        "citytwin/processing/algorithms/point_cloud_info.py",
        "citytwin/twin/pointcloud_info.py",
    ):
        assert required in names, required
    forbidden = [
        n
        for n in names
        if n.startswith(("citytwin/tests/", "citytwin/bench/", "citytwin/scripts/", "citytwin/.ci/", "citytwin/build/"))
        or n.endswith((".ts", ".pyc", "Makefile", "pyproject.toml", "requirements.txt", "requirements-dev.txt"))
        or "__pycache__" in n
        or "/." in n
    ]
    assert not forbidden, forbidden


def test_zip_matches_staging_folder(built_package):
    zip_path = ROOT / "dist" / f"citytwin-{version()}.zip"
    archive = zipfile.ZipFile(zip_path)
    for name in archive.namelist():
        assert archive.read(name) == (built_package / name).read_bytes(), name


def test_compiled_resources_register_icons(built_package, qgis_app):
    from qgis.PyQt.QtCore import QFile

    import citytwin.resources_rc  # noqa: F401  (compiled by make build)
    from citytwin.ui.icons import RESOURCE_PREFIX, plugin_icon

    assert QFile.exists(RESOURCE_PREFIX + "citytwin.svg")
    assert not plugin_icon("citytwin.svg").isNull()


def test_icons_load_by_path_without_resources(qgis_app):
    from qgis.PyQt.QtGui import QIcon

    from citytwin.common.paths import icon_path

    for name in ("citytwin.svg", "pointcloud_info.svg", "install.svg"):
        assert not QIcon(str(icon_path(name))).isNull()
        assert not QIcon(str(icon_path(name))).pixmap(32, 32).isNull()
