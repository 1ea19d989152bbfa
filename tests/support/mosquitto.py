"""The tests' broker: the centre's local Mosquitto with persistent sessions saved at once."""

from __future__ import annotations

from pathlib import Path

from locker.centre.local_broker import MOSQUITTO, LocalBroker, free_port

__all__ = ["MOSQUITTO", "Broker", "free_port"]


class Broker(LocalBroker):
    """A real Mosquitto on a free loopback port; stop and start it on the same port and file."""

    def __init__(
        self,
        home: Path,
        users: dict[str, str],
        max_queued: int = 100_000,
        acl_file: Path | None = None,
        tls: tuple[Path, Path, Path] | None = None,
    ) -> None:
        super().__init__(
            home, users, persistent=True, max_queued=max_queued, acl_file=acl_file, tls=tls
        )
