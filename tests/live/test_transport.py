"""Which channel-layer groups a socket joins and a bulletin is sent to, and the signal receivers' hookups."""

from datetime import UTC, datetime

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save

from messaging.bulletins import receivers
from messaging.bulletins.audience import Audience, Reach
from messaging.bulletins.payloads import make_cursor, parse_cursor
from messaging.bulletins.transport import (
    EVERYONE_GROUP,
    OFFICERS_GROUP,
    audience_groups,
    sector_group,
    socket_groups,
    user_group,
)
from sectors.models import Organisation
from sectors.signals import audience_changed, membership_changed


def test_a_socket_hears_every_group_a_bulletin_for_it_is_sent_to():
    member = Reach(is_officer=False, sector_ids=frozenset({3, 1}), borough_ids=frozenset())
    assert socket_groups(7, member) == [user_group(7), EVERYONE_GROUP, sector_group(1), sector_group(3)]
    officer = Reach(is_officer=True, sector_ids=frozenset(), borough_ids=frozenset())
    assert socket_groups(8, officer) == [user_group(8), OFFICERS_GROUP]
    for audience in [Audience.chosen(everyone=False, sectors=[3, 5]), Audience.chosen(everyone=True)]:
        sent_to = set(audience_groups(audience))
        assert OFFICERS_GROUP in sent_to
        assert member.receives(audience) == bool(sent_to & set(socket_groups(7, member)))


def test_one_message_per_targeted_group_never_per_recipient():
    assert audience_groups(Audience.chosen(everyone=True, sectors=[1, 2], boroughs=[4])) == [
        OFFICERS_GROUP, EVERYONE_GROUP]
    assert audience_groups(Audience.chosen(everyone=False, sectors=[2, 1])) == [
        OFFICERS_GROUP, sector_group(1), sector_group(2)]


def test_cursors_round_trip_and_refuse_what_is_not_one():
    published_at = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert parse_cursor(make_cursor(published_at, 42)) == (published_at, 42)
    for bad in [None, 12, "", "1:2:3", "x:1", "9" * 41]:
        assert parse_cursor(bad) is None


def test_the_receivers_are_connected_once_each():
    user_model = get_user_model()
    hookups = [
        (user_logged_out, None, receivers.on_logged_out),
        (m2m_changed, user_model.groups.through, receivers.on_roles_changed),
        (post_save, user_model, receivers.on_user_saved),
        (membership_changed, None, receivers.on_membership_changed),
        (audience_changed, None, receivers.on_audience_changed),
        (m2m_changed, Organisation.boroughs.through, receivers.on_premises_changed),
        (post_delete, UserSession, receivers.on_user_session_ended),
        *((signal, None, receivers.on_password_changed) for signal in (password_changed, password_reset, password_set)),
    ]
    for signal, sender, function in hookups:
        live = [r for r in signal._live_receivers(sender)[0] if r is function]
        assert len(live) == 1, function.__name__
