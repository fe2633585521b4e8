"""The board report's pure calculations, against hand-worked examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from northstar.programmes.calculations import QuarterPoint
from northstar.reports import calculations as calc
from northstar.reports.calculations import Quarter

D = Decimal


@pytest.mark.parametrize(
    ("day", "code", "label"),
    [
        (date(2026, 11, 22), "2026-27-Q3", "Q3 2026-27 (October to December 2026)"),
        (date(2026, 4, 1), "2026-27-Q1", "Q1 2026-27 (April to June 2026)"),
        (date(2026, 9, 30), "2026-27-Q2", "Q2 2026-27 (July to September 2026)"),
        (date(2027, 3, 31), "2026-27-Q4", "Q4 2026-27 (January to March 2027)"),
        (date(2000, 1, 15), "1999-00-Q4", "Q4 1999-00 (January to March 2000)"),
    ],
)
def test_a_day_falls_in_a_quarter_of_the_financial_year(day, code, label):
    quarter = Quarter.of(day)
    assert quarter.code == code
    assert quarter.label == label
    assert quarter.start <= day <= quarter.end


def test_quarter_ends_and_neighbours():
    q3 = Quarter(date(2026, 10, 1))
    assert q3.end == date(2026, 12, 31)
    assert q3.short_label == "Q3 2026-27"
    assert q3.following == Quarter(date(2027, 1, 1))
    assert q3.following.end == date(2027, 3, 31)
    assert q3.preceding == Quarter(date(2026, 7, 1))
    assert Quarter(date(2026, 4, 1)).preceding == Quarter(date(2026, 1, 1))
    assert Quarter(date(2026, 1, 1)).financial_year_label == "2025-26"


def test_a_quarter_is_its_first_day():
    with pytest.raises(ValueError):
        Quarter(date(2026, 10, 2))
    with pytest.raises(ValueError):
        Quarter(date(2026, 11, 1))


@pytest.mark.parametrize("text", ["2026-27-Q3", "2026-27 Q3", " 2026/27 q3 ", "2026-27Q3"])
def test_quarters_are_written_like_this(text):
    assert calc.parse_quarter(text) == Quarter(date(2026, 10, 1))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is not a quarter"),
        ("Q3", "is not a quarter"),
        ("2026-Q3", "is not a quarter"),
        ("2026-27-Q5", "is not a quarter"),
        ("2026-28-Q3", "is not a financial year"),
        ("2026-27-Q3; drop table", "is not a quarter"),
        ("２０２６-27-Q3", "is not a quarter"),
    ],
)
def test_what_is_not_a_quarter_says_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        calc.parse_quarter(text)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_a_quarters_code_reads_back_as_the_same_quarter(day):
    quarter = Quarter.of(day)
    assert calc.parse_quarter(quarter.code) == quarter
    assert quarter.following.preceding == quarter
    assert (quarter.following.start - quarter.end).days == 1


def test_recent_quarters_newest_first():
    quarters = calc.recent_quarters(date(2026, 11, 22), 3)
    assert [q.code for q in quarters] == ["2026-27-Q3", "2026-27-Q2", "2026-27-Q1"]


def test_programme_output_to_the_end_of_a_quarter():
    # Profile: 10 in Q1, 10 in Q2, 20 in Q4 (cumulative 10, 20, 20, 40);
    # verified: 4 in Q1, 9 in Q3 (cumulative 4, 4, 13, 13).
    q1, q2, q3, q4 = (date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1), date(2027, 1, 1))
    series = [
        QuarterPoint(q1, D(10), D(4)),
        QuarterPoint(q2, D(20), D(4)),
        QuarterPoint(q3, D(20), D(13)),
        QuarterPoint(q4, D(40), D(13)),
    ]
    assert calc.to_end_of(series, q3) == calc.ToDate(target=D(20), actual=D(13), in_quarter=D(9))
    assert calc.to_end_of(series, q2) == calc.ToDate(target=D(20), actual=D(4), in_quarter=D(0))
    assert calc.to_end_of(series, date(2026, 1, 1)) == calc.ToDate(None, D(0), D(0))
    # A quarter with no point of its own: where the series stood at the last point before it.
    sparse = [QuarterPoint(q1, None, D(5))]
    assert calc.to_end_of(sparse, q3) == calc.ToDate(None, D(5), D(0))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("2000000000"), "£2.0bn"),
        (D("273680000.00"), "£273.7m"),
        (D("4240000"), "£4.2m"),
        (D("999999.50"), "£1,000,000"),
        (D("95000"), "£95,000"),
        (D("-1500000"), "-£1.5m"),
        (None, "—"),
    ],
)
def test_money_as_a_board_paper_writes_it(value, text):
    assert calc.money(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1.100000"), "1.1"),
        (D("22777.920272"), "22,778"),
        (D("1.756342"), "1.76"),
        (D("5"), "5"),
        (D("99.999"), "100"),
        (0.35, "0.35"),
        (None, "—"),
    ],
)
def test_figures_as_a_reader_wants_them(value, text):
    assert calc.significant(value) == text


def test_numbers_and_plain_values():
    assert calc.number(D("1234.5")) == "1,235"  # half up
    assert calc.number(D("1234.5"), 2) == "1,234.50"
    assert calc.number(D("-0.4")) == "0"
    assert calc.plain(D("1.100000")) == "1.1"
    assert calc.plain(D("100")) == "100"
    assert calc.percent(D("12.34"), 1) == "12.3%"
    assert calc.long_date(date(2026, 11, 2)) == "2 November 2026"


def test_the_canonical_form_refuses_what_is_not_plain_json():
    assert calc.canonical_json({"b": 1, "a": [1.5, "é"]}) == '{"a":[1.5,"é"],"b":1}'.encode()
    with pytest.raises(TypeError):
        calc.canonical_json({"a": D("1.1")})
    with pytest.raises(TypeError):
        calc.canonical_json({"a": date(2026, 1, 1)})
    with pytest.raises(ValueError):
        calc.canonical_json({"a": float("nan")})


def test_the_content_hash_ignores_when_and_how_a_snapshot_was_made():
    one = {"sections": [1], "generated_at": "2026-11-22T10:00", "status": "draft", "issue": None}
    two = {**one, "generated_at": "2026-11-23T09:00", "status": "issued", "issue": {"v": 1}}
    assert calc.content_hash(one) == calc.content_hash(two)
    assert calc.content_hash(one) != calc.content_hash({**one, "sections": [2]})


def _snapshot(figures, statuses, ratings, exceptions):
    return {
        "sections": [
            {
                "key": "indicators",
                "title": "Indicators",
                "key_figures": [{"key": k, "label": k.upper(), "value": v} for k, v in figures],
                "statuses": [
                    {"code": c, "name": c.title(), "status": s, "status_label": s.title()}
                    for c, s in statuses
                ],
            },
            {
                "key": "actions",
                "title": "Actions",
                "key_figures": [],
                "ratings": [
                    {"id": i, "title": f"Action {i}", "rag": r, "rag_label": r.title()}
                    for i, r in ratings
                ],
                "exceptions": [{"id": i, "title": f"Action {i}", "why": w} for i, w in exceptions],
            },
        ]
    }


def test_what_changed_between_two_snapshots():
    before = _snapshot(
        figures=[("a", "1"), ("b", "2"), ("gone", "3")],
        statuses=[("rd", "on_track"), ("gva", "no_data")],
        ratings=[(1, "green"), (2, "amber"), (3, "red")],
        exceptions=[(3, "Red")],
    )
    after = _snapshot(
        figures=[("a", "1"), ("b", "5"), ("new", "7")],
        statuses=[("rd", "off_track"), ("gva", "no_data"), ("added", "met")],
        ratings=[(1, "red"), (2, "amber"), (4, "green")],
        exceptions=[(1, "Red, Overdue by 3 days")],
    )
    changes = calc.diff_snapshots(before, after)
    assert changes["figures"] == [
        {"section": "Indicators", "label": "B", "before": "2", "after": "5"},
        {"section": "Indicators", "label": "NEW", "before": None, "after": "7"},
        {"section": "Indicators", "label": "GONE", "before": "3", "after": None},
    ]
    assert changes["statuses"] == [{"indicator": "Rd", "before": "On_Track", "after": "Off_Track"}]
    assert changes["rag"] == [{"action": "Action 1", "before": "Green", "after": "Red"}]
    assert changes["new_exceptions"] == [{"action": "Action 1", "why": "Red, Overdue by 3 days"}]
    assert changes["resolved_exceptions"] == [{"action": "Action 3", "why": "Red"}]
    assert calc.has_changes(changes)


def test_nothing_changed_is_said_so():
    same = _snapshot([("a", "1")], [("rd", "met")], [(1, "green")], [])
    changes = calc.diff_snapshots(same, same)
    assert not calc.has_changes(changes)
    assert all(v == [] for v in changes.values())
