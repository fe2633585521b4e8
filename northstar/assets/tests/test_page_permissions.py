"""The permission matrix of docs/SECURITY.md, role by role, on the register's pages and the admin.

Each case asserts the status code and, for writes, whether the database changed. The API's side
of the matrix is tested with the API.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from northstar.accounts.tests.helpers import (
    ANONYMOUS,
    DELETERS,
    ROLES,
    SEE_HISTORY,
    SEE_RETIRED,
    STAFF,
    WRITERS,
    asset_post_data,
    client_for,
    make_asset,
)
from northstar.assets import services
from northstar.assets.models import Asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(lcr):
    return make_asset(number=501, name="Active test facility")


@pytest.fixture
def retired(lcr):
    return make_asset(retired=True, number=502, name="Retired test facility")


def _login_redirect(response, path: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{reverse('accounts:login')}?next={path}"
    )


# --- Reading: the register, the map and the CSV export are public; retired assets are not ---


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_active_assets_to_everyone(role, active, retired):
    client, _ = client_for(role)
    response = client.get(reverse("assets:list"), {"include_retired": "on"})
    assert response.status_code == 200
    content = response.content.decode()
    assert active.name in content
    # include_retired is honoured only for roles that may see retired assets
    assert (retired.name in content) == (role in SEE_RETIRED)


@pytest.mark.parametrize("role", ROLES)
def test_list_hides_retired_assets_without_the_filter(role, active, retired):
    client, _ = client_for(role)
    content = client.get(reverse("assets:list")).content.decode()
    assert active.name in content
    assert retired.name not in content


@pytest.mark.parametrize("role", ROLES)
def test_detail_of_an_active_asset_is_public(role, active):
    client, _ = client_for(role)
    response = client.get(reverse("assets:detail", args=[active.pk]))
    assert response.status_code == 200
    assert active.name in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_detail_of_a_retired_asset_is_internal(role, retired):
    client, _ = client_for(role)
    response = client.get(reverse("assets:detail", args=[retired.pk]))
    assert response.status_code == (200 if role in SEE_RETIRED else 404)
    assert (retired.retired_reason in response.content.decode()) == (role in SEE_RETIRED)


@pytest.mark.parametrize("role", ROLES)
def test_map_is_public_and_counts_only_what_the_role_may_see(role, active, retired):
    client, _ = client_for(role)
    response = client.get(reverse("assets:map"), {"include_retired": "on"})
    assert response.status_code == 200
    assert response.context["total"] == (2 if role in SEE_RETIRED else 1)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("include_retired", [False, True])
def test_csv_export(role, include_retired, active, retired):
    client, _ = client_for(role)
    query = {"include_retired": "on"} if include_retired else {}
    response = client.get(reverse("assets:csv"), query)
    assert response.status_code == 200
    numbers = [line.split(",")[0] for line in b"".join(response.streaming_content).decode().split()]
    assert str(active.number) in numbers
    assert (str(retired.number) in numbers) == (include_retired and role in SEE_RETIRED)


# --- Writing on the pages: anonymous → sign in; signed in without the permission → 403 ---


def _write_cases(active, retired):
    """(url, POST data, check that the write happened) for each write page."""
    return {
        "create": (
            reverse("assets:create"),
            asset_post_data(number=9001, name="Created on the page"),
            lambda: Asset.objects.filter(number=9001).exists(),
        ),
        "edit": (
            reverse("assets:edit", args=[active.pk]),
            asset_post_data(active, name="Edited on the page"),
            lambda: Asset.objects.get(pk=active.pk).name == "Edited on the page",
        ),
        "retire": (
            reverse("assets:retire", args=[active.pk]),
            {"reason": "No longer operating"},
            lambda: Asset.objects.get(pk=active.pk).is_retired,
        ),
        "reinstate": (
            reverse("assets:retire", args=[retired.pk]),
            {},
            lambda: not Asset.objects.get(pk=retired.pk).is_retired,
        ),
        "edit_retired": (
            reverse("assets:edit", args=[retired.pk]),
            asset_post_data(retired, name="Edited while retired"),
            lambda: Asset.objects.get(pk=retired.pk).name == "Edited while retired",
        ),
        "import": (
            reverse("assets:import"),
            {"file": _csv_upload()},
            lambda: Asset.objects.filter(number=9002).exists(),
        ),
    }


def _csv_upload():
    row = asset_post_data(number=9002, name="Imported on the page")
    row["borough"], row["borough_code"] = "Liverpool", "E08000012"
    header = services.REGISTER_COLUMNS
    text = ",".join(header) + "\n" + ",".join(str(row[c]) for c in header) + "\n"
    upload = io.BytesIO(text.encode())
    upload.name = "one-row.csv"
    return upload


WRITE_PAGES = ["create", "edit", "retire", "reinstate", "edit_retired", "import"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", WRITE_PAGES)
def test_write_page_get(role, page, active, retired):
    client, _ = client_for(role)
    url, _, _ = _write_cases(active, retired)[page]
    response = client.get(url)
    if role == ANONYMOUS:
        assert _login_redirect(response, url)
    elif role in WRITERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", WRITE_PAGES)
def test_write_page_post(role, page, active, retired):
    client, user = client_for(role)
    url, data, written = _write_cases(active, retired)[page]
    last_history_id = Asset.history.order_by("-history_id").values_list("history_id", flat=True)
    last = last_history_id.first() or 0
    response = client.post(url, data)
    if role == ANONYMOUS:
        assert _login_redirect(response, url)
    elif role in WRITERS:
        assert response.status_code == 302
    else:
        assert response.status_code == 403
    assert written() == (role in WRITERS)
    new_history = list(Asset.history.filter(history_id__gt=last))
    if role in WRITERS:
        assert new_history and all(h.history_user_id == user.pk for h in new_history)
    else:
        assert new_history == []


def test_a_signed_in_user_may_come_back_to_the_write_page_after_signing_in(client, officer, lcr):
    from northstar.accounts.tests.factories import TEST_PASSWORD

    url = reverse("assets:create")
    response = client.get(url)
    assert _login_redirect(response, url)
    response = client.post(
        response["Location"],
        {"username": officer.username, "password": TEST_PASSWORD, "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    assert client.get(url).status_code == 200


# --- The object-level rule: the right to an asset, not only to the page ---


@pytest.fixture
def editor_without_retired(db):
    """A user who may change and retire assets but not see retired ones (no role has this mix,
    which is exactly why the object-level check must not rely on the roles)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("editor", password="x" * 20)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="assets", codename__in=["change_asset", "retire_asset"]
        )
    )
    return user


def test_a_retired_asset_is_not_found_for_writes_without_view_retired(
    client, editor_without_retired, active, retired
):
    client.force_login(editor_without_retired)
    for url in (
        reverse("assets:edit", args=[retired.pk]),
        reverse("assets:retire", args=[retired.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, asset_post_data(retired, name="Changed")).status_code == 404
    retired.refresh_from_db()
    assert retired.name == "Retired test facility" and retired.is_retired
    assert client.get(reverse("assets:detail", args=[retired.pk])).status_code == 404
    # the same user may edit an active asset: the 404 is about the object, not the page
    assert client.get(reverse("assets:edit", args=[active.pk])).status_code == 200


def test_unknown_assets_are_404_for_writers(officer_client, lcr):
    assert officer_client.get(reverse("assets:edit", args=[999_999])).status_code == 404
    assert officer_client.get(reverse("assets:retire", args=[999_999])).status_code == 404


# --- The admin: only admin and officer are staff; officers add and change, only admins delete ---

ADMIN_PAGES = {
    "index": lambda a: reverse("admin:index"),
    "asset_list": lambda a: reverse("admin:assets_asset_changelist"),
    "asset_add": lambda a: reverse("admin:assets_asset_add"),
    "asset_change": lambda a: reverse("admin:assets_asset_change", args=[a.pk]),
    "asset_history": lambda a: reverse("admin:assets_asset_history", args=[a.pk]),
    "asset_delete": lambda a: reverse("admin:assets_asset_delete", args=[a.pk]),
    "theme_list": lambda a: reverse("admin:assets_theme_changelist"),
    "theme_add": lambda a: reverse("admin:assets_theme_add"),
    "place_list": lambda a: reverse("admin:places_place_changelist"),
    "place_add": lambda a: reverse("admin:places_place_add"),
    "import_list": lambda a: reverse("admin:ingest_import_changelist"),
    "users": lambda a: reverse("admin:auth_user_changelist"),
    "groups": lambda a: reverse("admin:auth_group_changelist"),
    "axes_attempts": lambda a: reverse("admin:axes_accessattempt_changelist"),
}
# (page, role) → status for staff; non-staff and anonymous users are sent to the admin sign-in.
ADMIN_STAFF_STATUS = {
    ("asset_delete", "officer"): 403,
    ("theme_add", "officer"): 403,
    ("place_add", "officer"): 403,
    ("users", "officer"): 403,
    ("groups", "officer"): 403,
    ("axes_attempts", "officer"): 403,
}


def _admin_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("admin:login") + "?next="
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages(role, page, active):
    client, _ = client_for(role)
    response = client.get(ADMIN_PAGES[page](active))
    if role in STAFF:
        assert response.status_code == ADMIN_STAFF_STATUS.get((page, role), 200)
    else:
        assert _admin_login_redirect(response)


def _admin_form(asset=None, **changes) -> dict:
    return {**asset_post_data(asset, **changes), "_save": "Save"}


@pytest.mark.parametrize("role", ROLES)
def test_admin_add_asset(role, lcr):
    client, user = client_for(role)
    response = client.post(
        reverse("admin:assets_asset_add"), _admin_form(number=9003, name="Added in admin")
    )
    asset = Asset.objects.filter(number=9003).first()
    if role in STAFF:
        assert response.status_code == 302, response.context["adminform"].form.errors
        record = asset.history.get()
        assert record.history_type == "+" and record.history_user == user
        assert record.history_change_reason == "Created in admin"
    else:
        assert _admin_login_redirect(response)
        assert asset is None


@pytest.mark.parametrize("role", ROLES)
def test_admin_change_asset(role, active):
    client, user = client_for(role)
    history_before = active.history.count()
    response = client.post(
        reverse("admin:assets_asset_change", args=[active.pk]),
        _admin_form(active, name="Changed in admin"),
    )
    active.refresh_from_db()
    if role in STAFF:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert active.name == "Changed in admin"
        record = active.history.latest()
        assert record.history_type == "~" and record.history_user == user
        assert record.history_change_reason == "Edited in admin"
    else:
        assert _admin_login_redirect(response)
        assert active.name == "Active test facility"
        assert active.history.count() == history_before


@pytest.mark.parametrize("role", ROLES)
def test_admin_delete_asset(role, active):
    client, user = client_for(role)
    response = client.post(reverse("admin:assets_asset_delete", args=[active.pk]), {"post": "yes"})
    deleted = not Asset.objects.filter(pk=active.pk).exists()
    assert deleted == (role in DELETERS)
    if role in DELETERS:
        assert response.status_code == 302
        record = Asset.history.filter(id=active.pk).latest()
        assert record.history_type == "-" and record.history_user == user
    elif role in STAFF:
        assert response.status_code == 403
    else:
        assert _admin_login_redirect(response)


# --- Acceptance: anonymous cannot change anything; an officer can; every change is in history ---


def test_anonymous_user_cannot_create_edit_retire_or_delete(client, active):
    before = (Asset.objects.count(), Asset.history.count())
    client.post(reverse("assets:create"), asset_post_data(number=9010))
    client.post(reverse("assets:edit", args=[active.pk]), asset_post_data(active, name="X"))
    client.post(reverse("assets:retire", args=[active.pk]), {"reason": "gone"})
    client.post(reverse("assets:import"), {"file": _csv_upload()})
    client.post(reverse("admin:assets_asset_add"), _admin_form(number=9011))
    client.post(reverse("admin:assets_asset_delete", args=[active.pk]), {"post": "yes"})
    active.refresh_from_db()
    assert active.name == "Active test facility" and not active.is_retired
    assert (Asset.objects.count(), Asset.history.count()) == before


def test_officer_changes_are_all_in_the_history_with_the_officer(client, officer, lcr):
    client.force_login(officer)
    response = client.post(
        reverse("assets:create"), asset_post_data(number=9020, name="Officer's asset")
    )
    asset = Asset.objects.get(number=9020)
    assert response["Location"] == reverse("assets:detail", args=[asset.pk])
    client.post(
        reverse("assets:edit", args=[asset.pk]),
        asset_post_data(asset, name="Officer's asset, renamed"),
    )
    client.post(reverse("assets:retire", args=[asset.pk]), {"reason": "Moved out of the region"})
    client.post(reverse("assets:retire", args=[asset.pk]))  # reinstate

    entries = services.asset_history(asset)  # newest first
    assert [(e.who, e.action, e.reason) for e in entries] == [
        (officer.username, "Changed", "Reinstated"),
        (officer.username, "Changed", "Retired: Moved out of the region"),
        (officer.username, "Changed", "Edited"),
        (officer.username, "Created", "Created"),
    ]
    assert ("name", "Officer's asset", "Officer's asset, renamed") in entries[2].changes
    assert asset.history.filter(history_user=officer).count() == 4


@pytest.mark.parametrize("role", ROLES)
def test_history_table_on_the_detail_page(role, officer, active):
    services.update_asset(active, asset_post_data(active, name="Renamed by an officer"), officer)
    client, _ = client_for(role)
    content = client.get(reverse("assets:detail", args=[active.pk])).content.decode()
    shows_history = 'id="history"' in content
    assert shows_history == (role in SEE_HISTORY)
    assert (officer.username in content) == (role in SEE_HISTORY)
    if shows_history:
        table = content[content.index('id="history"') :]
        assert "Active test facility → Renamed by an officer" in table
