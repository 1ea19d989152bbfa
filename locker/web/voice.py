"""The screen's voice: what a result page plays (the chime, then each door said in the page's
language), at what volume, and the route that serves the clips (docs/sounds.md).

A clip missing from the folder is left out, and a door whose sentence lacks a clip is not said
at all: the screen is silent rather than half a sentence, and never shows an error for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, send_from_directory, url_for
from flask_babel import get_locale

from locker.config import Settings
from locker.domain.quiet_hours import QuietHours
from locker.sounds.clips import CHIME, EXTENSION, FAILED, NAME, OPENED, OUT_OF_SERVICE, sentence
from locker.sounds.making import clip_path
from locker.web.request_context import locker_ctx

bp = Blueprint("voice", __name__)
# An operator may replace a clip while the locker runs: the screen's cache keeps it this long.
CLIP_MAX_AGE_S = 300
# What the refusal screens call a door that did not open, as the clips name it.
DOOR_REFUSALS = {"door": FAILED, "unreachable": FAILED, "out_of_service": OUT_OF_SERVICE}


@dataclass(frozen=True)
class Voice:
    """The clips a page plays, in order, and how loud."""

    clips: list[str]
    volume: float


def _settings() -> Settings:
    settings: Settings = current_app.config["LOCKER_SETTINGS"]
    return settings


def volume_at(settings: Settings, now: datetime) -> float:
    """The clips' volume at this moment: lower in the quiet hours, in the locker's time zone."""
    quiet = QuietHours.parse(settings.quiet_hours)
    local = now.astimezone(ZoneInfo(settings.timezone)).time()
    return settings.quiet_volume if quiet and local in quiet else settings.sound_volume


def voice_for(doors: Iterable[tuple[str, str]]) -> Voice | None:
    """What to play for these (door, outcome) pairs; None when there is nothing to play."""
    settings = _settings()
    if not settings.sound:
        return None
    volume = volume_at(settings, locker_ctx().clock.now())
    if volume <= 0:
        return None
    folder = settings.sounds_folder
    lang = get_locale().language if get_locale() else settings.language
    doors = list(doors)
    names = [CHIME] if any(outcome == OPENED for _, outcome in doors) else []
    names = [n for n in names if clip_path(folder, n).exists()]
    for label, outcome in doors:
        said = sentence(lang, outcome, label)
        if all(clip_path(folder, name).exists() for name in said):
            names += said
    if not names:
        return None
    return Voice([url_for("voice.clip", name=name) for name in names], volume)


@bp.get("/sounds/<name>.wav")
def clip(name: str) -> Response:
    """One clip from the sounds folder."""
    if not NAME.fullmatch(name):
        abort(404)
    return send_from_directory(
        _settings().sounds_folder.resolve(),
        f"{name}{EXTENSION}",
        mimetype="audio/wav",
        max_age=CLIP_MAX_AGE_S,
    )
