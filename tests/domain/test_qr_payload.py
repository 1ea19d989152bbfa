"""Pickup QR payloads: format, size budget, signature check and the verdict against a parcel."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
import qrcode
import qrcode.exceptions
from hypothesis import given
from hypothesis import strategies as st

from locker.domain.errors import InvalidInputError
from locker.domain.qr_payload import (
    MAX_PAYLOAD_BYTES,
    PARCEL_DIGITS,
    SERIAL_DIGITS,
    QrCheck,
    QrClaim,
    QrFormatError,
    QrVerdict,
    check_signature,
    encode,
    judge_against_parcel,
    parse,
    to_base36,
    validate_locker_id,
)
from locker.domain.signing import sign
from locker.domain.states import ParcelState

SECRET = b"this locker's secret"
OTHER_SECRET = b"another locker's secret"
LOCKER = "TEST-01"
MAX_PARCEL = 36**PARCEL_DIGITS - 1  # "ZZZZZZ"
MAX_SERIAL = 36**SERIAL_DIGITS - 1  # "ZZ"
LONGEST_LOCKER_ID = "L" * 32  # validate_locker_id admits 1 to 32 characters
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

locker_ids = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=32)
parcel_ids = st.integers(min_value=0, max_value=MAX_PARCEL)
serials = st.integers(min_value=0, max_value=MAX_SERIAL)


def _fits_qr_version_4_m(payload: str) -> bool:
    code = qrcode.QRCode(version=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    try:
        code.make(fit=False)
    except qrcode.exceptions.DataOverflowError:
        return False
    return True


def _with_field(payload: str, index: int, value: str) -> str:
    fields = payload.split(":")
    fields[index] = value
    return ":".join(fields)


# --- base 36 and locker ids -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "digits"),
    [(0, "0"), (9, "9"), (10, "A"), (35, "Z"), (36, "10"), (1295, "ZZ"), (36**6 - 1, "ZZZZZZ")],
)
def test_to_base36_writes_upper_case_digits(number: int, digits: str) -> None:
    assert to_base36(number) == digits
    assert int(digits, 36) == number


def test_to_base36_refuses_negative_numbers() -> None:
    with pytest.raises(InvalidInputError, match="non-negative"):
        to_base36(-1)


@pytest.mark.parametrize("locker_id", ["A", "TEST-01", "locker-7", LONGEST_LOCKER_ID])
def test_a_locker_id_of_1_to_32_letters_digits_or_dashes_is_accepted(locker_id: str) -> None:
    assert validate_locker_id(locker_id) == locker_id


@pytest.mark.parametrize(
    "locker_id", ["", "L" * 33, "TEST 01", "TEST:01", "TEST_01", "TÉST", "TEST-01\n"]
)
def test_a_bad_locker_id_is_refused(locker_id: str) -> None:
    with pytest.raises(InvalidInputError, match="locker id"):
        validate_locker_id(locker_id)


# --- encode and parse -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locker_id", "parcel_id", "serial"),
    [
        ("L", 0, 0),
        (LOCKER, 1, 0),
        (LOCKER, 12345, 7),
        ("lower-and-UPPER-9", MAX_PARCEL, 1),
        (LONGEST_LOCKER_ID, MAX_PARCEL, MAX_SERIAL),
    ],
)
def test_encode_then_parse_gives_back_the_fields(
    locker_id: str, parcel_id: int, serial: int
) -> None:
    payload = encode(SECRET, locker_id, parcel_id, serial)
    claim = parse(payload)
    assert (claim.locker_id, claim.parcel_id, claim.serial) == (locker_id, parcel_id, serial)
    assert claim.signature == sign(SECRET, claim.signed_text)
    assert payload == f"{claim.signed_text}:{claim.signature}"
    assert parse(payload.encode("ascii")) == claim


@given(locker_id=locker_ids, parcel_id=parcel_ids, serial=serials)
def test_any_encoded_payload_parses_back_and_checks_valid(
    locker_id: str, parcel_id: int, serial: int
) -> None:
    payload = encode(SECRET, locker_id, parcel_id, serial)
    assert len(payload.encode("ascii")) <= MAX_PAYLOAD_BYTES
    claim = parse(payload)
    assert claim == QrClaim(locker_id, parcel_id, serial, claim.signature)
    assert check_signature(payload, locker_id, SECRET) == QrCheck(QrVerdict.VALID, claim)


@pytest.mark.parametrize(
    ("parcel_id", "serial"), [(-1, 0), (0, -1), (MAX_PARCEL + 1, 0), (0, MAX_SERIAL + 1)]
)
def test_encode_refuses_a_parcel_id_or_serial_out_of_range(parcel_id: int, serial: int) -> None:
    with pytest.raises(InvalidInputError, match="out of range"):
        encode(SECRET, LOCKER, parcel_id, serial)


def test_encode_refuses_a_bad_locker_id() -> None:
    with pytest.raises(InvalidInputError, match="locker id"):
        encode(SECRET, "no spaces allowed", 1, 0)


def test_the_payload_is_at_most_62_bytes_with_the_longest_locker_id_and_fields() -> None:
    payload = encode(SECRET, LONGEST_LOCKER_ID, MAX_PARCEL, MAX_SERIAL)
    assert len(payload.encode("ascii")) <= MAX_PAYLOAD_BYTES


def test_the_longest_payload_fits_a_qr_version_4_at_error_correction_m() -> None:
    assert _fits_qr_version_4_m(encode(SECRET, LONGEST_LOCKER_ID, MAX_PARCEL, MAX_SERIAL))


def test_the_byte_budget_is_exactly_what_qr_version_4_m_holds() -> None:
    # Pins MAX_PAYLOAD_BYTES to the real capacity of the symbol the kiosk shows.
    assert _fits_qr_version_4_m("x" * MAX_PAYLOAD_BYTES)
    assert not _fits_qr_version_4_m("x" * (MAX_PAYLOAD_BYTES + 1))


def test_a_scanned_line_ending_is_ignored_for_bytes_as_for_text() -> None:
    payload = encode(SECRET, LONGEST_LOCKER_ID, MAX_PARCEL, MAX_SERIAL)
    assert parse(payload + "\r\n") == parse(payload)
    assert parse(payload.encode("ascii") + b"\r\n") == parse(payload)


@pytest.mark.parametrize("wrapped", [" {}", "{}\n", "{}\r\n", "\t{} "])
def test_surrounding_whitespace_is_ignored(wrapped: str) -> None:
    payload = encode(SECRET, LOCKER, 42, 3)
    assert parse(wrapped.format(payload)) == parse(payload)
    assert parse(wrapped.format(payload).encode("ascii")) == parse(payload)


# --- check_signature --------------------------------------------------------------------------

GOOD = encode(SECRET, LOCKER, 42, 3)
ELSEWHERE = encode(OTHER_SECRET, "OTHER-02", 42, 3)

SIGNATURE_CASES: list[tuple[str, str | bytes, QrVerdict]] = [
    ("genuine", GOOD, QrVerdict.VALID),
    ("genuine as bytes", GOOD.encode("ascii"), QrVerdict.VALID),
    ("tampered signature", GOOD[:-1] + ("A" if GOOD[-1] != "A" else "B"), QrVerdict.FORGED),
    ("tampered parcel id", _with_field(GOOD, 2, to_base36(43)), QrVerdict.FORGED),
    ("tampered serial", _with_field(GOOD, 3, to_base36(4)), QrVerdict.FORGED),
    ("signed with another secret", encode(OTHER_SECRET, LOCKER, 42, 3), QrVerdict.FORGED),
    ("empty text", "", QrVerdict.MALFORMED),
    ("empty bytes", b"", QrVerdict.MALFORMED),
    ("garbage", "hello, world", QrVerdict.MALFORMED),
    ("a url", "https://example.com/p/42", QrVerdict.MALFORMED),
    ("wrong prefix", "PL2" + GOOD[3:], QrVerdict.MALFORMED),
    ("lower-case prefix", "pl1" + GOOD[3:], QrVerdict.MALFORMED),
    ("too many fields", GOOD + ":X", QrVerdict.MALFORMED),
    ("too few fields", GOOD.rsplit(":", 1)[0], QrVerdict.MALFORMED),
    ("non-ASCII text", _with_field(GOOD, 1, "TÉST-01"), QrVerdict.MALFORMED),
    ("non-ASCII bytes", GOOD.encode("ascii")[:-1] + b"\xff", QrVerdict.MALFORMED),
    ("lower-case base 36", _with_field(GOOD, 2, "a"), QrVerdict.MALFORMED),
    ("seven-digit parcel id", _with_field(GOOD, 2, "1000000"), QrVerdict.MALFORMED),
    ("three-digit serial", _with_field(GOOD, 3, "100"), QrVerdict.MALFORMED),
    ("empty serial", _with_field(GOOD, 3, ""), QrVerdict.MALFORMED),
    ("short signature", GOOD[:-1], QrVerdict.MALFORMED),
    ("signature with '='", GOOD[:-1] + "=", QrVerdict.MALFORMED),
    ("63 bytes", GOOD + "x" * (63 - len(GOOD)), QrVerdict.MALFORMED),
    ("63 bytes as bytes", (GOOD + "x" * (63 - len(GOOD))).encode(), QrVerdict.MALFORMED),
    ("another locker's code", ELSEWHERE, QrVerdict.OTHER_LOCKER),
    ("another locker, junk signature", _with_field(ELSEWHERE, 4, "A" * 14), QrVerdict.OTHER_LOCKER),
]


@pytest.mark.parametrize(
    ("data", "verdict"),
    [case[1:] for case in SIGNATURE_CASES],
    ids=[case[0] for case in SIGNATURE_CASES],
)
def test_check_signature_gives_the_verdict(data: str | bytes, verdict: QrVerdict) -> None:
    assert check_signature(data, LOCKER, SECRET).verdict is verdict


def test_a_malformed_payload_carries_no_claim() -> None:
    check = check_signature("garbage", LOCKER, SECRET)
    assert check.claim is None
    assert check.locker_id is None


def test_another_lockers_code_names_that_locker_without_its_key() -> None:
    check = check_signature(ELSEWHERE, LOCKER, SECRET)
    assert check.verdict is QrVerdict.OTHER_LOCKER
    assert check.locker_id == "OTHER-02"


def test_a_forged_payload_still_carries_the_claim_it_made() -> None:
    check = check_signature(_with_field(GOOD, 2, to_base36(43)), LOCKER, SECRET)
    assert check.claim is not None
    assert check.claim.parcel_id == 43


@given(position=st.integers(min_value=0, max_value=len(GOOD) - 1), char=st.characters())
def test_no_single_character_change_to_a_genuine_payload_is_valid(position: int, char: str) -> None:
    changed = GOOD[:position] + char + GOOD[position + 1 :]
    if changed != GOOD:
        assert check_signature(changed, LOCKER, SECRET).verdict is not QrVerdict.VALID


# --- judge_against_parcel ---------------------------------------------------------------------

VALID_CHECK = check_signature(GOOD, LOCKER, SECRET)  # parcel 42, serial 3
LATER = NOW + timedelta(days=1)
EARLIER = NOW - timedelta(seconds=1)

JUDGE_CASES: list[tuple[str, ParcelState | None, int | None, datetime | None, QrVerdict]] = [
    ("deposited, in time", ParcelState.DEPOSITED, 3, LATER, QrVerdict.VALID),
    ("deposited, no expiry", ParcelState.DEPOSITED, 3, None, QrVerdict.VALID),
    ("state expired", ParcelState.EXPIRED, 3, LATER, QrVerdict.EXPIRED),
    ("state expired, no expiry", ParcelState.EXPIRED, 3, None, QrVerdict.EXPIRED),
    ("past expires_at", ParcelState.DEPOSITED, 3, EARLIER, QrVerdict.EXPIRED),
    ("exactly at expires_at", ParcelState.DEPOSITED, 3, NOW, QrVerdict.EXPIRED),
    ("collected", ParcelState.COLLECTED, 3, LATER, QrVerdict.USED),
    ("returned", ParcelState.RETURNED, 3, LATER, QrVerdict.WITHDRAWN),
    ("cancelled", ParcelState.CANCELLED, 3, LATER, QrVerdict.WITHDRAWN),
    ("old serial", ParcelState.DEPOSITED, 4, LATER, QrVerdict.REPLACED),
    ("old serial, past expires_at", ParcelState.DEPOSITED, 4, EARLIER, QrVerdict.REPLACED),
    ("no parcel", None, None, None, QrVerdict.UNKNOWN),
    ("no serial", ParcelState.DEPOSITED, None, LATER, QrVerdict.UNKNOWN),
    ("only announced", ParcelState.EXPECTED, 3, LATER, QrVerdict.UNKNOWN),
]


@pytest.mark.parametrize(
    ("state", "serial", "expires_at", "verdict"),
    [case[1:] for case in JUDGE_CASES],
    ids=[case[0] for case in JUDGE_CASES],
)
def test_judge_against_parcel_gives_the_verdict(
    state: ParcelState | None, serial: int | None, expires_at: datetime | None, verdict: QrVerdict
) -> None:
    judged = judge_against_parcel(VALID_CHECK, state, serial, expires_at, NOW)
    assert judged.verdict is verdict
    assert judged.claim == VALID_CHECK.claim


@pytest.mark.parametrize(
    "state", [s for s in ParcelState if s is not ParcelState.DEPOSITED], ids=lambda s: s.value
)
def test_only_a_deposited_parcel_can_be_opened_by_its_qr(state: ParcelState) -> None:
    judged = judge_against_parcel(VALID_CHECK, state, 3, LATER, NOW)
    assert judged.verdict is not QrVerdict.VALID


@pytest.mark.parametrize(
    "data", [GOOD[:-1] + "A" if GOOD[-1] != "A" else GOOD[:-1] + "B", "garbage", ELSEWHERE]
)
def test_a_check_that_failed_the_signature_stage_is_passed_through(data: str) -> None:
    check = check_signature(data, LOCKER, SECRET)
    assert check.verdict is not QrVerdict.VALID
    assert judge_against_parcel(check, ParcelState.DEPOSITED, 3, LATER, NOW) is check


# --- robustness against whatever the scanner reads --------------------------------------------

near_misses = st.lists(
    st.text(string.ascii_letters + string.digits + "-_=:é\x00 ", max_size=16), max_size=7
).map(lambda fields: ":".join(["PL1", *fields]))


def _parse_or_format_error(data: bytes | str) -> None:
    try:
        claim = parse(data)
    except QrFormatError:
        return
    assert isinstance(claim, QrClaim)


@given(st.binary(max_size=200))
def test_parse_of_any_bytes_returns_a_claim_or_raises_qr_format_error(data: bytes) -> None:
    _parse_or_format_error(data)


@given(st.text(max_size=200))
def test_parse_of_any_text_returns_a_claim_or_raises_qr_format_error(data: str) -> None:
    _parse_or_format_error(data)


@given(near_misses)
def test_parse_of_a_near_miss_returns_a_claim_or_raises_qr_format_error(data: str) -> None:
    _parse_or_format_error(data)
    _parse_or_format_error(data.encode("utf-8"))


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), near_misses))
def test_check_signature_never_raises(data: bytes | str) -> None:
    check = check_signature(data, LOCKER, SECRET)
    assert check.verdict in {QrVerdict.MALFORMED, QrVerdict.OTHER_LOCKER, QrVerdict.FORGED}
