"""Every message the console's code shows has its Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locker" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
METHODS = [("templates/centre/**.html", "jinja2"), ("locker/centre/web/**.py", "python")]


def test_every_console_message_has_a_chinese_translation() -> None:
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    translated = {m.id for m in catalogue if m.id and m.string}
    found = {
        message[0] if isinstance(message, tuple) else message
        for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS)
    }
    assert found, "no messages were extracted"
    assert sorted(found - translated) == []
