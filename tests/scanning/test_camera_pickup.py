"""Contactless pickup end to end: a camera frame with the QR opens the door on the board."""

from __future__ import annotations

from locker.config import Settings
from locker.domain.models import Size
from locker.domain.states import ParcelState
from locker.scanner import preview
from locker.scanner.camera_service import CameraService
from locker.scanner.decoding import FrameDecoder
from locker.scanner.scan_events import Debouncer
from locker.services.deposit_parcel import deposit_parcel
from locker.web import create_app
from tests.hardware.conftest import running_locker
from tests.hardware.test_locker_on_kerong import eventually
from tests.scanning.test_scan_command import a_photo_of


def test_holding_the_qr_up_to_the_camera_opens_the_parcels_door(
    ctx, courier, clock, db_path, lock_dir, tmp_path
):
    with running_locker(ctx, db_path, clock) as (sim, dispatcher, _):
        receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
        address = ctx.store.compartment(receipt.compartment).address
        sim.model.close_door(address.board, address.channel)
        clock.advance(minutes=10)
        frames = tmp_path / "camera"
        frames.mkdir()
        a_photo_of(receipt.qr, frames / "phone.png")
        camera = CameraService(
            f"folder:{frames}", FrameDecoder(), Debouncer(dispatcher.post), fps=15
        ).start()
        try:
            eventually(
                lambda: ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED,
                "the scan to collect the parcel",
            )
        finally:
            camera.stop()
        channel = sim.state()["boards"][address.board]["channels"][address.channel - 1]
        assert channel["locked"] is False
        # Held up for a while, the same code is one scan: one pickup, no "already collected".
        collects = [o for o in ctx.store.door_operations() if o["purpose"] == "collect"]
        assert len(collects) == 1


def test_the_kiosk_serves_the_aiming_preview_as_mjpeg(ctx, db_path, tmp_path):
    frames = tmp_path / "camera"
    frames.mkdir()
    a_photo_of("PL1:TEST-01:1:0:AbCdEfGhIjKlMn", frames / "phone.png")
    camera = CameraService(f"folder:{frames}", FrameDecoder(), Debouncer(), fps=15).start()
    try:
        app = create_app(Settings(db=db_path), camera=camera)
        response = app.test_client().get("/camera.mjpg")
        assert response.status_code == 200
        assert response.mimetype == preview.CONTENT_TYPE.split(";")[0]
        first = next(response.response)
        assert b"--frame" in first and b"\xff\xd8" in first  # a JPEG part
        response.close()
    finally:
        camera.stop()


def test_a_kiosk_without_a_camera_says_so(ctx, db_path):
    response = create_app(Settings(db=db_path)).test_client().get("/camera.mjpg")
    assert response.status_code == 404
    assert b"no camera" in response.data


def test_a_code_held_perfectly_still_is_one_scan_however_long(tmp_path):
    import time

    from locker.scanner.scan_events import Debouncer

    frames = tmp_path / "camera"
    frames.mkdir()
    a_photo_of("PL1:TEST-01:1:0:AbCdEfGhIjKlMn", frames / "phone.png")
    events = []
    camera = CameraService(
        f"folder:{frames}", FrameDecoder(), Debouncer(events.append), fps=15
    ).start()
    try:
        time.sleep(4.5)  # longer than the 3 s debounce window, with a still scene throughout
    finally:
        camera.stop()
    assert len(events) == 1
