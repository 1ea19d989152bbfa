"""Fleet couriers: the account an admin at the centre granted, held at this locker by revision.

The grant's signatures were checked before it came here (locker/uplink/command_runner.py).
The centre sends a grant again, under a new nonce, until it hears the answer: the revision a
locker holds already is done again with no second effect, and an older one is refused, so a
late copy never undoes a newer change.
"""

from __future__ import annotations

from typing import Any

from locker.domain.fleet_courier import FleetCourier
from locker.services.context import LockerContext
from locker.services.errors import NotAllowedError, ServiceRefusal


def sync_fleet_courier(
    ctx: LockerContext, granted: FleetCourier, operator: str, actor: str
) -> dict[str, Any]:
    """Hold the granted account (`operator`: the admin who signed it); the outcome for the
    centre, with `applied` False when this revision was held already."""
    now = ctx.clock.now()
    with ctx.store.transaction():
        known = ctx.store.courier(granted.id)
        if known is not None and known.fleet_revision is None:
            raise NotAllowedError(
                f"courier {granted.id} is this locker's own: the centre cannot change it",
                code=ServiceRefusal.COURIER_NOT_FLEET,
                courier=granted.id,
            )
        held = ctx.store.fleet_courier(granted.id)
        if held is not None and held.revision > granted.revision:
            raise NotAllowedError(
                f"courier {granted.id} is held at revision {held.revision}, "
                f"later than {granted.revision}",
                code=ServiceRefusal.COURIER_STALE_GRANT,
                courier=granted.id,
                held=held.revision,
                revision=granted.revision,
            )
        if held is not None and held.revision == granted.revision:
            return _outcome(held, applied=False)
        ctx.store.put_fleet_courier(granted, now)
        if held is not None and _keys_changed(held, granted):
            # A new PIN or badge, or a disabled account: whoever held the old one is logged out.
            ctx.store.bump_courier_session(granted.id)
        ctx.store.append_audit(
            actor,
            "courier.synced",
            str(granted.id),
            {
                "carrier": granted.carrier,
                "name": granted.name,
                "active": granted.active,
                "revision": granted.revision,
                "operator": operator,
            },
            now,
        )
    return _outcome(granted, applied=True)


def _keys_changed(held: FleetCourier, granted: FleetCourier) -> bool:
    """Whether the grant changes what logs the courier in, or whether they may."""
    new_badge = granted.badge_hash not in (None, held.badge_hash)
    return granted.pin_hash != held.pin_hash or new_badge or granted.active != held.active


def _outcome(courier: FleetCourier, *, applied: bool) -> dict[str, Any]:
    return {
        "courier": courier.id,
        "revision": courier.revision,
        "active": courier.active,
        "applied": applied,
    }
