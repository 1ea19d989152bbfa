"""A double tap is one action, and every form is post, redirect, get.

A touchscreen double tap, a scanner that sends Enter twice, a reload that posts again: the
repeats carry the same form as the first request. The first runs; it and every repeat that
arrives while it runs, or soon after, are answered with a 303 to the first one's page
(`/again/<token>`), which waits for it to finish. No repeat fires a second door or spends a
second try, and no browser ever asks to resubmit a form: reloading a result reloads the page.

Requests are the same when they come from the same browser, go to the same route, carry the
same form (the CSRF token aside) and, for routes whose meaning is in the session, the same
session subject; and only the latest action of a browser can be repeated.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

# A page that changed something is shown again to a repeat for this long: a reload or a late
# second tap sees "door A03 is open", not "already collected".
DONE_HOLD_S = 60.0
# A refusal only this long: people read it and try again on purpose.
REFUSAL_HOLD_S = 3.0
# A repeat waits this long for the first request's page (an unlock takes a few seconds at most).
WAIT_S = 15.0
# A result page can be reloaded (or come back to) for this long: a courier's door-open page
# through the cancel window.
PAGE_S = 600.0
# At most this many actions are remembered for repeats, and this many pages for reloads.
LIMIT = 128
# At most this many repeats wait on a server thread at once; more are asked to look again in a
# second, so a scanner stuck on Enter cannot take the threads that pages need.
WAITERS = 4
GUARDED = "_repeat_guarded"
F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("repeats", __name__)


@dataclass
class _Entry:
    token: str
    owner: str
    hold_s: float
    done: threading.Event = field(default_factory=threading.Event)
    page: tuple[int, list[tuple[str, str]], bytes] | None = None
    session: dict[str, Any] | None = None
    finished_at: float | None = None


class RepeatGuard:
    """The requests in flight and just done, by key; bounded and thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.waiters = threading.BoundedSemaphore(WAITERS)
        self._salt = secrets.token_bytes(16)
        self._by_key: OrderedDict[str, _Entry] = OrderedDict()
        self._by_token: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def key(self, *parts: object) -> str:
        """A key for these parts; keyed with a random salt, since forms hold PINs."""
        text = "\x1f".join(repr(p) for p in parts).encode()
        return hmac.new(self._salt, text, hashlib.sha256).hexdigest()

    def begin(self, key: str, owner: str, hold_s: float) -> tuple[_Entry, bool]:
        """The entry for `key`, and True when this request is the first and must run."""
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            entry = self._by_key.get(key)
            if entry is not None and entry.owner == owner:
                return entry, False
            # Only the latest thing someone did can be repeated: after "the door didn't open",
            # the same deposit form again is a new try, not a second tap.
            for old_key, old in list(self._by_key.items()):
                if old.owner == owner and old.finished_at is not None:
                    del self._by_key[old_key]
            entry = _Entry(secrets.token_urlsafe(16), owner, hold_s)
            self._by_key[key] = entry
            self._by_key.move_to_end(key)
            self._by_token[entry.token] = entry
            while len(self._by_key) > LIMIT:
                _, dropped = self._by_key.popitem(last=False)
                self._by_token.pop(dropped.token, None)
            self._keep_newest_pages()
        return entry, True

    def _keep_newest_pages(self) -> None:
        """Keep at most LIMIT pages: a busy screen must not hold every page of ten minutes.

        The oldest finished pages go first; a page whose repeats may still come (its key is
        kept) or whose request still runs stays.
        """
        if len(self._by_token) <= LIMIT:
            return
        live = {entry.token for entry in self._by_key.values()}
        for token, entry in list(self._by_token.items()):
            if len(self._by_token) <= LIMIT:
                return
            if token not in live and entry.finished_at is not None:
                del self._by_token[token]

    def finish(self, entry: _Entry, response: Response, kept_session: dict[str, Any]) -> None:
        """Keep the first request's page for its repeats; a refusal is kept only briefly."""
        body = response.get_data() if not response.is_streamed else b""
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "set-cookie"]
        if response.status_code >= 400:
            entry.hold_s = min(entry.hold_s, REFUSAL_HOLD_S)
        entry.page = (response.status_code, headers, body)
        entry.session = kept_session
        entry.finished_at = self._clock()
        entry.done.set()

    def abandon(self, entry: _Entry) -> None:
        """The first request failed: its repeats are told to try again, once."""
        entry.hold_s = 0.0
        entry.finished_at = self._clock()
        entry.done.set()

    def forget(self, owner: str) -> None:
        """The browser's visit ended: nothing it did before can be repeated any more."""
        with self._lock:
            for key, entry in list(self._by_key.items()):
                if entry.owner == owner and entry.finished_at is not None:
                    del self._by_key[key]

    def entry(self, token: str) -> _Entry | None:
        """The entry a repeat was sent to."""
        with self._lock:
            return self._by_token.get(token)

    def _forget_old(self, now: float) -> None:
        for key, entry in list(self._by_key.items()):
            if entry.finished_at is not None and now - entry.finished_at > entry.hold_s:
                del self._by_key[key]
        # The page outlives the key: it is reloaded, or come back to, for a while.
        for token, entry in list(self._by_token.items()):
            if entry.finished_at is not None and now - entry.finished_at > PAGE_S:
                del self._by_token[token]


VISITOR = "visitor"


@bp.before_app_request
def _name_the_browser() -> None:
    """Give each browser a random name in its session at its first page, to tell browsers
    apart: a repeat's page (and the session it carries) goes only to the browser that sent it."""
    if not isinstance(session.get(VISITOR), str):
        session[VISITOR] = secrets.token_urlsafe(12)


def owner() -> str:
    """The browser asking, and from where.

    Not who is logged in: a login is itself a guarded action, so whoever logs in next in the
    same browser has done something newer, and only the latest action can be repeated.
    """
    return f"{session.get(VISITOR)}@{request.remote_addr or ''}"


def end_of_visit() -> None:
    """Nothing this browser did can be repeated now (the screen went back home)."""
    guard: RepeatGuard = current_app.extensions["locker_repeats"]
    guard.forget(owner())


def once_per_tap(
    subject: Callable[[], object] = lambda: None, hold_s: float = DONE_HOLD_S
) -> Callable[[F], F]:
    """Guard a POST view: identical requests in flight or within `hold_s` run once.

    `subject` adds what, beyond the form, makes the request what it is (a session entry).
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method != "POST":
                return view(*args, **kwargs)
            guard: RepeatGuard = current_app.extensions["locker_repeats"]
            form = sorted((k, v) for k, v in request.form.items(multi=True) if k != "csrf_token")
            who = owner()
            key = guard.key(request.endpoint, who, form, sorted(kwargs.items()), subject())
            entry, first = guard.begin(key, who, hold_s)
            if not first:
                return redirect(url_for("repeats.again", token=entry.token), 303)
            try:
                response = make_response(view(*args, **kwargs))
            except BaseException:
                guard.abandon(entry)
                raise
            guard.finish(entry, response, dict(session))
            if 300 <= response.status_code < 400:
                return response  # already post, redirect, get
            return redirect(url_for("repeats.again", token=entry.token), 303)

        setattr(wrapper, GUARDED, True)
        return wrapper  # type: ignore[return-value]

    return decorate


@bp.get("/again/<token>")
def again(token: str) -> Any:
    """A form's result page, for the request that posted it, a repeat of it, or a reload; waits
    for the first request to finish."""
    guard: RepeatGuard = current_app.extensions["locker_repeats"]
    entry = guard.entry(token)
    if entry is None or entry.owner != owner():
        return redirect(url_for("kiosk.home"))
    if not entry.done.is_set():
        if not guard.waiters.acquire(blocking=False):
            return render_template("again_wait.html"), 202
        try:
            finished = entry.done.wait(WAIT_S)
        finally:
            guard.waiters.release()
        if not finished:
            return redirect(url_for("kiosk.home"))
    if entry.page is None:
        # The first request failed with nothing to show: this one may simply be tried again.
        return redirect(url_for("kiosk.home"))
    status, headers, body = entry.page
    # The browser may have dropped the first response with its cookie: what the first request
    # put in the session (a login, the offer of more doors) comes with its page.
    if entry.session is not None:
        session.clear()
        session.update(entry.session)
    page = Response(body, status=status, headers=headers)
    # A result is one person's (a door, a new code): no browser or proxy keeps a copy.
    page.headers["Cache-Control"] = "no-store"
    return page
