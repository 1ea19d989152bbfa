"""Every message on a screen has its Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locker" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
METHODS = [("templates/**.html", "jinja2"), ("locker/web/**.py", "python")]


def screen_messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_on_a_screen_has_a_chinese_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    messages = screen_messages()
    assert messages, "no messages were extracted: check the extraction methods"
    missing = sorted(messages - translated)
    assert not missing, f"messages without a Chinese translation: {missing}"
