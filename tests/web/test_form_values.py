"""Ids and return paths read from a request: bounded, or nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locker.web.form_values import MAX_ID, local_path, parse_id


@pytest.mark.parametrize(
    ("text", "maximum", "expected"),
    [
        ("1", MAX_ID, 1),
        (" 42 ", MAX_ID, 42),
        ("007", MAX_ID, 7),
        (str(MAX_ID), MAX_ID, MAX_ID),
        ("999999999", 999_999_999, 999_999_999),
    ],
)
def test_an_id_in_ascii_digits_within_bounds_is_read(text: str, maximum: int, expected: int):
    assert parse_id(text, maximum) == expected


@pytest.mark.parametrize(
    ("text", "maximum"),
    [
        (None, MAX_ID),
        ("", MAX_ID),
        ("0", MAX_ID),
        ("-1", MAX_ID),
        ("+1", MAX_ID),
        ("1_000", MAX_ID),
        ("1e3", MAX_ID),
        ("0x10", MAX_ID),
        ("１２", MAX_ID),  # full-width digits, which int() reads
        ("²", MAX_ID),  # a digit to str.isdigit(), not to int()
        ("1\x00", MAX_ID),
        (str(MAX_ID + 1), MAX_ID),  # beyond what SQLite can bind
        ("99999999999999999999", MAX_ID),
        ("9" * 5000, MAX_ID),  # beyond what int() reads without a ValueError
        ("1000000000", 999_999_999),
        ("0000000001", 999_999_999),  # longer than any courier id is written
    ],
)
def test_anything_else_names_no_id(text: str | None, maximum: int):
    assert parse_id(text, maximum) is None


@given(st.text())
def test_parse_id_never_raises_and_stays_in_bounds(text: str):
    found = parse_id(text, 999_999_999)
    assert found is None or 0 < found <= 999_999_999


@pytest.mark.parametrize(
    "target", ["/admin/", "/admin/doors", "/admin/doors?door=A01&from=2026-11-01"]
)
def test_a_page_of_the_admin_area_is_a_place_to_return_to(target: str):
    assert local_path(target, "/admin/") == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "/",
        "/courier/",
        "//evil.example/admin/",
        "https://evil.example/admin/",
        "/admin//evil.example",
        "/admin/\\evil.example",
        "/admin/../courier/",
        "/admin/\r\nSet-Cookie: x=y",
        "/admin/\x00",
        "/admin/\t",
        "/admin/doors extra",
        "/admin/快递柜",
        "/admin/" + "x" * 600,
    ],
)
def test_anything_else_is_no_place_to_return_to(target: str | None):
    assert local_path(target, "/admin/") is None
