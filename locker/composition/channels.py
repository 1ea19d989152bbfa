"""The message channels the settings configure: SMS, e-mail and the carriers' webhooks."""

from __future__ import annotations

from collections.abc import Callable

from locker.config import Settings, SettingsError
from locker.message_channel import EMAIL, SMS, WEBHOOK, MessageChannel


def _sms(settings: Settings) -> MessageChannel:
    common = {
        "access_key_id": settings.sms_access_key_id,
        "access_key_secret": settings.sms_access_key_secret,
        "sign_name": settings.sms_sign_name,
        "templates": settings.sms_templates,
        "region": settings.sms_region,
        "endpoint": settings.sms_endpoint,
        "timeout_s": settings.sms_timeout_seconds,
    }
    if settings.sms_gateway == "http":
        from locker.notify.sms_http import HttpSmsGateway

        return HttpSmsGateway(
            url=settings.sms_url, secret=settings.sms_secret, timeout_s=settings.sms_timeout_seconds
        )
    if settings.sms_gateway == "aliyun":
        from locker.notify.sms_aliyun import AliyunSms

        return AliyunSms(**common)  # type: ignore[arg-type]
    from locker.notify.sms_tencent import TencentSms

    return TencentSms(app_id=settings.sms_app_id, **common)  # type: ignore[arg-type]


def _email(settings: Settings, locker_id: str) -> MessageChannel:
    from locker.notify.email_smtp import SmtpChannel

    return SmtpChannel(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password,
        sender=settings.smtp_from,
        timeout_s=settings.smtp_timeout_seconds,
        message_id_domain=locker_id,
    )


def _webhook(settings: Settings) -> MessageChannel:
    from locker.notify.webhook import WebhookChannel

    targets = {
        carrier: (url, settings.webhook_secrets[carrier])
        for carrier, url in settings.webhook_urls.items()
    }
    return WebhookChannel(targets, settings.webhook_timeout_seconds)


def channels_from(settings: Settings, locker_id: str = "locker") -> dict[str, MessageChannel]:
    """One channel per way of reaching people that the settings configure; none: {}.

    A channel whose settings it refuses (an empty key, a sender that is no address) is a
    settings error, said in one line.
    """
    wanted: dict[str, Callable[[], MessageChannel]] = {}
    if settings.sms_gateway:
        wanted[SMS] = lambda: _sms(settings)
    if settings.smtp_host:
        wanted[EMAIL] = lambda: _email(settings, locker_id)
    if settings.webhook_urls:
        wanted[WEBHOOK] = lambda: _webhook(settings)
    channels = {}
    for name, build in wanted.items():
        try:
            channels[name] = build()
        except ValueError as error:
            raise SettingsError(f"the {name} channel: {error}") from None
    return channels
