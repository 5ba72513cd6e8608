import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """AddIndex where the database has the index's method (GIN: PostgreSQL); elsewhere only the state changes, so
    the model declares the index once and SQLite, which has no GIN, still migrates."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('board', '0006_report_outcome_kind'),
        ('bulletins', '0011_partner_tokens_and_sensitive_views'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('thread', 'Thread'), ('post', 'Reply'), ('bulletin', 'Bulletin'), ('incident', 'Incident')], max_length=10)),
                ('object_id', models.PositiveBigIntegerField()),
                ('title', models.CharField(blank=True, help_text='Searched; empty for replies.', max_length=200)),
                ('body', models.TextField(blank=True)),
                ('created_at', models.DateTimeField()),
                ('vector', django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('bulletin', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='bulletins.bulletin')),
                ('forum', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='board.forum')),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='bulletins.incident')),
                ('post', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='board.post')),
                ('thread', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='board.thread')),
            ],
            options={
                'indexes': [models.Index(fields=['-created_at', '-id'], name='search_document_recent')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'object_id'), name='one_document_per_object')],
            },
        ),
        AddIndexOnPostgreSQL(
            model_name='searchdocument',
            index=django.contrib.postgres.indexes.GinIndex(fields=['vector'], name='search_document_vector'),
        ),
    ]
