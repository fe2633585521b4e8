"""The programme text the logic model held before 0002 linked it to programmes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_logic_model_programme_link")]

    operations = [
        migrations.RemoveField(model_name="logicmodelelement", name="programme_text"),
    ]
