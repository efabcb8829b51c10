"""GUI tier: the dock, dialogs and the interactive 3D view (Qt widgets, qgis.gui)."""
