"""Settings from layered sources: a dataclass's defaults, a TOML file, then environment variables.

The locker (`locker/config.py`) and the centre (`locker/centre/settings.py`) each keep their own
settings and checks; both read them through this one loader.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_origin


class SettingsSourceError(ValueError):
    """A file or a variable holds what its setting cannot take; the message names it."""


# How a yes or no may be written in the environment (TOML has true and false of its own).
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _table(name: str, value: Any, source: str) -> dict[str, str]:
    """A table of names to texts: a TOML table, or `key=value;key=value` in the environment."""
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.split(";") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise SettingsSourceError(f"{source}: {name} must be written key=value;key=value")
        value = {key.strip(): text.strip() for key, text in pairs}
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    raise SettingsSourceError(f"{source}: {name} must be a table of names to texts, not {value!r}")


def coerce(name: str, kind: Any, value: Any, source: str) -> Any:
    """The value as `kind`, accepting text from the environment; else SettingsSourceError."""
    if get_origin(kind) is dict:
        return _table(name, value, source)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
            return _BOOLEANS[value.strip().lower()]
        raise SettingsSourceError(f"{source}: {name} must be true or false, not {value!r}")
    if kind is Path and isinstance(value, str | Path):
        return Path(value)
    if kind is str and isinstance(value, str):
        return value
    if kind in (int, float) and not isinstance(value, bool):
        try:
            number = float(value) if kind is float else int(value)
        except (TypeError, ValueError):
            pass
        else:
            if kind is float or not isinstance(value, float) or value.is_integer():
                return number
    what = {int: "whole number", float: "number", str: "text", Path: "path"}[kind]
    raise SettingsSourceError(f"{source}: {name} must be a {what}, not {value!r}")


def layered_values(
    known: Mapping[str, Any],
    table: str,
    env_prefix: str,
    config_file: str | Path | None,
    environ: Mapping[str, str],
) -> dict[str, Any]:
    """The values the file (its `[table]`, or its top level) and then the environment set."""
    values: dict[str, Any] = {}
    if config_file:
        path = Path(config_file)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsSourceError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as error:
            raise SettingsSourceError(f"config file {path} is not valid TOML: {error}") from None
        for key, value in document.get(table, document).items():
            if key not in known:
                raise SettingsSourceError(f"{path}: unknown setting {key!r}")
            values[key] = coerce(key, known[key], value, str(path))
    for key, kind in known.items():
        name = env_prefix + key.upper()
        if name in environ:
            values[key] = coerce(key, kind, environ[name], name)
    return values
