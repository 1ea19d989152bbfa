"""Pages and their live part: `?part=live` renders only the block the page refreshes."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, g, request
from flask.templating import render_template

from locker.centre.web import words

LIVE_BLOCK = "live"


def new_request_id() -> str:
    """A form's one-time id: the same form posted again finds what the first post did."""
    return secrets.token_hex(16)


def page(template: str, **values: Any) -> str:
    """The whole page, or its `live` block when the page's script asks for it."""
    values.update(words=words, when=words.when, me=g.get("operator"), new_request_id=new_request_id)
    if request.args.get("part") != LIVE_BLOCK:
        return render_template(template, **values)
    jinja = current_app.jinja_env.get_or_select_template(template)
    current_app.update_template_context(values)
    context = jinja.new_context(values)
    return "".join(jinja.blocks[LIVE_BLOCK](context))
