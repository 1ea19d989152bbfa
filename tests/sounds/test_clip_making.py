"""The screen's clips, made with the real espeak-ng: every phrase and door in both languages,
an operator's recording kept, and nothing half-made.

scripts/test installs espeak-ng, so a machine without it fails here rather than skipping: the
kiosk would be silent where these tests pass.
"""

from __future__ import annotations

import array
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from locker.sounds.clips import PHRASES, sentence, spoken_label
from locker.sounds.making import ESPEAK, VOICES, ClipError, clip_path, make_clips, missing_clips

LABELS = ["A01", "B12", "C100"]


@pytest.fixture(scope="module")
def espeak() -> str:
    found = shutil.which(ESPEAK)
    assert found, f"{ESPEAK} is missing: scripts/test installs it (apt-get install {ESPEAK})"
    return found


def loudness(path: Path) -> tuple[float, int]:
    """A WAV clip's length in seconds and its loudest sample; it must be 16-bit mono."""
    with wave.open(str(path), "rb") as clip:
        assert (clip.getnchannels(), clip.getsampwidth()) == (1, 2), path.name
        samples = array.array("h", clip.readframes(clip.getnframes()))
        seconds = clip.getnframes() / clip.getframerate()
    if sys.byteorder == "big":
        samples.byteswap()
    return seconds, max(abs(s) for s in samples)


def test_every_phrase_and_door_is_spoken_in_both_languages(espeak, tmp_path):
    report = make_clips(tmp_path, LABELS)

    expected = {"chime"} | {
        name
        for lang in PHRASES
        for label in LABELS
        for outcome in ("opened", "failed", "out_of_service")
        for name in sentence(lang, outcome, label)
    }
    assert set(report.made) == expected
    assert {p.stem for p in tmp_path.glob("*.wav")} == expected
    assert not list(tmp_path.glob(".*")), "a temporary file was left behind"
    for name in expected:
        seconds, loudest = loudness(clip_path(tmp_path, name))
        assert 0.2 < seconds < 6, f"{name} lasts {seconds:.2f} s"
        assert loudest > 1000, f"{name} is silent"
    assert missing_clips(tmp_path, LABELS) == []


def test_the_chinese_clips_are_spoken_in_mandarin_not_spelled_out(espeak):
    # espeak-ng's plain "cmn" voice reads its own pinyin as English ("(en)" switches).
    for words in [*PHRASES["zh"].values(), spoken_label("zh", "A01")]:
        phonemes = subprocess.run(
            [espeak, "-v", VOICES["zh"], "-q", "-x", words],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        assert "(en)" not in phonemes, (words, phonemes)


def test_a_door_number_is_read_as_printed():
    assert spoken_label("en", "A10") == "A, 1 0"
    assert spoken_label("zh", "C100") == "C 1 0 0"
    assert sentence("en", "opened", "A10") == ["en-door", "en-A10", "en-opened"]
    assert sentence("zh", "failed", "A10") == ["zh-A10", "zh-failed"]


def test_an_operators_recording_is_kept_and_nothing_is_made_twice(espeak, tmp_path):
    recorded = clip_path(tmp_path, "zh-A01")
    recorded.write_bytes(b"an operator's own recording")
    first = make_clips(tmp_path, ["A01"])
    assert "zh-A01" in first.kept and "zh-A01" not in first.made
    assert recorded.read_bytes() == b"an operator's own recording"

    again = make_clips(tmp_path, ["A01"])
    assert again.made == [] and set(again.kept) == set(first.made) | {"zh-A01"}


def test_without_espeak_ng_the_chime_is_made_and_the_error_says_what_to_install(tmp_path):
    with pytest.raises(ClipError, match=f"apt-get install {ESPEAK}"):
        make_clips(tmp_path, ["A01"], espeak=str(tmp_path / "no-such-espeak"))
    assert [p.name for p in tmp_path.iterdir()] == ["chime.wav"]


def test_a_clip_espeak_ng_fails_on_is_never_left_half_written(tmp_path):
    broken = tmp_path / "espeak"
    broken.write_text("#!/bin/sh\necho 'cannot open audio' >&2\nexit 1\n")
    broken.chmod(0o755)
    folder = tmp_path / "sounds"
    with pytest.raises(ClipError, match="cannot open audio"):
        make_clips(folder, ["A01"], espeak=str(broken))
    assert [p.name for p in folder.iterdir()] == ["chime.wav"]
