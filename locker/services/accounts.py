"""Courier and admin accounts: creation, login by PIN, badge or password, and changes.

Every staff login, let in or refused, is audited with the account and the method, never the
PIN, password or badge. A refusal never tells whether an account exists: an unknown id costs
the same scrypt run and spends a budget of its own, as a real one does (decision 0005).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from locker.domain import badge
from locker.domain.errors import InvalidInputError
from locker.domain.models import Courier
from locker.domain.passwords import hash_secret, validate_password, validate_pin, verify_secret
from locker.domain.plain_text import is_one_line
from locker.services.context import LockerContext
from locker.services.errors import (
    AuthenticationError,
    LockedOutError,
    LoginWaitError,
    NotAllowedError,
    NotFoundError,
    ServiceRefusal,
    TooManyLoginsError,
)
from locker.services.login_budget import LoginOrigin, Secret, judge_login

# Courier ids are 1 to 9 digits, as on badges; anything else is no account.
MAX_COURIER_ID = 999_999_999
MAX_NAME_CHARS = 64
# The audit's subject when the account named does not exist: what was typed may be a secret.
UNKNOWN = "unknown"
PIN = Secret(
    "PINs", "courier id or PIN is wrong", ServiceRefusal.PIN_WRONG, ServiceRefusal.PINS_LOCKED
)
PASSWORD = Secret(
    "passwords",
    "username or password is wrong",
    ServiceRefusal.PASSWORD_WRONG,
    ServiceRefusal.PASSWORDS_LOCKED,
)
CURRENT_PASSWORD = Secret(
    "passwords",
    "the current password is wrong",
    ServiceRefusal.CURRENT_PASSWORD_WRONG,
    ServiceRefusal.PASSWORDS_LOCKED,
)
MAX_NAME_CHARS = 64


def _badge_refused(why: str) -> AuthenticationError:
    """The refusal of a badge that is genuine but no longer current (`why`, from `_holder`)."""
    if why == "expired":
        return AuthenticationError(
            "this badge has expired: ask for a new one", code=ServiceRefusal.BADGE_EXPIRED
        )
    return AuthenticationError(
        "this badge was replaced or the account is disabled", code=ServiceRefusal.BADGE_REPLACED
    )


def _clean_name(text: str, what: str, code: ServiceRefusal) -> str:
    text = text.strip()
    if not text or not is_one_line(text, MAX_NAME_CHARS):
        raise InvalidInputError(
            f"{what} must be 1 to {MAX_NAME_CHARS} characters on one line",
            code=code,
            most=MAX_NAME_CHARS,
        )
    return text


def _courier(ctx: LockerContext, courier_id: int) -> Courier | None:
    """A courier account; an id out of range (typed, or from a form) names none."""
    return ctx.store.courier(courier_id) if 0 < courier_id <= MAX_COURIER_ID else None


def add_courier(ctx: LockerContext, carrier: str, name: str, pin: str, actor: str) -> Courier:
    """Create an active courier; returns it with the id they log in with."""
    carrier = _clean_name(carrier, "the carrier", ServiceRefusal.CARRIER_LENGTH)
    name = _clean_name(name, "the courier's name", ServiceRefusal.COURIER_NAME_LENGTH)
    pin_hash = hash_secret(validate_pin(pin))
    with ctx.store.transaction():
        courier = ctx.store.add_courier(carrier, name, pin_hash, ctx.clock.now())
        ctx.store.append_audit(
            actor,
            "courier.added",
            str(courier.id),
            {"carrier": carrier, "name": name},
            ctx.clock.now(),
        )
    return courier


def _no_courier(courier_id: int) -> NotFoundError:
    return NotFoundError(
        f"no courier {courier_id}", code=ServiceRefusal.COURIER_UNKNOWN, courier=courier_id
    )


def courier_account(ctx: LockerContext, courier_id: int) -> Courier:
    """One courier account, as an admin is shown it before changing it; NotFoundError if none."""
    courier = _courier(ctx, courier_id)
    if courier is None:
        raise _no_courier(courier_id)
    return courier


def issue_badge(ctx: LockerContext, courier_id: int, actor: str) -> str:
    """A new badge QR text for a courier; any earlier badge, and its sessions, stop working."""
    if _courier(ctx, courier_id) is None:
        raise _no_courier(courier_id)
    new = badge.issue(ctx.store.locker().secret, courier_id)
    now = ctx.clock.now()
    with ctx.store.transaction():
        ctx.store.set_courier_badge(courier_id, new.token_hash, now)
        # A badge is replaced when it is lost: whoever found it may have logged in with it.
        ctx.store.bump_courier_session(courier_id)
        ctx.store.append_audit(actor, "courier.badge_issued", str(courier_id), {}, now)
    return new.text


# --- Logins ------------------------------------------------------------------------------------


def _unknown_budget(ctx: LockerContext, role: str, typed: str) -> str:
    """The budget of an account that does not exist, named by a keyed hash of what was typed.

    Its failures count as a real account's do, so a lockout never tells who exists; the
    typed text (perhaps a PIN typed into the id field) is never stored.
    """
    key = ctx.store.locker().secret
    digest = hmac.new(key, f"{role}:{typed}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{role}:unknown:{digest}"


def _audit_login(
    ctx: LockerContext,
    role: str,
    subject: str,
    method: str,
    origin: LoginOrigin,
    reason: str | None = None,
) -> None:
    """One login record: `<role>.login`, or `<role>.login_failed` with the reason."""
    details = {"method": method, "origin": origin.value}
    now = ctx.clock.now()
    with ctx.store.transaction():
        if reason is None:
            ctx.store.append_audit(f"{role}:{subject}", f"{role}.login", subject, details, now)
        else:
            ctx.store.append_audit(
                origin.value, f"{role}.login_failed", subject, {**details, "reason": reason}, now
            )


def _refusal(error: LockedOutError) -> str:
    if isinstance(error, LoginWaitError):
        return "wait"
    if isinstance(error, TooManyLoginsError):
        return "too many logins"
    return "locked"


def login_courier(
    ctx: LockerContext, courier_id: int, pin: str, origin: LoginOrigin = LoginOrigin.SCREEN
) -> Courier:
    """The courier, when the id and PIN match an active account, within the login budgets."""
    known = _courier(ctx, courier_id)
    stored = ctx.store.courier_pin_hash(courier_id) if known else None
    subject = str(courier_id) if known else UNKNOWN
    budget = f"courier:{courier_id}" if known else _unknown_budget(ctx, "courier", str(courier_id))
    try:
        judge_login(ctx, budget, origin, lambda: verify_secret(pin, stored), PIN)
    except LockedOutError as refused:
        _audit_login(ctx, "courier", subject, "pin", origin, _refusal(refused))
        raise
    except AuthenticationError:
        reason = "wrong" if stored else "disabled" if known else "unknown account"
        _audit_login(ctx, "courier", subject, "pin", origin, reason)
        raise
    assert known is not None  # a PIN matched, so the account is there
    _audit_login(ctx, "courier", subject, "pin", origin)
    return known


def check_admin(
    ctx: LockerContext, username: str, password: str, origin: LoginOrigin = LoginOrigin.SCREEN
) -> None:
    """Raise unless the username and password match, within the login budgets; audited."""
    stored = ctx.store.admin_password_hash(username)
    subject = username if stored else UNKNOWN
    budget = f"admin:{username}" if stored else _unknown_budget(ctx, "admin", username)
    try:
        judge_login(ctx, budget, origin, lambda: verify_secret(password, stored), PASSWORD)
    except LockedOutError as refused:
        _audit_login(ctx, "admin", subject, "password", origin, _refusal(refused))
        raise
    except AuthenticationError:
        _audit_login(ctx, "admin", subject, "password", origin, "wrong" if stored else UNKNOWN)
        raise
    _audit_login(ctx, "admin", subject, "password", origin)


def _read_badge(ctx: LockerContext, text: str) -> tuple[int, str]:
    try:
        return badge.read(ctx.store.locker().secret, text)
    except badge.BadgeError as error:
        raise AuthenticationError(str(error), code=error.code) from None


def _holder(ctx: LockerContext, courier_id: int, token_hash: str) -> tuple[Courier | None, str]:
    """The courier whose current badge this is, or None and why not."""
    courier = _courier(ctx, courier_id)
    if courier is None or not courier.active:
        return None, "disabled"
    if ctx.store.courier_badge_hash(courier_id) != token_hash:
        return None, "replaced"
    issued_at = ctx.store.courier_badge_issued_at(courier_id)
    if not badge.still_valid(issued_at, ctx.clock.now(), ctx.rules.badge_valid):
        return None, "expired"
    return courier, ""


def badge_holder(ctx: LockerContext, courier_id: int, token_hash: str) -> Courier:
    """The courier whose current, unexpired badge has this nonce hash, while active."""
    courier, why = _holder(ctx, courier_id, token_hash)
    if courier is None:
        raise _badge_refused(why)
    return courier


def login_by_badge(ctx: LockerContext, text: str) -> Courier:
    """The courier a genuine, current badge names: a check, not a login (`badge_login` is)."""
    return badge_holder(ctx, *_read_badge(ctx, text))


def badge_login(ctx: LockerContext, text: str, origin: LoginOrigin = LoginOrigin.SCREEN) -> Courier:
    """Log in by a badge a keyboard-wedge scanner typed; audited, and never made to wait.

    A badge is signed by this locker, or carries a 96-bit nonce from the centre, so it cannot
    be guessed: no failure budget guards it.
    """
    try:
        courier_id, token_hash = _read_badge(ctx, text)
    except AuthenticationError:
        _audit_login(ctx, "courier", UNKNOWN, "badge", origin, "not a badge of this locker")
        raise
    return _badge_login(ctx, courier_id, token_hash, "badge", origin)


def badge_claim_login(ctx: LockerContext, courier_id: int, token_hash: str) -> Courier:
    """Log in the courier whose badge the camera saw, as the screen claims the scan's ticket."""
    return _badge_login(ctx, courier_id, token_hash, "camera badge", LoginOrigin.SCREEN)


def _badge_login(
    ctx: LockerContext, courier_id: int, token_hash: str, method: str, origin: LoginOrigin
) -> Courier:
    courier, why = _holder(ctx, courier_id, token_hash)
    _audit_login(ctx, "courier", str(courier_id), method, origin, why or None)
    if courier is None:
        raise _badge_refused(why)
    return courier


# --- Changes -----------------------------------------------------------------------------------


def set_courier_active(ctx: LockerContext, courier_id: int, active: bool, actor: str) -> None:
    """Enable or disable a courier account; disabling ends the courier's sessions."""
    if _courier(ctx, courier_id) is None:
        raise _no_courier(courier_id)
    with ctx.store.transaction():
        ctx.store.set_courier_active(courier_id, active)
        if not active:
            ctx.store.bump_courier_session(courier_id)
        ctx.store.append_audit(
            actor,
            "courier.enabled" if active else "courier.disabled",
            str(courier_id),
            {},
            ctx.clock.now(),
        )


def reset_courier_pin(ctx: LockerContext, courier_id: int, pin: str, actor: str) -> None:
    """Give a courier a new PIN (an admin's or the CLI's doing); the courier's sessions end."""
    if _courier(ctx, courier_id) is None:
        raise _no_courier(courier_id)
    pin_hash = hash_secret(validate_pin(pin))
    with ctx.store.transaction():
        ctx.store.set_courier_pin(courier_id, pin_hash)
        ctx.store.bump_courier_session(courier_id)
        ctx.store.append_audit(actor, "courier.pin_reset", str(courier_id), {}, ctx.clock.now())


def change_courier_pin(ctx: LockerContext, courier_id: int, pin: str) -> int:
    """The logged-in courier sets a new PIN; returns the new session version for their session.

    Every other session of the courier ends. The caller has just checked the old PIN.
    """
    pin_hash = hash_secret(validate_pin(pin))
    with ctx.store.transaction():
        if ctx.store.courier_session_version(courier_id) is None:
            raise NotFoundError(
                f"no active courier {courier_id}", code=ServiceRefusal.COURIER_INACTIVE
            )
        ctx.store.set_courier_pin(courier_id, pin_hash)
        ctx.store.bump_courier_session(courier_id)
        ctx.store.append_audit(
            f"courier:{courier_id}", "courier.pin_changed", str(courier_id), {}, ctx.clock.now()
        )
        version = ctx.store.courier_session_version(courier_id)
    assert version is not None
    return version


def validate_username(username: str) -> str:
    """An admin username is 1-32 letters, digits, '.', '_' or '-'."""
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,32}", username):
        raise InvalidInputError(
            "a username is 1 to 32 letters, digits, '.', '_' or '-'",
            code=ServiceRefusal.USERNAME_FORMAT,
        )
    return username


def add_admin(ctx: LockerContext, username: str, password: str, actor: str) -> None:
    """Create an admin account."""
    password_hash = hash_secret(validate_password(password))
    with ctx.store.transaction():
        if ctx.store.admin_password_hash(validate_username(username)) is not None:
            raise NotAllowedError(
                f"there is already an admin called {username!r}",
                code=ServiceRefusal.ADMIN_EXISTS,
                username=username,
            )
        ctx.store.add_admin(username, password_hash, ctx.clock.now())
        ctx.store.append_audit(actor, "admin.added", username, {}, ctx.clock.now())


def change_admin_password(
    ctx: LockerContext,
    username: str,
    current: str,
    new_password: str,
    origin: LoginOrigin = LoginOrigin.SCREEN,
) -> int:
    """An admin changes their own password, giving the current one within the login budgets.

    Returns the new session version for the session that made the change; every other
    session of the admin ends.
    """
    validate_password(new_password)
    stored = ctx.store.admin_password_hash(username)
    if stored is None:
        raise NotFoundError(
            f"there is no admin called {username!r}",
            code=ServiceRefusal.ADMIN_UNKNOWN,
            username=username,
        )
    try:
        judge_login(
            ctx,
            f"admin:{username}",
            origin,
            lambda: verify_secret(current, stored),
            CURRENT_PASSWORD,
        )
    except (AuthenticationError, LockedOutError) as refused:
        reason = _refusal(refused) if isinstance(refused, LockedOutError) else "wrong"
        with ctx.store.transaction():
            ctx.store.append_audit(
                f"admin:{username}",
                "admin.password_change_failed",
                username,
                {"reason": reason},
                ctx.clock.now(),
            )
        raise
    reset_admin_password(ctx, username, new_password, f"admin:{username}")
    version = ctx.store.admin_session_version(username)
    assert version is not None
    return version


def reset_admin_password(ctx: LockerContext, username: str, new_password: str, actor: str) -> None:
    """Set an admin's password (the CLI's doing, for a forgotten one); their sessions end."""
    password_hash = hash_secret(validate_password(new_password))
    with ctx.store.transaction():
        ctx.store.set_admin_password(username, password_hash)
        ctx.store.bump_admin_session(username)
        ctx.store.append_audit(actor, "admin.password_changed", username, {}, ctx.clock.now())
