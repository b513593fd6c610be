"""A wait a supervisor ended is recorded as "supervisor" ("Ended by a supervisor"),
no longer as "hung-up", which read like the caller's own hang-up."""

from django.db import migrations, models


def rename(old: str, new: str):
    def run(apps, schema_editor):
        apps.get_model("queues", "QueueEntry").objects.filter(outcome=old).update(outcome=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="queueentry",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("connected", "Connected"),
                    ("abandoned", "Abandoned"),
                    ("overflowed", "Overflowed"),
                    ("supervisor", "Ended by a supervisor"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(rename("hung-up", "supervisor"), rename("supervisor", "hung-up")),
    ]
