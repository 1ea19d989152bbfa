"""The use cases' context over the configured store: the rules, the store and a board."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from locker.boards.detached import DetachedBoard
from locker.composition.channels import channels_from
from locker.config import Settings
from locker.domain.failure_budget import FailurePolicy
from locker.message_channel import MessageChannel
from locker.ports import LockBoard
from locker.services.context import LockerContext, MessageRules, Rules
from locker.store import SqliteStore


def rules_from(settings: Settings) -> Rules:
    """The use cases' rules, taken from the settings."""
    keypad = FailurePolicy(
        max_failures=settings.keypad_max_failures,
        window=timedelta(minutes=settings.keypad_window_minutes),
        first_lockout=timedelta(seconds=settings.keypad_first_lockout_seconds),
        max_lockout=timedelta(seconds=settings.keypad_max_lockout_seconds),
    )
    return Rules(
        pickup_window=timedelta(hours=settings.pickup_window_hours),
        cancel_window=timedelta(minutes=settings.cancel_window_minutes),
        code_length=settings.code_length,
        keypad=keypad,
        # A phone number's budget is the keypad's; the locker-wide one only counts more.
        phone_code=keypad,
        phone_code_locker=replace(keypad, max_failures=settings.phone_code_locker_max_failures),
        retention=timedelta(days=settings.retention_days),
        unlock_timeout_s=settings.unlock_timeout_seconds,
        badge_valid=timedelta(days=settings.badge_valid_days),
        preadvice_window=timedelta(days=settings.preadvice_days),
        messages=MessageRules(
            language=settings.language,
            timezone=settings.timezone,
            max_attempts=settings.outbox_max_attempts,
            first_retry=timedelta(seconds=settings.outbox_first_retry_seconds),
            max_retry=timedelta(seconds=settings.outbox_max_retry_seconds),
            sms_daily_cap=settings.sms_daily_cap,
            reminder_after=timedelta(hours=settings.reminder_after_hours),
            reminder_before_deadline=timedelta(hours=settings.reminder_before_deadline_hours),
        ),
    )


def open_store(settings: Settings) -> SqliteStore:
    """Open the configured database, applying pending migrations."""
    return SqliteStore(settings.db, busy_timeout_s=settings.busy_timeout_seconds)


def _configured_channels(settings: Settings, store: SqliteStore) -> dict[str, MessageChannel]:
    locker_id = store.locker().locker_id if store.is_initialised() else "locker"
    return channels_from(settings, locker_id)


def build_context(
    settings: Settings,
    store: SqliteStore,
    board: LockBoard | None = None,
    channels: Mapping[str, MessageChannel] | None = None,
) -> LockerContext:
    """A use-case context over an open store; without a board, door commands are refused.

    Without `channels`, the ones the settings configure: a message queued by a command goes to
    the same channels the running locker delivers on.
    """
    return LockerContext(
        store=store,
        board=board or DetachedBoard(),
        rules=rules_from(settings),
        channels=channels if channels is not None else _configured_channels(settings, store),
    )
