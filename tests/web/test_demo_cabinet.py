"""`/demo`: the virtual cabinet drives the simulated boards and the synthetic camera."""

from __future__ import annotations

import re

from locker.config import Settings
from locker.domain.models import Size
from locker.scanner.decoding import FrameDecoder
from locker.scanner.demo_camera import DemoCamera
from locker.services.accounts import (
    add_courier,
    issue_badge,
    login_by_badge,
    set_courier_active,
)
from locker.services.deposit_parcel import deposit_parcel
from locker.web import create_app
from locker.web.demo import DemoTools
from tests.hardware.conftest import running_locker


def post(client, path):
    page = client.get("/demo/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, data={"csrf_token": token})


def test_the_cabinet_page_shows_and_moves_the_simulated_doors(
    ctx, courier, clock, db_path, lock_dir
):
    with running_locker(ctx, db_path, clock) as (bench, _, _):
        camera = DemoCamera()
        tools = DemoTools({"main": bench}, camera)
        settings = Settings(db=db_path, language="en")
        client = create_app(settings, ctx.board, clock=clock, demo=tools).test_client()

        receipt = deposit_parcel(ctx, courier.id, "SF0001", "13812345678", Size.S)
        page = client.get("/demo/").get_data(as_text=True)
        assert page.count("data-label=") == 6
        row = page.split(f'data-label="{receipt.compartment}"')[1].split("</tr>")[0]
        assert "OPEN" in row and "SF0001" in row

        post(client, f"/demo/close/{receipt.compartment}")
        address = ctx.store.compartment(receipt.compartment).address
        assert tools.door(address)["door_closed"] is True

        post(client, f"/demo/show/{receipt.parcel.id}")
        [code] = FrameDecoder().decode(camera.read())
        assert code.text == receipt.qr


def test_the_cabinet_page_exists_only_in_demo_mode(ctx, db_path):
    response = create_app(Settings(db=db_path)).test_client().get("/demo/")
    assert response.status_code == 404


def test_the_cabinet_page_holds_a_couriers_new_badge_up_to_the_camera(
    ctx, courier, clock, db_path, lock_dir
):
    other = add_courier(ctx, "ZTO", "Paused Courier", "135791", "test")
    set_courier_active(ctx, other.id, False, "test")
    earlier = issue_badge(ctx, courier.id, "test")
    with running_locker(ctx, db_path, clock) as (bench, _, _):
        camera = DemoCamera()
        tools = DemoTools({"main": bench}, camera)
        settings = Settings(db=db_path, language="en")
        client = create_app(settings, ctx.board, clock=clock, demo=tools).test_client()

        page = client.get("/demo/").get_data(as_text=True)
        assert f'data-courier="{courier.id}"' in page
        assert f'data-courier="{other.id}"' not in page  # only active couriers
        assert "Test Courier" not in page  # the page is public: no names

        response = post(client, f"/demo/badge/{courier.id}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/demo/")
        [code] = FrameDecoder().decode(camera.read())
        assert code.text.startswith("CB1:") and code.text != earlier
        assert login_by_badge(ctx, code.text).id == courier.id
        assert post(client, f"/demo/badge/{other.id}").status_code == 404
