"""Keys on disk and private keys sealed under an operator's password."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from locker.wire.errors import WireFormatError
from locker.wire.keys import (
    WrongPasswordError,
    new_private_key,
    open_private_key,
    public_from_text,
    public_text,
    read_private_key,
    seal_private_key,
    write_private_key,
)


def test_a_sealed_key_opens_with_its_password_only() -> None:
    key = new_private_key()
    sealed = seal_private_key(key, "correct horse")

    opened = open_private_key(sealed, "correct horse")

    assert public_text(opened.public_key()) == public_text(key.public_key())
    with pytest.raises(WrongPasswordError):
        open_private_key(sealed, "correct hors")


def test_the_sealed_form_holds_no_key_bytes_in_the_clear() -> None:
    key = new_private_key()
    sealed = seal_private_key(key, "pw")

    assert public_text(key.public_key()) not in str(sealed)


def test_a_key_file_is_private_to_its_owner_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "root.pem"
    key = new_private_key()
    write_private_key(key, path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_text(read_private_key(path).public_key()) == public_text(key.public_key())
    with pytest.raises(FileExistsError):
        write_private_key(new_private_key(), path)


@pytest.mark.parametrize("text", ["", "not base64!", "AAAA", 5, None, "A" * 1000])
def test_a_public_key_text_that_is_no_key_is_refused(text: object) -> None:
    with pytest.raises(WireFormatError):
        public_from_text(text)
