"""What each message to a recipient says, in Chinese and English, as SMS and as e-mail.

Every SMS is a template name plus short typed parameters, so that the same message goes through
a gateway that sends only pre-approved templates (Aliyun, Tencent Cloud: each parameter 1 to 35
characters, no links) and one that takes free text. Every message that gives a deadline says
that storage is free until then. Times are in the locker's time zone.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

# Aliyun SMS: a template parameter holds 1 to 35 characters.
MAX_SMS_PARAM_CHARS = 35
# The locker's name in an SMS: short enough to leave room in the message and the parameter.
MAX_SMS_LOCKER_CHARS = 20
KINDS = ("deposited", "reissued", "reminder", "expired", "withdrawn")
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class MessageFacts:
    """What a message may state about a parcel; codes only for the kinds that carry them."""

    locker: str
    address: str
    tracking: str
    door: str
    size: str
    deadline: datetime | None
    timezone: str
    now: datetime
    code: str | None = None
    qr: str | None = None


@dataclass(frozen=True)
class SmsParts:
    """An SMS: the template's name, its parameters, and the whole text."""

    template: str
    params: dict[str, str]
    text: str


@dataclass(frozen=True)
class EmailParts:
    """An e-mail: subject, plain text, HTML, and the QR payload to attach (if any)."""

    subject: str
    text: str
    html: str
    qr: str | None


def local_time(moment: datetime, timezone: str, language: str) -> str:
    """A moment as a person at the locker reads it: day, month and time, in its time zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    if language == "zh":
        return f"{local.month}月{local.day}日{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The parameters of each kind's SMS template, in the order a gateway lists them.
TEMPLATE_PARAMS = {
    "deposited": ("locker", "door", "code", "deadline"),
    "reissued": ("locker", "door", "code", "deadline"),
    "reminder": ("locker", "door", "deadline", "hours"),
    "expired": ("locker", "tracking"),
    "withdrawn": ("locker", "tracking"),
}


def _params(kind: str, language: str, facts: MessageFacts) -> dict[str, str]:
    values = {
        "locker": facts.locker,
        "door": facts.door,
        "code": facts.code or "",
        "tracking": facts.tracking,
        "deadline": local_time(facts.deadline, facts.timezone, language) if facts.deadline else "",
        "hours": str(
            max(0, int((facts.deadline - facts.now).total_seconds() // 3600))
            if facts.deadline
            else 0
        ),
    }
    limits = {"locker": MAX_SMS_LOCKER_CHARS}
    return {
        name: _short(values[name], limits.get(name, MAX_SMS_PARAM_CHARS))
        for name in TEMPLATE_PARAMS[kind]
    }


# The SMS texts, by kind and language; `{name}` are the template's parameters.
_SMS = {
    ("deposited", "zh"): (
        "【{locker}】您的包裹已存入{door}号柜门，取件码{code}，{deadline}前免费保管。"
    ),
    ("deposited", "en"): (
        "[{locker}] Your parcel is in door {door}. Pickup code {code}. "
        "Storage is free until {deadline}."
    ),
    ("reissued", "zh"): (
        "【{locker}】您的新取件码为{code}（{door}号柜门），旧取件码和二维码已失效，"
        "{deadline}前免费保管。"
    ),
    ("reissued", "en"): (
        "[{locker}] Your new pickup code is {code} (door {door}); the old code and QR no longer "
        "work. Storage is free until {deadline}."
    ),
    ("reminder", "zh"): (
        "【{locker}】您的包裹仍在{door}号柜门，{deadline}前免费保管（还剩约{hours}小时），"
        "请用首条短信中的取件码取件。"
    ),
    ("reminder", "en"): (
        "[{locker}] Your parcel is still in door {door}: storage is free until {deadline} "
        "(about {hours} h left). Use the code from your first message."
    ),
    ("expired", "zh"): (
        "【{locker}】您的包裹{tracking}已超过免费保管期，将由快递员取回，请联系快递公司重新投递。"
    ),
    ("expired", "en"): (
        "[{locker}] Parcel {tracking} was not collected in time: the courier takes it back. "
        "Contact the carrier to have it delivered again."
    ),
    ("withdrawn", "zh"): "【{locker}】包裹{tracking}已被快递员撤回，之前的取件码已失效。",
    ("withdrawn", "en"): (
        "[{locker}] Parcel {tracking} was taken back by the courier; the code you were sent "
        "no longer works."
    ),
}

_SUBJECTS = {
    ("deposited", "zh"): "您的包裹已到{locker}",
    ("deposited", "en"): "Your parcel is at {locker}",
    ("reissued", "zh"): "{locker}：新的取件码",
    ("reissued", "en"): "{locker}: your new pickup code",
    ("reminder", "zh"): "{locker}：请尽快取件",
    ("reminder", "en"): "{locker}: your parcel is waiting",
    ("expired", "zh"): "{locker}：包裹已超过保管期",
    ("expired", "en"): "{locker}: your parcel was not collected",
    ("withdrawn", "zh"): "{locker}：包裹已撤回",
    ("withdrawn", "en"): "{locker}: your parcel was taken back",
}

_QR_LINE = {
    "zh": "把附件中的二维码对准取件柜的摄像头，或在键盘上输入取件码。",
    "en": "Hold the attached QR code up to the locker's camera, or type the code on its keypad.",
}
_ADDRESS_LINE = {"zh": "地址：{address}", "en": "Address: {address}"}
_SIZE_LINE = {"zh": "柜门尺寸：{size}", "en": "Door size: {size}"}


def sms(kind: str, language: str, facts: MessageFacts) -> SmsParts:
    """The SMS of `kind` in `language` about the parcel `facts` describe."""
    params = _params(kind, language, facts)
    text = _SMS[(kind, language)].format(**params)
    return SmsParts(f"{kind}.{language}", params, text)


def email(kind: str, language: str, facts: MessageFacts) -> EmailParts:
    """The e-mail of `kind` in `language`: the SMS's words, the address and door size, and the
    QR attached where the message carries one."""
    params = _params(kind, language, facts)
    lines = [_SMS[(kind, language)].format(**params)]
    if facts.address:
        lines.append(_ADDRESS_LINE[language].format(address=facts.address))
    if kind == "deposited":
        lines.append(_SIZE_LINE[language].format(size=facts.size))
    qr = facts.qr if kind in ("deposited", "reissued", "reminder") else None
    if qr:
        lines.append(_QR_LINE[language])
    subject = _SUBJECTS[(kind, language)].format(locker=facts.locker)
    body = "\n\n".join(lines)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    image = '<p><img src="cid:pickup-qr" alt="QR" width="240" height="240"></p>' if qr else ""
    page = f'<!doctype html><html lang="{language}"><body>{paragraphs}{image}</body></html>'
    return EmailParts(subject, body + "\n", page, qr)
