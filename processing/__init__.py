"""Processing: the ``citytwin`` provider, its algorithms and the pure computations.

Tiers inside this package (enforced by ``tests/unit/test_code_layout.py``):

- ``qgis_*.py`` modules and the ``algorithms`` package are QGIS adapters;
- every other module is pure core (numpy/scipy/pandas, no ``qgis``, no Qt).
"""
