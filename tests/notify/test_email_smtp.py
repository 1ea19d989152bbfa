"""The e-mail channel against a real SMTP server on loopback: what arrives, what a refusal means."""

from __future__ import annotations

import email
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, MIMEPart
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from locker.domain import message_texts, qr_payload
from locker.domain.message_texts import MessageFacts
from locker.message_channel import DeliveryError, EmailText, OutgoingMessage
from locker.notify import email_smtp
from locker.notify.email_smtp import SmtpChannel

# Every test here talks to a socket: none may hang the suite.
pytestmark = pytest.mark.timeout(30)

LOCKER_ID = "TEST-01"
SENDER = "locker@example.com"
RECIPIENT = "recipient@example.com"
USER, PASSWORD = "locker", "correct-horse"
CODE = "483920"
QR = qr_payload.encode(b"k" * 32, LOCKER_ID, parcel_id=7, serial=0)
NOW = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


@dataclass
class Received:
    """One mail as the server got it, and how the session that brought it was secured."""

    mail_from: str
    rcpt_tos: list[str]
    mail: EmailMessage
    tls: bool
    authenticated: bool


class Mailbox:
    """An aiosmtpd handler that keeps every mail it accepts, and refuses with `replies`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.replies: dict[str, str] = {}

    async def handle_MAIL(self, server, session, envelope, address, mail_options) -> str:  # type: ignore[no-untyped-def]
        if "MAIL" in self.replies:
            return self.replies["MAIL"]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # type: ignore[no-untyped-def]
        if "RCPT" in self.replies:
            return self.replies["RCPT"]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        if "DATA" in self.replies:
            return self.replies["DATA"]
        mail = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(mail, EmailMessage)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                mail,
                tls=session.ssl is not None,
                authenticated=bool(session.authenticated),
            )
        )
        return "250 Message accepted"


def check_password(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    """The server's authenticator: one account; a refusal is answered 535 by aiosmtpd."""
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(mailbox: Mailbox, **options: Any) -> Iterator[int]:
    """A real SMTP server on loopback; yields its port, and stops it whatever happens."""
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1: the server presents it, the client trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test smtp")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return Tls(server, ssl.create_default_context(cadata=cert_pem.decode("ascii")))


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def plain_port(mailbox: Mailbox) -> Iterator[int]:
    """A server that takes mail without TLS or login."""
    with smtp_server(mailbox) as port:
        yield port


@pytest.fixture
def starttls_port(mailbox: Mailbox, tls: Tls) -> Iterator[int]:
    """A submission server: STARTTLS first, then login, then mail."""
    with smtp_server(
        mailbox,
        tls_context=tls.server,
        require_starttls=True,
        auth_required=True,
        authenticator=check_password,
    ) as port:
        yield port


def channel(port: int, **options: Any) -> SmtpChannel:
    settings: dict[str, Any] = {"security": "none", "timeout_s": 5.0} | options
    return SmtpChannel(
        host="127.0.0.1", port=port, sender=SENDER, message_id_domain=LOCKER_ID, **settings
    )


def outgoing(
    kind: str = "deposited",
    language: str = "zh",
    message_id: str = "42",
    recipient: str = RECIPIENT,
) -> OutgoingMessage:
    """A message as the outbox hands it to a channel, its texts from the domain."""
    facts = MessageFacts(
        locker="Test locker",
        address="Test street 1",
        tracking="SF0000000001",
        door="A3",
        size="S",
        deadline=NOW + timedelta(hours=72),
        timezone="Asia/Shanghai",
        now=NOW,
        code=CODE,
        qr=QR,
    )
    parts = message_texts.email(kind, language, facts)
    text = EmailText(parts.subject, parts.text, parts.html, parts.qr)
    return OutgoingMessage(message_id, kind, recipient, language, email=text)


def decode_qr(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None, "not a PNG"
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return str(text)


def body(mail: EmailMessage, subtype: str) -> MIMEPart:
    part = mail.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return part


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_deposit_mail_arrives_with_its_text_its_html_and_its_qr(
    mailbox: Mailbox, plain_port: int, language: str
) -> None:
    message = outgoing(language=language)
    assert message.email is not None

    receipt = channel(plain_port).send(message)

    [got] = mailbox.received
    assert (got.mail_from, got.rcpt_tos) == (SENDER, [RECIPIENT])
    mail = got.mail
    assert (mail["From"], mail["To"]) == (SENDER, RECIPIENT)
    assert mail["Subject"] == message.email.subject
    assert mail["Date"].datetime is not None
    assert mail["Message-ID"] == receipt
    assert mail.get_content_type() == "multipart/alternative"
    assert body(mail, "plain").get_content().replace("\r\n", "\n") == message.email.text
    assert CODE in body(mail, "plain").get_content()
    html = body(mail, "html").get_content()
    assert CODE in html and "cid:pickup-qr" in html
    [image] = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<pickup-qr>"
    assert decode_qr(image.get_content()) == QR


def test_the_subject_is_in_the_recipients_language(mailbox: Mailbox, plain_port: int) -> None:
    channel(plain_port).send(outgoing(language="zh"))
    channel(plain_port).send(outgoing(language="en"))

    subjects = [got.mail["Subject"] for got in mailbox.received]
    assert subjects == ["您的包裹已到Test locker", "Your parcel is at Test locker"]


def test_a_message_without_a_qr_carries_no_image(mailbox: Mailbox, plain_port: int) -> None:
    channel(plain_port).send(outgoing(kind="expired"))

    [got] = mailbox.received
    assert got.mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in got.mail.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


# The outbox's ids may hold characters a Message-ID cannot: those are hashed, just as stably.
@pytest.mark.parametrize(("message_id", "other_id"), [("42", "43"), ("TEST-01:17", "TEST-01:18")])
def test_every_try_of_one_message_carries_the_same_message_id(
    mailbox: Mailbox, plain_port: int, message_id: str, other_id: str
) -> None:
    smtp = channel(plain_port)

    first = smtp.send(outgoing(message_id=message_id))
    retry = smtp.send(outgoing(message_id=message_id))
    other = smtp.send(outgoing(message_id=other_id))

    ids = [got.mail["Message-ID"] for got in mailbox.received]
    assert ids == [first, retry, other]
    assert first == retry != other
    assert first.startswith("<") and first.endswith(f"@{LOCKER_ID}>")


def test_the_systems_authorities_are_loaded_once_and_never_for_a_plain_connection(
    mailbox: Mailbox, plain_port: int, starttls_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading them takes tens of milliseconds: at every mail it was most of a mail's time.
    loads: list[object] = []
    load = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        loads.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(email_smtp.ssl, "create_default_context", counted)
    plain = channel(plain_port)
    plain.send(outgoing())
    plain.send(outgoing())
    assert loads == []

    secured = channel(starttls_port, security="starttls", user=USER, password=PASSWORD)
    for _ in range(2):
        with pytest.raises(DeliveryError):  # the test's certificate is not the system's
            secured.send(outgoing())
    assert len(loads) == 1


def test_starttls_then_login_delivers(mailbox: Mailbox, starttls_port: int, tls: Tls) -> None:
    smtp = channel(
        starttls_port, security="starttls", user=USER, password=PASSWORD, ssl_context=tls.client
    )

    smtp.send(outgoing())

    [got] = mailbox.received
    assert got.tls and got.authenticated


def test_implicit_tls_then_login_delivers(mailbox: Mailbox, tls: Tls) -> None:
    # aiosmtpd counts only STARTTLS as TLS when it guards AUTH; this whole session is TLS.
    with smtp_server(
        mailbox, ssl_context=tls.server, auth_require_tls=False, authenticator=check_password
    ) as port:
        smtp = channel(port, security="ssl", user=USER, password=PASSWORD, ssl_context=tls.client)
        smtp.send(outgoing())

    [got] = mailbox.received
    assert got.authenticated


def test_a_wrong_password_is_permanent(mailbox: Mailbox, starttls_port: int, tls: Tls) -> None:
    smtp = channel(
        starttls_port, security="starttls", user=USER, password="wrong", ssl_context=tls.client
    )

    with pytest.raises(DeliveryError) as refused:
        smtp.send(outgoing())

    assert refused.value.permanent
    assert mailbox.received == []


def test_a_certificate_the_channel_does_not_trust_sends_nothing(
    mailbox: Mailbox, starttls_port: int
) -> None:
    # Without the test's certificate the system's authorities decide, and they do not know it.
    smtp = channel(starttls_port, security="starttls", user=USER, password=PASSWORD)

    with pytest.raises(DeliveryError) as failed:
        smtp.send(outgoing())

    assert not failed.value.permanent
    assert mailbox.received == []


def test_starttls_asked_of_a_server_without_it_is_permanent(
    mailbox: Mailbox, plain_port: int
) -> None:
    with pytest.raises(DeliveryError) as failed:
        channel(plain_port, security="starttls").send(outgoing())

    assert failed.value.permanent
    assert mailbox.received == []


def test_a_server_that_is_down_is_a_temporary_error() -> None:
    with pytest.raises(DeliveryError) as failed:
        channel(free_port()).send(outgoing())

    assert not failed.value.permanent


def test_a_server_that_never_answers_is_a_temporary_error_after_the_timeout() -> None:
    # The kernel completes the connection; nobody ever sends the greeting.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        with pytest.raises(DeliveryError) as failed:
            channel(port, timeout_s=0.2).send(outgoing())

    assert not failed.value.permanent


@pytest.mark.parametrize(
    ("command", "reply", "permanent"),
    [
        ("RCPT", "550 5.1.1 No such user", True),
        ("RCPT", "451 4.3.0 Try again later", False),
        ("MAIL", "553 5.7.1 Sender not allowed", True),
        ("MAIL", "421 4.3.2 Service shutting down", False),
        ("DATA", "554 5.7.1 Message rejected", True),
        ("DATA", "452 4.3.1 Insufficient storage", False),
    ],
)
def test_a_refusal_is_permanent_only_when_the_server_says_5xx(
    mailbox: Mailbox, plain_port: int, command: str, reply: str, permanent: bool
) -> None:
    mailbox.replies[command] = reply

    with pytest.raises(DeliveryError) as refused:
        channel(plain_port).send(outgoing())

    assert refused.value.permanent is permanent
    assert reply.split()[0] in str(refused.value)


def test_a_refusal_names_neither_the_address_nor_the_code(
    mailbox: Mailbox, plain_port: int
) -> None:
    mailbox.replies["RCPT"] = f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected"

    with pytest.raises(DeliveryError) as refused:
        channel(plain_port).send(outgoing())

    assert RECIPIENT not in str(refused.value)
    assert CODE not in str(refused.value)


def test_a_phone_number_is_refused_before_any_connection(mailbox: Mailbox, plain_port: int) -> None:
    with pytest.raises(DeliveryError) as refused:
        channel(plain_port).send(outgoing(recipient="13812345678"))

    assert refused.value.permanent
    assert mailbox.received == []


@pytest.mark.parametrize(
    ("recipient", "reached"),
    [
        ("li.wei@example.com", True),
        ("wang+parcels@mail.example.cn", True),
        ("13812345678", False),
        ("+8613812345678", False),
        ("", False),
        ("no-at-sign.example.com", False),
        ("two@at@example.com", False),
        ("user@localhost", False),
        ("user@.example.com", False),
        ("user@example.com.", False),
        ("@example.com", False),
        ("user @example.com", False),
        ("user@example.com\r\nBcc: x@example.com", False),
        ("user@exam\x00ple.com", False),
        ("user@example.com, other@example.com", False),
        ("Name <user@example.com>", False),
        ("x" * 65 + "@example.com", False),
        ("user@" + "a" * 250 + ".com", False),
    ],
)
def test_the_channel_reaches_one_plain_address_and_nothing_else(
    recipient: str, reached: bool
) -> None:
    assert channel(25).reaches(recipient) is reached


def test_the_channel_refuses_settings_it_cannot_use() -> None:
    with pytest.raises(ValueError, match="security"):
        channel(25, security="tls")
    with pytest.raises(ValueError, match="sender"):
        SmtpChannel(host="h", sender="not an address", message_id_domain=LOCKER_ID)
