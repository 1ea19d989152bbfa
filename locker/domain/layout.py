"""Compartment layouts: which label, size and height sits on which bus, board and channel."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from locker.domain.errors import InvalidInputError
from locker.domain.models import Address, Size

LABEL_PATTERN = re.compile(r"[A-Z][0-9]{2,3}")
BUS_NAME_PATTERN = re.compile(r"[a-z0-9_-]{1,32}")
DRIVERS = ("kerong", "bridge")
MAX_BOARD = 15  # a Kerong address byte holds the board in four bits
MAX_CHANNEL = 16
DEFAULT_BAUD = 19200


DEFAULT_PULSE_MS = 500
MAX_PULSE_MS = 5000


@dataclass(frozen=True)
class BusSpec:
    """One serial bus, the driver that speaks on it, and its lock settings."""

    name: str
    driver: str
    port: str | None
    baud: int
    locked_bit: int = 1
    item_sensor_boards: tuple[int, ...] = ()
    pulse_ms: int = DEFAULT_PULSE_MS


@dataclass(frozen=True)
class CompartmentSpec:
    """One compartment as the layout file declares it."""

    label: str
    size: Size
    address: Address
    low: bool


@dataclass(frozen=True)
class Layout:
    """A whole cabinet: its buses and compartments, checked for consistency."""

    buses: tuple[BusSpec, ...]
    compartments: tuple[CompartmentSpec, ...]


def _field(entry: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in entry:
        raise InvalidInputError(f"{where}: '{key}' is missing")
    value = entry[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        what = "whole number" if kind is int else "string" if kind is str else kind.__name__
        raise InvalidInputError(f"{where}: '{key}' must be a {what}")
    return value


def _parse_bus(entry: Any, index: int) -> BusSpec:
    where = f"bus #{index + 1}"
    if not isinstance(entry, Mapping):
        raise InvalidInputError(f"{where} must be a table")
    name = _field(entry, "name", str, where)
    if not BUS_NAME_PATTERN.fullmatch(name):
        raise InvalidInputError(f"{where}: name {name!r} must be 1-32 of a-z, 0-9, '_' or '-'")
    driver = entry.get("driver", "kerong")
    if driver not in DRIVERS:
        raise InvalidInputError(f"bus {name}: driver must be one of {', '.join(DRIVERS)}")
    port = entry.get("port")
    if port is not None and not isinstance(port, str):
        raise InvalidInputError(f"bus {name}: port must be a string")
    baud = entry.get("baud", DEFAULT_BAUD)
    if isinstance(baud, bool) or not isinstance(baud, int) or baud <= 0:
        raise InvalidInputError(f"bus {name}: baud must be a positive whole number")
    locked_bit = entry.get("locked_bit", 1)
    if locked_bit not in (0, 1) or isinstance(locked_bit, bool):
        raise InvalidInputError(f"bus {name}: locked_bit must be 1 (bit set = locked) or 0")
    sensors = entry.get("item_sensor_boards", [])
    if not isinstance(sensors, list) or not all(
        isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= MAX_BOARD for b in sensors
    ):
        raise InvalidInputError(
            f"bus {name}: item_sensor_boards must list board numbers 0-{MAX_BOARD}"
        )
    pulse_ms = entry.get("pulse_ms", DEFAULT_PULSE_MS)
    if (
        isinstance(pulse_ms, bool)
        or not isinstance(pulse_ms, int)
        or not 0 < pulse_ms <= MAX_PULSE_MS
    ):
        raise InvalidInputError(f"bus {name}: pulse_ms must be 1 to {MAX_PULSE_MS}")
    return BusSpec(name, driver, port, baud, locked_bit, tuple(sorted(set(sensors))), pulse_ms)


def _parse_compartment(entry: Any, index: int, buses: set[str]) -> CompartmentSpec:
    where = f"compartment #{index + 1}"
    if not isinstance(entry, Mapping):
        raise InvalidInputError(f"{where} must be a table")
    label = _field(entry, "label", str, where)
    if not LABEL_PATTERN.fullmatch(label):
        raise InvalidInputError(
            f"{where}: label {label!r} must look like A07 (a capital "
            "letter and two or three digits)"
        )
    where = f"compartment {label}"
    raw_size = _field(entry, "size", str, where)
    try:
        size = Size.parse(raw_size)
    except InvalidInputError as error:
        raise InvalidInputError(f"{where}: {error}") from None
    bus = entry.get("bus", "main")
    if bus not in buses:
        raise InvalidInputError(f"{where}: bus {bus!r} is not declared in [[bus]]")
    board = _field(entry, "board", int, where)
    channel = _field(entry, "channel", int, where)
    if not 0 <= board <= MAX_BOARD:
        raise InvalidInputError(f"{where}: board must be 0 to {MAX_BOARD}")
    if not 1 <= channel <= MAX_CHANNEL:
        raise InvalidInputError(f"{where}: channel must be 1 to {MAX_CHANNEL}")
    low = entry.get("low", False)
    if not isinstance(low, bool):
        raise InvalidInputError(f"{where}: low must be true or false")
    return CompartmentSpec(label, size, Address(bus, board, channel), low)


def parse_layout(document: Mapping[str, Any]) -> Layout:
    """Check a parsed layout document whole; the first problem raises InvalidInputError."""
    raw_buses = document.get("bus", [{"name": "main"}])
    raw_compartments = document.get("compartment")
    if not isinstance(raw_buses, list) or not raw_buses:
        raise InvalidInputError("the layout needs a list of [[bus]] tables")
    if not isinstance(raw_compartments, list) or not raw_compartments:
        raise InvalidInputError("the layout declares no [[compartment]]")
    buses = tuple(_parse_bus(entry, i) for i, entry in enumerate(raw_buses))
    names = [b.name for b in buses]
    if len(set(names)) != len(names):
        raise InvalidInputError("two buses share a name")
    compartments = tuple(
        _parse_compartment(entry, i, set(names)) for i, entry in enumerate(raw_compartments)
    )
    seen_labels: set[str] = set()
    seen_addresses: dict[Address, str] = {}
    for c in compartments:
        if c.label in seen_labels:
            raise InvalidInputError(f"compartment {c.label} is declared twice")
        seen_labels.add(c.label)
        if c.address in seen_addresses:
            raise InvalidInputError(
                f"compartments {seen_addresses[c.address]} and {c.label} share bus "
                f"{c.address.bus} board {c.address.board} channel {c.address.channel}"
            )
        seen_addresses[c.address] = c.label
    return Layout(buses, compartments)
