"""The officers' pages: who may see them, the review queue's buttons and the split form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from northstar.organisations.models import (
    LinkEvent,
    MatchCandidate,
    MatchStatus,
    Organisation,
    SourceRecord,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(link):
    """University of Liverpool (2 records) and a queued 'Liverpool Hope University'."""
    first = link("iuk", ("p1", "University of Liverpool"), ("p2", "UNIVERSITY OF LIVERPOOL"))
    link("assets", ("a1", "Liverpool Hope University"))
    return Organisation.objects.get(pk=first["p1"]), MatchCandidate.objects.get()


def _pages(org, candidate):
    return [
        ("get", reverse("organisations:list")),
        ("get", reverse("organisations:review")),
        ("get", reverse("organisations:detail", args=[org.org_id])),
        ("post", reverse("organisations:decide", args=[candidate.pk])),
        ("post", reverse("organisations:split", args=[org.org_id])),
    ]


def test_anonymous_users_are_sent_to_sign_in(client, queued):
    for method, url in _pages(*queued):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert queued[1].status == MatchStatus.PENDING


@pytest.mark.parametrize("role", ["board_member", "programme_manager", "assessor"])
def test_other_roles_are_refused(client, queued, role):
    from northstar.accounts.tests.factories import UserFactory

    client.force_login(UserFactory(role=role))
    for method, url in _pages(*queued):
        response = getattr(client, method)(url, {"decision": "merge"})
        assert response.status_code == 403, url
    queued[1].refresh_from_db()
    assert queued[1].status == MatchStatus.PENDING


def test_the_list_searches_and_links_to_the_queue(reviewer_client, queued):
    org, _ = queued
    response = reviewer_client.get(reverse("organisations:list"), {"q": "hope"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Liverpool Hope University" in content
    assert org.org_id not in content
    assert "1 possible match waiting for review" in content
    by_id = reviewer_client.get(reverse("organisations:list"), {"q": org.org_id}).content.decode()
    assert org.org_id in by_id


def test_the_queue_shows_each_pair_side_by_side_with_both_buttons(reviewer_client, queued):
    _, candidate = queued
    response = reviewer_client.get(reverse("organisations:review"))
    content = response.content.decode()
    assert response.status_code == 200
    card = content[content.index(f'id="candidate-{candidate.pk}"') :]
    assert "Liverpool Hope University" in card
    assert "University of Liverpool" in card and "UNIVERSITY OF LIVERPOOL" in card
    assert "Similarity 75 out of 100" in card
    assert reverse("organisations:decide", args=[candidate.pk]) in card
    assert 'name="decision" value="merge"' in card
    assert 'name="decision" value="keep_apart"' in card
    assert "csrfmiddlewaretoken" in card


def test_the_queue_groups_identical_records_and_reads_them_in_one_query(
    reviewer_client, link, django_assert_max_num_queries
):
    """A university named the same way in many participations is one line with its count, and
    the page does not read every record of every organisation on it."""
    link(
        "iuk",
        *[(f"p{i}", "University of Liverpool") for i in range(12)],
        *[(f"q{i}", f"University of Liverpool Dept {i}") for i in range(6)],
    )
    link("assets", ("a1", "Liverpool Hope University"))
    with django_assert_max_num_queries(12):
        content = reviewer_client.get(reverse("organisations:review")).content.decode()
    assert content.count("Liverpool Hope University") >= 1
    assert "University of Liverpool <" in content
    assert "(12 records)" in content


def test_merge_button(reviewer_client, reviewer, queued):
    org, candidate = queued
    response = reviewer_client.post(
        reverse("organisations:decide", args=[candidate.pk]), {"decision": "merge", "page": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:review") + "?page=1"
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by) == (MatchStatus.MERGED, reviewer)
    assert org.source_records.count() == 3
    page = reviewer_client.get(response["Location"]).content.decode()
    assert "are now one organisation" in page
    assert "Nothing is waiting for review" in page


def test_keep_apart_button(reviewer_client, queued):
    org, candidate = queued
    reviewer_client.post(
        reverse("organisations:decide", args=[candidate.pk]), {"decision": "keep_apart"}
    )
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.KEPT_APART
    assert org.source_records.count() == 2


def test_a_bad_or_repeated_decision_is_explained_not_a_500(reviewer_client, queued):
    _, candidate = queued
    url = reverse("organisations:decide", args=[candidate.pk])
    response = reviewer_client.post(url, {"decision": "maybe"}, follow=True)
    assert "Choose Merge or Keep apart" in response.content.decode()
    reviewer_client.post(url, {"decision": "keep_apart"})
    response = reviewer_client.post(url, {"decision": "merge"}, follow=True)
    assert "already decided" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.KEPT_APART


def test_decisions_need_the_csrf_token(reviewer, queued):
    _, candidate = queued
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = client.post(
        reverse("organisations:decide", args=[candidate.pk]), {"decision": "merge"}
    )
    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.PENDING


def test_decide_and_split_refuse_get(reviewer_client, queued):
    org, candidate = queued
    assert (
        reviewer_client.get(reverse("organisations:decide", args=[candidate.pk])).status_code == 405
    )
    assert reviewer_client.get(reverse("organisations:split", args=[org.org_id])).status_code == 405


def test_organisation_page_lists_source_records_with_a_split_form(reviewer_client, queued):
    org, _ = queued
    response = reviewer_client.get(reverse("organisations:detail", args=[org.org_id]))
    content = response.content.decode()
    assert response.status_code == 200
    assert org.org_id in content
    for record in org.source_records.all():
        assert f'value="{record.pk}"' in content
    assert "Split these records off" in content
    assert "1 possible match" in content


def test_split_form(reviewer_client, queued):
    org, _ = queued
    record = SourceRecord.objects.get(source_key="p2")
    response = reviewer_client.post(
        reverse("organisations:split", args=[org.org_id]),
        {"records": [str(record.pk)], "reason": "A different university"},
    )
    record.refresh_from_db()
    new = record.organisation
    assert new != org
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:detail", args=[new.org_id])
    page = reviewer_client.get(response["Location"]).content.decode()
    assert f"into a new organisation, {new.org_id}" in page
    assert LinkEvent.objects.get(action=LinkEvent.Action.SPLIT).reason == "A different university"
    # The original's page shows the split in its history.
    history = reviewer_client.get(
        reverse("organisations:detail", args=[org.org_id])
    ).content.decode()
    assert "Split" in history and "A different university" in history


def test_split_form_errors_are_summarised_and_nothing_moves(reviewer_client, queued):
    org, _ = queued
    url = reverse("organisations:split", args=[org.org_id])
    response = reviewer_client.post(url, {"reason": ""})
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "Select the records that belong to a different organisation" in content
    assert "Enter why these records are a different organisation" in content
    assert 'href="#id_records_0"' in content
    everything = [str(pk) for pk in org.source_records.values_list("pk", flat=True)]
    response = reviewer_client.post(url, {"records": everything, "reason": "All of them"})
    assert "Leave at least one record" in response.content.decode()
    assert org.source_records.count() == 2
    assert not LinkEvent.objects.exists()


def test_an_old_or_merged_org_id_redirects_to_the_organisation_now(
    reviewer_client, reviewer, queued
):
    org, candidate = queued
    holding = candidate.record.organisation
    reviewer_client.post(
        reverse("organisations:decide", args=[candidate.pk]), {"decision": "merge"}
    )
    response = reviewer_client.get(reverse("organisations:detail", args=[holding.org_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:detail", args=[org.org_id])
    assert (
        reviewer_client.get(reverse("organisations:detail", args=["XI-NORTHSTAR-NONE"])).status_code
        == 404
    )


def test_record_forms_are_grouped_commonest_first_and_the_rest_counted(link):
    from northstar.organisations.views import RECORDS_SHOWN, _shown_forms

    ids = link(
        "iuk",
        *[(f"a{i}", "Acme Widgets Ltd", "01234567") for i in range(3)],
        *[(f"b{i}", f"Acme Widgets {i} Ltd", "01234567") for i in range(RECORDS_SHOWN + 2)],
    )
    organisation_id = ids["a0"]
    forms = SourceRecord.objects.forms_by_organisation([organisation_id])[organisation_id]
    assert forms[0].name == "Acme Widgets Ltd" and forms[0].records == 3
    assert sum(f.records for f in forms) == 3 + RECORDS_SHOWN + 2
    side = _shown_forms(forms)
    assert len(side["forms"]) == RECORDS_SHOWN
    assert side["more_records"] == 3  # the three names past the first five, a record each
