"""Real-scene 3D (实景三维): point clouds, terrain and buildings, 3D scenes.

Pure tier: numpy, laspy, pyproj, pyvista. No ``qgis`` or Qt imports here; heavy
modules are imported by the callers on first use.
"""
