"""The action plan in a real browser: an owner signs in, opens the plan, posts a progress update
on their action and sees it in the action's history."""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owned_action():
    from northstar.accounts.tests.factories import UserFactory
    from northstar.actions.models import Action, Status, Workstream
    from northstar.actions.services import load_default_themes

    load_default_themes()
    owner = UserFactory(role="assessor")
    action = Action.objects.create(
        workstream=Workstream.objects.get(name="The Launchpad pilot"),
        title="Run the Launchpad pilot's first cohort",
        owner=owner,
        due_date=date(2030, 3, 31),
        status=Status.IN_PROGRESS,
    )
    return owner, action


def test_an_owner_posts_an_update_and_sees_it_in_the_history(
    page, sign_in, owned_action, output_dir
):
    owner, action = owned_action
    page.goto("/actions/")
    assert "/accounts/login/" in page.url  # the public sees nothing of the plan

    sign_in(page, owner)
    page.goto("/actions/")
    assert page.get_by_role("heading", name="Action plan", level=1).is_visible()
    theme = page.locator("#theme-2")
    assert "Green: 1" in theme.locator(".rag-counts").inner_text()

    page.get_by_role("link", name=action.title).click()
    page.wait_for_url(f"**/actions/{action.pk}/")
    page.get_by_label("Progress").fill("The venue fell through; looking for another.")
    page.get_by_label("RAG rating", exact=True).select_option("amber")
    page.get_by_role("button", name="Post update").click()
    # Amber needs a reason: the error summary says so and nothing is saved.
    summary = page.locator(".govuk-error-summary")
    assert "Give the reason for an amber rating." in summary.inner_text()
    page.get_by_label("Reason for the RAG rating").fill("No venue for cohort 1")
    page.get_by_role("button", name="Post update").click()
    page.wait_for_url(f"**/actions/{action.pk}/")

    history = page.locator("#history")
    assert "The venue fell through; looking for another." in history.inner_text()
    assert "No venue for cohort 1" in history.inner_text()
    assert "Amber" in page.locator("#current-rag").inner_text()
    page.screenshot(path=output_dir / "action.png", full_page=True)

    from northstar.actions.models import ProgressUpdate

    assert ProgressUpdate.objects.filter(action=action, author=owner).count() == 1
