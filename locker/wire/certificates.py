"""Operator and service certificates: a key, a name and a role, signed by the fleet's root."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from locker.wire import fields
from locker.wire.canonical import canonical_bytes
from locker.wire.errors import WireFormatError
from locker.wire.keys import public_from_text, public_text, signature_from_text

CERTIFICATE_VERSION = 1
# Operators who may sign every command, door actions included.
OPERATOR_ROLES = frozenset({"support", "admin"})
# The centre's own certificate: commands that open no door.
SERVICE_ROLE = "service"
ROLES = OPERATOR_ROLES | {SERVICE_ROLE}


@dataclass(frozen=True)
class Certificate:
    """Who holds a public key, in what role, until when; and the root's signature on it."""

    subject: str
    role: str
    public_key: str
    issued_at: int
    not_after: int
    signature: str

    def body(self) -> dict[str, Any]:
        """The fields the root signs."""
        return {
            "version": CERTIFICATE_VERSION,
            "subject": self.subject,
            "role": self.role,
            "public_key": self.public_key,
            "issued_at": self.issued_at,
            "not_after": self.not_after,
        }

    def to_wire(self) -> dict[str, Any]:
        """The certificate as a JSON object."""
        return {**self.body(), "signature": self.signature}

    def key(self) -> Ed25519PublicKey:
        """The certified public key."""
        return public_from_text(self.public_key)

    def signed_by(self, root: Ed25519PublicKey) -> bool:
        """Whether the root's signature covers exactly these fields."""
        try:
            root.verify(signature_from_text(self.signature), canonical_bytes(self.body()))
        except (InvalidSignature, WireFormatError):
            return False
        return True


def issue_certificate(
    root: Ed25519PrivateKey,
    subject: str,
    role: str,
    key: Ed25519PublicKey,
    issued_at: int,
    not_after: int,
) -> Certificate:
    """A certificate for `key`, signed by the root private key."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {sorted(ROLES)}")
    if not_after <= issued_at:
        raise ValueError("a certificate must end after it begins")
    unsigned = Certificate(subject, role, public_text(key), issued_at, not_after, "")
    signature = root.sign(canonical_bytes(unsigned.body()))
    return Certificate(
        subject,
        role,
        unsigned.public_key,
        issued_at,
        not_after,
        base64.b64encode(signature).decode(),
    )


def certificate_from_wire(value: object) -> Certificate:
    """The certificate a decoded JSON object holds; WireFormatError when it is malformed."""
    body: Mapping[str, Any] = fields.mapping(value, "a certificate")
    if body.get("version") != CERTIFICATE_VERSION:
        raise WireFormatError("unknown certificate version")
    role = fields.name(body, "role")
    if role not in ROLES:
        raise WireFormatError(f"role must be one of {sorted(ROLES)}")
    key_text = body.get("public_key")
    public_from_text(key_text)
    signature = body.get("signature")
    signature_from_text(signature)
    return Certificate(
        fields.name(body, "subject"),
        role,
        str(key_text),
        fields.time(body, "issued_at"),
        fields.time(body, "not_after"),
        str(signature),
    )
