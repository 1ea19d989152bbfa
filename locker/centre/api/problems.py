"""The API's problems (RFC 9457): a stable code each, with its status and words in both languages.

A view refuses with `raise ProblemError("code", name=value)`; the error processor
(`problem_json.py`) turns it, and every other error, into `application/problem+json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiflask import HTTPError

LANGUAGES = ("en", "zh")
TYPE_PREFIX = "urn:parcel-locker:problem:"


@dataclass(frozen=True)
class Problem:
    """One kind of problem: its status (None: the error's own) and its words; `detail` may name
    blanks such as `{fields}`, filled by whoever raises it."""

    status: int | None
    title: Mapping[str, str]
    detail: Mapping[str, str]


PROBLEMS: dict[str, Problem] = {
    "bad_request": Problem(
        400,
        {"en": "Bad request", "zh": "请求有误"},
        {"en": "The request could not be read.", "zh": "无法读取该请求。"},
    ),
    "malformed_json": Problem(
        400,
        {"en": "Malformed JSON", "zh": "JSON 格式错误"},
        {
            "en": "The body must be one JSON value in UTF-8, with finite numbers and at most "
            "a few hundred levels deep.",
            "zh": "请求体须为 UTF-8 编码的单个 JSON 值，数字须为有限值，嵌套不超过数百层。",
        },
    ),
    "unauthorized": Problem(
        401,
        {"en": "Unauthorized", "zh": "未授权"},
        {
            "en": "Send the carrier's token as `Authorization: Bearer <token>`; the one sent is "
            "missing, unknown or revoked.",
            "zh": "请以 `Authorization: Bearer <令牌>` 发送承运商令牌；"
            "所发令牌缺失、无效或已被吊销。",
        },
    ),
    "not_found": Problem(
        404,
        {"en": "Not found", "zh": "未找到"},
        {"en": "There is nothing at this address.", "zh": "此地址下没有内容。"},
    ),
    "no_webhook": Problem(
        404,
        {"en": "No webhook", "zh": "未登记回调地址"},
        {
            "en": "This carrier has no webhook registered through the API.",
            "zh": "该承运商尚未通过 API 登记回调地址（webhook）。",
        },
    ),
    "method_not_allowed": Problem(
        405,
        {"en": "Method not allowed", "zh": "不支持该方法"},
        {
            "en": "This address does not take this method; the Allow header lists those it takes.",
            "zh": "此地址不支持该请求方法；Allow 头列出了支持的方法。",
        },
    ),
    "conflict": Problem(
        409,
        {"en": "Conflict", "zh": "冲突"},
        {"en": "The request conflicts with the present state.", "zh": "该请求与当前状态冲突。"},
    ),
    "idempotency_in_flight": Problem(
        409,
        {"en": "Request in progress", "zh": "请求处理中"},
        {
            "en": "A request with this Idempotency-Key is still being handled; try again shortly.",
            "zh": "使用此 Idempotency-Key 的请求仍在处理中，请稍后重试。",
        },
    ),
    "too_large": Problem(
        413,
        {"en": "Body too large", "zh": "请求体过大"},
        {
            "en": "The body is larger than {limit_kib} KiB.",
            "zh": "请求体超过 {limit_kib} KiB。",
        },
    ),
    "unsupported_media_type": Problem(
        415,
        {"en": "Unsupported media type", "zh": "不支持的媒体类型"},
        {
            "en": "Send the body as application/json.",
            "zh": "请以 application/json 发送请求体。",
        },
    ),
    "invalid_input": Problem(
        422,
        {"en": "Invalid input", "zh": "输入有误"},
        {"en": "Check these fields: {fields}.", "zh": "请检查这些字段：{fields}。"},
    ),
    "idempotency_key_reused": Problem(
        422,
        {"en": "Idempotency-Key reused", "zh": "Idempotency-Key 重复使用"},
        {
            "en": "This Idempotency-Key came with another request; a new request needs a new key.",
            "zh": "此 Idempotency-Key 已用于另一个请求；新的请求须使用新的键。",
        },
    ),
    "rate_limited": Problem(
        429,
        {"en": "Too many requests", "zh": "请求过多"},
        {
            "en": "This token has spent its requests for now; try again in {seconds} s.",
            "zh": "此令牌的请求次数暂时已用完，请在 {seconds} 秒后重试。",
        },
    ),
    # Carriers' orders (locker/centre/carrier_orders.py): the codes are the orders' own.
    "locker.unknown": Problem(
        404,
        {"en": "Unknown locker", "zh": "未知柜机"},
        {"en": "The centre knows no locker {locker}.", "zh": "中心不认识柜机 {locker}。"},
    ),
    "parcel.unknown": Problem(
        404,
        {"en": "Unknown parcel", "zh": "未知包裹"},
        {
            "en": "This carrier has no parcel with this tracking number at any locker.",
            "zh": "该承运商在任何柜机上都没有此运单号的包裹。",
        },
    ),
    "reservation.unknown": Problem(
        404,
        {"en": "Unknown reservation", "zh": "未知预留"},
        {"en": "This carrier has no such reservation.", "zh": "该承运商没有这个预留。"},
    ),
    "parcel.already_deposited": Problem(
        409,
        {"en": "Parcel already deposited", "zh": "包裹已投入柜中"},
        {
            "en": "The parcel is {state} at locker {locker} already: it cannot be pre-advised "
            "or withdrawn.",
            "zh": "包裹已在柜机 {locker} 中（状态：{state}），不能再预报或撤回。",
        },
    ),
    "preadvice.exists": Problem(
        409,
        {"en": "Parcel pre-advised already", "zh": "包裹已预报"},
        {
            "en": "This parcel is pre-advised already ({state}, locker {locker}) with other "
            "details: withdraw it first.",
            "zh": "此包裹已以其他信息预报（{state}，柜机 {locker}），请先撤回。",
        },
    ),
    "preadvice.refused": Problem(
        409,
        {"en": "Pre-advice refused", "zh": "预报被拒绝"},
        {
            "en": "The locker refused this pre-advice: there is nothing to withdraw.",
            "zh": "柜机已拒绝此预报，无可撤回。",
        },
    ),
    "preadvice.busy": Problem(
        409,
        {"en": "Pre-advice changing", "zh": "预报正在变更"},
        {
            "en": "This parcel's pre-advice is changing at this moment; try again.",
            "zh": "此包裹的预报正在变更，请重试。",
        },
    ),
    "server_error": Problem(
        500,
        {"en": "Server error", "zh": "服务器错误"},
        {
            "en": "The centre could not answer this time; try again later.",
            "zh": "中心本次未能处理该请求，请稍后重试。",
        },
    ),
    "http_error": Problem(
        None,
        {"en": "Request failed", "zh": "请求失败"},
        {
            "en": "The request failed with HTTP status {status}.",
            "zh": "请求失败，HTTP 状态码为 {status}。",
        },
    ),
}

# The problem each status means when nothing more precise was said.
CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    500: "server_error",
}


class ProblemError(HTTPError):
    """A refusal with one of the codes in PROBLEMS; `extensions` are added to the problem's
    body as they are (e.g. a parcel's `state`); `params` fill the detail's blanks."""

    def __init__(
        self,
        code: str,
        *,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        status = PROBLEMS[code].status
        if status is None:
            raise ValueError(f"{code} has no status of its own")
        super().__init__(
            status,
            headers=dict(headers or {}),
            extra_data={"code": code, "params": params, "extensions": dict(extensions or {})},
        )
