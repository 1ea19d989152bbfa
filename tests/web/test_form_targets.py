"""Every form names where it posts. A form without an action posts to the page it is on, and a
result page (`/again/<token>`) takes no POST: the form would fail after the first try."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>", re.IGNORECASE)
# Forms whose every button carries its own formaction.
BUTTONS_CHOOSE = {"door-action"}


def test_every_posting_form_names_its_target():
    missing = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for form in POST_FORM.findall(template.read_text(encoding="utf-8")):
            named = re.search(r'id="([^"]+)"', form)
            if "action=" not in form and not (named and named[1] in BUTTONS_CHOOSE):
                missing.append(f"{template.relative_to(TEMPLATES)}: {form}")
    assert missing == []
