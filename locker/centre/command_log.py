"""The console's remote commands: each recorded before it leaves, and updated by its results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from locker.centre.schema import commands
from locker.centre.store import CentreStore

FINAL = frozenset({"done", "refused"})
# A result may move a command only forward: a late `accepted` never hides a `done`.
ACCEPTS_FROM = frozenset({"sent", "unsent", "lapsed"})


@dataclass(frozen=True)
class CommandRow:
    """One command as the console shows it."""

    nonce: str
    request_id: str
    locker_id: str
    action: str
    args: dict[str, Any]
    operator: str
    second_operator: str | None
    status: str
    envelope: str | None
    created_at: float
    sent_at: float | None
    expires_at: float
    code: str | None
    outcome: dict[str, Any] | None

    def shown_status(self, now: float) -> str:
        """The status, with `lapsed` for a command whose time ran out before an answer."""
        # `signing` too: a centre stopped between the record and the publication sent nothing.
        if self.status in ("pending", "signing", "sent") and now > self.expires_at:
            return "lapsed"
        return self.status


def _row(found: Any) -> CommandRow:
    return CommandRow(
        found.nonce,
        found.request_id,
        found.locker_id,
        found.action,
        json.loads(found.args),
        found.operator,
        found.second_operator,
        found.status,
        found.envelope,
        found.created_at,
        found.sent_at,
        found.expires_at,
        found.code,
        json.loads(found.outcome) if found.outcome else None,
    )


def by_request(store: CentreStore, request_id: str) -> CommandRow | None:
    """The command a form with this one-time id already made, if any."""
    with store.engine.connect() as connection:
        found = connection.execute(
            select(commands).where(commands.c.request_id == request_id)
        ).first()
    return _row(found) if found else None


def one(store: CentreStore, nonce: str) -> CommandRow | None:
    """The command with this nonce."""
    with store.engine.connect() as connection:
        found = connection.execute(select(commands).where(commands.c.nonce == nonce)).first()
    return _row(found) if found else None


def recent(store: CentreStore, limit: int = 30, status: str | None = None) -> list[CommandRow]:
    """The newest commands first, optionally only those with one status."""
    query = select(commands).order_by(commands.c.created_at.desc()).limit(limit)
    if status is not None:
        query = query.where(commands.c.status == status)
    with store.engine.connect() as connection:
        return [_row(found) for found in connection.execute(query)]


def record(store: CentreStore, row: dict[str, Any]) -> bool:
    """Insert a new command; False when its form's one-time id made one already."""
    try:
        with store.engine.begin() as connection:
            connection.execute(commands.insert().values(**row))
    except IntegrityError:
        return False
    return True


def claim_pending(store: CentreStore, nonce: str, second: str, now: float) -> bool:
    """Take a pending command for countersigning; only one operator's request wins it."""
    with store.engine.begin() as connection:
        taken = connection.execute(
            update(commands)
            .where(
                commands.c.nonce == nonce,
                commands.c.status == "pending",
                commands.c.operator != second,
                commands.c.expires_at >= now,
            )
            .values(status="signing", second_operator=second, updated_at=now)
        )
    return taken.rowcount == 1


def mark(store: CentreStore, nonce: str, now: float, **values: Any) -> None:
    """Change a command's columns (status, envelope, sent_at)."""
    with store.engine.begin() as connection:
        connection.execute(
            update(commands).where(commands.c.nonce == nonce).values(updated_at=now, **values)
        )


def apply_result(store: CentreStore, result: dict[str, Any], now: float) -> bool:
    """A result from `cmd/result`: accepted, then done or refused; False for an unknown nonce."""
    nonce, status = result.get("nonce"), result.get("status")
    if not isinstance(nonce, str) or status not in ("accepted", *FINAL):
        return False
    query = update(commands).where(commands.c.nonce == nonce)
    if status == "accepted":
        query = query.where(commands.c.status.in_(ACCEPTS_FROM)).values(
            status="accepted", updated_at=now
        )
    else:
        kept = {k: result[k] for k in ("outcome", "detail") if k in result}
        code = result.get("code")
        query = query.values(
            status=status,
            code=str(code)[:64] if code else None,
            outcome=json.dumps(kept, sort_keys=True, ensure_ascii=False),
            updated_at=now,
        )
    with store.engine.begin() as connection:
        return connection.execute(query).rowcount == 1


def last_change(store: CentreStore) -> float:
    """When any command last changed, for the live pages."""
    with store.engine.connect() as connection:
        found = connection.execute(
            select(commands.c.updated_at).order_by(commands.c.updated_at.desc()).limit(1)
        ).scalar()
    return float(found or 0)
