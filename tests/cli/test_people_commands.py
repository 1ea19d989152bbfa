"""`locker courier ...` and `locker admin ...`."""

from __future__ import annotations

import pytest

from locker.services.accounts import check_admin, login_by_badge, login_courier
from locker.services.errors import AuthenticationError
from locker.services.staff_sessions import admin_session
from tests.cli.conftest import ADMIN_PASSWORD, LockerCli, assert_clean_failure

# --- couriers -----------------------------------------------------------------------------------


def test_courier_add_reads_the_pin_from_stdin_and_prints_the_new_id(ready: LockerCli):
    result = ready.ok(
        "courier", "add", "--carrier", "SF Express", "--name", "Li Wei", input="246813\n"
    )

    courier_id = int(result.stdout.strip())
    assert "246813" not in result.stdout
    with ready.context() as ctx:
        courier = login_courier(ctx, courier_id, "246813")
        assert (courier.carrier, courier.name, courier.active) == ("SF Express", "Li Wei", True)


def test_courier_add_accepts_a_pin_line_ending_in_crlf(ready: LockerCli):
    result = ready.ok("courier", "add", "--carrier", "SF", "--name", "Li", input="246813\r\n")
    with ready.context() as ctx:
        login_courier(ctx, int(result.stdout), "246813")


@pytest.mark.parametrize(
    ("pin_input", "message"),
    [
        ("123\n", "a PIN is 6 to 12 digits"),
        ("1234567890123\n", "a PIN is 6 to 12 digits"),
        ("2468\n", "a PIN is 6 to 12 digits"),
        ("12a456\n", "a PIN is 6 to 12 digits"),
        (" 123456\n", "a PIN is 6 to 12 digits"),
        ("١٢٣٤٥٦\n", "a PIN is 6 to 12 digits"),  # Arabic-Indic digits are not keypad digits
        ("\n", "a PIN is 6 to 12 digits"),
        ("", "expected the pin on standard input"),
    ],
    ids=[
        "too-short",
        "too-long",
        "four-digits",
        "letter",
        "leading-space",
        "non-ascii-digits",
        "empty",
        "none",
    ],
)
def test_courier_add_refuses_a_bad_pin_and_adds_nobody(
    ready: LockerCli, pin_input: str, message: str
):
    result = ready.run("courier", "add", "--carrier", "SF", "--name", "Li", input=pin_input)

    assert_clean_failure(result, message)
    assert ready.query("SELECT count(*) FROM couriers") == [(0,)]


@pytest.mark.parametrize(
    ("carrier", "name"),
    [("", "Li"), ("SF", "   "), ("SF", "x" * 65)],
    ids=["carrier", "blank", "long"],
)
def test_courier_add_refuses_a_bad_carrier_or_name(ready: LockerCli, carrier: str, name: str):
    result = ready.run("courier", "add", "--carrier", carrier, "--name", name, input="246813\n")
    assert_clean_failure(result, "must be 1 to 64 characters")


def test_courier_list_shows_every_courier_with_carrier_name_and_status(ready: LockerCli):
    first = ready.ok("courier", "add", "--carrier", "SF Express", "--name", "Li", input="111111\n")
    second = ready.ok("courier", "add", "--carrier", "JD", "--name", "Zhang", input="222222\n")
    ready.sql("UPDATE couriers SET active = 0 WHERE id = ?", [int(second.stdout)])

    result = ready.ok("courier", "list")

    assert result.stdout.splitlines() == [
        f"{int(first.stdout)}\tSF Express\tLi\tactive",
        f"{int(second.stdout)}\tJD\tZhang\tdisabled",
    ]
    assert "111111" not in result.stdout and "scrypt" not in result.stdout


def test_courier_badge_prints_a_badge_the_locker_accepts(ready: LockerCli):
    courier_id = int(
        ready.ok("courier", "add", "--carrier", "SF", "--name", "Li", input="111111\n").stdout
    )

    badge = ready.ok("courier", "badge", str(courier_id)).stdout.strip()

    with ready.context() as ctx:
        assert login_by_badge(ctx, badge).id == courier_id


def test_issuing_a_second_badge_revokes_the_first(ready: LockerCli):
    courier_id = ready.ok(
        "courier", "add", "--carrier", "SF", "--name", "Li", input="111111\n"
    ).stdout

    first = ready.ok("courier", "badge", courier_id.strip()).stdout.strip()
    second = ready.ok("courier", "badge", courier_id.strip()).stdout.strip()

    assert first != second
    with ready.context() as ctx:
        assert login_by_badge(ctx, second).id == int(courier_id)
        with pytest.raises(AuthenticationError, match="replaced"):
            login_by_badge(ctx, first)


def test_an_expired_badge_is_refused_and_courier_badge_issues_a_fresh_one(ready: LockerCli):
    courier_id = int(
        ready.ok("courier", "add", "--carrier", "SF", "--name", "Li", input="111111\n").stdout
    )
    old = ready.ok("courier", "badge", str(courier_id)).stdout.strip()
    ready.sql("UPDATE couriers SET badge_issued_at = '2020-01-01T00:00:00+00:00'")
    with ready.context() as ctx, pytest.raises(AuthenticationError, match="expired"):
        login_by_badge(ctx, old)

    new = ready.ok("courier", "badge", str(courier_id)).stdout.strip()

    with ready.context() as ctx:
        assert login_by_badge(ctx, new).id == courier_id


def test_a_badge_for_an_unknown_courier_is_refused(ready: LockerCli):
    assert_clean_failure(ready.run("courier", "badge", "99"), "no courier 99")
    assert_clean_failure(ready.run("courier", "badge", "li"), "is not a valid integer")


# --- admins -------------------------------------------------------------------------------------


def test_init_sets_the_first_admins_password(ready: LockerCli):
    with ready.context() as ctx:
        check_admin(ctx, "admin", ADMIN_PASSWORD)
        with pytest.raises(AuthenticationError):
            check_admin(ctx, "admin", "not-the-password")


def test_admin_add_then_passwd_changes_which_password_logs_in(ready: LockerCli):
    added = ready.ok("admin", "add", "ops", "--password-stdin", input="first-password\n")
    changed = ready.ok("admin", "passwd", "ops", "--password-stdin", input="second-password\n")

    assert "first-password" not in added.output and "second-password" not in changed.output
    with ready.context() as ctx:
        check_admin(ctx, "ops", "second-password")
        with pytest.raises(AuthenticationError):
            check_admin(ctx, "ops", "first-password")
        # The other admin is untouched.
        check_admin(ctx, "admin", ADMIN_PASSWORD)


def test_admin_passwd_ends_the_admins_sessions(ready: LockerCli):
    with ready.context() as ctx:
        before = admin_session(ctx, "admin")
    ready.ok("admin", "passwd", "admin", "--password-stdin", input="second-password\n")
    with ready.context() as ctx:
        assert admin_session(ctx, "admin") not in (before, None)


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["add", "ops"], "short", "at least 8 characters"),
        (["add", "admin"], "long-enough", "already an admin called 'admin'"),
        (["add", "bad name"], "long-enough", "a username is 1 to 32"),
        (["passwd", "admin"], "short", "at least 8 characters"),
        (["passwd", "nobody"], "long-enough", "no admin called 'nobody'"),
        (["passwd", "admin"], None, "expected the new password on standard input"),
    ],
    ids=["add-short", "add-taken", "add-bad-name", "passwd-short", "passwd-unknown", "no-stdin"],
)
def test_admin_commands_refuse_bad_input_and_change_nothing(
    ready: LockerCli, args: list[str], password: str | None, message: str
):
    admins_before = ready.query("SELECT * FROM admins ORDER BY username")
    audit_before = ready.query("SELECT count(*) FROM audit_log")

    result = ready.run(
        "admin", *args, "--password-stdin", input="" if password is None else f"{password}\n"
    )

    assert_clean_failure(result, message)
    assert ready.query("SELECT * FROM admins ORDER BY username") == admins_before
    assert ready.query("SELECT count(*) FROM audit_log") == audit_before
