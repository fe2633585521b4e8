"""The logic model's programme becomes a link to a Programme.

`LogicModelElement.programme` named a programme in text (written before programmes were
modelled). Each text is matched to a programme by name or short name, ignoring case and spacing;
text that matches none is kept in the new `programme_label`, so nothing is lost. Reversible: the
text comes back from the programme's name or the label. 0003 drops the old text column.
"""

import django.db.models.deletion
from django.db import migrations, models


def _key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def programme_for_text(text: str, programmes) -> tuple[int | None, str]:
    """(programme id, label) for a programme named in text: the programme whose name (or else
    short name) is the text, ignoring case and spacing; otherwise no programme and the text as
    the label. `programmes` are (id, name, short_name) rows. Empty text is the partnership."""
    key = _key(text)
    if not key:
        return None, ""
    for field in (1, 2):
        found = [row[0] for row in programmes if _key(row[field]) == key]
        if len(found) == 1:
            return found[0], ""
    return None, " ".join(text.split())[:200]


def link_programmes(apps, schema_editor):
    Element = apps.get_model("indicators", "LogicModelElement")
    Programme = apps.get_model("programmes", "Programme")
    programmes = list(Programme.objects.values_list("id", "name", "short_name"))
    for element in Element.objects.exclude(programme_text=""):
        element.programme_id, element.programme_label = programme_for_text(
            element.programme_text, programmes
        )
        element.save(update_fields=["programme", "programme_label"])


def unlink_programmes(apps, schema_editor):
    Element = apps.get_model("indicators", "LogicModelElement")
    for element in Element.objects.select_related("programme"):
        text = element.programme.name if element.programme_id else element.programme_label
        if text != element.programme_text:
            element.programme_text = text[:200]
            element.save(update_fields=["programme_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("programmes", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="logicmodelelement",
            options={"ordering": ["place", "order", "id"]},
        ),
        migrations.RenameField(
            model_name="logicmodelelement", old_name="programme", new_name="programme_text"
        ),
        migrations.AddField(
            model_name="logicmodelelement",
            name="programme",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="logic_model_elements",
                to="programmes.programme",
            ),
        ),
        migrations.AddField(
            model_name="logicmodelelement",
            name="programme_label",
            field=models.CharField(
                blank=True,
                help_text="A programme named in text that is not in the programmes list",
                max_length=200,
            ),
        ),
        # Last: the old column goes in 0003, in a transaction of its own (PostgreSQL refuses to
        # alter a table with deferred foreign-key checks pending from these updates).
        migrations.RunPython(link_programmes, unlink_programmes),
    ]
