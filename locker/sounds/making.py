"""Make the clips a cabinet needs, at set-up time: the chime, and every phrase and door label
spoken by espeak-ng in both languages. A clip already in the folder is kept as it is, so an
operator's own recording of it stays (docs/sounds.md)."""

from __future__ import annotations

import array
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from locker.sounds.chime import write_chime
from locker.sounds.clips import CHIME, EXTENSION, spoken_clips

ESPEAK = "espeak-ng"
# espeak-ng's "cmn" voice reads Latin letters as English and so mangles its own pinyin;
# "cmn-latn-pinyin" speaks Mandarin.
VOICES = {"en": "en", "zh": "cmn-latn-pinyin"}
# Words a minute: slower than espeak-ng's 175, for people who hear less well.
SPEED_WPM = 140
SPEAK_TIMEOUT_S = 10.0
# espeak-ng ends each clip with nearly half a second of silence; a sentence of three clips
# would stumble. Samples quieter than this are silence; this much of it is kept at the end.
SILENCE_LEVEL = 200
TAIL_S = 0.08


class ClipError(Exception):
    """A clip could not be made; the message says which and why, in one line."""


@dataclass
class ClipReport:
    """What one run made, and what it found already there."""

    made: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def missing_clips(folder: Path, labels: Iterable[str]) -> list[str]:
    """The clips a cabinet with these door labels needs that the folder does not have."""
    wanted = [CHIME, *spoken_clips(labels)]
    return [name for name in wanted if not clip_path(folder, name).exists()]


def clip_path(folder: Path, name: str) -> Path:
    """Where the clip of this name is, or goes."""
    return folder / f"{name}{EXTENSION}"


def make_clips(folder: Path, labels: Iterable[str], espeak: str = ESPEAK) -> ClipReport:
    """Make each missing clip; ClipError when espeak-ng is missing or fails (the clips made
    before that stay)."""
    folder.mkdir(parents=True, exist_ok=True)
    makers: dict[str, Callable[[Path], None]] = {CHIME: write_chime}
    for name, (lang, words) in spoken_clips(labels).items():
        makers[name] = partial(_speak, espeak, lang, words)
    report = ClipReport()
    for name, write in makers.items():
        if clip_path(folder, name).exists():
            report.kept.append(name)
            continue
        if name != CHIME and shutil.which(espeak) is None:
            unspoken = len(makers) - len(report.kept) - len(report.made)
            raise ClipError(
                f"{espeak} is not installed, so {unspoken} spoken clips were not made: "
                f"apt-get install {ESPEAK}"
            )
        _write(clip_path(folder, name), write)
        report.made.append(name)
    return report


def _write(target: Path, write: Callable[[Path], None]) -> None:
    """Write one clip; a half-written clip is never in the folder under its name."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.stem}-", suffix=EXTENSION, dir=target.parent
    )
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _speak(espeak: str, lang: str, words: str, path: Path) -> None:
    """Have espeak-ng say `words` into a WAV file."""
    command = [espeak, "-v", VOICES[lang], "-s", str(SPEED_WPM), "-w", str(path), words]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=SPEAK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ClipError(f"{espeak} took over {SPEAK_TIMEOUT_S:g} s to say {words!r}") from None
    except OSError as error:
        raise ClipError(f"{espeak} could not run: {error.strerror}") from None
    if done.returncode != 0 or path.stat().st_size == 0:
        problem = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise ClipError(f"{espeak} could not say {words!r}: {problem[0]}")
    _trim_tail(path)


def _trim_tail(path: Path) -> None:
    """Cut the silence at the end of a 16-bit mono WAV file down to TAIL_S."""
    with wave.open(str(path), "rb") as clip:
        params = clip.getparams()
        frames = clip.readframes(params.nframes)
    if params.nchannels != 1 or params.sampwidth != 2:
        return
    samples = array.array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    last = max((i for i, x in enumerate(samples) if abs(x) > SILENCE_LEVEL), default=0)
    end = min(len(samples), last + int(TAIL_S * params.framerate))
    with wave.open(str(path), "wb") as clip:
        clip.setparams(params)
        clip.writeframes(frames[: end * 2])
