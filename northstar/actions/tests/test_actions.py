import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from northstar.accounts.tests.factories import UserFactory
from northstar.actions import services
from northstar.actions.models import (
    Action,
    Milestone,
    ProgressUpdate,
    Rag,
    Status,
    Theme,
    Workstream,
)
from northstar.core.errors import UserInputError
from northstar.organisations.models import Organisation

TODAY = date(2025, 6, 30)


# ---- default data ------------------------------------------------------------------------------


def test_default_data_loads_the_five_themes_and_their_workstreams(db):
    messages = list(services.load_default_data())
    assert "5 themes and 27 workstreams added" in messages[0]
    assert list(Theme.objects.values_list("number", "name")) == [
        (1, "Data, evidence, metrics, policy & evaluation"),
        (2, "Business innovation, capacity & culture"),
        (3, "Cluster development, project pipeline & major programmes"),
        (4, "Skills, inspiration & equality, diversity and inclusion"),
        (5, "Partnerships & promotion"),
    ]
    counts = {t.number: t.workstreams.count() for t in Theme.objects.all()}
    assert counts == {1: 4, 2: 5, 3: 5, 4: 8, 5: 5}
    names = list(Theme.objects.get(number=2).workstreams.values_list("name", flat=True))
    assert names[0] == "The Launchpad pilot" and names[-1] == "Sector development"
    assert Workstream.objects.filter(name__contains="Busan", theme__number=5).exists()
    assert not Action.objects.exists()  # no invented actions


def test_loading_default_data_again_adds_nothing_and_keeps_edits(db):
    services.load_default_themes()
    Theme.objects.filter(number=1).update(name="Data and evidence")
    again = services.load_default_themes()
    assert (again.themes, again.workstreams) == (0, 0)
    assert Theme.objects.get(number=1).name == "Data and evidence"
    assert Workstream.objects.count() == 27


# ---- querysets ---------------------------------------------------------------------------------


def _action(workstream, title, **kw):
    return Action.objects.create(workstream=workstream, title=title, **kw)


def test_overdue_and_at_risk_with_a_fixed_today(themes):
    ws = themes.first()
    past = date(2025, 6, 29)
    _action(ws, "late", due_date=past, status=Status.IN_PROGRESS)
    _action(ws, "late, not started", due_date=date(2024, 1, 1))
    _action(ws, "late but blocked", due_date=past, status=Status.BLOCKED)
    _action(ws, "late but done", due_date=past, status=Status.COMPLETED)
    _action(ws, "late but cancelled", due_date=past, status=Status.CANCELLED)
    _action(ws, "due today", due_date=TODAY)
    _action(ws, "no due date")
    _action(ws, "red", rag=Rag.RED, rag_reason="funding lost", due_date=date(2026, 1, 1))
    _action(ws, "amber", rag=Rag.AMBER, rag_reason="slipping")
    _action(ws, "red but done", rag=Rag.RED, rag_reason="x", status=Status.COMPLETED)
    overdue = set(Action.objects.overdue(TODAY).values_list("title", flat=True))
    assert overdue == {"late", "late, not started", "late but blocked"}
    # A day later, what was due "today" is overdue too.
    later = set(Action.objects.overdue(date(2025, 7, 1)).values_list("title", flat=True))
    assert later == overdue | {"due today"}
    assert set(Action.objects.at_risk().values_list("title", flat=True)) == {"red", "amber"}


def test_rag_counts_by_theme(themes):
    ws1 = Workstream.objects.filter(theme__number=1).first()
    ws2 = Workstream.objects.filter(theme__number=2).first()
    _action(ws1, "a", rag=Rag.RED, rag_reason="r")
    _action(ws1, "b", rag=Rag.RED, rag_reason="r")
    _action(ws1, "c", rag=Rag.GREEN)
    _action(ws1, "d", rag=Rag.AMBER, rag_reason="r", status=Status.COMPLETED)
    _action(ws2, "e", rag=Rag.AMBER, rag_reason="r")
    plan = {s.theme.number: s.counts for s in services.plan_by_theme()}
    assert (plan[1].red, plan[1].amber, plan[1].green, plan[1].closed) == (2, 0, 1, 1)
    assert (plan[2].red, plan[2].amber, plan[2].green, plan[2].closed) == (0, 1, 0, 0)
    assert plan[3].total == 0


# ---- progress updates --------------------------------------------------------------------------


def test_post_update_appends_and_sets_the_current_rag(action, owner):
    first = services.post_update(action, owner, "Cohort recruited.", Rag.GREEN, "")
    second = services.post_update(action, owner, "Venue fell through.", Rag.AMBER, "No venue yet")
    action.refresh_from_db()
    assert (action.rag, action.rag_reason) == (Rag.AMBER, "No venue yet")
    assert list(action.updates.values_list("pk", flat=True)) == [second.pk, first.pk]
    first.refresh_from_db()
    assert (first.text, first.rag, first.author) == ("Cohort recruited.", Rag.GREEN, owner)


def test_an_update_is_never_edited_or_deleted(action, owner):
    update = services.post_update(action, owner, "Cohort recruited.", Rag.GREEN, "")
    update.text = "Something else"
    with pytest.raises(UserInputError):
        update.save()
    with pytest.raises(UserInputError):
        update.delete()
    assert ProgressUpdate.objects.get(pk=update.pk).text == "Cohort recruited."


@pytest.mark.parametrize("rag", [Rag.RED, Rag.AMBER])
def test_red_and_amber_need_a_reason(action, owner, rag):
    with pytest.raises(services.ActionInputError) as exc:
        services.post_update(action, owner, "Late.", rag, "  ")
    assert "rag_reason" in exc.value.errors
    assert not ProgressUpdate.objects.exists()
    action.refresh_from_db()
    assert action.rag == Rag.GREEN


def test_an_update_needs_text(action, owner):
    with pytest.raises(services.ActionInputError) as exc:
        services.post_update(action, owner, "", Rag.GREEN, "")
    assert set(exc.value.errors) == {"text"}


def test_only_the_owner_or_an_officer_may_post(action, owner, officer, board_member):
    services.post_update(action, officer, "Checked by the CA.", Rag.GREEN)
    for user in (board_member, UserFactory(role="assessor")):
        with pytest.raises(PermissionDenied):
            services.post_update(action, user, "Not mine.", Rag.GREEN)
    assert action.updates.count() == 1


# ---- saving actions ----------------------------------------------------------------------------


def test_save_action_links_organisations_and_validates(themes, officer, owner):
    ws = themes.first()
    action = Action(workstream=ws, title="Set up a data-sharing agreement", owner=owner)
    services.save_action(
        action,
        officer,
        lead_name="Liverpool City Region Combined Authority",
        partner_names=["University of Liverpool", "Liverpool John Moores University"],
    )
    assert action.lead_organisation.name == "Liverpool City Region Combined Authority"
    assert sorted(action.partners.values_list("name", flat=True)) == [
        "Liverpool John Moores University",
        "University of Liverpool",
    ]
    # The same name again is the same organisation.
    other = Action(workstream=ws, title="Another")
    services.save_action(other, officer, lead_name="Liverpool City Region Combined Authority")
    assert other.lead_organisation_id == action.lead_organisation_id
    assert Organisation.objects.count() == 3

    bad = Action(
        workstream=ws,
        title="Bad",
        rag=Rag.RED,
        start_date=date(2025, 1, 1),
        due_date=date(2024, 1, 1),
    )
    with pytest.raises(services.ActionInputError) as exc:
        services.save_action(bad, officer)
    assert set(exc.value.errors) == {"rag_reason", "due_date"}
    with pytest.raises(PermissionDenied):
        services.save_action(Action(workstream=ws, title="Mine"), owner)


# ---- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/actions/", "/actions/overdue/", "/actions/mine/", "/actions/new/"]
)
def test_anonymous_users_are_sent_to_sign_in(client, themes, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_users_cannot_see_an_action(client, action):
    response = client.get(f"/actions/{action.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(f"/actions/{action.pk}/update/", {"text": "x", "rag": "green"})
    assert response.status_code == 302
    assert not ProgressUpdate.objects.exists()


def test_the_plan_shows_themes_and_rag_counts(client, action, board_member):
    Action.objects.create(
        workstream=action.workstream, title="Stalled", rag=Rag.RED, rag_reason="No funding"
    )
    client.force_login(board_member)
    html = client.get("/actions/").content.decode()
    assert "5. Partnerships &amp; promotion" in html
    assert "Run the Launchpad pilot" in html
    section = html.split('id="theme-2"')[1].split('id="theme-3"')[0]
    assert "Red: 1" in section and "Green: 1" in section and "Amber: 0" in section
    assert "Add an action" not in html  # the board reads only


def test_overdue_and_mine_pages(client, action, owner, officer):
    Action.objects.create(
        workstream=action.workstream, title="Long overdue", due_date=date(2020, 1, 1)
    )
    client.force_login(owner)
    html = client.get("/actions/overdue/").content.decode()
    overdue = html.split('id="overdue"')[1].split('id="at-risk"')[0]
    assert "Long overdue" in overdue
    mine = client.get("/actions/mine/").content.decode()
    assert "Run the Launchpad pilot" in mine and "Long overdue" not in mine
    client.force_login(officer)
    assert "Run the Launchpad pilot" not in client.get("/actions/mine/").content.decode()


def test_the_owner_posts_an_update_from_the_action_page(client, action, owner):
    client.force_login(owner)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Post a progress update" in page
    response = client.post(
        f"/actions/{action.pk}/update/",
        {"text": "Ten firms signed up.", "rag": "amber", "rag_reason": "One mentor short"},
    )
    assert response.status_code == 302
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Ten firms signed up." in page and "One mentor short" in page


def test_an_update_without_a_reason_shows_the_error_summary(client, action, owner):
    client.force_login(owner)
    response = client.post(f"/actions/{action.pk}/update/", {"text": "Late.", "rag": "red"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "Give the reason for a red rating." in html
    assert not ProgressUpdate.objects.exists()


def test_a_non_owner_cannot_post_an_update(client, action, board_member):
    client.force_login(board_member)
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Post a progress update" not in page
    response = client.post(f"/actions/{action.pk}/update/", {"text": "x", "rag": "green"})
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_only_officers_create_and_edit(client, action, owner, officer, themes):
    client.force_login(owner)
    assert client.get("/actions/new/").status_code == 403
    assert client.get(f"/actions/{action.pk}/edit/").status_code == 403
    client.force_login(officer)
    ws = Workstream.objects.get(name="Schools outreach")
    response = client.post(
        "/actions/new/",
        {
            "workstream": ws.pk,
            "title": "Visit 20 schools",
            "owner": owner.pk,
            "lead_name": "STEM Learning",
            "partner_names": "Edge Hill University\n",
            "start_date": "2025-04-01",
            "due_date": "2026-03-31",
            "status": "not_started",
            "rag": "green",
        },
    )
    assert response.status_code == 302
    created = Action.objects.get(title="Visit 20 schools")
    assert created.lead_organisation.name == "STEM Learning" and created.owner == owner
    response = client.post(
        "/actions/new/",
        {"workstream": ws.pk, "title": "", "status": "not_started", "rag": "red"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Give the reason for a red rating." in html
    response = client.post(
        f"/actions/{created.pk}/edit/",
        {"workstream": ws.pk, "title": "Visit 25 schools", "status": "in_progress"},
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.title == "Visit 25 schools" and created.status == Status.IN_PROGRESS


def test_milestones(client, action, owner, officer):
    client.force_login(officer)
    response = client.post(
        f"/actions/{action.pk}/milestones/", {"title": "Cohort 1 starts", "due_date": "2024-09-01"}
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(action=action)
    client.force_login(owner)
    client.post(f"/actions/{action.pk}/milestones/{milestone.pk}/done/")
    milestone.refresh_from_db()
    assert milestone.done_date == date.today()


# ---- API ---------------------------------------------------------------------------------------


def test_api_needs_a_sign_in(client, action):
    assert client.get("/api/actions").status_code == 401
    assert client.get(f"/api/actions/{action.pk}").status_code == 401
    assert client.get(f"/api/actions/{action.pk}/updates").status_code == 401


def test_api_read_and_owner_posts(client, action, owner):
    client.force_login(owner)
    listed = client.get("/api/actions?view=mine").json()
    assert [a["id"] for a in listed] == [action.pk]
    response = client.post(
        f"/api/actions/{action.pk}/updates",
        json.dumps({"text": "On track.", "rag": "green"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    updates = client.get(f"/api/actions/{action.pk}/updates").json()
    assert [u["text"] for u in updates] == ["On track."]
    detail = client.get(f"/api/actions/{action.pk}").json()
    assert detail["workstream"] == "The Launchpad pilot" and detail["rag"] == "green"


def test_api_refuses_non_owners_and_bad_updates(client, action, owner, board_member):
    client.force_login(board_member)
    response = client.post(
        f"/api/actions/{action.pk}/updates",
        json.dumps({"text": "Not mine.", "rag": "green"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    client.force_login(owner)
    response = client.post(
        f"/api/actions/{action.pk}/updates",
        json.dumps({"text": "Late.", "rag": "red"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "rag_reason" in response.json()["errors"]
    assert not ProgressUpdate.objects.exists()
    # No route edits or deletes an update.
    update = services.post_update(action, owner, "On track.", Rag.GREEN)
    url = f"/api/actions/{action.pk}/updates/{update.pk}"
    assert client.put(url, "{}", content_type="application/json").status_code in (404, 405)
    assert client.delete(url).status_code in (404, 405)


def test_api_create_is_for_officers(client, themes, officer, owner):
    ws = Workstream.objects.get(name="The Freeport")
    body = json.dumps({"workstream_id": ws.pk, "title": "Freeport innovation plan"})
    client.force_login(owner)
    assert client.post("/api/actions", body, content_type="application/json").status_code == 403
    client.force_login(officer)
    response = client.post("/api/actions", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["theme_number"] == 3
