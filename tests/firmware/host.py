"""A minimal host for the tests: numbers commands, decodes what comes back, acknowledges events."""

from __future__ import annotations

from collections.abc import Callable

from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p


class Host:
    """Talks to a bytes-in, bytes-out board handler (SimBoard or SimBus)."""

    def __init__(self, handler: Callable[[bytes], bytes], address: int = 1, seq: int = 0) -> None:
        self.handler = handler
        self.address = address
        self.seq = seq
        self.decoder = p.Decoder()

    def send(self, code: int, payload: bytes = b"", seq: int | None = None) -> list[p.Frame]:
        """Send one command (a new seq unless one is given); return every frame that came back."""
        if seq is None:
            self.seq = p.next_seq(self.seq)
            seq = self.seq
        return self.take(self.handler(p.encode_frame(self.address, seq, code, payload)))

    def take(self, data: bytes) -> list[p.Frame]:
        """Decode bytes the board sent."""
        return self.decoder.feed(data)

    def ask(self, code: int, payload: bytes = b"") -> p.Frame:
        """Send one command and return its reply (events that came along are left out)."""
        frames = self.send(code, payload)
        replies = [f for f in frames if f.code != p.EVENT]
        assert len(replies) == 1, frames
        assert replies[0].seq == self.seq
        return replies[0]

    def identify(self) -> pl.Identity:
        """Start a session."""
        reply = self.ask(p.CMD_IDENTIFY)
        assert reply.code == p.RSP_IDENTIFY, reply
        return pl.decode_identify(reply.payload)

    def unlock(self, channel: int, pulse_ms: int = 300) -> p.Frame:
        """Fire a lock; the raw reply (an UNLOCK reply or an ERROR)."""
        return self.ask(p.CMD_UNLOCK, pl.encode_unlock(channel, pulse_ms))

    def status(self) -> pl.Status:
        """Every channel's state."""
        reply = self.ask(p.CMD_STATUS)
        assert reply.code == p.RSP_STATUS, reply
        return pl.decode_status(reply.payload)

    def heartbeat(self) -> pl.Heartbeat:
        """Uptime and counters."""
        reply = self.ask(p.CMD_HEARTBEAT)
        assert reply.code == p.RSP_HEARTBEAT, reply
        return pl.decode_heartbeat(reply.payload)

    def ack(self, event: p.Frame) -> list[p.Frame]:
        """Acknowledge one event."""
        return self.take(self.handler(p.encode_frame(self.address, event.seq, p.CMD_ACK)))


def events(frames: list[p.Frame]) -> list[pl.Event]:
    """The door events among some frames."""
    return [pl.decode_event(f.payload) for f in frames if f.code == p.EVENT]


def error_of(frame: p.Frame) -> int:
    """The error code of an ERROR reply."""
    assert frame.code == p.RSP_ERROR, frame
    return pl.decode_error(frame.payload)
