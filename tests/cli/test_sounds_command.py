"""`locker sounds make`, and `locker run` making the clips that are missing as it starts."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from locker.cli.demo_setup import demo_settings, ensure_demo_locker
from locker.cli.runtime import Runtime
from locker.composition import start_locker
from locker.sounds.making import clip_path
from tests.cli.conftest import LockerCli, assert_clean_failure
from tests.support.layouts import SMALL_LAYOUT

LABELS = ["A01", "A02", "B01", "B02", "C01", "D01"]


@pytest.fixture
def laid_out(ready: LockerCli, tmp_path) -> LockerCli:
    layout = tmp_path / "cabinet.toml"
    layout.write_text(SMALL_LAYOUT)
    ready.ok("layout", "load", str(layout))
    return ready


def test_the_clips_of_every_door_go_beside_the_database(laid_out: LockerCli):
    folder = laid_out.db.parent / "sounds"
    made = laid_out.ok("sounds", "make").output
    assert f"in {folder}" in made
    for label in LABELS:
        for lang in ("en", "zh"):
            assert clip_path(folder, f"{lang}-{label}").exists()
    assert clip_path(folder, "chime").exists()

    again = laid_out.ok("sounds", "make").output
    assert again.startswith("0 clips made,")


def test_sounds_dir_names_another_folder(laid_out: LockerCli, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCKER_SOUNDS_DIR", str(tmp_path / "voice"))
    laid_out.ok("sounds", "make")
    assert clip_path(tmp_path / "voice", "zh-A01").exists()


def test_without_espeak_ng_the_command_fails_in_one_line(
    laid_out: LockerCli, monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = laid_out.run("sounds", "make")
    assert_clean_failure(result, "apt-get install espeak-ng")
    assert clip_path(laid_out.db.parent / "sounds", "chime").exists()


@pytest.mark.timeout(60)
def test_locker_run_makes_the_missing_clips_as_it_starts(tmp_path, lock_dir, capsys):
    settings = demo_settings(Runtime(db=tmp_path / "demo.db"))
    ensure_demo_locker(settings)
    running = start_locker(settings, demo=True)
    running.stop()
    assert clip_path(tmp_path / "sounds", "zh-D02").exists()
    assert clip_path(tmp_path / "sounds", "en-opened").exists()


@pytest.mark.timeout(60)
def test_a_locker_without_espeak_ng_starts_and_says_why_it_is_silent(
    tmp_path, lock_dir, capsys, monkeypatch, caplog
):
    settings = demo_settings(Runtime(db=tmp_path / "demo.db"))
    ensure_demo_locker(settings)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with caplog.at_level(logging.WARNING):
        running = start_locker(settings, demo=True)
    try:
        assert running.app is not None
    finally:
        running.stop()
    assert "apt-get install espeak-ng" in caplog.text
    assert not clip_path(tmp_path / "sounds", "en-opened").exists()


@pytest.mark.timeout(60)
def test_a_locker_with_sound_off_makes_no_clips(tmp_path, lock_dir, capsys):
    settings = demo_settings(Runtime(db=tmp_path / "demo.db"))
    ensure_demo_locker(settings)
    running = start_locker(dataclasses.replace(settings, sound=False), demo=True)
    running.stop()
    assert not (tmp_path / "sounds").exists()
