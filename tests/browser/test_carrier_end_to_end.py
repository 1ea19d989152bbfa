"""A carrier's day through the whole fleet, every part real: `locker fleet serve --demo` (its
Mosquitto, its centre and two `locker run --demo` lockers), the carrier API, Chromium at the
kiosk, and the carrier's webhook receiver on loopback.

The carrier pre-advises a parcel; the locker gets it; the courier scans the waybill and
deposits with one more tap; the carrier hears `deposited`, then `collected` once the recipient
shows the QR from the demo inbox to the camera; every call's signature checks."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from locker.notify.webhook_signature import sign
from locker.store import SqliteStore
from tests.browser.forms import submit
from tests.browser.test_fleet_console import CHILD, LOCKER, FleetDemo, fleet_demo  # noqa: F401
from tests.fleet.conftest import wait_for
from tests.support.provider_server import ProviderServer, Received

with contextlib.suppress(ImportError):  # without Playwright the browser fixture skips
    from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
SECRET = "sf-express-webhook-secret"
TRACKING = "SF7306200001"
COURIER_ID, COURIER_PIN = "1", "314159"  # the demo's SF Express courier


def api(url: str, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    """One call to the carrier API: its status and JSON body."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def carrier_token(demo: FleetDemo) -> str:
    """`locker fleet carrier add`, on the demo centre's store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCKER_", "CENTRE_"))}
    env["CENTRE_FLEET_DB"] = f"sqlite:///{demo.folder.resolve() / 'centre.db'}"
    done = subprocess.run(
        [str(LOCKER), "fleet", "carrier", "add", "SF Express"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def ours(receiver: ProviderServer) -> list[Received]:
    """The calls about our parcel (the demo's own parcels are SF Express's too)."""
    return [call for call in receiver.received if call.json()["tracking"] == TRACKING]


def events_of(receiver: ProviderServer) -> list[str]:
    return [call.json()["type"] for call in ours(receiver)]


def signed(call: Received) -> bool:
    stamp = call.headers["X-Locker-Timestamp"]
    return call.headers["X-Locker-Signature"] == sign(SECRET, stamp, call.body)


def test_a_pre_advised_parcel_goes_from_the_carriers_api_to_the_recipient(
    browser: Browser,
    fleet_demo: FleetDemo,  # noqa: F811
) -> None:
    log = fleet_demo.folder.parent / "serve.log"
    assert wait_for(lambda: len(CHILD.findall(log.read_text())) == 2, 30), log.read_text()
    kiosk = f"http://127.0.0.1:{CHILD.findall(log.read_text())[0]}"
    token = carrier_token(fleet_demo)
    with ProviderServer() as receiver:
        status, _ = api(
            fleet_demo.url,
            "POST",
            "/api/v1/webhooks",
            token,
            {"url": f"{receiver.url}/hooks", "secret": SECRET},
        )
        assert status == 200

        arrival = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 3600))
        advice = {"tracking": TRACKING, "locker": "DEMO-001", "phone": "13812345678"}
        advice.update(size="S", language="en", expected_at=arrival)

        def preadvised() -> bool:
            status, body = api(fleet_demo.url, "POST", "/api/v1/parcels", token, advice)
            assert status in (202, 404), body  # 404: the centre has not heard of it yet
            return status == 202

        assert wait_for(preadvised, 30)

        def confirmed() -> bool:
            _, body = api(fleet_demo.url, "GET", f"/api/v1/parcels/{TRACKING}", token)
            return body["preadvice"]["state"] == "confirmed"

        assert wait_for(confirmed, 60), api(
            fleet_demo.url, "GET", f"/api/v1/parcels/{TRACKING}", token
        )
        assert wait_for(lambda: events_of(receiver) == ["parcel.expected"], 30)

        # At the kiosk: the courier scans the waybill; one more tap opens the door.
        context = browser.new_context(base_url=kiosk)
        page = context.new_page()
        page.goto("/courier/login?lang=en")
        page.fill("#courier_id", COURIER_ID)
        page.fill("#pin", COURIER_PIN)
        submit(page, "#login")
        page.goto("/courier/deposit")
        page.fill("#tracking", TRACKING)
        page.press("#tracking", "Enter")
        expect(page.locator("#preadvised")).to_be_visible(timeout=10_000)
        expect(page.locator("#phone")).to_have_value("138****5678")
        submit(page, "#open-door")

        with SqliteStore(fleet_demo.folder / "DEMO-001.db") as store:
            [parcel] = [p for p in store.parcels() if p.tracking == TRACKING]
        assert parcel.compartment is not None
        # The demo cabinet and the phone each get a page of their own: the cabinet's page
        # reloads itself on every door event, which cuts short any navigation of its own, so
        # the shut door is seen in the carrier's events, not in the cabinet's answer.
        cabinet = context.new_page()
        cabinet.goto("/demo")
        cabinet.click(f'form[action="/demo/close/{parcel.compartment}"] button')
        assert wait_for(lambda: "parcel.deposited" in events_of(receiver), 30), events_of(receiver)

        # The recipient shows the QR from the demo inbox to the camera.
        phone = context.new_page()
        phone.goto("/demo/messages")
        phone.locator("button.show-message-qr").first.click()
        assert wait_for(lambda: "parcel.collected" in events_of(receiver), 60), events_of(receiver)
        context.close()

        assert events_of(receiver) == ["parcel.expected", "parcel.deposited", "parcel.collected"]
        assert all(signed(call) for call in receiver.received)
        ids = [call.headers["X-Locker-Event-Id"] for call in ours(receiver)]
        assert all(re.fullmatch(r"DEMO-001:\d+", event_id) for event_id in ids), ids
        _, status_now = api(fleet_demo.url, "GET", f"/api/v1/parcels/{TRACKING}", token)
        assert status_now["state"] == "collected"
        assert "13812345678" not in json.dumps(status_now)
