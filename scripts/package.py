"""Build ``build/package/citytwin/`` and ``dist/citytwin-<version>.zip``.

The zip holds ``citytwin/`` at its root, as QGIS's "Install from ZIP" expects: the
plugin code, icons, compiled resources and translations (.qm), the scene packages'
browser viewer with its CesiumJS build, metadata, licence and README; no tests,
benchmarks, build scripts or development files.
"""

from __future__ import annotations

import argparse
import configparser
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "citytwin"

ROOT_FILES = ("metadata.txt", "__init__.py", "plugin.py", "translation.py", "resources_rc.py", "LICENSE", "README.md")
PACKAGE_DIRS = ("common", "layers", "twin", "processing", "ui", "icons", "i18n", "data", "viewer")
EXCLUDED_SUFFIXES = (".pyc", ".ts", ".tmp", ".orig")
# viewer/Cesium: CesiumJS for the scene packages' browser viewer, copied from npm by `make viewer`.
REQUIRED_BUILD_OUTPUTS = ("resources_rc.py", "viewer/Cesium/Cesium.js", "viewer/Cesium/LICENSE.md")


def plugin_version() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"]


def package_files() -> list[Path]:
    """Files (relative to ROOT) that go into the plugin package."""
    files = [Path(name) for name in ROOT_FILES if (ROOT / name).is_file()]
    for folder in PACKAGE_DIRS:
        base = ROOT / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix in EXCLUDED_SUFFIXES:
                continue
            files.append(path.relative_to(ROOT))
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default="dist", help="folder for the zip")
    args = parser.parse_args()

    missing = [name for name in REQUIRED_BUILD_OUTPUTS if not (ROOT / name).is_file()]
    missing += [
        str(ts.with_suffix(".qm").relative_to(ROOT))
        for ts in (ROOT / "i18n").glob("*.ts")
        if not ts.with_suffix(".qm").is_file()
    ]
    if missing:
        print(f"package: build outputs missing ({', '.join(missing)}); run `make build`", file=sys.stderr)
        return 1

    staging = ROOT / "build" / "package"
    shutil.rmtree(staging, ignore_errors=True)
    target = staging / PACKAGE_NAME
    files = package_files()
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)

    out_dir = (ROOT / args.output).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{PACKAGE_NAME}-{plugin_version()}.zip"
    tmp_path = zip_path.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in files:
            archive.write(target / rel, f"{PACKAGE_NAME}/{rel.as_posix()}")
    tmp_path.replace(zip_path)  # atomic: a failed build never leaves a half zip
    print(f"package: {zip_path.relative_to(ROOT)} ({len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
