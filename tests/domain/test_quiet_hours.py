"""Quiet hours: a daily range of local time, which may run past midnight."""

from __future__ import annotations

from datetime import time

import pytest

from locker.domain.quiet_hours import QuietHours, QuietHoursError


@pytest.mark.parametrize(
    ("hours", "moment", "quiet"),
    [
        ("22:00-07:00", time(21, 59), False),
        ("22:00-07:00", time(22, 0), True),
        ("22:00-07:00", time(0, 0), True),
        ("22:00-07:00", time(6, 59), True),
        ("22:00-07:00", time(7, 0), False),
        ("12:30-14:00", time(12, 29), False),
        ("12:30-14:00", time(13, 0), True),
        ("12:30-14:00", time(14, 0), False),
        (" 9:05 - 9:10 ", time(9, 7), True),
    ],
)
def test_a_moment_is_quiet_inside_the_range(hours, moment, quiet):
    range_ = QuietHours.parse(hours)
    assert range_ is not None
    assert (moment in range_) is quiet


def test_no_text_means_no_quiet_hours():
    assert QuietHours.parse("") is None
    assert QuietHours.parse("  ") is None


@pytest.mark.parametrize("text", ["22-07", "22:00", "24:00-07:00", "22:60-07:00", "7:00-7:00"])
def test_a_range_that_is_not_one_is_refused(text):
    with pytest.raises(QuietHoursError):
        QuietHours.parse(text)
