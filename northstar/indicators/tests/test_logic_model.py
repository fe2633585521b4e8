"""The logic model's link to programmes: the migration from programme names in text, the page, the
API and the default data loader."""

from __future__ import annotations

import importlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from northstar.indicators import services
from northstar.indicators.models import Indicator, LogicModelElement, Stage
from northstar.programmes.models import Programme

MIGRATION = importlib.import_module(
    "northstar.indicators.migrations.0002_logic_model_programme_link"
)
BEFORE = [("indicators", "0001_initial")]
LINKED = [("indicators", "0002_logic_model_programme_link")]
LATEST = [("indicators", "0003_remove_logic_model_programme_text")]


# --- The migration ---

ROWS = [(1, "Paediatric Open Innovation Zone", "POIZ"), (2, "LYVA Labs", "LYVA Labs")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Paediatric Open Innovation Zone", (1, "")),
        ("  paediatric   OPEN innovation zone ", (1, "")),  # case and spacing ignored
        ("poiz", (1, "")),  # the short name is a name too
        ("lyva labs", (2, "")),
        ("Innovation Zone", (None, "Innovation Zone")),  # no partial matches
        ("A  programme   not yet listed", (None, "A programme not yet listed")),
        ("", (None, "")),  # the partnership as a whole
    ],
)
def test_programme_for_text(text, expected):
    assert MIGRATION.programme_for_text(text, ROWS) == expected


def test_a_name_two_programmes_share_is_kept_as_a_label():
    rows = [(1, "Alpha Programme", "AP"), (2, "Another Programme", "AP")]
    assert MIGRATION.programme_for_text("ap", rows) == (None, "ap")
    assert MIGRATION.programme_for_text("alpha programme", rows) == (1, "")


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_links_names_and_keeps_what_it_cannot_match():
    """Back to the text field, sample rows, then the data-migration function and its reverse on
    them, then forward to the latest schema."""
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        executor.loader.build_graph()
        executor.migrate(LINKED)  # the new columns; the function has had no rows yet
        apps = executor.loader.project_state(LINKED).apps
        place = apps.get_model("places", "Place").objects.create(
            code="E47000004", slug="lcr", name="Liverpool City Region", level="combined_authority",
            boundary_year=2023,
        )  # fmt: skip
        programme_model = apps.get_model("programmes", "Programme")
        poiz = programme_model.objects.create(
            name="Paediatric Open Innovation Zone", short_name="POIZ", slug="poiz"
        )
        element = apps.get_model("indicators", "LogicModelElement")
        texts = ["", "paediatric open innovation zone", "POIZ", "The Hydrogen Cluster Fund"]
        for order, text in enumerate(texts):
            element.objects.create(
                place=place, programme_text=text, stage="input", text=f"e{order}", order=order
            )

        MIGRATION.link_programmes(apps, None)
        linked = {
            e.text: (e.programme_id, e.programme_label) for e in element.objects.order_by("order")
        }
        assert linked == {
            "e0": (None, ""),
            "e1": (poiz.pk, ""),
            "e2": (poiz.pk, ""),
            "e3": (None, "The Hydrogen Cluster Fund"),
        }

        MIGRATION.unlink_programmes(apps, None)
        assert list(element.objects.order_by("order").values_list("programme_text", flat=True)) == [
            "",
            "Paediatric Open Innovation Zone",
            "Paediatric Open Innovation Zone",
            "The Hydrogen Cluster Fund",
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(LATEST)
    # and the real schema: a link or a label, the text column gone
    rows = {e.text: e for e in LogicModelElement.objects.select_related("programme")}
    assert rows["e1"].programme.slug == "poiz" and rows["e3"].programme_label == (
        "The Hydrogen Cluster Fund"
    )
    assert "programme_text" not in {f.name for f in LogicModelElement._meta.get_fields()}


# --- Pages, API and loader ---


@pytest.fixture
def chains(lcr):
    """The partnership's chain, one of a listed programme and one named only in text."""
    poiz = Programme.objects.create(
        name="Paediatric Open Innovation Zone", short_name="POIZ", slug="poiz"
    )
    indicator = Indicator.objects.create(
        code="test-indicator",
        name="Test indicator",
        unit="%",
        unit_kind="percent",
        definition="A test.",
        source="test",
    )
    partnership = LogicModelElement.objects.create(
        place=lcr, stage=Stage.OUTCOME, text="More business R&D"
    )
    partnership.indicators.add(indicator)
    output = LogicModelElement.objects.create(
        place=lcr, programme=poiz, stage=Stage.OUTPUT, text="Products tested in hospitals"
    )
    output.leads_to.add(partnership)
    LogicModelElement.objects.create(
        place=lcr, programme=poiz, stage=Stage.INPUT, text="Combined Authority funding"
    )
    LogicModelElement.objects.create(
        place=lcr, programme_label="Hydrogen Fund", stage=Stage.INPUT, text="Hydrogen money"
    )
    return poiz


@pytest.mark.django_db
def test_the_programmes_logic_model_links_to_its_page(client, chains):
    text = client.get("/indicators/logic-model/", {"programme": "poiz"}).content.decode()
    link = 'of the programme <a class="govuk-link" href="/programmes/poiz/">Paediatric Open'
    assert link in text
    assert "Products tested in hospitals" in text and "Combined Authority funding" in text
    assert "Leads to: More business R&amp;D" in text
    assert "Hydrogen money" not in text
    # and the programme's page links back
    page = client.get("/programmes/poiz/").content.decode()
    assert 'href="/indicators/logic-model/?place=E47000004&amp;programme=poiz"' in page


@pytest.mark.django_db
def test_the_partnerships_logic_model_lists_the_others(client, chains):
    text = client.get("/indicators/logic-model/").content.decode()
    assert "More business R&amp;D" in text and "Products tested" not in text
    chooser = text[text.index('id="logic-model-chains"') : text.index('id="logic-model"')]
    assert "?place=E47000004&amp;programme=poiz" in chooser
    assert "?place=E47000004&amp;programme=Hydrogen%20Fund" in chooser
    labelled = client.get("/indicators/logic-model/", {"programme": "hydrogen fund"})
    assert "Hydrogen money" in labelled.content.decode()
    assert "not in the" in labelled.content.decode()


@pytest.mark.django_db
def test_unknown_and_unpublished_programmes_are_not_found(client, chains, officer):
    assert client.get("/indicators/logic-model/", {"programme": "nope"}).status_code == 404
    assert client.get("/api/indicators/logic-model", {"programme": "nope"}).status_code == 404
    Programme.objects.filter(pk=chains.pk).update(published=False)
    assert client.get("/indicators/logic-model/", {"programme": "poiz"}).status_code == 404
    assert client.get("/api/indicators/logic-model", {"programme": "poiz"}).status_code == 404
    assert "poiz" not in client.get("/indicators/logic-model/").content.decode()
    client.force_login(officer)  # officers see unpublished programmes
    assert client.get("/indicators/logic-model/", {"programme": "poiz"}).status_code == 200


@pytest.mark.django_db
def test_the_api_gives_each_element_with_its_programme(client, chains):
    partnership = client.get("/api/indicators/logic-model").json()
    assert [(e["text"], e["programme"], e["programme_name"]) for e in partnership] == [
        ("More business R&D", None, "")
    ]
    assert partnership[0]["indicators"] == ["test-indicator"]
    poiz = client.get("/api/indicators/logic-model", {"programme": "poiz"}).json()
    assert [(e["stage"], e["programme"], e["programme_name"]) for e in poiz] == [
        ("input", "poiz", "Paediatric Open Innovation Zone"),
        ("output", "poiz", "Paediatric Open Innovation Zone"),
    ]
    assert poiz[1]["leads_to"] == [partnership[0]["id"]]
    labelled = client.get("/api/indicators/logic-model", {"programme": "Hydrogen Fund"}).json()
    assert [(e["programme"], e["programme_name"]) for e in labelled] == [(None, "Hydrogen Fund")]
    assert client.get("/api/indicators/logic-model", {"place": "E99999999"}).status_code == 404


@pytest.mark.django_db
def test_the_loader_links_a_chains_programme_or_keeps_its_name(lcr, tmp_path):
    Programme.objects.create(name="LYVA Labs", short_name="LYVA Labs", slug="lyva-labs")
    data = {
        "source": "test",
        "indicators": [],
        "logic_model": [
            {"key": "p1", "stage": "input", "text": "Partnership input"},
            {"key": "l1", "stage": "input", "text": "LYVA money", "programme": "lyva-labs"},
            {"key": "l2", "stage": "output", "text": "LYVA output", "programme": "lyva-labs",
             "after": ["l1"]},
            {"key": "h1", "stage": "input", "text": "Hydrogen money", "programme": "Hydrogen Fund"},
        ],
    }  # fmt: skip
    path = tmp_path / "indicators.json"
    path.write_text(json.dumps(data))
    list(services.load_default_indicators(path, lcr))
    list(services.load_default_indicators(path, lcr))  # idempotent
    rows = {e.text: e for e in LogicModelElement.objects.select_related("programme")}
    assert len(rows) == 4 and LogicModelElement.objects.count() == 4
    assert rows["Partnership input"].programme is None
    assert rows["Partnership input"].programme_label == ""
    assert rows["LYVA money"].programme.slug == "lyva-labs"
    assert list(rows["LYVA money"].leads_to.all()) == [rows["LYVA output"]]
    assert (rows["Hydrogen money"].programme, rows["Hydrogen money"].programme_label) == (
        None,
        "Hydrogen Fund",
    )
    # an officer's edit of a chain is kept on a reload
    rows["LYVA output"].delete()
    list(services.load_default_indicators(path, lcr))
    assert not LogicModelElement.objects.filter(text="LYVA output").exists()
