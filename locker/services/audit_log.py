"""Checking the audit chain and writing it out."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from locker.domain.audit_chain import ChainBreak, first_break
from locker.domain.spreadsheet import spreadsheet_cell
from locker.services.context import LockerContext

CSV_COLUMNS = ("seq", "at", "actor", "action", "subject", "details", "prev_hash", "hash")


def verify_audit(ctx: LockerContext) -> tuple[int, ChainBreak | None]:
    """(records checked, first break or None)."""
    records = list(ctx.store.audit_records())
    return len(records), first_break(records, ctx.store.audit_head())


def export_audit_csv(ctx: LockerContext, out: TextIO) -> int:
    """Write the log as CSV, one record a row, safe to open in a spreadsheet; returns how many."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for r in ctx.store.audit_records():
        details = json.dumps(dict(r.details), sort_keys=True, ensure_ascii=False)
        row = [r.seq, r.at, r.actor, r.action, r.subject, details, r.prev_hash, r.hash]
        writer.writerow([spreadsheet_cell(value) for value in row])
        count += 1
    return count
