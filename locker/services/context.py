"""What every use case works with: the ports and the rules taken from the settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from locker.domain.failure_budget import FailurePolicy
from locker.domain.login_delay import DelayPolicy
from locker.domain.pickup_code import DEFAULT_LENGTH, CodeSource, random_digits
from locker.message_channel import MessageChannel
from locker.ports import Clock, LockBoard, ParcelStore


@dataclass(frozen=True)
class MessageRules:
    """How messages are written and delivered."""

    # The locker's language, for recipients whose own is not known, and its time zone.
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    max_attempts: int = 8
    first_retry: timedelta = timedelta(seconds=30)
    max_retry: timedelta = timedelta(hours=1)
    # At most this many SMS to one phone in a day: resends and reissues cannot flood it.
    sms_daily_cap: int = 10
    reminder_after: timedelta = timedelta(hours=24)
    reminder_before_deadline: timedelta = timedelta(hours=6)


@dataclass(frozen=True)
class Rules:
    """The time limits and sizes the use cases enforce."""

    pickup_window: timedelta = timedelta(hours=72)
    cancel_window: timedelta = timedelta(minutes=10)
    code_length: int = DEFAULT_LENGTH
    keypad: FailurePolicy = field(default_factory=FailurePolicy)
    # The phone-and-code path: each recipient phone's wrong codes, and the wrong tries whose
    # four digits match no waiting parcel, across the locker (decision 0005).
    phone_code: FailurePolicy = field(
        default_factory=lambda: FailurePolicy(window=timedelta(minutes=5))
    )
    phone_code_locker: FailurePolicy = field(
        default_factory=lambda: FailurePolicy(max_failures=30, window=timedelta(minutes=5))
    )
    login: FailurePolicy = field(
        default_factory=lambda: FailurePolicy(
            max_failures=5,
            window=timedelta(minutes=15),
            first_lockout=timedelta(minutes=1),
            max_lockout=timedelta(minutes=30),
        )
    )
    # Every login attempt, right or wrong: 5 a minute per account.
    login_rate: FailurePolicy = field(
        default_factory=lambda: FailurePolicy(
            max_failures=5,
            window=timedelta(minutes=1),
            first_lockout=timedelta(minutes=1),
            max_lockout=timedelta(minutes=1),
        )
    )
    retention: timedelta = timedelta(days=30)
    unlock_timeout_s: float = 2.0
    # Failed staff logins across the locker make the next ones wait (decision 0005).
    staff_delay: DelayPolicy = field(default_factory=DelayPolicy)
    badge_valid: timedelta = timedelta(days=365)
    # A pre-advised parcel not deposited this long after its expected arrival is cancelled.
    preadvice_window: timedelta = timedelta(days=3)
    messages: MessageRules = field(default_factory=MessageRules)


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)


@dataclass
class LockerContext:
    """The ports and rules one caller (a request, a CLI command, a test) works with."""

    store: ParcelStore
    board: LockBoard
    clock: Clock = field(default_factory=SystemClock)
    rules: Rules = field(default_factory=Rules)
    code_source: CodeSource = random_digits
    # The ways of reaching people, by name ("sms", "email", "webhook", "demo"); none: no message
    # leaves the locker, and deadlines run from the deposit.
    channels: Mapping[str, MessageChannel] = field(default_factory=dict)
