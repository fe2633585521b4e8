"""The services that edit programmes: one per operation, each checking the permission, validating
through its form, writing all or nothing, and leaving an audit trail in the programme's history."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from northstar.organisations.models import Organisation
from northstar.programmes import services
from northstar.programmes.models import (
    FunderContribution,
    OutputTarget,
    Programme,
    ProgrammeManager,
    Strand,
)

from .conftest import details, funder_rows

pytestmark = pytest.mark.django_db
Q1, Q2, Q3 = date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)


def history_count() -> int:
    return Programme.history.count()


# --- Creating and editing a programme ---


def test_an_officer_creates_a_programme_with_funders_and_it_is_in_its_history(officer, outputs):
    data = details(
        name="Northstar  Test Accelerator",
        lead="Acme University",
        budget="£1,500,000",
        start_date=date(2025, 4, 1),
        end_date=date(2028, 3, 31),
    ) | funder_rows(
        [
            {"funder_name": "Liverpool City Region Combined Authority", "amount": "1000000"},
            {"funder_name": "Acme University", "amount": "500000", "is_match_funding": True},
            {},  # an empty row adds nothing
        ]
    )
    programme = services.create_programme(data, officer)
    programme.refresh_from_db()
    assert programme.name == "Northstar Test Accelerator"  # spacing tidied
    assert programme.slug == "nta"  # from the short name
    assert programme.budget == Decimal("1500000")
    assert (programme.start_date, programme.end_date) == (date(2025, 4, 1), date(2028, 3, 31))
    assert programme.lead_organisation.name == "Acme University"
    funders = {f.funder_name: f for f in programme.funders.all()}
    assert set(funders) == {"Liverpool City Region Combined Authority", "Acme University"}
    assert funders["Acme University"].is_match_funding
    # the same name is the same organisation: the lead and the match funder are one
    assert funders["Acme University"].funder == programme.lead_organisation
    assert Organisation.objects.filter(name="Acme University").count() == 1
    (record,) = programme.history.all()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        officer,
        "Created",
    )
    assert all(f.history.get().history_user == officer for f in funders.values())
    change = services.last_change(programme)
    assert (change.who, change.what) == (officer.username, "Created")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the programme’s name"),
        ({"name": "test innovation PROGRAMME"}, "name", "Another programme already has this name"),
        ({"budget": "-5"}, "budget", "Enter the budget as 0 or more"),
        ({"budget": "lots"}, "budget", "Enter the budget as a number"),
        ({"spend": "1.234"}, "spend", "no more than 2 decimal places"),
        ({"slug": "new"}, "slug", "Web address cannot be “new”"),
        ({"slug": "tip"}, "slug", "Another programme already has this web address"),
        ({"slug": "Not A Slug!"}, "slug", "lower-case letters, numbers and hyphens"),
        ({"start_date": ("31", "2", "2025")}, "start_date", "Start date must be a real date"),
        ({"start_date": ("", "4", "2025")}, "start_date", "Start date must include a day"),
        ({"start_date": ("1", "4", "1066")}, "start_date", "year between 1990 and 2100"),
        (
            {"start_date": date(2025, 4, 1), "end_date": date(2025, 3, 31)},
            "end_date",
            "End date must be the same as or after the start date",
        ),
        (
            {"start_date": date(2000, 4, 1), "end_date": date(2030, 3, 31)},
            "end_date",
            "within 25 years",
        ),
        ({"status": "finished"}, "status", "Select a valid choice"),
    ],
)
def test_a_bad_programme_is_refused_with_the_reason_and_nothing_saved(
    officer, programme, changes, field, message
):
    before = (Programme.objects.count(), history_count(), Organisation.objects.count())
    with pytest.raises(services.ChangeRefused) as refused:
        services.create_programme(details(lead="Somebody New Ltd", **changes), officer)
    assert field in refused.value.errors
    assert any(message in m for m in refused.value.errors[field]), refused.value.errors
    assert (Programme.objects.count(), history_count(), Organisation.objects.count()) == before


def test_a_bad_funder_row_refuses_the_whole_programme(officer, outputs):
    data = details() | funder_rows(
        [
            {"funder_name": "Innovate UK", "amount": "100"},
            {"funder_name": "innovate uk", "amount": "200"},
            {"amount": "300"},
        ]
    )
    with pytest.raises(services.ChangeRefused) as refused:
        services.create_programme(data, officer)
    errors = refused.value.errors
    assert "listed twice" in errors["funders-1-funder_name"][0]
    assert "Enter the funder’s name" in errors["funders-2-funder_name"][0]
    assert not Programme.objects.exists() and not FunderContribution.objects.exists()


@pytest.mark.parametrize("role", ["programme_manager", "assessor", "board_member"])
def test_only_officers_create_programmes(role, outputs):
    from northstar.accounts.tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        services.create_programme(details(), UserFactory(role=role))
    assert not Programme.objects.exists()


def test_editing_details_records_what_changed_and_an_unchanged_form_records_nothing(
    officer, programme
):
    before = history_count()
    services.update_programme(programme, details(programme), officer)
    assert history_count() == before  # nothing changed, nothing recorded
    saved = services.update_programme(
        programme, details(programme, budget="2,000,000", status="closed"), officer
    )
    assert saved.budget == Decimal("2000000") and saved.status == "closed"
    entry = services.programme_history(saved)[0]
    assert (entry.who, entry.what) == (officer.username, "Details changed")
    assert ("budget", "", "2000000.00") in entry.changes
    assert ("status", "live", "closed") in entry.changes
    assert programme.slug == saved.slug == "tip"  # the web address is not editable


def test_a_refused_edit_leaves_the_callers_programme_as_it_was(officer, programme):
    with pytest.raises(services.ChangeRefused):
        services.update_programme(programme, details(programme, name="", budget="9"), officer)
    assert programme.budget is None and programme.name == "Test Innovation Programme"
    programme.refresh_from_db()
    assert programme.budget is None


def test_funders_are_added_renamed_and_removed_in_one_edit(officer, programme):
    services.update_programme(
        programme,
        details(programme)
        | funder_rows([{"funder_name": "Funder A", "amount": "10"}, {"funder_name": "Funder B"}]),
        officer,
    )
    a, b = programme.funders.order_by("funder_name")
    rows = [
        {"funder_name": "Funder A2", "amount": "12"},  # renamed: a new organisation link
        {"funder_name": "Funder B", "DELETE": True},
        {"funder_name": "Funder C", "is_match_funding": True},
    ]
    services.update_programme(programme, details(programme) | funder_rows(rows, [a, b]), officer)
    funders = {f.funder_name: f for f in programme.funders.all()}
    assert set(funders) == {"Funder A2", "Funder C"}
    assert funders["Funder A2"].pk == a.pk and funders["Funder A2"].funder.name == "Funder A2"
    assert funders["Funder A2"].amount == 12
    assert FunderContribution.history.filter(id=b.pk, history_type="-").get().history_user == (
        officer
    )
    assert services.last_change(programme).what == "Funders changed"


def test_dates_cannot_leave_out_quarters_that_have_targets(officer, programme, outputs):
    services.set_targets(
        programme,
        {"output": ["jobs-created"], "q-jobs-created-2025-10-01": "3"},
        officer,
    )
    with pytest.raises(services.ChangeRefused) as refused:
        services.update_programme(
            programme, details(programme, end_date=date(2025, 6, 30)), officer
        )
    assert "2025-26 Q3" in refused.value.errors["end_date"][0]
    with pytest.raises(services.ChangeRefused) as refused:
        services.update_programme(programme, details(programme, end_date=None), officer)
    assert "2025-26 Q3" in refused.value.errors["end_date"][0]
    programme.refresh_from_db()
    assert programme.end_date == date(2026, 3, 31)


# --- Strands ---


def test_strands_are_added_changed_and_removed_with_their_targets(officer, programme, outputs):
    strand = services.add_strand(
        programme, {"name": "Challenge Fund", "budget": "100000", "description": "Grants"}, officer
    )
    assert (strand.slug, strand.budget, strand.programme) == ("challenge-fund", 100000, programme)
    with pytest.raises(services.ChangeRefused) as refused:
        services.add_strand(programme, {"name": "challenge fund"}, officer)
    assert "already has a strand of this name" in refused.value.errors["name"][0]
    changed = services.update_strand(strand, {"name": "Challenge Fund", "budget": "90000"}, officer)
    assert changed.budget == 90000 and changed.slug == "challenge-fund"
    services.set_targets(
        programme,
        {"output": ["businesses-financial"], "total-businesses-financial": "10"},
        officer,
        strand=strand,
    )
    assert strand.targets.count() == 1
    assert services.remove_strand(strand, officer) == 1
    assert not Strand.objects.filter(pk=strand.pk).exists()
    assert not OutputTarget.objects.filter(strand_id=strand.pk).exists()
    assert [e.what for e in services.programme_history(programme)[:4]] == [
        "Strand “Challenge Fund” removed with its 1 target",
        "Targets set (strand “Challenge Fund”): 1 changed",
        "Strand “Challenge Fund” changed",
        "Strand “Challenge Fund” added",
    ]
    removed = OutputTarget.history.filter(history_type="-").get()
    assert removed.history_user == officer


def test_strand_editing_is_for_officers(programme, tip_manager):
    strand = programme.strands.get()
    with pytest.raises(PermissionDenied):
        services.add_strand(programme, {"name": "New strand"}, tip_manager)
    with pytest.raises(PermissionDenied):
        services.update_strand(strand, {"name": "Renamed"}, tip_manager)
    with pytest.raises(PermissionDenied):
        services.remove_strand(strand, tip_manager)
    assert list(programme.strands.values_list("name", flat=True)) == ["Incubator"]


# --- Programme managers ---


def test_officers_assign_and_remove_programme_managers(officer, programme, programme_manager):
    from northstar.accounts.tests.factories import UserFactory

    assignment = services.assign_manager(programme, {"user": programme_manager.pk}, officer)
    assert services.manages(programme_manager, programme)
    with pytest.raises(services.ChangeRefused):  # already one: no longer offered
        services.assign_manager(programme, {"user": programme_manager.pk}, officer)
    board = UserFactory(role="board_member")
    with pytest.raises(services.ChangeRefused):  # only programme manager accounts
        services.assign_manager(programme, {"user": board.pk}, officer)
    with pytest.raises(PermissionDenied):
        services.assign_manager(programme, {"user": board.pk}, programme_manager)
    services.remove_manager(assignment, officer)
    assert not services.manages(programme_manager, programme)
    assert [e.what for e in services.programme_history(programme)[:2]] == [
        f"{programme_manager.username} no longer a programme manager",
        f"{programme_manager.username} made a programme manager",
    ]
    assert ProgrammeManager.history.filter(history_type="-").get().history_user == officer


# --- Targets ---


def targets_of(programme, strand=None) -> dict:
    return {
        (t.output.code, t.quarter): t.quantity
        for t in OutputTarget.objects.filter(programme=programme, strand=strand)
    }


def test_whole_life_targets_and_a_quarterly_profile_are_saved_in_one_go(officer, programme):
    saved = services.set_targets(
        programme,
        {
            "output": ["jobs-created", "businesses-intensive"],
            "total-jobs-created": "12.5",
            "note-jobs-created": "FTE over two years",
            "q-jobs-created-2024-04-01": "2.5",
            "q-jobs-created-2024-07-01": "5",
            "q-jobs-created-2024-10-01": "5",
            "total-businesses-intensive": "0",
        },
        officer,
    )
    assert saved.changed == 5 and saved.warnings == []
    assert targets_of(programme) == {
        ("jobs-created", None): Decimal("12.5"),
        ("jobs-created", Q1): Decimal("2.5"),
        ("jobs-created", Q2): 5,
        ("jobs-created", Q3): 5,
        ("businesses-intensive", None): 0,  # zero is a target; empty is none
    }
    assert OutputTarget.objects.get(quarter=None, output__code="jobs-created").note == (
        "FTE over two years"
    )
    assert all(t.history.get().history_user == officer for t in OutputTarget.objects.all())
    rows = {r.output.code: r for r in services.programme_figures(programme).outputs}
    assert rows["jobs-created"].target == Decimal("12.5")
    # saving the same again changes nothing and records nothing
    before = history_count()
    again = services.set_targets(
        programme,
        {
            "output": ["jobs-created", "businesses-intensive"],
            "total-jobs-created": "12.50",
            "note-jobs-created": "FTE over two years",
            "q-jobs-created-2024-04-01": "2.5",
            "q-jobs-created-2024-07-01": "5.0",
            "q-jobs-created-2024-10-01": "5",
            "total-businesses-intensive": "0",
        },
        officer,
    )
    assert again.changed == 0 and history_count() == before


def test_emptying_a_box_removes_its_target_and_outputs_not_shown_keep_theirs(officer, programme):
    services.set_targets(
        programme,
        {
            "output": ["jobs-created", "products-to-market"],
            "total-jobs-created": "10",
            "q-jobs-created-2024-04-01": "4",
            "total-products-to-market": "3",
        },
        officer,
    )
    saved = services.set_targets(
        programme, {"output": ["jobs-created"], "total-jobs-created": "10"}, officer
    )
    assert saved.changed == 1
    assert targets_of(programme) == {
        ("jobs-created", None): 10,
        ("products-to-market", None): 3,
    }


def test_a_profile_that_does_not_add_up_is_saved_with_a_warning(officer, programme):
    saved = services.set_targets(
        programme,
        {
            "output": ["jobs-created"],
            "total-jobs-created": "10",
            "q-jobs-created-2024-04-01": "3",
            "q-jobs-created-2024-07-01": "4",
        },
        officer,
    )
    assert saved.changed == 3
    assert saved.warnings == [
        "Jobs created: the quarters add up to 7, the whole-life target is 10 (3 short)."
    ]
    assert services.target_warnings(programme) == saved.warnings


@pytest.mark.parametrize(
    ("box", "value", "message"),
    [
        ("total-jobs-created", "-1", "Enter the jobs created target as 0 or more"),
        ("q-jobs-created-2024-04-01", "-0.5", "as 0 or more"),
        ("q-jobs-created-2024-04-01", "three", "as a number"),
        ("total-jobs-created", "1.555", "no more than 2 decimal places"),
        (
            "total-businesses-intensive",
            "2.5",
            "Enter businesses given intensive support as a whole number",
        ),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_saved(officer, programme, box, value, message):
    services.set_targets(
        programme, {"output": ["jobs-created"], "total-jobs-created": "8"}, officer
    )
    before = (targets_of(programme), history_count())
    data = {
        "output": ["jobs-created", "businesses-intensive"],
        "total-jobs-created": "9",
        "q-jobs-created-2024-07-01": "4",
        box: value,
    }
    with pytest.raises(services.ChangeRefused) as refused:
        services.set_targets(programme, data, officer)
    assert any(message in m for m in refused.value.errors[box]), refused.value.errors
    assert (targets_of(programme), history_count()) == before


def test_a_quarter_outside_the_programmes_dates_is_refused(officer, programme):
    OutputTarget.objects.create(
        programme=programme, output_id=_output("jobs-created"), quarter=date(2023, 1, 1), quantity=2
    )
    data = {"output": ["jobs-created"], "q-jobs-created-2023-01-01": "2"}
    with pytest.raises(services.ChangeRefused) as refused:
        services.set_targets(programme, data, officer)
    assert (
        "2022-23 Q4 is outside the programme’s dates"
        in (refused.value.errors["q-jobs-created-2023-01-01"][0])
    )
    # a box for a quarter that is not offered is ignored, never saved
    services.set_targets(
        programme, {"output": ["jobs-created"], "q-jobs-created-2030-04-01": "9"}, officer
    )
    assert targets_of(programme) == {}  # and clearing the stray quarter removed it


def _output(code: str) -> int:
    from northstar.programmes.models import OutputDefinition

    return OutputDefinition.objects.get(code=code).pk


def test_without_dates_only_whole_life_targets_can_be_set(officer, programme):
    Programme.objects.filter(pk=programme.pk).update(start_date=None, end_date=None)
    programme.refresh_from_db()
    services.set_targets(
        programme,
        {"output": ["jobs-created"], "total-jobs-created": "5", "q-jobs-created-2024-04-01": "5"},
        officer,
    )
    assert targets_of(programme) == {("jobs-created", None): 5}


def test_strand_targets_are_kept_apart_and_the_programme_is_warned_of_double_counting(
    officer, programme
):
    strand = programme.strands.get()
    services.set_targets(
        programme,
        {"output": ["businesses-intensive"], "total-businesses-intensive": "40"},
        officer,
        strand=strand,
    )
    saved = services.set_targets(
        programme,
        {"output": ["businesses-intensive"], "total-businesses-intensive": "100"},
        officer,
    )
    assert targets_of(programme, strand) == {("businesses-intensive", None): 40}
    assert targets_of(programme) == {("businesses-intensive", None): 100}
    assert saved.warnings == [
        "Businesses given intensive support: the strands have whole-life "
        "targets too (40 in all); the programme’s target counts them and this one together."
    ]


def test_a_programme_manager_sets_their_own_programmes_targets_only(
    programme, tip_manager, poiz, outputs
):
    saved = services.set_targets(
        programme, {"output": ["jobs-created"], "total-jobs-created": "4"}, tip_manager
    )
    assert saved.changed == 1
    assert services.last_change(programme).who == tip_manager.username
    with pytest.raises(PermissionDenied):
        services.set_targets(
            poiz, {"output": ["jobs-created"], "total-jobs-created": "4"}, tip_manager
        )
    assert not poiz.targets.exists()


@pytest.mark.parametrize("role", ["assessor", "board_member"])
def test_other_roles_set_no_targets(role, programme):
    from northstar.accounts.tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        services.set_targets(
            programme,
            {"output": ["jobs-created"], "total-jobs-created": "4"},
            UserFactory(role=role),
        )
    assert not programme.targets.exists()


def test_the_history_is_newest_first_and_limited(officer, programme):
    for n in range(1, 4):
        services.update_programme(programme, details(programme, budget=str(n)), officer)
    entries = services.programme_history(programme, limit=2)
    assert len(entries) == 2
    assert [c for c in entries[0].changes if c[0] == "budget"] == [("budget", "2.00", "3.00")]
