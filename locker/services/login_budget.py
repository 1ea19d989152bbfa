"""What a staff login by PIN or password spends: its account's budgets and the locker-wide wait.

Three limits guard a secret's comparison (decision 0005):

- the account's failure budget: a few wrong secrets lock that account for a while;
- the account's rate budget: a few logins a minute, right or wrong;
- the locker-wide wait: failures on every account, known or not, make the next staff login
  from the same place wait a little, growing to a short cap, never a lockout.

The checks and the account's charge are one `BEGIN IMMEDIATE` transaction, taken before the
slow comparison, and the charge is refunded when the secret matches: a burst of parallel
guesses is judged as if one came after another.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from locker.domain.failure_budget import FailureRecord, record_failure, record_success
from locker.domain.login_delay import wait_after, with_failure
from locker.services.context import LockerContext
from locker.services.errors import (
    AuthenticationError,
    LockedOutError,
    LoginWaitError,
    ServiceRefusal,
    TooManyLoginsError,
)


@dataclass(frozen=True)
class Secret:
    """A kind of secret a login compares, and how its refusals are worded and coded."""

    plural: str  # in the lockout's message: "too many wrong PINs"
    wrong: str  # the message for a wrong one
    wrong_code: ServiceRefusal
    locked_code: ServiceRefusal


class LoginOrigin(Enum):
    """Where a staff login comes from; each place has a locker-wide wait of its own."""

    # The locker's own touchscreen: a stranger on the network never delays it.
    SCREEN = "screen"
    # Any other browser, when `host` opens the kiosk to the network for remote admin pages.
    NETWORK = "network"


def _staff_key(origin: LoginOrigin) -> str:
    return f"staff:{origin.value}"


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def locker_wide_wait(ctx: LockerContext, origin: LoginOrigin) -> timedelta:
    """How long a staff login from `origin` must still wait (zero when it may go ahead)."""
    record = ctx.store.failure_record(_staff_key(origin))
    return wait_after(record.failures, ctx.rules.staff_delay, ctx.clock.now())


def refuse_while_waiting(ctx: LockerContext, origin: LoginOrigin) -> None:
    """Raise LoginWaitError while failed staff logins make logins from `origin` wait."""
    now = ctx.clock.now()
    wait = locker_wide_wait(ctx, origin)
    if wait > timedelta(0):
        until = now + wait
        seconds = _seconds(until, now)
        raise LoginWaitError(
            f"too many failed staff logins at this locker: try again in {seconds} seconds",
            until,
            code=ServiceRefusal.LOGIN_WAIT,
            seconds=seconds,
        )


def _locked_until(record: FailureRecord, now: datetime) -> datetime | None:
    """The end of the budget's lockout while it runs, else None."""
    return record.locked_until if record.locked(now) else None


def judge_login(
    ctx: LockerContext,
    account: str,
    origin: LoginOrigin,
    matches: Callable[[], bool],
    secret: Secret,
) -> None:
    """Compare a secret (`matches`) within the budgets; raise when refused or wrong.

    `account` names the account's budget ('courier:<id>', 'admin:<name>'); `secret` says
    how a wrong one and a lockout are worded.
    Raises LockedOutError (the account), TooManyLoginsError (the rate), LoginWaitError (the
    locker-wide wait), all before any comparison, or AuthenticationError for a wrong secret.
    """
    now = ctx.clock.now()
    rate_key = f"rate:{account}"
    with ctx.store.transaction():
        before = ctx.store.failure_record(account)
        until = _locked_until(before, now)
        if until is not None:
            seconds = _seconds(until, now)
            raise LockedOutError(
                f"too many wrong {secret.plural} for this account: try again in {seconds} seconds",
                until,
                code=secret.locked_code,
                seconds=seconds,
            )
        rate = ctx.store.failure_record(rate_key)
        until = _locked_until(rate, now)
        if until is not None:
            seconds = _seconds(until, now)
            raise TooManyLoginsError(
                f"too many logins for this account in a minute: try again in {seconds} seconds",
                until,
                code=ServiceRefusal.LOGIN_RATE,
                seconds=seconds,
            )
        refuse_while_waiting(ctx, origin)
        rate_after = record_failure(rate, ctx.rules.login_rate, now)
        ctx.store.save_failure_record(rate_key, rate_after)
        if rate_after.locked_until != rate.locked_until:
            _audit_lockout(ctx, rate_key, rate_after, now)
        # Charged now, refunded below when the secret matches.
        charged = record_failure(before, ctx.rules.login, now)
        ctx.store.save_failure_record(account, charged)
    if matches():
        _refund(ctx, account, before, charged)
        return
    with ctx.store.transaction():
        if charged.locked_until != before.locked_until:
            _audit_lockout(ctx, account, charged, now)
        staff = ctx.store.failure_record(_staff_key(origin))
        failures = with_failure(staff.failures, ctx.rules.staff_delay, now)
        ctx.store.save_failure_record(_staff_key(origin), FailureRecord(failures, last_failure=now))
    raise AuthenticationError(secret.wrong, code=secret.wrong_code)


def _refund(
    ctx: LockerContext, account: str, before: FailureRecord, charged: FailureRecord
) -> None:
    """A right secret clears the account's failures, and any lockout its own charge started."""
    with ctx.store.transaction():
        current = ctx.store.failure_record(account)
        started_by_charge = current.locked_until == charged.locked_until
        locked_until = before.locked_until if started_by_charge else current.locked_until
        ctx.store.save_failure_record(
            account, replace(record_success(current), locked_until=locked_until)
        )


def _audit_lockout(ctx: LockerContext, key: str, record: FailureRecord, now: datetime) -> None:
    until = record.locked_until.isoformat() if record.locked_until else None
    ctx.store.append_audit(
        key,
        f"{key.split(':')[0]}.lockout",
        key,
        {"lockout": record.lockouts, "until": until},
        now,
    )
