"""The screen's voice through the real app: which clips a result page plays, in which order
and how loud, the route that serves them, and silence (never an error) where a clip is missing."""

from __future__ import annotations

import dataclasses
import re

import pytest

from locker.config import Settings
from locker.services.scan_pickup import pickup_by_scan
from locker.sounds.clips import PHRASES, sentence
from locker.web import create_app
from locker.web.page_events import scan_event
from tests.web.test_live_events import read_events
from tests.web.test_recipient_pickup import KioskActions

WAV = b"RIFF....WAVEfmt "  # the route serves bytes; the browser test plays real clips


@pytest.fixture
def sounds(db_path):
    return db_path.parent / "sounds"


def put_clips(folder, *names: str) -> None:
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / f"{name}.wav").write_bytes(WAV)


def every_clip(folder, *labels: str) -> None:
    """The clips `locker sounds make` would make for these doors (stand-ins, not speech)."""
    names = {"chime"}
    for lang in PHRASES:
        for label in labels:
            for outcome in ("opened", "failed", "out_of_service"):
                names.update(sentence(lang, outcome, label))
    put_clips(folder, *names)


def app_with(ctx, db_path, board, clock, **settings):
    values = {"db": db_path, "language": "en", **settings}
    return create_app(Settings(**values), board=board, clock=clock)


@pytest.fixture
def kiosk(ctx, db_path, board, clock) -> KioskActions:
    return KioskActions(app_with(ctx, db_path, board, clock).test_client())


def clips_on(page: str) -> list[str]:
    return re.findall(r'<audio preload="auto" src="/sounds/([^"]+)\.wav">', page)


def volume_on(page: str) -> float:
    return float(re.search(r'class="voice" data-volume="([^"]+)"', page).group(1))


def test_an_opened_door_plays_the_chime_then_says_the_door(kiosk, courier, sounds):
    receipt = courier.deposit()
    every_clip(sounds, receipt.compartment)
    page = kiosk.pickup(receipt.code).get_data(as_text=True)
    door = receipt.compartment
    assert clips_on(page) == ["chime", "en-door", f"en-{door}", "en-opened"]
    assert volume_on(page) == 1.0


def test_the_door_is_said_in_the_screens_language(kiosk, courier, sounds):
    receipt = courier.deposit()
    every_clip(sounds, receipt.compartment)
    kiosk.client.get("/?lang=zh")
    page = kiosk.pickup(receipt.code).get_data(as_text=True)
    assert clips_on(page) == ["chime", f"zh-{receipt.compartment}", "zh-opened"]


def test_each_door_of_the_recipients_parcels_is_said_in_turn(kiosk, courier, sounds, board):
    first = courier.deposit("SF0001", phone="13812345678")
    second = courier.deposit("SF0002", phone="13812345678")
    third = courier.deposit("SF0003", phone="13812345678")
    every_clip(sounds, first.compartment, second.compartment, third.compartment)
    board.stuck.add(courier.ctx.store.compartment(third.compartment).address)
    page = kiosk.pickup(first.code).get_data(as_text=True)
    shown = kiosk.open_more(page).get_data(as_text=True)
    assert clips_on(shown) == [
        "chime",
        *sentence("en", "opened", second.compartment),
        *sentence("en", "failed", third.compartment),
    ]


def test_a_door_that_did_not_open_is_said_without_the_chime(kiosk, courier, sounds, board):
    receipt = courier.deposit()
    every_clip(sounds, receipt.compartment)
    board.stuck.add(courier.ctx.store.compartment(receipt.compartment).address)
    page = kiosk.pickup(receipt.code).get_data(as_text=True)
    assert clips_on(page) == sentence("en", "failed", receipt.compartment)


def test_without_clips_the_page_is_silent_and_whole(kiosk, courier):
    receipt = courier.deposit()
    response = kiosk.pickup(receipt.code)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "is open" in page and "<audio" not in page


def test_a_door_without_its_clip_gets_the_chime_and_no_half_sentence(kiosk, courier, sounds):
    receipt = courier.deposit()
    put_clips(sounds, "chime", "en-door", "en-opened")  # the label's clip is missing
    page = kiosk.pickup(receipt.code).get_data(as_text=True)
    assert clips_on(page) == ["chime"]


def test_sound_off_plays_nothing(ctx, db_path, board, clock, courier, sounds):
    kiosk = KioskActions(app_with(ctx, db_path, board, clock, sound=False).test_client())
    receipt = courier.deposit()
    every_clip(sounds, receipt.compartment)
    assert "<audio" not in kiosk.pickup(receipt.code).get_data(as_text=True)


@pytest.mark.parametrize(
    ("utc_hour", "volume"),
    [(9, 1.0), (14, 1.0), (15, 0.25), (22, 0.25), (23, 1.0)],
    ids=["17h", "22h", "23h", "6h", "7h"],
)
def test_quiet_hours_in_the_lockers_time_zone_lower_the_volume(
    ctx, db_path, board, clock, courier, sounds, utc_hour, volume
):
    # 22:30-07:00 in Shanghai (UTC+8) is 14:30-23:00 UTC.
    app = app_with(ctx, db_path, board, clock, quiet_hours="22:30-07:00", quiet_volume=0.25)
    receipt = courier.deposit()
    every_clip(sounds, receipt.compartment)
    clock.current = clock.current.replace(hour=utc_hour)
    page = KioskActions(app.test_client()).pickup(receipt.code).get_data(as_text=True)
    assert volume_on(page) == volume


def test_a_camera_pickup_plays_on_the_home_screen(ctx, db_path, board, clock, courier, sounds):
    app = app_with(ctx, db_path, board, clock)
    receipt = courier.deposit()
    every_clip(sounds, receipt.compartment)
    outcome = pickup_by_scan(ctx, receipt.qr)
    live = app.extensions["locker_live"]
    event = read_events(app, "zh", lambda: live.publish(scan_event(outcome)))
    assert clips_on(event["html"]) == ["chime", *sentence("zh", "opened", receipt.compartment)]


def test_the_route_serves_a_clip_from_the_sounds_folder(ctx, db_path, board, clock, sounds):
    put_clips(sounds, "zh-A01")
    client = app_with(ctx, db_path, board, clock).test_client()
    with client.get("/sounds/zh-A01.wav") as response:
        assert response.status_code == 200 and response.mimetype == "audio/wav"
        assert response.get_data() == WAV


@pytest.mark.parametrize(
    "path", ["/sounds/zh-A02.wav", "/sounds/locker.wav", "/sounds/..%2Flocker.db.wav"]
)
def test_the_route_serves_nothing_but_a_clip_that_is_there(ctx, db_path, board, clock, path):
    (db_path.parent / "locker.wav").write_bytes(WAV)
    client = app_with(ctx, db_path, board, clock).test_client()
    assert client.get(path).status_code == 404


def test_sounds_dir_moves_the_folder(ctx, db_path, board, clock, tmp_path):
    put_clips(tmp_path / "voice", "chime")
    settings = Settings(db=db_path, sounds_dir=str(tmp_path / "voice"))
    assert settings.sounds_folder == tmp_path / "voice"
    assert Settings(db=db_path).sounds_folder == db_path.parent / "sounds"
    client = create_app(settings, board=board, clock=clock).test_client()
    with client.get("/sounds/chime.wav") as response:
        assert response.status_code == 200
    assert dataclasses.replace(settings, sounds_dir="").sounds_folder == db_path.parent / "sounds"
