"""`locker fleet serve`: the intake, the command link, the clock watch and the console, in one
process; stopped in the reverse order of their start."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import waitress
from flask import Flask

from locker.centre.clock_watch import ClockWatch
from locker.centre.ingest import Ingest
from locker.centre.remote import CommandLink, RemoteDesk
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore
from locker.centre.web import create_console
from locker.centre.web.stream_slots import StreamSlots
from locker.wire.broker_link import BrokerAddress, BrokerLink

log = logging.getLogger(__name__)


def broker_address(settings: CentreSettings, role: str) -> BrokerAddress:
    """How one of this process's links reaches the broker: a clean start, no session kept."""
    return BrokerAddress(
        settings.mqtt_host,
        settings.mqtt_port,
        f"{settings.client_id()}-{role}",
        settings.mqtt_username,
        settings.mqtt_password,
        settings.mqtt_ca_file,
        settings.mqtt_cert_file,
        settings.mqtt_key_file,
        persistent=False,
    )


@dataclass
class Centre:
    """A started centre: its console app, and what stops it."""

    app: Flask
    slots: StreamSlots
    store: CentreStore
    stops: list[Callable[[], None]] = field(default_factory=list)
    links: list[BrokerLink] = field(default_factory=list)

    def ready(self) -> bool:
        """Whether the intake and the command link hold their subscriptions."""
        return all(link.subscribed.is_set() for link in self.links)

    def stop(self) -> None:
        """Stop what was started, the last first."""
        self.slots.stopping.set()
        for stop in reversed(self.stops):
            try:
                stop()
            except Exception:
                log.exception("stopping a part of the centre failed")
        self.stops.clear()


def start_centre(settings: CentreSettings) -> Centre:
    """Migrate the store, then start the intake, the command link and the clock watch."""
    store = CentreStore(settings.db)
    stops: list[Callable[[], None]] = [store.close]
    try:

        def make_store() -> CentreStore:
            return CentreStore(settings.db)

        ingest = Ingest(make_store, broker_address(settings, "ingest")).start()
        stops.append(ingest.stop)
        link = CommandLink(make_store, broker_address(settings, "commands")).start()
        stops.append(link.stop)
        watch = ClockWatch(make_store, settings.clock_skew_seconds).start()
        stops.append(watch.stop)
        slots = StreamSlots(settings.stream_slots)
        app = create_console(settings, store, RemoteDesk(store, link.publish), slots)
    except BaseException:
        for stop in reversed(stops):
            stop()
        raise
    return Centre(app, slots, store, stops, [ingest.link, link.link])


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the process as Ctrl-C does, so that every `finally` runs."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def listen(centre: Centre, host: str, port: int, threads: int) -> Any:
    """The console's server, bound to its address (OSError when it cannot be)."""
    return waitress.create_server(centre.app, host=host, port=port, threads=threads)


def run(centre: Centre, server: Any) -> None:
    """Serve the console until interrupted; the live streams end first."""
    try:
        server.run()
    finally:
        centre.slots.stopping.set()
        server.close()
