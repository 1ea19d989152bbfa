"""Courier and admin accounts: creation, login by PIN, badge or password, and changes."""

from __future__ import annotations

import re

from locker.domain import badge
from locker.domain.errors import InvalidInputError
from locker.domain.models import Courier
from locker.domain.passwords import hash_secret, validate_password, validate_pin, verify_secret
from locker.services.context import LockerContext
from locker.services.errors import AuthenticationError, NotFoundError
from locker.services.failure_budgets import refill, refuse_if_locked, spend


def _clean_name(text: str, what: str) -> str:
    text = text.strip()
    if not 1 <= len(text) <= 64:
        raise InvalidInputError(f"{what} must be 1 to 64 characters")
    return text


def add_courier(ctx: LockerContext, carrier: str, name: str, pin: str, actor: str) -> Courier:
    """Create an active courier; returns it with the id they log in with."""
    carrier = _clean_name(carrier, "the carrier")
    name = _clean_name(name, "the courier's name")
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


def issue_badge(ctx: LockerContext, courier_id: int, actor: str) -> str:
    """A new badge QR text for a courier; any earlier badge stops working."""
    if ctx.store.courier(courier_id) is None:
        raise NotFoundError(f"no courier {courier_id}")
    new = badge.issue(ctx.store.locker().secret, courier_id)
    with ctx.store.transaction():
        ctx.store.set_courier_badge(courier_id, new.token_hash)
        ctx.store.append_audit(actor, "courier.badge_issued", str(courier_id), {}, ctx.clock.now())
    return new.text


def login_courier(ctx: LockerContext, courier_id: int, pin: str) -> Courier:
    """The courier, when the id and PIN match an active account, within its failure budget."""
    stored = ctx.store.courier_pin_hash(courier_id)
    courier = ctx.store.courier(courier_id)
    if stored is None or courier is None:
        raise AuthenticationError("courier id or PIN is wrong")
    _check_secret(ctx, f"courier:{courier_id}", pin, stored, "courier id or PIN is wrong", "PINs")
    return courier


def _check_secret(
    ctx: LockerContext, key: str, secret: str, stored: str, wrong: str, what: str
) -> None:
    """Check a PIN or password within the account's two budgets.

    Wrong secrets spend the failure budget; every attempt, right or wrong, spends the rate
    budget of a few logins a minute, so a stolen secret cannot be used in a tight loop either.
    """
    rate = f"rate:{key}"
    refuse_if_locked(ctx, key, f"too many wrong {what} for this account")
    refuse_if_locked(ctx, rate, "too many logins for this account in a minute")
    spend(ctx, rate, ctx.rules.login_rate, key)
    if not verify_secret(secret, stored):
        spend(ctx, key, ctx.rules.login, key)
        raise AuthenticationError(wrong)
    refill(ctx, key)


def login_by_badge(ctx: LockerContext, text: str) -> Courier:
    """The courier a genuine, current badge names."""
    try:
        courier_id, token_hash = badge.read(ctx.store.locker().secret, text)
    except badge.BadgeError as error:
        raise AuthenticationError(str(error)) from None
    return badge_holder(ctx, courier_id, token_hash)


def badge_holder(ctx: LockerContext, courier_id: int, token_hash: str) -> Courier:
    """The courier whose current badge has this nonce hash, while the account is active."""
    courier = ctx.store.courier(courier_id)
    if courier is None or ctx.store.courier_badge_hash(courier_id) != token_hash:
        raise AuthenticationError("this badge was replaced or the account is disabled")
    return courier


def set_courier_active(ctx: LockerContext, courier_id: int, active: bool, actor: str) -> None:
    """Enable or disable a courier account."""
    if ctx.store.courier(courier_id) is None:
        raise NotFoundError(f"no courier {courier_id}")
    with ctx.store.transaction():
        ctx.store.set_courier_active(courier_id, active)
        ctx.store.append_audit(
            actor,
            "courier.enabled" if active else "courier.disabled",
            str(courier_id),
            {},
            ctx.clock.now(),
        )


def reset_courier_pin(ctx: LockerContext, courier_id: int, pin: str, actor: str) -> None:
    """Give a courier a new PIN."""
    if ctx.store.courier(courier_id) is None:
        raise NotFoundError(f"no courier {courier_id}")
    pin_hash = hash_secret(validate_pin(pin))
    with ctx.store.transaction():
        ctx.store.set_courier_pin(courier_id, pin_hash)
        ctx.store.append_audit(actor, "courier.pin_reset", str(courier_id), {}, ctx.clock.now())


def validate_username(username: str) -> str:
    """An admin username is 1-32 letters, digits, '.', '_' or '-'."""
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,32}", username):
        raise InvalidInputError("a username is 1 to 32 letters, digits, '.', '_' or '-'")
    return username


def add_admin(ctx: LockerContext, username: str, password: str, actor: str) -> None:
    """Create an admin account."""
    password_hash = hash_secret(validate_password(password))
    with ctx.store.transaction():
        ctx.store.add_admin(validate_username(username), password_hash, ctx.clock.now())
        ctx.store.append_audit(actor, "admin.added", username, {}, ctx.clock.now())


def check_admin(ctx: LockerContext, username: str, password: str) -> None:
    """Raise AuthenticationError unless the username and password match, within the budget."""
    stored = ctx.store.admin_password_hash(username)
    if stored is None:
        raise AuthenticationError("username or password is wrong")
    _check_secret(
        ctx, f"admin:{username}", password, stored, "username or password is wrong", "passwords"
    )


def change_admin_password(ctx: LockerContext, username: str, new_password: str, actor: str) -> None:
    """Set an admin's password."""
    password_hash = hash_secret(validate_password(new_password))
    with ctx.store.transaction():
        ctx.store.set_admin_password(username, password_hash)
        ctx.store.append_audit(actor, "admin.password_changed", username, {}, ctx.clock.now())
