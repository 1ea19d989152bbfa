"""`locker fleet serve`: the intake, the command link, the clock watch and the console, in one
process; stopped in the reverse order of their start."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import waitress
from flask import Flask

from locker.centre.api import create_api, mount_api
from locker.centre.carrier_orders import CarrierOrders
from locker.centre.carrier_webhooks import WebhookSender, WebhookTargets, queue_carrier_events
from locker.centre.clock_watch import ClockWatch
from locker.centre.command_records import forget_old_commands
from locker.centre.courier_pusher import CourierPusher
from locker.centre.gap_requests import GapRequests
from locker.centre.ingest import Ingest
from locker.centre.order_sender import ServiceSender
from locker.centre.relay import MessageRelay
from locker.centre.remote import CommandLink, RemoteDesk
from locker.centre.service_identity import ServiceIdentity, load_service_identity
from locker.centre.settings import CentreSettings
from locker.centre.store import CentreStore
from locker.centre.web import create_console
from locker.centre.web.stream_slots import StreamSlots
from locker.domain.audit_chain import AuditRecord
from locker.message_channel import MessageChannel
from locker.periodic import PeriodicTask
from locker.wire.broker_link import BrokerAddress, BrokerLink

log = logging.getLogger(__name__)
# How often the centre looks for gaps in the lockers' stored logs.
GAP_CHECK_S = 10.0
# How often unanswered carriers' orders are looked at, and ended reservations closed.
ORDERS_CHECK_S = 10.0
PURGE_CHECK_S = 3600.0


def broker_address(settings: CentreSettings, role: str) -> BrokerAddress:
    """How one of this process's links reaches the broker: a clean start, no session kept."""
    return BrokerAddress(
        settings.mqtt_host,
        settings.mqtt_port,
        f"{settings.client_id()}-{role}",
        settings.mqtt_username,
        settings.mqtt_password,
        settings.mqtt_ca_file,
        settings.mqtt_cert_file,
        settings.mqtt_key_file,
        persistent=False,
    )


@dataclass
class Centre:
    """A started centre: its console app (which serves the carrier API under /api too), and
    what stops it."""

    app: Flask
    slots: StreamSlots
    store: CentreStore
    # Carriers' pre-advice and reservations, for the carrier API's routes.
    orders: CarrierOrders
    stops: list[Callable[[], None]] = field(default_factory=list)
    links: list[BrokerLink] = field(default_factory=list)

    def ready(self) -> bool:
        """Whether the intake and the command link hold their subscriptions."""
        return all(link.subscribed.is_set() for link in self.links)

    def stop(self) -> None:
        """Stop what was started, the last first."""
        self.slots.stopping.set()
        for stop in reversed(self.stops):
            try:
                stop()
            except Exception:
                log.exception("stopping a part of the centre failed")
        self.stops.clear()


def service_identity(settings: CentreSettings) -> ServiceIdentity | None:
    """The centre's service key and certificate, or None when `fleet service-cert` made none."""
    try:
        return load_service_identity(settings.identity_dir)
    except (OSError, ValueError) as error:
        log.warning(
            "no service identity in %s (%s): messages are not relayed, gaps not asked for and "
            "carriers' orders not sent; run `locker fleet service-cert`",
            settings.identity_dir,
            error,
        )
        return None


def start_centre(
    settings: CentreSettings,
    channels: Mapping[str, MessageChannel] | None = None,
    webhooks: Mapping[str, tuple[str, str]] | None = None,
    webhook_timeout_s: float = 10.0,
) -> Centre:
    """Migrate the store, then start the command link with the carriers' orders, the notifier,
    the carriers' webhooks, the intake, the gap requests and the clock watch. `channels`
    deliver the messages lockers relay; `webhooks` are the carriers' (URL, secret) from the
    notifier's settings."""
    store = CentreStore(settings.fleet_db)
    stops: list[Callable[[], None]] = [store.close]
    try:
        zone = ZoneInfo(settings.timezone)
        targets = WebhookTargets(store, dict(webhooks or {}), webhook_timeout_s)
        sender = WebhookSender(store, targets).start()
        stops.append(sender.stop)

        def keep_carrier_events(
            store: CentreStore, records: list[tuple[str, AuditRecord]], now: float
        ) -> None:
            if queue_carrier_events(store, targets, records, now, zone):
                sender.wake()
            orders.on_records(records)

        def make_store() -> CentreStore:
            return CentreStore(settings.fleet_db)

        def orders_result(locker_id: str, result: dict[str, Any]) -> bool:
            return orders.result(locker_id, result) or couriers.result(locker_id, result)

        def status_changed(locker_id: str, online: bool) -> None:
            if online:
                orders.locker_online(locker_id)
                couriers.locker_online(locker_id)

        def order_rounds() -> None:
            orders.expire()
            orders.resend_due()
            # Couriers added or changed by `locker fleet courier`, in another process.
            couriers.send_due()

        def purge_phones() -> None:
            orders.purge_phones()
            forget_old_commands(store, time.time())

        link = CommandLink(
            make_store, broker_address(settings, "commands"), on_other_result=orders_result
        )
        identity = service_identity(settings)
        orders = CarrierOrders(
            store, ServiceSender(identity, link.publish), retention_days=settings.retention_days
        )
        couriers = CourierPusher(store, ServiceSender(identity, link.publish))
        link.start()
        stops.append(link.stop)
        stops.append(PeriodicTask("carrier-orders", ORDERS_CHECK_S, order_rounds).start().stop)
        stops.append(PeriodicTask("order-phones", PURGE_CHECK_S, purge_phones).start().stop)
        relay = None
        if identity is not None:
            relay = MessageRelay(store, channels or {}, identity, link.publish).start()
            stops.append(relay.stop)
            gaps = GapRequests(store, identity, link.publish)
            stops.append(
                PeriodicTask("gap-requests", GAP_CHECK_S, lambda: gaps.check()).start().stop
            )
        ingest = Ingest(
            make_store,
            broker_address(settings, "ingest"),
            relay=relay.received if relay else None,
            on_stored=keep_carrier_events,
            on_status=status_changed,
        ).start()
        stops.append(ingest.stop)
        watch = ClockWatch(make_store, settings.clock_skew_seconds).start()
        stops.append(watch.stop)
        slots = StreamSlots(settings.stream_slots)
        app = create_console(settings, store, RemoteDesk(store, link.publish), slots)
        mount_api(app, create_api(store, settings, orders=orders))
    except BaseException:
        for stop in reversed(stops):
            stop()
        raise
    return Centre(app, slots, store, orders, stops, [ingest.link, link.link])


def listen(centre: Centre, host: str, port: int, threads: int) -> Any:
    """The console's server, bound to its address (OSError when it cannot be)."""
    return waitress.create_server(centre.app, host=host, port=port, threads=threads)


def run(centre: Centre, server: Any) -> None:
    """Serve the console until interrupted; the live streams end first."""
    try:
        server.run()
    finally:
        centre.slots.stopping.set()
        server.close()
