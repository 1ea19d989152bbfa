"""A carrier's pre-advice: stored as `expected`, idempotent, withdrawn, and cancelled when late."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from locker.domain.errors import RefusalError
from locker.domain.models import Size
from locker.domain.states import CompartmentState, ParcelState
from locker.services.collect_by_phone import collect_by_phone
from locker.services.context import LockerContext
from locker.services.errors import ServiceRefusal
from locker.services.lapse_preadvice import cancel_lapsed_preadvice
from locker.services.preadvise_parcel import preadvise_parcel, read_preadvice, withdraw_preadvice
from locker.services.purge_personal_data import purge_personal_data
from locker.services.recent_deposits import recent_deposits
from locker.services.reconcile import reconcile
from locker.services.remote_actions import RemoteAction, run_remote_action
from locker.store import SqliteStore

CARRIER = "SF Express"
TRACKING = "SF7306200001"
PHONE = "13812345678"


def args(clock, **changed: Any) -> dict[str, Any]:
    """A pre-advice as the centre's command carries it."""
    arrival = int((clock.now() + timedelta(hours=4)).timestamp())
    return {
        "carrier": CARRIER,
        "tracking": TRACKING,
        "phone": PHONE,
        "size": "M",
        "low_door": True,
        "language": "en",
        "expected_at": arrival,
        **changed,
    }


def remote(ctx: LockerContext, action: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run an action as the command runner does, signed by the centre's service certificate."""
    return run_remote_action(ctx, RemoteAction(action, arguments, "centre", ()), 3)


def records(ctx: LockerContext, action: str) -> list[Any]:
    return [r for r in ctx.store.audit_records() if r.action == action]


def every_parcel(ctx: LockerContext) -> list[Any]:
    return list(ctx.store.parcels())


def test_a_pre_advice_is_stored_as_expected_with_no_door_and_no_code(ctx, clock):
    outcome = remote(ctx, "preadvise", args(clock))

    [parcel] = every_parcel(ctx)
    assert outcome == {
        "carrier": CARRIER,
        "tracking": TRACKING,
        "state": "expected",
        "parcel_id": parcel.id,
    }
    assert parcel.state is ParcelState.EXPECTED
    assert (parcel.carrier, parcel.tracking) == (CARRIER, TRACKING)
    assert parcel.compartment is None and parcel.deposited_at is None
    assert (parcel.recipient_phone, parcel.size, parcel.needs_low) == (PHONE, Size.M, True)
    assert parcel.language == "en"
    assert parcel.expected_at == clock.now() + timedelta(hours=4)
    code_hash = next(ctx.store.db.query("SELECT code_hash FROM parcels"))["code_hash"]
    assert code_hash is None
    assert ctx.store.outbox() == []  # the recipient hears nothing until the parcel is in


def test_the_pre_advice_is_audited_with_its_carrier_tracking_size_and_a_masked_phone(ctx, clock):
    remote(ctx, "preadvise", args(clock))

    [record] = records(ctx, "parcel.expected")
    assert record.actor == "remote:centre" and record.subject == TRACKING
    details = record.details
    assert details["carrier"] == CARRIER and details["tracking"] == TRACKING
    assert details["size"] == "M" and details["low_door"] is True
    assert details["expected_at"] == args(clock)["expected_at"]
    assert details["phone"] == "138****5678"
    assert PHONE not in str([r.details for r in ctx.store.audit_records()])


def test_the_same_pre_advice_twice_has_one_effect_and_the_same_outcome(ctx, clock):
    first = remote(ctx, "preadvise", args(clock))
    second = remote(ctx, "preadvise", args(clock))

    assert first == second
    assert len(every_parcel(ctx)) == 1
    assert len(records(ctx, "parcel.expected")) == 1
    assert records(ctx, "parcel.preadvice_updated") == []


def test_a_pre_advice_sent_again_with_other_details_updates_the_parcel_and_says_so(ctx, clock):
    first = remote(ctx, "preadvise", args(clock))
    second = remote(ctx, "preadvise", args(clock, phone="13900001111", size="L", low_door=False))

    assert second == first
    [parcel] = every_parcel(ctx)
    assert (parcel.recipient_phone, parcel.size, parcel.needs_low) == ("13900001111", Size.L, False)
    [update] = records(ctx, "parcel.preadvice_updated")
    assert update.details["carrier"] == CARRIER and update.details["tracking"] == TRACKING
    assert update.details["phone"] == "139****1111" and update.details["size"] == "L"
    assert "13900001111" not in str(update.details)


def test_three_copies_at_once_store_one_parcel_and_answer_alike(ctx, clock, db_path: Path, board):
    start = threading.Barrier(3)
    outcomes: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def send() -> None:
        with SqliteStore(db_path) as own:
            mine = LockerContext(store=own, board=board, clock=clock)
            start.wait()
            try:
                outcomes.append(remote(mine, "preadvise", args(clock)))
            except BaseException as error:  # the test reports it below
                errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(outcomes) == 3 and all(o == outcomes[0] for o in outcomes)
    assert len(every_parcel(ctx)) == 1
    assert len(records(ctx, "parcel.expected")) == 1


@pytest.mark.parametrize("later", ["deposited", "collected"])
def test_a_pre_advice_for_a_parcel_already_in_the_locker_is_refused_with_its_state(
    ctx, courier, later
):
    receipt = courier.deposit(TRACKING)
    if later == "collected":
        from locker.services.collect_parcel import collect_by_code

        collect_by_code(ctx, receipt.code)
    before = every_parcel(ctx)

    with pytest.raises(RefusalError) as refused:
        remote(ctx, "preadvise", args(ctx.clock))

    assert refused.value.code == ServiceRefusal.PREADVICE_ALREADY_DEPOSITED
    assert refused.value.values["state"] == later
    assert refused.value.values["tracking"] == TRACKING
    assert every_parcel(ctx) == before
    assert records(ctx, "parcel.expected") == []


def test_another_carrier_s_parcel_with_the_same_tracking_number_is_no_obstacle(ctx, clock):
    from tests.conftest import CourierActions

    CourierActions(ctx, carrier="JD Logistics").deposit(TRACKING)

    outcome = remote(ctx, "preadvise", args(clock))

    assert outcome["state"] == "expected"
    assert {(p.carrier, p.state) for p in every_parcel(ctx)} == {
        ("JD Logistics", ParcelState.DEPOSITED),
        (CARRIER, ParcelState.EXPECTED),
    }


def test_withdrawing_cancels_the_expected_parcel_once(ctx, clock):
    advised = remote(ctx, "preadvise", args(clock))
    withdraw = {"carrier": CARRIER, "tracking": TRACKING}

    first = remote(ctx, "withdraw_preadvice", withdraw)
    second = remote(ctx, "withdraw_preadvice", withdraw)

    assert second == first
    assert first == {
        "carrier": CARRIER,
        "tracking": TRACKING,
        "state": "cancelled",
        "parcel_id": advised["parcel_id"],
    }
    [parcel] = every_parcel(ctx)
    assert parcel.state is ParcelState.CANCELLED
    [record] = records(ctx, "parcel.withdrawn")
    assert record.details["carrier"] == CARRIER and record.details["tracking"] == TRACKING
    assert record.details["parcel_id"] == parcel.id


def test_a_withdrawn_parcel_may_be_pre_advised_again(ctx, clock):
    remote(ctx, "preadvise", args(clock))
    remote(ctx, "withdraw_preadvice", {"carrier": CARRIER, "tracking": TRACKING})

    again = remote(ctx, "preadvise", args(clock))

    assert again["state"] == "expected"
    assert [p.state for p in every_parcel(ctx)] == [ParcelState.EXPECTED, ParcelState.CANCELLED]


def test_withdrawing_a_parcel_that_is_in_the_locker_is_refused(ctx, courier):
    courier.deposit(TRACKING)

    with pytest.raises(RefusalError) as refused:
        remote(ctx, "withdraw_preadvice", {"carrier": CARRIER, "tracking": TRACKING})

    assert refused.value.code == ServiceRefusal.PREADVICE_NOT_EXPECTED
    assert refused.value.values["state"] == "deposited"
    assert ctx.store.parcel_by_tracking(TRACKING).state is ParcelState.DEPOSITED
    assert records(ctx, "parcel.withdrawn") == []


def test_withdrawing_an_undone_deposit_is_refused_as_not_expected(ctx, courier):
    from locker.services.cancel_deposit import cancel_deposit

    receipt = courier.deposit(TRACKING)
    cancel_deposit(ctx, courier.id, TRACKING)
    courier.close(receipt.compartment, item_present=False)

    with pytest.raises(RefusalError) as refused:
        remote(ctx, "withdraw_preadvice", {"carrier": CARRIER, "tracking": TRACKING})

    assert refused.value.code == ServiceRefusal.PREADVICE_NOT_EXPECTED


@pytest.mark.parametrize("carrier", [CARRIER, "JD Logistics"])
def test_withdrawing_what_this_carrier_never_pre_advised_is_refused(ctx, clock, carrier):
    if carrier != CARRIER:
        remote(ctx, "preadvise", args(clock))  # SF's, not JD's

    with pytest.raises(RefusalError) as refused:
        remote(ctx, "withdraw_preadvice", {"carrier": carrier, "tracking": TRACKING})

    assert refused.value.code == ServiceRefusal.PREADVICE_UNKNOWN
    assert records(ctx, "parcel.withdrawn") == []


def test_a_pre_advice_not_deposited_in_time_is_cancelled_by_itself_once(ctx, clock):
    remote(ctx, "preadvise", args(clock))
    lapses = clock.now() + timedelta(hours=4) + ctx.rules.preadvice_window

    clock.current = lapses
    assert cancel_lapsed_preadvice(ctx) == []
    clock.advance(seconds=1)
    [lapsed] = cancel_lapsed_preadvice(ctx)
    assert cancel_lapsed_preadvice(ctx) == []

    assert lapsed.tracking == TRACKING
    assert ctx.store.parcel(lapsed.id).state is ParcelState.CANCELLED
    [record] = records(ctx, "parcel.preadvice_expired")
    assert record.actor == "system"
    assert record.details["carrier"] == CARRIER and record.details["tracking"] == TRACKING
    assert record.details["parcel_id"] == lapsed.id


def test_the_sweep_leaves_deposited_parcels_and_fresh_pre_advice_alone(ctx, clock, courier):
    courier.deposit("SF0000000009")
    remote(ctx, "preadvise", args(clock))
    clock.advance(days=3)

    assert cancel_lapsed_preadvice(ctx) == []
    assert {p.state for p in every_parcel(ctx)} == {ParcelState.DEPOSITED, ParcelState.EXPECTED}


def test_an_expected_parcel_takes_no_door_and_is_in_nobody_s_list(ctx, clock, courier):
    remote(ctx, "preadvise", args(clock))

    assert {c.state for c in ctx.store.compartments()} == {CompartmentState.FREE}
    assert recent_deposits(ctx, courier.id) == []
    with pytest.raises(RefusalError):
        collect_by_phone(ctx, "5678", "12345678")
    reconcile(ctx)  # start-up finds nothing lost
    [parcel] = every_parcel(ctx)
    assert parcel.state is ParcelState.EXPECTED
    assert not [r for r in ctx.store.audit_records() if "interrupted" in r.action]


def test_the_phone_of_a_lapsed_pre_advice_is_purged_after_the_retention(ctx, clock):
    remote(ctx, "preadvise", args(clock))
    clock.advance(days=4)
    cancel_lapsed_preadvice(ctx)

    clock.advance(days=ctx.rules.retention.days - 1)
    purge_personal_data(ctx)
    assert every_parcel(ctx)[0].recipient_phone == PHONE
    clock.advance(days=2)
    purge_personal_data(ctx)
    assert every_parcel(ctx)[0].recipient_phone is None


HUGE = 2**63


@pytest.mark.parametrize(
    ("changed", "code"),
    [
        ({"carrier": None}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"carrier": 7}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"carrier": "SF\x00Express"}, ServiceRefusal.CARRIER_LENGTH),
        ({"carrier": "S" * 500}, ServiceRefusal.CARRIER_LENGTH),
        ({"tracking": "SF\x00001"}, ServiceRefusal.TRACKING_FORMAT),
        ({"tracking": "S" * 500}, ServiceRefusal.TRACKING_FORMAT),
        ({"tracking": 730620001}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"phone": 13812345678}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"phone": "1" * 500}, "phone.format"),
        ({"phone": "138\x0012345678"}, "phone.format"),
        ({"size": "XXL"}, "size.unknown"),
        ({"size": 2}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"low_door": "yes"}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"low_door": 1}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"language": "fr"}, "language.unknown"),
        ({"language": 1}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"expected_at": None}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"expected_at": "tomorrow"}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"expected_at": True}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"expected_at": -1}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"expected_at": HUGE}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"expected_at": 2**53}, ServiceRefusal.REMOTE_ARGUMENTS),
        ({"expected_at": 253402300800}, ServiceRefusal.REMOTE_ARGUMENTS),  # year 10000
    ],
)
def test_a_hostile_pre_advice_is_refused_clearly_and_changes_nothing(ctx, clock, changed, code):
    seq_before = ctx.store.audit_head()

    with pytest.raises(RefusalError) as refused:
        remote(ctx, "preadvise", args(clock, **changed))

    assert refused.value.code == code
    assert every_parcel(ctx) == []
    assert ctx.store.audit_head() == seq_before


@pytest.mark.parametrize(
    "withdraw",
    [
        {},
        {"carrier": CARRIER},
        {"carrier": CARRIER, "tracking": None},
        {"carrier": CARRIER, "tracking": "S" * 500},
        {"carrier": "\x00", "tracking": TRACKING},
        {"carrier": CARRIER, "tracking": HUGE},
    ],
)
def test_a_hostile_withdrawal_is_refused_and_changes_nothing(ctx, clock, withdraw):
    remote(ctx, "preadvise", args(clock))

    with pytest.raises(RefusalError):
        remote(ctx, "withdraw_preadvice", withdraw)

    assert [p.state for p in every_parcel(ctx)] == [ParcelState.EXPECTED]


def test_read_preadvice_takes_absent_optional_fields_as_their_defaults(clock):
    given = args(clock)
    del given["low_door"], given["language"]

    advice = read_preadvice(given, clock.now())

    assert advice.needs_low is False and advice.language is None
    assert advice.expected_at == datetime.fromtimestamp(given["expected_at"], UTC)


def test_the_use_case_and_the_remote_action_agree(ctx, clock):
    advice = read_preadvice(args(clock), clock.now())
    outcome = preadvise_parcel(ctx, advice, "remote:centre")
    assert remote(ctx, "preadvise", args(clock)) == outcome
    assert withdraw_preadvice(ctx, CARRIER, TRACKING, "remote:centre")["state"] == "cancelled"
