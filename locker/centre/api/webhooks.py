"""/api/v1/webhooks: the carrier's one webhook, where its parcels' events are sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from apiflask import APIBlueprint, Schema
from apiflask.fields import String
from apiflask.validators import Length, Regexp
from marshmallow import ValidationError
from sqlalchemy import select

from locker.centre.api.auth import auth, current_carrier
from locker.centre.api.context import api_context
from locker.centre.api.idempotency import idempotent
from locker.centre.api.iso_time import iso_utc
from locker.centre.api.problems import ProblemError
from locker.centre.carrier_webhooks import remove_carrier_webhook, set_carrier_webhook
from locker.centre.schema import carrier_webhooks

MAX_URL_CHARS = 2000
SECRET_CHARS = (16, 200)
# http or https, then printable ASCII with no spaces (docs/webhooks.md, "The call").
URL_SHAPE = r"^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$"

bp = APIBlueprint("webhook", __name__, url_prefix="/api/v1", tag="Webhook")


def check_url(url: str) -> None:
    """A URL the webhook channel calls: http(s), a host, printable ASCII, no user or password."""
    if not all(33 <= ord(char) <= 126 for char in url):
        # A line break would otherwise pass: urlsplit drops it without a word.
        raise ValidationError("printable ASCII only, without spaces (percent-encode the rest)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        raise ValidationError("not a URL: a port out of range or a broken address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("no user name or password in the URL: the signature is the proof")


def check_secret(secret: str) -> None:
    """Printable characters only: the secret is a setting people copy, never a line break."""
    if not secret.isprintable():
        raise ValidationError("printable characters only")


class WebhookIn(Schema):
    url = String(
        required=True,
        validate=[Length(1, MAX_URL_CHARS), Regexp(URL_SHAPE), check_url],
        metadata={"description": "http(s), printable ASCII, no user name or password."},
    )
    secret = String(
        required=True,
        validate=[Length(*SECRET_CHARS), check_secret],
        metadata={"description": "Signs every call (X-Locker-Signature); never shown again."},
    )


class WebhookOut(Schema):
    url = String(required=True)
    updated_at = String(required=True, metadata={"format": "date-time"})


@bp.post("/webhooks")
@bp.auth_required(auth)
@bp.input(WebhookIn)
@idempotent
@bp.output(WebhookOut)
def post_webhook(json_data: dict[str, Any]) -> dict[str, Any]:
    """Register the webhook (as PUT does).

    Where this carrier's parcel events are POSTed, signed with the secret (docs/webhooks.md).
    A carrier has one webhook: registering again replaces it.
    """
    return _register(json_data)


@bp.put("/webhooks")
@bp.auth_required(auth)
@bp.input(WebhookIn)
@bp.output(WebhookOut)
def put_webhook(json_data: dict[str, Any]) -> dict[str, Any]:
    """Register the webhook.

    Where this carrier's parcel events are POSTed, signed with the secret (docs/webhooks.md).
    A carrier has one webhook: registering again replaces it.
    """
    return _register(json_data)


def _register(json_data: dict[str, Any]) -> dict[str, Any]:
    context = api_context()
    now = context.clock()
    set_carrier_webhook(
        context.store, current_carrier(), json_data["url"], json_data["secret"], now
    )
    return {"url": json_data["url"], "updated_at": iso_utc(now)}


@bp.get("/webhooks")
@bp.auth_required(auth)
@bp.output(WebhookOut)
@bp.doc(responses={404: "This carrier has no webhook registered (`no_webhook`)."})
def get_webhook() -> dict[str, Any]:
    """Show the webhook.

    Its URL and when it was registered; never its secret.
    """
    with api_context().store.engine.connect() as connection:
        row = connection.execute(
            select(carrier_webhooks.c.url, carrier_webhooks.c.updated_at).where(
                carrier_webhooks.c.carrier == current_carrier()
            )
        ).first()
    if row is None:
        raise ProblemError("no_webhook")
    return {"url": row.url, "updated_at": iso_utc(row.updated_at)}


@bp.delete("/webhooks")
@bp.auth_required(auth)
@bp.output({}, status_code=204)
def delete_webhook() -> tuple[str, int]:
    """Remove the webhook.

    The carrier's events are no longer sent there. Removing a webhook that is not there is
    fine.
    """
    remove_carrier_webhook(api_context().store, current_carrier())
    return "", 204
