"""The centre's settings: defaults, a TOML file, CENTRE_* variables, and clear refusals."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from locker.centre.settings import CentreSettings, CentreSettingsError, load_centre_settings
from locker.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "fleet.md"


def test_the_defaults_serve_a_local_console() -> None:
    settings = load_centre_settings(environ={})
    assert settings.fleet_db == "sqlite:///var/centre.db"
    assert (settings.host, settings.port, settings.language) == ("127.0.0.1", 8100, "zh")
    assert settings.identity_dir == Path("var/centre")


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "centre.toml"
    config.write_text('[centre]\nport = 8200\nmqtt_host = "broker.example"\nlanguage = "en"\n')
    settings = load_centre_settings(config, environ={"CENTRE_PORT": "8300"})
    assert (settings.port, settings.mqtt_host, settings.language) == (8300, "broker.example", "en")


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"CENTRE_PORT": "99999"}, "port"),
        ({"CENTRE_PORT": "eighty"}, "CENTRE_PORT"),
        ({"CENTRE_LANGUAGE": "fr"}, "language"),
        ({"CENTRE_FLEET_DB": "not a url"}, "fleet_db"),
        ({"CENTRE_STREAM_SLOTS": "12"}, "stream_slots"),
        ({"CENTRE_MQTT_CERT_FILE": "c.pem"}, "mqtt_key_file"),
        ({"CENTRE_MQTT_HOST": " "}, "mqtt_host"),
        ({"CENTRE_TIMEZONE": "Mars/Olympus"}, "timezone"),
        ({"CENTRE_TIMEZONE": "../../etc/passwd"}, "timezone"),
    ],
)
def test_a_wrong_value_is_refused_by_name(environ: dict[str, str], says: str) -> None:
    with pytest.raises(CentreSettingsError, match=says):
        load_centre_settings(environ=environ)


def test_an_unknown_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "centre.toml"
    config.write_text("prot = 8100\n")
    with pytest.raises(CentreSettingsError, match="unknown setting 'prot'"):
        load_centre_settings(config, environ={})


def test_every_setting_is_documented_with_its_default() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for field in dataclasses.fields(CentreSettings):
        default = str(field.default)
        row = re.search(rf"^\| `{field.name}` \| `([^`]*)` \|", text, re.MULTILINE)
        assert row, f"docs/fleet.md does not document {field.name}"
        assert row.group(1) == default, f"{field.name}: documented {row.group(1)!r}, is {default!r}"


def test_the_phone_retention_follows_the_lockers_and_must_be_positive() -> None:
    assert load_centre_settings(environ={}).retention_days == Settings().retention_days
    assert load_centre_settings(environ={"CENTRE_RETENTION_DAYS": "7"}).retention_days == 7.0
    with pytest.raises(CentreSettingsError, match="retention_days"):
        load_centre_settings(environ={"CENTRE_RETENTION_DAYS": "0"})
