"""Personal data: what ``assistant.core.pii`` masks and keeps, and that the API and the bot write
no IIN, phone number, e-mail or card number to any file (store, feedback, logs, bot data)."""

from __future__ import annotations

import hashlib
import logging
import logging.config
import re
from datetime import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assistant.api.logs import log_config
from assistant.core.pii import MaskingFilter, iin_valid, luhn_valid, mask_personal, mask_value
from assistant.services import Services
from tests.hardening.conftest import Record

_W1, _W2 = tuple(range(1, 12)), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def _check_digit(body: str) -> int | None:
    for weights in (_W1, _W2):
        check = sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
        if check != 10:
            return check
    return None


def make_iin(body: str) -> str | None:
    """11 digits plus their check digit, or None when no check digit exists."""
    check = _check_digit(body)
    return None if check is None else body + str(check)


def make_card(body: str) -> str:
    """The digits plus a Luhn check digit."""
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


digits = st.text(alphabet="0123456789", min_size=11, max_size=11)
iins = digits.map(make_iin).filter(bool)
cards = st.text(alphabet="0123456789", min_size=12, max_size=18).map(make_card)
PHONE_FORMS = (
    "+7 {a} {b} {c} {d}",
    "+7 ({a}) {b}-{c}-{d}",
    "8{a}{b}{c}{d}",
    "8 ({a}) {b} {c} {d}",
    "+7{a}{b}{c}{d}",
    "7{a}{b}{c}{d}",
    "{a} {b} {c} {d}",
)
phones = st.builds(
    lambda form, a, b, c, d: form.format(a=a, b=b, c=c, d=d),
    st.sampled_from(PHONE_FORMS),
    st.from_regex(r"7[0-7]\d", fullmatch=True),
    st.from_regex(r"\d{3}", fullmatch=True),
    st.from_regex(r"\d{2}", fullmatch=True),
    st.from_regex(r"\d{2}", fullmatch=True),
)
emails = st.from_regex(
    r"[a-z][a-z0-9._+-]{0,15}@[a-z0-9-]{1,12}\.(kz|ru|com|gov\.kz)", fullmatch=True
)
# Words around the data: Kazakh/Russian letters and punctuation, no digits.
words = st.text(alphabet="алқабиссудАЖСНтел :,.;()—\n", max_size=30)


def test_iin_check_digit_follows_the_two_pass_algorithm():
    assert iin_valid("900101300126") and iin_valid("990101300122")
    assert (
        not iin_valid("900101300123") and not iin_valid("90010130012") and not iin_valid("x" * 12)
    )
    # The second pass decides when the first gives 10: 11 digits found by search below.
    body = next(
        f"{n:011d}"
        for n in range(10**10, 10**10 + 10_000)
        if sum(int(c) * w for c, w in zip(f"{n:011d}", _W1, strict=True)) % 11 == 10
        and _check_digit(f"{n:011d}") is not None
    )
    iin = make_iin(body)
    assert iin is not None and iin_valid(iin)
    assert iin_valid(body + str(sum(int(c) * w for c, w in zip(body, _W2, strict=True)) % 11))


@given(before=words, after=words, value=st.one_of(iins, cards, phones, emails))
def test_generated_personal_data_is_always_masked(before: str, after: str, value: str):
    masked = mask_personal(f"{before} {value} {after}")
    assert value not in masked
    assert re.sub(r"\D", "", value) not in re.sub(r"\D", "", masked) or not re.sub(r"\D", "", value)


@given(body=digits, wrong=st.integers(0, 9))
def test_twelve_digits_with_a_wrong_check_digit_are_kept(body: str, wrong: int):
    assume(_check_digit(body) != wrong and not body.startswith("7"))
    text = f"дело № {body}{wrong}"
    assert mask_personal(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "ст. 638 УПК, 25 лет, 10 МРП, 2023 год",
        "дело № 7512-23-00-1/245 от 2024-01-15",
        "штраф 100000 тенге, 7 000 000 тенге",
        "ст. 640-641 УПК РК, ч. 2 ст. 10 Закона",
    ],
)
def test_ordinary_numbers_are_kept(text: str):
    assert mask_personal(text) == text


@given(
    whole=st.integers(0, 10**6),
    value=st.one_of(iins, cards, phones.map(lambda p: re.sub(r"\D", "", p))),
)
def test_digits_of_a_decimal_number_are_kept(whole: int, value: str):
    """Timings and scores such as ``0.4111111111111111`` pass Luhn one time in ten: not a card."""
    for text in (f'"seconds": {whole}.{value},', f"{value}.{whole} с"):
        assert mask_personal(text) == text


def test_masking_is_idempotent_and_reaches_nested_values():
    data = {"q": ["ИИН 900101300126", {"mail": "a@b.kz"}], "n": 5}
    once = mask_value(data)
    assert once == {"q": ["ИИН [iin]", {"mail": "[email]"}], "n": 5}
    assert mask_value(once) == once


def test_log_filter_masks_messages_args_and_tracebacks_but_keeps_number_args():
    try:
        raise ValueError("card 4400 4301 2345 6789 declined")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "%s %s %s %d", ("a@b.kz", "87015551234", "ok", 200),
            sys.exc_info(),
        )  # fmt: skip
    MaskingFilter().filter(record)
    assert record.args == ("[email]", "[phone]", "ok", 200)
    out = logging.Formatter().format(record)
    assert "4400" not in out and "[card]" in out and "87015551234" not in out


def test_split_across_message_and_arguments_is_still_masked(figures: Record):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "ИИН 900101%s", ("300126",), None)
    MaskingFilter().filter(record)
    assert "900101300126" not in record.getMessage()
    figures("pii-unit", leaks=0)


# Identifiers with long digit runs: what the store, the harness and the logs name things with.
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))
hex8 = st.uuids().map(lambda u: u.hex[:8])
# The store's snapshot names (assistant/core/store.py): timestamp with microseconds, uuid hex.
snapshots = st.builds(lambda t, h: t.strftime("%Y%m%dT%H%M%S%f") + "-" + h, moments, hex8)
STAMP_FORMATS = ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y%m%d%H%M%S")
stamps = st.builds(lambda t, f: t.strftime(f), moments, st.sampled_from(STAMP_FORMATS))
hashes = st.builds(
    lambda data, algo: hashlib.new(algo, data).hexdigest(),
    st.binary(max_size=64),
    st.sampled_from(("md5", "sha1", "sha256")),
)
case_numbers = st.one_of(
    st.from_regex(r"№ ?[1-3][а]?-[1-9]\d{1,4}[-/](20)?[0-2]\d", fullmatch=True),
    st.from_regex(r"№ ?75\d\d-[12]\d-00-[1-4][а-я]?/[1-9]\d{0,4}", fullmatch=True),
)
identifiers = st.one_of(snapshots, stamps, hashes, st.uuids().map(str), case_numbers)
LOG_LINES = (
    "store snapshot {} loaded",
    '{{"snapshot": "{}", "seconds": 0.41}}',
    "INFO:     run {}: 24 gates passed",
    "дело {} рассмотрено",
)


@given(value=identifiers, line=st.sampled_from(LOG_LINES), before=words, after=words)
def test_identifiers_are_kept(value: str, line: str, before: str, after: str):
    text = f"{before} {line.format(value)} {after}"
    assert mask_personal(text) == text


@given(
    ident=identifiers,
    value=st.one_of(iins, cards, phones, emails),
    glue=st.sampled_from(["", " ", ": ", "-ge ", "-ке ", ", ", ". "]),
    label=st.sampled_from(["", "IIN", "ИИН", "card ", "tel: ", "ЖСН:"]),
    before=words,
    after=words,
)
def test_personal_data_beside_identifiers_is_still_masked(
    ident: str, value: str, glue: str, label: str, before: str, after: str
):
    """Identifiers on the same line protect only themselves; a label glued before a number or a
    Latin-Kazakh suffix after it (``87012345678-ge``) do not turn personal data into one. (A word
    or punctuation between: digits one space apart may be one grouped card number.)"""
    kept = f"{before} snapshot {ident}; "
    masked = mask_personal(f"{kept}{label}{value}{glue.rstrip()}{after}")
    assert masked.startswith(kept.rstrip())  # a phone takes the space before it
    assert value not in masked[len(kept) :]


def _luhn_snapshot_name() -> str:
    """A snapshot name as the store writes it whose 13 digits after the T pass Luhn: the name the
    server once logged as ``20261207T[card]fc5e14f``."""
    stamp = datetime(2026, 12, 7, 9, 12, 34)
    for micro in range(10**6):
        digits = stamp.strftime("%H%M%S") + f"{micro:06d}" + "3"
        if luhn_valid(digits):
            return stamp.replace(microsecond=micro).strftime("%Y%m%dT%H%M%S%f") + "-3fc5e14f"
    raise AssertionError("no Luhn-valid time")


def test_the_server_log_line_keeps_the_snapshot_name(shared_services, capsys):
    """The server's own logging (assistant.api.logs) on the line it writes when a store loads:
    the real snapshot, and the name that came out as ``20261207T[card]fc5e14f``."""
    # dictConfig rebinds handlers (to this test's captured stderr) and disables other loggers:
    # every logger's state is put back afterwards, so no later test logs into a closed stream.
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    logging.config.dictConfig(log_config())
    try:
        services = Services(shared_services.settings, shared_services.embedder)
        services.load()
        name = services.require().store.manifest.snapshot
        worst = _luhn_snapshot_name()
        logging.getLogger("assistant.services").info("store snapshot %s loaded", worst)
    finally:
        for lg, handlers, level, propagate, disabled in saved:
            lg.handlers, lg.level, lg.propagate, lg.disabled = handlers, level, propagate, disabled
    lines = capsys.readouterr().err.splitlines()
    assert any(line.endswith(f"store snapshot {name} loaded") for line in lines), lines
    assert any(line.endswith(f"store snapshot {worst} loaded") for line in lines), lines
    assert not any("[card]" in line or "[iin]" in line for line in lines), lines
