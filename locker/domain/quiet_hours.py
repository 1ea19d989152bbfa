"""Quiet hours: a daily time range, such as 22:00-07:00, in which the screen speaks softly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time


class QuietHoursError(ValueError):
    """A quiet-hours setting that is no time range; only a settings file holds one."""


_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` each day, local time; a range past midnight wraps (22:00-07:00)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """`HH:MM-HH:MM`, or None for an empty text (no quiet hours)."""
        if not text.strip():
            return None
        match = _RANGE.match(text)
        if not match:
            raise QuietHoursError(f"{text!r} is not a time range such as 22:00-07:00")
        hour1, minute1, hour2, minute2 = (int(part) for part in match.groups())
        if max(hour1, hour2) > 23 or max(minute1, minute2) > 59:
            raise QuietHoursError(f"{text!r} is not a time range such as 22:00-07:00")
        start, end = time(hour1, minute1), time(hour2, minute2)
        if start == end:
            raise QuietHoursError(f"{text!r} starts and ends at the same time")
        return cls(start, end)

    def __contains__(self, moment: time) -> bool:
        """Whether a local time of day falls in the range (start included, end not)."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end
