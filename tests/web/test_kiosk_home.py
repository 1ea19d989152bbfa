"""The kiosk's home page and health check, through the app factory."""

from __future__ import annotations

import pytest

from locker.config import Settings
from locker.web import create_app


@pytest.fixture
def client(ctx, db_path, board):
    app = create_app(Settings(db=db_path, support_contact="400-555-0100"), board=board)
    app.config["TESTING"] = True
    return app.test_client()


def test_home_shows_the_locker_and_free_doors_per_size(client, courier):
    courier.deposit()
    page = client.get("/").get_data(as_text=True)
    assert "Test locker" in page
    assert 'data-size="S">S: <strong>1</strong>' in page
    assert 'data-size="XL">XL: <strong>1</strong>' in page
    assert "400-555-0100" in page


def test_healthz_reports_the_locker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "locker": "TEST-01"}


def test_healthz_reports_an_unset_locker_as_unhealthy(tmp_path):
    app = create_app(Settings(db=tmp_path / "empty.db"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "locker init" in response.get_json()["error"]


def test_a_locker_that_is_not_set_up_shows_an_out_of_service_page(tmp_path):
    app = create_app(Settings(db=tmp_path / "empty.db", support_contact="400-555-0100"))
    response = app.test_client().get("/?lang=en")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Out of service" in page and "400-555-0100" in page


def test_the_free_doors_are_public_for_the_home_screens_live_counts(client, courier):
    assert client.get("/free.json").get_json() == {"free": {"S": 2, "M": 2, "L": 1, "XL": 1}}
    courier.deposit()
    assert client.get("/free.json").get_json()["free"]["S"] == 1


def test_the_home_screen_offers_bigger_text_in_plain_words(client):
    assert ">Bigger text</a>" in client.get("/?lang=en").get_data(as_text=True)
    assert ">大字</a>" in client.get("/?lang=zh").get_data(as_text=True)
    assert ">Normal text</a>" in client.get("/?lang=en&text=large").get_data(as_text=True)
