"""Fakes at the ports: a clock the test moves by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class FakeClock:
    """A clock that stands still until the test advances it."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 11, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        """The time the test set."""
        return self.current

    def advance(self, **delta: float) -> None:
        """Move time forward, e.g. advance(hours=73)."""
        self.current += timedelta(**delta)
