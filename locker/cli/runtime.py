"""What every CLI command shares: the settings, the open store and clean error messages."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from locker.composition import build_context, open_store
from locker.config import Settings, SettingsError, load_settings
from locker.domain.errors import DomainError
from locker.services.context import LockerContext
from locker.services.errors import ServiceError
from locker.store import SqliteStore, StoreError

F = TypeVar("F", bound=Callable[..., Any])
EXPECTED_ERRORS = (DomainError, ServiceError, StoreError, SettingsError)


@dataclass
class Runtime:
    """Options given before the command, resolved into settings on first use."""

    db: Path | None = None
    config: Path | None = None
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """The settings from defaults, the config file, the environment and --db."""
        if self._settings is None:
            self._settings = load_settings(self.config, db=self.db)
        return self._settings

    @contextmanager
    def context(self, require_locker: bool = True) -> Iterator[LockerContext]:
        """An open store wrapped in a use-case context, closed afterwards."""
        settings = self.settings
        if require_locker and not Path(settings.db).exists():
            raise StoreError(f"no database at {settings.db}: run `locker init` first")
        store = open_store(settings)
        try:
            if require_locker:
                store.locker()
            yield build_context(settings, store)
        finally:
            store.close()


def pass_runtime(func: F) -> F:
    """Give a command the Runtime and turn expected errors into a clean message and exit 1."""

    @click.pass_obj
    @wraps(func)
    def wrapper(runtime: Runtime, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(runtime, *args, **kwargs)
        except EXPECTED_ERRORS as error:
            raise click.ClickException(printable(str(error))) from None
        except UnicodeDecodeError:
            raise click.ClickException("the file is not UTF-8 text: save it as UTF-8") from None
        except OSError as error:
            # A file the command was told to read or write: name it, without a traceback.
            raise click.ClickException(printable(f"{error.strerror}: {error.filename}")) from None

    return wrapper  # type: ignore[return-value]


def printable(text: str) -> str:
    """`text` on one line: what the input put in a message can neither break the line nor
    drive the terminal (a NUL, CR/LF or an escape sequence is written as its escape)."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def _has_control(value: object) -> bool:
    return isinstance(value, str) and any(unicodedata.category(ch) == "Cc" for ch in value)


CONTROL_REFUSAL = "a NUL, a line break or another control character cannot be part of it"


class PlainPath(click.Path):
    """A file path; one holding a NUL or another control character is a usage error."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The path, checked by click.Path, once it holds no control character."""
        if _has_control(value):
            self.fail(CONTROL_REFUSAL, param, ctx)
        return super().convert(value, param, ctx)


class OneLine(click.ParamType):
    """Text on one line, such as an address or a port's URL; a control character is refused."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The text, unless it holds a control character."""
        if _has_control(value):
            self.fail(CONTROL_REFUSAL, param, ctx)
        return value


def read_secret(from_stdin: bool, prompt: str) -> str:
    """A password or PIN: one line from stdin, or a hidden prompt asked twice."""
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException(f"expected the {prompt.lower()} on standard input")
        return line.rstrip("\r\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


def store_of(ctx: LockerContext) -> SqliteStore:
    """The concrete store, for the maintenance commands that go beyond the port."""
    assert isinstance(ctx.store, SqliteStore)
    return ctx.store
