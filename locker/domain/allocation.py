"""Which free compartment a parcel goes into."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from locker.domain.holds import free_counts
from locker.domain.models import Compartment, Size
from locker.domain.states import CompartmentState


def choose_compartment(
    compartments: Iterable[Compartment],
    size: Size,
    needs_low: bool,
    kept: Mapping[Size, int] | None = None,
) -> Compartment | None:
    """The smallest free compartment that fits; a low one when the recipient needs it.

    Size comes first, so large doors stay free for large parcels. Among doors of the chosen
    size, recipients who do not need a low door get a high one while any is free, so that low
    doors stay for those who cannot reach higher. Faulty and out-of-service compartments are
    never chosen. `kept` counts, by size, the free doors other carriers hold: a size whose free
    doors they all keep is passed over, as if it were full.
    """
    doors = list(compartments)
    free = free_counts(doors)
    kept = kept or {}
    fitting = [
        c
        for c in doors
        if c.state is CompartmentState.FREE
        and c.size.rank >= size.rank
        and (c.low or not needs_low)
        and free[c.size] > kept.get(c.size, 0)
    ]
    if not fitting:
        return None
    return min(fitting, key=lambda c: (c.size.rank, c.low and not needs_low, c.label))
