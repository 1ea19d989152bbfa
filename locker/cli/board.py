"""`locker board`: the installer's service command, talking straight to one bus."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

import click

from locker.boards.bus_drivers import BusConnection, connect_bus
from locker.boards.port_lock import PortBusyError
from locker.cli.runtime import OneLine, Runtime, pass_runtime
from locker.composition import open_store
from locker.domain.layout import BusSpec
from locker.ports import UnlockOutcome

# Everything the command does must end within this, answer or not.
CONNECT_TIMEOUT_S = 1.0


@click.group()
@click.option(
    "--driver",
    type=click.Choice(["kerong", "bridge"]),
    default="kerong",
    show_default=True,
    help="The board's protocol.",
)
@click.option(
    "--port",
    "url",
    type=OneLine(),
    help="pyserial URL: /dev/serial/by-id/..., a pty path or socket://host:port.",
)
@click.option("--baud", type=int, default=None, help="Baud rate [kerong 19200, bridge 115200].")
@click.option(
    "--locked-bit",
    type=click.Choice(["1", "0"]),
    default="1",
    show_default=True,
    help="1 if a set status bit means locked, 0 if a cleared one does.",
)
@click.option("--item-sensors", is_flag=True, help="The board has item-present sensors.")
@click.pass_context
def board(
    click_ctx: click.Context,
    driver: str,
    url: str | None,
    baud: int | None,
    locked_bit: str,
    item_sensors: bool,
) -> None:
    """Talk to lock boards directly, for installation and service."""
    default_baud = 19200 if driver == "kerong" else 115200
    click_ctx.meta["board_spec"] = (
        driver,
        url,
        baud or default_baud,
        int(locked_bit),
        item_sensors,
    )


def _connect(click_ctx: click.Context, board_no: int) -> BusConnection:
    driver, url, baud, locked_bit, item_sensors = click_ctx.meta["board_spec"]
    if not url:
        raise click.UsageError("give the board's port: locker board --port URL ...")
    spec = BusSpec("service", driver, url, baud, locked_bit, (board_no,) if item_sensors else ())
    try:
        connection = connect_bus(spec, url)
    except PortBusyError as error:
        raise click.ClickException(str(error)) from None
    connection.bus.wait_connected(CONNECT_TIMEOUT_S)
    return connection


@board.command("status")
@click.argument("board_no", metavar="BOARD", type=click.IntRange(0, 15))
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one object per channel.")
@click.pass_context
def board_status(click_ctx: click.Context, board_no: int, as_json: bool) -> None:
    """Show the lock (and item sensor) state of every channel of one board."""
    connection = _connect(click_ctx, board_no)
    try:
        channels = connection.driver.status(board_no)
    except Exception as error:
        raise click.ClickException(f"board {board_no} did not answer: {error}") from None
    finally:
        connection.bus.stop()
    rows = [
        {"channel": s.channel, "locked": s.locked, "item_present": s.item_present}
        for s in channels.values()
    ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        item = {None: "", True: "  item", False: "  empty"}[row["item_present"]]
        click.echo(f"{row['channel']:>2}  {'locked' if row['locked'] else 'OPEN'}{item}")


@board.command("open")
@click.argument("board_no", metavar="BOARD", type=click.IntRange(0, 15))
@click.argument("channel", type=click.IntRange(1, 16))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.pass_context
@pass_runtime
def board_open(
    runtime: Runtime, click_ctx: click.Context, board_no: int, channel: int, as_json: bool
) -> None:
    """Fire one lock; exit 0 only when the board confirms the latch released."""
    started = time.monotonic()
    connection = _connect(click_ctx, board_no)
    try:
        outcome = connection.driver.open(board_no, channel)
    finally:
        connection.bus.stop()
    result: dict[str, object] = {
        "board": board_no,
        "channel": channel,
        "opened": outcome is UnlockOutcome.CONFIRMED,
    }
    messages = {
        UnlockOutcome.NOT_CONFIRMED: "the lock fired but did not report open: stuck latch?",
        UnlockOutcome.NO_ANSWER: "the board did not answer: check the address, wiring and baud",
        UnlockOutcome.NOT_SENT: "the port is not open: check the adapter and its cable",
    }
    if outcome in messages:
        result["error"] = messages[outcome]
    _audit(runtime, click_ctx, board_no, channel, outcome, time.monotonic() - started)
    click.echo(
        json.dumps(result)
        if as_json
        else f"board {board_no} channel {channel}: "
        + ("open" if result["opened"] else f"NOT opened ({result['error']})")
    )
    if not result["opened"]:
        sys.exit(1)


def _audit(
    runtime: Runtime,
    click_ctx: click.Context,
    board_no: int,
    channel: int,
    outcome: UnlockOutcome,
    seconds: float,
) -> None:
    """Record the unlock in the locker's audit log when a database is configured."""
    settings = runtime.settings
    if not settings.db.exists():
        return
    _, url, *_ = click_ctx.meta["board_spec"]
    with open_store(settings) as store:
        if not store.is_initialised():
            return
        with store.transaction():
            store.append_audit(
                "service",
                "board.open",
                f"{url} {board_no}/{channel}",
                {"outcome": outcome.value, "seconds": round(seconds, 3)},
                datetime.now(UTC),
            )


def register(cli: click.Group) -> None:
    """Add this command group to the top-level group."""
    cli.add_command(board)
