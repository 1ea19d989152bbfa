"""`locker init`, `locker layout load` and `locker demo`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from locker.domain.qr_payload import QrVerdict
from locker.services.accounts import check_admin, login_courier
from locker.services.collect_parcel import collect_by_code, collect_by_qr
from locker.services.errors import AuthenticationError, CodeRejectedError
from locker.services.setup_locker import parse_layout_toml
from locker.store import SqliteStore
from tests.cli.conftest import (
    ADMIN_PASSWORD,
    DEMO_PHONES,
    LOCKER_ID,
    DemoOutput,
    LockerCli,
    assert_clean_failure,
)

# --- init ---------------------------------------------------------------------------------------


def test_init_creates_the_locker_and_its_first_admin(locker: LockerCli):
    result = locker.ok(
        "init",
        "--locker-id",
        "SH-PD-001",
        "--name",
        " Pudong 1 ",
        "--address",
        "1 Century Ave",
        "--admin",
        "ops",
        "--password-stdin",
        input="a-long-secret\n",
    )

    assert "Locker SH-PD-001 created" in result.output
    assert "a-long-secret" not in result.output
    with locker.context() as ctx:
        info = ctx.store.locker()
        assert (info.locker_id, info.name, info.address) == (
            "SH-PD-001",
            "Pudong 1",
            "1 Century Ave",
        )
        assert len(info.secret) == 32
        check_admin(ctx, "ops", "a-long-secret")


def test_a_second_init_is_refused_and_keeps_the_locker_and_its_secret(locker: LockerCli):
    locker.init()
    with SqliteStore(locker.db) as store:
        before = store.locker()

    result = locker.run(
        "init",
        "--locker-id",
        "OTHER-02",
        "--name",
        "Another",
        "--admin",
        "intruder",
        "--password-stdin",
        input="another-password\n",
    )

    assert_clean_failure(result, "already holds locker CLI-01", "refusing to overwrite")
    assert result.exit_code == 1
    with locker.context() as ctx:
        assert ctx.store.locker() == before
        # The refused init is all or nothing: its admin was not added either.
        assert ctx.store.admin_password_hash("intruder") is None
        check_admin(ctx, "admin", ADMIN_PASSWORD)


@pytest.mark.parametrize(
    ("locker_id", "password", "message"),
    [
        ("SH PD 001", ADMIN_PASSWORD, "a locker id is 1 to 32"),
        ("X" * 33, ADMIN_PASSWORD, "a locker id is 1 to 32"),
        ("SH:PD", ADMIN_PASSWORD, "a locker id is 1 to 32"),
        ("", ADMIN_PASSWORD, "a locker id is 1 to 32"),
        ("SH-PD-001", "short", "at least 8 characters"),
    ],
    ids=["spaces", "33-chars", "colon", "empty", "short-password"],
)
def test_init_refuses_a_bad_locker_id_or_password_and_creates_no_locker(
    locker: LockerCli, locker_id: str, password: str, message: str
):
    result = locker.run(
        "init", "--locker-id", locker_id, "--name", "N", "--password-stdin", input=f"{password}\n"
    )

    assert_clean_failure(result, message)
    with SqliteStore(locker.db) as store:
        assert not store.is_initialised()
        assert list(store.audit_records()) == []


def test_a_locker_id_of_exactly_32_characters_is_accepted(locker: LockerCli):
    locker.init(locker_id="X" * 32)
    with SqliteStore(locker.db) as store:
        assert store.locker().locker_id == "X" * 32


def test_init_without_a_password_on_stdin_is_refused(locker: LockerCli):
    result = locker.run("init", "--locker-id", "A-1", "--name", "N", "--password-stdin", input="")
    assert_clean_failure(result, "expected the admin password on standard input")


def test_a_refused_init_can_be_followed_by_a_good_one(locker: LockerCli):
    locker.run("init", "--locker-id", "bad id", "--name", "N", input=f"{ADMIN_PASSWORD}\n")
    locker.init()
    with SqliteStore(locker.db) as store:
        assert store.locker().locker_id == LOCKER_ID


# --- layout load --------------------------------------------------------------------------------

# (label, size, bus, board, channel, low)
Door = tuple[str, str, str, int, int, bool]
THREE_DOORS: list[Door] = [
    ("A01", "S", "main", 0, 1, False),
    ("A02", "S", "main", 0, 2, True),
    ("B01", "M", "main", 0, 3, False),
]


def layout_toml(doors: list[Door], buses: tuple[str, ...] = ("main",)) -> str:
    """A layout file declaring these buses and doors."""
    parts = [f'[[bus]]\nname = "{name}"\ndriver = "kerong"\nbaud = 9600\n' for name in buses]
    for label, size, bus, board, channel, low in doors:
        parts.append(
            f'[[compartment]]\nlabel = "{label}"\nsize = "{size}"\nbus = "{bus}"\n'
            f"board = {board}\nchannel = {channel}\nlow = {str(low).lower()}\n"
        )
    return "\n".join(parts)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored_layout(db: Path) -> tuple[list[object], list[object]]:
    """Buses and compartments exactly as the store holds them, states included."""
    with SqliteStore(db) as store:
        return list(store.buses()), list(store.compartments())


def test_layout_load_stores_every_compartment_of_a_good_file(ready: LockerCli, tmp_path: Path):
    result = ready.ok("layout", "load", str(write(tmp_path, "cab.toml", layout_toml(THREE_DOORS))))

    assert "Loaded 3 compartments on 1 bus(es)" in result.output
    buses, compartments = stored_layout(ready.db)
    assert [(b.name, b.driver, b.baud) for b in buses] == [("main", "kerong", 9600)]
    assert [
        (c.label, c.size.value, c.address.bus, c.address.board, c.address.channel, c.low)
        for c in compartments
    ] == THREE_DOORS
    assert {c.state.value for c in compartments} == {"free"}


BIGGER = [*THREE_DOORS, ("C01", "L", "main", 1, 1, False), ("D01", "XL", "main", 1, 2, True)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (layout_toml([*BIGGER, ("A01", "M", "main", 2, 5, False)]), "A01 is declared twice"),
        (layout_toml([*BIGGER, ("E01", "M", "side", 0, 5, False)]), "bus 'side' is not declared"),
        (layout_toml([*BIGGER, ("E01", "M", "main", 2, 17, False)]), "channel must be 1 to 16"),
        (layout_toml([*BIGGER, ("E01", "M", "main", 2, 0, False)]), "channel must be 1 to 16"),
        (layout_toml([*BIGGER, ("E01", "M", "main", 16, 1, False)]), "board must be 0 to 15"),
        (layout_toml([*BIGGER, ("E01", "XXL", "main", 2, 1, False)]), "size must be one of"),
        (layout_toml([*BIGGER, ("E01", "M", "main", 0, 1, False)]), "share bus main board 0"),
        (layout_toml(BIGGER) + "\n[[compartment]\nlabel = 'E01'\n", "not valid TOML"),
        (layout_toml([]), "declares no [[compartment]]"),
    ],
    ids=[
        "duplicate-label",
        "unknown-bus",
        "channel-17",
        "channel-0",
        "board-16",
        "unknown-size",
        "shared-channel",
        "invalid-toml",
        "no-compartments",
    ],
)
def test_a_bad_layout_file_loads_nothing_and_keeps_the_previous_layout(
    ready: LockerCli, tmp_path: Path, text: str, message: str
):
    ready.ok("layout", "load", str(write(tmp_path, "good.toml", layout_toml(THREE_DOORS))))
    before = stored_layout(ready.db)

    result = ready.run("layout", "load", str(write(tmp_path, "bad.toml", text)))

    assert_clean_failure(result, message)
    assert stored_layout(ready.db) == before


def test_a_layout_that_drops_a_door_holding_a_parcel_is_refused(
    ready: LockerCli, demo: DemoOutput, tmp_path: Path
):
    before = stored_layout(ready.db)
    held = sorted({p.door for p in demo.parcels})

    result = ready.run("layout", "load", str(write(tmp_path, "small.toml", layout_toml(BIGGER))))

    assert_clean_failure(result, "which hold parcels")
    missing = [door for door in held if door not in {d[0] for d in BIGGER}]
    assert missing and all(door in result.output for door in missing)
    assert stored_layout(ready.db) == before


def test_a_layout_may_drop_free_doors_and_keeps_the_state_of_the_rest(
    ready: LockerCli, tmp_path: Path
):
    ready.ok("layout", "load", str(write(tmp_path, "big.toml", layout_toml(BIGGER))))
    ready.sql("UPDATE compartments SET state = 'out_of_service' WHERE label = 'B01'")

    ready.ok("layout", "load", str(write(tmp_path, "small.toml", layout_toml(THREE_DOORS))))

    _, compartments = stored_layout(ready.db)
    assert {c.label: c.state.value for c in compartments} == {
        "A01": "free",
        "A02": "free",
        "B01": "out_of_service",
    }


def test_a_layout_that_moves_the_door_of_a_parcel_is_refused(
    ready: LockerCli, demo: DemoOutput, tmp_path: Path
):
    from locker.demo_seed import demo_layout_text

    door = demo.parcel("SF1000000001").door
    assert door == "A01"
    # Swap the channels of A01 (holding a parcel) and A03 (free).
    text = demo_layout_text()
    a01 = 'label = "A01"\nsize = "S"\nbus = "main"\nboard = 0\nchannel = 1\n'
    a03 = 'label = "A03"\nsize = "S"\nbus = "main"\nboard = 0\nchannel = 3\n'
    assert a01 in text and a03 in text
    text = text.replace(a01, a01.replace("channel = 1", "channel = 3")).replace(
        a03, a03.replace("channel = 3", "channel = 1")
    )
    before = stored_layout(ready.db)

    result = ready.run("layout", "load", str(write(tmp_path, "rewired.toml", text)))

    assert_clean_failure(result, "A01")
    assert stored_layout(ready.db) == before


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string with \u escapes is a TOML basic string
    return str(value)


_MISSING = object()
_good_doors = st.lists(
    st.fixed_dictionaries(
        {
            "label": st.sampled_from(["A01", "A02", "A03", "B01", "B02", "C100", "D01"]),
            "size": st.sampled_from(["S", "M", "L", "XL", "xl"]),
            "bus": st.sampled_from(["main", "side"]),
            "board": st.integers(0, 15),
            "channel": st.integers(1, 16),
            "low": st.booleans(),
        }
    ),
    min_size=1,
    max_size=6,
    unique_by=(lambda d: d["label"], lambda d: (d["bus"], d["board"], d["channel"])),
)
# One wrong field: a bad value, a wrong type, or the field left out.
_flaws = st.tuples(
    st.integers(0, 5),
    st.sampled_from(["label", "size", "bus", "board", "channel", "low"]),
    st.sampled_from(
        ["a01", "A1", 7, "XXL", "", "nowhere", -1, 16, 17, 0, 2.0, "0", "yes", _MISSING]
    ),
)


def _layout_document(doors: list[dict[str, object]], flaw: tuple[int, str, object] | None) -> str:
    doors = [dict(d) for d in doors]  # flaw a copy: hypothesis may show the drawn value again
    if flaw is not None:
        index, key, value = flaw
        door = doors[index % len(doors)]
        if value is _MISSING:
            del door[key]
        else:
            door[key] = value
    tables = [("bus", {"name": "main"}), ("bus", {"name": "side", "driver": "bridge"})]
    tables += [("compartment", d) for d in doors]
    return "\n".join(
        f"[[{kind}]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in entry.items())
        for kind, entry in tables
    )


@settings(
    max_examples=60,
    deadline=None,
    # One locker for the whole run on purpose: each example starts from the layout the last
    # one left, which is exactly what "a bad file loads nothing" must hold against.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.one_of(
        st.builds(_layout_document, _good_doors, st.none() | _flaws),
        st.text(max_size=80),
    )
)
def test_any_layout_file_either_loads_whole_or_changes_nothing(
    ready: LockerCli, tmp_path: Path, text: str
):
    before = stored_layout(ready.db)

    result = ready.run("layout", "load", str(write(tmp_path, "any.toml", text)))

    event("loaded" if result.exit_code == 0 else "refused")
    if result.exit_code == 0:
        _, compartments = stored_layout(ready.db)
        assert [(c.label, c.size, c.address, c.low) for c in compartments] == sorted(
            (c.label, c.size, c.address, c.low) for c in parse_layout_toml(text).compartments
        )
    else:
        assert_clean_failure(result)
        assert stored_layout(ready.db) == before


# --- demo ---------------------------------------------------------------------------------------


def test_demo_prints_the_couriers_logins_and_a_code_and_qr_for_every_parcel(
    ready: LockerCli, demo: DemoOutput
):
    assert sorted(demo.couriers.values()) == ["271828", "314159"]
    assert len(demo.parcels) == 5
    assert [p.state for p in demo.parcels].count("expired") == 1
    for parcel in demo.parcels:
        assert len(parcel.code) == 8 and parcel.code.isdigit()
        assert parcel.qr.startswith(f"PL1:{LOCKER_ID}:")
    assert len({p.code for p in demo.parcels}) == 5
    assert not any(phone in demo.text for phone in DEMO_PHONES)
    with ready.context() as ctx:
        for courier_id, pin in demo.couriers.items():
            assert login_courier(ctx, courier_id, pin).id == courier_id


def test_the_demos_printed_codes_open_the_doors_of_the_waiting_parcels(
    ready: LockerCli, demo: DemoOutput
):
    with ready.context() as ctx:
        for parcel in demo.parcels:
            if parcel.state == "waiting":
                assert collect_by_code(ctx, parcel.code).compartment == parcel.door
            else:
                with pytest.raises(CodeRejectedError) as refused:
                    collect_by_code(ctx, parcel.code)
                assert refused.value.verdict is QrVerdict.EXPIRED


def test_the_demos_printed_qr_payloads_open_the_doors_of_the_waiting_parcels(
    ready: LockerCli, demo: DemoOutput
):
    with ready.context() as ctx:
        for parcel in demo.parcels:
            if parcel.state == "waiting":
                assert collect_by_qr(ctx, parcel.qr).compartment == parcel.door
            else:
                with pytest.raises(CodeRejectedError) as refused:
                    collect_by_qr(ctx, parcel.qr)
                assert refused.value.verdict is QrVerdict.EXPIRED


def test_a_second_demo_is_refused_and_changes_nothing(ready: LockerCli, demo: DemoOutput):
    parcels_before = ready.query("SELECT * FROM parcels ORDER BY id")
    couriers_before = ready.query("SELECT * FROM couriers ORDER BY id")

    result = ready.run("demo")

    assert_clean_failure(result, "already has couriers or parcels")
    assert ready.query("SELECT * FROM parcels ORDER BY id") == parcels_before
    assert ready.query("SELECT * FROM couriers ORDER BY id") == couriers_before
    with ready.context() as ctx, pytest.raises(AuthenticationError):
        login_courier(ctx, 3, "314159")
