"""Times as the API shows them: ISO-8601 in UTC, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(moment: float | None) -> str | None:
    """`2026-09-21T14:13:20Z` for seconds since the epoch; None stays None."""
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
