"""The `locker` command group and the set-up commands."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import click

from locker import __version__
from locker.cli.demo_setup import echo_seed
from locker.cli.runtime import PlainPath, Runtime, pass_runtime, read_secret
from locker.composition import configure_logging
from locker.demo_seed import seed_demo
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml

# The fleet's commands bring the centre's libraries (SQLAlchemy, APIFlask, pydantic: about
# 30 MB resident), which the locker itself never uses: `locker run` must not carry them.
LAZY_GROUPS = {"fleet": "locker.cli.fleet"}


class LockerGroup(click.Group):
    """The top-level group; a group in `LAZY_GROUPS` is imported only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, the lazy ones among them."""
        return sorted({*super().list_commands(ctx), *LAZY_GROUPS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module first if it is a lazy one."""
        if cmd_name in LAZY_GROUPS and cmd_name not in self.commands:
            importlib.import_module(LAZY_GROUPS[cmd_name]).register(self)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LockerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=PlainPath(dir_okay=False, path_type=Path),
    envvar="LOCKER_DB",
    help="SQLite database file [env LOCKER_DB; default var/locker.db].",
)
@click.option(
    "--config",
    type=PlainPath(dir_okay=False, path_type=Path),
    envvar="LOCKER_CONFIG",
    help="TOML settings file [env LOCKER_CONFIG].",
)
@click.version_option(__version__, prog_name="locker")
@click.pass_context
def cli(click_ctx: click.Context, db: Path | None, config: Path | None) -> None:
    """Controller for a contactless self-service parcel locker."""
    # Every command's log lines go through the phone masking; `locker run` turns up to INFO.
    configure_logging(logging.WARNING)
    click_ctx.obj = Runtime(db=db, config=config)


@cli.command()
@click.option("--locker-id", required=True, help="Letters, digits and '-', up to 32.")
@click.option("--name", required=True, help="The name shown on screens and in messages.")
@click.option("--address", default="", help="Where the locker stands.")
@click.option(
    "--admin", "admin", default="admin", show_default=True, help="First admin's username."
)
@click.option("--password-stdin", is_flag=True, help="Read the admin password from stdin.")
@pass_runtime
def init(
    runtime: Runtime, locker_id: str, name: str, address: str, admin: str, password_stdin: bool
) -> None:
    """Create the database, the locker's secret and the first admin."""
    password = read_secret(password_stdin, "Admin password")
    with runtime.context(require_locker=False) as ctx:
        init_locker(ctx, locker_id, name, address, admin, password)
    click.echo(f"Locker {locker_id} created in {runtime.settings.db}; admin: {admin}")


@cli.group()
def layout() -> None:
    """The compartment layout: labels, sizes and lock addresses."""


@layout.command("load")
@click.argument("file", type=PlainPath(exists=True, dir_okay=False, path_type=Path))
@pass_runtime
def layout_load(runtime: Runtime, file: Path) -> None:
    """Load a layout TOML file (see docs/layout.md); a bad file loads nothing."""
    parsed = parse_layout_toml(file.read_text(encoding="utf-8"))
    with runtime.context() as ctx:
        load_layout(ctx, parsed, "cli")
    click.echo(
        f"Loaded {len(parsed.compartments)} compartments on {len(parsed.buses)} bus(es) from {file}"
    )


@cli.command()
@pass_runtime
def demo(runtime: Runtime) -> None:
    """Seed a demo layout, couriers and parcels, and print their codes once."""
    with runtime.context() as ctx:
        seed = seed_demo(ctx)
        locker_id = ctx.store.locker().locker_id
    echo_seed(seed, locker_id)


from locker.cli import (  # noqa: E402
    audit,
    board,
    maintenance,
    outbox,
    parcels,
    people,
    scan,
    serve,
    sim_board,
    sounds,
)

for module in (
    people,
    parcels,
    outbox,
    audit,
    maintenance,
    serve,
    board,
    sim_board,
    scan,
    sounds,
):
    module.register(cli)


if __name__ == "__main__":
    cli()
