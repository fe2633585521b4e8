"""Creating, editing, retiring and deleting assets through the one set of core functions."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from northstar.assets import services
from northstar.assets.models import Asset, AssetFilters, LocationScope
from northstar.core.errors import UserInputError

NEW_ASSET = {
    "number": 108,
    "name": "Liverpool Quantum Lab",
    "theme": "ai_emerging_tech",
    "status": "pipeline",
    "asset_type": "research_facility",
    "borough": "liverpool",
    "latitude": "53.4060",
    "longitude": "-2.9660",
    "location_precision": "area",
    "organisation_kind": "university",
    "notes": "",
}


def test_an_officer_creates_an_asset_and_the_history_says_who(lcr, officer):
    asset = services.create_asset(NEW_ASSET, officer)
    assert asset.place.code == "E08000012"
    assert asset.latitude == Decimal("53.4060")
    record = asset.history.get()
    assert (record.history_type, record.history_user) == ("+", officer)


def test_invalid_data_is_refused_with_each_field_named_and_nothing_saved(lcr, officer):
    with pytest.raises(services.AssetInvalid) as caught:
        services.create_asset({**NEW_ASSET, "theme": "", "latitude": "91"}, officer)
    assert set(caught.value.errors) == {"theme", "latitude"}
    assert not Asset.objects.exists()


def test_roles_without_the_permission_cannot_change_the_register(
    register, board_member, programme_manager
):
    asset = Asset.objects.get(number=4)
    for user in (board_member, programme_manager):
        with pytest.raises(PermissionDenied):
            services.create_asset(NEW_ASSET, user)
        with pytest.raises(PermissionDenied):
            services.update_asset(asset, {**services.asset_form_data(asset), "name": "X"}, user)
        with pytest.raises(PermissionDenied):
            services.retire_asset(asset, user, "closed")
    asset.refresh_from_db()
    assert asset.name.startswith("Alder Hey") and not asset.is_retired


def test_edit_records_the_changed_fields(register, officer):
    asset = Asset.objects.get(number=4)
    services.update_asset(asset, {**services.asset_form_data(asset), "status": "pipeline"}, officer)
    entry = services.asset_history(asset)[0]
    assert entry.who == officer.username
    assert ("status", "existing", "pipeline") in entry.changes


def test_retire_hides_from_the_public_and_reinstate_restores(register, officer, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    asset = Asset.objects.get(number=4)
    with pytest.raises(UserInputError):
        services.retire_asset(asset, officer, "   ")
    services.retire_asset(asset, officer, "Merged into another asset")
    assert not Asset.objects.visible_to(AnonymousUser()).filter(pk=asset.pk).exists()
    assert Asset.objects.visible_to(officer).filter(pk=asset.pk).exists()
    services.reinstate_asset(asset, officer)
    assert Asset.objects.visible_to(AnonymousUser()).filter(pk=asset.pk).exists()
    reasons = [e.reason for e in services.asset_history(asset)]
    assert reasons[:2] == ["Reinstated", "Retired: Merged into another asset"]


def test_only_an_administrator_can_delete(register, officer, admin_user_):
    asset = Asset.objects.get(number=4)
    with pytest.raises(PermissionDenied):
        services.delete_asset(asset, officer)
    services.delete_asset(asset, admin_user_)
    assert not Asset.objects.filter(number=4).exists()
    assert Asset.history.filter(number=4, history_type="-").get().history_user == admin_user_


def test_filters_combine(register):
    qs = Asset.objects.filtered(AssetFilters(theme="infection_health", borough="liverpool"))
    assert (
        qs.count()
        == Asset.objects.filter(theme__code="infection_health", place__slug="liverpool").count()
    )
    assert qs.count() > 0
    assert Asset.objects.filtered(AssetFilters(q="alder hey")).filter(number=4).exists()
    assert Asset.objects.filtered(AssetFilters(borough=LocationScope.REGION_WIDE)).count() == 6
    assert Asset.objects.pipeline().count() + Asset.objects.existing().count() == 107


def test_counts_by_theme_and_borough_add_up(register):
    by_theme = Asset.objects.all().counts_by_theme()
    by_borough = Asset.objects.all().counts_by_borough()
    assert sum(r["count"] for r in by_theme) == sum(r["count"] for r in by_borough) == 107
    assert {r["label"]: r["count"] for r in by_borough}["Liverpool"] == Asset.objects.filter(
        place__code="E08000012"
    ).count()


def test_every_default_asset_has_a_map_position(register, lcr):
    positions = [a.map_position(lcr) for a in Asset.objects.select_related("place")]
    assert all(p is not None for p in positions)
    unknown = Asset.objects.get(number=27)  # Digital Tech Cluster: region-wide, no coordinates
    assert unknown.map_position(lcr) == (lcr.centroid_latitude, lcr.centroid_longitude)


def test_cli_import_reports_the_bad_row_and_changes_nothing(register, officer, tmp_path):
    from northstar.assets.services import DEFAULT_REGISTER

    lines = DEFAULT_REGISTER.read_text(encoding="utf-8").splitlines()
    lines[10] = lines[10].replace(",existing,", ",demolished,", 1)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 11, column status"):
        call_command("import_assets", str(path), user=officer.username)
    assert Asset.objects.filter(status="demolished").count() == 0


def test_load_default_data_again_keeps_the_officers_edits(db, officer):
    call_command("load_default_data")
    asset = Asset.objects.get(number=1)
    services.update_asset(
        asset, {**services.asset_form_data(asset), "name": "ABB UK (moved)"}, officer
    )
    call_command("load_default_data")
    assert Asset.objects.count() == 107
    assert Asset.objects.get(number=1).name == "ABB UK (moved)"
    assert Asset.history.count() == 108


def test_history_names_related_records_rather_than_ids(register, officer):
    asset = Asset.objects.get(number=4)
    services.update_asset(
        asset, {**services.asset_form_data(asset), "theme": "ai_emerging_tech"}, officer
    )
    entry = services.asset_history(asset)[0]
    assert (
        "theme",
        "Infection / health innovation",
        "AI solutions & emerging technologies",
    ) in entry.changes


def test_saving_an_unchanged_asset_adds_no_history(register, officer):
    asset = Asset.objects.get(number=4)
    before = asset.history.count()
    services.update_asset(asset, services.asset_form_data(asset), officer)
    assert asset.history.count() == before
