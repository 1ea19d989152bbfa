"""The centre's operators: a certified key each, sealed under the operator's own password.

The centre stores only the sealed key, so a copy of its database signs nothing: to sign a
door action the console asks for the password again and opens the key for that one signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from locker.centre.schema import operators
from locker.centre.store import CentreStore
from locker.centre.upsert import insert_if_new
from locker.domain.passwords import hash_secret, validate_password, verify_secret
from locker.wire import fields
from locker.wire.certificates import (
    OPERATOR_ROLES,
    Certificate,
    certificate_from_wire,
    issue_certificate,
)
from locker.wire.errors import WireFormatError
from locker.wire.keys import WrongPasswordError, new_private_key, open_private_key, seal_private_key

DAY_S = 24 * 3600


class OperatorError(Exception):
    """An operator cannot be added or cannot sign; the message says why in one line."""


@dataclass(frozen=True)
class OperatorSigner:
    """An operator's certificate with the private key their password opened."""

    certificate: Certificate
    key: Ed25519PrivateKey


def add_operator(
    store: CentreStore,
    username: str,
    password: str,
    role: str,
    root: Ed25519PrivateKey,
    now: float,
    valid_days: int = 365,
) -> Certificate:
    """Make an operator's key pair and certificate, and store the key sealed by the password."""
    try:
        fields.name({"username": username}, "username")
    except WireFormatError:
        raise OperatorError("a username is letters, digits and . _ @ - (up to 64)") from None
    if role not in OPERATOR_ROLES:
        raise OperatorError(f"role must be one of {', '.join(sorted(OPERATOR_ROLES))}")
    if not 1 <= valid_days <= 3 * 365:
        raise OperatorError("a certificate is valid for 1 to 1095 days")
    validate_password(password)
    key = new_private_key()
    certificate = issue_certificate(
        root, username, role, key.public_key(), int(now), int(now) + valid_days * DAY_S
    )
    with store.engine.connect() as connection:
        # Refused before the slow hashing; the insert below still decides a race.
        taken = connection.execute(
            select(operators.c.username).where(operators.c.username == username)
        ).first()
    if taken is not None:
        raise OperatorError(f"operator {username} exists already")
    row = {
        "username": username,
        "role": role,
        "password_hash": hash_secret(password),
        "certificate": json.dumps(certificate.to_wire(), sort_keys=True),
        "sealed_key": json.dumps(seal_private_key(key, password), sort_keys=True),
        "created_at": now,
        "session_version": 1,
        "active": True,
    }
    with store.engine.begin() as connection:
        if not insert_if_new(connection, operators, row):
            # Another `operator add` of this name committed between the look and the insert.
            raise OperatorError(f"operator {username} exists already")
    return certificate


def operator_signer(store: CentreStore, username: str, password: str) -> OperatorSigner:
    """The operator's signing key, opened by their password; OperatorError otherwise."""
    with store.engine.connect() as connection:
        row = connection.execute(select(operators).where(operators.c.username == username)).first()
    if row is None or not row.active or not verify_secret(password, row.password_hash):
        raise OperatorError("wrong username or password")
    try:
        key = open_private_key(json.loads(row.sealed_key), password)
    except WrongPasswordError:
        raise OperatorError("wrong username or password") from None
    return OperatorSigner(certificate_from_wire(json.loads(row.certificate)), key)
