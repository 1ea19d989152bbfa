"""Deposits and held doors: the holding carrier's couriers use the hold, others cannot take it."""

from __future__ import annotations

from typing import Any

import pytest

from locker.domain.models import Size
from locker.domain.states import CompartmentState
from locker.services.context import LockerContext
from locker.services.errors import DoorDidNotOpenError, NoCompartmentError
from locker.services.hold_doors import active_holds, free_doors_for, held_doors
from locker.services.remote_actions import RemoteAction, run_remote_action
from locker.services.service_state import set_out_of_service
from tests.conftest import CourierActions

HOUR = 3600


def place(ctx: LockerContext, hold: str, carrier: str, size: str, count: int) -> dict[str, Any]:
    args = {
        "hold": hold,
        "carrier": carrier,
        "size": size,
        "count": count,
        "expires_at": int(ctx.clock.now().timestamp()) + HOUR,
    }
    return run_remote_action(ctx, RemoteAction("hold", args, "centre", ()), 3)


@pytest.fixture
def jd(ctx: LockerContext) -> CourierActions:
    """A courier of the carrier that holds doors."""
    return CourierActions(ctx, carrier="JD")


@pytest.fixture
def sf(ctx: LockerContext) -> CourierActions:
    """A courier of another carrier."""
    return CourierActions(ctx, carrier="SF")


def remaining(ctx: LockerContext, hold: str) -> int | None:
    found = [h for h in active_holds(ctx) if h.hold_id == hold]
    return found[0].remaining if found else None


def test_the_holding_carrier_s_deposit_uses_its_hold(ctx, jd):
    place(ctx, "R-1", "JD", "S", 2)

    receipt = jd.deposit("JD0001", size=Size.S)

    assert ctx.store.compartment(receipt.compartment).size is Size.S
    assert remaining(ctx, "R-1") == 1
    assert held_doors(ctx)[Size.S] == 1
    deposited = [r for r in ctx.store.audit_records() if r.action == "parcel.deposited"][-1]
    assert deposited.details["hold"] == "R-1"


def test_another_carrier_is_kept_off_the_held_doors_and_sent_a_size_up(ctx, sf):
    place(ctx, "R-1", "JD", "S", 2)

    receipt = sf.deposit("SF0001", size=Size.S)

    assert receipt.compartment == "B01"
    assert remaining(ctx, "R-1") == 2
    deposited = [r for r in ctx.store.audit_records() if r.action == "parcel.deposited"][-1]
    assert "hold" not in deposited.details


def test_another_carrier_finds_no_free_door_when_every_fitting_door_is_held(ctx, sf, jd):
    for hold, size, count in [("R-S", "S", 2), ("R-M", "M", 2), ("R-L", "L", 1), ("R-XL", "XL", 1)]:
        place(ctx, hold, "JD", size, count)

    with pytest.raises(NoCompartmentError) as refused:
        sf.deposit("SF0001", size=Size.S)

    assert str(refused.value.code) == "door.none_free"
    assert {c.state for c in ctx.store.compartments()} == {CompartmentState.FREE}
    # The holder's couriers still get in.
    assert jd.deposit("JD0001", size=Size.L).compartment == "C01"


def test_a_hold_used_up_ends_and_its_doors_are_everyone_s_again(ctx, jd, sf):
    place(ctx, "R-1", "JD", "S", 1)

    jd.deposit("JD0001", size=Size.S)

    assert active_holds(ctx) == []
    used_up = [r for r in ctx.store.audit_records() if r.action.startswith("hold.")][-1]
    assert (used_up.action, used_up.subject) == ("hold.used_up", "R-1")
    assert used_up.details == {"hold": "R-1", "carrier": "JD", "size": "S", "count": 1}
    assert ctx.store.compartment(sf.deposit("SF0001", size=Size.S).compartment).size is Size.S


def test_a_holder_s_parcel_in_a_door_it_does_not_hold_leaves_the_hold_as_it_was(ctx, jd):
    place(ctx, "R-M", "JD", "M", 1)

    jd.deposit("JD0001", size=Size.S)

    assert remaining(ctx, "R-M") == 1


def test_a_door_that_did_not_open_uses_nothing_of_the_hold(ctx, jd, board):
    place(ctx, "R-1", "JD", "S", 2)
    board.stuck.add(ctx.store.compartment("A01").address)

    with pytest.raises(DoorDidNotOpenError):
        jd.deposit("JD0001", size=Size.S)

    # A01 is now a fault: the hold keeps the one small door left.
    assert remaining(ctx, "R-1") == 2
    assert held_doors(ctx)[Size.S] == 1


def test_a_hold_larger_than_the_doors_left_holds_what_there_is(ctx, jd, sf):
    place(ctx, "R-1", "JD", "S", 2)
    set_out_of_service(ctx, "admin", "A01", "hinge broken")

    assert held_doors(ctx)[Size.S] == 1
    assert sf.deposit("SF0001", size=Size.S).compartment == "B01"
    assert jd.deposit("JD0001", size=Size.S).compartment == "A02"
    assert held_doors(ctx)[Size.S] == 0 and remaining(ctx, "R-1") == 1


def test_free_doors_shown_leave_out_what_others_hold(ctx):
    place(ctx, "R-1", "JD", "S", 1)

    assert free_doors_for(ctx, None)["S"] == 1
    assert free_doors_for(ctx, "SF")["S"] == 1
    assert free_doors_for(ctx, "JD")["S"] == 2
    assert free_doors_for(ctx, "JD")["M"] == 2


def test_free_doors_from_compartments_read_already_are_those_the_store_gives(ctx, sf):
    place(ctx, "R-1", "JD", "S", 1)
    sf.deposit("SF0001", size=Size.M)
    set_out_of_service(ctx, "admin", "A01", "hinge broken")
    every = ctx.store.compartments()

    for carrier in (None, "SF", "JD"):
        assert free_doors_for(ctx, carrier, every) == free_doors_for(ctx, carrier)
    assert free_doors_for(ctx, None, every)["M"] == free_doors_for(ctx, None)["M"] == 1
