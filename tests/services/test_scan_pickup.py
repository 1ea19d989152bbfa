"""A scanned pickup QR opens its door; anything else gets a message, never an exception."""

from __future__ import annotations

from locker.domain.states import ParcelState
from locker.services.scan_pickup import pickup_by_scan


def test_a_scanned_pickup_qr_opens_its_door(ctx, courier):
    receipt = courier.deposit()
    outcome = pickup_by_scan(ctx, receipt.qr)
    assert outcome.opened == receipt.compartment
    assert "take your parcel" in outcome.message
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED


def test_a_tracking_barcode_or_a_web_link_is_not_a_pickup_code(ctx, board):
    for text in ("SF1234567890", "https://example.com", ""):
        outcome = pickup_by_scan(ctx, text)
        assert outcome.opened is None
        assert "not a pickup code" in outcome.message
    assert board.opened == []


def test_a_used_code_scanned_again_says_so(ctx, courier):
    receipt = courier.deposit()
    pickup_by_scan(ctx, receipt.qr)
    again = pickup_by_scan(ctx, receipt.qr)
    assert again.opened is None
    assert "already been collected" in again.message


def test_a_stuck_door_tells_the_recipient_the_parcel_is_safe(ctx, courier, board):
    receipt = courier.deposit()
    board.stuck.add(ctx.store.compartment(receipt.compartment).address)
    outcome = pickup_by_scan(ctx, receipt.qr)
    assert outcome.opened is None
    assert "parcel is safe" in outcome.message
