"""The programme editing pages, role by role (docs/SECURITY.md): each case asserts the status code
and whether the database changed. Then validation: the error summary, and nothing saved."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from northstar.accounts.tests.factories import UserFactory
from northstar.programmes.models import OutputTarget, Programme, ProgrammeManager, Strand

from .conftest import details, funder_rows

pytestmark = pytest.mark.django_db

# A programme manager of this programme ("manager_own") or of another one ("manager_other").
ROLES = [
    "anonymous",
    "admin",
    "officer",
    "manager_own",
    "manager_other",
    "assessor",
    "board_member",
]
OFFICERS = {"admin", "officer"}
TARGET_SETTERS = {"admin", "officer", "manager_own"}


@pytest.fixture
def other(outputs):
    return Programme.objects.create(name="Another Programme", slug="another")


def client_as(role: str, programme, other) -> tuple[Client, object]:
    client = Client()
    if role == "anonymous":
        return client, None
    user = UserFactory(role="programme_manager" if role.startswith("manager") else role)
    if role.startswith("manager"):
        ProgrammeManager.objects.create(
            user=user, programme=programme if role == "manager_own" else other
        )
    client.force_login(user)
    return client, user


def _cases(programme):
    """page → (url, POST data, check that the write happened)."""
    strand = programme.strands.get()
    pm = UserFactory(role="programme_manager", username="candidate")
    held = ProgrammeManager.objects.create(
        user=UserFactory(role="programme_manager", username="incumbent"), programme=programme
    )
    slug = programme.slug
    return {
        "create": (
            reverse("programmes:create"),
            details(name="Created on the page", short_name="COP"),
            lambda: Programme.objects.filter(slug="cop").exists(),
        ),
        "edit": (
            reverse("programmes:edit", args=[slug]),
            details(programme, summary="Edited on the page"),
            lambda: Programme.objects.get(pk=programme.pk).summary == "Edited on the page",
        ),
        "strand_create": (
            reverse("programmes:strand_create", args=[slug]),
            {"name": "Accelerator"},
            lambda: programme.strands.filter(slug="accelerator").exists(),
        ),
        "strand_edit": (
            reverse("programmes:strand_edit", args=[slug, strand.slug]),
            {"name": "Incubator", "budget": "5000"},
            lambda: Strand.objects.get(pk=strand.pk).budget == 5000,
        ),
        "strand_remove": (
            reverse("programmes:strand_remove", args=[slug, strand.slug]),
            {},
            lambda: not Strand.objects.filter(pk=strand.pk).exists(),
        ),
        "managers": (
            reverse("programmes:managers", args=[slug]),
            {"user": pm.pk},
            lambda: ProgrammeManager.objects.filter(user=pm, programme=programme).exists(),
        ),
        "manager_remove": (
            reverse("programmes:manager_remove", args=[slug, held.pk]),
            {},
            lambda: not ProgrammeManager.objects.filter(pk=held.pk).exists(),
        ),
        "targets": (
            reverse("programmes:targets", args=[slug]),
            {"output": ["jobs-created"], "total-jobs-created": "7"},
            lambda: programme.targets.filter(strand=None, quantity=7).exists(),
        ),
        "strand_targets": (
            reverse("programmes:strand_targets", args=[slug, strand.slug]),
            {"output": ["jobs-created"], "q-jobs-created-2024-04-01": "3"},
            lambda: strand.targets.filter(quarter=date(2024, 4, 1), quantity=3).exists(),
        ),
    }


PAGES = [
    "create",
    "edit",
    "strand_create",
    "strand_edit",
    "strand_remove",
    "managers",
    "manager_remove",
    "targets",
    "strand_targets",
]
POST_ONLY = {"manager_remove"}


def allowed(role: str, page: str) -> bool:
    return role in (TARGET_SETTERS if page.endswith("targets") else OFFICERS)


def _login_redirect(response, url: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{reverse('accounts:login')}?next={url}"
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_edit_page_get(role, page, programme, other):
    client, _ = client_as(role, programme, other)
    url, _, written = _cases(programme)[page]
    response = client.get(url)
    if role == "anonymous":
        assert _login_redirect(response, url)
    elif page in POST_ONLY:
        assert response.status_code == (405 if allowed(role, page) else 403)
    else:
        assert response.status_code == (200 if allowed(role, page) else 403)
    assert not written()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_edit_page_post(role, page, programme, other):
    client, user = client_as(role, programme, other)
    url, data, written = _cases(programme)[page]
    last = Programme.history.order_by("-history_id").values_list("history_id", flat=True).first()
    response = client.post(url, data)
    if role == "anonymous":
        assert _login_redirect(response, url)
    elif allowed(role, page):
        assert response.status_code == 302, response.context and response.context["form"].errors
    else:
        assert response.status_code == 403
    assert written() == allowed(role, page)
    new_history = list(Programme.history.filter(history_id__gt=last or 0))
    if allowed(role, page):
        assert new_history and all(h.history_user_id == user.pk for h in new_history)
    else:
        assert new_history == []


def test_a_manager_cannot_reach_another_programmes_targets_even_by_strand(
    client, programme, other, outputs
):
    """The 403 is about the programme, not the page: the same manager may set their own."""
    manager = UserFactory(role="programme_manager")
    ProgrammeManager.objects.create(user=manager, programme=other)
    Strand.objects.create(programme=other, name="Other strand", slug="other-strand")
    client.force_login(manager)
    assert client.get(reverse("programmes:targets", args=["another"])).status_code == 200
    for url in (
        reverse("programmes:targets", args=[programme.slug]),
        reverse("programmes:strand_targets", args=[programme.slug, "incubator"]),
    ):
        assert client.get(url).status_code == 403
        data = {"output": ["jobs-created"], "total-jobs-created": "1"}
        assert client.post(url, data).status_code == 403
    assert not programme.targets.exists()
    # another programme's strand under this programme's address is not found
    url = reverse("programmes:strand_targets", args=["another", "incubator"])
    assert client.get(url).status_code == 404


def test_unpublished_programmes_are_not_found_by_those_who_may_not_see_them(
    client, programme, other, outputs
):
    Programme.objects.filter(pk=programme.pk).update(published=False)
    manager = UserFactory(role="programme_manager")
    ProgrammeManager.objects.create(user=manager, programme=other)
    client.force_login(manager)
    assert client.get(reverse("programmes:targets", args=[programme.slug])).status_code == 404
    client.force_login(UserFactory(role="officer"))
    assert client.get(reverse("programmes:targets", args=[programme.slug])).status_code == 200


def test_writes_need_the_csrf_token(programme, outputs):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role="officer"))
    response = client.post(
        reverse("programmes:edit", args=[programme.slug]),
        details(programme, summary="Without a token"),
    )
    assert response.status_code == 403
    assert Programme.objects.get(pk=programme.pk).summary == ""
    page = client.get(reverse("programmes:edit", args=[programme.slug])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


# --- Validation on the pages: the error summary links to each field; nothing is saved ---


def test_a_bad_programme_form_shows_the_error_summary_and_saves_nothing(officer_client, outputs):
    data = details(
        name="",
        budget="-1",
        start_date=("31", "2", "2025"),
    ) | funder_rows([{"amount": "5"}])
    response = officer_client.post(reverse("programmes:create"), data)
    assert response.status_code == 200  # the form again, with its errors
    text = response.content.decode()
    assert "<title>Error: Add a programme" in text
    summary = text[text.index("govuk-error-summary") : text.index("</h1>")]
    assert '<a href="#id_name">Name: Enter the programme’s name</a>' in summary
    assert '<a href="#id_budget">Budget in £ (optional): Enter the budget as 0 or more</a>' in (
        summary
    )
    assert '<a href="#id_start_date_0">Start date (optional): Start date must be a real date' in (
        summary
    )
    assert '<a href="#id_funders-0-funder_name">Funders, row 1: Funder: Enter the funder' in (
        summary
    )
    # what was typed is shown again, in the boxes it was typed in
    assert (
        'id="id_start_date_0" name="start_date_day" type="text" inputmode="numeric" value="31"'
        in (text)
    )
    assert 'value="-1"' in text
    assert not Programme.objects.exists()


def test_a_bad_targets_form_shows_the_errors_in_the_table_and_saves_nothing(
    client, programme, tip_manager
):
    client.force_login(tip_manager)
    url = reverse("programmes:targets", args=[programme.slug])
    response = client.post(
        url,
        {
            "output": ["jobs-created", "products-to-market"],
            "total-jobs-created": "10",
            "q-jobs-created-2024-07-01": "-2",
            "total-products-to-market": "1.5",
        },
    )
    assert response.status_code == 200  # the form again, with its errors
    text = response.content.decode()
    assert (
        '<a href="#id_q-jobs-created-2024-07-01">Jobs created, 2024-25 Q2: Enter the jobs '
        "created target for 2024-25 Q2 as 0 or more</a>"
    ) in text
    assert "Enter new products or processes to market as a whole number" in text
    assert 'class="govuk-input govuk-input--width-5 govuk-input--error" ' in text
    assert not OutputTarget.objects.exists()


def test_the_targets_page_lays_out_quarters_by_outputs(client, programme, tip_manager):
    client.force_login(tip_manager)
    url = reverse("programmes:targets", args=[programme.slug])
    page = client.get(url)
    assert 'id="no-outputs"' in page.content.decode()  # nothing chosen, no targets yet
    page = client.get(url, {"output": ["jobs-created", "private-investment"]})
    text = page.content.decode()
    assert text.count('<tr class="govuk-table__row" data-quarter=') == 8  # two years
    assert 'name="q-private-investment-2026-01-01"' in text
    assert '2025-26 Q4 <span class="govuk-body-s">Jan–Mar 2026</span>' in text
    response = client.post(
        url,
        {
            "output": ["jobs-created"],
            "total-jobs-created": "10",
            "q-jobs-created-2024-04-01": "4",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Targets saved: 2 changes." in page
    assert "the quarters add up to 4, the whole-life target is 10 (6 short)" in page
    assert 'name="total-jobs-created" type="text" inputmode="decimal" value="10"' in page


def test_the_programme_page_shows_the_last_change_and_the_edit_links(
    client, programme, tip_manager, officer
):
    client.force_login(officer)
    client.post(
        reverse("programmes:edit", args=[programme.slug]), details(programme, budget="250000")
    )
    page = client.get(reverse("programmes:detail", args=[programme.slug])).content.decode()
    today = date.today().strftime("%-d %B %Y")
    assert f"Last changed by {officer.username} on {today}: Details changed." in page
    assert 'id="history"' in page and "budget: – → 250000.00" in page
    for name in ("edit", "targets", "managers", "strand_create"):
        assert reverse(f"programmes:{name}", args=[programme.slug]) in page
    # the programme's manager sets targets but edits nothing else
    client.force_login(tip_manager)
    page = client.get(reverse("programmes:detail", args=[programme.slug])).content.decode()
    assert reverse("programmes:targets", args=[programme.slug]) in page
    assert reverse("programmes:edit", args=[programme.slug]) not in page
    assert reverse("programmes:strand_create", args=[programme.slug]) not in page
    # the public see when, not who
    client.logout()
    page = client.get(reverse("programmes:detail", args=[programme.slug])).content.decode()
    assert f"Last updated on {today}." in page and officer.username not in page
    assert reverse("programmes:targets", args=[programme.slug]) not in page


def test_the_portfolio_offers_officers_to_add_a_programme(client, officer, board_member, outputs):
    client.force_login(officer)
    assert (
        reverse("programmes:create") in client.get(reverse("programmes:portfolio")).content.decode()
    )
    client.force_login(board_member)
    assert reverse("programmes:create") not in (
        client.get(reverse("programmes:portfolio")).content.decode()
    )


def test_removing_a_strand_asks_first_and_says_what_goes_with_it(officer_client, programme):
    strand = programme.strands.get()
    OutputTarget.objects.create(programme=programme, strand=strand, output_id=_jobs(), quantity=5)
    url = reverse("programmes:strand_remove", args=[programme.slug, strand.slug])
    page = officer_client.get(url).content.decode()
    assert "Its 1 target will be removed too." in page
    assert Strand.objects.filter(pk=strand.pk).exists()
    response = officer_client.post(url, follow=True)
    assert "Strand Incubator was removed with its 1 target." in response.content.decode()


def _jobs() -> int:
    from northstar.programmes.models import OutputDefinition

    return OutputDefinition.objects.get(code="jobs-created").pk


SEE_WHO_CHANGED = {"admin", "officer", "manager_own", "board_member"}


@pytest.mark.parametrize("role", ROLES)
def test_who_changed_a_programme_is_shown_to_its_internal_readers_only(
    role, programme, other, officer
):
    from northstar.programmes import services

    services.update_programme(programme, details(programme, budget="1000"), officer)
    client, _ = client_as(role, programme, other)
    page = client.get(reverse("programmes:detail", args=[programme.slug])).content.decode()
    assert 'id="last-change"' in page
    assert (f"Last changed by {officer.username}" in page) == (role in SEE_WHO_CHANGED)
    assert ('id="history"' in page) == (role in SEE_WHO_CHANGED)
    assert (officer.username in page) == (role in SEE_WHO_CHANGED)
