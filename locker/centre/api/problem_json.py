"""The API's one error processor: every error, in the caller's language, as a problem document
(RFC 9457, `application/problem+json`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from apiflask import HTTPError
from flask import current_app, request

from locker.centre.api.problems import CODE_OF_STATUS, LANGUAGES, PROBLEMS, TYPE_PREFIX

MEDIA_TYPE = "application/problem+json"
# Where APIFlask (webargs) says a field was, and how the problem names that place.
LOCATIONS = {
    "json": "body",
    "query": "query",
    "headers": "header",
    "path": "path",
    "view_args": "path",
}
MAX_BODY_BYTES_KEY = "MAX_CONTENT_LENGTH"


def language() -> str:
    """The caller's language from Accept-Language: zh or en (the default)."""
    return str(request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0]))


def field_errors(detail: Any) -> list[dict[str, Any]]:
    """APIFlask's validation detail ({location: {field: messages}}) as a list, one per field."""
    if not isinstance(detail, Mapping):
        return []
    found = []
    for location, fields in detail.items():
        where = LOCATIONS.get(str(location), str(location))
        if not isinstance(fields, Mapping):
            found.append({"in": where, "field": "", "messages": _messages(fields)})
            continue
        for name, messages in _flatten(fields):
            found.append({"in": where, "field": name, "messages": messages})
    return found


def _flatten(fields: Mapping[Any, Any], prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """(dotted field name, messages) for marshmallow's nested error dicts."""
    for name, value in fields.items():
        dotted = "" if name == "_schema" else f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{dotted}." if dotted else "")
        else:
            yield dotted.rstrip("."), _messages(value)


def _messages(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def problem_body(code: str, status: int, lang: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The problem document's standard members and its code, in `lang`."""
    entry = PROBLEMS[code]
    return {
        "type": TYPE_PREFIX + code,
        "title": entry.title[lang],
        "status": status,
        "detail": entry.detail[lang].format_map({"status": status, **params}),
        "code": code,
    }


def make_error_processor(
    retry_after_s: Callable[[], int],
) -> Callable[[HTTPError], tuple[dict[str, Any], int, dict[str, str]]]:
    """The error processor; `retry_after_s` says how long a caller over its budget waits."""

    def process(error: HTTPError) -> tuple[dict[str, Any], int, dict[str, str]]:
        status = int(error.status_code)
        extra = dict(error.extra_data or {})
        params = dict(extra.get("params") or {})
        headers = {str(k): str(v) for k, v in dict(error.headers or {}).items()}
        errors = field_errors(error.detail) if status == 422 else []
        code = str(extra.get("code", ""))
        if PROBLEMS.get(code) is None or PROBLEMS[code].status not in (status, None):
            code = "invalid_input" if errors else CODE_OF_STATUS.get(status, "http_error")
        if code == "invalid_input":
            params["fields"] = ", ".join(e["field"] or e["in"] for e in errors) or "?"
        elif code == "too_large":
            params["limit_kib"] = math.ceil(current_app.config[MAX_BODY_BYTES_KEY] / 1024)
        elif code == "rate_limited":
            params["seconds"] = retry_after_s()
            headers["Retry-After"] = str(params["seconds"])
        lang = language()
        try:
            body = problem_body(code, status, lang, params)
        except (KeyError, IndexError, ValueError):
            # A blank left unfilled by whoever raised it: the words without the particulars.
            body = problem_body("http_error", status, lang, {})
            body["code"] = code
        if errors:
            body["errors"] = errors
        for name, value in dict(extra.get("extensions") or {}).items():
            body.setdefault(str(name), value)
        headers.update(
            {"Content-Type": MEDIA_TYPE, "Content-Language": lang, "Vary": "Accept-Language"}
        )
        return body, status, headers

    return process
