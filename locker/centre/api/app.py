"""`create_api(...)`: the carriers' JSON API, an APIFlask app of its own beside the console."""

from __future__ import annotations

import time
from collections.abc import Callable

from apiflask import APIFlask
from flask import Response

from locker.centre.api import lockers, webhooks
from locker.centre.api import orders as orders_routes
from locker.centre.api.context import EXTENSION, ApiContext
from locker.centre.api.guards import check_body
from locker.centre.api.openapi import finish_document
from locker.centre.api.problem_json import make_error_processor
from locker.centre.api.rate_limits import install_limiter, retry_after_s
from locker.centre.carrier_orders import CarrierOrders
from locker.centre.order_sender import ServiceSender
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore

# The largest request a carrier sends is a few hundred bytes of JSON.
MAX_BODY_BYTES = 64 * 1024
DESCRIPTION = (
    "Carriers see the lockers' space, pre-advise parcels, reserve doors, follow their parcels "
    "and register the webhook their parcels' events go to. "
    "Every error is an RFC 9457 problem (application/problem+json) in the language of "
    "Accept-Language (zh or en). See docs/api.md."
)


def create_api(
    store: CentreStore,
    settings: CentreSettings,
    clock: Callable[[], float] = time.time,
    orders: CarrierOrders | None = None,
) -> APIFlask:
    """The API over the centre's store: routes under /api/v1, its document at /api/openapi.json
    and a page to read it at /api/docs. Without `orders` (a centre's, which reach the lockers),
    orders are kept and wait, unsent."""
    if orders is None:
        orders = CarrierOrders(
            store,
            ServiceSender(None, lambda topic, payload: False),
            clock=clock,
            retention_days=settings.retention_days,
        )
    app = APIFlask(
        __name__,
        title="Parcel locker carrier API",
        version="1",
        spec_path="/api/openapi.json",
        docs_path="/api/docs",
        docs_oauth2_redirect_path=None,
    )
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        DESCRIPTION=DESCRIPTION,
        # The document names no server: its paths are those a carrier calls on this host.
        AUTO_SERVERS=False,
        JSON_SORT_KEYS=True,
    )
    app.extensions[EXTENSION] = ApiContext(store, settings, clock, orders)
    # First the budget (cheap, and it holds back a flood), then the body's checks.
    install_limiter(app, settings.api_rate_limit)
    app.before_request(check_body)
    app.error_processor(make_error_processor(retry_after_s))
    app.spec_processor(finish_document)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    app.register_blueprint(lockers.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(orders_routes.bp)
    return app
