"""Spending and checking failure budgets: the keypad's, each recipient phone's on the
phone-and-code path, and each courier's and admin's."""

from __future__ import annotations

import math

from locker.domain.failure_budget import (
    FailurePolicy,
    FailureRecord,
    record_failure,
    record_success,
)
from locker.services.context import LockerContext
from locker.services.errors import LockedOutError, ServiceRefusal

KEYPAD = "keypad"


def refuse_if_locked(
    ctx: LockerContext, key: str, reason: str, code: ServiceRefusal, alternative: str = ""
) -> None:
    """Raise LockedOutError while the budget's lockout runs, saying when and what else to do.

    `code` names the refusal for the screen, which words the wait in `seconds`.
    """
    record = ctx.store.failure_record(key)
    now = ctx.clock.now()
    if record.locked(now) and record.locked_until is not None:
        wait = math.ceil((record.locked_until - now).total_seconds())
        otherwise = f", or {alternative}" if alternative else ""
        raise LockedOutError(
            f"{reason}: try again in {wait} seconds{otherwise}",
            record.locked_until,
            code=code,
            seconds=wait,
        )


def spend(
    ctx: LockerContext, key: str, policy: FailurePolicy, actor: str, subject: str | None = None
) -> FailureRecord:
    """Count one failure; a failure that starts a lockout is audited, about `subject` (the key
    unless told)."""
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        before = store.failure_record(key)
        after = record_failure(before, policy, now)
        store.save_failure_record(key, after)
        # record_failure only moves locked_until when this failure starts a lockout.
        if after.locked_until is not None and after.locked_until != before.locked_until:
            store.append_audit(
                actor,
                f"{key.split(':')[0]}.lockout",
                key if subject is None else subject,
                {"lockout": after.lockouts, "until": after.locked_until.isoformat()},
                now,
            )
    return after


def refill(ctx: LockerContext, key: str) -> None:
    """A success clears the budget's failures and back-off."""
    with ctx.store.transaction():
        ctx.store.save_failure_record(key, record_success(ctx.store.failure_record(key)))


def attempts_left(ctx: LockerContext, key: str, policy: FailurePolicy) -> int:
    """How many more failures before the next lockout (0 while locked)."""
    record = ctx.store.failure_record(key)
    if record.locked(ctx.clock.now()):
        return 0
    return max(policy.max_failures - len(record.failures), 0)
