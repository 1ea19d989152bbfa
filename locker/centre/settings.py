"""The centre's settings: defaults, overridden by a TOML file, overridden by CENTRE_* variables."""

from __future__ import annotations

import dataclasses
import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "CENTRE_"
LANGUAGES = ("zh", "en")


class CentreSettingsError(Exception):
    """A settings file or variable is wrong; the message names it."""


@dataclass(frozen=True)
class CentreSettings:
    """Every setting of the centre; docs/fleet.md documents each with its default."""

    db: str = "sqlite:///var/centre.db"
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

    def client_id(self) -> str:
        """This process's MQTT client id: every centre process needs its own."""
        return self.mqtt_client_id or f"centre-{socket.gethostname()}-{os.getpid()}"


def load_centre_settings(
    config_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> CentreSettings:
    """Build the settings; later sources win: defaults, file, environment."""
    environ = os.environ if environ is None else environ
    known: dict[str, Any] = get_type_hints(CentreSettings)
    values: dict[str, Any] = {}
    if config_file:
        path = Path(config_file)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CentreSettingsError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as error:
            raise CentreSettingsError(f"config file {path} is not valid TOML: {error}") from None
        table = document.get("centre", document)
        for key, value in table.items():
            if key not in known:
                raise CentreSettingsError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, known[key], value, str(path))
    for key, kind in known.items():
        name = ENV_PREFIX + key.upper()
        if name in environ:
            values[key] = _coerce(key, kind, environ[name], name)
    settings = dataclasses.replace(CentreSettings(), **values)
    _check(settings)
    return settings


def _coerce(key: str, kind: Any, value: Any, source: str) -> Any:
    """The value as the setting's type; CentreSettingsError naming the source otherwise."""
    try:
        if kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind is Path:
            return Path(str(value))
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise CentreSettingsError(
            f"{source}: {key} must be {getattr(kind, '__name__', kind)}, not {value!r}"
        ) from None


def _check(settings: CentreSettings) -> None:
    try:
        make_url(settings.db)
    except ArgumentError:
        raise CentreSettingsError(f"db is not a database URL: {settings.db!r}") from None
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
    for key in ("stream_seconds", "clock_skew_seconds"):
        if not getattr(settings, key) > 0:
            raise CentreSettingsError(f"{key} must be positive")
    if bool(settings.mqtt_cert_file) != bool(settings.mqtt_key_file):
        raise CentreSettingsError("mqtt_cert_file and mqtt_key_file go together")
