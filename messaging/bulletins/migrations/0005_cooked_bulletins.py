"""Bulletins (incident updates included) and feedback store their sanitised HTML ("cooked"), with the text
pipeline's version, so pages render no Markdown."""

from django.db import migrations, models


def cook(apps, schema_editor):
    # The pipeline's own function, as Bulletin.save uses it: stored HTML reads the same whichever wrote it.
    from common.text import recook

    for name in ("Bulletin", "Feedback"):
        recook(apps.get_model("bulletins", name).objects.using(schema_editor.connection.alias), batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("bulletins", "0004_live_sequence"),
    ]

    operations = [
        *(operation for model in ("bulletin", "feedback") for operation in (
            migrations.AddField(model_name=model, name="body_html",
                                field=models.TextField(blank=True, editable=False)),
            migrations.AddField(model_name=model, name="body_html_version",
                                field=models.PositiveSmallIntegerField(default=0, editable=False)),
        )),
        migrations.RunPython(cook, migrations.RunPython.noop, elidable=True),
    ]
