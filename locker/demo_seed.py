"""Seeding a locker with a demo layout, couriers and parcels, through the real use cases."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources

from locker.boards.in_memory import InMemoryBoard
from locker.domain.models import Size
from locker.services.accounts import add_courier
from locker.services.context import LockerContext
from locker.services.deposit_parcel import DepositReceipt, deposit_parcel
from locker.services.door_closed import door_closed
from locker.services.errors import NotAllowedError
from locker.services.expire_overdue import expire_overdue
from locker.services.setup_locker import load_layout, parse_layout_toml

DEMO_COURIERS = (("SF Express", "Li Wei", "314159"), ("JD Logistics", "Zhang Min", "271828"))
# (carrier index, tracking, phone, size, needs low door, hours ago)
DEMO_PARCELS = (
    (0, "SF1000000001", "13800138001", Size.S, False, 1),
    (0, "SF1000000002", "13800138002", Size.M, True, 2),
    (1, "JD2000000001", "13900139003", Size.L, False, 3),
    (1, "JD2000000002", "13800138001", Size.S, False, 5),
    (0, "SF1000000003", "13700137004", Size.M, False, 80),
)


@dataclass
class DemoSeed:
    """What the demo created: courier logins and the parcels' codes (shown once only)."""

    couriers: list[tuple[int, str, str, str]] = field(default_factory=list)
    receipts: list[DepositReceipt] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)


class _ShiftedClock:
    """The context's clock, set back: the demo's parcels arrived over the last days."""

    def __init__(self, base: LockerContext, hours_ago: float) -> None:
        self.base, self.delta = base.clock, timedelta(hours=hours_ago)

    def now(self) -> datetime:
        """The shifted time."""
        return self.base.now() - self.delta


def demo_layout_text() -> str:
    """The TOML of the demo cabinet."""
    return resources.files("locker").joinpath("demo_layout.toml").read_text(encoding="utf-8")


def seed_demo(ctx: LockerContext) -> DemoSeed:
    """Load the demo layout, add two couriers, and deposit parcels through a simulated board."""
    if ctx.store.couriers() or any(ctx.store.parcels()):
        raise NotAllowedError(
            "this locker already has couriers or parcels: the demo seeds only a new one"
        )
    load_layout(ctx, parse_layout_toml(demo_layout_text()), "demo")
    seed = DemoSeed()
    ids = []
    for carrier, name, pin in DEMO_COURIERS:
        courier = add_courier(ctx, carrier, name, pin, "demo")
        ids.append(courier.id)
        seed.couriers.append((courier.id, carrier, name, pin))
    board = InMemoryBoard()
    for carrier_index, tracking, phone, size, low, hours_ago in DEMO_PARCELS:
        then = replace(ctx, board=board, clock=_ShiftedClock(ctx, hours_ago))
        receipt = deposit_parcel(then, ids[carrier_index], tracking, phone, size, low)
        board.close_door(ctx.store.compartment(receipt.compartment).address, item_present=True)
        door_closed(then, receipt.compartment, item_present=True)
        seed.receipts.append(receipt)
    seed.expired = [p.tracking for p in expire_overdue(ctx)]
    return seed
