"""Pre-advice, parcel status and reservations: the carrier's orders, kept at the centre and sent
to its lockers as signed commands. A POST answers 202 and never waits on a locker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from apiflask import APIBlueprint

from locker.centre.api.auth import auth, current_carrier
from locker.centre.api.context import api_context
from locker.centre.api.idempotency import idempotent
from locker.centre.api.orders_schemas import (
    ParcelOut,
    PreadviceIn,
    PreadviceOut,
    ReservationIn,
    ReservationOut,
)
from locker.centre.api.problems import ProblemError
from locker.centre.order_checks import OrderError

bp = APIBlueprint("orders", __name__, url_prefix="/api/v1", tag="Parcels and reservations")
T = TypeVar("T")


def _asked(call: Callable[[], T]) -> T:
    """The orders' answer, or their refusal as a problem."""
    try:
        return call()
    except OrderError as error:
        raise _problem(error) from None


def _problem(error: OrderError) -> ProblemError:
    if error.code.startswith("invalid."):
        field = str(error.extra.get("field", error.code.split(".", 1)[1]))
        return ProblemError(
            "invalid_input",
            fields=field,
            extensions={"errors": [{"in": "body", "field": field, "messages": [error.detail]}]},
        )
    return ProblemError(
        error.code,
        extensions=error.extra,
        state=error.extra.get("state", "?"),
        locker=error.extra.get("locker", "?"),
    )


@bp.post("/parcels")
@bp.auth_required(auth)
@bp.input(PreadviceIn)
@idempotent
@bp.output(PreadviceOut, status_code=202)
@bp.doc(
    responses={
        404: "No such locker (`locker.unknown`).",
        409: "The parcel is deposited already (`parcel.already_deposited`, with its `state`), "
        "or pre-advised with other details (`preadvice.exists`).",
    }
)
def preadvise(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Pre-advise a parcel.

    The locker learns of it by a signed command and keeps it as expected, so the courier's
    scan of the waybill fills in the deposit. `pending` until the locker confirms; the same
    pre-advice again answers the first one.
    """
    orders = api_context().orders
    answer = _asked(
        lambda: orders.preadvise(
            current_carrier(),
            json_data["tracking"],
            json_data["locker"],
            json_data["phone"],
            json_data["size"],
            json_data["low_door"],
            json_data["language"],
            int(json_data["expected_at"].timestamp()),
        )
    )
    return answer, 202


@bp.get("/parcels/<tracking>")
@bp.auth_required(auth)
@bp.output(ParcelOut)
@bp.doc(responses={404: "This carrier has no such parcel (`parcel.unknown`)."})
def parcel(tracking: str) -> dict[str, Any]:
    """A parcel's status.

    Its state, locker, door, times and history; never its code or the whole phone.
    """
    return _asked(lambda: api_context().orders.parcel_status(current_carrier(), tracking))


@bp.delete("/parcels/<tracking>")
@bp.auth_required(auth)
@bp.output(PreadviceOut, status_code=202)
@bp.doc(
    responses={
        404: "This carrier pre-advised no such parcel (`parcel.unknown`).",
        409: "The parcel is in the locker already (`parcel.already_deposited`), or the locker "
        "refused the pre-advice (`preadvice.refused`).",
    }
)
def withdraw(tracking: str) -> tuple[dict[str, Any], int]:
    """Withdraw a pre-advice.

    Only a parcel not yet deposited; `withdrawing` until the locker confirms.
    """
    return _asked(lambda: api_context().orders.withdraw(current_carrier(), tracking)), 202


@bp.post("/reservations")
@bp.auth_required(auth)
@bp.input(ReservationIn)
@idempotent
@bp.output(ReservationOut, status_code=202)
@bp.doc(responses={404: "No such locker (`locker.unknown`)."})
def reserve(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Reserve doors.

    Holds `count` free doors of `size` at the locker for this carrier's couriers for
    `ttl_seconds`; other carriers do not see them as free. `pending` until the locker holds
    them, `refused` (`hold.no_space`) when it has too few.
    """
    orders = api_context().orders
    answer = _asked(
        lambda: orders.reserve(
            current_carrier(),
            json_data["locker"],
            json_data["size"],
            json_data["count"],
            json_data["ttl_seconds"],
        )
    )
    return answer, 202


@bp.get("/reservations/<reservation_id>")
@bp.auth_required(auth)
@bp.output(ReservationOut)
@bp.doc(responses={404: "This carrier has no such reservation (`reservation.unknown`)."})
def reservation(reservation_id: str) -> dict[str, Any]:
    """A reservation."""
    return _asked(lambda: api_context().orders.reservation(current_carrier(), reservation_id))


@bp.delete("/reservations/<reservation_id>")
@bp.auth_required(auth)
@bp.output(ReservationOut, status_code=202)
@bp.doc(responses={404: "This carrier has no such reservation (`reservation.unknown`)."})
def cancel(reservation_id: str) -> tuple[dict[str, Any], int]:
    """Cancel a reservation.

    The doors are let go; `cancelling` until the locker confirms.
    """
    orders = api_context().orders
    return _asked(lambda: orders.cancel_reservation(current_carrier(), reservation_id)), 202
