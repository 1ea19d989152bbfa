"""The admin's door log: filters over the journaled door commands (by days in the locker's time
zone), and their CSV export (in the stored UTC times)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from locker.domain.spreadsheet import spreadsheet_cell

CSV_COLUMNS = (
    "id",
    "started_at",
    "finished_at",
    "compartment",
    "purpose",
    "actor",
    "parcel_id",
    "outcome",
    "parcel_tracking",
)


@dataclass(frozen=True)
class DoorFilter:
    """What the admin narrowed the door log to; empty fields match every row."""

    door: str = ""
    since: date | None = None
    until: date | None = None
    actor: str = ""
    action: str = ""

    @property
    def query(self) -> dict[str, str]:
        """The filter as query-string arguments, for the CSV link."""
        values = {
            "door": self.door,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "actor": self.actor,
            "action": self.action,
        }
        return {k: v for k, v in values.items() if v}

    def matches(self, row: Mapping[str, Any], zone: tzinfo = UTC) -> bool:
        """True when the row passes every filter that is set; dates are days in `zone`, the
        locker's time zone, as the log shows them."""
        day = _local_day(str(row["started_at"]), zone)
        return (
            (not self.door or row["compartment"] == self.door)
            and (not self.since or day >= self.since.isoformat())
            and (not self.until or day <= self.until.isoformat())
            and (not self.actor or self.actor.lower() in str(row["actor"]).lower())
            and (not self.action or row["purpose"] == self.action)
        )


def _local_day(stored: str, zone: tzinfo) -> str:
    """YYYY-MM-DD of a stored UTC time, in `zone`."""
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date().isoformat()


def _day(text: str) -> date | None:
    """A YYYY-MM-DD date, or None; ValueError names what was typed."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None


def parse_filter(args: Mapping[str, str]) -> tuple[DoorFilter, list[str]]:
    """The filter from query arguments, and the dates that could not be read (then ignored)."""
    bad: list[str] = []
    days: list[date | None] = []
    for key in ("from", "to"):
        try:
            days.append(_day(args.get(key, "")))
        except ValueError as error:
            bad.append(str(error))
            days.append(None)
    return (
        DoorFilter(
            door=args.get("door", "").strip().upper(),
            since=days[0],
            until=days[1],
            actor=args.get("actor", "").strip(),
            action=args.get("action", "").strip(),
        ),
        bad,
    )


def filtered(
    rows: Iterable[Mapping[str, Any]], wanted: DoorFilter, zone: tzinfo = UTC
) -> list[Mapping[str, Any]]:
    """The rows that match, in the order given (the store gives newest first)."""
    return [row for row in rows if wanted.matches(row, zone)]


def rows_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([spreadsheet_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()
