"""`locker fleet`: the fleet's keys and operators, and `serve` (the centre and its console)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.exc import SQLAlchemyError

from locker.centre.broker_accounts import BrokerAccountError
from locker.centre.broker_accounts import enroll as enroll_broker_user
from locker.centre.carriers import CarrierError, add_carrier, revoke_carrier
from locker.centre.demo import FleetDemo, FleetDemoError, start_demo
from locker.centre.fleet_sim import FleetSim, raise_open_file_limit
from locker.centre.local_broker import LocalBrokerError
from locker.centre.operators import OperatorError, add_operator
from locker.centre.serve import listen, run, start_centre
from locker.centre.service_identity import make_service_identity
from locker.centre.settings import CentreSettings, CentreSettingsError, load_centre_settings
from locker.centre.store import CentreStore
from locker.cli.runtime import PlainPath, read_secret
from locker.cli.signals import terminate_as_interrupt
from locker.composition import configure_logging
from locker.composition.channels import channels_from
from locker.config import SettingsError, load_settings
from locker.domain.errors import InvalidInputError
from locker.wire.certificates import OPERATOR_ROLES
from locker.wire.errors import WireFormatError
from locker.wire.keys import new_private_key, public_text, read_private_key, write_private_key

DEFAULT_CENTRE_DB = "sqlite:///var/centre.db"


@click.group()
def fleet() -> None:
    """The fleet's centre: keys, operators and the console."""


def _root_key(path: Path) -> Ed25519PrivateKey:
    try:
        return read_private_key(path)
    except (OSError, WireFormatError) as error:
        raise click.ClickException(f"cannot read the root key {path}: {error}") from None


@fleet.command()
@click.option(
    "--out",
    type=PlainPath(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the root private key (keep it off the centre, e.g. on a USB key).",
)
def keygen(out: Path) -> None:
    """Make the fleet's root key pair; print the public key every locker pins."""
    key = new_private_key()
    try:
        write_private_key(key, out)
    except FileExistsError:
        raise click.ClickException(f"{out} exists: a root key is never overwritten") from None
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    click.echo(f"Root private key written to {out}: keep it offline.", err=True)
    click.echo("Set on every locker:  fleet_root_key = the line below", err=True)
    click.echo(public_text(key.public_key()))


@fleet.group()
def operator() -> None:
    """The centre's operators."""


@operator.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(sorted(OPERATOR_ROLES)), default="support")
@click.option(
    "--root-key",
    type=PlainPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The root private key file `locker fleet keygen` wrote.",
)
@click.option(
    "--centre-db", default=DEFAULT_CENTRE_DB, show_default=True, help="The centre's store."
)
@click.option("--days", type=click.IntRange(1, 1095), default=365, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def operator_add(
    username: str, role: str, root_key: Path, centre_db: str, days: int, password_stdin: bool
) -> None:
    """Make an operator's key and certificate; the key is kept sealed by their password."""
    root = _root_key(root_key)
    password = read_secret(password_stdin, "Password")
    store = CentreStore(centre_db)
    try:
        certificate = add_operator(store, username, password, role, root, time.time(), days)
    except (OperatorError, InvalidInputError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()
    click.echo(f"Operator {certificate.subject} ({certificate.role}) certified for {days} days.")


@fleet.command("service-cert")
@click.option(
    "--root-key",
    type=PlainPath(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The root private key file `locker fleet keygen` wrote.",
)
@click.option(
    "--out-dir",
    type=PlainPath(file_okay=False, path_type=Path),
    default=Path("var/centre"),
    show_default=True,
    help="Where the centre finds its service key and certificate.",
)
@click.option("--days", type=click.IntRange(1, 1095), default=365, show_default=True)
def service_cert(root_key: Path, out_dir: Path, days: int) -> None:
    """Certify the centre's own key: it may confirm messages and ask for events, never open."""
    root = _root_key(root_key)
    try:
        make_service_identity(root, out_dir, int(time.time()), days)
    except FileExistsError:
        raise click.ClickException(f"{out_dir} holds a service key already") from None
    click.echo(f"Service key and certificate written to {out_dir}.")


def config_option() -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--config",
        type=PlainPath(exists=True, dir_okay=False, path_type=Path),
        help="The centre's TOML settings file (see docs/fleet.md).",
    )


def _centre_settings(config: Path | None) -> CentreSettings:
    try:
        return load_centre_settings(config)
    except CentreSettingsError as error:
        raise click.ClickException(str(error)) from None


def open_centre_store(config: Path | None) -> CentreStore:
    settings = _centre_settings(config)
    try:
        return CentreStore(settings.fleet_db)
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        raise click.ClickException(f"cannot open the centre's store: {cause}") from None


@fleet.group()
def carrier() -> None:
    """The carriers that may call the centre's API (docs/api.md)."""


@carrier.command("add")
@click.argument("name")
@config_option()
def carrier_add(name: str, config: Path | None) -> None:
    """Let a carrier call the API: print its bearer token, which is shown this once."""
    store = open_centre_store(config)
    try:
        token = add_carrier(store, name, time.time())
    except CarrierError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()
    click.echo(
        f"Carrier {name}'s API token, shown once (the centre keeps only its hash):", err=True
    )
    click.echo(token)


@carrier.command("revoke")
@click.argument("name")
@config_option()
def carrier_revoke(name: str, config: Path | None) -> None:
    """End a carrier's token at once; `carrier add` gives it a new one."""
    store = open_centre_store(config)
    try:
        revoke_carrier(store, name, time.time())
    except CarrierError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()
    click.echo(f"Carrier {name}'s token is revoked.", err=True)


@fleet.command()
@click.argument("name")
@click.option(
    "--centre",
    "is_centre",
    is_flag=True,
    help="NAME is a centre's broker user (reads every locker, writes their commands).",
)
@click.option(
    "--passwords",
    type=PlainPath(dir_okay=False, path_type=Path),
    default=Path("/etc/mosquitto/passwords"),
    show_default=True,
    help="The broker's password file.",
)
@click.option(
    "--acl",
    type=PlainPath(dir_okay=False, path_type=Path),
    default=Path("/etc/mosquitto/acl"),
    show_default=True,
    help="The broker's ACL file.",
)
def enroll(name: str, is_centre: bool, passwords: Path, acl: Path) -> None:
    """Give a locker (its id as NAME) its own broker user: publish only under its own topics,
    read only its own commands. Prints its settings, with a password shown this once."""
    try:
        password = enroll_broker_user(name, passwords, acl, centre=is_centre)
    except BrokerAccountError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(
            f"cannot write {passwords} or {acl}: {error.strerror or error}"
        ) from None
    click.echo(f"{name}'s broker login, shown once (the broker keeps only a hash):", err=True)
    click.echo(f'mqtt_username = "{name}"')
    click.echo(f'mqtt_password = "{password}"')
    click.echo("Reload the broker to apply it (systemctl reload mosquitto, or SIGHUP).", err=True)


@fleet.command()
@click.option("--lockers", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option(
    "--rate",
    type=click.FloatRange(0.1, 1_000_000),
    default=100.0,
    show_default=True,
    help="Audit records a second, across all the lockers.",
)
@click.option("--seconds", type=click.FloatRange(0.1, 86_400), default=60.0, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="The broker.")
@click.option("--port", type=click.IntRange(1, 65535), default=1883, show_default=True)
@click.option("--username", default="", help="The broker user the simulated lockers log in as.")
@click.option("--password", default="", envvar="LOCKER_SIM_PASSWORD", help="Its password.")
@click.option("--prefix", default="SIM", show_default=True, help="Lockers are PREFIX-00001….")
def sim(
    lockers: int,
    rate: float,
    seconds: float,
    host: str,
    port: int,
    username: str,
    password: str,
    prefix: str,
) -> None:
    """Simulate many lockers on a broker, from one thread: realistic event streams with valid
    chains, for load on a centre. Prints what was sent and acknowledged."""
    limit = raise_open_file_limit()
    if lockers + 64 > limit:
        raise click.ClickException(f"{lockers} lockers need more open files than {limit}")
    simulated = FleetSim(host, port, lockers, username, password, prefix)
    try:
        began = time.monotonic()
        try:
            up = simulated.connect()
        except OSError as error:
            raise click.ClickException(f"cannot reach the broker: {error}") from None
        click.echo(f"{up} of {lockers} lockers connected in {time.monotonic() - began:.1f} s")
        figures = simulated.run(seconds, rate)
        click.echo(
            f"{figures.published:,} records in {figures.seconds:.1f} s "
            f"({figures.published / max(figures.seconds, 1e-9):,.0f}/s)"
        )
        began = time.monotonic()
        acknowledged = simulated.drain()
        click.echo(
            f"{acknowledged:,} acknowledged by the centre, "
            f"{time.monotonic() - began:.1f} s after the last was sent"
        )
    finally:
        simulated.close()


@fleet.command()
@config_option()
@click.option(
    "--demo",
    is_flag=True,
    help="A local broker, fresh keys, an operator and two demo lockers, for a first look.",
)
@click.option(
    "--demo-dir",
    type=PlainPath(file_okay=False, path_type=Path),
    default=Path("var/fleet-demo"),
    show_default=True,
    help="Where the demo keeps its files (cleared on every demo start).",
)
@click.option(
    "--notify-config",
    type=PlainPath(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file with the smtp_*, sms_* and webhook_* settings (as a locker's) with which "
    "the centre delivers the messages fleet lockers relay and their carriers' events.",
)
def serve(config: Path | None, demo: bool, demo_dir: Path, notify_config: Path | None) -> None:
    """Run the centre: the lockers' intake, remote commands, their messages and the console."""
    configure_logging()
    try:
        settings = load_centre_settings(config)
        notify = load_settings(notify_config, environ={}) if notify_config else None
        channels = channels_from(notify, "centre") if notify else {}
    except (CentreSettingsError, SettingsError) as error:
        raise click.ClickException(str(error)) from None
    # Everything started is stopped in the reverse order, however the command ends.
    with terminate_as_interrupt(), contextlib.ExitStack() as started:
        try:
            running: FleetDemo | None = None
            if demo:
                running = start_demo(demo_dir, settings)
                started.callback(running.stop)
                settings = running.settings
            centre = start_centre(
                settings,
                channels,
                {c: (url, notify.webhook_secrets[c]) for c, url in notify.webhook_urls.items()}
                if notify
                else None,
                notify.webhook_timeout_seconds if notify else 10.0,
            )
            started.callback(centre.stop)
            server = listen(centre, settings.host, settings.port, settings.threads)
            click.echo(f"Console on http://{settings.host}:{settings.port}/", err=True)
            click.echo(
                f"Carrier API on http://{settings.host}:{settings.port}/api/v1/ "
                "(its document: /api/openapi.json)",
                err=True,
            )
            if running is not None:
                _echo_demo(running)
            run(centre, server)
        except KeyboardInterrupt:
            pass
        except (FleetDemoError, LocalBrokerError) as error:
            raise click.ClickException(str(error)) from None
        except SQLAlchemyError as error:
            cause = getattr(error, "orig", None) or error
            raise click.ClickException(f"cannot open the centre's store: {cause}") from None
        except OSError as error:
            raise click.ClickException(
                f"cannot serve on {settings.host}:{settings.port} or write the centre's files: "
                f"{error.strerror or error}"
            ) from None


def _echo_demo(running: FleetDemo) -> None:
    for username, password in running.passwords.items():
        click.echo(f"Operator login: {username} / {password}", err=True)
    for child in running.lockers:
        # Its URL is given once it answers: the uplink may be live seconds before the kiosk.
        if not child.wait_until_serving():
            raise FleetDemoError(
                f"demo locker {child.locker_id} did not start: see "
                f"{running.folder / (child.locker_id + '.log')}"
            )
        click.echo(
            f"Demo locker {child.locker_id} on http://127.0.0.1:{child.port}/ (cabinet /demo)",
            err=True,
        )


def register(cli: click.Group) -> None:
    """Add this group, with its courier commands, to the top-level group."""
    from locker.cli import fleet_couriers  # noqa: F401  (its commands join `fleet` on import)

    cli.add_command(fleet)
