"""Drop Statistic's own indexes on measure_id and on place_id.

The unique constraint (measure, place, period_kind, year, industry_code) and the index
(place, measure) already lead with those columns, so every lookup by either uses them; the two
single-column indexes only slowed every import's writes (docs/PERFORMANCE.md, issue 3).

The indexes are dropped by name as the database reports them, not through AlterField: on SQLite
AlterField rebuilds the whole table (twice, one per field), copying every statistic.
"""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = ("measure_id", "place_id")


def _single_column_indexes(schema_editor, model, column: str) -> list[str]:
    """Names of the plain (not unique, not primary key) indexes on exactly this column."""
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(
            cursor, model._meta.db_table
        )
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [column]
    ]


def drop_indexes(apps, schema_editor):
    statistic = apps.get_model("economy", "Statistic")
    for column in COLUMNS:
        for name in _single_column_indexes(schema_editor, statistic, column):
            schema_editor.execute(schema_editor._delete_index_sql(statistic, name))


def create_indexes(apps, schema_editor):
    statistic = apps.get_model("economy", "Statistic")
    for column in COLUMNS:
        if not _single_column_indexes(schema_editor, statistic, column):
            field = statistic._meta.get_field(column.removesuffix("_id"))
            schema_editor.execute(schema_editor._create_index_sql(statistic, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("economy", "0001_initial"),
        ("places", "0003_place_itl3_postcode_postcodedistrict"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="statistic",
                    name="measure",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="values",
                        to="economy.measure",
                    ),
                ),
                migrations.AlterField(
                    model_name="statistic",
                    name="place",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="statistics",
                        to="places.place",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        )
    ]
