"""The demo locker: made and seeded the first time `locker run --demo` finds no database."""

from __future__ import annotations

import dataclasses
import os

import click

from locker.cli.runtime import Runtime
from locker.composition import build_context, open_store
from locker.config import Settings
from locker.demo_seed import DEMO_COURIERS, DemoSeed, seed_demo
from locker.domain.errors import InvalidInputError
from locker.domain.qr_payload import validate_locker_id
from locker.services.setup_locker import init_locker
from locker.store import StoreError

DEMO_DB = Settings().db.with_name("demo.db")
# A demo database is one whose locker id starts with this: `--demo` serves no other, because
# /demo shows any parcel's QR, signed with the locker's secret.
DEMO_ID_PREFIX = "DEMO-"
DEMO_LOCKER = (f"{DEMO_ID_PREFIX}001", "Demo locker 演示柜", "1 Demo Road")
DEMO_ADMIN = ("admin", "locker-demo")
# A fleet demo runs several demo lockers, each under its own id (still DEMO-…).
DEMO_ID_ENV = "LOCKER_DEMO_ID"


def echo_seed(seed: DemoSeed, locker_id: str) -> None:
    """Print the demo's logins and pickup codes: the codes are stored hashed, so only once."""
    click.echo(f"Demo locker {locker_id} seeded.")
    click.echo("Couriers (log in with id and PIN):")
    for courier_id, carrier, name, pin in seed.couriers:
        click.echo(f"  id {courier_id}  PIN {pin}  {name} ({carrier})")
    click.echo("Parcels (codes are stored hashed: note them now, they cannot be shown again):")
    for r in seed.receipts:
        state = "expired" if r.parcel.tracking in seed.expired else "waiting"
        click.echo(
            f"  {r.parcel.tracking}  door {r.compartment}  code {r.code}  QR {r.qr}  ({state})"
        )


def demo_settings(runtime: Runtime) -> Settings:
    """The demo's own database, var/demo.db, unless --db, LOCKER_DB or the config names one.

    A demo may be tried from another machine (`--host 0.0.0.0`), so its pages' live streams are
    served to any browser: a demo database holds nothing real.
    """
    settings = dataclasses.replace(runtime.settings, remote_streams=True)
    named = runtime.db is not None or "LOCKER_DB" in os.environ or settings.db != Settings().db
    return settings if named else dataclasses.replace(settings, db=DEMO_DB)


def ensure_demo_locker(settings: Settings) -> None:
    """Create and seed the demo locker when its database does not exist yet.

    On later starts the logins are printed again; the pickup codes cannot be (they are stored
    hashed), but /demo holds any parcel's QR up to the camera.
    """
    if settings.db.exists():
        refuse_unless_demo(settings)
        echo_logins(settings)
        return
    settings.db.parent.mkdir(parents=True, exist_ok=True)
    locker_id, name, address = DEMO_LOCKER
    locker_id = demo_locker_id(locker_id)
    with open_store(settings) as store:
        ctx = build_context(settings, store)
        init_locker(ctx, locker_id, name, address, *DEMO_ADMIN)
        echo_seed(seed_demo(ctx), locker_id)
    click.echo(f"Admin login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")


def demo_locker_id(default: str) -> str:
    """The id a new demo locker takes: LOCKER_DEMO_ID if set (it must start with DEMO-)."""
    chosen = os.environ.get(DEMO_ID_ENV, "").strip() or default
    try:
        validate_locker_id(chosen)
    except InvalidInputError as error:
        raise click.ClickException(f"{DEMO_ID_ENV}: {error}") from None
    if not chosen.startswith(DEMO_ID_PREFIX):
        raise click.ClickException(f"{DEMO_ID_ENV} must start with {DEMO_ID_PREFIX}")
    return chosen


def refuse_unless_demo(settings: Settings) -> None:
    """Stop, in one line, unless the database was made by the demo."""
    try:
        with open_store(settings) as store:
            locker_id = store.locker().locker_id
    except StoreError:
        locker_id = None
    if locker_id is None or not locker_id.startswith(DEMO_ID_PREFIX):
        holds = f"locker {locker_id}" if locker_id else "no locker"
        raise click.ClickException(
            f"{settings.db} holds {holds}, not a demo locker: --demo serves only a database "
            "it made itself (name a new file with --db, or run without --demo)"
        )


def echo_logins(settings: Settings) -> None:
    """The demo couriers' and admin's logins, for a demo database made on an earlier start."""
    pins = {name: pin for _, name, pin in DEMO_COURIERS}
    with open_store(settings) as store:
        couriers = [(c.id, c.name, c.carrier) for c in store.couriers() if c.name in pins]
    click.echo(f"Demo database {settings.db} (delete it to start afresh).")
    for courier_id, name, carrier in couriers:
        click.echo(f"  courier id {courier_id}  PIN {pins[name]}  {name} ({carrier})")
    click.echo(f"Admin login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
    click.echo("Pickup codes were printed when the demo was made; /demo shows any parcel's QR.")
