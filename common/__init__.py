"""Pure helpers shared by every tier: errors, progress callbacks, metadata, paths.

Nothing in this package may import ``qgis`` or Qt (``tests/unit/test_code_layout.py``).
"""
