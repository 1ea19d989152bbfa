"""The centre's settings: defaults, overridden by a TOML file, overridden by CENTRE_* variables."""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from locker.settings_sources import SettingsSourceError, layered_values

ENV_PREFIX = "CENTRE_"
LANGUAGES = ("zh", "en")


class CentreSettingsError(Exception):
    """A settings file or variable is wrong; the message names it."""


@dataclass(frozen=True)
class CentreSettings:
    """Every setting of the centre; docs/fleet.md documents each with its default."""

    fleet_db: str = "sqlite:///var/centre.db"
    host: str = "127.0.0.1"
    port: int = 8100
    language: str = "zh"
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_username: str = ""
    mqtt_password: str = ""
    mqtt_ca_file: str = ""
    mqtt_cert_file: str = ""
    mqtt_key_file: str = ""
    # Empty: centre-<host name>-<process id>, unique for each centre process.
    mqtt_client_id: str = ""
    identity_dir: Path = Path("var/centre")
    session_secret_file: Path = Path("var/centre/session.key")
    threads: int = 16
    stream_slots: int = 8
    stream_seconds: float = 300.0
    clock_skew_seconds: float = 30.0
    # The time zone of a locker that has not reported its own yet (carriers' event times).
    timezone: str = "Asia/Shanghai"
    # Each carrier's request budget on the API, across all its routes (Flask-Limiter's notation).
    api_rate_limit: str = "20/second;600/minute"
    # Days a finished pre-advice keeps its recipient's phone, as the locker's own setting.
    retention_days: float = 30.0

    def client_id(self) -> str:
        """This process's MQTT client id: every centre process needs its own."""
        return self.mqtt_client_id or f"centre-{socket.gethostname()}-{os.getpid()}"


def load_centre_settings(
    config_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> CentreSettings:
    """Build the settings; later sources win: defaults, file, environment."""
    environ = os.environ if environ is None else environ
    try:
        values = layered_values(
            get_type_hints(CentreSettings), "centre", ENV_PREFIX, config_file, environ
        )
    except SettingsSourceError as error:
        raise CentreSettingsError(str(error)) from None
    settings = dataclasses.replace(CentreSettings(), **values)
    _check(settings)
    return settings


def _check(settings: CentreSettings) -> None:
    try:
        make_url(settings.fleet_db)
    except ArgumentError:
        raise CentreSettingsError(
            f"fleet_db is not a database URL: {settings.fleet_db!r}"
        ) from None
    for key in ("port", "mqtt_port"):
        if not 1 <= getattr(settings, key) <= 65535:
            raise CentreSettingsError(f"{key} must be 1 to 65535")
    if settings.language not in LANGUAGES:
        raise CentreSettingsError(f"language must be one of {', '.join(LANGUAGES)}")
    if not settings.host.strip() or not settings.mqtt_host.strip():
        raise CentreSettingsError("host and mqtt_host must not be empty")
    if not 2 <= settings.threads <= 256:
        raise CentreSettingsError("threads must be 2 to 256")
    if not 1 <= settings.stream_slots <= settings.threads // 2:
        raise CentreSettingsError("stream_slots must be 1 to half the threads")
    for key in ("stream_seconds", "clock_skew_seconds", "retention_days"):
        if not getattr(settings, key) > 0:
            raise CentreSettingsError(f"{key} must be positive")
    try:
        ZoneInfo(settings.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise CentreSettingsError(
            f"timezone {settings.timezone!r} is not a time zone name such as Asia/Shanghai"
        ) from None
    _check_rate_limit(settings.api_rate_limit)
    if bool(settings.mqtt_cert_file) != bool(settings.mqtt_key_file):
        raise CentreSettingsError("mqtt_cert_file and mqtt_key_file go together")


def _check_rate_limit(text: str) -> None:
    try:
        limits = parse_many(text)
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        raise CentreSettingsError(
            f"api_rate_limit {text!r} is not a limit such as 20/second;600/minute"
        )
