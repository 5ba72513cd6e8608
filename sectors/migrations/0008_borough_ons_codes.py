"""Each borough's ONS (GSS) code, for partner systems that match areas by code (CAP 1.2 geocodes).

The codes are the Office for National Statistics' London borough codes, E09000001 (City of London) to E09000033
(Westminster). Matched by the seeded names (0002); a borough renamed or added since is left blank."""

import django.core.validators
from django.db import migrations, models

ONS_CODES = {
    "City of London": "E09000001",
    "Barking and Dagenham": "E09000002",
    "Barnet": "E09000003",
    "Bexley": "E09000004",
    "Brent": "E09000005",
    "Bromley": "E09000006",
    "Camden": "E09000007",
    "Croydon": "E09000008",
    "Ealing": "E09000009",
    "Enfield": "E09000010",
    "Greenwich": "E09000011",
    "Hackney": "E09000012",
    "Hammersmith and Fulham": "E09000013",
    "Haringey": "E09000014",
    "Harrow": "E09000015",
    "Havering": "E09000016",
    "Hillingdon": "E09000017",
    "Hounslow": "E09000018",
    "Islington": "E09000019",
    "Kensington and Chelsea": "E09000020",
    "Kingston upon Thames": "E09000021",
    "Lambeth": "E09000022",
    "Lewisham": "E09000023",
    "Merton": "E09000024",
    "Newham": "E09000025",
    "Redbridge": "E09000026",
    "Richmond upon Thames": "E09000027",
    "Southwark": "E09000028",
    "Sutton": "E09000029",
    "Tower Hamlets": "E09000030",
    "Waltham Forest": "E09000031",
    "Wandsworth": "E09000032",
    "Westminster": "E09000033",
}


def fill_codes(apps, schema_editor):
    Borough = apps.get_model("sectors", "Borough")
    for name, code in ONS_CODES.items():
        Borough.objects.filter(name=name).update(ons_code=code)


def empty_codes(apps, schema_editor):
    apps.get_model("sectors", "Borough").objects.update(ons_code="")


class Migration(migrations.Migration):

    dependencies = [
        ("sectors", "0007_borough_spocs"),
    ]

    operations = [
        migrations.AddField(
            model_name="borough",
            name="ons_code",
            field=models.CharField(blank=True, max_length=9, validators=[django.core.validators.RegexValidator(
                "^[EWSN]\\d{8}$", "An ONS (GSS) code is a letter and eight digits, such as E09000033.")],
                verbose_name="ONS code"),
        ),
        migrations.RunPython(fill_codes, empty_codes),
    ]
