"""`locker fleet courier`: an admin's password signs each change; the PIN is printed once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from locker.centre.fleet_couriers import CourierDesk
from locker.centre.operators import add_operator
from locker.centre.store import CentreStore
from locker.cli.main import cli
from locker.domain.courier_ids import FIRST_FLEET_ID

PASSWORD = "correct horse battery"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: Ed25519PrivateKey) -> Path:
    """A centre settings file naming a store that knows two lockers, an admin and a support."""
    monkeypatch.delenv("CENTRE_FLEET_DB", raising=False)
    path = tmp_path / "centre.toml"
    path.write_text(f'fleet_db = "sqlite:///{tmp_path / "centre.db"}"\n')
    store = CentreStore(f"sqlite:///{tmp_path / 'centre.db'}")
    try:
        for locker in ("L-1", "L-2"):
            store.note_status(locker, False, time.time())
        add_operator(store, "bob", PASSWORD, "admin", root, time.time())
        add_operator(store, "alice", PASSWORD, "support", root, time.time())
    finally:
        store.close()
    return path


def courier(config: Path, *args: str, password: str = PASSWORD) -> Result:
    return CliRunner().invoke(
        cli, ["fleet", "courier", *args, "--config", str(config)], input=password + "\n"
    )


def couriers(config: Path) -> list[dict[str, object]]:
    store = CentreStore(f"sqlite:///{config.parent / 'centre.db'}")
    try:
        return CourierDesk(store).couriers()
    finally:
        store.close()


def test_add_prints_the_id_and_pin_once_and_lists_the_courier(config: Path) -> None:
    result = courier(config, "add", "--carrier", "SF", "--name", "Li Wei", "--operator", "bob")

    assert result.exit_code == 0, result.output
    courier_id, pin = result.stdout.split()
    assert int(courier_id) == FIRST_FLEET_ID and len(pin) == 8
    assert "shown once" in result.stderr and pin not in result.stderr
    listed = courier(config, "list")
    assert f"{FIRST_FLEET_ID}  SF  Li Wei  active  revision 1  lockers: waiting 2" in listed.stdout


def test_a_wrong_password_or_a_support_operator_changes_nothing(config: Path) -> None:
    wrong = courier(
        config, "add", "--carrier", "SF", "--name", "Li", "--operator", "bob", password="nope"
    )
    support = courier(config, "add", "--carrier", "SF", "--name", "Li", "--operator", "alice")

    assert wrong.exit_code == 1 and "wrong username or password" in wrong.output
    assert support.exit_code == 1 and "only an admin" in support.output
    assert "Traceback" not in wrong.output + support.output
    assert couriers(config) == []


def test_give_disable_and_badge_each_sign_a_new_revision(config: Path) -> None:
    added = courier(
        config, "add", "--carrier", "SF", "--name", "Li Wei", "--operator", "bob", "--locker", "L-1"
    )
    courier_id = added.stdout.split()[0]

    given = courier(config, "give", courier_id, "--locker", "L-2", "--operator", "bob")
    badge = courier(config, "badge", courier_id, "--operator", "bob")
    disabled = courier(config, "disable", courier_id, "--operator", "bob")

    assert given.exit_code == 0 and "2 more lockers" not in given.stderr
    assert "1 more lockers" in given.stderr
    assert badge.stdout.strip().startswith(f"CF1:{courier_id}:")
    assert "disabled at 2 lockers" in disabled.stderr
    [row] = couriers(config)
    assert (row["active"], row["revision"], row["badge"]) == (False, 3, True)


@pytest.mark.parametrize(
    "args",
    [
        ["add", "--carrier", "SF", "--name", "Li\x00Wei", "--operator", "bob"],
        ["add", "--carrier", "SF", "--name", "Li", "--operator", "bob", "--locker", "L-9"],
        ["disable", "99999999", "--operator", "bob"],
        ["badge", "12", "--operator", "bob"],
        ["give", "10000000", "--locker", "L-1", "--operator", "nobody"],
    ],
)
def test_bad_input_gets_one_clear_line(config: Path, args: list[str]) -> None:
    result = courier(config, *args)

    assert result.exit_code in (1, 2), result.output
    assert "Error" in result.output and "Traceback" not in result.output
    assert couriers(config) == []
