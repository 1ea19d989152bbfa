"""`locker fleet carrier add` prints a token once; `revoke` ends it; both read `--config`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from locker.centre.carriers import carrier_of_token
from locker.centre.store import CentreStore
from locker.cli.main import cli


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A centre settings file naming a fresh store."""
    monkeypatch.delenv("CENTRE_FLEET_DB", raising=False)
    path = tmp_path / "centre.toml"
    path.write_text(f'fleet_db = "sqlite:///{tmp_path / "centre.db"}"\n')
    return path


def _store(config: Path) -> CentreStore:
    return CentreStore(f"sqlite:///{config.parent / 'centre.db'}")


def test_add_prints_the_token_once_on_its_own_line(config: Path) -> None:
    result = CliRunner().invoke(cli, ["fleet", "carrier", "add", "acme", "--config", str(config)])

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token and "shown once" in result.stderr
    store = _store(config)
    try:
        assert carrier_of_token(store, token) == "acme"
    finally:
        store.close()


def test_adding_an_active_carrier_again_fails_with_a_clear_message(config: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["fleet", "carrier", "add", "acme", "--config", str(config)])

    result = runner.invoke(cli, ["fleet", "carrier", "add", "acme", "--config", str(config)])

    assert result.exit_code == 1
    assert "already" in result.output and "revoke" in result.output
    assert "Traceback" not in result.output


def test_revoke_ends_the_token(config: Path) -> None:
    runner = CliRunner()
    token = runner.invoke(
        cli, ["fleet", "carrier", "add", "acme", "--config", str(config)]
    ).stdout.strip()

    result = runner.invoke(cli, ["fleet", "carrier", "revoke", "acme", "--config", str(config)])

    assert result.exit_code == 0, result.output
    store = _store(config)
    try:
        assert carrier_of_token(store, token) is None
    finally:
        store.close()
    again = runner.invoke(cli, ["fleet", "carrier", "revoke", "acme", "--config", str(config)])
    assert again.exit_code == 1 and "no active carrier 'acme'" in again.output


def test_a_bad_name_or_setting_fails_in_one_line(config: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bad_name = runner.invoke(cli, ["fleet", "carrier", "add", "a\x00b", "--config", str(config)])
    assert bad_name.exit_code == 1 and "carrier name" in bad_name.output

    wrong = tmp_path / "wrong.toml"
    wrong.write_text("prot = 1\n")
    result = runner.invoke(cli, ["fleet", "carrier", "add", "acme", "--config", str(wrong)])
    assert result.exit_code == 1 and "unknown setting 'prot'" in result.output
