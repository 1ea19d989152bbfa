"""Staff logins: PINs, passwords and badges, their budgets, the locker-wide wait and the audit."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta

import pytest

from locker.boards.in_memory import InMemoryBoard
from locker.domain import passwords
from locker.domain.errors import InvalidInputError
from locker.domain.login_delay import DelayPolicy
from locker.domain.passwords import hash_secret
from locker.services.accounts import (
    add_courier,
    badge_claim_login,
    badge_login,
    change_admin_password,
    change_courier_pin,
    check_admin,
    issue_badge,
    login_by_badge,
    login_courier,
    reset_admin_password,
    reset_courier_pin,
    set_courier_active,
)
from locker.services.context import LockerContext
from locker.services.errors import (
    AuthenticationError,
    LockedOutError,
    LoginWaitError,
    NotFoundError,
    TooManyLoginsError,
)
from locker.services.login_budget import LoginOrigin, locker_wide_wait
from locker.services.scan_pickup import pickup_by_scan
from locker.services.scan_tickets import ScanTickets
from locker.services.staff_sessions import (
    admin_session,
    courier_session,
    end_admin_session,
    end_courier_session,
)
from locker.store import SqliteStore
from tests.conftest import ADMIN_PASSWORD, COURIER_PIN

UNKNOWN_ID = 987_654


def audit(ctx, *actions: str) -> list:
    return [r for r in ctx.store.audit_records() if not actions or r.action in actions]


def audit_text(ctx) -> str:
    return json.dumps(
        [[r.actor, r.action, r.subject, dict(r.details)] for r in ctx.store.audit_records()],
        ensure_ascii=False,
    )


@pytest.fixture
def scrypt_runs(monkeypatch) -> list[int]:
    """Every scrypt run, counted through a wrapper around the real one."""
    runs: list[int] = []
    real = passwords._derive

    def counting(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        runs.append(n)
        return real(secret, salt, n, r, p)

    monkeypatch.setattr(passwords, "_derive", counting)
    return runs


@pytest.fixture
def short_wait(ctx) -> DelayPolicy:
    """A locker-wide wait that starts after three failures, so the tests stay short."""
    policy = DelayPolicy(
        free_failures=3,
        window=timedelta(minutes=15),
        first_delay=timedelta(seconds=2),
        max_delay=timedelta(seconds=30),
    )
    ctx.rules = dataclasses.replace(ctx.rules, staff_delay=policy)
    return policy


# --- PINs -------------------------------------------------------------------------------------


def test_a_new_pin_needs_six_digits(ctx, courier):
    with pytest.raises(InvalidInputError, match="6 to 12 digits"):
        add_courier(ctx, "SF Express", "Short Pin", "2468", "test")
    with pytest.raises(InvalidInputError, match="6 to 12 digits"):
        reset_courier_pin(ctx, courier.id, "13579", "admin:admin")
    with pytest.raises(InvalidInputError, match="6 to 12 digits"):
        change_courier_pin(ctx, courier.id, "1357")


def test_a_four_digit_pin_from_before_still_logs_in(ctx, courier):
    ctx.store.set_courier_pin(courier.id, hash_secret("2468"))
    assert login_courier(ctx, courier.id, "2468").id == courier.id


def test_a_courier_s_own_new_pin_replaces_the_old_one(ctx, courier):
    change_courier_pin(ctx, courier.id, "975310")
    with pytest.raises(AuthenticationError):
        login_courier(ctx, courier.id, COURIER_PIN)
    assert login_courier(ctx, courier.id, "975310").id == courier.id
    assert [r.subject for r in audit(ctx, "courier.pin_changed")] == [str(courier.id)]


@pytest.mark.parametrize("courier_id", [0, -1, 10**9, 10**20])
def test_an_id_out_of_range_names_no_courier(ctx, courier_id):
    for change in (
        lambda: set_courier_active(ctx, courier_id, False, "admin:admin"),
        lambda: reset_courier_pin(ctx, courier_id, "975310", "admin:admin"),
        lambda: issue_badge(ctx, courier_id, "admin:admin"),
    ):
        with pytest.raises(NotFoundError):
            change()
    with pytest.raises(AuthenticationError):
        badge_claim_login(ctx, courier_id, "0" * 64)


# --- Who exists is never told ----------------------------------------------------------------


def test_an_unknown_or_disabled_id_costs_one_scrypt_like_a_known_one(ctx, courier, scrypt_runs):
    disabled = add_courier(ctx, "SF Express", "Paused", "135791", "test")
    set_courier_active(ctx, disabled.id, False, "admin:admin")
    scrypt_runs.clear()
    for courier_id in (courier.id, UNKNOWN_ID, disabled.id, 0, -5, 10**30):
        with pytest.raises(AuthenticationError, match="courier id or PIN is wrong"):
            login_courier(ctx, courier_id, "000000")
    assert scrypt_runs == [2**14] * 6


def test_an_unknown_admin_costs_one_scrypt_like_a_known_one(ctx, scrypt_runs):
    for username in ("admin", "nobody"):
        with pytest.raises(AuthenticationError, match="username or password is wrong"):
            check_admin(ctx, username, "guess-guess")
    assert scrypt_runs == [2**14] * 2


def test_wrong_pins_for_an_unknown_id_lock_it_out_as_for_a_real_one(ctx, courier):
    refusals = {}
    for courier_id in (courier.id, UNKNOWN_ID):
        for _ in range(5):
            with pytest.raises(AuthenticationError):
                login_courier(ctx, courier_id, "000000")
        with pytest.raises(LockedOutError) as locked:
            login_courier(ctx, courier_id, "000000")
        refusals[courier_id] = str(locked.value)
    assert refusals[courier.id] == refusals[UNKNOWN_ID]
    assert "too many wrong PINs for this account" in refusals[UNKNOWN_ID]


def test_a_burst_of_parallel_guesses_is_judged_within_the_budget(ctx, courier, db_path, clock):
    """Twelve wrong PINs at once: the budget's check and its count are one transaction."""
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def guess() -> None:
        with SqliteStore(db_path) as store:
            mine = LockerContext(store=store, board=InMemoryBoard(), clock=clock, rules=ctx.rules)
            barrier.wait()
            try:
                login_courier(mine, courier.id, "000000")
            except LockedOutError:
                outcomes.append("refused")
            except AuthenticationError:
                outcomes.append("judged")

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 12
    assert outcomes.count("judged") <= 5


def test_a_right_pin_after_four_wrong_ones_clears_the_account_s_budget(ctx, courier, clock):
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            login_courier(ctx, courier.id, "000000")
    login_courier(ctx, courier.id, COURIER_PIN)
    clock.advance(seconds=61)  # past the per-minute limit of five logins
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            login_courier(ctx, courier.id, "000000")
    assert login_courier(ctx, courier.id, COURIER_PIN).id == courier.id
    assert audit(ctx, "courier.lockout") == []


# --- The locker-wide wait --------------------------------------------------------------------


def fail_three_times(ctx, origin=LoginOrigin.SCREEN) -> None:
    """A stranger tries three ids, one PIN each: no account's own budget runs out."""
    for courier_id in (UNKNOWN_ID, UNKNOWN_ID + 1, UNKNOWN_ID + 2):
        with pytest.raises(AuthenticationError):
            login_courier(ctx, courier_id, "000000", origin)


def test_failures_across_the_locker_make_every_staff_login_wait(ctx, courier, clock, short_wait):
    fail_three_times(ctx)
    with pytest.raises(LoginWaitError, match="try again in 2 seconds") as waiting:
        login_courier(ctx, courier.id, COURIER_PIN)
    assert waiting.value.until == clock.now() + timedelta(seconds=2)
    with pytest.raises(LoginWaitError):
        check_admin(ctx, "admin", ADMIN_PASSWORD)
    clock.advance(seconds=2)
    assert login_courier(ctx, courier.id, COURIER_PIN).id == courier.id


def test_the_wait_grows_but_never_past_its_cap_so_nobody_is_locked_out(
    ctx, courier, clock, short_wait
):
    waits = []
    for n in range(12):  # a stranger tries one id after another, each as soon as allowed
        with pytest.raises(AuthenticationError):
            login_courier(ctx, UNKNOWN_ID + n, "000000")
        wait = locker_wide_wait(ctx, LoginOrigin.SCREEN).total_seconds()
        waits.append(wait)
        clock.advance(seconds=wait)
    assert waits == [0, 0, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30]
    with pytest.raises(AuthenticationError):
        login_courier(ctx, UNKNOWN_ID + 50, "000000")  # the stranger's last try
    # The courier arriving now waits what the page says, at most the cap, then gets in.
    with pytest.raises(LoginWaitError) as refused:
        login_courier(ctx, courier.id, COURIER_PIN)
    assert refused.value.until - clock.now() == short_wait.max_delay
    clock.advance(seconds=30)
    assert login_courier(ctx, courier.id, COURIER_PIN).id == courier.id


def test_a_refusal_within_the_wait_does_not_lengthen_it(ctx, courier, clock, short_wait):
    fail_three_times(ctx)
    for _ in range(10):
        with pytest.raises(LoginWaitError):
            login_courier(ctx, UNKNOWN_ID, "000000")
    clock.advance(seconds=2)
    assert login_courier(ctx, courier.id, COURIER_PIN).id == courier.id


def test_failures_from_the_network_never_delay_the_locker_s_own_screen(
    ctx, courier, clock, short_wait
):
    fail_three_times(ctx, LoginOrigin.NETWORK)
    with pytest.raises(LoginWaitError):
        login_courier(ctx, courier.id, COURIER_PIN, LoginOrigin.NETWORK)
    assert login_courier(ctx, courier.id, COURIER_PIN, LoginOrigin.SCREEN).id == courier.id


def test_a_badge_login_never_waits(ctx, courier, short_wait):
    fail_three_times(ctx)
    text = issue_badge(ctx, courier.id, "admin:admin")
    assert badge_login(ctx, text).id == courier.id


def test_a_right_pin_over_the_per_minute_limit_is_told_so_not_that_it_was_wrong(ctx, courier):
    for _ in range(5):
        login_courier(ctx, courier.id, COURIER_PIN)
    with pytest.raises(TooManyLoginsError, match="too many logins for this account in a minute"):
        login_courier(ctx, courier.id, COURIER_PIN)


# --- Badges expire ---------------------------------------------------------------------------


def test_a_badge_stops_working_after_badge_valid_days_and_a_new_one_works(ctx, courier, clock):
    old = issue_badge(ctx, courier.id, "admin:admin")
    clock.advance(days=364)
    assert badge_login(ctx, old).id == courier.id
    clock.advance(days=1)
    with pytest.raises(AuthenticationError, match="expired"):
        badge_login(ctx, old)
    with pytest.raises(AuthenticationError):
        login_by_badge(ctx, old)  # the camera's check as well
    new = issue_badge(ctx, courier.id, "cli")
    assert badge_login(ctx, new).id == courier.id


def test_the_validity_is_a_rule(ctx, courier, clock):
    ctx.rules = dataclasses.replace(ctx.rules, badge_valid=timedelta(days=30))
    text = issue_badge(ctx, courier.id, "admin:admin")
    clock.advance(days=30)
    with pytest.raises(AuthenticationError, match="expired"):
        badge_login(ctx, text)


def test_an_expired_badge_held_to_the_camera_gets_no_ticket(ctx, courier, clock):
    text = issue_badge(ctx, courier.id, "admin:admin")
    clock.advance(days=366)
    outcome = pickup_by_scan(ctx, text, ScanTickets(clock))
    assert outcome.reason == "badge_refused" and outcome.ticket is None


# --- Every login and logout is audited --------------------------------------------------------


def test_pin_logins_are_audited_with_account_and_method_never_the_pin(ctx, courier):
    with pytest.raises(AuthenticationError):
        login_courier(ctx, courier.id, "000000")
    login_courier(ctx, courier.id, COURIER_PIN)
    with pytest.raises(AuthenticationError):
        login_courier(ctx, UNKNOWN_ID, "111111")
    records = audit(ctx, "courier.login", "courier.login_failed")
    assert [(r.action, r.subject, r.details["method"]) for r in records] == [
        ("courier.login_failed", str(courier.id), "pin"),
        ("courier.login", str(courier.id), "pin"),
        ("courier.login_failed", "unknown", "pin"),
    ]
    assert [r.details.get("reason") for r in records] == ["wrong", None, "unknown account"]
    assert records[1].actor == f"courier:{courier.id}"
    text = audit_text(ctx)
    for secret in (COURIER_PIN, "000000", "111111", str(UNKNOWN_ID)):
        assert secret not in text


def test_refused_logins_are_audited_with_the_reason(ctx, courier, clock, short_wait):
    set_courier_active(ctx, courier.id, False, "admin:admin")
    with pytest.raises(AuthenticationError):
        login_courier(ctx, courier.id, COURIER_PIN)
    clock.advance(minutes=16)  # the locker-wide count forgets that failure
    fail_three_times(ctx)
    with pytest.raises(LoginWaitError):
        check_admin(ctx, "admin", ADMIN_PASSWORD)
    reasons = [
        (r.action, r.subject, r.details["reason"]) for r in audit(ctx, "courier.login_failed")
    ][:1] + [(r.action, r.subject, r.details["reason"]) for r in audit(ctx, "admin.login_failed")]
    assert reasons == [
        ("courier.login_failed", str(courier.id), "disabled"),
        ("admin.login_failed", "admin", "wait"),
    ]


def test_admin_logins_are_audited_never_the_password(ctx):
    with pytest.raises(AuthenticationError):
        check_admin(ctx, "admin", "guess-guess")
    check_admin(ctx, "admin", ADMIN_PASSWORD)
    with pytest.raises(AuthenticationError):
        check_admin(ctx, "correct-horse-typed-as-name", "x")
    records = audit(ctx, "admin.login", "admin.login_failed")
    assert [(r.action, r.subject, r.details["method"]) for r in records] == [
        ("admin.login_failed", "admin", "password"),
        ("admin.login", "admin", "password"),
        ("admin.login_failed", "unknown", "password"),
    ]
    text = audit_text(ctx)
    assert "guess-guess" not in text and ADMIN_PASSWORD not in text


def test_badge_logins_are_audited_never_the_badge(ctx, courier, clock):
    text = issue_badge(ctx, courier.id, "admin:admin")
    badge_login(ctx, text)
    with pytest.raises(AuthenticationError):
        badge_login(ctx, text[:-3] + "AAA")
    _, _, nonce, _ = text.split(":")
    from locker.domain.badge import read

    courier_id, token_hash = read(ctx.store.locker().secret, text)
    badge_claim_login(ctx, courier_id, token_hash)
    clock.advance(days=400)
    with pytest.raises(AuthenticationError):
        badge_claim_login(ctx, courier_id, token_hash)
    records = audit(ctx, "courier.login", "courier.login_failed")
    seen = [(r.action, r.subject, r.details["method"], r.details.get("reason")) for r in records]
    assert seen == [
        ("courier.login", str(courier.id), "badge", None),
        ("courier.login_failed", "unknown", "badge", "not a badge of this locker"),
        ("courier.login", str(courier.id), "camera badge", None),
        ("courier.login_failed", str(courier.id), "camera badge", "expired"),
    ]
    assert nonce not in audit_text(ctx) and text not in audit_text(ctx)


def test_logouts_are_audited_with_their_reason(ctx, courier):
    end_courier_session(ctx, courier.id, "logout")
    end_admin_session(ctx, "admin", "idle")
    records = audit(ctx, "courier.logout", "admin.logout")
    assert [(r.action, r.subject, r.details["reason"]) for r in records] == [
        ("courier.logout", str(courier.id), "logout"),
        ("admin.logout", "admin", "idle"),
    ]


# --- Session versions ------------------------------------------------------------------------


def test_logout_pin_reset_badge_and_disable_end_every_courier_session(ctx, courier):
    versions = [courier_session(ctx, courier.id)]
    end_courier_session(ctx, courier.id, "logout")
    versions.append(courier_session(ctx, courier.id))
    reset_courier_pin(ctx, courier.id, "975310", "admin:admin")
    versions.append(courier_session(ctx, courier.id))
    issue_badge(ctx, courier.id, "admin:admin")
    versions.append(courier_session(ctx, courier.id))
    assert len(set(versions)) == 4 and None not in versions
    set_courier_active(ctx, courier.id, False, "admin:admin")
    assert courier_session(ctx, courier.id) is None
    assert courier_session(ctx, UNKNOWN_ID) is None


def test_a_courier_s_own_pin_change_gives_the_session_that_made_it_the_new_version(ctx, courier):
    before = courier_session(ctx, courier.id)
    after = change_courier_pin(ctx, courier.id, "975310")
    assert after != before and courier_session(ctx, courier.id) == after


def test_password_changes_and_logouts_end_every_admin_session(ctx):
    first = admin_session(ctx, "admin")
    end_admin_session(ctx, "admin", "logout")
    second = admin_session(ctx, "admin")
    third = change_admin_password(ctx, "admin", ADMIN_PASSWORD, "brand-new-secret")
    assert third == admin_session(ctx, "admin")
    reset_admin_password(ctx, "admin", "another-new-secret", "cli")
    fourth = admin_session(ctx, "admin")
    assert len({first, second, third, fourth}) == 4
    assert admin_session(ctx, "nobody") is None


def test_changing_one_s_own_password_needs_the_current_one(ctx):
    with pytest.raises(AuthenticationError):
        change_admin_password(ctx, "admin", "not-the-password", "brand-new-secret")
    check_admin(ctx, "admin", ADMIN_PASSWORD)
    change_admin_password(ctx, "admin", ADMIN_PASSWORD, "brand-new-secret")
    check_admin(ctx, "admin", "brand-new-secret")
    assert [r.action for r in audit(ctx, "admin.password_changed")] == ["admin.password_changed"]


def test_guessing_the_current_password_spends_the_account_s_budget(ctx):
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            change_admin_password(ctx, "admin", "not-the-password", "brand-new-secret")
    with pytest.raises(LockedOutError, match="too many wrong passwords"):
        change_admin_password(ctx, "admin", ADMIN_PASSWORD, "brand-new-secret")
    with pytest.raises(LockedOutError):
        check_admin(ctx, "admin", ADMIN_PASSWORD)
