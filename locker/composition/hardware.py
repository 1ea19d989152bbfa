"""Starting the lock boards a layout describes: one bus connection each, and door events.

`start_hardware` opens every bus of the layout on its port; in demo mode each bus gets an
in-process simulator on a pseudo-terminal instead, spoken to through the same pyserial path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from locker.boards.bus_drivers import BusConnection, connect_bus
from locker.boards.router import BoardRouter
from locker.boards.status_poller import StatusPoller
from locker.domain.layout import BusSpec
from locker.domain.models import Compartment
from locker.domain.states import CompartmentState
from locker.ports import DoorEvent

log = logging.getLogger(__name__)


class HardwareConfigError(Exception):
    """The layout cannot be driven as it stands; the message says what to set."""


@dataclass
class Hardware:
    """The started buses, their pollers and (in demo mode) simulators; stop() ends them all."""

    board: BoardRouter
    connections: list[BusConnection] = field(default_factory=list)
    pollers: list[StatusPoller] = field(default_factory=list)
    simulators: dict[str, Any] = field(default_factory=dict)
    # Only the simulators started here are stopped here: boards brought by the caller outlive
    # the locker, as real boards do.
    owns_simulators: bool = True

    def stop(self) -> None:
        """Stop polling, close the ports, stop the simulators."""
        for poller in self.pollers:
            poller.stop()
        for connection in self.connections:
            connection.bus.stop()
        if self.owns_simulators:
            for bench in self.simulators.values():
                bench.stop()


def expected_doors(compartments: Sequence[Compartment], bus: str) -> dict[tuple[int, int], bool]:
    """Whether the records expect each door of a bus to be shut: all but the open ones."""
    return {
        (c.address.board, c.address.channel): c.state is not CompartmentState.OPEN
        for c in compartments
        if c.address.bus == bus
    }


def boards_by_bus(compartments: Sequence[Compartment]) -> dict[str, set[int]]:
    """Which board numbers the layout uses on each bus."""
    found: dict[str, set[int]] = {}
    for c in compartments:
        found.setdefault(c.address.bus, set()).add(c.address.board)
    return found


def start_demo_simulators(
    buses: Sequence[BusSpec], compartments: Sequence[Compartment]
) -> dict[str, Any]:
    """One simulated bus per layout bus, on a pty, with as many boards as the layout uses."""
    from locker.boards.sim.bench import SimBench
    from locker.boards.sim.bridge_sim import BridgeSimulator
    from locker.boards.sim.kerong_sim import KerongSimulator

    used = boards_by_bus(compartments)
    benches: dict[str, Any] = {}
    for spec in buses:
        count = max(used.get(spec.name, {0})) + 1
        model: Any
        if spec.driver == "kerong":
            model = KerongSimulator(
                boards=count, locked_bit=spec.locked_bit, item_sensors=bool(spec.item_sensor_boards)
            )
        else:
            model = BridgeSimulator(boards=count, item_sensors=bool(spec.item_sensor_boards))
        bench = SimBench(model, baudrate=spec.baud)
        bench.start()
        benches[spec.name] = bench
    return benches


def start_hardware(
    buses: Sequence[BusSpec],
    compartments: Sequence[Compartment],
    on_event: Callable[[DoorEvent], None],
    *,
    demo: bool = False,
    simulators: Mapping[str, Any] | None = None,
    poll_interval_s: float = 0.5,
    reply_timeout_s: float | None = None,
    retries: int | None = None,
) -> Hardware:
    """Open every bus of the layout and start its door events; stop what started on failure.

    In demo mode every bus gets a simulator; `simulators` (started benches by bus name) lets a
    caller bring its own, e.g. one that watches the wire. The reply timeout and retries apply
    to every bus; None keeps each transport's own.
    """
    brought = simulators is not None
    if simulators is not None:
        demo = True
    elif demo:
        simulators = start_demo_simulators(buses, compartments)
    else:
        simulators = {}
    urls: Mapping[str, str | None] = (
        {name: bench.path for name, bench in simulators.items()}
        if demo
        else {spec.name: spec.port for spec in buses}
    )
    hardware = Hardware(BoardRouter({}), simulators=dict(simulators), owns_simulators=not brought)
    used = boards_by_bus(compartments)
    try:
        for spec in buses:
            url = urls.get(spec.name)
            if not url:
                raise HardwareConfigError(
                    f"bus {spec.name} has no port: set `port` in the layout "
                    "(docs/layout.md), or run with --demo to use simulated boards"
                )
            connection = connect_bus(spec, url, reply_timeout_s=reply_timeout_s, retries=retries)
            hardware.connections.append(connection)
            hardware.board.drivers[spec.name] = connection.driver
            if not connection.pushes_events:
                poller = StatusPoller(
                    spec.name,
                    used.get(spec.name, set()),
                    connection.driver.status,
                    on_event,
                    poll_interval_s,
                    take_unlocked=getattr(connection.driver, "take_unlocked", set),
                    expected_closed=expected_doors(compartments, spec.name),
                )
                connection.bus.on_reconnect = poller.resync
                if hasattr(connection.driver, "on_door_hint"):
                    connection.driver.on_door_hint = poller.resync
                hardware.pollers.append(poller.start())
    except BaseException:
        hardware.stop()
        raise
    return hardware
