"""The uplink to the fleet's broker, built from the settings when a broker is configured."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from locker.composition.context import open_store
from locker.config import Settings
from locker.domain.locker_state import locker_state
from locker.message_channel import EMAIL, SMS, WEBHOOK, MessageChannel
from locker.services.context import LockerContext
from locker.services.hold_doors import held_doors
from locker.uplink.relay_channel import RelayChannel
from locker.wire.keys import public_from_text

if TYPE_CHECKING:
    # The uplink and its MQTT client (paho-mqtt) are loaded only by a locker with a broker.
    from locker.uplink.uplink import Uplink
    from locker.wire.broker_link import BrokerAddress


def software_version() -> str:
    """The installed package's version."""
    try:
        return version("parcel-locker")
    except PackageNotFoundError:
        return "unknown"


def broker_address(settings: Settings, client_id: str) -> BrokerAddress:
    """How this locker reaches the broker: its id is its MQTT client id."""
    from locker.wire.broker_link import BrokerAddress

    return BrokerAddress(
        settings.mqtt_host,
        settings.mqtt_port,
        client_id,
        settings.mqtt_username,
        settings.mqtt_password,
        settings.mqtt_ca_file,
        settings.mqtt_cert_file,
        settings.mqtt_key_file,
        int(settings.mqtt_keepalive_seconds),
        int(settings.mqtt_session_expiry_seconds),
    )


def relay_channels(
    channels: dict[str, MessageChannel], relay: Callable[[bytes, float], bool]
) -> dict[str, MessageChannel]:
    """In a fleet, SMS and e-mail go through the centre, and the carriers' webhooks leave from
    the centre alone (it reads their events from the locker's log); the demo inbox stays."""
    relayed: dict[str, MessageChannel] = {name: RelayChannel(name, relay) for name in (SMS, EMAIL)}
    own = {k: v for k, v in channels.items() if k not in relayed and k != WEBHOOK}
    return {**own, **relayed}


def read_locker_state(ctx: LockerContext, health: Any, installed: str) -> dict[str, Any]:
    """The state the locker publishes: its doors (held ones apart from free), its health."""
    head = ctx.store.audit_head()
    camera = health.camera.state.value if health.camera is not None else None
    state = locker_state(
        ctx.store.compartments(),
        all(bus.connected for bus in health.buses),
        camera,
        installed,
        head[0] if head else 0,
        ctx.clock.now(),
        held=held_doors(ctx),
    )
    # The centre shows the carriers' event times in the locker's zone.
    return {**state, "timezone": ctx.rules.messages.timezone}


def uplink_from(
    settings: Settings,
    locker_id: str,
    context: Callable[[], LockerContext],
    health: Callable[[], Any],
) -> Uplink | None:
    """The locker's uplink, or None when no broker is configured (the locker works alone)."""
    if not settings.mqtt_host:
        return None
    from locker.uplink.uplink import Uplink

    installed = software_version()

    def read_state() -> dict[str, Any]:
        ctx = context()
        try:
            return read_locker_state(ctx, health(), installed)
        finally:
            ctx.store.close()  # type: ignore[attr-defined]

    return Uplink(
        broker_address(settings, locker_id),
        locker_id,
        lambda: open_store(settings),
        context,
        public_from_text(settings.fleet_root_key),
        settings.uplink_replay_per_second,
        settings.remote_opens_per_hour,
        read_state,
    )
