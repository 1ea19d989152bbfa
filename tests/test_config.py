"""Settings: defaults, then the TOML file, then LOCKER_* variables, then options."""

from __future__ import annotations

from pathlib import Path

import pytest

from locker.config import Settings, SettingsError, load_settings


def test_defaults_apply_without_a_file_or_environment():
    assert load_settings(environ={}) == Settings()
    assert Settings().db == Path("var/locker.db")


def test_the_file_then_the_environment_then_options_win(tmp_path):
    config = tmp_path / "locker.toml"
    config.write_text('[locker]\npickup_window_hours = 48\nport = 9000\nhost = "0.0.0.0"\n')
    settings = load_settings(
        environ={"LOCKER_CONFIG": str(config), "LOCKER_PORT": "9100"}, db=tmp_path / "x.db"
    )
    assert settings.pickup_window_hours == 48.0
    assert settings.host == "0.0.0.0"
    assert settings.port == 9100
    assert settings.db == tmp_path / "x.db"


@pytest.mark.parametrize(
    ("content", "environ", "message"),
    [
        ("pickup_window = 3\n", {}, "unknown setting 'pickup_window'"),
        ('port = "eighty"\n', {}, "port must be a whole number"),
        ("code_length = 4\n", {}, "code_length must be 6 to 12"),
        ("retention_days = 0\n", {}, "retention_days must be greater than zero"),
        ("port = 8000\n[broken\n", {}, "not valid TOML"),
        ("", {"LOCKER_KEYPAD_MAX_FAILURES": "many"}, "LOCKER_KEYPAD_MAX_FAILURES"),
        ('language = "fr"\n', {}, "language must be zh or en"),
        ("badge_valid_days = 0\n", {}, "badge_valid_days must be greater than zero"),
        ("badge_valid_days = 1e9\n", {}, "badge_valid_days must be at most 3650"),
        ("sound_volume = 0\n", {}, "sound_volume must be more than 0 and at most 1"),
        ("quiet_volume = 2\n", {}, "quiet_volume must be 0 to 1"),
        ('quiet_hours = "late"\n', {}, "quiet_hours: 'late' is not a time range"),
        ("", {"LOCKER_QUIET_HOURS": "25:00-07:00"}, "quiet_hours: '25:00-07:00'"),
    ],
)
def test_a_wrong_setting_is_named(tmp_path, content, environ, message):
    config = tmp_path / "locker.toml"
    config.write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_settings(config, environ=environ)


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize(
    ("written", "expected"), [("true", True), ("1", True), ("no", False), ("False", False)]
)
def test_a_yes_or_no_setting_reads_the_usual_words_from_the_environment(written, expected):
    settings = load_settings(environ={"LOCKER_REMOTE_STREAMS": written})
    assert settings.remote_streams is expected


def test_a_yes_or_no_setting_takes_toml_booleans_and_names_anything_else(tmp_path):
    config = tmp_path / "locker.toml"
    config.write_text("remote_streams = true\n")
    assert load_settings(config, environ={}).remote_streams is True
    config.write_text("remote_streams = 1\n")
    with pytest.raises(SettingsError, match="remote_streams must be true or false"):
        load_settings(config, environ={})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("preadvice_days = 0\n", "preadvice_days must be more than 0 and at most 365"),
        ("preadvice_days = 1e9\n", "preadvice_days must be more than 0 and at most 365"),
    ],
)
def test_the_pre_advice_grace_is_bounded(tmp_path, content, message):
    config = tmp_path / "locker.toml"
    config.write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_settings(config, environ={})


def test_an_expected_parcel_waits_preadvice_days_past_its_arrival_by_default():
    from datetime import timedelta

    from locker.composition.context import rules_from

    assert Settings().preadvice_days == 3.0
    assert rules_from(Settings(preadvice_days=1.5)).preadvice_window == timedelta(hours=36)
