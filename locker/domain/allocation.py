"""Which free compartment a parcel goes into."""

from __future__ import annotations

from collections.abc import Iterable

from locker.domain.models import Compartment, Size
from locker.domain.states import CompartmentState


def choose_compartment(
    compartments: Iterable[Compartment], size: Size, needs_low: bool
) -> Compartment | None:
    """The smallest free compartment that fits; a low one when the recipient needs it.

    Size comes first, so large doors stay free for large parcels. Among doors of the chosen
    size, recipients who do not need a low door get a high one while any is free, so that low
    doors stay for those who cannot reach higher. Faulty and out-of-service compartments are
    never chosen.
    """
    fitting = [
        c
        for c in compartments
        if c.state is CompartmentState.FREE
        and c.size.rank >= size.rank
        and (c.low or not needs_low)
    ]
    if not fitting:
        return None
    return min(fitting, key=lambda c: (c.size.rank, c.low and not needs_low, c.label))
