"""A carrier's hold on a locker's doors, placed and released by the centre's signed commands.

The centre resends a hold or a release it has no answer for, under a new nonce: the same hold
again is one hold, answered as the first time. A hold keeps its doors `free`; it ends when it is
released, when its time runs out, or when its carrier's couriers have used it up.
"""

from __future__ import annotations

import concurrent.futures
import threading
from types import SimpleNamespace
from typing import Any

import pytest

from locker.composition.uplink import read_locker_state
from locker.domain.errors import RefusalError
from locker.domain.models import Size
from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.door_commands import move_compartment
from locker.services.hold_doors import active_holds, expire_holds, held_doors
from locker.services.reconcile import reconcile
from locker.services.remote_actions import RemoteAction, run_remote_action
from locker.store import SqliteStore

HOUR = 3600


def centre(action: str, args: dict[str, Any]) -> RemoteAction:
    """A command the centre's service certificate signed."""
    return RemoteAction(action, args, "centre", ())


def terms(ctx: LockerContext, **changes: Any) -> dict[str, Any]:
    """A hold of two small doors for JD, for an hour."""
    now = int(ctx.clock.now().timestamp())
    return {
        "hold": "R-1",
        "carrier": "JD",
        "size": "S",
        "count": 2,
        "expires_at": now + HOUR,
        **changes,
    }


def place(ctx: LockerContext, **changes: Any) -> dict[str, Any]:
    return run_remote_action(ctx, centre("hold", terms(ctx, **changes)), 3)


def release(ctx: LockerContext, hold: object = "R-1") -> dict[str, Any]:
    return run_remote_action(ctx, centre("release_hold", {"hold": hold}), 3)


def refused(ctx: LockerContext, action: str, args: dict[str, Any]) -> RefusalError:
    with pytest.raises(RefusalError) as caught:
        run_remote_action(ctx, centre(action, args), 3)
    return caught.value


def hold_records(ctx: LockerContext) -> list[Any]:
    return [r for r in ctx.store.audit_records() if r.action.startswith("hold.")]


def test_a_hold_keeps_free_doors_of_its_size_for_its_carrier_and_is_audited(ctx):
    until = int(ctx.clock.now().timestamp()) + HOUR

    outcome = place(ctx)

    assert outcome == {
        "hold": "R-1",
        "carrier": "JD",
        "size": "S",
        "count": 2,
        "expires_at": until,
        "state": "active",
    }
    # The doors stay free: `reserved` means a deposit in progress (decision 0004).
    assert {c.state for c in ctx.store.compartments(None) if c.size is Size.S} == {
        CompartmentState.FREE
    }
    assert held_doors(ctx)[Size.S] == 2
    [placed] = hold_records(ctx)
    assert (placed.action, placed.actor, placed.subject) == ("hold.placed", "remote:centre", "R-1")
    assert placed.details == {
        "hold": "R-1",
        "carrier": "JD",
        "size": "S",
        "count": 2,
        "expires_at": until,
    }


def test_the_same_hold_twice_is_one_hold_answered_the_same(ctx):
    first = place(ctx)
    second = place(ctx)

    assert second == first
    assert [h.hold_id for h in active_holds(ctx)] == ["R-1"]
    assert [r.action for r in hold_records(ctx)] == ["hold.placed"]


def test_three_copies_of_a_hold_at_once_make_one_hold(ctx, db_path):
    start = threading.Barrier(3)

    def attempt() -> dict[str, Any]:
        with SqliteStore(db_path) as store:
            own = LockerContext(store, ctx.board, ctx.clock, ctx.rules)
            start.wait(timeout=10)
            return place(own)

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        outcomes = [f.result(timeout=30) for f in [pool.submit(attempt) for _ in range(3)]]

    assert outcomes[0]["state"] == "active"
    assert outcomes == [outcomes[0]] * 3
    assert len(active_holds(ctx)) == 1
    assert [r.action for r in hold_records(ctx)] == ["hold.placed"]


def test_a_hold_for_more_doors_than_are_free_is_refused_with_the_free_count(ctx):
    # The small layout has two small doors.
    too_many = refused(ctx, "hold", terms(ctx, count=3))

    assert str(too_many.code) == "hold.no_space"
    assert too_many.values["free"] == 2
    assert active_holds(ctx) == [] and hold_records(ctx) == []


def test_doors_another_hold_keeps_are_not_free_for_a_new_hold(ctx):
    place(ctx, hold="R-SF", carrier="SF", count=1)

    too_many = refused(ctx, "hold", terms(ctx, count=2))

    assert str(too_many.code) == "hold.no_space" and too_many.values["free"] == 1
    assert place(ctx, count=1)["state"] == "active"
    assert held_doors(ctx)[Size.S] == 2


def test_a_hold_on_doors_that_are_not_free_is_refused(ctx, courier):
    courier.deposit("SF0001")  # one small door taken

    assert refused(ctx, "hold", terms(ctx)).values["free"] == 1


NOW_S = 1_794_387_600  # the fake clock's start, 2026-11-11 09:00 UTC
HOSTILE = [
    ("hold", ""),
    ("hold", "   "),
    ("hold", "x" * 65),
    ("hold", "R\x001"),
    ("hold", "R\n1"),
    ("hold", 7),
    ("hold", None),
    ("hold", True),
    ("carrier", ""),
    ("carrier", "x" * 65),
    ("carrier", "JD\x00"),
    ("carrier", "J\nD"),
    ("carrier", 5),
    ("size", "XXL"),
    ("size", ""),
    ("size", 1),
    ("size", None),
    ("count", 0),
    ("count", -1),
    ("count", 51),
    ("count", 2**53),
    ("count", True),
    ("count", "2"),
    ("count", 2.0),
    ("count", None),
    ("expires_at", True),
    ("expires_at", "1794391200"),
    ("expires_at", 2**53),
    ("expires_at", -1),
    ("expires_at", 1.5),
    ("expires_at", None),
    ("expires_at", NOW_S),
    ("expires_at", NOW_S - HOUR),
    ("expires_at", NOW_S + 24 * HOUR + 31),
]


@pytest.mark.parametrize(("name", "value"), HOSTILE, ids=lambda v: repr(v)[:20])
def test_a_hold_with_hostile_terms_is_refused_clearly_and_nothing_is_stored(ctx, name, value):
    assert int(ctx.clock.now().timestamp()) == NOW_S

    refusal = refused(ctx, "hold", terms(ctx, **{name: value}))

    assert str(refusal.code) in {"remote.arguments", "hold.expiry"}
    assert name in str(refusal) or "expire" in str(refusal)
    assert active_holds(ctx) == [] and hold_records(ctx) == []


def test_a_hold_with_a_missing_term_is_refused(ctx):
    args = terms(ctx)
    del args["carrier"]

    assert str(refused(ctx, "hold", args).code) == "remote.arguments"
    assert active_holds(ctx) == []


def test_a_hold_may_last_a_full_day_give_or_take_the_clocks_skew(ctx):
    now = int(ctx.clock.now().timestamp())

    assert place(ctx, expires_at=now + 24 * HOUR + 30)["state"] == "active"


def test_a_hold_whose_id_is_taken_by_other_terms_is_refused(ctx):
    place(ctx)

    conflict = refused(ctx, "hold", terms(ctx, count=1))

    assert str(conflict.code) == "hold.conflict"
    assert [h.count for h in active_holds(ctx)] == [2]
    assert [r.action for r in hold_records(ctx)] == ["hold.placed"]


def test_a_release_ends_the_hold_and_frees_its_doors_for_everyone(ctx):
    place(ctx)

    first = release(ctx)
    second = release(ctx)

    assert first == second == {"hold": "R-1", "state": "released"}
    assert active_holds(ctx) == [] and held_doors(ctx)[Size.S] == 0
    assert [r.action for r in hold_records(ctx)] == ["hold.placed", "hold.released"]
    released = hold_records(ctx)[-1]
    assert (released.action, released.actor) == ("hold.released", "remote:centre")
    assert released.details == {"hold": "R-1", "carrier": "JD", "size": "S", "count": 2, "used": 0}


def test_a_released_hold_sent_again_is_answered_as_released_and_not_placed_again(ctx):
    place(ctx)
    release(ctx)

    assert place(ctx)["state"] == "released"
    assert active_holds(ctx) == []


@pytest.mark.parametrize("hold", ["R-404", "", 7, None, "x" * 65])
def test_releasing_a_hold_the_locker_never_placed_is_refused(ctx, hold):
    assert str(refused(ctx, "release_hold", {"hold": hold}).code) in {
        "hold.unknown",
        "remote.arguments",
    }
    assert hold_records(ctx) == []


def test_a_hold_ends_by_itself_when_its_time_runs_out(ctx, clock):
    sent = terms(ctx)
    run_remote_action(ctx, centre("hold", sent), 3)
    clock.advance(minutes=59)
    assert expire_holds(ctx) == [] and held_doors(ctx)[Size.S] == 2

    clock.advance(minutes=1)
    # Lapsed holds keep nothing even before the sweep records their end.
    assert held_doors(ctx)[Size.S] == 0
    [ended] = expire_holds(ctx)

    assert ended.hold_id == "R-1"
    assert expire_holds(ctx) == []
    expired = hold_records(ctx)[-1]
    assert (expired.action, expired.actor, expired.subject) == ("hold.expired", "system", "R-1")
    assert expired.details == {"hold": "R-1", "carrier": "JD", "size": "S", "count": 2, "used": 0}
    # Sent again, it is the same hold, now over; released, it stays expired.
    assert run_remote_action(ctx, centre("hold", sent), 3)["state"] == "expired"
    assert release(ctx) == {"hold": "R-1", "state": "expired"}
    assert [r.action for r in hold_records(ctx)] == ["hold.placed", "hold.expired"]


def test_a_restart_leaves_holds_alone(ctx, db_path, clock, board):
    place(ctx)
    with ctx.store.transaction():
        move_compartment(ctx, "B01", CompartmentState.RESERVED)  # a deposit cut short

    with SqliteStore(db_path) as store:
        fresh = LockerContext(store=store, board=board, clock=clock)
        assert reconcile(fresh).released == ["B01"]

        assert [h.hold_id for h in active_holds(fresh)] == ["R-1"]
        assert held_doors(fresh)[Size.S] == 2
        assert {store.compartment(label).state for label in ("A01", "A02")} == {
            CompartmentState.FREE
        }


def test_the_state_report_shows_held_doors_apart_from_free_ones(ctx):
    health = SimpleNamespace(camera=None, buses=[])
    before = read_locker_state(ctx, health, "1.0")
    place(ctx, count=1)

    after = read_locker_state(ctx, health, "1.0")

    assert before["free"]["S"] == 2 and before["held"]["S"] == 0
    assert after["free"]["S"] == 1 and after["held"]["S"] == 1
    assert after["total"] == before["total"]
