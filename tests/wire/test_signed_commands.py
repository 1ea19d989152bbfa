"""A locker runs a command only when it is its own, current, and signed as the action needs."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from locker.wire.commands import (
    CLOCK_SKEW_S,
    check_command,
    new_command,
    sign_command,
)
from locker.wire.errors import CommandRefusedError
from locker.wire.keys import new_private_key
from tests.wire.fleet_keys import NOW, fleet_keys, signer

KEYS = fleet_keys()
ROOT = KEYS.root.public_key()


def force_open(operator: str = "alice", locker: str = "L-001", now: int = NOW) -> object:
    return new_command(locker, "force_open", {"door": 7, "reason": "stuck"}, operator, now)


def refusal(raw: bytes, now: int = NOW, locker: str = "L-001") -> str:
    with pytest.raises(CommandRefusedError) as caught:
        check_command(raw, locker, ROOT, now)
    return caught.value.code


def test_an_operator_signed_force_open_for_this_locker_is_accepted() -> None:
    raw = sign_command(force_open(), KEYS.alice.certificate, KEYS.alice.key).to_bytes()

    accepted = check_command(raw, "L-001", ROOT, NOW + 5)

    assert accepted.command.action == "force_open"
    assert accepted.command.args == {"door": 7, "reason": "stuck"}
    assert accepted.operators == ("alice",)


def test_two_operators_signatures_are_both_counted() -> None:
    signed = sign_command(force_open(), KEYS.alice.certificate, KEYS.alice.key)
    both = sign_command(signed, KEYS.bob.certificate, KEYS.bob.key)

    assert check_command(both.to_bytes(), "L-001", ROOT, NOW).operators == ("alice", "bob")


def test_one_operator_signing_twice_counts_once() -> None:
    signed = sign_command(force_open(), KEYS.alice.certificate, KEYS.alice.key)
    twice = sign_command(signed, KEYS.alice.certificate, KEYS.alice.key)

    assert check_command(twice.to_bytes(), "L-001", ROOT, NOW).operators == ("alice",)


def test_a_command_for_another_locker_is_refused() -> None:
    raw = sign_command(force_open(locker="L-002"), KEYS.alice.certificate, KEYS.alice.key)

    assert refusal(raw.to_bytes()) == "other_locker"


def test_an_expired_command_is_refused_past_the_allowed_skew() -> None:
    raw = sign_command(force_open(), KEYS.alice.certificate, KEYS.alice.key).to_bytes()

    check_command(raw, "L-001", ROOT, NOW + 60 + CLOCK_SKEW_S)
    assert refusal(raw, now=NOW + 60 + CLOCK_SKEW_S + 1) == "expired"


def test_a_command_from_beyond_the_skew_in_the_future_is_refused() -> None:
    raw = sign_command(force_open(), KEYS.alice.certificate, KEYS.alice.key).to_bytes()

    assert refusal(raw, now=NOW - CLOCK_SKEW_S - 1) == "from_the_future"


def test_a_command_living_longer_than_two_minutes_is_refused() -> None:
    command = force_open()
    long_lived = type(command)(**{**command.__dict__, "expires_at": command.issued_at + 121})
    raw = sign_command(long_lived, KEYS.alice.certificate, KEYS.alice.key).to_bytes()

    assert refusal(raw) == "bad_lifetime"


def test_a_key_the_root_never_certified_is_refused() -> None:
    stranger_root = new_private_key()
    mallory = signer(stranger_root, "alice", "admin")
    raw = sign_command(force_open(), mallory.certificate, mallory.key).to_bytes()

    assert refusal(raw) == "unknown_signer"


def test_a_certificate_edited_to_a_higher_role_is_refused() -> None:
    signed = sign_command(
        new_command("L-001", "force_open", {"door": 7}, "centre", NOW),
        KEYS.centre.certificate,
        KEYS.centre.key,
    )
    envelope = json.loads(signed.to_bytes())
    envelope["signatures"][0]["certificate"]["role"] = "admin"

    assert refusal(json.dumps(envelope).encode()) == "unknown_signer"


def test_a_door_action_under_the_service_certificate_is_refused() -> None:
    command = new_command("L-001", "force_open", {"door": 7}, "centre", NOW)
    raw = sign_command(command, KEYS.centre.certificate, KEYS.centre.key).to_bytes()

    assert refusal(raw) == "not_allowed"


def test_the_service_certificate_may_confirm_a_delivered_message() -> None:
    command = new_command("L-001", "message_delivered", {"message": 12}, "centre", NOW)
    raw = sign_command(command, KEYS.centre.certificate, KEYS.centre.key).to_bytes()

    assert check_command(raw, "L-001", ROOT, NOW).operators == ()


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("hold", {"hold": "R-1", "carrier": "JD", "size": "S", "count": 2, "expires_at": NOW + 60}),
        ("release_hold", {"hold": "R-1"}),
    ],
)
def test_the_service_certificate_may_hold_doors_and_release_them(
    action: str, args: dict[str, object]
) -> None:
    command = new_command("L-001", action, args, "centre", NOW)
    raw = sign_command(command, KEYS.centre.certificate, KEYS.centre.key).to_bytes()

    assert check_command(raw, "L-001", ROOT, NOW).command.args == args


def test_a_command_naming_an_operator_who_did_not_sign_is_refused() -> None:
    raw = sign_command(force_open(operator="bob"), KEYS.alice.certificate, KEYS.alice.key)

    assert refusal(raw.to_bytes()) == "not_allowed"


def test_an_expired_certificate_is_refused() -> None:
    old = signer(KEYS.root, "carol", "support", not_after=NOW - 40)
    raw = sign_command(force_open("carol"), old.certificate, old.key).to_bytes()

    assert refusal(raw) == "certificate_expired"


def test_an_unknown_action_is_refused() -> None:
    command = new_command("L-001", "open_all_doors", {}, "alice", NOW)
    raw = sign_command(command, KEYS.alice.certificate, KEYS.alice.key).to_bytes()

    assert refusal(raw) == "unknown_action"


def test_every_flipped_byte_is_refused() -> None:
    raw = sign_command(force_open(), KEYS.alice.certificate, KEYS.alice.key).to_bytes()
    for index in range(len(raw)):
        flipped = bytearray(raw)
        flipped[index] ^= 0x01
        try:
            accepted = check_command(bytes(flipped), "L-001", ROOT, NOW)
        except CommandRefusedError:
            continue
        # Only a flip the JSON parser reads as the same document may pass (e.g. key order).
        assert accepted.command == check_command(raw, "L-001", ROOT, NOW).command


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 10,
        b"[]",
        b'{"command": null}',
        b"\xff\xfe",
        b"{" * 20_000,
        json.dumps({"command": {"version": 1}, "signatures": []}).encode(),
    ],
)
def test_garbage_is_refused_as_malformed(raw: bytes) -> None:
    assert refusal(raw) == "malformed"


def test_hostile_arguments_are_refused_as_malformed() -> None:
    good = json.loads(sign_command(force_open(), KEYS.alice.certificate, KEYS.alice.key).to_bytes())
    for args in ({"door": 10**30}, {"door": "7\r\nX"}, {"door": [1]}, {"bad key": 1}):
        envelope = json.loads(json.dumps(good))
        envelope["command"]["args"] = args
        assert refusal(json.dumps(envelope).encode()) == "malformed"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_no_payload_escapes_as_anything_but_a_refusal(raw: bytes) -> None:
    with pytest.raises(CommandRefusedError):
        check_command(raw, "L-001", ROOT, NOW)
