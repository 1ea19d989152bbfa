"""The deposit form filled in from a carrier's pre-advice, and its words for the courier."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from locker.services.expected_deposit import ExpectedDeposit


def no_space_text(expected: ExpectedDeposit) -> str:
    """What the screen says when no door of the pre-advised size is free; "" when one is."""
    size = expected.size.value
    if not expected.no_space:
        return ""
    if expected.offered is None:
        if expected.needs_low:
            return _(
                "No room here for this parcel: no free low door of size %(size)s or larger.",
                size=size,
            )
        return _(
            "No room here for this parcel: no free door of size %(size)s or larger.", size=size
        )
    offered = expected.offered.value
    if expected.needs_low:
        return _(
            "No free low door of size %(size)s: size %(offered)s is offered.",
            size=size,
            offered=offered,
        )
    return _(
        "No free door of size %(size)s: size %(offered)s is offered.", size=size, offered=offered
    )


def preadvice_text() -> str:
    """The notice above a form the pre-advice filled in."""
    return _(
        "Pre-advised by the carrier: the phone, size, low door and language are filled in. "
        "Change what is wrong."
    )


def prefill(values: dict[str, Any], expected: ExpectedDeposit, locker_language: str) -> None:
    """Fill in what the courier has not chosen themselves: size, low door, language."""
    values.setdefault("size", (expected.offered or expected.size).value)
    values.setdefault("low", expected.needs_low)
    values.setdefault("language", expected.language or locker_language)


def as_json(expected: ExpectedDeposit, locker_language: str) -> dict[str, Any]:
    """The pre-advice as the deposit page fills it in after a scan: the phone only masked."""
    return {
        "expected": True,
        "phone": expected.masked_phone,
        "size": (expected.offered or expected.size).value,
        "low": expected.needs_low,
        "language": expected.language or locker_language,
        "notice": preadvice_text(),
        "no_space": no_space_text(expected),
    }
