"""A fleet's keys for the tests: a root, two operators and the centre's service certificate."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from locker.wire.certificates import Certificate, issue_certificate
from locker.wire.keys import new_private_key

NOW = 1_790_000_000
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Signer:
    """A certificate and the private key it certifies."""

    certificate: Certificate
    key: Ed25519PrivateKey


@dataclass(frozen=True)
class FleetKeys:
    """The root key pair and the certificates it issued."""

    root: Ed25519PrivateKey
    alice: Signer
    bob: Signer
    centre: Signer


def signer(root: Ed25519PrivateKey, subject: str, role: str, not_after: int = NOW + YEAR) -> Signer:
    """A fresh key pair certified by `root`."""
    key = new_private_key()
    return Signer(
        issue_certificate(root, subject, role, key.public_key(), NOW - 60, not_after), key
    )


def fleet_keys() -> FleetKeys:
    """A new fleet: root, operators alice (support) and bob (admin), and the centre."""
    root = new_private_key()
    return FleetKeys(
        root,
        signer(root, "alice", "support"),
        signer(root, "bob", "admin"),
        signer(root, "centre", "service"),
    )
