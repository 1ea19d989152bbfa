"""What the API's views share: the centre's store, its settings and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from locker.centre.carrier_orders import CarrierOrders
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore

EXTENSION = "carrier_api"


@dataclass(frozen=True)
class ApiContext:
    """The API's store, settings, clock (seconds since the epoch) and the carriers' orders."""

    store: CentreStore
    settings: CentreSettings
    clock: Callable[[], float]
    orders: CarrierOrders


def api_context() -> ApiContext:
    """The context of the API app handling this request."""
    context: ApiContext = current_app.extensions[EXTENSION]
    return context
