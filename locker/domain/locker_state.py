"""The snapshot of a locker the centre shows: space by size, doors needing someone, health."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from locker.domain.models import Compartment, Size
from locker.domain.states import CompartmentState

# A door in one of these states needs a person: a technician, or someone to shut it.
ATTENTION_STATES = frozenset(
    {CompartmentState.FAULT, CompartmentState.OUT_OF_SERVICE, CompartmentState.OPEN}
)


def locker_state(
    compartments: Iterable[Compartment],
    boards_ok: bool,
    camera: str | None,
    version: str,
    audit_head_seq: int,
    now: datetime,
    held: Mapping[Size, int] | None = None,
) -> dict[str, Any]:
    """The retained state a locker publishes: JSON-ready, without any personal data.

    `held` counts the free doors carriers hold, by size: they are reported apart, not as free.
    """
    doors = list(compartments)
    free = Counter(c.size for c in doors if c.state is CompartmentState.FREE)
    total = Counter(c.size for c in doors)
    held = held or {}
    return {
        "free": {size.value: max(free.get(size, 0) - held.get(size, 0), 0) for size in Size},
        "held": {size.value: held.get(size, 0) for size in Size},
        "total": {size.value: total.get(size, 0) for size in Size},
        "attention": sorted(
            (
                {"door": c.label, "state": c.state.value}
                for c in doors
                if c.state in ATTENTION_STATES
            ),
            key=lambda d: d["door"],
        ),
        "boards_ok": boards_ok,
        "camera": camera,
        "version": version,
        "audit_head_seq": audit_head_seq,
        "clock": now.timestamp(),
    }
