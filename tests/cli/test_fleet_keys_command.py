"""`locker fleet keygen`, `operator add` and `service-cert`: the keys a fleet starts from."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from locker.centre.operators import OperatorError, operator_signer
from locker.centre.service_identity import load_service_identity
from locker.centre.store import CentreStore
from locker.cli.main import cli
from locker.wire.commands import check_command, new_command, sign_command
from locker.wire.errors import CommandRefusedError
from locker.wire.keys import public_from_text


@pytest.fixture
def root(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "root.pem"
    result = CliRunner().invoke(cli, ["fleet", "keygen", "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path, result.stdout.strip().splitlines()[-1]


def test_keygen_writes_a_private_root_key_and_prints_the_public_one(root: tuple[Path, str]) -> None:
    path, public = root

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(public) == 44
    public_from_text(public)


def test_keygen_never_overwrites_a_root_key(root: tuple[Path, str]) -> None:
    path, _ = root
    before = path.read_bytes()

    result = CliRunner().invoke(cli, ["fleet", "keygen", "--out", str(path)])

    assert result.exit_code == 1
    assert "never overwritten" in result.output
    assert path.read_bytes() == before


def test_an_added_operator_signs_only_with_their_password(
    root: tuple[Path, str], tmp_path: Path
) -> None:
    path, public = root
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    result = CliRunner().invoke(
        cli,
        [
            "fleet",
            "operator",
            "add",
            "alice",
            "--role",
            "support",
            "--root-key",
            str(path),
            "--centre-db",
            db,
            "--password-stdin",
        ],
        input="a long passphrase\n",
    )
    assert result.exit_code == 0, result.output

    store = CentreStore(db)
    signer = operator_signer(store, "alice", "a long passphrase")
    command = new_command(
        "L-1", "force_open", {"door": "A01", "reason": "x"}, "alice", 1_800_000_000
    )
    raw = sign_command(command, signer.certificate, signer.key).to_bytes()
    assert check_command(raw, "L-1", public_from_text(public), 1_800_000_000).operators == (
        "alice",
    )
    with pytest.raises(OperatorError):
        operator_signer(store, "alice", "a long passphrasE")
    store.close()


def test_an_operator_is_added_once(root: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = root
    args = [
        "fleet",
        "operator",
        "add",
        "bob",
        "--root-key",
        str(path),
        "--centre-db",
        f"sqlite:///{tmp_path / 'centre.db'}",
        "--password-stdin",
    ]
    assert CliRunner().invoke(cli, args, input="first password\n").exit_code == 0

    again = CliRunner().invoke(cli, args, input="other password\n")

    assert again.exit_code == 1
    assert "exists already" in again.output


@pytest.mark.parametrize("username", ["", "a b", "x" * 65, "bob\r\nroot", "名字"])
def test_an_unfit_username_is_refused(
    root: tuple[Path, str], tmp_path: Path, username: str
) -> None:
    path, _ = root
    result = CliRunner().invoke(
        cli,
        [
            "fleet",
            "operator",
            "add",
            username,
            "--root-key",
            str(path),
            "--centre-db",
            f"sqlite:///{tmp_path / 'centre.db'}",
            "--password-stdin",
        ],
        input="a long passphrase\n",
    )
    assert result.exit_code == 1
    assert "username" in result.output


def test_the_service_certificate_cannot_open_a_door(root: tuple[Path, str], tmp_path: Path) -> None:
    path, public = root
    folder = tmp_path / "centre"
    result = CliRunner().invoke(
        cli, ["fleet", "service-cert", "--root-key", str(path), "--out-dir", str(folder)]
    )
    assert result.exit_code == 0, result.output

    identity = load_service_identity(folder)
    now = identity.certificate.issued_at + 10
    raw = identity.sign("L-1", "force_open", {"door": "A01", "reason": "x"}, now)
    with pytest.raises(CommandRefusedError) as refused:
        check_command(raw, "L-1", public_from_text(public), now)
    assert refused.value.code == "not_allowed"
    ok = identity.sign("L-1", "resend_events", {"from_seq": 1}, now)
    assert check_command(ok, "L-1", public_from_text(public), now).command.action == "resend_events"


def test_enroll_prints_a_lockers_broker_login_once_and_writes_its_acl(tmp_path: Path) -> None:
    passwords, acl = tmp_path / "passwords", tmp_path / "acl"
    args = ["fleet", "enroll", "SH-0001", "--passwords", str(passwords), "--acl", str(acl)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    username, password = result.stdout.strip().splitlines()
    assert username == 'mqtt_username = "SH-0001"'
    secret = password.split('"')[1]
    assert len(secret) >= 30 and secret not in passwords.read_text()
    assert passwords.read_text().startswith("SH-0001:")
    assert "topic write lockers/SH-0001/events\n" in acl.read_text()
    assert "topic read lockers/SH-0001/cmd\n" in acl.read_text()
    assert stat.S_IMODE(acl.stat().st_mode) == 0o600


def test_enroll_refuses_a_name_that_reaches_other_lockers_topics(tmp_path: Path) -> None:
    files = ["--passwords", str(tmp_path / "p"), "--acl", str(tmp_path / "a")]
    args = ["fleet", "enroll", "+", *files]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "broker user" in result.output
