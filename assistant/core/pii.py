"""Personal data in free text: IINs, Kazakh phone numbers, e-mails and payment cards.

One masking used wherever text leaves the request: stored feedback, the API's and the bot's
logs, eval artifacts. IINs (and BINs) are 12 digits whose last digit is the check digit of the
Kazakh two-pass weighted sum; cards are 13–19 digits (grouped by spaces or hyphens or not)
that pass Luhn; phones are Kazakh numbers (+7 / 8 / 7 and ten digits starting with 7).
Other numbers (article numbers, amounts, dates, case numbers, decimals) are kept, and so are
identifiers with long digit runs: UUIDs, snapshot names, hashes and timestamps.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits joined to other digits by a point belong to a decimal number (timings, scores), not to
# a card, an IIN or a phone. Commas stay separators: "87012345678,87012345679" is two phones.
_NOT_DECIMAL = r"(?<!\d\.)"
_NOT_DECIMAL_AFTER = r"(?!\.\d)"
# 12–19 digits in a row, optionally grouped: candidates for a card or an IIN.
_DIGIT_RUN = re.compile(rf"(?<!\d){_NOT_DECIMAL}\d(?:[ -]?\d){{11,18}}(?!\d){_NOT_DECIMAL_AFTER}")
_IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")
# Kazakh numbers: optional +7 / 8 / 7, then ten digits starting with 7 (mobile 70x–77x and
# city codes 71x–72x), with spaces, hyphens or brackets between the groups; a label glued before
# it ("тел87012345678") does not hide it.
PHONE = re.compile(
    rf"(?<![\d+]){_NOT_DECIMAL}(?:\+\s?7|8|7)?[ \t(-]{{0,2}}7(?:[ \t()-]{{0,2}}\d){{9}}"
    rf"(?!\d){_NOT_DECIMAL_AFTER}"
)

# Identifiers, kept whole before anything is masked. A token of Latin letters, digits, "_" and
# "-" in which a digit is directly followed by a Latin letter or "_" is a name a machine made:
# snapshot "20261207T091234123456-3fc5e14f", hashes, "20261207T091234Z". A person writes a
# label before a number ("IIN870412300123", "тел87012345678"), not a letter glued after it,
# and a Latin-Kazakh suffix comes after a hyphen ("87012345678-ge"): both stay masked.
# Also UUIDs and compact timestamps YYYYMMDDhhmmss[ffffff] (no card number starts with 19 or 20,
# and they are longer than an IIN).
_TOKEN = "0-9A-Za-z_-"
_GLUED = rf"[{_TOKEN}]*\d[A-Za-z_][{_TOKEN}]*"
_UUID = r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
_STAMP = (
    r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d[0-5]\d\d{0,6}"
)
IDENTIFIER = re.compile(rf"(?<![{_TOKEN}])(?:{_GLUED}|{_UUID}|{_STAMP})(?![{_TOKEN}])")

_IIN_WEIGHTS = (tuple(range(1, 12)), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))


def iin_valid(digits: str) -> bool:
    """True for 12 digits whose last one is the IIN/BIN check digit."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    values = [int(c) for c in digits]
    for weights in _IIN_WEIGHTS:
        check = sum(v * w for v, w in zip(values, weights, strict=False)) % 11
        if check != 10:
            return check == values[11]
    return False


def luhn_valid(digits: str) -> bool:
    """True for a digit string that passes the Luhn check."""
    if not digits.isdigit():
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _mask_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = re.sub(r"\D", "", run)
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return "[card]"
    return _IIN.sub(lambda m: "[iin]" if iin_valid(m.group(0)) else m.group(0), run)


def _mask_numbers(text: str) -> str:
    return PHONE.sub("[phone]", _DIGIT_RUN.sub(_mask_digits, text))


def mask_personal(text: str) -> str:
    """The text with e-mails, card numbers, IINs and phone numbers replaced by placeholders;
    identifiers (UUIDs, snapshot names, hashes, timestamps) are kept."""
    text = EMAIL.sub("[email]", text)
    out, end = [], 0
    for match in IDENTIFIER.finditer(text):
        out += [_mask_numbers(text[end : match.start()]), match.group(0)]
        end = match.end()
    out.append(_mask_numbers(text[end:]))
    return "".join(out)


def mask_value(value: Any) -> Any:
    """``mask_personal`` applied to every string inside JSON-like data (dicts, lists)."""
    if isinstance(value, str):
        return mask_personal(value)
    if isinstance(value, Mapping):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return value


class MaskingFilter(logging.Filter):
    """Masks a record's message, string arguments, traceback and stack.

    Arguments stay arguments (numbers stay numbers), so formatters that unpack ``record.args``
    (uvicorn's access log) keep working. Attach it to handlers, not loggers: handler filters
    also see records that propagate from library loggers.
    """

    def __init__(self, mask: Callable[[str], str] = mask_personal) -> None:
        super().__init__()
        self.mask = mask

    def _arg(self, value: object) -> object:
        return value if isinstance(value, int | float) else self.mask(str(value))

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(str(record.msg))
        if isinstance(record.args, Mapping):
            record.args = {k: self._arg(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(self._arg(a) for a in record.args)
        # Personal data split between the message and its arguments: give up the arguments.
        try:
            merged = record.getMessage()
        except (TypeError, ValueError):
            merged = f"{record.msg} {record.args}"
            record.args = None
        if self.mask(merged) != merged or record.args is None:
            record.msg, record.args = self.mask(merged), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True
