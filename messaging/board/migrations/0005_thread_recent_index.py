"""An index for the dashboard's latest threads across the reader's forums (newest approved first)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('board', '0004_cooked_posts'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='thread',
            index=models.Index(condition=models.Q(('status', 'approved')), fields=['-last_activity_at', '-id'], name='thread_recent'),
        ),
    ]
