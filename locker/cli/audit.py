"""`locker audit verify` and `locker audit export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from locker.cli.runtime import PlainPath, Runtime, pass_runtime
from locker.services.audit_log import export_audit_csv, verify_audit


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
@pass_runtime
def audit_verify(runtime: Runtime) -> None:
    """Check the hash chain; exit 1 naming the first bad record."""
    with runtime.context() as ctx:
        count, broken = verify_audit(ctx)
    if broken is not None:
        click.echo(f"audit log BROKEN at record {broken.seq}: {broken.reason}", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {count} record(s)")


@audit.command("export")
@click.option(
    "--output",
    type=PlainPath(dir_okay=False, path_type=Path),
    help="CSV file to write; standard output by default.",
)
@click.option("--csv", "as_csv", is_flag=True, default=True, help="CSV (the only format).")
@pass_runtime
def audit_export(runtime: Runtime, output: Path | None, as_csv: bool) -> None:
    """Write the audit log out as CSV."""
    with runtime.context() as ctx:
        if output is None:
            export_audit_csv(ctx, sys.stdout)
            return
        with output.open("w", encoding="utf-8", newline="") as out:
            count = export_audit_csv(ctx, out)
    click.echo(f"{count} record(s) written to {output}", err=True)


def register(cli: click.Group) -> None:
    """Add these commands to the top-level group."""
    cli.add_command(audit)
