"""Progress and cancel callbacks for long-running core functions.

Core functions take ``progress(fraction)`` with ``fraction`` in [0, 1] and
``is_canceled() -> bool``, so they can be driven by ``QgsProcessingFeedback``, a Qt
progress dialog or a plain script without knowing about any of them (the way
Qgis2threejs's exporter takes injected callbacks).
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import Canceled

ProgressCallback = Callable[[float], None]
CancelCheck = Callable[[], bool]


def no_progress(_fraction: float) -> None:
    """Progress callback that ignores the progress."""


def never_canceled() -> bool:
    """Cancel check for callers that cannot cancel."""
    return False


def check_canceled(is_canceled: CancelCheck) -> None:
    """Raise :class:`Canceled` when ``is_canceled()`` says so."""
    if is_canceled():
        raise Canceled()


def sub_progress(progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    """Map a step's own [0, 1] progress onto the slice [start, end] of the whole."""
    span = end - start

    def report(fraction: float) -> None:
        progress(start + span * min(max(fraction, 0.0), 1.0))

    return report
