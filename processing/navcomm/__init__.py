"""Navigation and communication on the 3D base (pure core, no QGIS): horizons and sky view
from a DSM, GNSS line-of-sight against real observations, GNSS availability, cell
coverage prediction. BeiDou grid codes live in :mod:`citytwin.processing.beidou_grid`."""
