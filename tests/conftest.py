"""Shared fixtures: a real SQLite file in tmp_path, the in-memory board and a fake clock."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask

from locker.boards.in_memory import InMemoryBoard
from locker.domain.models import Size
from locker.domain.passwords import hash_secret
from locker.services import accounts, setup_locker
from locker.services.accounts import add_courier
from locker.services.context import LockerContext
from locker.services.deposit_parcel import DepositReceipt, deposit_parcel
from locker.services.door_closed import door_closed
from locker.services.setup_locker import init_locker, load_layout, parse_layout_toml
from locker.store import SqliteStore
from tests.support.browser_client import BrowserClient
from tests.support.channels import RecordingChannel
from tests.support.fakes import FakeClock
from tests.support.layouts import SMALL_LAYOUT

# Tests read pages as a browser does: through each form's post, redirect, get.
Flask.test_client_class = BrowserClient

LOCKER_ID = "TEST-01"
ADMIN_PASSWORD = "correct-horse"
COURIER_PIN = "246813"


@functools.cache
def _hash_once(secret: str) -> str:
    """A real hash of a fixture's secret at the production cost, made once for the whole run."""
    return hash_secret(secret)


@contextmanager
def fixture_secrets_hashed_once(module: ModuleType) -> Iterator[None]:
    """Within the block, `module` hashes each secret once for the whole run: scrypt is slow on
    purpose, and every test's locker would otherwise pay again for the same admin and courier."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "hash_secret", _hash_once)
        yield


@pytest.fixture
def lock_dir(tmp_path, monkeypatch):
    """Serial-port lock files in the test's own folder."""
    monkeypatch.setenv("LOCKER_LOCK_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "locker.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(db_path) as opened:
        yield opened


@pytest.fixture
def board() -> InMemoryBoard:
    return InMemoryBoard()


@pytest.fixture
def sms() -> RecordingChannel:
    """The test locker's SMS channel: what it was given, as the recipient's phone received it."""
    return RecordingChannel("sms")


@pytest.fixture
def ctx(
    store: SqliteStore, board: InMemoryBoard, clock: FakeClock, sms: RecordingChannel
) -> LockerContext:
    """A set-up locker: identity, admin 'admin' and the small six-door layout."""
    # One channel that reaches every phone: a deposit's message is queued as on a locker with SMS.
    context = LockerContext(store=store, board=board, clock=clock, channels={"sms": sms})
    with fixture_secrets_hashed_once(setup_locker):
        init_locker(context, LOCKER_ID, "Test locker", "Test street 1", "admin", ADMIN_PASSWORD)
    load_layout(context, parse_layout_toml(SMALL_LAYOUT), "test")
    return context


class CourierActions:
    """What a courier does at the locker, as one-liners for tests."""

    def __init__(self, ctx: LockerContext, carrier: str = "SF Express") -> None:
        self.ctx = ctx
        with fixture_secrets_hashed_once(accounts):
            self.id = add_courier(ctx, carrier, "Test Courier", COURIER_PIN, "test").id

    def deposit(
        self,
        tracking: str = "SF0000000001",
        phone: str = "13812345678",
        size: Size = Size.S,
        needs_low: bool = False,
    ) -> DepositReceipt:
        """Deposit a parcel, then shut the door with the parcel inside."""
        receipt = deposit_parcel(self.ctx, self.id, tracking, phone, size, needs_low)
        self.close(receipt.compartment, item_present=True)
        return receipt

    def close(self, label: str, item_present: bool | None = None) -> None:
        """Shut a door on the board and tell the locker."""
        board = self.ctx.board
        assert isinstance(board, InMemoryBoard)
        board.close_door(self.ctx.store.compartment(label).address, item_present)
        door_closed(self.ctx, label, item_present)


@pytest.fixture
def courier(ctx: LockerContext) -> CourierActions:
    return CourierActions(ctx)
