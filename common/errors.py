"""Error types raised by CityTwin's pure core.

The QGIS adapters turn these into ``QgsProcessingException`` (algorithms) or a
message-bar message (GUI); their text is written for the user and always names the
file, line, field or layer concerned.
"""

from __future__ import annotations

from pathlib import Path


class CityTwinError(Exception):
    """Base class of every error CityTwin reports to a user."""


class InputError(CityTwinError):
    """Bad input: an unreadable, empty or malformed file, a missing field, ...

    Parameters
    ----------
    message
        What is wrong, in words a user understands.
    source
        The file or layer concerned.
    line
        1-based line (or row) number inside ``source``, when known.
    field
        The field or column concerned, when known.
    """

    def __init__(
        self,
        message: str,
        source: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class MissingDependencyError(CityTwinError):
    """A Python package needed by a tool is not installed."""

    def __init__(self, packages: list[str], pip_command: str) -> None:
        self.packages = list(packages)
        self.pip_command = pip_command
        super().__init__(
            "Missing Python package(s): "
            + ", ".join(self.packages)
            + ". Install them from the CityTwin menu (Install missing packages…) "
            + f"or with: {pip_command}"
        )


class Canceled(CityTwinError):  # noqa: N818 - reads as "raise Canceled()"
    """The user canceled a long-running operation."""

    def __init__(self, message: str = "Canceled by the user") -> None:
        super().__init__(message)
