"""`locker parcels`, `expire`, `reissue` and `purge`."""

from __future__ import annotations

import json

import click

from locker.cli.runtime import Runtime, pass_runtime
from locker.domain.phone import mask_phone
from locker.domain.states import ParcelState
from locker.services.expire_overdue import expire_overdue
from locker.services.hold_doors import expire_holds
from locker.services.lapse_preadvice import cancel_lapsed_preadvice
from locker.services.purge_personal_data import purge_personal_data
from locker.services.reissue_code import reissue_code

COLUMNS = ("id", "tracking", "carrier", "state", "compartment", "phone", "expires_at")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--state",
    type=click.Choice([s.value for s in ParcelState]),
    multiple=True,
    help="Only parcels in this state (repeatable).",
)
@pass_runtime
def parcels(runtime: Runtime, as_json: bool, state: tuple[str, ...]) -> None:
    """List parcels, newest first; phone numbers are masked."""
    wanted = frozenset(ParcelState(s) for s in state) or None
    with runtime.context() as ctx:
        rows = [
            {
                "id": p.id,
                "tracking": p.tracking,
                "carrier": p.carrier,
                "state": p.state.value,
                "compartment": p.compartment or "",
                "phone": mask_phone(p.recipient_phone),
                "expires_at": p.expires_at.isoformat(timespec="minutes") if p.expires_at else "",
            }
            for p in ctx.store.parcels(wanted)
        ]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    widths = {c: max([len(c)] + [len(str(r[c])) for r in rows]) for c in COLUMNS}
    click.echo("  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip())
    for row in rows:
        click.echo("  ".join(str(row[c]).ljust(widths[c]) for c in COLUMNS).rstrip())


@click.command()
@pass_runtime
def expire(runtime: Runtime) -> None:
    """Mark parcels past their pickup window as expired, end holds whose time ran out, and cancel
    pre-advice that never came."""
    with runtime.context() as ctx:
        done = expire_overdue(ctx)
        ended = expire_holds(ctx)
        lapsed = cancel_lapsed_preadvice(ctx)
    click.echo(f"{len(done)} parcel(s) expired" + "".join(f"\n  {p.tracking}" for p in done))
    if ended:
        click.echo(f"{len(ended)} hold(s) ended" + "".join(f"\n  {h.hold_id}" for h in ended))
    if lapsed:
        click.echo(
            f"{len(lapsed)} pre-advice(s) cancelled" + "".join(f"\n  {p.tracking}" for p in lapsed)
        )


@click.command()
@click.argument("tracking")
@pass_runtime
def reissue(runtime: Runtime, tracking: str) -> None:
    """Issue a new pickup code for a deposited parcel and print it; the old one stops working."""
    with runtime.context() as ctx:
        receipt = reissue_code(ctx, "cli", tracking)
    click.echo(
        f"{receipt.parcel.tracking}  door {receipt.compartment}  code {receipt.code}  "
        f"QR {receipt.qr}"
    )


@click.command()
@pass_runtime
def purge(runtime: Runtime) -> None:
    """Erase recipients' phone numbers of parcels finished longer ago than the retention."""
    with runtime.context() as ctx:
        count = purge_personal_data(ctx)
    click.echo(f"personal data erased from {count} parcel(s)")


def register(cli: click.Group) -> None:
    """Add these commands to the top-level group."""
    for command in (parcels, expire, reissue, purge):
        cli.add_command(command)
