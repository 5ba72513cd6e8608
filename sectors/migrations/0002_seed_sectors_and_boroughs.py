from django.db import migrations
from django.utils.text import slugify

SECTORS = [
    ("Banking and finance", "Banks, building societies, payment firms and financial market infrastructure."),
    ("Retail", "Shops, department stores, shopping centres and markets."),
    ("Hotels and hospitality", "Hotels, restaurants, bars and venues that host guests."),
    ("Transport", "Rail, bus, river, aviation and freight operators and their stations and depots."),
    ("Utilities", "Water, gas and electricity suppliers and networks."),
    ("Telecoms", "Fixed and mobile networks, data centres and internet exchanges."),
    ("Entertainment and events", "Theatres, cinemas, music venues and event organisers."),
    ("Sports grounds", "Stadiums, arenas and the clubs and operators who run them."),
    ("Property and facilities management", "Landlords, managing agents and facilities managers of commercial buildings."),
    ("Construction", "Contractors and developers, and the sites they run."),
    ("Legal", "Law firms, chambers and the courts' business neighbours."),
    ("Insurance", "Insurers, brokers and the Lloyd's market."),
    ("Pharmaceuticals and life sciences", "Manufacturers, laboratories and distributors of medicines."),
    ("Media and broadcasting", "Broadcasters, publishers and news organisations."),
    ("Private security", "Security providers, guarding and alarm-receiving centres."),
    ("Education", "Universities, colleges and schools."),
    ("Health", "Private hospitals, clinics and healthcare providers."),
    ("Faith", "Places of worship and faith organisations."),
    ("Tourism and attractions", "Museums, galleries, attractions and tour operators."),
    ("Night-time economy", "Late-night venues, clubs and licensed premises."),
    ("Business improvement districts", "BIDs and the partnerships that run town-centre business areas."),
    ("Logistics and distribution", "Warehousing, parcel and courier operators."),
    ("Energy and fuel", "Fuel retailers, terminals and energy traders."),
    ("Charities and NGOs", "Charities, non-governmental organisations and their premises."),
    ("Technology", "Software, cloud and technology companies."),
]

BOROUGHS = [
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden", "City of London", "Croydon",
    "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham", "Haringey", "Harrow", "Havering",
    "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea", "Kingston upon Thames", "Lambeth",
    "Lewisham", "Merton", "Newham", "Redbridge", "Richmond upon Thames", "Southwark", "Sutton",
    "Tower Hamlets", "Waltham Forest", "Wandsworth", "Westminster",
]


def seed(apps, schema_editor):
    Sector = apps.get_model("sectors", "Sector")
    Borough = apps.get_model("sectors", "Borough")
    for name, description in SECTORS:
        Sector.objects.get_or_create(slug=slugify(name), defaults={"name": name, "description": description})
    for name in BOROUGHS:
        Borough.objects.get_or_create(slug=slugify(name), defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("sectors", "Sector").objects.filter(slug__in=[slugify(n) for n, _ in SECTORS]).delete()
    apps.get_model("sectors", "Borough").objects.filter(slug__in=[slugify(n) for n in BOROUGHS]).delete()


class Migration(migrations.Migration):
    dependencies = [("sectors", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
