"""The e-mail channel: a message's text and HTML parts, and its pickup QR, over SMTP.

Each send opens one connection (STARTTLS, implicit TLS or plain, as configured), logs in when a
user is set, and hands the server one mail whose Message-ID comes from the outbox's message id,
so that a retry of the same message carries the same Message-ID. Replies the server will give
again (5xx, a refused login) are permanent errors; a dropped line, a timeout or a 4xx is worth
another try. Nothing here logs a mail: its body holds a pickup code.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from locker.message_channel import EMAIL, DeliveryError, OutgoingMessage
from locker.notify.qr_image import qr_png

SECURITIES = ("starttls", "ssl", "none")
# RFC 5321, 4.5.3.1: a path holds at most 256 octets with its brackets, a local part 64.
MAX_ADDRESS_CHARS = 254
MAX_LOCAL_PART_CHARS = 64
# Characters that would make a header hold another address, a comment or a route; with them
# out, an address is one token that the To: header cannot split or extend.
_ADDRESS_SPECIALS = frozenset('<>()[],;:"\\')
# RFC 5322 dot-atom text: what may stand on each side of a Message-ID's "@" unquoted.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# The HTML of every message with a QR refers to it as cid:pickup-qr (message_texts.email).
QR_CONTENT_ID = "<pickup-qr>"
# An SMTP error goes to the outbox and the admin's screen: one short line.
MAX_ERROR_CHARS = 200


def plausible_address(text: str) -> bool:
    """True for one bare address: one "@", a dotted domain, nothing that could split a header."""
    if not 3 <= len(text) <= MAX_ADDRESS_CHARS or text.count("@") != 1:
        return False
    if any(
        ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch in _ADDRESS_SPECIALS for ch in text
    ):
        return False
    local, domain = text.split("@")
    return (
        0 < len(local) <= MAX_LOCAL_PART_CHARS
        and "." in domain
        and not domain.startswith(".")
        and not domain.endswith(".")
        and ".." not in domain
    )


def message_id_header(message_id: str, domain: str) -> str:
    """The Message-ID of the outbox message `message_id`: the same on every try."""
    left = message_id if _DOT_ATOM.fullmatch(message_id) else _digest(message_id)
    return f"<{left}@{domain}>"


def _digest(text: str) -> str:
    return "h" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class SmtpChannel:
    """Delivers e-mail through one SMTP server; `ssl_context` defaults to the system's CAs."""

    name = EMAIL

    def __init__(
        self,
        *,
        host: str,
        port: int = 587,
        security: str = "starttls",
        user: str = "",
        password: str = "",
        sender: str,
        timeout_s: float = 10.0,
        message_id_domain: str,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITIES:
            raise ValueError(f"security must be one of {', '.join(SECURITIES)}")
        if not plausible_address(sender):
            raise ValueError("sender must be one plain e-mail address")
        if not _DOT_ATOM.fullmatch(message_id_domain):
            raise ValueError("message_id_domain must be a dotted name, such as the locker id")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.host, self.port, self.security = host, port, security
        self.user, self.password, self.sender = user, password, sender
        self.timeout_s = timeout_s
        self.message_id_domain = message_id_domain
        self.ssl_context = ssl_context

    def reaches(self, recipient: str) -> bool:
        """True for an e-mail address; a phone number is the SMS channel's."""
        return plausible_address(recipient)

    def send(self, message: OutgoingMessage) -> str:
        """Hand the mail to the server; returns its Message-ID."""
        mail = self.compose(message)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail, from_addr=self.sender, to_addrs=[message.recipient])
        except smtplib.SMTPRecipientsRefused as error:
            replies = error.recipients.values()
            raise DeliveryError(
                _say("recipient refused: " + "; ".join(_reply(*r) for r in replies), message),
                permanent=all(_permanent(code) for code, _ in replies),
            ) from None
        except smtplib.SMTPResponseException as error:
            # Sender refused, login refused, data refused, a bad greeting: the reply's class
            # says whether the server would answer the same again.
            raise DeliveryError(
                _say(
                    f"{type(error).__name__}: {_reply(error.smtp_code, error.smtp_error)}", message
                ),
                permanent=_permanent(error.smtp_code),
            ) from None
        except smtplib.SMTPServerDisconnected as error:
            raise DeliveryError(_say(f"server disconnected: {error}", message)) from None
        except smtplib.SMTPException as error:
            # No STARTTLS, no AUTH, no SMTPUTF8 where the settings or the address need them:
            # the server will not grow them between two tries.
            raise DeliveryError(
                _say(f"{type(error).__name__}: {error}", message), permanent=True
            ) from None
        except OSError as error:
            # Refused, unreachable, timed out, or a TLS handshake that failed.
            raise DeliveryError(_say(f"{type(error).__name__}: {error}", message)) from None
        return str(mail["Message-ID"])

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        """The mail for `message`: text and HTML alternatives, the QR inline with the HTML."""
        text = message.email
        if text is None:
            raise DeliveryError(f"message {message.message_id} has no e-mail text", permanent=True)
        if not self.reaches(message.recipient):
            raise DeliveryError("not an e-mail address", permanent=True)
        mail = EmailMessage()
        try:
            mail["From"] = self.sender
            mail["To"] = message.recipient
            mail["Subject"] = text.subject
        except ValueError as error:  # a line break in a header: retrying builds the same
            raise DeliveryError(f"bad header: {error}", permanent=True) from None
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = message_id_header(message.message_id, self.message_id_domain)
        mail.set_content(text.text)
        mail.add_alternative(text.html, subtype="html")
        if text.qr:
            html_part = mail.get_body(preferencelist=("html",))
            assert html_part is not None
            html_part.add_related(
                qr_png(text.qr),
                maintype="image",
                subtype="png",
                cid=QR_CONTENT_ID,
                disposition="inline",
                filename="pickup-qr.png",
            )
        return mail

    def _tls(self) -> ssl.SSLContext:
        if self.ssl_context is None:
            # Loading the system's authorities takes tens of milliseconds: once, not per mail.
            self.ssl_context = ssl.create_default_context()
        return self.ssl_context

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_s, context=self._tls()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._tls())
            except BaseException:
                smtp.close()
                raise
        return smtp


def _permanent(code: int) -> bool:
    return 500 <= code < 600


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


def _say(text: str, message: OutgoingMessage) -> str:
    """An error as one short line, without the address: servers quote the address they
    refuse, and the error is shown on the admin's screen."""
    text = text.replace(message.recipient, "<recipient>")
    return " ".join(text.split())[:MAX_ERROR_CHARS]
