"""`northstar funding`: the table and the CSV state their filters and sources.

The data is the fixture written by us in the published layout (no copy of the real Innovate UK
workbook is available here).
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from northstar.funding.models import DATASET
from northstar.ingest.framework import run_import

from . import fixtures as fx

ARGS = ["--place", "liverpool-city-region", "--from", "2017-18", "--to", "2021-22"]


@pytest.fixture
def record(lcr, tmp_path):
    return run_import(DATASET, fx.write_xlsx(tmp_path / "iuk-funded.xlsx")).record


def run(*args) -> str:
    out = io.StringIO()
    call_command("funding", *args, stdout=out)
    return out.getvalue()


def test_the_table_by_enterprise_size(record):
    text = run(*ARGS, "--by", "enterprise-size")
    assert "Innovate UK award offered" in text
    assert "SME total (micro + small + medium)" in text
    assert "£400,000.50" in text  # the SME total, worked by hand in test_services
    assert "£765,000.50" in text
    assert "Place: Liverpool City Region" in text
    assert "2017-18 to 2021-22" in text
    assert "Withdrawn participants: excluded" in text
    assert f"iuk-funded.xlsx (SHA-256 {record.sha256}" in text


def test_csv_output_with_filters_and_sources_as_comments(record):
    text = run(*ARGS, "--by", "programme", "--csv")
    comments = [line for line in text.splitlines() if line.startswith("# ")]
    assert any("Place: Liverpool City Region" in c for c in comments)
    assert any(record.sha256 in c and "iuk-funded.xlsx" in c for c in comments)
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert [(r["group"], r["award_offered_gbp"], r["kind"]) for r in rows] == [
        ("Collaborative R&D", "470000.50", "group"),
        ("Smart", "200000.00", "group"),
        ("Industrial Strategy Challenge Fund", "95000.00", "group"),
        ("Total", "765000.50", "total"),
    ]


def test_csv_to_a_file_and_withdrawn_included(record, tmp_path):
    path = tmp_path / "out.csv"
    run(*ARGS, "--include-withdrawn", "--csv", str(path))
    text = path.read_text(encoding="utf-8")
    assert "Withdrawn participants: included" in text
    assert "840000.50" in text


def test_bad_arguments_are_readable_errors(record):
    with pytest.raises(CommandError, match="not a financial year"):
        run("--from", "2017")
    with pytest.raises(CommandError, match="No place called"):
        run("--place", "atlantis")
    with pytest.raises(CommandError, match="starts"):
        run("--from", "2021-22", "--to", "2017-18")


def test_without_data_it_says_where_to_get_it(lcr):
    assert "no Innovate UK participant data matches" in run("--by", "sector")
