from django.db import migrations

HUB_DESCRIPTION = (
    "The cross-sector Hub: every approved member of any sector and the police liaison team talk here."
)


def create_forums(apps, schema_editor):
    Forum = apps.get_model("board", "Forum")
    Sector = apps.get_model("sectors", "Sector")
    Forum.objects.get_or_create(slug="hub", defaults={"name": "The Hub", "description": HUB_DESCRIPTION})
    for sector in Sector.objects.all():
        Forum.objects.get_or_create(
            sector=sector, defaults={"slug": sector.slug, "name": sector.name, "description": sector.description}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0001_forums_threads_posts"),
        ("sectors", "0002_seed_sectors_and_boroughs"),
    ]

    operations = [migrations.RunPython(create_forums, migrations.RunPython.noop)]
