"""Bulletin.sequence and LiveStream: the live stream's order is the publishes' commit order."""

from django.db import migrations, models


def number_published(apps, schema_editor):
    Bulletin = apps.get_model("bulletins", "Bulletin")
    LiveStream = apps.get_model("bulletins", "LiveStream")
    last = 0
    published = Bulletin.objects.filter(published_at__isnull=False).order_by("published_at", "pk")
    for pk in published.values_list("pk", flat=True).iterator(chunk_size=2000):
        last += 1
        Bulletin.objects.filter(pk=pk).update(sequence=last)
    LiveStream.objects.create(pk=1, last_sequence=last)


class Migration(migrations.Migration):

    dependencies = [
        ("bulletins", "0003_bulletin_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulletin",
            name="sequence",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.CreateModel(
            name="LiveStream",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_sequence", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(number_published, migrations.RunPython.noop),
    ]
