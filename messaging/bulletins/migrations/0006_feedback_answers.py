"""Officers answer members' replies privately (the answer stored cooked, like the body) and mark them handled;
published bulletins can be withdrawn, with a reason."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bulletins', '0005_cooked_bulletins'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='bulletin',
            name='withdrawal_reason',
            field=models.TextField(blank=True, editable=False, max_length=2000),
        ),
        migrations.AddField(
            model_name='bulletin',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='bulletin',
            name='withdrawn_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='feedback',
            name='answer',
            field=models.TextField(blank=True, max_length=5000),
        ),
        migrations.AddField(
            model_name='feedback',
            name='answer_html',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='feedback',
            name='answer_html_version',
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='feedback',
            name='answered_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='feedback',
            name='answered_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='feedback',
            name='handled_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='feedback',
            name='handled_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='bulletin',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('scheduled', 'Scheduled'), ('published', 'Published'), ('expired', 'Expired'), ('superseded', 'Superseded'), ('withdrawn', 'Withdrawn')], db_index=True, default='draft', max_length=12),
        ),
        migrations.AddIndex(
            model_name='feedback',
            index=models.Index(condition=models.Q(('handled_at__isnull', True)), fields=['created_at'], name='feedback_unhandled'),
        ),
        migrations.AddIndex(
            model_name='feedback',
            index=models.Index(fields=['bulletin', 'author'], name='feedback_by_author'),
        ),
    ]
