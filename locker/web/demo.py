"""`/demo` (demo mode only): the virtual cabinet, to try every flow with no hardware.

It shows every door as the simulated boards see it, and lets a newcomer close a door, put an
item in, force a door open, pull a bus's cable out (and plug it back), or hold a parcel's QR or
a courier's badge up to the synthetic camera. `/demo/messages` is the demo phone: every SMS and
e-mail the locker sent, as the recipient reads it, with the QR from a message to hold up to the
camera.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from locker.domain import qr_payload
from locker.domain.models import Address
from locker.domain.states import ParcelState
from locker.message_channel import DEMO
from locker.notify.demo_inbox import DemoInbox, Received
from locker.notify.qr_image import qr_png
from locker.scanner.demo_camera import DemoCamera
from locker.services.accounts import issue_badge
from locker.services.deliver_messages import masked_recipient
from locker.web.repeat_guard import REFUSAL_HOLD_S, once_per_tap
from locker.web.request_context import locker_ctx

bp = Blueprint("demo", __name__, url_prefix="/demo")


@dataclass
class DemoTools:
    """What the demo page drives: the simulated buses (by name) and the synthetic camera."""

    simulators: dict[str, Any] = field(default_factory=dict)
    camera: DemoCamera | None = None
    bridge_buses: set[str] = field(default_factory=set)
    # The phone that receives every message the demo locker sends (/demo/messages).
    inbox: DemoInbox | None = None

    def board_of(self, address: Address) -> tuple[Any, int]:
        """The simulator model and its board number for a compartment's address."""
        bench = self.simulators.get(address.bus)
        if bench is None:
            abort(404)
        # Bridge boards answer at address board + 1 (docs/layout.md).
        return bench.model, address.board + (1 if address.bus in self.bridge_buses else 0)

    def door(self, address: Address) -> dict[str, Any]:
        """The simulated channel's state: locked, door closed, item."""
        model, board = self.board_of(address)
        boards = model.state()["boards"]
        found = next((b for b in boards if b.get("board", board) == board), None)
        found = found if found is not None else boards[address.board]
        return dict(found["channels"][address.channel - 1])


def _tools() -> DemoTools:
    tools: DemoTools = current_app.extensions["locker_demo"]
    return tools


def _address(label: str) -> Address:
    try:
        return locker_ctx().store.compartment(label).address
    except KeyError:
        abort(404)


@bp.get("/")
def cabinet() -> str:
    """Every door, live, with the actions a person at the cabinet could take."""
    ctx = locker_ctx()
    tools = _tools()
    inside = {p.compartment: p for p in ctx.store.parcels(ParcelState.inside())}
    doors = [
        {"compartment": c, "sim": tools.door(c.address), "parcel": inside.get(c.label)}
        for c in ctx.store.compartments()
    ]
    return render_template(
        "demo/cabinet.html",
        locker=ctx.store.locker(),
        doors=doors,
        buses={
            name: bench.state()["link"]["unplugged"] for name, bench in tools.simulators.items()
        },
        couriers=[c for c in ctx.store.couriers() if c.active],
        has_camera=tools.camera is not None,
        has_phone=tools.inbox is not None,
    )


@bp.post("/close/<label>")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def close_door(label: str) -> Response:
    """Push a door shut."""
    model, board = _tools().board_of(_address(label))
    model.close_door(board, _address(label).channel)
    return redirect(url_for("demo.cabinet"))


@bp.post("/force/<label>")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def force_door(label: str) -> Response:
    """Pull a door open with no command (raises the alarm)."""
    model, board = _tools().board_of(_address(label))
    model.open_by_hand(board, _address(label).channel)
    return redirect(url_for("demo.cabinet"))


@bp.post("/bus/<name>/cable")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def toggle_cable(name: str) -> Response:
    """Pull the bus's cable out, or plug it back in: the locker cannot reach its doors meanwhile."""
    bench = _tools().simulators.get(name)
    if bench is None:
        abort(404)
    bench.set_fault("unplugged", not bench.state()["link"]["unplugged"])
    return redirect(url_for("demo.cabinet"))


@bp.post("/item/<label>")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def toggle_item(label: str) -> Response:
    """Put an item in, or take it out."""
    address = _address(label)
    model, board = _tools().board_of(address)
    if _tools().door(address).get("item"):
        model.take_item(board, address.channel)
    else:
        model.put_item(board, address.channel)
    return redirect(url_for("demo.cabinet"))


@bp.post("/show/<id:parcel_id>")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def show_qr(parcel_id: int) -> Response:
    """Hold the parcel's current pickup QR up to the synthetic camera."""
    ctx = locker_ctx()
    camera = _tools().camera
    parcel = ctx.store.parcel(parcel_id)
    if camera is None or parcel is None:
        abort(404)
    info = ctx.store.locker()
    camera.show(qr_payload.encode(info.secret, info.locker_id, parcel.id, parcel.code_serial))
    return redirect(url_for("kiosk.home"))


@bp.post("/badge/<id:courier_id>")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def show_badge(courier_id: int) -> Response:
    """Show a courier's new badge to the camera; it revokes their last one (fine in a demo)."""
    ctx = locker_ctx()
    camera = _tools().camera
    courier = ctx.store.courier(courier_id)
    if camera is None or courier is None or not courier.active:
        abort(404)
    # The store keeps only a hash of a badge's nonce, so showing one means issuing a new one.
    camera.show(issue_badge(ctx, courier_id, "demo"))
    # Back to the cabinet, not to a kiosk page: a second page listening for the badge would
    # race the kiosk screen for its one-time ticket, and the loser would show a refusal.
    return redirect(url_for("demo.cabinet"))


def _inbox() -> DemoInbox:
    inbox = _tools().inbox
    if inbox is None:
        abort(404)
    return inbox


def _received(number: int) -> Received:
    found = _inbox().find(number)
    if found is None:
        abort(404)
    return found


@bp.get("/messages")
def messages() -> str:
    """The demo phone: every message it received, newest first, as its recipient reads it."""
    received = _inbox().messages()
    return render_template(
        "demo/messages.html",
        locker=locker_ctx().store.locker(),
        received=received,
        masked=lambda r: masked_recipient(DEMO, r.message.recipient),
        newest=received[0].number if received else 0,
        has_camera=_tools().camera is not None,
    )


@bp.get("/messages/newest")
def newest_message() -> dict[str, int]:
    """The number of the newest message: the phone's page reloads when it changes."""
    received = _inbox().messages()
    return {"newest": received[0].number if received else 0}


@bp.get("/messages/<id:number>/qr.png")
def message_qr(number: int) -> Response:
    """The QR of one received e-mail, as the image its recipient sees."""
    text = _received(number).message.email
    if text is None or not text.qr:
        abort(404)
    response = Response(qr_png(text.qr), mimetype="image/png")
    # It opens a door: no cache keeps it.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/messages/<id:number>/show")
@once_per_tap(hold_s=REFUSAL_HOLD_S)
def show_message_qr(number: int) -> Response:
    """Hold the QR from one received message up to the synthetic camera."""
    camera = _tools().camera
    text = _received(number).message.email
    if camera is None or text is None or not text.qr:
        abort(404)
    camera.show(text.qr)
    return redirect(url_for("demo.messages"))
