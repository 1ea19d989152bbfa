"""The pages a double tap or a reload is answered with are kept within a bound.

A busy kiosk must not keep every page it answered for the ten minutes a result page can be
reloaded: the pages kept are bounded in number, the newest kept.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from locker.web.repeat_guard import LIMIT, RepeatGuard


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def answer(guard: RepeatGuard, clock: Ticking, n: int, owner: str) -> str:
    """One browser's action `n`, run and answered with its page; its page's token."""
    entry, first = guard.begin(guard.key("/pickup", n), owner, hold_s=3.0)
    assert first
    guard.finish(entry, Response(f"page {n}" * 1000), {})
    clock.now += 1.0
    return entry.token


def test_one_busy_browser_keeps_only_the_newest_pages():
    clock = Ticking()
    guard = RepeatGuard(clock)
    tokens = [answer(guard, clock, n, "kiosk screen") for n in range(LIMIT + 20)]
    assert guard.entry(tokens[0]) is None
    assert guard.entry(tokens[19]) is None
    assert guard.entry(tokens[20]) is not None
    assert guard.entry(tokens[-1]) is not None


def test_many_browsers_keep_only_the_newest_pages():
    clock = Ticking()
    guard = RepeatGuard(clock)
    tokens = [answer(guard, clock, n, f"browser {n}") for n in range(3 * LIMIT)]
    kept = [token for token in tokens if guard.entry(token) is not None]
    assert kept == tokens[-LIMIT:]


def test_a_page_is_still_kept_for_its_reloads_within_the_bound():
    clock = Ticking()
    guard = RepeatGuard(clock)
    token = answer(guard, clock, 0, "kiosk screen")
    clock.now += 300.0
    entry = guard.entry(token)
    assert entry is not None and entry.page is not None and entry.page[0] == 200
