"""Setting a locker up: its identity, first admin and compartment layout."""

from __future__ import annotations

import secrets
import tomllib

from locker.domain.errors import InvalidInputError
from locker.domain.layout import Layout, parse_layout
from locker.domain.passwords import hash_secret, validate_password
from locker.domain.plain_text import one_line
from locker.domain.qr_payload import validate_locker_id
from locker.domain.states import CompartmentState
from locker.services.accounts import validate_username
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError

SECRET_BYTES = 32
# Shown on every screen and in every message.
MAX_LOCKER_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 200


def init_locker(
    ctx: LockerContext, locker_id: str, name: str, address: str, admin: str, password: str
) -> None:
    """Create the locker's identity, a fresh secret and the first admin, all or nothing."""
    validate_locker_id(locker_id)
    validate_username(admin)
    if not name.strip():
        raise InvalidInputError("the locker needs a name")
    name = one_line(name, "the locker's name", MAX_LOCKER_NAME_CHARS)
    address = one_line(address, "the address", MAX_ADDRESS_CHARS, min_chars=0)
    password_hash = hash_secret(validate_password(password))
    store = ctx.store
    now = ctx.clock.now()
    with store.transaction():
        store.initialise(locker_id, name, address, secrets.token_bytes(SECRET_BYTES), now)
        store.add_admin(admin, password_hash, now)
        store.append_audit(f"admin:{admin}", "locker.initialised", locker_id, {"name": name}, now)


def parse_layout_toml(text: str) -> Layout:
    """A layout from TOML text, checked whole."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"the layout file is not valid TOML: {error}") from None
    return parse_layout(document)


def load_layout(ctx: LockerContext, layout: Layout, actor: str) -> None:
    """Store a layout; refused while a door is reserved or open, so no deposit is cut short."""
    store = ctx.store
    with store.transaction():
        busy = [
            c.label
            for c in store.compartments()
            if c.state in (CompartmentState.RESERVED, CompartmentState.OPEN)
        ]
        if busy:
            raise NotAllowedError(
                f"doors {', '.join(busy)} are in use: load the layout when they are closed"
            )
        store.load_layout(layout)
        store.append_audit(
            actor,
            "layout.loaded",
            "layout",
            {"compartments": len(layout.compartments), "buses": [b.name for b in layout.buses]},
            ctx.clock.now(),
        )
