"""Commands to a locker: the signed envelope, its encoding, and the locker's check of it."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from locker.wire import fields
from locker.wire.canonical import canonical_bytes
from locker.wire.certificates import OPERATOR_ROLES, Certificate, certificate_from_wire
from locker.wire.errors import CommandRefusedError, WireFormatError
from locker.wire.keys import signature_from_text

COMMAND_VERSION = 1
MAX_COMMAND_BYTES = 16_384
MAX_LIFETIME_S = 120
CLOCK_SKEW_S = 30
NONCE_HEX = 32  # 128 bits
MAX_SIGNATURES = 4
MAX_ARGS = 16
MAX_ARG_TEXT = 500

# Actions a person answers for: only an operator's certificate may sign them.
OPERATOR_ACTIONS = frozenset(
    {"force_open", "out_of_service", "in_service", "reissue_code", "acknowledge_alarm"}
)
# Actions that open no door and reveal no code: the centre's service certificate may sign them.
SERVICE_ACTIONS = frozenset(
    {
        "message_delivered",
        "message_failed",
        "resend_events",
        # A carrier's pre-advice, and its withdrawal: a parcel expected, no door opened.
        "preadvise",
        "withdraw_preadvice",
        # A hold keeps free doors for a carrier's couriers; it opens none.
        "hold",
        "release_hold",
        # A fleet courier's account: it carries an admin's own signature (courier_grants.py).
        "sync_courier",
    }
)
ACTIONS = OPERATOR_ACTIONS | SERVICE_ACTIONS

Scalar = str | int | bool | None


@dataclass(frozen=True)
class Command:
    """What to do on which locker, for whom, and in which window of time."""

    locker_id: str
    action: str
    args: Mapping[str, Scalar]
    operator: str
    nonce: str
    issued_at: int
    expires_at: int

    def body(self) -> dict[str, Any]:
        """The fields every signature covers."""
        return {
            "version": COMMAND_VERSION,
            "locker_id": self.locker_id,
            "action": self.action,
            "args": dict(self.args),
            "operator": self.operator,
            "nonce": self.nonce,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
        }


@dataclass(frozen=True)
class Signature:
    """One signer's certificate and signature over a command's body."""

    certificate: Certificate
    signature: str


@dataclass(frozen=True)
class SignedCommand:
    """A command with one or more signatures (two operators for an occupied door)."""

    command: Command
    signatures: tuple[Signature, ...] = field(default=())

    def to_bytes(self) -> bytes:
        """The envelope as the JSON published on `lockers/{id}/cmd`."""
        return json.dumps(
            {
                "command": self.command.body(),
                "signatures": [
                    {"certificate": s.certificate.to_wire(), "signature": s.signature}
                    for s in self.signatures
                ],
            },
            sort_keys=True,
        ).encode()


@dataclass(frozen=True)
class AcceptedCommand:
    """A command whose signatures, certificates and times hold, and who signed it."""

    command: Command
    operators: tuple[str, ...]


def new_command(
    locker_id: str,
    action: str,
    args: Mapping[str, Scalar],
    operator: str,
    now: int,
    lifetime_s: int = 60,
) -> Command:
    """A command with a fresh 128-bit nonce, valid from now for `lifetime_s` seconds."""
    if not 0 < lifetime_s <= MAX_LIFETIME_S:
        raise ValueError(f"a command lives 1 to {MAX_LIFETIME_S} s")
    return Command(
        locker_id, action, dict(args), operator, os.urandom(16).hex(), now, now + lifetime_s
    )


def sign_command(
    command: Command | SignedCommand, certificate: Certificate, key: Ed25519PrivateKey
) -> SignedCommand:
    """The command with one more signature: the first signer's, or a second operator's."""
    signed = command if isinstance(command, SignedCommand) else SignedCommand(command)
    signature = base64.b64encode(key.sign(canonical_bytes(signed.command.body()))).decode()
    return SignedCommand(signed.command, (*signed.signatures, Signature(certificate, signature)))


def command_from_bytes(raw: bytes) -> SignedCommand:
    """The envelope a payload holds; WireFormatError when it is not one."""
    if len(raw) > MAX_COMMAND_BYTES:
        raise WireFormatError(f"a command is at most {MAX_COMMAND_BYTES} bytes")
    try:
        decoded = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireFormatError("a command is a JSON object") from error
    envelope = fields.mapping(decoded, "a command envelope")
    body = fields.mapping(envelope.get("command"), "command")
    if body.get("version") != COMMAND_VERSION:
        raise WireFormatError("unknown command version")
    nonce = body.get("nonce")
    if not isinstance(nonce, str) or len(nonce) != NONCE_HEX or not _is_hex(nonce):
        raise WireFormatError(f"nonce is {NONCE_HEX} hexadecimal digits")
    command = Command(
        fields.name(body, "locker_id"),
        fields.name(body, "action"),
        _args(body.get("args")),
        fields.name(body, "operator"),
        nonce,
        fields.time(body, "issued_at"),
        fields.time(body, "expires_at"),
    )
    listed = envelope.get("signatures")
    if not isinstance(listed, list) or not 1 <= len(listed) <= MAX_SIGNATURES:
        raise WireFormatError(f"signatures is a list of 1 to {MAX_SIGNATURES}")
    signatures = []
    for item in listed:
        entry = fields.mapping(item, "a signature")
        signature_from_text(entry.get("signature"))
        signatures.append(
            Signature(certificate_from_wire(entry.get("certificate")), str(entry["signature"]))
        )
    return SignedCommand(command, tuple(signatures))


def _is_hex(value: str) -> bool:
    return all(c in "0123456789abcdef" for c in value)


def _args(value: object) -> dict[str, Scalar]:
    args = fields.mapping(value, "args")
    if len(args) > MAX_ARGS:
        raise WireFormatError(f"a command has at most {MAX_ARGS} arguments")
    checked: dict[str, Scalar] = {}
    for key, item in args.items():
        if not fields.NAME.fullmatch(key):
            raise WireFormatError("an argument's name is letters, digits and . _ @ -")
        if isinstance(item, str) and (len(item) > MAX_ARG_TEXT or not item.isprintable()):
            raise WireFormatError(f"argument {key} is printable text of at most {MAX_ARG_TEXT}")
        if not isinstance(item, str | int | bool | None):
            raise WireFormatError(f"argument {key} is a text, a number, true, false or null")
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**53:
            raise WireFormatError(f"argument {key} is too large")
        checked[key] = item
    return checked


def check_command(raw: bytes, locker_id: str, root: Ed25519PublicKey, now: int) -> AcceptedCommand:
    """Accept a command only if it is for this locker, current, and signed as its action needs.

    The nonce is the caller's to remember: this check holds no state.
    """
    try:
        signed = command_from_bytes(raw)
    except WireFormatError as error:
        raise CommandRefusedError("malformed", str(error)) from error
    command = signed.command
    if command.locker_id != locker_id:
        raise CommandRefusedError("other_locker", f"the command is for {command.locker_id}")
    if command.action not in ACTIONS:
        raise CommandRefusedError("unknown_action", f"no action {command.action}")
    if not 0 < command.expires_at - command.issued_at <= MAX_LIFETIME_S:
        raise CommandRefusedError(
            "bad_lifetime", f"a command lives more than 0 and at most {MAX_LIFETIME_S} s"
        )
    if command.issued_at > now + CLOCK_SKEW_S:
        raise CommandRefusedError("from_the_future", "the command was issued ahead of our clock")
    if now > command.expires_at + CLOCK_SKEW_S:
        raise CommandRefusedError("expired", "the command expired")
    roles = _check_signatures(signed, root, now)
    if command.action in OPERATOR_ACTIONS and roles.get(command.operator) not in OPERATOR_ROLES:
        raise CommandRefusedError(
            "not_allowed", f"{command.action} needs the signature of an operator"
        )
    if command.operator not in roles:
        raise CommandRefusedError("not_allowed", "the command's operator did not sign it")
    operators = sorted(subject for subject, role in roles.items() if role in OPERATOR_ROLES)
    return AcceptedCommand(command, tuple(operators))


def _check_signatures(signed: SignedCommand, root: Ed25519PublicKey, now: int) -> dict[str, str]:
    """Each signer's role, once every certificate and signature holds."""
    body = canonical_bytes(signed.command.body())
    roles: dict[str, str] = {}
    for entry in signed.signatures:
        certificate = entry.certificate
        if not certificate.signed_by(root):
            raise CommandRefusedError(
                "unknown_signer", f"the fleet's root did not certify {certificate.subject}"
            )
        if now > certificate.not_after + CLOCK_SKEW_S:
            raise CommandRefusedError(
                "certificate_expired", f"{certificate.subject}'s certificate expired"
            )
        if certificate.issued_at > now + CLOCK_SKEW_S:
            raise CommandRefusedError(
                "certificate_not_yet_valid", f"{certificate.subject}'s certificate is not valid yet"
            )
        try:
            certificate.key().verify(signature_from_text(entry.signature), body)
        except InvalidSignature as error:
            raise CommandRefusedError(
                "bad_signature", f"{certificate.subject}'s signature does not match the command"
            ) from error
        roles[certificate.subject] = certificate.role
    return roles
