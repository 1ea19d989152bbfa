"""A fleet courier's grant, once its signatures hold: one account at this locker, by revision.

The centre resends a grant it heard no answer to, so the same revision is done again with no
second effect; an older one never undoes a newer; and the locker's own couriers are not the
centre's to change.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from datetime import timedelta

import pytest

from locker.domain import badge
from locker.domain.fleet_courier import FleetCourier
from locker.domain.passwords import hash_secret
from locker.services import accounts
from locker.services.accounts import badge_login, issue_badge, login_courier
from locker.services.errors import AuthenticationError, NotAllowedError, ServiceRefusal
from locker.services.fleet_couriers import sync_fleet_courier
from tests.conftest import COURIER_PIN, fixture_secrets_hashed_once

FLEET_ID = 10_000_001
ACTOR = "remote:centre"
OPERATOR = "bob"
NEW_PIN = "975310"


@functools.cache
def pin_hash(pin: str) -> str:
    return hash_secret(pin)


@pytest.fixture
def fleet_badge() -> badge.Badge:
    return badge.issue_fleet(FLEET_ID)


@pytest.fixture
def granted(ctx, fleet_badge) -> FleetCourier:
    """Revision 1 of a fleet courier's account: a PIN and a badge from the centre."""
    return FleetCourier(
        id=FLEET_ID,
        carrier="SF Express",
        name="Wang Fang",
        pin_hash=pin_hash(COURIER_PIN),
        badge_hash=fleet_badge.token_hash,
        badge_issued_at=ctx.clock.now(),
        active=True,
        revision=1,
    )


def synced(ctx) -> list:
    return [r for r in ctx.store.audit_records() if r.action == "courier.synced"]


def test_a_granted_courier_logs_in_with_the_pin_and_the_fleet_badge(ctx, granted, fleet_badge):
    outcome = sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    assert outcome == {"courier": FLEET_ID, "revision": 1, "active": True, "applied": True}
    assert login_courier(ctx, FLEET_ID, COURIER_PIN).name == "Wang Fang"
    assert badge_login(ctx, fleet_badge.text).id == FLEET_ID
    assert ctx.store.courier(FLEET_ID).fleet_revision == 1


def test_the_sync_is_one_audit_record_that_names_the_operator_and_never_a_hash(ctx, granted):
    sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    [record] = synced(ctx)
    assert (record.actor, record.subject) == (ACTOR, str(FLEET_ID))
    assert record.details == {
        "carrier": "SF Express",
        "name": "Wang Fang",
        "active": True,
        "revision": 1,
        "operator": OPERATOR,
    }
    written = json.dumps(record.details)
    assert granted.pin_hash not in written and str(granted.badge_hash) not in written


def test_the_same_revision_again_is_done_with_no_second_effect(ctx, granted):
    sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    version = ctx.store.courier_session_version(FLEET_ID)
    again = sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    assert again == {"courier": FLEET_ID, "revision": 1, "active": True, "applied": False}
    assert len(synced(ctx)) == 1
    assert ctx.store.courier_session_version(FLEET_ID) == version


def test_an_older_revision_is_refused_as_stale_and_changes_nothing(ctx, granted):
    newer = replace(granted, pin_hash=pin_hash(NEW_PIN), revision=2)
    sync_fleet_courier(ctx, newer, OPERATOR, ACTOR)
    with pytest.raises(NotAllowedError) as refused:
        sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    assert refused.value.code == ServiceRefusal.COURIER_STALE_GRANT
    assert ctx.store.fleet_courier(FLEET_ID) == newer
    assert login_courier(ctx, FLEET_ID, NEW_PIN).id == FLEET_ID
    assert len(synced(ctx)) == 1


def test_the_lockers_own_courier_is_never_overwritten(ctx, granted):
    # A courier the locker numbered before the ranges were split, at the fleet id.
    ctx.store.db.execute(
        "INSERT INTO couriers (id, carrier, name, pin_hash, created_at) "
        "VALUES (?, 'ZTO', 'Local', ?, '2026-01-01T00:00:00+00:00')",
        [FLEET_ID, pin_hash(NEW_PIN)],
    )
    with pytest.raises(NotAllowedError) as refused:
        sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    assert refused.value.code == ServiceRefusal.COURIER_NOT_FLEET
    assert ctx.store.courier(FLEET_ID).name == "Local"
    assert login_courier(ctx, FLEET_ID, NEW_PIN).fleet_revision is None
    assert synced(ctx) == []


def test_local_couriers_keep_ids_below_the_fleets(ctx, granted):
    with fixture_secrets_hashed_once(accounts):
        before = accounts.add_courier(ctx, "ZTO", "Local One", COURIER_PIN, "admin:admin")
        sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
        after = accounts.add_courier(ctx, "ZTO", "Local Two", COURIER_PIN, "admin:admin")
    assert after.id == before.id + 1 < 10_000_000
    assert after.fleet_revision is None


@pytest.mark.parametrize(
    "change",
    [
        {"pin_hash": pin_hash(NEW_PIN)},
        {"badge_hash": "f" * 64},
        {"active": False},
    ],
    ids=["pin", "badge", "disabled"],
)
def test_a_later_revision_that_changes_a_key_ends_the_couriers_sessions(ctx, granted, change):
    sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    before = ctx.store.db.execute("SELECT session_version FROM couriers").fetchone()[0]
    sync_fleet_courier(ctx, replace(granted, revision=2, **change), OPERATOR, ACTOR)
    after = ctx.store.db.execute("SELECT session_version FROM couriers").fetchone()[0]
    assert after == before + 1


def test_a_later_revision_that_renames_the_courier_keeps_their_sessions(ctx, granted):
    sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    version = ctx.store.courier_session_version(FLEET_ID)
    outcome = sync_fleet_courier(ctx, replace(granted, name="Wang F.", revision=2), "carol", ACTOR)
    assert outcome["applied"] and ctx.store.courier(FLEET_ID).name == "Wang F."
    assert ctx.store.courier_session_version(FLEET_ID) == version
    assert [r.details["operator"] for r in synced(ctx)] == [OPERATOR, "carol"]


def test_a_disabled_courier_logs_in_no_more(ctx, granted, fleet_badge):
    sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    outcome = sync_fleet_courier(ctx, replace(granted, active=False, revision=2), OPERATOR, ACTOR)
    assert outcome == {"courier": FLEET_ID, "revision": 2, "active": False, "applied": True}
    with pytest.raises(AuthenticationError):
        login_courier(ctx, FLEET_ID, COURIER_PIN)
    with pytest.raises(AuthenticationError):
        badge_login(ctx, fleet_badge.text)
    assert ctx.store.courier_session_version(FLEET_ID) is None


def test_a_badge_the_locker_issued_works_until_a_grant_carries_a_new_one(ctx, granted, fleet_badge):
    without_badge = replace(granted, badge_hash=None, badge_issued_at=None)
    sync_fleet_courier(ctx, without_badge, OPERATOR, ACTOR)
    local = issue_badge(ctx, FLEET_ID, "admin:admin")
    assert local.startswith("CB1:")
    sync_fleet_courier(ctx, replace(without_badge, name="Wang F.", revision=2), OPERATOR, ACTOR)
    assert badge_login(ctx, local).id == FLEET_ID
    sync_fleet_courier(ctx, replace(granted, revision=3), OPERATOR, ACTOR)
    with pytest.raises(AuthenticationError) as replaced:
        badge_login(ctx, local)
    assert replaced.value.code == ServiceRefusal.BADGE_REPLACED
    assert badge_login(ctx, fleet_badge.text).id == FLEET_ID


def test_a_fleet_badge_expires_as_a_local_one_does(ctx, granted, fleet_badge):
    old = ctx.clock.now() - ctx.rules.badge_valid - timedelta(seconds=1)
    sync_fleet_courier(ctx, replace(granted, badge_issued_at=old), OPERATOR, ACTOR)
    with pytest.raises(AuthenticationError) as refused:
        badge_login(ctx, fleet_badge.text)
    assert refused.value.code == ServiceRefusal.BADGE_EXPIRED


def test_a_fleet_badge_for_another_courier_opens_no_account(ctx, granted, fleet_badge):
    sync_fleet_courier(ctx, granted, OPERATOR, ACTOR)
    nonce = fleet_badge.text.rsplit(":", 1)[1]
    with pytest.raises(AuthenticationError):
        badge_login(ctx, badge.fleet_badge_text(FLEET_ID + 1, nonce))
    with pytest.raises(AuthenticationError):
        badge_login(ctx, badge.fleet_badge_text(FLEET_ID, nonce[::-1]))
