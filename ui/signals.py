"""Keep track of signal connections so that unload can undo every one of them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any


class SignalConnections:
    """Connect through this object; :meth:`disconnect_all` undoes every connection.

    The plugin reloader's author asks plugins to disconnect what they connect; a
    connection left to a deleted widget raises on the next emission or keeps
    Python objects alive after unload.
    """

    def __init__(self) -> None:
        self._connections: list[tuple[Any, Callable[..., Any]]] = []

    def connect(self, signal: Any, slot: Callable[..., Any]) -> None:
        signal.connect(slot)
        self._connections.append((signal, slot))

    def disconnect_all(self) -> None:
        while self._connections:
            signal, slot = self._connections.pop()
            # TypeError: already disconnected; RuntimeError: the sender's C++ object is gone.
            with contextlib.suppress(TypeError, RuntimeError):
                signal.disconnect(slot)

    def __len__(self) -> int:
        return len(self._connections)

    def snapshot(self) -> list[tuple[Any, Callable[..., Any]]]:
        """The current connections (for tests that check they are all undone)."""
        return list(self._connections)
