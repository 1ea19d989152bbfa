"""Carriers and their tokens: shown once, kept only as a hash, revoked for good."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from locker.centre.carriers import CarrierError, add_carrier, carrier_of_token, revoke_carrier
from locker.centre.schema import carriers
from locker.centre.store import CentreStore
from tests.centre.api.conftest import START


def test_a_token_names_its_carrier_and_only_its_hash_is_kept(api_store: CentreStore) -> None:
    token = add_carrier(api_store, "acme", START)

    assert carrier_of_token(api_store, token) == "acme"
    with api_store.engine.connect() as connection:
        row = connection.execute(select(carriers)).one()
    assert token not in repr(tuple(row))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 32 random bytes, url-safe


def test_tokens_differ_and_a_wrong_or_empty_one_names_nobody(api_store: CentreStore) -> None:
    first = add_carrier(api_store, "acme", START)
    second = add_carrier(api_store, "other-post", START)

    assert first != second
    for wrong in ("", first[:-1], first + "x", "x" * 10_000, "\x00", first.upper()):
        assert carrier_of_token(api_store, wrong) is None


def test_a_carrier_active_already_is_not_added_twice(api_store: CentreStore) -> None:
    token = add_carrier(api_store, "acme", START)

    with pytest.raises(CarrierError, match=r"acme.*already"):
        add_carrier(api_store, "acme", START + 1)
    assert carrier_of_token(api_store, token) == "acme"


def test_a_revoked_token_opens_nothing_and_a_new_one_can_be_made(api_store: CentreStore) -> None:
    old = add_carrier(api_store, "acme", START)

    revoke_carrier(api_store, "acme", START + 10)
    assert carrier_of_token(api_store, old) is None

    new = add_carrier(api_store, "acme", START + 20)
    assert carrier_of_token(api_store, new) == "acme"
    assert carrier_of_token(api_store, old) is None


def test_revoking_an_unknown_or_revoked_carrier_says_so(api_store: CentreStore) -> None:
    with pytest.raises(CarrierError, match="no active carrier 'nobody'"):
        revoke_carrier(api_store, "nobody", START)
    add_carrier(api_store, "acme", START)
    revoke_carrier(api_store, "acme", START)
    with pytest.raises(CarrierError, match="no active carrier 'acme'"):
        revoke_carrier(api_store, "acme", START)


@pytest.mark.parametrize(
    "name", ["", " acme", "acme ", "a" * 65, "ac\x00me", "ac\nme", "acme\u202e", "\t"]
)
def test_a_carrier_name_is_one_printable_line_of_at_most_64(
    api_store: CentreStore, name: str
) -> None:
    with pytest.raises(CarrierError, match="carrier name"):
        add_carrier(api_store, name, START)


@pytest.mark.parametrize("name", ["acme", "SF Express", "顺丰速运", "a" * 64, "DHL-eCommerce"])
def test_names_couriers_carry_are_carrier_names(api_store: CentreStore, name: str) -> None:
    assert carrier_of_token(api_store, add_carrier(api_store, name, START)) == name
