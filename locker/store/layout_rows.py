"""Buses and compartments in the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlite_utils

from locker.domain.layout import BusSpec, Layout
from locker.domain.models import Address, Compartment
from locker.domain.states import CompartmentState, ParcelState
from locker.store.codec import compartment_from_row, time_text
from locker.store.errors import StoreError

_INSIDE = tuple(s.value for s in ParcelState.inside())


class LayoutRows:
    """Queries on the buses and compartments tables."""

    db: sqlite_utils.Database

    def compartments(self, state: CompartmentState | None = None) -> Sequence[Compartment]:
        """Every compartment, or those in one state, by label."""
        if state is None:
            rows = self.db.query("SELECT * FROM compartments ORDER BY label")
        else:
            rows = self.db.query(
                "SELECT * FROM compartments WHERE state = ? ORDER BY label", [state.value]
            )
        return [compartment_from_row(r) for r in rows]

    def compartment(self, label: str) -> Compartment:
        """One compartment, or KeyError naming it."""
        for row in self.db.query("SELECT * FROM compartments WHERE label = ?", [label]):
            return compartment_from_row(row)
        raise KeyError(f"no compartment {label}")

    def compartment_at(self, address: Address) -> Compartment | None:
        """The compartment wired to a bus, board and channel, if any."""
        for row in self.db.query(
            "SELECT * FROM compartments WHERE bus = ? AND board = ? AND channel = ?",
            [address.bus, address.board, address.channel],
        ):
            return compartment_from_row(row)
        return None

    def set_compartment_state(self, label: str, state: CompartmentState) -> None:
        """Store a compartment's state; the caller checked the move against the table."""
        self.db.execute("UPDATE compartments SET state = ? WHERE label = ?", [state.value, label])

    def record_door_opened(self, label: str, at: datetime) -> None:
        """Remember that the board reported this door opening."""
        self.db.execute(
            "UPDATE compartments SET door_opened_at = ? WHERE label = ?", [time_text(at), label]
        )

    def record_door_closed(self, label: str, at: datetime) -> None:
        """Remember that the board reported this door shutting."""
        self.db.execute(
            "UPDATE compartments SET door_closed_at = ? WHERE label = ?", [time_text(at), label]
        )

    def buses(self) -> Sequence[BusSpec]:
        """Every bus of the layout."""
        rows = self.db.query("SELECT * FROM buses ORDER BY name")
        return [
            BusSpec(
                r["name"],
                r["driver"],
                r["port"],
                r["baud"],
                r["locked_bit"],
                tuple(json.loads(r["item_sensor_boards"])),
                r["pulse_ms"],
            )
            for r in rows
        ]

    def load_layout(self, layout: Layout) -> None:
        """Replace the layout in one go; refuse if it would drop or move a parcel's door."""
        held = {
            r["compartment"]
            for r in self.db.query(
                f"SELECT compartment FROM parcels WHERE compartment IS NOT NULL "
                f"AND state IN ({','.join('?' * len(_INSIDE))})",
                list(_INSIDE),
            )
        }
        new_labels = {c.label for c in layout.compartments}
        dropped = sorted(held - new_labels)
        if dropped:
            raise StoreError(
                f"the layout leaves out {', '.join(dropped)}, which hold parcels: "
                "take the parcels out first"
            )
        current = {c.label: c.address for c in self.compartments()}
        moved = sorted(
            c.label
            for c in layout.compartments
            if c.label in held and current[c.label] != c.address
        )
        if moved:
            # A recipient's code must keep firing the lock their parcel is behind.
            raise StoreError(
                f"the layout moves {', '.join(moved)} to another lock while they hold parcels: "
                "take the parcels out first"
            )
        # Park every existing door on a unique placeholder channel first, so that a layout
        # that swaps two doors' channels does not trip the (bus, board, channel) uniqueness.
        self.db.execute("UPDATE compartments SET channel = -rowid")
        for bus in layout.buses:
            self.db.execute(
                "INSERT INTO buses (name, driver, port, baud, locked_bit, item_sensor_boards, "
                "pulse_ms) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET driver = excluded.driver, "
                "port = excluded.port, baud = excluded.baud, locked_bit = excluded.locked_bit, "
                "item_sensor_boards = excluded.item_sensor_boards, pulse_ms = excluded.pulse_ms",
                [
                    bus.name,
                    bus.driver,
                    bus.port,
                    bus.baud,
                    bus.locked_bit,
                    json.dumps(list(bus.item_sensor_boards)),
                    bus.pulse_ms,
                ],
            )
        for spec in layout.compartments:
            self.db.execute(
                "INSERT INTO compartments (label, size, bus, board, channel, low, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'free') ON CONFLICT(label) DO UPDATE SET "
                "size = excluded.size, bus = excluded.bus, board = excluded.board, "
                "channel = excluded.channel, low = excluded.low",
                [
                    spec.label,
                    spec.size.value,
                    spec.address.bus,
                    spec.address.board,
                    spec.address.channel,
                    int(spec.low),
                ],
            )
        labels = sorted(new_labels)
        self.db.execute(
            f"DELETE FROM compartments WHERE label NOT IN ({','.join('?' * len(labels))})",
            labels,
        )
        names = [b.name for b in layout.buses]
        self.db.execute(
            f"DELETE FROM buses WHERE name NOT IN ({','.join('?' * len(names))})", names
        )
