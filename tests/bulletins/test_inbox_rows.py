"""The inbox's rows, written in Python (messaging/bulletins/templatetags/bulletin_rows.py) rather than through the
template engine: what a row says, and that what officers typed reaches the page escaped."""

from django.urls import reverse

from messaging.bulletins.models import Bulletin


def test_an_inbox_row_says_what_the_bulletin_is_and_what_it_wants_of_the_reader(client, audience, sector_a, publish):
    bulletin = publish(title="Road closures", sectors=[sector_a], ack_requested=True,
                       severity=Bulletin.Severity.WARNING, kind=Bulletin.Kind.ADVICE,
                       marking=Bulletin.Marking.OFFICIAL_SENSITIVE)
    client.force_login(audience["retail_camden"])

    inbox = client.get(reverse("bulletins:inbox")).content.decode()

    assert (f'<a class="list-group-item list-group-item-action fw-semibold unread" '
            f'href="{bulletin.get_absolute_url()}" data-bulletin="{bulletin.pk}">') in inbox
    assert '<span class="visually-hidden">Unread: </span>Road closures</span>' in inbox
    assert '<span class="badge severity-warning">Warning</span>' in inbox
    assert '<span class="badge text-bg-light border">Advice</span>' in inbox
    assert '<span class="badge text-bg-dark">OFFICIAL-SENSITIVE</span>' in inbox
    assert '<span class="badge text-bg-warning">Please acknowledge</span>' in inbox


def test_an_inbox_row_escapes_what_the_officer_typed(client, audience, sector_a, publish):
    publish(title='<img src=x onerror="alert(1)"> & co', sectors=[sector_a])
    client.force_login(audience["retail_camden"])

    inbox = client.get(reverse("bulletins:inbox")).content.decode()

    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co" in inbox
    assert "<img src=x" not in inbox


def test_a_read_and_acknowledged_bulletin_is_no_longer_marked_in_the_inbox(client, audience, sector_a, publish):
    bulletin = publish(title="Road closures", sectors=[sector_a], ack_requested=True)
    reader = audience["retail_camden"]
    delivery = bulletin.deliveries.get(user=reader)
    delivery.read_at = delivery.acknowledged_at = bulletin.published_at
    delivery.save()
    client.force_login(reader)

    inbox = client.get(reverse("bulletins:inbox")).content.decode()

    assert f'<a class="list-group-item list-group-item-action" href="{bulletin.get_absolute_url()}"' in inbox
    assert "Unread: " not in inbox and "Please acknowledge" not in inbox
