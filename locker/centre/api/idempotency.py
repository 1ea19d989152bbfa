"""`Idempotency-Key` on a carrier's POST: the same request again gets the first answer.

Put `@idempotent` under `auth_required` and the `input` decorators and above `output`, so that
a request that fails validation claims no key and the kept answer is the response as sent::

    @bp.post("/parcels")
    @bp.auth_required(auth)
    @bp.input(ParcelIn)
    @idempotent
    @bp.output(ParcelOut, status_code=202)
    def pre_advise(json_data): ...

The OpenAPI document gives every POST the header and its 409 and 422 (`openapi.py`), and a test
fails for a POST route without `@idempotent`.

The key (1 to 100 visible ASCII characters, per carrier) is claimed by inserting its row before
the view runs: the primary key (carrier, key) lets exactly one request of any thread or process
in. Then:

- the same key and the same request (method, path and JSON body) get the kept answer, with
  `Idempotent-Replayed: true`;
- the same key with another request: 422 `idempotency_key_reused`;
- the same key while the first is still running: this request waits up to a few seconds for the
  answer, then 409 `idempotency_in_flight`;
- what the view answered (a 2xx, or a 4xx returned or raised as an `HTTPError`) is kept for 24 h;
  an exception or a 5xx frees the key so that the request can be tried again;
- a claim left in flight by a process that died is taken over after IN_FLIGHT_LEASE_S.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from apiflask import APIFlask, HTTPError
from flask import Response, current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from locker.centre.api.auth import current_carrier
from locker.centre.api.context import api_context
from locker.centre.api.problems import ProblemError
from locker.centre.schema import idempotency_keys
from locker.centre.store import CentreStore

HEADER = "Idempotency-Key"
KEY = re.compile(r"[!-~]{1,100}")
KEY_LIFETIME_S = 24 * 3600.0
# Longer than any request runs: past it, a claim still in flight is one whose process died.
IN_FLIGHT_LEASE_S = 120.0
# How long a repeat waits for the first request's answer before it is told 409.
WAIT_CONFIG = "API_IDEMPOTENCY_WAIT_S"
DEFAULT_WAIT_S = 2.0
# Another process's answer is seen at the next look; this process's wakes the waiters at once.
POLL_S = 0.05
MAX_LOOKS = 1000
KEPT_HEADERS = ("Content-Type", "Content-Language", "Location")
REPLAYED_HEADER = "Idempotent-Replayed"
MARK = "idempotent"

View = TypeVar("View", bound=Callable[..., Any])
_answered = threading.Condition()


def idempotent(view: View) -> View:
    """Honour an Idempotency-Key on this view (see the module's docstring)."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not KEY.fullmatch(key):
            raise HTTPError(
                422, detail={"headers": {HEADER: ["1 to 100 visible ASCII characters"]}}
            )
        claim = Claim(api_context().store, current_carrier(), key, request_fingerprint())
        kept = claim.take(
            api_context().clock, float(current_app.config.get(WAIT_CONFIG, DEFAULT_WAIT_S))
        )
        if kept is not None:
            return kept
        try:
            response = _answer(view, args, kwargs)
        except BaseException:
            claim.release()
            raise
        if response.status_code >= 500:
            claim.release()
        else:
            claim.keep(response)
        return response

    setattr(run, MARK, True)
    return cast(View, run)


def request_fingerprint() -> str:
    """What makes two requests the same: method, path and query, and the body's JSON."""
    data = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        body = data
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode("utf-8", "replace"), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _answer(view: Callable[..., Any], args: Any, kwargs: Any) -> Response:
    """The view's answer as a response; a refusal it raises is an answer too."""
    app = cast(APIFlask, current_app)
    try:
        returned = view(*args, **kwargs)
    except HTTPError as refusal:
        if refusal.status_code >= 500:
            raise
        returned = app.error_callback(refusal)
    return app.make_response(returned)


class Claim:
    """One carrier's key for one request: taken, then kept with its answer or released."""

    def __init__(self, store: CentreStore, carrier: str, key: str, fingerprint: str) -> None:
        self._store = store
        self._where = (idempotency_keys.c.carrier == carrier, idempotency_keys.c.key == key)
        self._row = {"carrier": carrier, "key": key, "request_hash": fingerprint}
        self._stamp = 0.0

    def take(self, clock: Callable[[], float], wait_s: float) -> Response | None:
        """Claim the key (None), or the kept answer; ProblemError for a reuse or a wait too long."""
        deadline = time.monotonic() + wait_s
        for _ in range(MAX_LOOKS):
            now = clock()
            if self._insert(now):
                return None
            row = self._read()
            if row is None:
                continue  # released a moment ago: claim it
            if row.created_at <= now - KEY_LIFETIME_S and self._renew(row, now):
                return None
            if row.request_hash != self._row["request_hash"]:
                raise ProblemError("idempotency_key_reused")
            if row.state == "done":
                return _replay(row)
            if row.created_at <= now - IN_FLIGHT_LEASE_S and self._renew(row, now):
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with _answered:
                _answered.wait(min(POLL_S, remaining))
        raise ProblemError("idempotency_in_flight")

    def keep(self, response: Response) -> None:
        """Keep the answer for the same request to come."""
        headers = {
            name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
        }
        self._finish(
            update(idempotency_keys)
            .where(*self._mine())
            .values(
                state="done",
                status_code=response.status_code,
                response_body=response.get_data(as_text=True),
                response_headers=json.dumps(headers),
            )
        )

    def release(self) -> None:
        """Free the key: the request may be tried again."""
        self._finish(delete(idempotency_keys).where(*self._mine()))

    def _mine(self) -> tuple[Any, ...]:
        # Only the claim this request made: one taken over since is another's.
        return (
            *self._where,
            idempotency_keys.c.state == "in_flight",
            idempotency_keys.c.created_at == self._stamp,
        )

    def _finish(self, statement: Any) -> None:
        with self._store.engine.begin() as connection:
            connection.execute(statement)
        with _answered:
            _answered.notify_all()

    def _insert(self, now: float) -> bool:
        try:
            with self._store.engine.begin() as connection:
                connection.execute(
                    delete(idempotency_keys).where(
                        idempotency_keys.c.created_at < now - KEY_LIFETIME_S
                    )
                )
                connection.execute(
                    idempotency_keys.insert().values(**self._row, state="in_flight", created_at=now)
                )
        except IntegrityError:
            return False
        self._stamp = now
        return True

    def _read(self) -> Any:
        with self._store.engine.connect() as connection:
            return connection.execute(select(idempotency_keys).where(*self._where)).first()

    def _renew(self, row: Any, now: float) -> bool:
        """Claim a key whose row has expired or was abandoned, unless another did first."""
        with self._store.engine.begin() as connection:
            taken = connection.execute(
                update(idempotency_keys)
                .where(
                    *self._where,
                    idempotency_keys.c.state == row.state,
                    idempotency_keys.c.created_at == row.created_at,
                )
                .values(
                    request_hash=self._row["request_hash"],
                    state="in_flight",
                    status_code=None,
                    response_body=None,
                    response_headers=None,
                    created_at=now,
                )
            ).rowcount
        if taken:
            self._stamp = now
        return bool(taken)


def _replay(row: Any) -> Response:
    response = Response(row.response_body, status=int(row.status_code))
    for name, value in json.loads(row.response_headers or "{}").items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def is_idempotent(view: Callable[..., Any]) -> bool:
    """Whether a view function honours Idempotency-Key."""
    return bool(getattr(view, MARK, False))
