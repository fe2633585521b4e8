"""Reading the cells of Innovate UK's participant data as the publisher writes them.

Each quirk has two readers that must agree: a scalar one (one cell; raises RowProblem with a
readable reason — used row by row and to word every error) and a vectorised Polars expression
(a whole column at once, for files of hundreds of thousands of rows). The tests check that they
agree. Money comes out as integer pence, computed from the digits (never through a float).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import polars as pl

from northstar.ingest.framework import RowProblem
from northstar.organisations.models import SizeClass

from .models import ProjectStatus

# ------------------------------------------------------------------------------------------
# Cells to text: the xlsx reader (calamine, through fastexcel) gives each cell as text; numbers
# come as their digits ('1234.5', whole numbers without '.0'), booleans as 'true'/'false' and
# dates as 'YYYY-MM-DD HH:MM:SS'. These readers turn that into the text a CSV export holds.
# ------------------------------------------------------------------------------------------

EXCEL_DATETIME_RE = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}) [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$"
EXCEL_BOOLEANS = {"true": "Yes", "false": "No"}


def excel_text(value: str | None) -> str | None:
    """A cell's text from calamine as a spreadsheet shows it: a date (and time) as its ISO
    date, TRUE/FALSE as Yes/No."""
    if value is None:
        return None
    match = re.match(EXCEL_DATETIME_RE, value)
    if match:
        return match.group(1)
    return EXCEL_BOOLEANS.get(value, value)


def excel_text_expr(column: str) -> pl.Expr:
    text = pl.col(column)
    return (
        pl.when(text.str.contains(EXCEL_DATETIME_RE))
        .then(text.str.slice(0, 10))
        .when(text.is_in(list(EXCEL_BOOLEANS)))
        .then(text.replace_strict(EXCEL_BOOLEANS, default=None, return_dtype=pl.String))
        .otherwise(text)
    )


# Control characters and non-breaking spaces read as spaces (Python and Polars agree on what
# else is white space).
ODD_SPACES = "[\x00-\x1f\x7f\xa0]"


def clean(value) -> str:
    """A cell's text without surrounding space (and with odd spaces as spaces)."""
    if value is None:
        return ""
    return re.sub(ODD_SPACES, " ", str(value)).strip()


def clean_expr(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.replace_all(ODD_SPACES, " ").str.strip_chars()


# ------------------------------------------------------------------------------------------
# Money: '£1,234.56', '1234.5', '£-20', '12,000' → pence. Blank (or '-') is no figure.
# ------------------------------------------------------------------------------------------

MONEY_RE = r"^(-£|£-|-|£)?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$"
MONEY_BLANKS = ("", "-", "n/a", "na")
MAX_POUND_DIGITS = 12  # up to £999,999,999,999.99


def parse_money(value, column: str, *, required: bool, allow_negative: bool = False) -> int | None:
    text = re.sub(r"\s", "", clean(value))
    if text.lower() in MONEY_BLANKS:
        if required:
            raise RowProblem("the cell is empty; an amount in pounds is needed", column)
        return None
    if not re.match(MONEY_RE, text):
        raise RowProblem(f"{clean(value)!r} is not an amount of money in pounds", column)
    negative = "-" in text
    pounds, _, fraction = re.sub(r"[£,\-]", "", text).partition(".")
    if len(pounds) > MAX_POUND_DIGITS:
        raise RowProblem(f"{clean(value)!r} is too large an amount", column)
    fraction = (fraction + "000")[:3]
    pence = int(pounds) * 100 + int(fraction[:2]) + (1 if fraction[2] >= "5" else 0)
    if negative and pence:
        if not allow_negative:
            raise RowProblem(
                f"{clean(value)!r} is negative; this amount cannot be below zero", column
            )
        pence = -pence
    return pence


def money_columns(
    frame: pl.LazyFrame, column: str, out: str, *, required: bool, allow_negative: bool = False
) -> pl.LazyFrame:
    """Adds `out` (pence; null where blank or bad) and `out:bad` for a money column.

    Built in steps (each materialised), not as one expression: the parts are used several
    times, and one nested expression would compute them again for every use."""
    t = f"{out}:tmp:"
    frame = frame.with_columns(clean_expr(column).str.replace_all(r"\s", "").alias(t + "text"))
    text = pl.col(t + "text")
    frame = frame.with_columns(
        text.str.to_lowercase().is_in(list(MONEY_BLANKS)).alias(t + "blank"),
        text.str.contains(MONEY_RE).alias(t + "ok"),
        text.str.contains("-", literal=True).alias(t + "minus"),
        text.str.replace_all(r"[£,\-]", "").str.split_exact(".", 1).alias(t + "parts"),
    )
    parts = pl.col(t + "parts")
    frame = frame.with_columns(
        parts.struct.field("field_0").alias(t + "pounds"),
        parts.struct.field("field_1")
        .fill_null("")
        .str.pad_end(3, "0")
        .str.slice(0, 3)
        .alias(t + "fraction"),
    )
    pounds, fraction = pl.col(t + "pounds"), pl.col(t + "fraction")
    frame = frame.with_columns(
        (
            pounds.cast(pl.Int64, strict=False) * 100
            + fraction.str.slice(0, 2).cast(pl.Int64, strict=False)
            + (fraction.str.slice(2, 1) >= "5").cast(pl.Int64)
        ).alias(t + "pence"),
        (pounds.str.len_chars() > MAX_POUND_DIGITS).alias(t + "large"),
    )
    pence, blank, ok = pl.col(t + "pence"), pl.col(t + "blank"), pl.col(t + "ok")
    negative = pl.col(t + "minus") & (pence != 0)
    bad = ~blank & (~ok | pl.col(t + "large"))
    if not allow_negative:
        bad = bad | (~blank & negative)
    if required:
        bad = bad | blank
    frame = frame.with_columns(bad.alias(f"{out}:bad"))
    value = (
        pl.when(blank | pl.col(f"{out}:bad"))
        .then(None)
        .when(negative)
        .then(-pence)
        .otherwise(pence)
    )
    return frame.with_columns(value.alias(out)).drop(
        [
            t + n
            for n in (
                "text",
                "blank",
                "ok",
                "minus",
                "parts",
                "pounds",
                "fraction",
                "pence",
                "large",
            )
        ]
    )


# ------------------------------------------------------------------------------------------
# Dates: Excel dates (read as ISO text), 'dd/mm/yyyy' text, or an Excel day number.
# ------------------------------------------------------------------------------------------

ISO_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?$"
UK_DATE_RE = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( .*)?$"
SERIAL_RE = r"^[0-9]{5}(\.[0-9]+)?$"
EXCEL_EPOCH = dt.date(1899, 12, 30)
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)


def parse_date(value, column: str, *, required: bool) -> dt.date | None:
    text = clean(value)
    if text == "":
        if required:
            raise RowProblem("the cell is empty; a date is needed", column)
        return None
    try:
        if re.match(ISO_DATE_RE, text):
            day = _calendar_date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
        elif re.match(UK_DATE_RE, text):
            d, m, y = text.split(" ")[0].split("/")
            day = _calendar_date(int(y), int(m), int(d), day_first=True)
        elif re.match(SERIAL_RE, text):
            day = EXCEL_EPOCH + dt.timedelta(days=int(text.split(".")[0]))
        else:
            raise ValueError("expected dd/mm/yyyy")
    except ValueError as why:
        raise RowProblem(f"{text!r} is not a date ({why})", column) from None
    if not EARLIEST <= day <= LATEST:
        raise RowProblem(
            f"{text!r} is outside the dates this file can hold ({EARLIEST.year}–{LATEST.year})",
            column,
        )
    return day


def _calendar_date(year: int, month: int, day: int, *, day_first: bool = False) -> dt.date:
    """The date, or a ValueError saying which part cannot be (a month/day/year date read as
    day/month/year is the usual cause)."""
    if not 1 <= month <= 12:
        if day_first and 1 <= day <= 12:
            raise ValueError(
                f"there is no month {month}: dates are day/month/year, not month/day/year"
            )
        raise ValueError(f"there is no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"{calendar.month_name[month]} {year} has {last} days")
    return dt.date(year, month, day)


def date_columns(frame: pl.LazyFrame, column: str, out: str, *, required: bool) -> pl.LazyFrame:
    """Adds `out` (the date; null where blank or bad) and `out:bad`, in steps."""
    t = f"{out}:tmp:"
    frame = frame.with_columns(clean_expr(column).alias(t + "text"))
    text = pl.col(t + "text")
    iso = text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    uk = text.str.split(" ").list.first().str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    days = text.str.split(".").list.first().cast(pl.Int64, strict=False)
    serial = pl.date(1899, 12, 30) + pl.duration(days=days)
    frame = frame.with_columns(
        pl.when(text.str.contains(UK_DATE_RE))
        .then(uk)
        .when(text.str.contains(ISO_DATE_RE))
        .then(iso)
        .when(text.str.contains(SERIAL_RE))
        .then(serial)
        .otherwise(None)
        .alias(t + "day"),
        (text == "").alias(t + "blank"),
    )
    day, blank = pl.col(t + "day"), pl.col(t + "blank")
    bad = ~blank & (day.is_null() | ~day.is_between(pl.lit(EARLIEST), pl.lit(LATEST)))
    if required:
        bad = bad | blank
    frame = frame.with_columns(bad.alias(f"{out}:bad"))
    value = pl.when(blank | pl.col(f"{out}:bad")).then(None).otherwise(day)
    return frame.with_columns(value.alias(out)).drop([t + "text", t + "day", t + "blank"])


# ------------------------------------------------------------------------------------------
# Flags: 'Yes'/'No' (and the variants seen: Y/N, True/False, 1/0, 'Withdrawn'). Blank is No.
# ------------------------------------------------------------------------------------------

FLAGS: dict[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "withdrawn": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "": False,
    "active": False,
    "not withdrawn": False,
}


def parse_flag(value, column: str) -> bool:
    text = " ".join(clean(value).split()).lower()
    if text not in FLAGS:
        raise RowProblem(f"{clean(value)!r} is not Yes or No", column)
    return FLAGS[text]


def flag_exprs(column: str) -> tuple[pl.Expr, pl.Expr]:
    """(flag, is bad)."""
    text = clean_expr(column).str.replace_all(r"\s+", " ").str.to_lowercase()
    flag = text.replace_strict(FLAGS, default=None, return_dtype=pl.Boolean)
    return flag, flag.is_null()


# ------------------------------------------------------------------------------------------
# Enterprise size: Innovate UK's labels → SizeClass (and whether the participant is an SME).
# ------------------------------------------------------------------------------------------

SIZE_LABELS: dict[str, tuple[str, bool]] = {
    "micro": (SizeClass.MICRO, True),
    "micro enterprise": (SizeClass.MICRO, True),
    "micro business": (SizeClass.MICRO, True),
    "small": (SizeClass.SMALL, True),
    "small enterprise": (SizeClass.SMALL, True),
    "small business": (SizeClass.SMALL, True),
    "medium": (SizeClass.MEDIUM, True),
    "medium enterprise": (SizeClass.MEDIUM, True),
    "medium sized": (SizeClass.MEDIUM, True),
    "medium business": (SizeClass.MEDIUM, True),
    # Published only as an SME, its size band not given.
    "sme": (SizeClass.UNKNOWN, True),
    "micro small": (SizeClass.UNKNOWN, True),
    "small medium": (SizeClass.UNKNOWN, True),
    "small or medium": (SizeClass.UNKNOWN, True),
    "small and medium": (SizeClass.UNKNOWN, True),
    "large": (SizeClass.LARGE, False),
    "large enterprise": (SizeClass.LARGE, False),
    "large business": (SizeClass.LARGE, False),
    "academic": (SizeClass.ACADEMIC, False),
    "academic and research": (SizeClass.ACADEMIC, False),
    "academic institution": (SizeClass.ACADEMIC, False),
    "university": (SizeClass.ACADEMIC, False),
    "research": (SizeClass.ACADEMIC, False),
    "research organisation": (SizeClass.ACADEMIC, False),
    "research and technology organisation": (SizeClass.ACADEMIC, False),
    "rto": (SizeClass.ACADEMIC, False),
    "catapult": (SizeClass.ACADEMIC, False),
    "public sector charity or non profit": (SizeClass.PUBLIC_OTHER, False),
    "public sector charity or not for profit": (SizeClass.PUBLIC_OTHER, False),
    "public sector charity or other": (SizeClass.PUBLIC_OTHER, False),
    "public sector charity and non profit": (SizeClass.PUBLIC_OTHER, False),
    "public sector charity and not for profit": (SizeClass.PUBLIC_OTHER, False),
    "public sector": (SizeClass.PUBLIC_OTHER, False),
    "public sector organisation": (SizeClass.PUBLIC_OTHER, False),
    "pso": (SizeClass.PUBLIC_OTHER, False),
    "charity": (SizeClass.PUBLIC_OTHER, False),
    "non profit": (SizeClass.PUBLIC_OTHER, False),
    "not for profit": (SizeClass.PUBLIC_OTHER, False),
    "other": (SizeClass.PUBLIC_OTHER, False),
    "": (SizeClass.UNKNOWN, False),
    "unknown": (SizeClass.UNKNOWN, False),
    "not known": (SizeClass.UNKNOWN, False),
    "n a": (SizeClass.UNKNOWN, False),
}


def label_key(value) -> str:
    """A label as a lookup key: lower case, '&' as 'and', punctuation as spaces."""
    text = clean(value).lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def label_key_expr(column: str) -> pl.Expr:
    return (
        clean_expr(column)
        .str.to_lowercase()
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )


def parse_size(value, column: str) -> tuple[str, bool]:
    key = label_key(value)
    if key not in SIZE_LABELS:
        raise RowProblem(
            f"{clean(value)!r} is not an enterprise size Innovate UK uses (Micro, Small, Medium, "
            "Large, Academic, Public Sector, charity or non Profit)",
            column,
        )
    size, sme = SIZE_LABELS[key]
    return str(size), sme


def size_exprs(column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(size class, is SME, is bad)."""
    key = label_key_expr(column)
    size = key.replace_strict(
        {k: str(v[0]) for k, v in SIZE_LABELS.items()}, default=None, return_dtype=pl.String
    )
    sme = key.replace_strict(
        {k: v[1] for k, v in SIZE_LABELS.items()}, default=None, return_dtype=pl.Boolean
    )
    return size, sme, size.is_null()


# ------------------------------------------------------------------------------------------
# Company registration numbers: 8 characters; leading zeros restored (1234567 → 01234567,
# SC12345 → SC012345). Blank, 'N/A' or all zeros: none.
# ------------------------------------------------------------------------------------------

CRN_RE = r"^([A-Z]{0,2})([0-9]+)$"
CRN_BLANKS = ("", "N/A", "NA", "-", "NONE")


def normalise_crn(value, column: str) -> str:
    text = re.sub(r"\s", "", clean(value)).upper()
    if re.fullmatch(r"[0-9]+\.0+", text):
        text = text.split(".")[0]
    if text in CRN_BLANKS or re.fullmatch(r"0+", text):
        return ""
    match = re.match(CRN_RE, text)
    if match is None or len(match.group(2)) > 8 - len(match.group(1)):
        raise RowProblem(
            f"{clean(value)!r} is not a company registration number (8 characters, e.g. "
            "01234567 or SC123456)",
            column,
        )
    letters, digits = match.groups()
    return letters + digits.zfill(8 - len(letters))


def crn_columns(frame: pl.LazyFrame, column: str, out: str) -> pl.LazyFrame:
    """Adds `out` (the normalised CRN, '' when none or bad) and `out:bad`, in steps."""
    t = f"{out}:tmp:"
    text = clean_expr(column).str.replace_all(r"\s", "").str.to_uppercase()
    frame = frame.with_columns(text.alias(t + "text"))
    text = pl.col(t + "text")
    frame = frame.with_columns(
        pl.when(text.str.contains(r"^[0-9]+\.0+$"))
        .then(text.str.split(".").list.first())
        .otherwise(text)
        .alias(t + "text")
    )
    frame = frame.with_columns(
        (text.is_in(list(CRN_BLANKS)) | text.str.contains(r"^0+$")).alias(t + "blank"),
        text.str.extract(CRN_RE, 1).alias(t + "letters"),
        text.str.extract(CRN_RE, 2).alias(t + "digits"),
    )
    letters, digits, blank = pl.col(t + "letters"), pl.col(t + "digits"), pl.col(t + "blank")
    width = 8 - letters.str.len_chars()
    frame = frame.with_columns(
        (~blank & (letters.is_null() | (digits.str.len_chars() > width))).alias(f"{out}:bad")
    )
    crn = (
        pl.when(blank | pl.col(f"{out}:bad"))
        .then(pl.lit(""))
        .otherwise(letters + digits.str.zfill(width))
    )
    return frame.with_columns(crn.alias(out)).drop(
        [t + n for n in ("text", "blank", "letters", "digits")]
    )


# ------------------------------------------------------------------------------------------
# Postcodes: with or without the space ('L35TF', 'l3 5tf' → 'L3 5TF'). Anything else is kept as
# published (it cannot place the participant, but it is not an error in the publisher's data).
# ------------------------------------------------------------------------------------------

POSTCODE_RE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"


def normalise_postcode(value) -> str:
    text = re.sub(r"\s", "", clean(value)).upper()
    if re.match(POSTCODE_RE, text):
        return f"{text[:-3]} {text[-3:]}"
    return " ".join(clean(value).upper().split())[:16]


def postcode_expr(column: str) -> pl.Expr:
    text = clean_expr(column).str.replace_all(r"\s", "").str.to_uppercase()
    as_published = (
        clean_expr(column).str.to_uppercase().str.replace_all(r"\s+", " ").str.slice(0, 16)
    )
    return (
        pl.when(text.str.contains(POSTCODE_RE))
        .then(text.str.slice(0, text.str.len_chars() - 3) + " " + text.str.slice(-3))
        .otherwise(as_published)
    )


def is_full_postcode(postcode: str) -> bool:
    return bool(re.match(POSTCODE_RE, postcode.replace(" ", "")))


# ------------------------------------------------------------------------------------------
# Local authority names as keys: 'St. Helens' = 'St Helens'; 'Bristol, City of' = 'Bristol'.
# ------------------------------------------------------------------------------------------


def place_key(value) -> str:
    key = label_key(value)
    key = re.sub(r"^city of ", "", key)
    return re.sub(r" city of$", "", key)


def place_key_expr(column: str) -> pl.Expr:
    return label_key_expr(column).str.replace(r"^city of ", "").str.replace(r" city of$", "")


# ------------------------------------------------------------------------------------------
# Project status and the participant's key within the dataset.
# ------------------------------------------------------------------------------------------

STATUSES: dict[str, str] = {
    "live": ProjectStatus.LIVE,
    "active": ProjectStatus.LIVE,
    "in progress": ProjectStatus.LIVE,
    "open": ProjectStatus.LIVE,
    "closed": ProjectStatus.CLOSED,
    "complete": ProjectStatus.CLOSED,
    "completed": ProjectStatus.CLOSED,
    "finished": ProjectStatus.CLOSED,
    "withdrawn": ProjectStatus.WITHDRAWN,
    "terminated": ProjectStatus.WITHDRAWN,
    "on hold": ProjectStatus.ON_HOLD,
    "suspended": ProjectStatus.ON_HOLD,
    "paused": ProjectStatus.ON_HOLD,
}


def project_status(value) -> str:
    return str(STATUSES.get(label_key(value), ProjectStatus.OTHER))


def status_expr(column: str) -> pl.Expr:
    return label_key_expr(column).replace_strict(
        {k: str(v) for k, v in STATUSES.items()},
        default=str(ProjectStatus.OTHER),
        return_dtype=pl.String,
    )


SOURCE_KEY_LENGTH = 200


def source_key(project_number: str, crn: str, participant_name: str) -> str:
    """The participant's key in the dataset: project number + CRN (or name, without a CRN)."""
    who = crn or " ".join(participant_name.split()).lower()
    return f"{project_number}:{who}"[:SOURCE_KEY_LENGTH]


def source_key_expr(project: pl.Expr, crn: pl.Expr, name: pl.Expr) -> pl.Expr:
    who = (
        pl.when(crn != "")
        .then(crn)
        .otherwise(name.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase())
    )
    return (project + ":" + who).str.slice(0, SOURCE_KEY_LENGTH)
