"""Layout documents: a good one parses whole, and each mistake is named (docs/layout.md)."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from typing import Any

import pytest

from locker.domain.errors import InvalidInputError
from locker.domain.layout import DEFAULT_BAUD, BusSpec, CompartmentSpec, parse_layout
from locker.domain.models import Address, Size

GOOD_TOML = """
[[bus]]
name = "main"
driver = "kerong"
port = "/dev/ttyUSB0"
baud = 9600

[[bus]]
name = "side_2"
driver = "bridge"

[[compartment]]
label = "A01"
size = "S"
board = 0
channel = 1

[[compartment]]
label = "A02"
size = "m"
bus = "main"
board = 0
channel = 16
low = true

[[compartment]]
label = "B101"
size = "XL"
bus = "side_2"
board = 15
channel = 1
"""

Document = dict[str, Any]


def good() -> Document:
    return tomllib.loads(GOOD_TOML)


def test_a_good_layout_parses() -> None:
    layout = parse_layout(good())
    assert layout.buses == (
        BusSpec("main", "kerong", "/dev/ttyUSB0", 9600),
        BusSpec("side_2", "bridge", None, DEFAULT_BAUD),
    )
    assert layout.compartments == (
        CompartmentSpec("A01", Size.S, Address("main", 0, 1), False),
        CompartmentSpec("A02", Size.M, Address("main", 0, 16), True),
        CompartmentSpec("B101", Size.XL, Address("side_2", 15, 1), False),
    )


def test_without_a_bus_table_there_is_one_kerong_bus_called_main() -> None:
    layout = parse_layout(
        {"compartment": [{"label": "A01", "size": "S", "board": 0, "channel": 1}]}
    )
    assert layout.buses == (BusSpec("main", "kerong", None, DEFAULT_BAUD),)
    assert layout.compartments[0].address == Address("main", 0, 1)


def test_the_same_channel_on_another_board_or_bus_is_another_address() -> None:
    document = good()
    document["compartment"] = [
        {"label": "A01", "size": "S", "board": 0, "channel": 1},
        {"label": "A02", "size": "S", "board": 1, "channel": 1},
        {"label": "A03", "size": "S", "bus": "side_2", "board": 0, "channel": 1},
    ]
    assert len(parse_layout(document).compartments) == 3


def _set(path: str, value: Any) -> Callable[[Document], None]:
    """Set `section.index.key` (or `key`) in the document."""

    def change(document: Document) -> None:
        *where, key = path.split(".")
        target: Any = document
        for part in where:
            target = target[int(part)] if part.isdigit() else target[part]
        target[key] = value

    return change


def _drop(path: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        section, index, key = path.split(".")
        del document[section][int(index)][key]

    return change


def _append_compartment(**entry: Any) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document["compartment"].append(entry)

    return change


def _append_bus(**entry: Any) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document["bus"].append(entry)

    return change


def _remove(section: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        del document[section]

    return change


# (case, change to the good document, fragment the message must contain)
BAD_LAYOUTS: list[tuple[str, Callable[[Document], None], str]] = [
    (
        "duplicate label",
        _append_compartment(label="A01", size="S", board=3, channel=3),
        "compartment A01 is declared twice",
    ),
    (
        "duplicate address",
        _append_compartment(label="C01", size="S", board=0, channel=1),
        "compartments A01 and C01 share bus main board 0 channel 1",
    ),
    ("channel 0", _set("compartment.0.channel", 0), "compartment A01: channel must be 1 to 16"),
    ("channel 17", _set("compartment.0.channel", 17), "compartment A01: channel must be 1 to 16"),
    ("board 16", _set("compartment.0.board", 16), "compartment A01: board must be 0 to 15"),
    ("board -1", _set("compartment.0.board", -1), "compartment A01: board must be 0 to 15"),
    (
        "unknown bus",
        _set("compartment.0.bus", "attic"),
        "compartment A01: bus 'attic' is not declared in [[bus]]",
    ),
    (
        "default bus main not declared",
        _set("bus", [{"name": "side"}]),
        "compartment A01: bus 'main' is not declared",
    ),
    ("bad size", _set("compartment.0.size", "XXL"), "size must be one of S, M, L, XL, not 'XXL'"),
    ("empty size", _set("compartment.0.size", ""), "size must be one of S, M, L, XL"),
    (
        "size not a string",
        _set("compartment.0.size", 1),
        "compartment A01: 'size' must be a string",
    ),
    ("lower-case label", _set("compartment.0.label", "a01"), "label 'a01' must look like A07"),
    ("label one digit", _set("compartment.0.label", "A1"), "label 'A1' must look like A07"),
    ("label four digits", _set("compartment.0.label", "A0001"), "must look like A07"),
    ("label two letters", _set("compartment.0.label", "AB01"), "must look like A07"),
    (
        "label not a string",
        _set("compartment.0.label", 1),
        "compartment #1: 'label' must be a string",
    ),
    ("missing label", _drop("compartment.1.label"), "compartment #2: 'label' is missing"),
    ("missing size", _drop("compartment.0.size"), "compartment A01: 'size' is missing"),
    ("missing board", _drop("compartment.0.board"), "compartment A01: 'board' is missing"),
    ("missing channel", _drop("compartment.0.channel"), "compartment A01: 'channel' is missing"),
    (
        "bool board",
        _set("compartment.0.board", True),
        "compartment A01: 'board' must be a whole number",
    ),
    ("bool channel", _set("compartment.0.channel", False), "'channel' must be a whole number"),
    ("float channel", _set("compartment.0.channel", 1.0), "'channel' must be a whole number"),
    ("string board", _set("compartment.0.board", "0"), "'board' must be a whole number"),
    ("low not a bool", _set("compartment.0.low", "yes"), "compartment A01: low must be true"),
    ("low as a number", _set("compartment.0.low", 1), "compartment A01: low must be true"),
    ("compartment not a table", _set("compartment", ["A01"]), "compartment #1 must be a table"),
    ("no compartments", _remove("compartment"), "the layout declares no [[compartment]]"),
    ("empty compartment list", _set("compartment", []), "declares no [[compartment]]"),
    ("compartment not a list", _set("compartment", {"label": "A01"}), "no [[compartment]]"),
    ("empty bus list", _set("bus", []), "the layout needs a list of [[bus]] tables"),
    ("bus not a list", _set("bus", {"name": "main"}), "a list of [[bus]] tables"),
    ("bus not a table", _set("bus", ["main"]), "bus #1 must be a table"),
    ("bus without a name", _drop("bus.1.name"), "bus #2: 'name' is missing"),
    ("bad bus name", _set("bus.1.name", "Side Bus"), "bus #2: name 'Side Bus' must be 1-32"),
    ("duplicate bus", _append_bus(name="main"), "two buses share a name"),
    ("unknown driver", _set("bus.0.driver", "modbus"), "bus main: driver must be one of"),
    ("port not a string", _set("bus.0.port", 0), "bus main: port must be a string"),
    ("baud zero", _set("bus.0.baud", 0), "bus main: baud must be a positive whole number"),
    ("baud negative", _set("bus.0.baud", -9600), "baud must be a positive whole number"),
    ("baud bool", _set("bus.0.baud", True), "baud must be a positive whole number"),
    ("baud text", _set("bus.0.baud", "9600"), "baud must be a positive whole number"),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [case[1:] for case in BAD_LAYOUTS],
    ids=[case[0] for case in BAD_LAYOUTS],
)
def test_a_bad_layout_is_refused_naming_the_problem(
    change: Callable[[Document], None], message: str
) -> None:
    document = good()
    change(document)
    with pytest.raises(InvalidInputError) as raised:
        parse_layout(document)
    assert message in str(raised.value)


def test_a_refused_layout_leaves_the_document_untouched() -> None:
    document = good()
    document["compartment"][0]["channel"] = 17
    before = copy.deepcopy(document)
    with pytest.raises(InvalidInputError):
        parse_layout(document)
    assert document == before


def test_a_bad_size_names_its_compartment() -> None:
    document = good()
    document["compartment"][1]["size"] = "XXL"
    with pytest.raises(InvalidInputError, match="A02"):
        parse_layout(document)
