"""Every `locker` command is in the README and has help text."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from locker.cli.main import cli
from tests.cli.conftest import command_paths

README = Path(__file__).resolve().parents[2] / "README.md"
ALL_COMMANDS = list(command_paths())


def test_the_command_walk_finds_the_nested_commands():
    paths = {" ".join(path) for path, _ in ALL_COMMANDS}
    assert {"locker init", "locker layout load", "locker audit verify"} <= paths


@pytest.mark.parametrize(
    ("path", "command"), ALL_COMMANDS, ids=[" ".join(p) for p, _ in ALL_COMMANDS]
)
def test_every_command_is_documented_in_the_readme(path: tuple[str, ...], command: click.Command):
    assert f"`{' '.join(path)}" in README.read_text(encoding="utf-8"), (
        f"add `{' '.join(path)}` to the command table in README.md"
    )


@pytest.mark.parametrize(
    ("path", "command"), ALL_COMMANDS, ids=[" ".join(p) for p, _ in ALL_COMMANDS]
)
def test_every_command_has_help_text(path: tuple[str, ...], command: click.Command):
    result = CliRunner().invoke(cli, [*path[1:], "--help"], prog_name="locker")

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: {' '.join(path)} ")
    assert command.callback is not None and (command.callback.__doc__ or "").strip()
    assert command.help and command.help.strip()
    # click wraps the help text to the terminal width: compare the words.
    assert " ".join(command.help.split()[:8]) in " ".join(result.output.split())


def test_the_top_level_command_has_help_and_a_version():
    runner = CliRunner()
    assert runner.invoke(cli, ["--help"]).exit_code == 0
    assert runner.invoke(cli, ["-h"]).exit_code == 0
    version = runner.invoke(cli, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("locker, version ")
