"""Fixtures of the desktop tier (the runner lives in ``citytwin_testing.desktop``)."""

from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

import pytest

from citytwin_testing.desktop import ARTIFACTS, ROOT


def plugin_version() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"]


@pytest.fixture(scope="session")
def plugin_zip() -> Path:
    result = subprocess.run(["make", "-s", "package"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    path = ROOT / "dist" / f"citytwin-{plugin_version()}.zip"
    assert path.is_file()
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
