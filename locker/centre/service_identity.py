"""The centre's own certificate and key: for commands that open no door and reveal no code.

The centre signs these alone (asking a locker to send its events again, confirming that a
message was delivered), so the key sits on the centre; the root never lets it open a door.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from locker.wire.certificates import (
    SERVICE_ROLE,
    Certificate,
    certificate_from_wire,
    issue_certificate,
)
from locker.wire.commands import new_command, sign_command
from locker.wire.keys import new_private_key, read_private_key, write_private_key

KEY_FILE = "service.key"
CERTIFICATE_FILE = "service.cert.json"
DAY_S = 24 * 3600


@dataclass(frozen=True)
class ServiceIdentity:
    """The service certificate and the key it certifies."""

    certificate: Certificate
    key: Ed25519PrivateKey

    def sign(self, locker_id: str, action: str, args: dict[str, object], now: int) -> bytes:
        """A signed command from the centre itself, valid for a minute."""
        return self.sign_with_nonce(locker_id, action, args, now, 60)[1]

    def sign_with_nonce(
        self, locker_id: str, action: str, args: dict[str, object], now: int, lifetime_s: int
    ) -> tuple[str, bytes]:
        """(nonce, envelope) of a signed command from the centre, valid for `lifetime_s`."""
        command = new_command(
            locker_id,
            action,
            args,  # type: ignore[arg-type]
            self.certificate.subject,
            now,
            lifetime_s,
        )
        return command.nonce, sign_command(command, self.certificate, self.key).to_bytes()


def make_service_identity(
    root: Ed25519PrivateKey, folder: Path, now: int, valid_days: int = 365, name: str = "centre"
) -> ServiceIdentity:
    """A new service key and certificate in `folder` (the key readable by its owner only)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = new_private_key()
    certificate = issue_certificate(
        root, name, SERVICE_ROLE, key.public_key(), now, now + valid_days * DAY_S
    )
    write_private_key(key, folder / KEY_FILE)
    path = folder / CERTIFICATE_FILE
    path.write_text(json.dumps(certificate.to_wire(), indent=2, sort_keys=True) + "\n")
    with path.open("rb") as file:
        os.fsync(file.fileno())
    return ServiceIdentity(certificate, key)


def load_service_identity(folder: Path) -> ServiceIdentity:
    """The service identity written by `make_service_identity`."""
    certificate = certificate_from_wire(json.loads((folder / CERTIFICATE_FILE).read_text()))
    return ServiceIdentity(certificate, read_private_key(folder / KEY_FILE))
