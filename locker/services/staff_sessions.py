"""Staff sessions: each account's session version, and how a session ends.

A browser's session holds the version its account had at login; a request is served only
while the account still has that version. Ending a session (logout, an idle screen) moves the
version on, as do a new PIN, password or badge and disabling a courier: every copy of the old
cookie then stops working at its next request.
"""

from __future__ import annotations

from locker.services.context import LockerContext

LOGOUT = "logout"
IDLE = "idle"


def courier_session(ctx: LockerContext, courier_id: int) -> int | None:
    """The session version of an active courier; None for an unknown or disabled one."""
    return ctx.store.courier_session_version(courier_id)


def admin_session(ctx: LockerContext, username: str) -> int | None:
    """The session version of an admin; None when there is no such admin."""
    return ctx.store.admin_session_version(username)


def end_courier_session(ctx: LockerContext, courier_id: int, reason: str) -> None:
    """End every session of a courier, audited with why (LOGOUT or IDLE)."""
    with ctx.store.transaction():
        ctx.store.bump_courier_session(courier_id)
        ctx.store.append_audit(
            f"courier:{courier_id}",
            "courier.logout",
            str(courier_id),
            {"reason": reason},
            ctx.clock.now(),
        )


def end_admin_session(ctx: LockerContext, username: str, reason: str) -> None:
    """End every session of an admin, audited with why (LOGOUT or IDLE)."""
    with ctx.store.transaction():
        ctx.store.bump_admin_session(username)
        ctx.store.append_audit(
            f"admin:{username}", "admin.logout", username, {"reason": reason}, ctx.clock.now()
        )
