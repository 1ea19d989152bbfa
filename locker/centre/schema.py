"""The centre's tables, in SQLAlchemy Core, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 1

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("key", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

lockers = Table(
    "lockers",
    metadata,
    Column("locker_id", String(64), primary_key=True),
    Column("online", Boolean, nullable=False, default=False),
    Column("last_seen", Float),
    # Every record up to stored_seq is stored; the chain is checked up to verified_seq.
    Column("stored_seq", BigInteger, nullable=False, default=0),
    Column("verified_seq", BigInteger, nullable=False, default=0),
    Column("verified_hash", String(64), nullable=False, default="0" * 64),
    Column("highest_seen_seq", BigInteger, nullable=False, default=0),
    Column("gap_since", Float),
    Column("resend_asked_at", Float),
    Column("chain_broken_at", BigInteger),
    Column("state", Text),
    Column("state_at", Float),
)

events = Table(
    "events",
    metadata,
    Column("locker_id", String(64), ForeignKey("lockers.locker_id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("at", String(64), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("received_at", Float, nullable=False),
)

alarms = Table(
    "alarms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("locker_id", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raised_at", Float, nullable=False),
    Column("acknowledged_at", Float),
    Column("acknowledged_by", String(64)),
    Column("note", Text),
)
Index("alarms_open", alarms.c.locker_id, alarms.c.kind, alarms.c.acknowledged_at)

operators = Table(
    "operators",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    # The certificate the fleet's root signed, and the private key sealed under the password.
    Column("certificate", Text, nullable=False),
    Column("sealed_key", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("session_version", Integer, nullable=False, default=1),
    Column("active", Boolean, nullable=False, default=True),
)

relayed_messages = Table(
    "relayed_messages",
    metadata,
    Column("message_id", String(120), primary_key=True),
    Column("locker_id", String(64), nullable=False),
    Column("channel", String(32), nullable=False),
    # The rendered message with its code; erased once the provider has taken it.
    Column("payload", Text),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("delivered_at", Float),
    Column("last_error", Text),
)
Index("relayed_due", relayed_messages.c.status, relayed_messages.c.next_attempt_at)

# Remote commands the console sent (or holds for a second operator), and what came back.
commands = Table(
    "commands",
    metadata,
    Column("nonce", String(32), primary_key=True),
    # The form's one-time id: the same form posted again finds its command instead of a new one.
    Column("request_id", String(64), nullable=False, unique=True),
    Column("locker_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("args", Text, nullable=False),
    Column("operator", String(64), nullable=False),
    Column("second_operator", String(64)),
    # pending (waits for a second operator), sent, accepted, done, refused, unsent, lapsed
    Column("status", String(16), nullable=False),
    Column("envelope", Text),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
    Column("expires_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("code", String(64)),
    Column("outcome", Text),
)
Index("commands_recent", commands.c.created_at)
Index("commands_changed", commands.c.updated_at)

# Each carrier's webhook at the centre: where its parcels' events go, and the secret they are
# signed with.
carrier_webhooks = Table(
    "carrier_webhooks",
    metadata,
    Column("carrier", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Carriers' events read from the lockers' logs, kept until their carrier has taken them; the
# event id (`{locker}:{seq}`) is the one a locker alone would have sent.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("carrier", String(64), nullable=False),
    Column("locker_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
    # pending, delivered, failed
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    # A process that took the event for a try holds it until then, so two never both send it.
    Column("taken_until", Float),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float),
    Column("last_error", Text),
)
Index("webhook_events_due", webhook_events.c.status, webhook_events.c.next_attempt_at)

# The console's failed logins, per username and per address, shared by every centre process.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
    Column("at", Float, nullable=False),
)
Index("login_attempts_by_key", login_attempts.c.key, login_attempts.c.at)

# The carriers that may call the API; a token is shown once and kept only as its SHA-256.
carriers = Table(
    "carriers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
)

# A carrier's POST under an Idempotency-Key: claimed before the work (in_flight), then its
# answer kept (done) so that the same request again gets the same answer for 24 h.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("carrier", String(64), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    # in_flight, done
    Column("state", String(16), nullable=False),
    Column("status_code", Integer),
    Column("response_body", Text),
    Column("response_headers", Text),
    Column("created_at", Float, nullable=False),
)
Index("idempotency_keys_age", idempotency_keys.c.created_at)

# Carriers' pre-advice, one row for each time a parcel was announced to a locker. A row is
# `live` while the locker has it or may still get it: one live row per (carrier, tracking).
# The phone is kept to re-send the pre-advice, and blanked `retention_days` after it ended.
PREADVICE_LIVE = ("pending", "confirmed", "withdrawing")
preadvices = Table(
    "preadvices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("carrier", String(64), nullable=False),
    Column("tracking", String(64), nullable=False),
    Column("locker_id", String(64), nullable=False),
    Column("phone", String(32)),
    Column("size", String(4), nullable=False),
    Column("low_door", Boolean, nullable=False),
    Column("language", String(8)),
    Column("expected_at", BigInteger, nullable=False),
    # pending, confirmed, refused, withdrawing, withdrawn, deposited (order_states.py)
    Column("state", String(16), nullable=False),
    Column("code", String(64)),
    Column("detail", Text),
    # The last command signed for it; how many were; when one last reached the broker.
    Column("nonce", String(32)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("signed_at", Float),
    Column("sent_at", Float),
    # The last signed command did not reach the broker.
    Column("unsent", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index(
    "preadvices_live",
    preadvices.c.carrier,
    preadvices.c.tracking,
    unique=True,
    sqlite_where=preadvices.c.state.in_(PREADVICE_LIVE),
    postgresql_where=preadvices.c.state.in_(PREADVICE_LIVE),
)
Index("preadvices_parcel", preadvices.c.carrier, preadvices.c.tracking, preadvices.c.id)
Index("preadvices_locker", preadvices.c.locker_id, preadvices.c.state)

# Carriers' holds on a locker's doors: `id` is the hold's name on the locker too.
reservations = Table(
    "reservations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("carrier", String(64), nullable=False),
    Column("locker_id", String(64), nullable=False),
    Column("size", String(4), nullable=False),
    Column("count", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    # pending, confirmed, refused, cancelling, cancelled, expired (order_states.py)
    Column("state", String(16), nullable=False),
    Column("code", String(64)),
    Column("detail", Text),
    Column("nonce", String(32)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("signed_at", Float),
    Column("sent_at", Float),
    Column("unsent", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("reservations_locker", reservations.c.locker_id, reservations.c.state)
Index("reservations_due", reservations.c.state, reservations.c.expires_at)

# Every command signed for a pre-advice or a hold, so that a result finds its order by nonce
# (a resent order has several; a late answer to an earlier one still counts).
order_commands = Table(
    "order_commands",
    metadata,
    Column("nonce", String(32), primary_key=True),
    # preadvice (order_id is the row's id) or reservation
    Column("kind", String(16), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("locker_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("signed_at", Float, nullable=False),
)
Index("order_commands_signed", order_commands.c.signed_at)

# A parcel's history is read from the lockers' records by tracking number.
Index("events_subject", events.c.subject)

# Couriers added once at the centre for many lockers (locker/centre/fleet_couriers.py). The
# centre keeps the PIN's scrypt hash only; `revision` goes up with every change an admin signs.
fleet_couriers = Table(
    "fleet_couriers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("carrier", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("pin_hash", String(128), nullable=False),
    Column("badge_hash", String(64), nullable=False, default=""),
    Column("badge_issued_at", BigInteger, nullable=False, default=0),
    Column("active", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# Each locker's copy of a fleet courier: the admin-signed grant of the latest revision (the
# `sync_courier` arguments), waiting until the locker answers that it holds that revision.
GRANT_STATES = ("waiting", "applied", "refused")
courier_grants = Table(
    "courier_grants",
    metadata,
    Column("courier_id", Integer, primary_key=True, autoincrement=False),
    Column("locker_id", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("args", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("code", String(64)),
    Column("detail", Text),
    Column("nonce", String(32)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("signed_at", Float),
    Column("sent_at", Float),
    Column("answered_at", Float),
)
Index("courier_grants_waiting", courier_grants.c.state, courier_grants.c.locker_id)

# Every sync_courier command signed, so that a late answer to a resent one finds its grant.
grant_commands = Table(
    "grant_commands",
    metadata,
    Column("nonce", String(32), primary_key=True),
    Column("courier_id", Integer, nullable=False),
    Column("locker_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("signed_at", Float, nullable=False),
)
