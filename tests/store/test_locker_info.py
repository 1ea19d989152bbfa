"""The locker's identity goes into every page and traceback; its secret never does."""

from __future__ import annotations

import traceback


def test_the_lockers_identity_prints_without_its_secret(store, ctx):
    info = store.locker()
    secret = info.secret
    shown = [repr(info), str(info), f"{info!r}", repr({"locker": info})]
    for text in shown:
        assert "TEST-01" in text
        assert "secret" not in text
        assert secret.hex() not in text and repr(secret) not in text


def test_a_traceback_with_the_locker_in_it_leaves_the_secret_out(store, ctx):
    info = store.locker()
    try:
        raise RuntimeError(f"could not serve {info!r}")
    except RuntimeError:
        text = traceback.format_exc()
    assert "TEST-01" in text and repr(info.secret) not in text
