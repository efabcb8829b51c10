"""Read the plugin's ``metadata.txt``: the single place its version is written."""

from __future__ import annotations

import configparser
from functools import lru_cache

from .paths import plugin_dir


@lru_cache(maxsize=1)
def plugin_metadata() -> dict[str, str]:
    """Return the ``[general]`` section of ``metadata.txt`` as a dict."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(plugin_dir() / "metadata.txt", encoding="utf-8")
    return dict(parser["general"])


def plugin_version() -> str:
    """The plugin version string, e.g. ``"1.2.3"``."""
    return plugin_metadata()["version"]
