"""The on-screen keys' buttons, which are the same on every page: built once, not per page."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup

KEY = Markup('<button type="button" class="key{}" data-key="{}">{}</button>')


@lru_cache(maxsize=64)
def key_buttons(keys: str, letter_class: bool = False) -> Markup:
    """A button for each character of `keys`; with `letter_class`, letters are marked "letter"
    (the keyboard's shift key turns them to capitals)."""
    return Markup("").join(
        KEY.format(" letter" if letter_class and key.isalpha() else "", key, key) for key in keys
    )
