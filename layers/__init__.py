"""The digital base (数字底座): readers, fusion and QGIS layer building.

Tiers inside this package (enforced by ``tests/unit/test_code_layout.py``):
``qgis_*.py`` modules are QGIS adapters; every other module is pure core.
"""
