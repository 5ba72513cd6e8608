"""The board's own on-site notes (thread and edit decisions) live in the notifications app now: its migration 0002
has copied them, so the board's table goes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("board", "0006_report_outcome_kind"),
        ("notifications", "0002_copy_board_notifications"),
    ]

    operations = [
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
