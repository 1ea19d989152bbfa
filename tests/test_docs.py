"""The docs stay true: every setting documented with its default, the layout example loads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from locker.config import Settings
from locker.services.setup_locker import parse_layout_toml

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_setting_is_documented_with_its_default():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", text, flags=re.MULTILINE))
    for field in dataclasses.fields(Settings):
        assert field.name in rows, f"docs/settings.md does not document {field.name}"
        default = field.default
        if field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        shown = rows[field.name]
        if isinstance(default, bool):
            default = str(default).lower()  # as TOML writes it
        elif isinstance(default, float) and default.is_integer():
            default = int(default)
        if default == "":
            default = '""'
        assert shown == str(default), f"{field.name}: docs say {shown}, code says {default}"
    assert set(rows) == {f.name for f in dataclasses.fields(Settings)}


def test_the_layout_example_in_the_docs_loads():
    text = (DOCS / "layout.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, flags=re.DOTALL).group(1)
    layout = parse_layout_toml(example)
    assert [c.label for c in layout.compartments] == ["A01", "A02"]
    assert layout.compartments[1].low is True


def test_the_domain_says_in_writing_that_it_does_no_io():
    readme = DOCS.parent / "locker" / "domain" / "README.md"
    assert "This code does no I/O" in readme.read_text(encoding="utf-8")
