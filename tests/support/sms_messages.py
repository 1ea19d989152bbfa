"""Outgoing SMS messages as the outbox would hand them to a channel, rendered by the domain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from locker.domain.message_texts import MessageFacts, sms
from locker.message_channel import OutgoingMessage, SmsText

FACTS = MessageFacts(
    locker="望京SOHO",
    address="北京市朝阳区望京街10号",
    tracking="SF1234567890",
    door="A03",
    size="M",
    deadline=datetime(2026, 11, 14, 9, 0, tzinfo=UTC),
    timezone="Asia/Shanghai",
    now=datetime(2026, 11, 11, 9, 0, tzinfo=UTC),
    code="48213975",
    qr="L1:TEST-01:abcdef",
)
# The longest values the locker accepts: a 100-character name (MAX_LOCKER_NAME_CHARS) and a
# 40-character tracking number (TRACKING_PATTERN).
LONG_FACTS = replace(
    FACTS,
    locker=("北京市朝阳区望京街道望京SOHO塔一地下一层东侧快递智能取件柜第二组" * 4)[:100],
    tracking="SF-" + "9" * 37,
)
LONG_ENGLISH_FACTS = replace(
    LONG_FACTS, locker=("Wangjing SOHO Tower One, basement, east side, parcel locker " * 2)[:100]
)


def sms_message(
    kind: str = "deposited",
    language: str = "zh",
    recipient: str = "13812345678",
    message_id: str = "msg-1",
    facts: MessageFacts = FACTS,
) -> OutgoingMessage:
    """The `kind` SMS in `language` to `recipient`."""
    parts = sms(kind, language, facts)
    return OutgoingMessage(
        message_id=message_id,
        kind=kind,
        recipient=recipient,
        language=language,
        sms=SmsText(parts.template, parts.params, parts.text),
    )
