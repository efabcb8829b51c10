"""What the dock's in-place panels share: one Processing algorithm run in a task, and
adding its outputs to the project with their default styles.

The carbon ledger and the coverage panels both run a registered algorithm in a
``QgsProcessingAlgRunnerTask`` (progress bar, cancel), so the dock gives exactly what
the toolbox, a batch run or qgis_process give.
"""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import (
    QgsApplication,
    QgsMapLayer,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProject,
)
from qgis.PyQt.QtWidgets import QProgressBar

from .base_builder import RecordingFeedback


class AlgorithmRun:
    """At most one run of an algorithm at a time, with its feedback and context kept alive."""

    def __init__(self) -> None:
        self.task: QgsProcessingAlgRunnerTask | None = None
        self.feedback: RecordingFeedback | None = None
        self.context: QgsProcessingContext | None = None

    def is_running(self) -> bool:
        return self.task is not None

    def start(
        self, algorithm_id: str, params: dict, progress: QProgressBar, finished: Callable[[bool, dict], None]
    ) -> bool:
        """Queue the run; False when the algorithm is not registered (the provider is not loaded)."""
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
        if algorithm is None:
            return False
        self.context = QgsProcessingContext()
        self.context.setProject(QgsProject.instance())
        self.feedback = RecordingFeedback()
        self.feedback.progressChanged.connect(lambda value: progress.setValue(int(value)))
        self.task = QgsProcessingAlgRunnerTask(algorithm, params, self.context, self.feedback)
        self.task.executed.connect(finished)
        progress.setValue(0)
        QgsApplication.taskManager().addTask(self.task)
        return True

    def cancel(self) -> None:
        if self.feedback is not None:
            self.feedback.cancel()

    def end(self) -> tuple[bool, list[str]]:
        """Called when the task has finished: (canceled, the errors the algorithm reported)."""
        canceled = self.feedback is not None and self.feedback.isCanceled()
        errors = list(self.feedback.errors) if self.feedback is not None else []
        self.task = None
        return canceled, errors


def add_styled_layers(layers: list[tuple[str, QgsMapLayer]], role: str) -> None:
    """Add the valid ``(style kind, layer)`` pairs to the project in the base section ``role``,
    replacing layers of an earlier run read from the same files."""
    from ..layers.qgis_styles import apply_default_style
    from ..layers.roles import ROLE_PROPERTY

    project = QgsProject.instance()
    for kind, layer in layers:
        if not layer.isValid():
            continue
        for existing in list(project.mapLayers().values()):
            if existing.source().split("|")[0] == layer.source().split("|")[0]:
                project.removeMapLayer(existing.id())
        apply_default_style(layer, kind)
        layer.setCustomProperty(ROLE_PROPERTY, role)
        project.addMapLayer(layer)
