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


def door_row(cabinet: list[list[Compartment]], label: str) -> str | None:
    """ "top" or "bottom" for a door at that end of its column of two or more, else None."""
    for column in cabinet:
        labels = [c.label for c in column]
        if label in labels and len(labels) > 1:
            index = labels.index(label)
            return {0: "top", len(labels) - 1: "bottom"}.get(index)
    return None


def free_by_size(compartments: Iterable[Compartment]) -> dict[str, int]:
    """Free doors of each size."""
    free = Counter(c.size for c in compartments if c.state is CompartmentState.FREE)
    return {size.value: free.get(size, 0) for size in Size}


def fitting_by_size(free: dict[str, int]) -> dict[str, int]:
    """Free doors that a parcel of each size fits: its own size or any larger one."""
    sizes = [size.value for size in Size]
    return {s: sum(free[bigger] for bigger in sizes[i:]) for i, s in enumerate(sizes)}
