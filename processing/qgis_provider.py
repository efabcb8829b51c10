"""The ``citytwin`` Processing provider (QGIS adapter tier)."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..common.metadata import plugin_version
from ..common.paths import icon_path
from .algorithms.beidou_algorithms import BEIDOU_ALGORITHMS
from .algorithms.build_digital_base import BuildDigitalBaseAlgorithm
from .algorithms.carbon_algorithms import CARBON_ALGORITHMS
from .algorithms.coverage_algorithm import COVERAGE_ALGORITHMS
from .algorithms.gnss_algorithms import GNSS_ALGORITHMS
from .algorithms.import_sources import IMPORT_ALGORITHMS
from .algorithms.point_cloud_info import PointCloudInfoAlgorithm
from .algorithms.scene_algorithms import SCENE_ALGORITHMS
from .algorithms.scene_package_algorithm import SCENE_PACKAGE_ALGORITHMS
from .algorithms.subsidence_algorithms import SUBSIDENCE_ALGORITHMS
from .algorithms.terrain_algorithms import TERRAIN_ALGORITHMS

ALGORITHMS = (
    BuildDigitalBaseAlgorithm,
    *IMPORT_ALGORITHMS,
    PointCloudInfoAlgorithm,
    *TERRAIN_ALGORITHMS,
    *SCENE_ALGORITHMS,
    *SCENE_PACKAGE_ALGORITHMS,
    *SUBSIDENCE_ALGORITHMS,
    *CARBON_ALGORITHMS,
    *GNSS_ALGORITHMS,
    *COVERAGE_ALGORITHMS,
    *BEIDOU_ALGORITHMS,
)


class CityTwinProvider(QgsProcessingProvider):
    """Registers CityTwin's algorithms under the id ``citytwin``."""

    def id(self) -> str:
        return "citytwin"

    def name(self) -> str:
        return "CityTwin"

    def longName(self) -> str:
        return f"CityTwin {plugin_version()}"

    def icon(self) -> QIcon:
        return QIcon(str(icon_path("citytwin.svg")))

    def svgIconPath(self) -> str:
        return str(icon_path("citytwin.svg"))

    def loadAlgorithms(self) -> None:
        for algorithm_class in ALGORITHMS:
            self.addAlgorithm(algorithm_class())
