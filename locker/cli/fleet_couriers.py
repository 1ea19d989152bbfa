"""`locker fleet courier`: couriers added once at the centre for many lockers."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from locker.centre.fleet_couriers import CourierDesk, CourierError
from locker.centre.operators import OperatorError, OperatorSigner, operator_signer
from locker.centre.store import CentreStore
from locker.cli.fleet import config_option, fleet, open_centre_store

T = TypeVar("T")


@fleet.group()
def courier() -> None:
    """Couriers who work at every locker an admin chooses (docs/fleet.md)."""


def _signer(store: CentreStore, operator: str, password_stdin: bool) -> OperatorSigner:
    """The admin's key, opened by the password they type (or give on standard input)."""
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = str(click.prompt(f"{operator}'s password", hide_input=True))
    try:
        return operator_signer(store, operator, password)
    except OperatorError as error:
        raise click.ClickException(str(error)) from None


def _signed_change(
    config: Path | None,
    operator: str,
    password_stdin: bool,
    change: Callable[[CourierDesk, OperatorSigner], T],
) -> T:
    """Open the centre's store, the admin's key, and make one change; a refusal is one line."""
    store = open_centre_store(config)
    try:
        return change(CourierDesk(store), _signer(store, operator, password_stdin))
    except CourierError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()


def _operator_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option(
        "--password-stdin", is_flag=True, help="Read the admin's password from standard input."
    )(command)
    command = click.option(
        "--operator", required=True, help="The admin who signs the change with their key."
    )(command)
    return config_option()(command)


@courier.command("add")
@click.option("--carrier", required=True, help="The courier's carrier, as lockers show it.")
@click.option("--name", required=True, help="The courier's name.")
@click.option(
    "--locker",
    "locker_ids",
    multiple=True,
    help="A locker to hold the courier (repeat it); none: every locker the centre knows.",
)
@_operator_options
def courier_add(
    carrier: str,
    name: str,
    locker_ids: tuple[str, ...],
    operator: str,
    password_stdin: bool,
    config: Path | None,
) -> None:
    """Add a courier: print their id and PIN, shown this once."""
    added = _signed_change(
        config,
        operator,
        password_stdin,
        lambda desk, signer: desk.add(carrier, name, locker_ids or None, signer),
    )
    click.echo(
        f"Courier {added.courier_id} goes to {len(added.lockers)} lockers; "
        "the PIN is shown once (the centre keeps only its hash):",
        err=True,
    )
    click.echo(f"{added.courier_id} {added.pin}")


@courier.command("give")
@click.argument("courier_id", type=click.IntRange(1, 99_999_999))
@click.option("--locker", "locker_ids", multiple=True, required=True, help="Repeat it.")
@_operator_options
def courier_give(
    courier_id: int,
    locker_ids: tuple[str, ...],
    operator: str,
    password_stdin: bool,
    config: Path | None,
) -> None:
    """Let a courier work at more lockers."""
    added = _signed_change(
        config,
        operator,
        password_stdin,
        lambda desk, signer: desk.extend(courier_id, locker_ids, signer),
    )
    click.echo(f"Courier {courier_id} goes to {added} more lockers.", err=True)


@courier.command("disable")
@click.argument("courier_id", type=click.IntRange(1, 99_999_999))
@_operator_options
def courier_disable(
    courier_id: int, operator: str, password_stdin: bool, config: Path | None
) -> None:
    """Disable a courier at every locker that holds them, as each comes online."""
    held = _signed_change(
        config, operator, password_stdin, lambda desk, signer: desk.disable(courier_id, signer)
    )
    click.echo(f"Courier {courier_id} is disabled at {held} lockers.", err=True)


@courier.command("badge")
@click.argument("courier_id", type=click.IntRange(1, 99_999_999))
@_operator_options
def courier_badge(
    courier_id: int, operator: str, password_stdin: bool, config: Path | None
) -> None:
    """Print a new badge's QR text for the courier; their old badge stops working."""
    text = _signed_change(
        config, operator, password_stdin, lambda desk, signer: desk.new_badge(courier_id, signer)
    )
    click.echo(f"Courier {courier_id}'s new badge (print it as a QR code):", err=True)
    click.echo(text)


@courier.command("list")
@config_option()
def courier_list(config: Path | None) -> None:
    """Every fleet courier, and how many lockers hold, await or refused their latest change."""
    store = open_centre_store(config)
    try:
        rows = CourierDesk(store).couriers()
    finally:
        store.close()
    for row in rows:
        states = ", ".join(f"{state} {count}" for state, count in sorted(row["lockers"].items()))
        status = "active" if row["active"] else "disabled"
        click.echo(
            f"{row['id']}  {row['carrier']}  {row['name']}  {status}  "
            f"revision {row['revision']}  lockers: {states or 'none'}"
        )
