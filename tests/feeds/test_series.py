"""A bulletin's supersedes chain is stored with it (Bulletin.series, series_position): the calendar feed's UID
and SEQUENCE. Drafts continue their predecessor's chain; the migration filled it for existing bulletins."""

import importlib

import pytest
from django.apps import apps

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db


def test_an_update_continues_its_predecessors_chain(publish, supersede, officer, sector_a):
    first = publish(sectors=[sector_a])
    second = supersede(first)
    third = services.create_draft(by=officer, sectors=[sector_a], boroughs=[], supersedes=second, title="Third",
                                  body="Again.")
    assert (first.series, first.series_root, first.series_position) == (None, first.pk, 0)
    assert (second.series_root, second.series_position) == (first.pk, 1)
    assert (third.series_root, third.series_position) == (first.pk, 2)


def test_the_migration_fills_existing_chains(officer):
    first = BulletinFactory(author=officer)
    second = BulletinFactory(author=officer, supersedes=first)
    third = BulletinFactory(author=officer, supersedes=second)
    alone = BulletinFactory(author=officer)
    migration = importlib.import_module("messaging.bulletins.migrations.0010_bulletin_series")

    migration.fill_series(apps, None)

    found = {b.pk: (b.series_root, b.series_position) for b in Bulletin.objects.all()}
    assert found == {first.pk: (first.pk, 0), second.pk: (first.pk, 1), third.pk: (first.pk, 2),
                     alone.pk: (alone.pk, 0)}
