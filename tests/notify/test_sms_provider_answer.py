"""What an SMS channel keeps of a provider's answer: a bounded receipt, and safe error text."""

from __future__ import annotations

import pytest

from locker.notify.provider_answer import MAX_ERROR_CHARS, error_text, receipt


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("900619746936498^0", "900619746936498^0"),
        (12345, "12345"),
        ("", "msg-1"),
        (None, "msg-1"),
        (True, "msg-1"),
        ({"id": 1}, "msg-1"),
        ("x" * 129, "msg-1"),
        ("two\nlines", "msg-1"),
    ],
)
def test_receipt_is_the_providers_id_when_it_is_a_short_line(value: object, kept: str) -> None:
    assert receipt(value, "msg-1") == kept


def test_error_text_masks_phones_and_drops_query_strings() -> None:
    said = error_text(
        "Max retries exceeded with url: /?PhoneNumbers=13812345678&TemplateParam=%7B%22code"
        "%22%3A%2248213975%22%7D (Caused by refused) for 13812345678"
    )
    assert "48213975" not in said
    assert "13812345678" not in said
    assert said.endswith("for 138****5678")


def test_error_text_is_one_bounded_line() -> None:
    said = error_text("line one\nline two\t" + "x" * 500)
    assert "\n" not in said and "\t" not in said
    assert len(said) == MAX_ERROR_CHARS
