"""docs/protocol-bridge.md stays true: its constants and hex dumps are checked against the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firmware_bridge.firmware import board
from firmware_bridge.firmware import payloads as pl
from firmware_bridge.firmware import protocol as p

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol-bridge.md"
TEXT = DOC.read_text(encoding="utf-8")
# Each worked example: its title line in the doc, and the frame the code builds for it.
EXAMPLES = {
    "IDENTIFY, host to board 1, seq 0x10": p.encode_frame(1, 0x10, p.CMD_IDENTIFY),
    "IDENTIFY reply: protocol 1, 8 channels, item sensors, bridge-fw 0.1.0": p.encode_frame(
        1, 0x10, p.RSP_IDENTIFY, pl.encode_identify(8, True, board.FIRMWARE_VERSION)
    ),
    "UNLOCK channel 3 for 500 ms, seq 0x11": p.encode_frame(
        1, 0x11, p.CMD_UNLOCK, pl.encode_unlock(3, 500)
    ),
    "UNLOCK reply: fired, door open, latch held again, compartment empty": p.encode_frame(
        1, 0x11, p.RSP_UNLOCK, pl.encode_unlock_reply(3, True, 0x09)
    ),
    "STATUS, seq 0x12": p.encode_frame(1, 0x12, p.CMD_STATUS),
    "STATUS reply: 8 channels, door 3 open, items in 1 and 5": p.encode_frame(
        1, 0x12, p.RSP_STATUS, pl.encode_status(8, True, 0x00FF, 0x00FB, 0x0011)
    ),
    "HEARTBEAT, seq 0x13": p.encode_frame(1, 0x13, p.CMD_HEARTBEAT),
    "HEARTBEAT reply: up 123.5 s, 42nd heartbeat, 1 frame dropped, no event waiting": (
        p.encode_frame(1, 0x13, p.RSP_HEARTBEAT, pl.encode_heartbeat(123500, 42, 1, 0))
    ),
    "EVENT 0: door 3 closed with an item inside, at 123.456 s": p.encode_frame(
        1, 0x00, p.EVENT, pl.encode_event(3, p.EVENT_DOOR_CLOSED, 0x0F, 123456)
    ),
    "ACK of event 0": p.encode_frame(1, 0x00, p.CMD_ACK),
    "ERROR: not identified, the board has restarted": p.encode_frame(
        1, 0x14, p.RSP_ERROR, pl.encode_error(p.ERR_NOT_IDENTIFIED)
    ),
}


def documented_examples() -> dict[str, str]:
    """Title line to hex line of every ```frame block."""
    blocks = re.findall(r"^```frame\n(.+)\n(.+)\n```$", TEXT, flags=re.MULTILINE)
    return dict(blocks)


def documented_constants() -> dict[str, str]:
    """Every table row that starts with a `NAME` and a `value`."""
    rows = re.findall(r"^\| `([A-Z_]+)` \| `(0x[0-9A-F]+|\d+)` \|", TEXT, flags=re.MULTILINE)
    return dict(rows)


def test_every_example_in_the_doc_is_checked() -> None:
    assert set(documented_examples()) == set(EXAMPLES)


@pytest.mark.parametrize("title", sorted(EXAMPLES))
def test_example_hex_matches_the_code(title: str) -> None:
    shown = documented_examples()[title]
    assert shown == p.hexdump(EXAMPLES[title])
    assert len(p.Decoder().feed(bytes.fromhex(shown))) == 1


def test_documented_constants_match_the_code() -> None:
    constants = documented_constants()
    assert len(constants) > 30
    for name, shown in constants.items():
        value = getattr(p, name, None)
        if value is None:
            value = getattr(board, name)
        assert int(shown, 0) == value, f"{name}: the doc says {shown}, the code {value}"


def test_every_code_error_and_state_bit_is_documented() -> None:
    constants = documented_constants()
    prefixes = ("CMD_", "RSP_", "ERR_", "STATE_")
    names = {name for name in dir(p) if name.startswith(prefixes)} | {"EVENT"}
    assert names <= set(constants)
    kinds = dict(re.findall(r"`(EVENT_DOOR_\w+)` is `(0x[0-9A-F]+)`", TEXT))
    assert {name: int(v, 16) for name, v in kinds.items()} == {
        "EVENT_DOOR_OPENED": p.EVENT_DOOR_OPENED,
        "EVENT_DOOR_CLOSED": p.EVENT_DOOR_CLOSED,
    }


def test_crc_definition_and_check_value_match() -> None:
    assert "`0x1021`" in TEXT and "`0xFFFF`" in TEXT and "`0x29B1`" in TEXT
    assert (p.CRC_POLY, p.CRC_INIT, p.CRC_CHECK) == (0x1021, 0xFFFF, 0x29B1)
    assert p.crc16(b"123456789") == p.CRC_CHECK
    assert f"`PROTOCOL_VERSION` is `{p.PROTOCOL_VERSION}`" in TEXT


def test_timing_advice_matches_the_helpers() -> None:
    assert "A 500 ms pulse gives 580 ms" in TEXT
    assert p.unlock_reply_timeout_ms(500) == 580
