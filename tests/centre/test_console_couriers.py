"""The console's couriers page: who the centre added, and where each change stands."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import update

from locker.centre.fleet_couriers import CourierDesk
from locker.centre.operators import operator_signer
from locker.centre.schema import courier_grants
from locker.centre.serve import Centre
from tests.centre.conftest import LOCKER, PASSWORDS, login


def test_support_staff_see_each_courier_and_a_lockers_refusal_in_words(
    client: FlaskClient, centre: Centre
) -> None:
    desk = CourierDesk(centre.store)
    added = desk.add(
        "SF Express", "Li Wei", [LOCKER], operator_signer(centre.store, "bob", PASSWORDS["bob"])
    )
    with centre.store.engine.begin() as connection:
        connection.execute(update(courier_grants).values(state="refused", code="courier.not_fleet"))

    login(client, "alice")
    page = client.get("/couriers").get_data(as_text=True)

    assert f'data-courier="{added.courier_id}"' in page and "Li Wei" in page
    assert "refused at 1" in page
    assert "The locker has a courier of its own with this id." in page
    assert added.pin not in page


def test_the_couriers_page_asks_for_a_login_first(client: FlaskClient) -> None:
    answer = client.get("/couriers")
    assert answer.status_code == 303 and answer.location.startswith("/login")
