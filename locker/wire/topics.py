"""The MQTT topics between a locker and the centre (docs/fleet.md has the table)."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "lockers"
# Centre processes split the lockers' streams through one MQTT 5 shared subscription group.
SHARE_GROUP = "centre"


@dataclass(frozen=True)
class LockerTopics:
    """The topics one locker publishes and listens on."""

    locker_id: str

    @property
    def events(self) -> str:
        return f"{PREFIX}/{self.locker_id}/events"

    @property
    def events_ack(self) -> str:
        return f"{PREFIX}/{self.locker_id}/events/ack"

    @property
    def state(self) -> str:
        return f"{PREFIX}/{self.locker_id}/state"

    @property
    def outbox(self) -> str:
        return f"{PREFIX}/{self.locker_id}/outbox"

    @property
    def status(self) -> str:
        return f"{PREFIX}/{self.locker_id}/status"

    @property
    def cmd(self) -> str:
        return f"{PREFIX}/{self.locker_id}/cmd"

    @property
    def cmd_result(self) -> str:
        return f"{PREFIX}/{self.locker_id}/cmd/result"


def every_locker(subtopic: str) -> str:
    """One kind of topic from every locker, as a subscription of each centre process's own."""
    return f"{PREFIX}/+/{subtopic}"


def shared(subtopic: str) -> str:
    """The centre's shared subscription to one kind of topic from every locker."""
    return f"$share/{SHARE_GROUP}/{every_locker(subtopic)}"


def locker_of(topic: str) -> str | None:
    """The locker id a topic names, or None for a topic outside `lockers/`."""
    parts = topic.split("/")
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    return parts[1]
