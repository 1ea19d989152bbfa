"""`locker sim-board`: simulated lock boards on a pty or TCP port, for tests and demos."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import click

from locker.boards.kerong_protocol import BOARDS
from locker.boards.kerong_protocol import DEFAULT_BAUD as KERONG_BAUD
from locker.boards.sim import KerongSimulator, SimBench, SimulatorError
from locker.boards.sim.bench import BoardModel
from locker.boards.sim.control import ControlServer


def _host_port(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, int] | None:
    """Split and check HOST:PORT, where PORT may be 0 for any free port."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    # A host with a NUL or CR/LF, or digits int() reads but no port number uses ("²"), are
    # refused here rather than by a traceback from the socket.
    numeric = port.isascii() and port.isdigit() and len(port) <= 5
    if not (sep and host and host.isprintable() and numeric) or int(port) > 65535:
        raise click.BadParameter(f"{value!r} is not HOST:PORT")
    return host, int(port)


@click.command("sim-board")
@click.option(
    "--driver",
    type=click.Choice(["kerong", "bridge"]),
    default="kerong",
    show_default=True,
    help="Which boards to simulate.",
)
@click.option(
    "--boards",
    type=click.IntRange(1, BOARDS),
    default=1,
    show_default=True,
    help="Boards on the bus, numbered from 0.",
)
@click.option(
    "--listen",
    metavar="HOST:PORT",
    callback=_host_port,
    help="Serve TCP on HOST:PORT instead of a pty.",
)
@click.option(
    "--control",
    metavar="HOST:PORT",
    callback=_host_port,
    help="Serve the line-command control on HOST:PORT.",
)
@click.option(
    "--baud",
    type=int,
    help="The boards' line speed [kerong 19200, bridge 115200]; on a pty a host at another "
    "speed gets no answer.",
)
@click.option(
    "--locked-bit",
    type=click.IntRange(0, 1),
    default=1,
    show_default=True,
    help="Kerong: the status bit value that means locked.",
)
@click.option("--no-item-sensors", is_flag=True, help="Boards without item sensors.")
@click.option(
    "--unlock-replies-with-status",
    is_flag=True,
    help="Kerong: answer an unlock with a status frame.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random faults.")
def sim_board(
    driver: str,
    boards: int,
    listen: tuple[str, int] | None,
    control: tuple[str, int] | None,
    baud: int | None,
    locked_bit: int,
    no_item_sensors: bool,
    unlock_replies_with_status: bool,
    seed: int,
) -> None:
    """Simulate lock boards until SIGINT or SIGTERM; the first line out is the port to open."""
    model: BoardModel
    if driver == "bridge":
        if locked_bit != 1 or unlock_replies_with_status:
            raise click.UsageError("--locked-bit and --unlock-replies-with-status are for kerong")
        model, default_baud = _bridge_model(boards, not no_item_sensors)
    else:
        model, default_baud = (
            KerongSimulator(
                boards=boards,
                locked_bit=locked_bit,
                item_sensors=not no_item_sensors,
                unlock_replies_with_status=unlock_replies_with_status,
                seed=seed,
            ),
            KERONG_BAUD,
        )
    baud = baud or default_baud
    try:
        bench = SimBench(model, listen=listen, baudrate=None if listen else baud, seed=seed)
    except (SimulatorError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        with bench:
            # The path comes first and alone, so a parent process can read one line and go.
            click.echo(bench.path)
            server = ControlServer(bench, *control) if control else None
            if server is not None:
                server.start()
                click.echo(f"control {server.address}")
            sys.stdout.flush()
            click.echo(f"{driver}: {boards} board(s) at {baud} baud on {bench.path}", err=True)
            try:
                stopping.wait()
            finally:
                if server is not None:
                    server.stop()
    except OSError as error:
        raise click.ClickException(str(error)) from None


def _bridge_model(boards: int, item_sensors: bool) -> tuple[BoardModel, int]:
    # Imported here: the bridge model lives in firmware_bridge, which a kerong run never needs.
    try:
        from locker.boards.sim import bridge_sim
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("firmware_bridge"):
            raise
        raise click.ClickException(
            f"--driver bridge is not available: {error.name} cannot be imported"
        ) from None
    return bridge_sim.BridgeSimulator(boards, item_sensors), bridge_sim.DEFAULT_BAUD


def register(cli: click.Group) -> None:
    """Add `sim-board` to the `locker` command group."""
    cli.add_command(sim_board)


if __name__ == "__main__":
    sim_board(prog_name="locker sim-board")
