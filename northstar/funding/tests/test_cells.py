"""Reading the publisher's cells: each scalar reader by example, and the vectorised readers
agreeing with the scalar ones on the same cells."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northstar.funding import cells
from northstar.ingest.framework import RowProblem
from northstar.organisations.models import SizeClass


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("£1,234.56", 123_456),
        ("1234.5", 123_450),
        ("12,000", 1_200_000),
        (" £ 1,000,000 ", 100_000_000),
        ("0", 0),
        ("£0.00", 0),
        ("1234.5599999999999", 123_456),  # an Excel float as text
        ("0.005", 1),
        ("0.0049", 0),
        ("99.995", 10_000),
    ],
)
def test_money(text, pence):
    assert cells.parse_money(text, "Award", required=True) == pence


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("£12,34x", "not an amount of money"),
        ("1,23,4", "not an amount of money"),
        ("12.3.4", "not an amount of money"),
        ("-500", "is negative; this amount cannot be below zero"),
        ("£-5", "negative"),
        ("", "empty"),
        ("1234567890123", "too large"),
    ],
)
def test_bad_money(text, reason):
    with pytest.raises(RowProblem, match=reason) as problem:
        cells.parse_money(text, "Award Offered (£)", required=True)
    assert problem.value.column == "Award Offered (£)"


def test_money_that_may_be_blank_or_negative():
    assert cells.parse_money("", "Spend", required=False) is None
    assert cells.parse_money("-", "Spend", required=False) is None
    assert cells.parse_money("-£250.10", "Spend", required=False, allow_negative=True) == -25_010


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("01/04/2021", dt.date(2021, 4, 1)),
        ("1/4/2021", dt.date(2021, 4, 1)),
        ("2021-04-01", dt.date(2021, 4, 1)),
        ("2021-04-01 00:00:00", dt.date(2021, 4, 1)),
        ("01/04/2021 00:00", dt.date(2021, 4, 1)),
        ("44287", dt.date(2021, 4, 1)),  # an Excel day number
        ("44287.0", dt.date(2021, 4, 1)),
    ],
)
def test_dates(text, day):
    assert cells.parse_date(text, "Start", required=True) == day


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2020", r"^'31/02/2020' is not a date \(February 2020 has 29 days\)$"),
        ("29/02/2021", r"\(February 2021 has 28 days\)$"),
        ("2021-04-31", r"^'2021-04-31' is not a date \(April 2021 has 30 days\)$"),
        ("04/31/2021", r"\(there is no month 31: dates are day/month/year, not month/day/year\)$"),
        ("14/13/2021", r"\(there is no month 13\)$"),
        ("2021-00-10", r"\(there is no month 0\)$"),
        ("April 2021", r"^'April 2021' is not a date \(expected dd/mm/yyyy\)$"),
        ("01/01/1899", "outside"),
        ("", "empty"),
    ],
)
def test_bad_dates(text, reason):
    with pytest.raises(RowProblem, match=reason):
        cells.parse_date(text, "Start", required=True)


def test_flags():
    assert [
        cells.parse_flag(t, "f") for t in ("Yes", "no", " Y ", "TRUE", "0", "", "Withdrawn")
    ] == [
        True,
        False,
        True,
        True,
        False,
        False,
        True,
    ]
    with pytest.raises(RowProblem, match="'Maybe' is not Yes or No"):
        cells.parse_flag("Maybe", "f")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Micro", (SizeClass.MICRO, True)),
        ("SMALL", (SizeClass.SMALL, True)),
        ("Medium", (SizeClass.MEDIUM, True)),
        ("Large", (SizeClass.LARGE, False)),
        ("Academic", (SizeClass.ACADEMIC, False)),
        ("Research and Technology Organisation", (SizeClass.ACADEMIC, False)),
        ("Public Sector, charity or non Profit", (SizeClass.PUBLIC_OTHER, False)),
        ("Public sector, charity & non-profit", (SizeClass.PUBLIC_OTHER, False)),
        ("SME", (SizeClass.UNKNOWN, True)),
        ("Micro/small", (SizeClass.UNKNOWN, True)),
        ("", (SizeClass.UNKNOWN, False)),
    ],
)
def test_enterprise_sizes(label, expected):
    assert cells.parse_size(label, "Enterprise Size") == expected


@pytest.mark.parametrize(
    ("text", "crn"),
    [
        ("1234567", "01234567"),
        ("01234567", "01234567"),
        ("1234567.0", "01234567"),
        ("sc 12345", "SC012345"),
        ("SC123456", "SC123456"),
        ("R0000123", "R0000123"),
        ("", ""),
        ("N/A", ""),
        ("0", ""),
    ],
)
def test_company_numbers(text, crn):
    assert cells.normalise_crn(text, "CRN") == crn


@pytest.mark.parametrize("text", ["123456789", "SC1234567", "ABC12345", "12-345"])
def test_bad_company_numbers(text):
    with pytest.raises(RowProblem, match="not a company registration number"):
        cells.normalise_crn(text, "CRN")


def test_postcodes_and_place_names():
    assert cells.normalise_postcode("l35tf") == "L3 5TF"
    assert cells.normalise_postcode("WA10  1AA") == "WA10 1AA"
    assert cells.normalise_postcode("75008 Paris") == "75008 PARIS"
    assert cells.place_key("St. Helens") == cells.place_key("St Helens") == "st helens"
    assert cells.place_key("Bristol, City of") == "bristol"
    assert cells.place_key("Kingston upon Hull, City of") == "kingston upon hull"
    assert cells.place_key("Brighton & Hove") == "brighton and hove"


def test_source_key():
    assert cells.source_key("10001", "01234567", "Mersey Medtech Ltd") == "10001:01234567"
    assert cells.source_key("10001", "", "  Mersey   Medtech Ltd ") == "10001:mersey medtech ltd"
    assert len(cells.source_key("1", "", "x" * 500)) == cells.SOURCE_KEY_LENGTH


# --- The vectorised readers agree with the scalar ones -------------------------------------

MONEY_TEXT = st.one_of(
    st.from_regex(r"\A(-£|£-|-|£)?[0-9]{1,3}(,[0-9]{3}){0,3}(\.[0-9]{1,4})?\Z"),
    st.from_regex(r"\A[0-9]{1,14}(\.[0-9]{0,5})?\Z"),
    st.text(alphabet="£,.-0123456789 x", max_size=12),
)


def _scalar(fn, value):
    try:
        return fn(value), False
    except RowProblem:
        return None, True


@settings(max_examples=300, deadline=None)
@given(st.lists(MONEY_TEXT, min_size=1, max_size=30))
def test_vectorised_money_agrees_with_the_scalar_reader(texts):
    frame = pl.DataFrame({"m": texts}, schema={"m": pl.String}).lazy()
    got = cells.money_columns(frame, "m", "p", required=False).select("p", "p:bad").collect().rows()
    for text, (p, is_bad) in zip(texts, got, strict=True):
        value, scalar_bad = _scalar(lambda v: cells.parse_money(v, "m", required=False), text)
        assert (p, is_bad) == (value, scalar_bad), text


DATE_TEXT = st.one_of(
    st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2110, 1, 1)).map(
        lambda d: d.strftime("%d/%m/%Y")
    ),
    st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2110, 1, 1)).map(
        lambda d: d.isoformat()
    ),
    st.integers(min_value=0, max_value=99999).map(str),
    st.from_regex(r"\A[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}\Z"),
    st.text(alphabet="0123456789/- .", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(DATE_TEXT, min_size=1, max_size=30))
def test_vectorised_dates_agree_with_the_scalar_reader(texts):
    frame = pl.DataFrame({"d": texts}, schema={"d": pl.String}).lazy()
    got = (
        cells.date_columns(frame, "d", "day", required=False)
        .select("day", "day:bad")
        .collect()
        .rows()
    )
    for text, (d, is_bad) in zip(texts, got, strict=True):
        value, scalar_bad = _scalar(lambda v: cells.parse_date(v, "d", required=False), text)
        assert (d, is_bad) == (value, scalar_bad), text


CRN_TEXT = st.one_of(
    st.from_regex(r"\A[A-Za-z]{0,3} ?[0-9]{1,9}(\.0)?\Z"),
    st.sampled_from(["", "N/A", "0000", "-", "none"]),
    st.text(alphabet="SC0123 .-", max_size=10),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CRN_TEXT, min_size=1, max_size=30))
def test_vectorised_company_numbers_agree_with_the_scalar_reader(texts):
    frame = pl.DataFrame({"c": texts}, schema={"c": pl.String}).lazy()
    got = cells.crn_columns(frame, "c", "crn").select("crn", "crn:bad").collect().rows()
    for text, (c, is_bad) in zip(texts, got, strict=True):
        value, scalar_bad = _scalar(lambda v: cells.normalise_crn(v, "c"), text)
        assert (c if not is_bad else None, is_bad) == (value, scalar_bad), text


LABELS = st.one_of(
    st.sampled_from(
        [*cells.SIZE_LABELS, "Public Sector, charity or non Profit", "Gigantic", "St. Helens"]
    ),
    st.text(alphabet="abcSME &.,-/", max_size=15),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(LABELS, min_size=1, max_size=30),
    st.lists(st.text(max_size=12), min_size=1, max_size=10),
)
def test_vectorised_labels_flags_postcodes_and_keys_agree(labels, postcodes):
    frame = pl.DataFrame({"s": labels}, schema={"s": pl.String})
    size, sme, bad = cells.size_exprs("s")
    flag, flag_bad = cells.flag_exprs("s")
    rows = frame.select(
        size,
        sme.alias("sme"),
        bad.alias("bad"),
        cells.place_key_expr("s").alias("key"),
        flag.alias("flag"),
        flag_bad.alias("flag_bad"),
        cells.status_expr("s").alias("status"),
    ).rows()
    for text, (s, is_sme, is_bad, key, f, f_bad, status) in zip(labels, rows, strict=True):
        expected, scalar_bad = _scalar(lambda v: cells.parse_size(v, "s"), text)
        assert (None if is_bad else (s, is_sme), is_bad) == (expected, scalar_bad), text
        assert key == cells.place_key(text), text
        flag_value, scalar_flag_bad = _scalar(lambda v: cells.parse_flag(v, "s"), text)
        assert (f, f_bad) == (flag_value, scalar_flag_bad), text
        assert status == cells.project_status(text), text
    frame = pl.DataFrame({"p": postcodes}, schema={"p": pl.String})
    got = frame.select(cells.postcode_expr("p")).to_series().to_list()
    assert got == [cells.normalise_postcode(p) for p in postcodes]


@pytest.mark.parametrize(
    ("calamine", "shown"),
    [
        ("2021-04-01 00:00:00", "2021-04-01"),  # a date cell
        ("2021-04-01 13:05:00", "2021-04-01"),
        ("2021-04-01 13:05:00.250", "2021-04-01"),
        ("true", "Yes"),
        ("false", "No"),
        ("1234567", "1234567"),  # a whole number, without '.0'
        ("120000.5", "120000.5"),
        ("01/04/2021", "01/04/2021"),  # text stays as written
        ("2021-04-01", "2021-04-01"),
        ("  Text ", "  Text "),
        ("True", "True"),
        (None, None),
    ],
)
def test_excel_text_is_what_a_spreadsheet_shows(calamine, shown):
    assert cells.excel_text(calamine) == shown


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=25),
            st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
            st.sampled_from(["true", "false", "TRUE", "2021-04-01 00:00:00.5"]),
        ),
        max_size=30,
    )
)
def test_the_vectorised_excel_text_agrees_with_the_scalar_one(values):
    frame = pl.DataFrame({"c": values}, schema={"c": pl.String})
    got = frame.select(cells.excel_text_expr("c")).to_series().to_list()
    assert got == [cells.excel_text(v) for v in values]
