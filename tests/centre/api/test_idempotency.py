"""An Idempotency-Key makes a POST happen once: the same request again gets the first answer."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from apiflask import APIBlueprint, APIFlask, HTTPError, Schema
from apiflask.fields import Integer, String
from apiflask.validators import Length
from flask.testing import FlaskClient

from locker.centre.api.auth import auth, current_carrier
from locker.centre.api.idempotency import (
    IN_FLIGHT_LEASE_S,
    KEY_LIFETIME_S,
    idempotent,
    is_idempotent,
)
from tests.centre.api.conftest import Clock, assert_problem

KEY = {"Idempotency-Key": "order-7f3a"}


class ThingIn(Schema):
    name = String(required=True, validate=Length(1, 50))


class ThingOut(Schema):
    id = Integer()
    name = String()
    carrier = String()


class Things:
    """A POST route with an effect to count, as POST /parcels will be; `hold` keeps it busy."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self.entered = threading.Event()
        self.hold: threading.Event | None = None
        self.fail_next = False
        self._lock = threading.Lock()

    def blueprint(self) -> APIBlueprint:
        bp = APIBlueprint("things", __name__, url_prefix="/api/v1")

        @bp.post("/things")
        @bp.auth_required(auth)
        @bp.input(ThingIn)
        @idempotent
        @bp.output(ThingOut, status_code=201)
        def make_thing(json_data: dict[str, Any]) -> dict[str, Any]:
            hold = self.hold
            self.entered.set()
            if hold is not None:
                assert hold.wait(10)
            if self.fail_next:
                self.fail_next = False
                raise RuntimeError("the store went away")
            if json_data["name"] == "taken":
                raise HTTPError(409, extra_data={"code": "conflict"})
            with self._lock:
                self.made.append(json_data["name"])
                return {
                    "id": len(self.made),
                    "name": json_data["name"],
                    "carrier": current_carrier(),
                }

        return bp


@pytest.fixture
def things(api: APIFlask) -> Things:
    made = Things()
    api.register_blueprint(made.blueprint())
    return made


def _post(client: FlaskClient, auth_header: dict[str, str], body: Any, key: dict[str, str] = KEY):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/things", headers={**auth_header, **key}, json=body)


def test_without_a_key_every_post_has_its_effect(
    client: FlaskClient, acme: dict[str, str], things: Things
) -> None:
    for _ in range(2):
        assert _post(client, acme, {"name": "a"}, key={}).status_code == 201
    assert things.made == ["a", "a"]


def test_the_same_key_and_body_get_the_first_answer_again(
    client: FlaskClient, acme: dict[str, str], things: Things
) -> None:
    first = _post(client, acme, {"name": "a"})
    again = client.post(
        "/api/v1/things",
        headers={**acme, **KEY, "Content-Type": "application/json"},
        data='{ "name" :  "a" }',  # the same JSON, spelt differently
    )

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() == {"id": 1, "name": "a", "carrier": "acme"}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert things.made == ["a"]


def test_the_same_key_with_another_body_is_a_422(
    client: FlaskClient, acme: dict[str, str], things: Things
) -> None:
    _post(client, acme, {"name": "a"})

    assert_problem(_post(client, acme, {"name": "b"}), 422, "idempotency_key_reused")
    assert things.made == ["a"]


def test_keys_belong_to_their_carrier(
    client: FlaskClient, acme: dict[str, str], other: dict[str, str], things: Things
) -> None:
    mine, theirs = _post(client, acme, {"name": "a"}), _post(client, other, {"name": "a"})

    assert mine.get_json()["carrier"] == "acme" and theirs.get_json()["carrier"] == "other-post"
    assert things.made == ["a", "a"]


def test_the_same_key_while_the_first_is_in_flight_is_a_409(
    api: APIFlask, acme: dict[str, str], things: Things
) -> None:
    api.config["API_IDEMPOTENCY_WAIT_S"] = 0.0
    things.hold = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(_post, api.test_client(), acme, {"name": "a"})
        assert things.entered.wait(10)

        assert_problem(_post(api.test_client(), acme, {"name": "a"}), 409, "idempotency_in_flight")

        things.hold.set()
        assert first.result(10).status_code == 201
    assert things.made == ["a"]


def test_three_identical_posts_at_once_have_one_effect_and_one_answer(
    api: APIFlask, acme: dict[str, str], things: Things
) -> None:
    start = threading.Barrier(3)

    def post() -> tuple[int, Any]:
        client = api.test_client()
        start.wait(10)
        answer = _post(client, acme, {"name": "a"})
        return answer.status_code, answer.get_json()

    with ThreadPoolExecutor(3) as pool:
        answers = [future.result(20) for future in [pool.submit(post) for _ in range(3)]]

    assert things.made == ["a"]
    assert answers == [(201, {"id": 1, "name": "a", "carrier": "acme"})] * 3


def test_a_key_is_free_again_after_a_day(
    client: FlaskClient, acme: dict[str, str], things: Things, clock: Clock
) -> None:
    _post(client, acme, {"name": "a"})
    clock.now += KEY_LIFETIME_S + 1

    answer = _post(client, acme, {"name": "b"})

    assert answer.status_code == 201 and answer.get_json()["id"] == 2
    assert things.made == ["a", "b"]


def test_a_failed_request_leaves_its_key_for_a_retry(
    client: FlaskClient, acme: dict[str, str], things: Things
) -> None:
    things.fail_next = True
    assert_problem(_post(client, acme, {"name": "a"}), 500, "server_error")

    answer = _post(client, acme, {"name": "a"})

    assert answer.status_code == 201 and things.made == ["a"]


def test_a_refusal_is_an_answer_and_is_kept(
    client: FlaskClient, acme: dict[str, str], things: Things
) -> None:
    first = _post(client, acme, {"name": "taken"})
    again = _post(client, acme, {"name": "taken"})

    assert_problem(first, 409, "conflict")
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"


def test_a_request_that_fails_validation_claims_no_key(
    client: FlaskClient, acme: dict[str, str], things: Things
) -> None:
    assert_problem(_post(client, acme, {"name": ""}), 422, "invalid_input")
    assert _post(client, acme, {"name": "a"}).status_code == 201


def test_an_abandoned_claim_is_taken_over_and_the_late_answer_does_not_overwrite(
    api: APIFlask, acme: dict[str, str], things: Things, clock: Clock
) -> None:
    # A request whose process died keeps its key in flight; past the lease another may run it.
    held = things.hold = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        stuck = pool.submit(_post, api.test_client(), acme, {"name": "a"})
        assert things.entered.wait(10)
        clock.now += IN_FLIGHT_LEASE_S + 1
        things.hold = None

        taken_over = _post(api.test_client(), acme, {"name": "a"})

        held.set()
        assert stuck.result(10).status_code == 201
    assert taken_over.status_code == 201
    replay = _post(api.test_client(), acme, {"name": "a"})
    assert replay.get_json() == taken_over.get_json() == {"id": 1, "name": "a", "carrier": "acme"}


@pytest.mark.parametrize(
    "key",
    ["", " ", "k" * 101, "caf\u00e9", "a\tb"],
    ids=["empty", "blank", "too-long", "non-ascii", "tab"],
)
def test_a_malformed_key_is_a_422_naming_the_header(
    client: FlaskClient, acme: dict[str, str], things: Things, key: str
) -> None:
    answer = _post(client, acme, {"name": "a"}, key={"Idempotency-Key": key})

    body = assert_problem(answer, 422, "invalid_input")
    assert [(e["in"], e["field"]) for e in body["errors"]] == [("header", "Idempotency-Key")]
    assert things.made == []


def test_a_key_of_100_printable_characters_is_fine(
    client: FlaskClient, acme: dict[str, str], things: Things
) -> None:
    key = "".join(chr(33 + i % 94) for i in range(100))
    assert _post(client, acme, {"name": "a"}, key={"Idempotency-Key": key}).status_code == 201


def test_the_post_documents_the_header_and_its_answers(api: APIFlask, things: Things) -> None:
    operation = api.test_client().get("/api/openapi.json").get_json()["paths"]["/api/v1/things"]
    post = operation["post"]
    assert [p["name"] for p in post["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
    assert {"409", "422"} <= set(post["responses"])


def test_idempotent_needs_a_carrier(api: APIFlask) -> None:
    view: Callable[[], Any] = idempotent(lambda: ({}, 200))
    with (
        api.test_request_context(
            "/api/v1/x",
            method="POST",
            headers=KEY,
            data=json.dumps({}),
            content_type="application/json",
        ),
        pytest.raises(RuntimeError, match="auth_required"),
    ):
        view()


def test_every_post_route_honours_an_idempotency_key(api: APIFlask, things: Things) -> None:
    posts = [rule for rule in api.url_map.iter_rules() if "POST" in (rule.methods or ())]

    assert posts, "the test route at least"
    for rule in posts:
        assert is_idempotent(api.view_functions[rule.endpoint]), f"{rule.rule} needs @idempotent"
