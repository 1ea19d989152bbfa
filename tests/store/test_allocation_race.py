"""Sixteen couriers depositing at the same instant, each on its own connection to one file."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from locker.domain.models import Size
from locker.services.context import LockerContext
from locker.services.deposit_parcel import deposit_parcel
from locker.services.errors import NoCompartmentError
from locker.services.setup_locker import load_layout, parse_layout_toml
from locker.store import SqliteStore

THREADS = 16


def layout_of(doors: int) -> str:
    text = '[[bus]]\nname = "main"\n'
    for n in range(doors):
        board, channel = divmod(n, 16)
        text += (
            f'[[compartment]]\nlabel = "A{n + 1:02d}"\nsize = "S"\nboard = {board}\n'
            f"channel = {channel + 1}\n"
        )
    return text


def race(db_path, board, clock, courier_id):
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def one_courier(n: int) -> None:
        with SqliteStore(db_path) as store:
            ctx = LockerContext(store=store, board=board, clock=clock)
            barrier.wait(timeout=10)
            try:
                outcomes[n] = deposit_parcel(
                    ctx, courier_id, f"SF{n:06d}", "13812345678", Size.S
                ).compartment
            except NoCompartmentError as refusal:
                outcomes[n] = refusal

    threads = [threading.Thread(target=one_courier, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


@pytest.mark.parametrize("doors", [20, 16, 5])
def test_concurrent_deposits_never_share_a_compartment(ctx, courier, db_path, board, clock, doors):
    load_layout(ctx, parse_layout_toml(layout_of(doors)), "test")

    outcomes = race(db_path, board, clock, courier.id)

    labels = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, NoCompartmentError)]
    assert len(labels) == min(doors, THREADS)
    assert len(labels) + len(refused) == THREADS
    assert Counter(labels).most_common(1)[0][1] == 1
    # The records agree: one deposited parcel per opened door, nothing left reserved.
    parcels = ctx.store.parcels()
    assert sorted(p.compartment for p in parcels) == sorted(labels)
    assert {c.state.value for c in ctx.store.compartments()} <= {"open", "free"}
