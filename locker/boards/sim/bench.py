"""One simulated bus wired up: a board model, the link faults and a port, run as one."""

from __future__ import annotations

from typing import Any, Protocol

from locker.boards.sim.errors import SimulatorError
from locker.boards.sim.faults import LINK_FAULTS, LinkFaults
from locker.boards.sim.pty_port import PtyPort
from locker.boards.sim.socket_port import SocketPort


class BoardModel(Protocol):
    """What a bench needs of a simulated board: a handler for its bytes and bench actions."""

    # How often a board with a main loop of its own must run while the host is silent.
    idle_tick_s: float | None

    def __call__(self, data: bytes) -> bytes:
        """Take bytes off the bus and return the answer."""
        ...

    def close_door(self, board: int, channel: int) -> bool:
        """Shut a door; False if a fault holds it open."""
        ...

    def open_by_hand(self, board: int, channel: int) -> None:
        """Open a door with no command."""
        ...

    def put_item(self, board: int, channel: int) -> None:
        """Put something in a compartment."""
        ...

    def take_item(self, board: int, channel: int) -> None:
        """Empty a compartment."""
        ...

    def set_fault(
        self, name: str, on: bool, board: int | None = None, channel: int | None = None
    ) -> None:
        """Switch a board fault."""
        ...

    def state(self) -> dict[str, Any]:
        """The model's state, JSON-able."""
        ...


class SimBench:
    """A board model behind link faults behind a pty, or a TCP port when `listen` is given."""

    def __init__(
        self,
        model: BoardModel,
        *,
        listen: tuple[str, int] | None = None,
        baudrate: int | None = None,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.link = LinkFaults(model, seed=seed)
        self.port: PtyPort | SocketPort
        if listen is None:
            self.port = PtyPort(self.link, baudrate=baudrate, idle_tick_s=model.idle_tick_s)
        else:
            self.port = SocketPort(self.link, *listen, idle_tick_s=model.idle_tick_s)
        self.link.attach(self.port)

    @property
    def path(self) -> str:
        """What the host opens with `serial.serial_for_url`."""
        return self.port.path

    def start(self) -> None:
        """Open the port."""
        self.port.start()

    def stop(self) -> None:
        """Release delayed replies, then close the port."""
        self.link.close()
        self.port.stop()

    def __enter__(self) -> SimBench:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def set_fault(
        self,
        name: str,
        on: bool,
        board: int | None = None,
        channel: int | None = None,
        value: int | None = None,
    ) -> None:
        """Switch a link fault (with an optional value) or a board fault (on a board/channel)."""
        if name in LINK_FAULTS:
            if board is not None or channel is not None:
                raise SimulatorError(f"{name} is a fault of the whole bus, not of a channel")
            self.link.set_fault(name, on, value)
        elif value is not None:
            raise SimulatorError(f"{name} takes no value")
        else:
            self.model.set_fault(name, on, board, channel)

    def state(self) -> dict[str, Any]:
        """The model's state plus the link's, JSON-able."""
        return {"path": self.path, **self.model.state(), "link": self.link.state()}
