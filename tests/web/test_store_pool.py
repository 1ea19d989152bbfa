"""A served kiosk keeps one store per server thread instead of opening one per request."""

from __future__ import annotations

import threading

import pytest

from locker.config import Settings
from locker.store import StoreError
from locker.web import create_app
from locker.web.request_context import StorePool, locker_ctx


@pytest.fixture
def pooled(ctx, db_path, board):
    stores = StorePool(Settings(db=db_path))
    app = create_app(Settings(db=db_path), board=board, stores=stores)
    app.config["TESTING"] = True
    yield app, stores
    stores.close()


def test_requests_on_one_thread_share_one_store(pooled):
    app, stores = pooled
    client = app.test_client()
    for _ in range(5):
        assert client.get("/").status_code == 200
    assert stores.open_count() == 1


def test_each_thread_has_a_store_of_its_own(pooled):
    app, stores = pooled
    seen = []

    def serve() -> None:
        with app.app_context():
            seen.append(stores.take())

    threads = [threading.Thread(target=serve) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(store) for store in seen}) == 3
    assert stores.open_count() == 3


def test_a_kept_store_sees_what_others_wrote_since(pooled, courier):
    app, _ = pooled
    client = app.test_client()
    assert 'data-size="S">S: <strong>2</strong>' in client.get("/").get_data(as_text=True)
    courier.deposit()
    assert 'data-size="S">S: <strong>1</strong>' in client.get("/").get_data(as_text=True)


def test_a_transaction_left_open_is_rolled_back_before_the_next_request(pooled):
    app, _ = pooled
    with app.app_context():
        store = locker_ctx().store
        store.db.conn.execute("BEGIN IMMEDIATE")
    # The app context ended with the transaction open: the next request must not inherit it.
    assert not store.db.conn.in_transaction
    assert app.test_client().get("/").status_code == 200


def test_a_store_that_failed_is_closed_and_replaced(pooled):
    _, stores = pooled
    store = stores.take()
    stores.give_back(store, StoreError("the database went away"))
    assert stores.open_count() == 0
    assert stores.take() is not store


def test_no_store_is_handed_out_once_the_pool_is_closed(pooled):
    _, stores = pooled
    stores.close()
    with pytest.raises(StoreError):
        stores.take()
