"""`locker courier ...` and `locker admin ...`."""

from __future__ import annotations

import click

from locker.cli.runtime import Runtime, pass_runtime, read_secret
from locker.services.accounts import add_admin, add_courier, issue_badge, reset_admin_password


@click.group()
def courier() -> None:
    """Courier accounts."""


@courier.command("add")
@click.option("--carrier", required=True, help="The carrier the courier works for.")
@click.option("--name", required=True, help="The courier's name.")
@pass_runtime
def courier_add(runtime: Runtime, carrier: str, name: str) -> None:
    """Add a courier; the PIN (6-12 digits) comes from stdin. Prints the courier id."""
    pin = read_secret(True, "PIN")
    with runtime.context() as ctx:
        added = add_courier(ctx, carrier, name, pin, "cli")
    click.echo(added.id)


@courier.command("list")
@pass_runtime
def courier_list(runtime: Runtime) -> None:
    """List courier accounts."""
    with runtime.context() as ctx:
        for c in ctx.store.couriers():
            click.echo(f"{c.id}\t{c.carrier}\t{c.name}\t{'active' if c.active else 'disabled'}")


@courier.command("badge")
@click.argument("courier_id", type=int)
@pass_runtime
def courier_badge(runtime: Runtime, courier_id: int) -> None:
    """Issue a new badge QR text for a courier; the old badge stops working."""
    with runtime.context() as ctx:
        click.echo(issue_badge(ctx, courier_id, "cli"))


@click.group()
def admin() -> None:
    """Admin accounts."""


@admin.command("add")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@pass_runtime
def admin_add(runtime: Runtime, username: str, password_stdin: bool) -> None:
    """Add an admin."""
    password = read_secret(password_stdin, "Password")
    with runtime.context() as ctx:
        add_admin(ctx, username, password, "cli")
    click.echo(f"Admin {username} added")


@admin.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@pass_runtime
def admin_passwd(runtime: Runtime, username: str, password_stdin: bool) -> None:
    """Set an admin's password."""
    password = read_secret(password_stdin, "New password")
    with runtime.context() as ctx:
        reset_admin_password(ctx, username, password, "cli")
    click.echo(f"Password of {username} changed")


def register(cli: click.Group) -> None:
    """Add these commands to the top-level group."""
    cli.add_command(courier)
    cli.add_command(admin)
