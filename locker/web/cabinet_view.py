"""The cabinet as the screens draw it: columns of doors, and the free doors per size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from locker.domain.models import Compartment, Size
from locker.domain.states import CompartmentState


def cabinet_columns(compartments: Iterable[Compartment]) -> list[list[Compartment]]:
    """Columns of the cabinet, by the letter of their labels, top door first."""
    columns: dict[str, list[Compartment]] = {}
    for c in sorted(compartments, key=lambda c: c.label):
        columns.setdefault(c.label[0], []).append(c)
    return list(columns.values())


def free_by_size(compartments: Iterable[Compartment]) -> dict[str, int]:
    """Free doors of each size."""
    free = Counter(c.size for c in compartments if c.state is CompartmentState.FREE)
    return {size.value: free.get(size, 0) for size in Size}


def fitting_by_size(free: dict[str, int]) -> dict[str, int]:
    """Free doors that a parcel of each size fits: its own size or any larger one."""
    sizes = [size.value for size in Size]
    return {s: sum(free[bigger] for bigger in sizes[i:]) for i, s in enumerate(sizes)}
