"""The on-screen keys' buttons, built once and the same on every page."""

from __future__ import annotations

import re

from locker.web.touch_keys import key_buttons


def keys_of(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<button type="button" class="([^"]+)" data-key="([^"]*)">([^<]*)</button>', html
    )


def test_each_key_is_a_button_that_types_its_character():
    assert keys_of(key_buttons("120")) == [("key", "1", "1"), ("key", "2", "2"), ("key", "0", "0")]


def test_the_keyboards_letters_are_marked_for_the_shift_key_and_its_signs_are_not():
    assert keys_of(key_buttons("a1-", letter_class=True)) == [
        ("key letter", "a", "a"),
        ("key", "1", "1"),
        ("key", "-", "-"),
    ]


def test_a_sign_that_means_something_in_html_is_escaped():
    html = key_buttons('&"<')
    assert 'data-key="&amp;">&amp;<' in html
    assert 'data-key="&#34;">&#34;<' in html and 'data-key="&lt;">&lt;<' in html
