# Issue 19: a bulletin's supersedes chain (its first bulletin's id and its place in it), so that the calendar feed
# (messaging/feeds) gives an event one UID across its updates, with SEQUENCE its place, without walking chains.

from django.db import migrations, models


def fill_series(apps, schema_editor):
    """Walk every existing chain once, in memory: the id -> supersedes map of the bulletins that supersede one."""
    Bulletin = apps.get_model("bulletins", "Bulletin")
    predecessor = dict(Bulletin.objects.filter(supersedes__isnull=False).values_list("pk", "supersedes_id"))
    changed = []
    for pk in predecessor:
        root, position = pk, 0
        while root in predecessor:
            root, position = predecessor[root], position + 1
        changed.append(Bulletin(pk=pk, series=root, series_position=position))
    Bulletin.objects.bulk_update(changed, ["series", "series_position"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("bulletins", "0009_inbox_and_ack_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulletin",
            name="series",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="bulletin",
            name="series_position",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_series, migrations.RunPython.noop),
    ]
