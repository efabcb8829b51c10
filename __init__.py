"""CityTwin: a city spatiotemporal digital base for QGIS (城市时空数字底座).

QGIS imports this package at start-up, so it imports nothing heavy: the plugin class
(and with it Qt and qgis.core) is imported only when QGIS calls :func:`classFactory`.
"""


def classFactory(iface):
    """Create the plugin object (called by QGIS, and by qgis_process with iface None)."""
    from .plugin import CityTwinPlugin

    return CityTwinPlugin(iface)
