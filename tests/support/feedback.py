"""A Processing feedback that keeps what an algorithm said (for tests)."""

from __future__ import annotations

from qgis.core import QgsProcessingFeedback


class RecordingFeedback(QgsProcessingFeedback):
    """Records infos and warnings; cancels itself once progress reaches ``cancel_at`` (percent)."""

    def __init__(self, cancel_at: float | None = None) -> None:
        super().__init__()
        self.infos: list[str] = []
        self.warnings: list[str] = []
        self.cancel_at = cancel_at
        self.progressChanged.connect(self._maybe_cancel)

    def _maybe_cancel(self, value: float) -> None:
        if self.cancel_at is not None and value >= self.cancel_at and not self.isCanceled():
            self.cancel()

    def pushInfo(self, text: str) -> None:
        self.infos.append(text)
        super().pushInfo(text)

    def pushWarning(self, text: str) -> None:
        self.warnings.append(text)
        super().pushWarning(text)

    def text(self) -> str:
        return "\n".join(self.infos + self.warnings)
