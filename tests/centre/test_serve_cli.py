"""`locker fleet serve` refuses wrong settings, and a foreign folder for its demo, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from locker.cli.main import cli


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("CENTRE_PORT", "CENTRE_FLEET_DB", "LOCKER_DEMO_ID"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_a_wrong_setting_stops_the_centre_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "centre.toml"
    config.write_text("prot = 8100\n")
    result = runner.invoke(cli, ["fleet", "serve", "--config", str(config)])
    assert result.exit_code == 1
    assert "unknown setting 'prot'" in result.output and "Traceback" not in result.output

    result = runner.invoke(cli, ["fleet", "serve"], env={"CENTRE_PORT": "eighty"})
    assert result.exit_code == 1 and "CENTRE_PORT" in result.output


def test_the_demo_never_clears_a_folder_it_did_not_make(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")

    result = runner.invoke(cli, ["fleet", "serve", "--demo", "--demo-dir", str(folder)])

    assert result.exit_code == 1 and "was not made by the demo" in result.output
    assert (folder / "notes.txt").read_text() == "keep me"


def test_a_demo_locker_takes_another_id_only_with_the_demo_prefix(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "other.db"
    result = runner.invoke(
        cli, ["--db", str(db), "run", "--demo"], env={"LOCKER_DEMO_ID": "SHOP-001"}
    )
    assert result.exit_code == 1 and "must start with DEMO-" in result.output
    assert not db.exists()
