"""Times on the screens: stored as UTC, shown in the locker's time zone (the `timezone` setting)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import get_locale

from locker.config import Settings
from locker.domain.message_texts import local_time


def zone() -> ZoneInfo:
    """The locker's time zone."""
    settings: Settings = current_app.config["LOCKER_SETTINGS"]
    return ZoneInfo(settings.timezone)


def local(value: datetime | str | None) -> datetime | None:
    """A stored time (aware, or its ISO text) in the locker's time zone; None for none."""
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # the store writes UTC; text without an offset is UTC too
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def short_time(value: datetime | str | None) -> str:
    """'2026-11-12 00:30:05' in the locker's time zone: for the admin's logs and tables."""
    moment = local(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def day_time(value: datetime | str | None) -> str:
    """'12 Nov 00:30' or '11月12日00:30' in the locker's time zone: for people at the kiosk."""
    moment = local(value)
    if moment is None:
        return ""
    locale = get_locale()
    language = locale.language if locale is not None else "en"
    return local_time(moment, str(zone()), language)


def local_midnight(now: datetime) -> datetime:
    """The start of today in the locker's time zone, as an aware time."""
    today = now.astimezone(zone()).date()
    return datetime.combine(today, time(0), tzinfo=zone())


def setup_screen_times(app: Flask) -> None:
    """The filters every template writes times with, and the zone's name for headings."""
    app.add_template_filter(short_time, "short_time")
    app.add_template_filter(day_time, "day_time")
    app.context_processor(lambda: {"time_zone": str(zone())})
