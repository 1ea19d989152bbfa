"""The carriers that may call the centre's API, each with one bearer token.

A token is 32 random bytes, shown once and kept only as its SHA-256: a copy of the store lets
nobody in. A plain hash suffices where a password would need a slow one, because the token is
random and long: there is nothing to guess from its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from locker.centre.schema import carriers
from locker.centre.store import CentreStore
from locker.domain.plain_text import is_one_line

MAX_NAME_CHARS = 64
TOKEN_BYTES = 32
# A token is 43 characters; anything much longer is not one, and is not hashed.
MAX_TOKEN_CHARS = 200


class CarrierError(Exception):
    """A carrier cannot be added or revoked; the message says why."""


def token_digest(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_carrier_name(name: str) -> str:
    """The name, if it is one printable line of 1 to 64 characters, as couriers' records carry."""
    if not (
        name and name == name.strip() and name.isprintable() and is_one_line(name, MAX_NAME_CHARS)
    ):
        raise CarrierError(
            f"a carrier name is 1 to {MAX_NAME_CHARS} printable characters on one line, "
            "without spaces around it"
        )
    return name


def add_carrier(store: CentreStore, name: str, now: float) -> str:
    """Add the carrier (or give a revoked one a new start); its token, which is not kept."""
    check_carrier_name(name)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = {"token_hash": token_digest(token), "created_at": now, "revoked_at": None}
    try:
        with store.engine.begin() as connection:
            found = connection.execute(
                select(carriers.c.revoked_at).where(carriers.c.name == name)
            ).first()
            if found is None:
                connection.execute(carriers.insert().values(name=name, **row))
            elif (
                found.revoked_at is None
                or not connection.execute(
                    # Only the revocation read: another `carrier add` may have renewed it since.
                    update(carriers)
                    .where(carriers.c.name == name, carriers.c.revoked_at == found.revoked_at)
                    .values(**row)
                ).rowcount
            ):
                raise CarrierError(_active(name))
    except IntegrityError:
        # Another `carrier add` for the same name won the race.
        raise CarrierError(_active(name)) from None
    return token


def _active(name: str) -> str:
    return (
        f"carrier {name!r} is already active; revoke it first "
        f"(`locker fleet carrier revoke {name}`) to give it a new token"
    )


def revoke_carrier(store: CentreStore, name: str, now: float) -> None:
    """End the carrier's token for good; CarrierError when it has no active one."""
    with store.engine.begin() as connection:
        done = connection.execute(
            update(carriers)
            .where(carriers.c.name == name, carriers.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
    if not done:
        raise CarrierError(f"no active carrier {name!r}")


def carrier_of_token(store: CentreStore, token: str) -> str | None:
    """The active carrier whose token this is, else None."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    digest = token_digest(token)
    # Looking the hash up by index leaks no timing worth having: the caller chooses the token,
    # not its hash. The final comparison is in constant time all the same.
    with store.engine.connect() as connection:
        row = connection.execute(
            select(carriers.c.name, carriers.c.token_hash).where(
                carriers.c.token_hash == digest, carriers.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(str(row.token_hash), digest):
        return None
    return str(row.name)
