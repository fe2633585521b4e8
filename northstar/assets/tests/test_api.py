"""The JSON API: reads, filters, pagination, exports, and who may write what (with CSRF)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings
from django.db import transaction
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from northstar.accounts.roles import Role
from northstar.accounts.tests.factories import UserFactory
from northstar.assets.api import FeatureCollection
from northstar.assets.models import Asset
from northstar.assets.services import (
    REGISTER_COLUMNS,
    import_assets_csv,
    load_default_register,
    load_themes,
    retire_asset,
)
from northstar.places.services import DEFAULT_PLACE_FILE, default_place, load_place

API = "/api/assets/"
ROLES = [
    "anonymous",
    Role.ADMIN,
    Role.OFFICER,
    Role.PROGRAMME_MANAGER,
    Role.ASSESSOR,
    Role.BOARD_MEMBER,
]
CAN_SEE_RETIRED = {Role.ADMIN, Role.OFFICER, Role.BOARD_MEMBER}


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def _register_for_module(django_db_setup, django_db_blocker):
    """The default register, loaded once for this module (it takes most of a second).

    It is loaded inside a transaction that is rolled back when the module is done; each test
    runs in a savepoint within it (pytest-django's `db`), so a test's writes are undone as usual.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        load_themes()
        load_place(DEFAULT_PLACE_FILE)
        load_default_register()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def register(_register_for_module, db):
    """Overrides the shared fixture of the same name: the same 107 assets, loaded once."""
    assert Asset.objects.count() == 107
    return Asset.objects.all()


def make_client(role: str | None = None, *, csrf_token: bool = True) -> tuple[Client, object]:
    """A client that enforces CSRF like a browser's session would; signed in when role is given.

    With csrf_token, it carries the CSRF cookie and sends the token in X-CSRFToken, as a
    page's JavaScript would.
    """
    client = Client(enforce_csrf_checks=True)
    user = None
    if role and role != "anonymous":
        user = UserFactory(role=role)
        client.force_login(user)
    if csrf_token:
        request = RequestFactory().get("/")
        token = get_token(request)
        client.cookies[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
        client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client, user


def post(client: Client, url: str, data) -> object:
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client: Client, url: str, data) -> object:
    return client.patch(url, json.dumps(data), content_type="application/json")


def snapshot() -> tuple[list[dict], int]:
    """Every asset's stored values, and how many history records there are."""
    return list(Asset.objects.order_by("number").values()), Asset.history.count()


def new_asset_data(**changes) -> dict:
    return {
        "number": 500,
        "name": "Test Quantum Foundry",
        "theme": "ai_emerging_tech",
        "status": "pipeline",
        "asset_type": "research_facility",
        "borough": "liverpool",
        "latitude": 53.40001,
        "longitude": -2.97,
        "location_precision": "site",
        "organisation_kind": "university",
        "notes": "Added through the API",
        **changes,
    }


def numbers(response) -> list[int]:
    return [a["number"] for a in response.json()["results"]]


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


# --- reads: list, filters, pagination ---------------------------------------------------------


def test_the_api_reports_107_assets(register, client):
    response = client.get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 107
    assert body["pages"] == 3 and body["page"] == 1 and body["page_size"] == 50
    assert numbers(response) == sorted(numbers(response))  # register-number order


def test_list_item_shape(register, client):
    asset = next(
        a for a in client.get(API, {"page_size": 10}).json()["results"] if a["number"] == 4
    )
    stored = Asset.objects.get(number=4)
    assert asset["id"] == stored.pk
    assert asset["theme"] == {
        "code": "infection_health",
        "name": stored.theme.name,
        "colour": stored.theme.colour,
    }
    assert asset["borough"] == "Liverpool"
    assert asset["borough_slug"] == "liverpool"
    assert asset["borough_code"] == "E08000012"
    assert asset["latitude"] == float(stored.latitude)
    assert asset["longitude"] == float(stored.longitude)
    assert asset["retired"] is False and asset["retired_at"] is None
    assert asset["url"] == f"/assets/{stored.pk}/"


def _matches(asset: Asset, key: str, value: str) -> bool:
    """The meaning of each filter, written out independently of the queryset code."""
    if key == "theme":
        return asset.theme.code == value
    if key in ("status", "asset_type"):
        return getattr(asset, key) == value
    if key == "borough":
        return (asset.place.slug if asset.place_id else asset.location_scope) == value
    if key == "q":
        text = f"{asset.name} {asset.display_name} {asset.notes}".casefold()
        return all(word.casefold() in text for word in value.split())
    raise AssertionError(key)


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "infection_health"},
        {"theme": "business_centre"},
        {"status": "pipeline"},
        {"status": "existing"},
        {"borough": "liverpool"},
        {"borough": "st-helens"},
        {"borough": "region_wide"},
        {"borough": "offshore"},
        {"borough": "outside"},
        {"asset_type": "hospital"},
        {"asset_type": "energy_project"},
        {"q": "daresbury"},
        {"q": "University liverpool"},
        {"theme": "infection_health", "status": "existing", "borough": "liverpool"},
    ],
)
def test_each_filter_matches_its_meaning_and_the_register_page(register, client, params):
    assets = Asset.objects.select_related("theme", "place")
    expected = sorted(a.number for a in assets if all(_matches(a, k, v) for k, v in params.items()))
    assert expected, "choose filters that match something"
    response = client.get(API, {**params, "page_size": 500})
    assert response.status_code == 200
    assert numbers(response) == expected
    assert response.json()["count"] == len(expected)
    # The register page, given the same query string, finds the same assets.
    page = client.get("/assets/", params)
    assert page.status_code == 200
    assert page.context["total"] == len(expected)


def test_filters_accept_a_register_page_query_string(register, client):
    """Empty values (as a submitted filter form sends them) mean "no filter"."""
    response = client.get(API + "?q=&theme=&status=&borough=&asset_type=&include_retired=on&page=1")
    assert response.status_code == 200
    assert response.json()["count"] == 107


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "nonsense"},
        {"borough": "atlantis"},
        {"borough": "Liverpool City Region"},
        {"q": "zzzz-no-such-word"},
    ],
)
def test_a_filter_value_that_names_nothing_matches_nothing(register, client, params):
    response = client.get(API, params)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []
    for export in ("geojson", "csv"):
        assert client.get(API + export, params).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "demolished"}, "status"),
        ({"asset_type": "spaceport"}, "asset_type"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
        ({"q": "x" * 201}, "q"),
        ({"include_retired": "perhaps"}, "include_retired"),
    ],
)
def test_an_invalid_query_parameter_is_a_422_naming_it(register, client, params, field):
    response = client.get(API, params)
    assert response.status_code == 422
    body = response.json()
    assert list(body["errors"]) == [field]
    assert field in body["detail"]


def test_pagination_walks_the_whole_register_once(register, client):
    seen = []
    first = client.get(API, {"page_size": 40}).json()
    assert (first["count"], first["pages"]) == (107, 3)
    for page in range(1, first["pages"] + 1):
        body = client.get(API, {"page_size": 40, "page": page}).json()
        assert body["page"] == page
        seen += [a["number"] for a in body["results"]]
    assert len(seen) == 107 and seen == sorted(set(seen))
    last = client.get(API, {"page_size": 40, "page": 3}).json()
    assert len(last["results"]) == 27


def test_a_page_past_the_end_is_empty_not_an_error(register, client):
    response = client.get(API, {"page": 4})
    assert response.status_code == 200
    assert response.json() == {"count": 107, "page": 4, "page_size": 50, "pages": 3, "results": []}


def test_no_match_is_one_empty_page(register, client):
    body = client.get(API, {"theme": "nonsense"}).json()
    assert (body["count"], body["pages"], body["results"]) == (0, 1, [])


# --- reads: detail ---------------------------------------------------------------------------


def test_detail(register, client):
    stored = Asset.objects.get(number=3)
    response = client.get(f"{API}{stored.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 3
    assert body["name"] == stored.name
    assert body["display_name"] == "Albéa Creative UK"
    assert body["title"] == "Albéa Creative UK"


def test_detail_of_an_asset_not_in_a_borough(register, client):
    stored = Asset.objects.filter(location_scope="region_wide", latitude__isnull=True).first()
    body = client.get(f"{API}{stored.pk}").json()
    assert body["borough"] == "Region-wide"
    assert body["borough_slug"] == "region_wide"
    assert body["borough_code"] is None
    assert body["latitude"] is None and body["longitude"] is None


@pytest.mark.parametrize(("path", "status"), [("999999", 404), ("abc", 422), ("0", 422)])
def test_detail_of_no_such_asset(register, client, path, status):
    response = client.get(f"{API}{path}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["detail"]


# --- reads: GeoJSON --------------------------------------------------------------------------


def test_geojson_is_an_rfc7946_feature_collection_of_all_107_assets(register, client):
    response = client.get(API + "geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    FeatureCollection.model_validate(data)
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data  # RFC 7946 §4: WGS84 only, no crs member
    features = data["features"]
    assert len(features) == 107
    assert len({f["id"] for f in features}) == 107
    for feature in features:
        assert feature["type"] == "Feature"
        geometry = feature["geometry"]
        assert geometry is not None, feature["properties"]["number"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]
        assert -9.0 <= lon <= 2.5 and 49.5 <= lat <= 61.0  # [lon, lat], in the UK


def test_geojson_positions(register, client):
    features = {
        f["properties"]["number"]: f for f in client.get(API + "geojson").json()["features"]
    }
    own = Asset.objects.get(number=1)
    assert features[1]["geometry"]["coordinates"] == [float(own.longitude), float(own.latitude)]
    assert features[1]["properties"]["position_approximate"] is False

    without = Asset.objects.filter(latitude__isnull=True).select_related("place")
    assert without.count() == 14
    region = default_place()
    for asset in without:
        place = asset.place or region
        feature = features[asset.number]
        assert feature["properties"]["position_approximate"] is True
        assert feature["geometry"]["coordinates"] == [
            float(place.centroid_longitude),
            float(place.centroid_latitude),
        ]
    assert sum(f["properties"]["position_approximate"] for f in features.values()) == 14


def test_geojson_properties(register, client):
    stored = Asset.objects.get(number=4)
    feature = next(
        f for f in client.get(API + "geojson").json()["features"] if f["id"] == stored.pk
    )
    assert feature["properties"] == {
        "number": 4,
        "title": stored.title,
        "theme": "infection_health",
        "theme_name": stored.theme.name,
        "colour": stored.theme.colour,
        "status": stored.status,
        "asset_type": stored.asset_type,
        "borough": "Liverpool",
        "location_precision": stored.location_precision,
        "position_approximate": False,
        "retired": False,
        "url": f"/assets/{stored.pk}/",
    }


@pytest.mark.parametrize(
    "params", [{"theme": "materials_chemistry"}, {"borough": "halton", "status": "existing"}]
)
def test_geojson_and_csv_export_the_filtered_register(register, client, params):
    listed = numbers(client.get(API, {**params, "page_size": 500}))
    features = client.get(API + "geojson", params).json()["features"]
    assert sorted(f["properties"]["number"] for f in features) == listed
    rows = csv_rows(client.get(API + "csv", params))
    assert [int(r[0]) for r in rows[1:]] == listed


# --- reads: CSV ------------------------------------------------------------------------------


def test_csv_has_the_register_header_and_every_asset(register, client):
    response = client.get(API + "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][: len(REGISTER_COLUMNS)] == REGISTER_COLUMNS
    assert len(rows) == 108


def test_csv_export_imports_again_unchanged(register, client, officer):
    # An officer's edit (a display name) and a retirement must survive the round trip too.
    officer_client, _ = make_client(Role.OFFICER)
    asset = Asset.objects.get(number=10)
    response = patch(officer_client, f"{API}{asset.pk}", {"display_name": 'Renamed, "quoted"'})
    assert response.status_code == 200
    retire_asset(Asset.objects.get(number=11), officer, "Closed")
    before, history = snapshot()
    exported = b"".join(officer_client.get(API + "csv?include_retired=true").streaming_content)
    assert exported.count(b"\n") == 108
    result = import_assets_csv(io.BytesIO(exported), file_name="export.csv", user=officer)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 107)
    after, history_after = snapshot()
    assert after == before
    assert history_after == history


# --- writes: who may do what -----------------------------------------------------------------

WRITE_STATUS = {
    # role: (create, patch, retire, delete)
    "anonymous": (401, 401, 401, 401),
    Role.ADMIN: (201, 200, 200, 204),
    Role.OFFICER: (201, 200, 200, 403),
    Role.PROGRAMME_MANAGER: (403, 403, 403, 403),
    Role.ASSESSOR: (403, 403, 403, 403),
    Role.BOARD_MEMBER: (403, 403, 403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_create_by_role(register, role):
    client, user = make_client(role)
    before = snapshot()
    response = post(client, API, new_asset_data())
    assert response.status_code == WRITE_STATUS[role][0], response.content
    if response.status_code == 201:
        asset = Asset.objects.get(number=500)
        assert response.json()["id"] == asset.pk
        assert response.json()["borough_code"] == "E08000012"
        assert asset.place.slug == "liverpool" and asset.theme.code == "ai_emerging_tech"
        assert str(asset.latitude) == "53.40001"
        record = asset.history.latest()
        assert record.history_user == user
        assert record.history_type == "+"
        assert Asset.objects.count() == 108
    else:
        assert response.json()["detail"]
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_patch_by_role(register, role):
    client, user = make_client(role)
    asset = Asset.objects.get(number=5)
    before = snapshot()
    response = patch(client, f"{API}{asset.pk}", {"name": "Renamed by the API"})
    assert response.status_code == WRITE_STATUS[role][1], response.content
    asset.refresh_from_db()
    if response.status_code == 200:
        assert response.json()["name"] == "Renamed by the API"
        assert asset.name == "Renamed by the API"
        record = asset.history.latest()
        assert record.history_user == user
        assert record.history_change_reason == "Edited"
        # Only the field sent changed.
        changed = record.diff_against(record.prev_record).changed_fields
        assert changed == ["name"]
    else:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_retire_by_role(register, role):
    client, user = make_client(role)
    asset = Asset.objects.get(number=6)
    before = snapshot()
    response = post(client, f"{API}{asset.pk}/retire", {"reason": "Closed in 2024"})
    assert response.status_code == WRITE_STATUS[role][2], response.content
    asset.refresh_from_db()
    if response.status_code == 200:
        assert response.json()["retired"] is True
        assert asset.is_retired and asset.retired_reason == "Closed in 2024"
        record = asset.history.latest()
        assert record.history_user == user
        assert record.history_change_reason == "Retired: Closed in 2024"
    else:
        assert not asset.is_retired
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_delete_by_role(register, role):
    client, user = make_client(role)
    asset = Asset.objects.get(number=7)
    before = snapshot()
    response = client.delete(f"{API}{asset.pk}")
    assert response.status_code == WRITE_STATUS[role][3], response.content
    if response.status_code == 204:
        assert response.content == b""
        assert not Asset.objects.filter(pk=asset.pk).exists()
        record = Asset.history.filter(id=asset.pk).latest()
        assert record.history_type == "-"
        assert record.history_user == user
    else:
        assert Asset.objects.filter(pk=asset.pk).exists()
        assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "", new_asset_data()),
        ("patch", "{pk}", {"name": "x"}),
        ("post", "{pk}/retire", {"reason": "x"}),
        ("delete", "{pk}", None),
    ],
)
def test_a_signed_in_write_without_the_csrf_token_is_refused(register, method, path, body):
    client, _ = make_client(Role.ADMIN, csrf_token=False)
    pk = Asset.objects.get(number=8).pk
    before = snapshot()
    url = API + path.format(pk=pk)
    if body is None:
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert snapshot() == before


def test_an_anonymous_write_is_401_with_or_without_csrf(register):
    for csrf_token in (True, False):
        client, _ = make_client(None, csrf_token=csrf_token)
        response = post(client, API, new_asset_data())
        assert response.status_code == 401
        assert "Sign in" in response.json()["detail"]
    assert not Asset.objects.filter(number=500).exists()


def test_reads_need_no_csrf_token(register):
    client, _ = make_client(Role.OFFICER, csrf_token=False)
    assert client.get(API).status_code == 200


def test_permission_is_checked_before_the_body(register):
    """A user who may not write gets 403, not a list of the fields they got wrong."""
    client, _ = make_client(Role.ASSESSOR)
    response = post(client, API, {"number": "not a number"})
    assert response.status_code == 403
    assert "errors" not in response.json() or response.json()["errors"] is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "999999", {"name": "x"}),
        ("post", "999999/retire", {"reason": "x"}),
        ("delete", "999999", None),
    ],
)
def test_writes_to_no_such_asset_are_404(register, method, path, body):
    client, _ = make_client(Role.ADMIN)
    if body is None:
        response = getattr(client, method)(API + path)
    else:
        response = getattr(client, method)(
            API + path, json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 404


# --- writes: refused input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (new_asset_data(theme="space_tourism"), "theme", "valid choice"),
        (new_asset_data(borough="atlantis"), "borough", "valid choice"),
        (new_asset_data(latitude=-2.9, longitude=53.4), "latitude", "within the UK"),
        (new_asset_data(longitude=None), "longitude", "Enter a longitude too"),
        (new_asset_data(latitude=53.123456), "latitude", "no more than"),
        (new_asset_data(location_precision="none"), "location_precision", "cannot be 'none'"),
        (new_asset_data(number=1), "number", "already exists"),
        (new_asset_data(name="   "), "name", "required"),
        (new_asset_data(status="demolished"), "status", "existing"),
        (new_asset_data(number=0), "number", "greater than or equal to 1"),
        (new_asset_data(organisation_kind="guild"), "organisation_kind", "university"),
        ({"name": "Only a name"}, "number", "required"),
    ],
)
def test_refused_create_is_422_naming_the_field_and_changes_nothing(register, data, field, message):
    client, _ = make_client(Role.OFFICER)
    before = snapshot()
    response = post(client, API, data)
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"]
    assert any(message in m for m in body["errors"][field]), body
    assert field in body["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"number": 2}, "number", "already exists"),
        ({"name": ""}, "name", "at least 1 character"),
        ({"name": None}, "name", "required"),
        ({"latitude": None}, "latitude", "Enter a latitude too"),
        ({"latitude": None, "longitude": None}, "location_precision", "set precision to 'none'"),
        ({"theme": "space_tourism"}, "theme", "valid choice"),
        ({"asset_type": "spaceport"}, "asset_type", "research_facility"),
    ],
)
def test_refused_patch_is_422_naming_the_field_and_changes_nothing(register, data, field, message):
    client, _ = make_client(Role.OFFICER)
    asset = Asset.objects.get(number=9)
    before = snapshot()
    response = patch(client, f"{API}{asset.pk}", data)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(message in m for m in errors[field]), errors
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nmae": "A typo"}, "nmae"),  # a misspelt field is refused, not silently ignored
        ([None, None], "body"),
        ("a string", "body"),
        (None, "body"),
    ],
)
def test_a_patch_body_that_is_not_an_asset_object_is_422_and_changes_nothing(register, body, field):
    client, _ = make_client(Role.OFFICER)
    asset = Asset.objects.get(number=9)
    before = snapshot()
    response = patch(client, f"{API}{asset.pk}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_an_empty_patch_changes_nothing_and_adds_no_history(register):
    client, _ = make_client(Role.OFFICER)
    asset = Asset.objects.get(number=9)
    before = snapshot()
    response = patch(client, f"{API}{asset.pk}", {})
    assert response.status_code == 200
    assert response.json()["number"] == 9
    assert snapshot() == before


def test_a_form_encoded_or_broken_multipart_body_is_refused(register):
    client, _ = make_client(Role.OFFICER)
    before = snapshot()
    response = client.post(API, {"number": "500"})  # multipart form data, not JSON
    assert response.status_code in (400, 422)
    response = client.generic("POST", API, b"--x--", content_type="multipart/form-data")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert snapshot() == before


def test_patch_can_clear_a_position(register):
    client, _ = make_client(Role.OFFICER)
    asset = Asset.objects.get(number=1)
    response = patch(
        client,
        f"{API}{asset.pk}",
        {"latitude": None, "longitude": None, "location_precision": "none"},
    )
    assert response.status_code == 200, response.content
    asset.refresh_from_db()
    assert asset.latitude is None and asset.longitude is None
    feature = next(f for f in client.get(API + "geojson").json()["features"] if f["id"] == asset.pk)
    assert feature["properties"]["position_approximate"] is True


def test_retire_needs_a_reason_and_cannot_retire_twice(register):
    client, _ = make_client(Role.OFFICER)
    asset = Asset.objects.get(number=12)
    before = snapshot()
    response = post(client, f"{API}{asset.pk}/retire", {"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]
    response = post(client, f"{API}{asset.pk}/retire", {})
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]
    assert snapshot() == before

    assert post(client, f"{API}{asset.pk}/retire", {"reason": "Closed"}).status_code == 200
    before = snapshot()
    response = post(client, f"{API}{asset.pk}/retire", {"reason": "Again"})
    assert response.status_code == 422
    assert "already retired" in response.json()["detail"]
    assert snapshot() == before


def test_a_body_that_is_not_json_is_400_and_changes_nothing(register):
    client, _ = make_client(Role.OFFICER)
    before = snapshot()
    response = client.post(API, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert snapshot() == before


# --- retired assets: who sees them -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_retired_asset_visibility_by_role(register, officer, role):
    retired = retire_asset(Asset.objects.get(number=13), officer, "Closed")
    client, _ = make_client(role)
    sees = role in CAN_SEE_RETIRED

    detail = client.get(f"{API}{retired.pk}")
    assert detail.status_code == (200 if sees else 404)
    if sees:
        assert detail.json()["retired"] is True
        assert detail.json()["retired_reason"] == "Closed"

    # Left out of the list unless asked for, and then only for those who may see it.
    assert client.get(API).json()["count"] == 106
    listed = client.get(API, {"include_retired": "true", "page_size": 500})
    assert listed.json()["count"] == (107 if sees else 106)
    assert (13 in numbers(listed)) is sees

    features = client.get(API + "geojson", {"include_retired": "true"}).json()["features"]
    assert (retired.pk in {f["id"] for f in features}) is sees
    rows = csv_rows(client.get(API + "csv", {"include_retired": "true"}))
    assert ("13" in {r[0] for r in rows[1:]}) is sees


@pytest.mark.parametrize("role", [Role.PROGRAMME_MANAGER, Role.ASSESSOR, "anonymous"])
def test_writes_to_a_retired_asset_by_those_who_cannot_see_it_change_nothing(
    register, officer, role
):
    retired = retire_asset(Asset.objects.get(number=14), officer, "Closed")
    client, _ = make_client(role)
    before = snapshot()
    response = patch(client, f"{API}{retired.pk}", {"name": "x"})
    assert response.status_code in (401, 403, 404)
    assert snapshot() == before


def test_an_officer_can_still_edit_a_retired_asset(register, officer):
    retired = retire_asset(Asset.objects.get(number=15), officer, "Closed")
    client, _ = make_client(Role.OFFICER)
    response = patch(client, f"{API}{retired.pk}", {"notes": "Archived"})
    assert response.status_code == 200
    assert response.json()["retired"] is True


# --- the documentation -----------------------------------------------------------------------


def test_openapi_documents_every_operation(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = {
        (method.upper(), path): op
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/assets/")
    }
    assert set(operations) == {
        ("GET", "/api/assets/"),
        ("POST", "/api/assets/"),
        ("GET", "/api/assets/geojson"),
        ("GET", "/api/assets/csv"),
        ("GET", "/api/assets/{asset_id}"),
        ("PATCH", "/api/assets/{asset_id}"),
        ("DELETE", "/api/assets/{asset_id}"),
        ("POST", "/api/assets/{asset_id}/retire"),
    }
    for op in operations.values():
        assert op["summary"] and op["description"] and op["tags"] == ["Assets"]
        assert "422" in op["responses"]
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), parameter["name"]
    geojson = operations[("GET", "/api/assets/geojson")]["responses"]["200"]["content"]
    assert list(geojson) == ["application/geo+json"]
    assert list(operations[("GET", "/api/assets/csv")]["responses"]["200"]["content"]) == [
        "text/csv"
    ]
    for key in [("POST", "/api/assets/"), ("PATCH", "/api/assets/{asset_id}")]:
        assert {"401", "403", "422"} <= set(operations[key]["responses"])
        assert operations[key]["security"] == [{"SessionAuth": []}]
    assert client.get("/api/docs").status_code == 200


@pytest.mark.parametrize(
    "params", [{"q": "nul\x00byte"}, {"theme": "nul\x00byte"}, {"nul\x00": "x"}]
)
@pytest.mark.parametrize("path", ["/api/assets/", "/api/assets/geojson", "/api/pipeline/projects"])
def test_a_nul_character_in_the_query_is_refused_with_a_reason(register, client, params, path):
    response = client.get(path, params)
    assert response.status_code == 422
    assert "NUL" in response.json()["detail"]


def test_a_nul_character_in_a_page_query_is_a_bad_request(register, client):
    response = client.get("/assets/", {"q": "nul\x00byte"})
    assert response.status_code == 400
    assert b"NUL" in response.content
