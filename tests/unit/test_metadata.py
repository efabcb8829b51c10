"""metadata.txt is complete, and the version is written there only."""

from __future__ import annotations

import configparser
import subprocess

from citytwin.common.metadata import plugin_metadata, plugin_version

REQUIRED_KEYS = (
    "name",
    "qgisMinimumVersion",
    "description",
    "about",
    "version",
    "author",
    "email",
    "repository",
    "tracker",
    "homepage",
    "tags",
    "category",
    "icon",
    "hasProcessingProvider",
    "supportsQt6",
    "changelog",
)


def test_metadata_has_every_field(repo_root):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep camelCase keys as written
    parser.read(repo_root / "metadata.txt", encoding="utf-8")
    general = parser["general"]
    missing = [key for key in REQUIRED_KEYS if not general.get(key, "").strip()]
    assert not missing, f"metadata.txt lacks {missing}"
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["hasProcessingProvider"] == "yes"
    assert general["supportsQt6"] == "yes"
    assert (repo_root / general["icon"]).is_file()
    assert general["version"] in general["changelog"]


def test_reader_returns_the_version():
    assert plugin_version() == plugin_metadata()["version"]
    assert plugin_version().count(".") == 2


def test_version_is_written_only_in_metadata(repo_root):
    version = plugin_version()
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    offenders = []
    for name in tracked:
        path = repo_root / name
        if name == "metadata.txt" or not path.is_file() or path.suffix in {".png", ".qm", ".zip", ".laz", ".las"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if f"version={version}" in text or f'"{version}"' in text or f"'{version}'" in text:
            offenders.append(name)
    assert not offenders, f"version {version} repeated outside metadata.txt in {offenders}"
