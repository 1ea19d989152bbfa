"""Which row a door is in, as the result screens say it: the top or bottom of its column."""

from __future__ import annotations

import dataclasses

import pytest

from locker.web.cabinet_view import cabinet_columns, door_row


@pytest.mark.parametrize(
    ("label", "row"),
    [
        ("A01", "top"),
        ("A02", None),
        ("A03", "bottom"),
        ("B01", "top"),
        ("B02", "bottom"),
        ("C01", None),
        ("Z99", None),
    ],
)
def test_a_door_at_either_end_of_its_column_is_named_by_its_row(ctx, label, row):
    # The small layout's columns are A01 A02, B01 B02, C01 and D01; an A03 puts A02 in between.
    doors = ctx.store.compartments()
    a03 = dataclasses.replace(next(d for d in doors if d.label == "A02"), label="A03")
    assert door_row(cabinet_columns([*doors, a03]), label) == row
