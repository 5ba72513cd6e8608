"""Bulletin.summary: the body as plain text, stored so that live pushes and replays render no Markdown."""

from django.db import migrations, models


def fill_summaries(apps, schema_editor):
    # The live pipeline's own function: a summary must read the same whether written here or by Bulletin.save.
    from common.text import plain_summary

    Bulletin = apps.get_model("bulletins", "Bulletin")
    changed = []
    for bulletin in Bulletin.objects.only("pk", "body").iterator(chunk_size=500):
        bulletin.summary = plain_summary(bulletin.body, 200)
        changed.append(bulletin)
        if len(changed) == 500:
            Bulletin.objects.bulk_update(changed, ["summary"])
            changed = []
    Bulletin.objects.bulk_update(changed, ["summary"])


class Migration(migrations.Migration):

    dependencies = [
        ("bulletins", "0002_delivery_unsent_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulletin",
            name="summary",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.RunPython(fill_summaries, migrations.RunPython.noop, elidable=True),
    ]
