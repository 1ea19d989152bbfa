"""Settings: defaults, overridden by a TOML file, overridden by LOCKER_* environment variables."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from locker.domain.quiet_hours import QuietHours, QuietHoursError
from locker.settings_sources import SettingsSourceError, coerce, layered_values
from locker.wire.errors import WireFormatError
from locker.wire.keys import public_from_text


class SettingsError(Exception):
    """A settings file or variable is wrong; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Every setting of the locker; docs/settings.md documents each with its default."""

    db: Path = Path("var/locker.db")
    pickup_window_hours: float = 72.0
    cancel_window_minutes: float = 10.0
    code_length: int = 8
    keypad_max_failures: int = 5
    keypad_window_minutes: float = 5.0
    keypad_first_lockout_seconds: float = 30.0
    keypad_max_lockout_seconds: float = 900.0
    # Wrong tries on the phone-and-code path whose four digits match no waiting parcel.
    phone_code_locker_max_failures: int = 30
    retention_days: float = 30.0
    expire_interval_seconds: float = 300.0
    unlock_timeout_seconds: float = 2.0
    board_reply_timeout_seconds: float = 0.25
    board_retries: int = 2
    status_poll_seconds: float = 0.5
    door_open_reminder_seconds: float = 60.0
    door_open_alert_seconds: float = 300.0
    camera: str = ""
    camera_fps: float = 15.0
    scan_debounce_seconds: float = 3.0
    scanner_port: str = ""
    scanner_baud: int = 9600
    busy_timeout_seconds: float = 5.0
    host: str = "127.0.0.1"
    port: int = 8000
    language: str = "zh"
    support_contact: str = "400-000-0000"
    screen_idle_seconds: float = 90.0
    badge_valid_days: float = 365.0
    remote_streams: bool = False
    # The screen's chime and spoken door numbers (docs/sounds.md).
    sound: bool = True
    sounds_dir: str = ""
    sound_volume: float = 1.0
    quiet_hours: str = "22:00-07:00"
    quiet_volume: float = 0.3
    # Messages: where times are shown, the outbox worker's retries, reminders.
    timezone: str = "Asia/Shanghai"
    outbox_poll_seconds: float = 1.0
    outbox_max_attempts: int = 8
    outbox_first_retry_seconds: float = 30.0
    outbox_max_retry_seconds: float = 3600.0
    reminder_after_hours: float = 24.0
    reminder_before_deadline_hours: float = 6.0
    # E-mail (no smtp_host: no e-mail channel).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_timeout_seconds: float = 10.0
    # SMS (no sms_gateway: no SMS channel).
    sms_gateway: str = ""
    sms_url: str = ""
    sms_secret: str = ""
    sms_access_key_id: str = ""
    sms_access_key_secret: str = ""
    sms_sign_name: str = ""
    sms_region: str = ""
    sms_app_id: str = ""
    sms_endpoint: str = ""
    sms_templates: dict[str, str] = field(default_factory=dict)
    sms_timeout_seconds: float = 10.0
    sms_daily_cap: int = 10
    # Carriers' webhooks, by carrier name.
    webhook_urls: dict[str, str] = field(default_factory=dict)
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    webhook_timeout_seconds: float = 10.0
    # The fleet's uplink (docs/fleet.md); no mqtt_host: the locker works alone.
    mqtt_host: str = ""
    mqtt_port: int = 1883
    mqtt_username: str = ""
    mqtt_password: str = ""
    mqtt_ca_file: str = ""
    mqtt_cert_file: str = ""
    mqtt_key_file: str = ""
    mqtt_keepalive_seconds: float = 30.0
    mqtt_session_expiry_seconds: float = 604800.0
    uplink_replay_per_second: float = 200.0
    fleet_root_key: str = ""
    remote_opens_per_hour: int = 3
    # Carriers' pre-advice: days past the expected arrival before it is cancelled by itself.
    preadvice_days: float = 3.0

    @property
    def sounds_folder(self) -> Path:
        """Where the sound clips are: `sounds_dir`, else `sounds` beside the database."""
        return Path(self.sounds_dir) if self.sounds_dir else self.db.parent / "sounds"


ENV_PREFIX = "LOCKER_"


def load_settings(
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings; later sources win: defaults, file, environment, overrides."""
    environ = os.environ if environ is None else environ
    known: dict[str, type] = get_type_hints(Settings)
    config_file = config_file or environ.get("LOCKER_CONFIG") or None
    try:
        values = layered_values(known, "locker", ENV_PREFIX, config_file, environ)
        for key, value in overrides.items():
            if value is not None:
                values[key] = coerce(key, known[key], value, "option")
    except SettingsSourceError as error:
        raise SettingsError(str(error)) from None
    settings = dataclasses.replace(Settings(), **values)
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    positive = [
        "pickup_window_hours",
        "cancel_window_minutes",
        "keypad_max_failures",
        "keypad_window_minutes",
        "keypad_first_lockout_seconds",
        "keypad_max_lockout_seconds",
        "phone_code_locker_max_failures",
        "retention_days",
        "expire_interval_seconds",
        "unlock_timeout_seconds",
        "busy_timeout_seconds",
        "board_reply_timeout_seconds",
        "status_poll_seconds",
        "door_open_reminder_seconds",
        "door_open_alert_seconds",
        "camera_fps",
        "scan_debounce_seconds",
        "scanner_baud",
        "screen_idle_seconds",
        "badge_valid_days",
        "outbox_poll_seconds",
        "outbox_max_attempts",
        "outbox_first_retry_seconds",
        "outbox_max_retry_seconds",
        "reminder_after_hours",
        "reminder_before_deadline_hours",
        "smtp_timeout_seconds",
        "sms_timeout_seconds",
        "webhook_timeout_seconds",
    ]
    for name in positive:
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{name} must be greater than zero")
    if settings.badge_valid_days > 3650:
        raise SettingsError("badge_valid_days must be at most 3650 (ten years)")
    if not 0 <= settings.board_retries <= 5:
        raise SettingsError("board_retries must be 0 to 5")
    if not 6 <= settings.code_length <= 12:
        raise SettingsError("code_length must be 6 to 12 digits")
    if not 0 < settings.port < 65536:
        raise SettingsError("port must be 1 to 65535")
    if settings.language not in ("zh", "en"):
        raise SettingsError("language must be zh or en")
    _check_messages(settings)
    _check_sound(settings)


def _check_sound(settings: Settings) -> None:
    """The volumes and the quiet hours."""
    if not 0 < settings.sound_volume <= 1:
        raise SettingsError("sound_volume must be more than 0 and at most 1")
    if not 0 <= settings.quiet_volume <= 1:
        raise SettingsError("quiet_volume must be 0 to 1")
    try:
        QuietHours.parse(settings.quiet_hours)
    except QuietHoursError as error:
        raise SettingsError(f"quiet_hours: {error}") from None


def _check_messages(settings: Settings) -> None:
    """The time zone and the message channels' settings."""
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"timezone {settings.timezone!r} is not a time zone name such as Asia/Shanghai"
        ) from None
    if not 0 < settings.smtp_port < 65536:
        raise SettingsError("smtp_port must be 1 to 65535")
    if settings.smtp_security not in ("starttls", "ssl", "none"):
        raise SettingsError("smtp_security must be starttls, ssl or none")
    if settings.smtp_host and not settings.smtp_from:
        raise SettingsError("smtp_from is needed with smtp_host: the address messages come from")
    if settings.sms_gateway not in ("", "http", "aliyun", "tencent"):
        raise SettingsError("sms_gateway must be http, aliyun or tencent (or empty for none)")
    if settings.sms_gateway == "http" and not (settings.sms_url and settings.sms_secret):
        raise SettingsError("sms_url and sms_secret are needed with sms_gateway = http")
    if settings.sms_gateway in ("aliyun", "tencent") and not (
        settings.sms_access_key_id and settings.sms_access_key_secret and settings.sms_sign_name
    ):
        raise SettingsError(
            f"sms_access_key_id, sms_access_key_secret and sms_sign_name are needed with "
            f"sms_gateway = {settings.sms_gateway}"
        )
    if settings.sms_gateway == "tencent" and not settings.sms_app_id:
        raise SettingsError("sms_app_id is needed with sms_gateway = tencent")
    if settings.sms_daily_cap < 1:
        raise SettingsError("sms_daily_cap must be at least 1")
    _check_uplink(settings)
    unsigned = sorted(set(settings.webhook_urls) - set(settings.webhook_secrets))
    if unsigned:
        raise SettingsError(f"webhook_secrets has no secret for {', '.join(unsigned)}")


def _check_uplink(settings: Settings) -> None:
    """The broker's address and credentials, and the fleet's pinned root key."""
    if not 0 < settings.mqtt_port < 65536:
        raise SettingsError("mqtt_port must be 1 to 65535")
    for name in ("mqtt_keepalive_seconds", "mqtt_session_expiry_seconds"):
        if not 0 < getattr(settings, name) <= 2**32 - 1:
            raise SettingsError(f"{name} must be greater than zero")
    if not 0 < settings.uplink_replay_per_second <= 100_000:
        raise SettingsError("uplink_replay_per_second must be 1 to 100000")
    if bool(settings.mqtt_cert_file) != bool(settings.mqtt_key_file):
        raise SettingsError("mqtt_cert_file and mqtt_key_file go together")
    if settings.mqtt_cert_file and not settings.mqtt_ca_file:
        raise SettingsError("mqtt_cert_file needs mqtt_ca_file: a client certificate means TLS")
    if not 0 <= settings.remote_opens_per_hour <= 100:
        raise SettingsError("remote_opens_per_hour must be 0 to 100")
    if not 0 < settings.preadvice_days <= 365:
        raise SettingsError("preadvice_days must be more than 0 and at most 365")
    if settings.mqtt_host and not settings.fleet_root_key:
        raise SettingsError(
            "fleet_root_key is needed with mqtt_host: the fleet's root public key "
            "(locker fleet keygen prints it)"
        )
    if settings.fleet_root_key:
        try:
            public_from_text(settings.fleet_root_key)
        except WireFormatError:
            raise SettingsError(
                "fleet_root_key is not an Ed25519 public key in base64 (44 characters)"
            ) from None
