"""docs/protocol-kerong.md stays true: its hex examples are what the code builds and reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from locker.boards import kerong_protocol as kp
from locker.boards.sim.control import COMMANDS
from locker.boards.sim.faults import BOARD_FAULTS, LINK_FAULTS
from locker.boards.sim.kerong_sim import false_release

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol-kerong.md").read_text("utf-8")
BUILDERS = {
    name: getattr(kp, name)
    for name in (
        "unlock_frame",
        "status_frame",
        "status_all_frame",
        "unlock_all_frame",
        "encode_status_reply",
    )
}
ROWS = re.findall(r"^\| `([0-9A-F ]+)` \| `(\w+)\(([^)]*)\)` \|", DOC, flags=re.MULTILINE)
PUBLIC_VECTORS = [
    "02 00 31 03 36",
    "02 15 31 03 4B",
    "02 00 30 03 35",
    "02 00 35 FF FF 00 00 03 38",
]


def test_the_doc_has_a_vector_table_with_the_public_vectors():
    assert len(ROWS) >= 8
    assert [row[0] for row in ROWS[:4]] == PUBLIC_VECTORS


@pytest.mark.parametrize(("hex_bytes", "builder", "args"), ROWS, ids=[r[0] for r in ROWS])
def test_each_documented_frame_is_what_the_code_builds(hex_bytes: str, builder: str, args: str):
    values = [int(arg, 0) for arg in args.split(",")]
    assert BUILDERS[builder](*values) == bytes.fromhex(hex_bytes)


@pytest.mark.parametrize(("hex_bytes", "builder", "args"), ROWS, ids=[r[0] for r in ROWS])
def test_each_documented_frame_decodes_and_checks(hex_bytes: str, builder: str, args: str):
    decoder = kp.KerongDecoder()
    (frame,) = decoder.feed(bytes.fromhex(hex_bytes))
    assert kp.encode(frame) == bytes.fromhex(hex_bytes)


def test_the_inverted_polarity_example_means_all_locked():
    (reply,) = kp.KerongDecoder().feed(bytes.fromhex("02 00 35 00 00 00 00 03 3A"))
    assert isinstance(reply, kp.StatusReply)
    assert all(reply.locked(c, locked_bit=0) for c in range(1, 17))
    assert "`02 00 35 00 00 00 00 03 3A`" in DOC and "`locked_bit = 0`" in DOC


def test_the_documented_look_alike_noise_decodes_as_the_doc_says():
    (frame,) = kp.KerongDecoder().feed(bytes.fromhex("02 CA 33 03 02"))
    assert frame == kp.Command(kp.CMD_UNLOCK_ALL, 12, 11)
    assert "`02 CA 33 03`" in DOC and "board 12" in DOC


def test_the_documented_false_release_keeps_its_sum_and_is_what_the_simulator_sends():
    honest, spoiled = (
        kp.encode_status_reply(0, 0xFFFF, 0),
        bytes.fromhex("02 00 35 FB FF 04 00 03 38"),
    )
    assert false_release(honest, 3, locked_bit=1) == spoiled
    (reply,) = kp.KerongDecoder().feed(spoiled)
    assert not reply.locked(3) and reply.item_present(3)
    assert "`02 00 35 FB FF 04 00 03 38`" in DOC


@pytest.mark.parametrize("name", sorted(BOARD_FAULTS | LINK_FAULTS))
def test_every_fault_is_documented(name: str):
    assert f"`{name}`" in DOC


@pytest.mark.parametrize("verb", [command.split()[0] for command in COMMANDS])
def test_every_control_command_is_documented(verb: str):
    assert re.search(rf"^\| `{verb}\b", DOC, flags=re.MULTILINE), verb
