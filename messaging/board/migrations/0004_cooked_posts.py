"""Posts, their earlier versions and proposed edits store their sanitised HTML ("cooked"), with the text
pipeline's version, so the thread page renders no Markdown."""

from django.db import migrations, models


def cook(apps, schema_editor):
    # The pipeline's own function, as Post.save uses it: stored HTML reads the same whichever wrote it.
    from common.text import recook

    for name in ("Post", "PostRevision", "ProposedEdit"):
        recook(apps.get_model("board", name).objects.using(schema_editor.connection.alias), batch_size=2000)


def field(help_text=""):
    return models.PositiveSmallIntegerField(default=0, editable=False, help_text=help_text)


VERSION_HELP = "The text pipeline's version that made body_html (manage.py recook)."


class Migration(migrations.Migration):

    dependencies = [
        ("board", "0003_proposed_edits"),
    ]

    operations = [
        *(operation for model in ("post", "postrevision", "proposededit") for operation in (
            migrations.AddField(model_name=model, name="body_html",
                                field=models.TextField(blank=True, editable=False)),
            migrations.AddField(model_name=model, name="body_html_version", field=field(VERSION_HELP)),
        )),
        migrations.RunPython(cook, migrations.RunPython.noop, elidable=True),
    ]
