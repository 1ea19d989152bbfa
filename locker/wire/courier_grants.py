"""A fleet courier's account for one locker, signed by an admin operator at the centre.

The centre cannot make a courier, since a courier opens doors: an admin's certificate signs
each locker's grant (never a PIN in clear, only its scrypt hash). The grant lives until a later
revision replaces it, so the centre can hand it to a locker that was offline, inside a
short-lived `sync_courier` command of its own; the locker checks both signatures.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from locker.domain.courier_ids import FIRST_FLEET_ID, LAST_FLEET_ID
from locker.wire import fields
from locker.wire.canonical import canonical_bytes
from locker.wire.certificates import Certificate, certificate_from_wire
from locker.wire.errors import CommandRefusedError, WireFormatError
from locker.wire.keys import signature_from_text

GRANT_VERSION = 1
# Only an admin answers for who may open doors at every locker.
GRANT_ROLE = "admin"
CLOCK_SKEW_S = 30
MAX_NAME_CHARS = 64
MAX_REVISION = 2**53
# What `hash_secret` writes: scrypt with the locker's own cost, a 16-byte salt, a 32-byte key.
# Nothing else is let in, so a grant cannot make a locker run scrypt at another cost.
PIN_HASH = re.compile(r"scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=")
BADGE_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class CourierGrant:
    """One fleet courier's account, as one locker is to hold it from this revision on."""

    locker_id: str
    courier: int
    carrier: str
    name: str
    pin_hash: str
    # The hash of the current badge's nonce, "" with no badge; and when it was issued (0: none).
    badge_hash: str
    badge_issued_at: int
    active: bool
    revision: int
    signed_at: int
    operator: str

    def body(self) -> dict[str, Any]:
        """The fields the operator signs."""
        return {
            "version": GRANT_VERSION,
            "kind": "courier_grant",
            "locker_id": self.locker_id,
            "courier": self.courier,
            "carrier": self.carrier,
            "name": self.name,
            "pin_hash": self.pin_hash,
            "badge_hash": self.badge_hash,
            "badge_issued_at": self.badge_issued_at,
            "active": self.active,
            "revision": self.revision,
            "signed_at": self.signed_at,
            "operator": self.operator,
        }


@dataclass(frozen=True)
class SignedGrant:
    """A grant with its signer's certificate and signature."""

    grant: CourierGrant
    certificate: Certificate
    signature: str

    def to_args(self) -> dict[str, str | int | bool]:
        """The `sync_courier` command's arguments: one per field, so each stays short."""
        grant = self.grant
        return {
            "courier": grant.courier,
            "carrier": grant.carrier,
            "name": grant.name,
            "pin_hash": grant.pin_hash,
            "badge_hash": grant.badge_hash,
            "badge_issued_at": grant.badge_issued_at,
            "active": grant.active,
            "revision": grant.revision,
            "signed_at": grant.signed_at,
            "operator": grant.operator,
            "certificate": json.dumps(
                self.certificate.to_wire(), sort_keys=True, separators=(",", ":")
            ),
            "signature": self.signature,
        }


def sign_grant(
    grant: CourierGrant, certificate: Certificate, key: Ed25519PrivateKey
) -> SignedGrant:
    """The grant signed by the operator whose certificate and key these are."""
    checked_grant(grant)
    signature = base64.b64encode(key.sign(canonical_bytes(grant.body()))).decode()
    return SignedGrant(grant, certificate, signature)


def checked_grant(grant: CourierGrant) -> CourierGrant:
    """The grant when every field is in its range; WireFormatError naming the first that is not."""
    if not FIRST_FLEET_ID <= grant.courier <= LAST_FLEET_ID:
        raise WireFormatError(f"courier is a fleet id, {FIRST_FLEET_ID} to {LAST_FLEET_ID}")
    for key in ("carrier", "name"):
        fields.text({key: getattr(grant, key)}, key, limit=MAX_NAME_CHARS)
    fields.name({"locker_id": grant.locker_id}, "locker_id")
    fields.name({"operator": grant.operator}, "operator")
    if not PIN_HASH.fullmatch(grant.pin_hash):
        raise WireFormatError("pin_hash is a scrypt hash as the locker makes them")
    if grant.badge_hash and not BADGE_HASH.fullmatch(grant.badge_hash):
        raise WireFormatError("badge_hash is empty or 64 hexadecimal digits")
    if bool(grant.badge_hash) != bool(grant.badge_issued_at):
        raise WireFormatError("badge_hash and badge_issued_at go together")
    fields.time({"badge_issued_at": grant.badge_issued_at}, "badge_issued_at")
    fields.time({"signed_at": grant.signed_at}, "signed_at")
    if not 1 <= grant.revision <= MAX_REVISION:
        raise WireFormatError("revision is a whole number from 1")
    return grant


def grant_from_args(args: Mapping[str, Any], locker_id: str) -> SignedGrant:
    """The signed grant a `sync_courier` command carries; WireFormatError when malformed."""

    def whole(key: str) -> int:
        value = args.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise WireFormatError(f"{key} is a whole number")
        return value

    def text(key: str) -> str:
        value = args.get(key)
        if not isinstance(value, str):
            raise WireFormatError(f"{key} is a text")
        return value

    active = args.get("active")
    if not isinstance(active, bool):
        raise WireFormatError("active is true or false")
    try:
        certificate_json = json.loads(text("certificate"))
    except (json.JSONDecodeError, RecursionError):
        raise WireFormatError("certificate is a certificate in JSON") from None
    signature = text("signature")
    signature_from_text(signature)
    grant = CourierGrant(
        locker_id=locker_id,
        courier=whole("courier"),
        carrier=text("carrier"),
        name=text("name"),
        pin_hash=text("pin_hash"),
        badge_hash=text("badge_hash"),
        badge_issued_at=whole("badge_issued_at"),
        active=active,
        revision=whole("revision"),
        signed_at=whole("signed_at"),
        operator=text("operator"),
    )
    return SignedGrant(checked_grant(grant), certificate_from_wire(certificate_json), signature)


def check_grant(signed: SignedGrant, root: Ed25519PublicKey, now: int) -> CourierGrant:
    """The grant, when an admin whose certificate the root signed signed it while the
    certificate was valid; CommandRefusedError with the code of the first check that fails."""
    grant, certificate = signed.grant, signed.certificate
    if not certificate.signed_by(root):
        raise CommandRefusedError(
            "unknown_signer", f"the fleet's root did not certify {certificate.subject}"
        )
    if certificate.role != GRANT_ROLE or certificate.subject != grant.operator:
        raise CommandRefusedError("not_allowed", "a courier grant needs an admin's signature")
    if grant.signed_at > now + CLOCK_SKEW_S:
        raise CommandRefusedError("from_the_future", "the grant was signed ahead of our clock")
    if not certificate.issued_at - CLOCK_SKEW_S <= grant.signed_at <= certificate.not_after:
        raise CommandRefusedError(
            "certificate_expired", f"{certificate.subject}'s certificate did not cover the grant"
        )
    try:
        certificate.key().verify(
            signature_from_text(signed.signature), canonical_bytes(grant.body())
        )
    except InvalidSignature:
        raise CommandRefusedError(
            "bad_signature", f"{certificate.subject}'s signature does not match the grant"
        ) from None
    return grant
