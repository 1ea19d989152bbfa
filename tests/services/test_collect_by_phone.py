"""Picking up with the phone number's last four digits and the code, and its budgets.

Each recipient phone has its own budget of wrong codes; tries whose four digits match no waiting
parcel spend one locker-wide budget instead, which never stands in the way of a recipient
whose digits match (decision 0005).
"""

from __future__ import annotations

import concurrent.futures
import json

import pytest

from locker.domain.errors import InvalidInputError
from locker.domain.qr_payload import QrVerdict
from locker.domain.states import ParcelState
from locker.services.collect_by_phone import check_phone_ending, collect_by_phone
from locker.services.collect_parcel import collect_by_code, collect_by_qr
from locker.services.context import LockerContext
from locker.services.errors import CodeRejectedError, LockedOutError, ServiceRefusal
from locker.services.purge_personal_data import purge_personal_data
from locker.store import SqliteStore

WANG = "13812345678"
LI = "13900005678"  # shares Wang's last four digits
ZHAO = "13700001111"
WRONG = "00000000"


def wrong_tries(ctx, ending: str, count: int) -> None:
    """`count` wrong codes with these digits, each a different one (as a guesser would)."""
    for n in range(count):
        with pytest.raises(CodeRejectedError) as refusal:
            collect_by_phone(ctx, ending, f"{n:08d}")
        assert refusal.value.code is ServiceRefusal.PICKUP_PHONE_WRONG


def test_the_last_four_digits_and_the_code_open_the_door(ctx, courier, board):
    receipt = courier.deposit(phone=WANG)
    board.opened.clear()

    result = collect_by_phone(ctx, "5678", receipt.code)

    assert result.compartment == receipt.compartment
    assert board.opened == [ctx.store.compartment(receipt.compartment).address]
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED
    collected = [r for r in ctx.store.audit_records() if r.action == "parcel.collected"]
    assert collected[-1].details["method"] == "phone and code"


def test_two_recipients_who_share_the_last_four_digits_each_open_with_their_own_code(ctx, courier):
    wang = courier.deposit("SF0001", phone=WANG)
    li = courier.deposit("SF0002", phone=LI)
    assert collect_by_phone(ctx, "5678", li.code).compartment == li.compartment
    assert collect_by_phone(ctx, "5678", wang.code).compartment == wang.compartment


def test_a_code_with_the_digits_of_another_phone_opens_nothing(ctx, courier, board):
    wang = courier.deposit("SF0001", phone=WANG)
    courier.deposit("SF0002", phone=ZHAO)
    board.opened.clear()
    with pytest.raises(CodeRejectedError) as refusal:
        collect_by_phone(ctx, "1111", wang.code)
    # The same answer as any wrong code: it never tells that the code is someone else's.
    assert refusal.value.code is ServiceRefusal.PICKUP_PHONE_WRONG
    assert board.opened == []
    assert ctx.store.parcel(wang.parcel.id).state is ParcelState.DEPOSITED


@pytest.mark.parametrize(("ending", "code"), [("567", "12345678"), ("5678", "1234"), ("", "")])
def test_badly_typed_digits_or_code_are_explained_and_not_counted(ctx, courier, ending, code):
    courier.deposit(phone=WANG)
    with pytest.raises(InvalidInputError):
        collect_by_phone(ctx, ending, code)
    assert all(r.action != "phone.lockout" for r in ctx.store.audit_records())
    wrong_tries(ctx, "5678", 4)  # all five tries are still there


def test_five_wrong_codes_pause_that_phone_number_only(ctx, courier, clock):
    wang = courier.deposit("SF0001", phone=WANG)
    zhao = courier.deposit("SF0002", phone=ZHAO)
    wrong_tries(ctx, "5678", 5)

    with pytest.raises(LockedOutError, match="try again in 30 seconds") as paused:
        collect_by_phone(ctx, "5678", wang.code)
    assert paused.value.code is ServiceRefusal.PHONE_LOCKED
    with pytest.raises(LockedOutError):
        check_phone_ending(ctx, "5678")  # said at the first step already
    # Another phone number, the code alone and the QR are not paused.
    assert check_phone_ending(ctx, "1111") == "1111"
    assert collect_by_phone(ctx, "1111", zhao.code).compartment == zhao.compartment
    clock.advance(seconds=31)
    assert collect_by_phone(ctx, "5678", wang.code).compartment == wang.compartment


def test_the_try_that_pauses_a_phone_number_says_so_and_no_other_try_counts_down(ctx, courier):
    courier.deposit(phone=WANG)
    told = []
    for n in range(5):
        with pytest.raises(CodeRejectedError) as refusal:
            collect_by_phone(ctx, "5678", f"{n:08d}")
        told.append(refusal.value.attempts_left)
    assert told == [None, None, None, None, 0]


def test_the_code_alone_still_works_while_a_phone_number_is_paused(ctx, courier):
    wang = courier.deposit("SF0001", phone=WANG)
    wrong_tries(ctx, "5678", 5)
    assert collect_by_code(ctx, wang.code).compartment == wang.compartment
    assert ctx.store.failure_record("keypad").failures == ()


def test_a_phone_numbers_lockout_is_audited_without_the_number_or_its_key(ctx, courier):
    courier.deposit(phone=WANG)
    wrong_tries(ctx, "5678", 5)
    [lockout] = [r for r in ctx.store.audit_records() if r.action == "phone.lockout"]
    written = json.dumps([lockout.subject, lockout.details])
    assert WANG not in written and "5678" not in written
    # The audit log is kept for good, and the budget's key is a hash anyone holding the
    # locker's secret could reverse by trying every number: the key is purged, never audited.
    [key] = [row["key"] for row in ctx.store.db.query("SELECT key FROM failure_budgets")]
    assert key.startswith("phone:") and key.split(":")[1] not in written


def test_a_right_code_clears_its_phones_wrong_tries(ctx, courier):
    first = courier.deposit("SF0001", phone=WANG)
    second = courier.deposit("SF0002", phone=WANG)
    wrong_tries(ctx, "5678", 4)
    collect_by_phone(ctx, "5678", first.code)
    wrong_tries(ctx, "5678", 4)  # four more, and still not paused
    assert collect_by_phone(ctx, "5678", second.code).compartment == second.compartment


def test_wrong_tries_at_shared_digits_count_against_each_phone_that_ends_in_them(ctx, courier):
    """The locker cannot tell which of the two is typing: a guess at 5678 is a guess at both."""
    courier.deposit("SF0001", phone=WANG)
    li = courier.deposit("SF0002", phone=LI)
    wrong_tries(ctx, "5678", 5)
    with pytest.raises(LockedOutError):
        collect_by_phone(ctx, "5678", li.code)
    assert sum(r.action == "phone.lockout" for r in ctx.store.audit_records()) == 2


def test_thirty_guesses_that_match_no_parcel_pause_only_such_guesses(ctx, courier, board):
    wang = courier.deposit("SF0001", phone=WANG)
    zhao = courier.deposit("SF0002", phone=ZHAO)
    li = courier.deposit("SF0003", phone=LI)
    wrong_tries(ctx, "0000", ctx.rules.phone_code_locker.max_failures)

    with pytest.raises(LockedOutError) as paused:
        collect_by_phone(ctx, "2222", "12345678")
    assert paused.value.code is ServiceRefusal.PHONE_KEYPAD_LOCKED
    with pytest.raises(LockedOutError):
        check_phone_ending(ctx, "0000")
    lockouts = [r.action for r in ctx.store.audit_records() if r.action.endswith(".lockout")]
    assert lockouts == ["phone_keypad.lockout"]
    # Nobody's phone number was charged, and the code alone and the QR work as before.
    assert collect_by_phone(ctx, "5678", wang.code).compartment == wang.compartment
    assert collect_by_code(ctx, zhao.code).compartment == zhao.compartment
    assert collect_by_qr(ctx, li.qr).compartment == li.compartment


def test_guesses_before_a_parcel_arrives_do_not_pause_its_recipient(ctx, courier):
    wrong_tries(ctx, "5678", 10)  # nobody's parcel ends in 5678 yet
    wang = courier.deposit(phone=WANG)
    wrong_tries(ctx, "5678", 4)
    assert collect_by_phone(ctx, "5678", wang.code).compartment == wang.compartment


def test_the_right_digits_and_code_of_an_expired_parcel_say_so(ctx, courier, clock):
    wang = courier.deposit(phone=WANG)
    clock.advance(hours=72, seconds=1)
    with pytest.raises(CodeRejectedError, match="expired") as refusal:
        collect_by_phone(ctx, "5678", wang.code)
    assert refusal.value.verdict is QrVerdict.EXPIRED


def test_a_burst_of_wrong_tries_for_one_phone_at_once_is_judged_within_its_budget(
    ctx, courier, db_path
):
    """Twelve wrong codes for one phone at once, each on its own connection: five are judged,
    the rest find the phone number paused."""
    courier.deposit(phone=WANG)

    def guess(n: int) -> str:
        with SqliteStore(db_path) as store:
            try:
                collect_by_phone(
                    LockerContext(store, ctx.board, ctx.clock, ctx.rules), "5678", f"{n:08d}"
                )
            except CodeRejectedError:
                return "judged"
            except LockedOutError:
                return "paused"
        return "opened"

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(12)))
    assert answers.count("judged") == ctx.rules.phone_code.max_failures
    assert answers.count("paused") == 12 - ctx.rules.phone_code.max_failures


def test_a_phones_budget_is_forgotten_with_its_number_after_the_retention(ctx, courier, clock):
    def phone_budgets() -> list[str]:
        rows = ctx.store.db.query("SELECT key FROM failure_budgets WHERE key LIKE 'phone:%'")
        return [row["key"] for row in rows]

    wang = courier.deposit(phone=WANG)
    wrong_tries(ctx, "5678", 2)
    collect_by_phone(ctx, "5678", wang.code)
    clock.advance(days=29)
    purge_personal_data(ctx)
    assert len(phone_budgets()) == 1
    clock.advance(days=2)
    purge_personal_data(ctx)
    assert phone_budgets() == []
    assert ctx.store.parcel(wang.parcel.id).recipient_phone is None
