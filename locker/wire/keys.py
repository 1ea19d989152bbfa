"""Ed25519 keys: their text form on the wire, their files, and private keys sealed by a password."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from locker.wire.errors import WireFormatError

# RFC 7914 §2 recommends N=2^20 for files; 2^15 keeps a console signature under a tenth of a
# second on a small server while a stolen database still costs ~32 MiB and many ms per guess.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
NONCE_BYTES = 12
SEALED_VERSION = "scrypt-aesgcm-1"


class WrongPasswordError(Exception):
    """The password does not open this sealed private key."""


def new_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_text(key: Ed25519PublicKey) -> str:
    """The 32 raw bytes of a public key in base64, as pinned in settings and certificates."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_from_text(text: object) -> Ed25519PublicKey:
    """The public key a base64 text holds; WireFormatError for anything else."""
    raw = _b64(text, "public key")
    if len(raw) != 32:
        raise WireFormatError("a public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def signature_from_text(text: object) -> bytes:
    """The 64 bytes of a signature in base64; WireFormatError for anything else."""
    raw = _b64(text, "signature")
    if len(raw) != 64:
        raise WireFormatError("a signature is 64 bytes")
    return raw


def _b64(text: object, what: str) -> bytes:
    if not isinstance(text, str) or len(text) > 200:
        raise WireFormatError(f"a {what} is a base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise WireFormatError(f"a {what} is a base64 text") from error


def write_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write a private key as PKCS#8 PEM, readable by its owner only, and flushed to disk."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file; WireFormatError if it holds something else."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as error:
        raise WireFormatError(f"{path} holds no unencrypted PEM private key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise WireFormatError(f"{path} holds a private key that is not Ed25519")
    return key


def _password_key(password: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(
        password.encode()
    )


def seal_private_key(key: Ed25519PrivateKey, password: str) -> dict[str, str]:
    """The private key encrypted under a key derived from the password (scrypt, AES-GCM)."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    sealed = AESGCM(_password_key(password, salt)).encrypt(nonce, raw, SEALED_VERSION.encode())
    return {
        "version": SEALED_VERSION,
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "sealed": base64.b64encode(sealed).decode(),
    }


def open_private_key(sealed: dict[str, str], password: str) -> Ed25519PrivateKey:
    """The private key a password opens; WrongPasswordError when it does not."""
    if sealed.get("version") != SEALED_VERSION:
        raise WireFormatError("unknown sealed key version")
    salt = base64.b64decode(sealed["salt"])
    nonce = base64.b64decode(sealed["nonce"])
    try:
        raw = AESGCM(_password_key(password, salt)).decrypt(
            nonce, base64.b64decode(sealed["sealed"]), SEALED_VERSION.encode()
        )
    except InvalidTag as error:
        raise WrongPasswordError("the password does not open this key") from error
    return Ed25519PrivateKey.from_private_bytes(raw)
