"""Templates for recurring notices, and the template a bulletin was started from (its placeholders are checked
at publish)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bulletins', '0006_feedback_answers'),
        ('sectors', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='NoticeTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True)),
                ('kind', models.CharField(choices=[('pre_planning', 'Pre-planning notice'), ('incident_update', 'Incident update'), ('advice', 'Advice'), ('fraud_alert', 'Fraud alert')], default='pre_planning', max_length=20)),
                ('severity', models.CharField(choices=[('info', 'Info'), ('advisory', 'Advisory'), ('warning', 'Warning'), ('critical', 'Critical')], default='info', max_length=12)),
                ('marking', models.CharField(choices=[('official', 'OFFICIAL'), ('official_sensitive', 'OFFICIAL-SENSITIVE')], default='official', max_length=20)),
                ('ack_requested', models.BooleanField(default=False, verbose_name='acknowledgement requested')),
                ('title', models.CharField(max_length=200)),
                ('body', models.TextField(max_length=20000)),
                ('location', models.CharField(blank=True, max_length=200)),
                ('everyone', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('boroughs', models.ManyToManyField(blank=True, related_name='+', to='sectors.borough')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sectors', models.ManyToManyField(blank=True, related_name='+', to='sectors.sector')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='bulletin',
            name='notice_template',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='bulletins', to='bulletins.noticetemplate'),
        ),
    ]
