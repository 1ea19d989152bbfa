"""Refusals reach the screen by their stable code, never by matching their English words."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import locker.domain
import locker.services
from locker.config import Settings
from locker.domain.errors import DomainRefusal, InvalidInputError, RefusalError
from locker.services.errors import NotAllowedError, ServiceRefusal
from locker.store import StoreError
from locker.web import create_app
from locker.web.refusal_text import WORDINGS, refusal_text

ROOT = Path(__file__).resolve().parents[2]
CODES = [*DomainRefusal, *ServiceRefusal]
# Read only by the CLI (`locker init`, `locker layout load`, the demo's seeding): no screen
# shows their refusals, and the CLI prints the English message.
SCREENLESS = {"locker/domain/layout.py", "locker/services/setup_locker.py"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class SampleValues(dict[str, object]):
    """Whatever value a wording asks for."""

    def __missing__(self, key: str) -> object:
        return 7


@pytest.fixture
def app(ctx, db_path, board, clock):
    return create_app(Settings(db=db_path, language="en"), board=board, clock=clock)


def on_screen(app, lang: str, error: Exception) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return refusal_text(error)


def refusal_classes() -> set[str]:
    """The names of every refusal class the domain and the use cases define."""
    for package in (locker.domain, locker.services):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found, todo = set(), [RefusalError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def refusal_sites() -> list[tuple[str, str, ast.Call]]:
    """(where, class, call) for every call in the domain and the use cases that builds a refusal."""
    classes = refusal_classes()
    sites = []
    for folder in ("locker/domain", "locker/services"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if where in SCREENLESS:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                    if name in classes:
                        sites.append((f"{where}:{node.lineno}", name, node))
    return sites


def named_code(call: ast.Call) -> DomainRefusal | ServiceRefusal | None:
    """The code a call names as `DomainRefusal.X` or `ServiceRefusal.X`, if it names one so."""
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg == "code" and isinstance(value, ast.Attribute):
            enum = {"DomainRefusal": DomainRefusal, "ServiceRefusal": ServiceRefusal}.get(
                getattr(value.value, "id", "")
            )
            return enum[value.attr] if enum else None
    return None


def test_every_refusal_the_domain_and_the_use_cases_build_carries_a_code():
    sites = refusal_sites()
    assert len(sites) > 50, "the scan found too few refusals: check how it finds them"
    missing = [where for where, _, call in sites if not any(k.arg == "code" for k in call.keywords)]
    assert not missing, f"refusals without a code (give each one, and its wording): {missing}"


def test_every_code_is_given_by_some_refusal():
    source = "".join(
        path.read_text(encoding="utf-8")
        for folder in ("locker/domain", "locker/services")
        for path in (ROOT / folder).rglob("*.py")
    )
    unused = [code for code in CODES if f"Refusal.{code.name}" not in source]
    assert not unused, f"codes no refusal gives: {unused}"


def test_each_wording_needs_only_the_values_its_refusals_give(app):
    # The door and the locker come with the error's own arguments.
    implied = {
        "DoorDidNotOpenError": {"door"},
        "DoorBusyError": {"door"},
        "LookInsideError": {"door"},
        "CodeRejectedError": {"locker", "attempts_left"},
    }
    checked = 0
    for where, name, call in refusal_sites():
        code = named_code(call)
        if code is None:
            continue
        given = {k.arg for k in call.keywords if k.arg not in (None, "code")} | implied.get(
            name, set()
        )
        with app.test_request_context("/?lang=en"):
            try:
                WORDINGS[code]({value: 7 for value in given})
            except KeyError as missing:
                pytest.fail(f"{where}: the wording of {code} needs {missing}, not given")
        checked += 1
    assert checked > 40


def test_the_codes_are_unique_and_the_screen_words_each_of_them():
    assert len({str(code) for code in CODES}) == len(CODES)
    assert set(WORDINGS) == set(CODES), "a code without words, or words for no code"


@pytest.mark.parametrize("code", CODES, ids=str)
def test_every_refusal_code_is_worded_in_chinese(app, code):
    values = SampleValues()
    with app.test_request_context("/?lang=zh"):
        chinese = WORDINGS[code](values)
    with app.test_request_context("/?lang=en"):
        english = WORDINGS[code](values)
    assert CHINESE.search(chinese) and chinese != english, f"{code} has no Chinese: {english!r}"


def test_the_screen_words_a_refusal_by_its_code_whatever_its_english_says(app):
    undo = NotAllowedError("zzz reworded", code=ServiceRefusal.UNDO_WINDOW, minutes=10)
    assert on_screen(app, "en", undo) == "A deposit can only be undone within 10 minutes."
    chinese = on_screen(app, "zh", undo)
    assert "10" in chinese and CHINESE.search(chinese) and "zzz" not in chinese
    phone = InvalidInputError("zzz reworded", code=DomainRefusal.PHONE_FORMAT)
    assert on_screen(app, "en", phone) == "A phone number is 8 to 15 digits. Type it again."
    assert "电话号码为 8 到 15 位数字" in on_screen(app, "zh", phone)


def test_a_refusal_without_a_code_shows_its_own_message(app):
    assert on_screen(app, "zh", StoreError("the disk is full")) == "the disk is full"
