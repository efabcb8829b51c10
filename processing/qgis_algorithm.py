"""The one small base class of CityTwin's Processing algorithms (QGIS adapter tier).

Modelled on QGIS's ``ScriptTemplate.py``: ``tr()`` with the class name as context,
``createInstance()`` returning ``type(self)()``. It adds what every CityTwin algorithm
needs: a check for the third-party packages it uses (a clear
``QgsProcessingException`` instead of an ImportError traceback), translation of core
errors into ``QgsProcessingException`` and the progress/cancel callbacks of the core.
"""

from __future__ import annotations

from typing import Any

from qgis.core import QgsProcessingAlgorithm, QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..common.deps import missing_requirements, pip_command_text
from ..common.errors import Canceled, CityTwinError
from ..common.metadata import plugin_metadata
from ..common.paths import icon_path
from ..common.progress import CancelCheck, ProgressCallback


def _group_names() -> dict[str, str]:
    # Built on each call, not at import time, so the active translator applies.
    return {
        "digitalbase": QCoreApplication.translate("CityTwinAlgorithm", "Digital base"),
        "realscene3d": QCoreApplication.translate("CityTwinAlgorithm", "Real-scene 3D"),
        "subsidence": QCoreApplication.translate("CityTwinAlgorithm", "Subsidence monitoring"),
        "carbon": QCoreApplication.translate("CityTwinAlgorithm", "Carbon monitoring"),
        "navcomm": QCoreApplication.translate("CityTwinAlgorithm", "Navigation & communication"),
    }


def progress_callback(feedback: QgsProcessingFeedback | None) -> ProgressCallback:
    """Core progress callback (fraction 0-1) feeding ``feedback.setProgress`` (0-100)."""
    if feedback is None:
        return lambda _fraction: None
    return lambda fraction: feedback.setProgress(100.0 * fraction)


def cancel_check(feedback: QgsProcessingFeedback | None) -> CancelCheck:
    """Core cancel check reading ``feedback.isCanceled``."""
    if feedback is None:
        return lambda: False
    return feedback.isCanceled


class CityTwinAlgorithm(QgsProcessingAlgorithm):
    """Base of all ``citytwin:`` algorithms.

    Subclasses set ``GROUP_ID`` and ``REQUIRED_MODULES`` and implement ``name``,
    ``displayName``, ``shortHelpString``, ``initAlgorithm`` and :meth:`run_algorithm`.
    """

    #: One of the keys of the provider's groups (see ``_group_names``).
    GROUP_ID = "digitalbase"
    #: Import names of the third-party packages :meth:`run_algorithm` needs.
    REQUIRED_MODULES: tuple[str, ...] = ()
    #: Icon file in ``icons/``.
    ICON = "citytwin.svg"

    def tr(self, text: str) -> str:
        # pylupdate5 files a string under the class whose body holds the tr() call;
        # strings of a shared base class are found by walking up the class hierarchy.
        for cls in type(self).__mro__:
            translated = QCoreApplication.translate(cls.__name__, text)
            if translated != text:
                return translated
            if cls is CityTwinAlgorithm:
                break
        return text

    def createInstance(self) -> CityTwinAlgorithm:
        return type(self)()

    def group(self) -> str:
        return _group_names()[self.GROUP_ID]

    def groupId(self) -> str:
        return self.GROUP_ID

    def icon(self) -> QIcon:
        return QIcon(str(icon_path(self.ICON)))

    def helpUrl(self) -> str:
        return f"{plugin_metadata().get('homepage', '')}#{self.name()}"

    def _missing_message(self) -> str | None:
        missing = missing_requirements(self.REQUIRED_MODULES)
        if not missing:
            return None
        # pylupdate5 finds the string only with the context on the line of translate(.
        # fmt: off
        template = QCoreApplication.translate("CityTwinAlgorithm",
            "This algorithm needs the Python package(s) {names}, which are not installed "
            "in the Python of this QGIS. Install them from the CityTwin menu (Install "
            "missing packages…) or with: {command}")
        # fmt: on
        return template.format(
            names=", ".join(req.distribution for req in missing),
            command=pip_command_text([req.pip_spec for req in missing]),
        )

    def canExecute(self) -> tuple[bool, str]:
        message = self._missing_message()
        return (message is None, message or "")

    def processAlgorithm(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        message = self._missing_message()
        if message:
            raise QgsProcessingException(message)
        try:
            return self.run_algorithm(parameters, context, feedback)
        except Canceled as exc:
            raise QgsProcessingException(
                QCoreApplication.translate("CityTwinAlgorithm", "Canceled: no output was written.")
            ) from exc
        except CityTwinError as exc:
            raise QgsProcessingException(str(exc)) from exc

    def run_algorithm(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        """Do the work; core errors raised here reach the user as clear messages."""
        raise NotImplementedError
