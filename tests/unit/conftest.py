"""The unit tier runs without QGIS: importing qgis or Qt here is a test failure."""

from __future__ import annotations

import importlib.abc
import sys

import pytest

BLOCKED = ("qgis", "PyQt5", "PyQt6", "sip")


class _BlockQgis(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"unit tests must not import {fullname} (pure tier only)")


@pytest.fixture(autouse=True)
def _no_qgis_in_unit_tests():
    finder = _BlockQgis()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
