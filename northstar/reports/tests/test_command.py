"""`northstar report`: draft (text, PDF, snapshot), issue, list and export, thin over services."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from northstar.reports import calculations as calc
from northstar.reports import services
from northstar.reports.models import Report

from .conftest import pdf_text


def run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_draft_prints_each_sections_key_figures_and_writes_the_pdf(default_data, tmp_path):
    code = services.current_quarter().code
    output = run(
        "draft",
        "--quarter",
        code,
        "--pdf",
        str(tmp_path / "r.pdf"),
        "--json",
        str(tmp_path / "r.json"),
    )
    assert f"{services.current_quarter().label}, Liverpool City Region" in output
    assert "1. Headline indicators against trajectory and target" in output
    assert "R&D expenditure as a percentage of GVA: 1.1% of GVA (2020) — Baseline only" in output
    assert "Budgets published: £273.7m" in output
    assert "Innovation assets in the register: 107" in output
    assert "PDF written to" in output
    assert "DRAFT" in pdf_text((tmp_path / "r.pdf").read_bytes())
    snapshot = json.loads((tmp_path / "r.json").read_text())
    assert snapshot["quarter"]["code"] == code


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["draft", "--quarter", "Q3"], "is not a quarter"),
        (["draft", "--quarter", "2999-00-Q1"], "has not started yet"),
        (["draft", "--place", "Atlantis"], "No place"),
        (["issue", "--user", "nobody"], "No user 'nobody'"),
        (["export", "12345", "--pdf", "x.pdf"], "No issued report 12345"),
    ],
)
def test_bad_input_is_a_readable_error(default_data, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_issue_list_and_export(default_data, officer, board_member, tmp_path):
    with pytest.raises(CommandError, match="Only officers"):
        run("issue", "--user", board_member.username)
    output = run("issue", "--user", officer.username)
    report = Report.objects.get()
    assert f"Issued report {report.pk}" in output and report.pdf_sha256 in output
    with pytest.raises(CommandError, match="say why"):
        run("issue", "--user", officer.username)
    run("issue", "--user", officer.username, "--reason", "Corrected a claim")
    listing = run("list")
    assert "v2" in listing and "v1" in listing
    run(
        "export",
        str(report.pk),
        "--pdf",
        str(tmp_path / "v1.pdf"),
        "--json",
        str(tmp_path / "v1.json"),
    )
    assert (tmp_path / "v1.pdf").read_bytes() == bytes(report.pdf)
    assert calc.sha256_hex((tmp_path / "v1.json").read_bytes()) == report.snapshot_sha256
