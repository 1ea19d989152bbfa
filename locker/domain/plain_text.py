"""Text people type that the locker stores: one line, bounded, with no control characters.

A name or a reason goes into the audit log, the CSV export, the log files and the screens. A
NUL, CR/LF, an escape sequence or a bidi override in it could forge a log line, clear an
operator's terminal or show one text while holding another; a megabyte of it fills the log.
"""

from __future__ import annotations

import unicodedata

from locker.domain.errors import DomainRefusal, InvalidInputError

# Why an admin opened a door or took it out of service: a sentence on the audit record.
MAX_REASON_CHARS = 200
# Control characters, line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
# Bidi embeddings, overrides and isolates: they reorder what a screen or a terminal shows.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _allowed(ch: str) -> bool:
    return ch not in _BIDI_CONTROLS and unicodedata.category(ch) not in _REFUSED_CATEGORIES


def is_one_line(text: str, max_chars: int) -> bool:
    """True when `text`, stripped, has at most `max_chars` characters and none that breaks a line
    or hides text."""
    text = text.strip()
    return len(text) <= max_chars and all(_allowed(ch) for ch in text)


def one_line(text: str, what: str, max_chars: int, min_chars: int = 1) -> str:
    """`text` stripped, or InvalidInputError naming `what` unless it is one line that fits."""
    stripped = text.strip()
    if not (min_chars <= len(stripped) and is_one_line(stripped, max_chars)):
        raise InvalidInputError(
            f"{what} must be {min_chars} to {max_chars} characters on one line",
            code=DomainRefusal.TEXT_ONE_LINE,
            least=min_chars,
            most=max_chars,
        )
    return stripped
