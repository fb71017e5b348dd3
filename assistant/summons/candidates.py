"""Reading and validating a candidate list (CSV or XLSX): every row checked, every problem
reported with its row number, nothing returned unless all rows pass."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant.core.pii import EMAIL, iin_valid

# Column names as secretaries write them (kk, ru, en), folded to one key.
COLUMNS: dict[str, tuple[str, ...]] = {
    "iin": ("iin", "иин", "жсн"),
    "full_name": ("full_name", "name", "фио", "аты-жөні", "аты жөні", "фамилия имя отчество"),
    "birth_date": ("birth_date", "дата рождения", "туған күні", "туған күн"),
    "phone": ("phone", "телефон"),
    "email": ("email", "e-mail", "эл. почта", "электронная почта", "электрондық пошта"),
    "address": ("address", "адрес", "мекенжай"),
    "lang": ("lang", "язык", "тіл"),
    "excluded": ("excluded", "исключён", "исключен", "алынып тасталған"),
}
REQUIRED = ("iin", "full_name", "birth_date")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
PHONE_DIGITS = re.compile(r"^(?:\+?7|8)?(7\d{9})$")
MIN_AGE = 25
MAX_ROWS = 100_000


class ListFormatError(ValueError):
    """The file cannot be read as a candidate list at all (format, header)."""


class RowError(BaseModel):
    row: int
    field: str | None
    code: str
    message: str


class CandidateRow(BaseModel):
    row: int
    iin: str
    full_name: str
    birth_date: date
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    lang: str = "kk"


class Checked(BaseModel):
    rows: list[CandidateRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower().replace("ё", "е"))


def _header(raw: list[str]) -> dict[int, str]:
    known = {_fold(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping = {n: known[_fold(h)] for n, h in enumerate(raw) if _fold(h) in known}
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise ListFormatError(f"the header lacks the columns: {', '.join(missing)}")
    return mapping


def read_table(data: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, ``,`` or ``;``) or XLSX file as {column key: text}."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raw_rows = _xlsx_rows(data)
    elif filename.lower().endswith((".csv", ".txt")):
        raw_rows = _csv_rows(data)
    else:
        raise ListFormatError("the list must be a .csv or .xlsx file")
    if not raw_rows:
        raise ListFormatError("the file is empty")
    if len(raw_rows) > MAX_ROWS + 1:
        raise ListFormatError(f"more than {MAX_ROWS} rows")
    mapping = _header(raw_rows[0])
    return [
        {key: (row[n] if n < len(row) else "").strip() for n, key in mapping.items()}
        for row in raw_rows[1:]
    ]


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListFormatError("the CSV file is not UTF-8 text") from exc
    dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t") if content else csv.excel
    return [row for row in csv.reader(io.StringIO(content), dialect) if any(c.strip() for c in row)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ListFormatError(f"the XLSX file cannot be read ({type(exc).__name__})") from exc
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = [_cell(v) for v in values]
        if any(cells):
            rows.append(cells)
    book.close()
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def iin_birth_date(iin: str) -> date | None:
    """The birth date an IIN encodes (YYMMDD and the century digit), None if it encodes none."""
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}.get(iin[6])
    if century is None:
        return None
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def parse_date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def normal_phone(value: str) -> str | None:
    """+7XXXXXXXXXX for a Kazakh mobile number written any usual way, else None."""
    match = PHONE_DIGITS.match(re.sub(r"[\s()\-]", "", value))
    return f"+7{match.group(1)}" if match else None


def check_rows(
    rows: Iterable[dict[str, str]],
    hearing_day: date,
    served_this_year: Callable[[str], bool],
) -> Checked:
    """Validate every row (first data row is row 2, as a spreadsheet shows it)."""
    good: list[CandidateRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(rows, start=2):
        row_errors: list[RowError] = []

        def bad(
            field: str | None, code: str, message: str, n: int = n, out: list = row_errors
        ) -> None:
            out.append(RowError(row=n, field=field, code=code, message=message))

        iin = re.sub(r"\s", "", raw.get("iin", ""))
        name = re.sub(r"\s+", " ", raw.get("full_name", "")).strip()
        birth = parse_date(raw.get("birth_date", ""))
        if not name:
            bad("full_name", "missing", "no full name")
        if birth is None:
            bad("birth_date", "date", "birth date is not a date (YYYY-MM-DD or DD.MM.YYYY)")
        if not re.fullmatch(r"\d{12}", iin):
            bad("iin", "format", "IIN must be 12 digits")
        elif not iin_valid(iin):
            bad("iin", "check_digit", "IIN check digit is wrong")
        else:
            encoded = iin_birth_date(iin)
            if encoded is None or (birth is not None and encoded != birth):
                bad("iin", "birth_mismatch", "IIN does not agree with the birth date")
            if iin in seen:
                bad("iin", "duplicate", f"the same IIN as row {seen[iin]}")
            else:
                seen[iin] = n
            if served_this_year(iin):
                bad("iin", "served", "already summoned this calendar year (Law art. 15)")
        if birth is not None and age_on(birth, hearing_day) < MIN_AGE:
            bad("birth_date", "age", f"younger than {MIN_AGE} on the hearing day (Law art. 10)")
        if raw.get("excluded", "").strip().lower() not in ("", "0", "no", "нет", "жоқ", "false"):
            bad("excluded", "excluded", "marked as an excluded category (Law art. 10)")
        phone = raw.get("phone", "")
        phone_ok = normal_phone(phone) if phone else None
        if phone and phone_ok is None:
            bad("phone", "phone", "phone is not a Kazakh mobile number")
        email = raw.get("email", "")
        if email and not EMAIL.fullmatch(email):
            bad("email", "email", "e-mail address is malformed")
        lang = raw.get("lang", "").strip().lower() or "kk"
        if lang not in ("kk", "ru"):
            bad("lang", "lang", "language must be kk or ru")
        if row_errors:
            errors.extend(row_errors)
            continue
        assert birth is not None
        good.append(
            CandidateRow(
                row=n,
                iin=iin,
                full_name=name,
                birth_date=birth,
                phone=phone_ok,
                email=email or None,
                address=raw.get("address") or None,
                lang=lang,
            )
        )
    return Checked(rows=good, errors=errors)


def read_file(path: Path) -> list[dict[str, str]]:
    return read_table(path.read_bytes(), path.name)
