"""Organisations registered before administrators existed: the person who registered each (the actor of its
``organisation.create`` audit entry) becomes its first administrator, if they still belong to it. Nobody else
is made one: the migration cannot tell an organisation's real people from someone who once claimed it by
name. An organisation left without an administrator is edited by superusers, who can name one on its page;
requests to join it are decided by the leads of its sectors."""

from django.db import migrations


def registrants_administer(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Organisation = apps.get_model("sectors", "Organisation")
    OrganisationAdministrator = apps.get_model("sectors", "OrganisationAdministrator")
    content_type = ContentType.objects.filter(app_label="sectors", model="organisation").first()
    if content_type is None:
        return
    entries = (AuditEntry.objects.filter(action="organisation.create", target_type=content_type, actor__isnull=False)
               .order_by("created_at", "pk").values_list("target_id", "actor_id", "actor__organisation_id"))
    existing = set(Organisation.objects.values_list("pk", flat=True))
    for target_id, actor_id, actor_organisation_id in entries:
        if target_id.isdigit() and int(target_id) in existing and actor_organisation_id == int(target_id):
            OrganisationAdministrator.objects.get_or_create(organisation_id=int(target_id), user_id=actor_id)


class Migration(migrations.Migration):

    dependencies = [
        ("sectors", "0003_organisation_administrators_and_join_requests"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(registrants_administer, migrations.RunPython.noop)]
