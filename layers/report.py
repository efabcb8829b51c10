"""What a reader kept and what it skipped: shown to the user after every import.

Bad input never stops silently: a malformed line or row is skipped and counted, and
the user sees how many, why, and the first few line numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

#: How many skipped line numbers are kept for the message.
MAX_LISTED_LINES = 10


@dataclass
class ReadReport:
    """Counts of one read.

    Attributes
    ----------
    source
        The file (or layer) read.
    rows
        Lines or rows seen (data rows, headers and blank lines excluded).
    kept
        Records kept in the result.
    skipped
        Lines or rows skipped as malformed.
    first_skipped
        1-based line numbers of the first :data:`MAX_LISTED_LINES` skipped lines.
    reasons
        Reason -> number of lines skipped for it.
    notes
        Other things the user should know (unmapped columns, ignored sentence
        types, assumptions made), one sentence each.
    """

    source: str
    rows: int = 0
    kept: int = 0
    skipped: int = 0
    first_skipped: list[int] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    #: What ``rows`` counts, for the summary: lines, features, pixels, files.
    unit: str = "lines"

    def skip(self, line: int, reason: str, count: int = 1) -> None:
        """Record ``count`` skipped lines for ``reason``, the first at ``line``."""
        self.skipped += count
        self.reasons[reason] += count
        self._list([int(line)])

    def skip_many(self, lines: list[int] | tuple[int, ...], reason: str) -> None:
        """Record several skipped lines (1-based numbers) for one reason."""
        if not len(lines):
            return
        self.skipped += len(lines)
        self.reasons[reason] += len(lines)
        self._list(sorted(int(n) for n in lines)[:MAX_LISTED_LINES])

    def _list(self, lines: list[int]) -> None:
        # Keep the lowest line numbers whatever order reasons are recorded in.
        self.first_skipped = sorted(set(self.first_skipped).union(lines))[:MAX_LISTED_LINES]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def ok(self) -> bool:
        """True when nothing was skipped."""
        return self.skipped == 0

    def summary(self) -> str:
        """One paragraph for the user, e.g. for ``feedback.pushWarning``."""
        text = f"{self.source}: {self.kept:,} records from {self.rows:,} {self.unit}"
        if self.skipped:
            reasons = ", ".join(f"{reason}: {n:,}" for reason, n in self.reasons.most_common())
            lines = ", ".join(str(n) for n in self.first_skipped)
            more = "…" if self.skipped > len(self.first_skipped) else ""
            text += f"; {self.skipped:,} skipped ({reasons}); first skipped {self.unit}: {lines}{more}"
        if self.notes:
            text += ". " + " ".join(self.notes)
        return text
