# The check-ins opened before deliveries kept the recipient's organisation: their carriers' deliveries take each
# recipient's organisation as it is now (what "asked" meant until then).

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill_carriers_deliveries(apps, schema_editor):
    CheckIn = apps.get_model("checkins", "CheckIn")
    Delivery = apps.get_model("bulletins", "Delivery")
    User = apps.get_model("accounts", "User")
    carriers = CheckIn.objects.filter(carrier__isnull=False).values("carrier_id")
    Delivery.objects.filter(bulletin_id__in=carriers, organisation__isnull=True).update(
        organisation_id=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("organisation_id")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_user_phone'),
        ('bulletins', '0013_delivery_organisation'),
        ('checkins', '0003_remindersent'),
    ]

    operations = [
        migrations.RunPython(fill_carriers_deliveries, migrations.RunPython.noop),
    ]
