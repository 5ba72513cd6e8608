"""The XSS corpus through the rest of the portal's user text: bulletins, incidents, feedback, organisation
names, display names, membership reasons and requests to join an organisation (what the person wrote, the
refusal's reason), on every page and in every e-mail that shows them."""

import pytest
from django.core import mail
from django.urls import reverse

from messaging.bulletins import services
from messaging.bulletins.models import Feedback
from sectors import services as sector_services
from sectors.models import Membership, OrganisationAdministrator, OrganisationJoinRequest
from tests.factories import BulletinFactory, MembershipFactory, UserFactory
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", CORPUS)
def test_xss_corpus_everywhere_else(client, people, sector_a, payload, django_capture_on_commit_callbacks):
    # A member's own names carry the payload, and so does everything an officer writes.
    people.member_a.display_name = payload[:80]
    people.member_a.save()
    people.member_a.organisation.name = payload[:150]
    people.member_a.organisation.save()
    incident = services.open_incident(title=payload[:200], sectors=[sector_a], boroughs=[], by=people.officer)
    bulletin = BulletinFactory(title=payload[:200], body=payload, location=payload[:200], author=people.officer,
                               ack_requested=True, sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_bulletin(bulletin, by=people.officer)
        services.post_incident_update(incident, title=payload[:200], body=payload, severity="warning",
                                      by=people.officer)
    Feedback.objects.create(bulletin=bulletin, author=people.member_a, body=payload)
    pending = Membership.objects.get(user=people.applicant, sector=sector_a)
    with django_capture_on_commit_callbacks(execute=True):
        sector_services.refuse_membership(pending, by=people.lead_a, reason=payload)
    # Requests to join member A's organisation (they administer it): one waits, the applicant's is refused.
    organisation = people.member_a.organisation
    OrganisationAdministrator.objects.create(organisation=organisation, user=people.member_a)
    joiner = UserFactory(verified=True, display_name=payload[:80])
    MembershipFactory(user=joiner, sector=sector_a, status="applied", statement=payload)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = sector_services.name_organisation(joiner, organisation_name=organisation.name, statement=payload)
        refused = sector_services.name_organisation(people.applicant, organisation_name=organisation.name,
                                                    statement=payload)
        sector_services.refuse_join_request(refused, by=people.member_a, reason=payload)
        # And one joins: the organisation page shows them to its administrator beside the appoint/remove buttons.
        colleague = UserFactory(verified=True, display_name=payload[:80])
        MembershipFactory(user=colleague, sector=sector_a, status="approved")
        joined = sector_services.name_organisation(colleague, organisation_name=organisation.name, statement=payload)
        sector_services.approve_join_request(joined, by=people.member_a)
    assert OrganisationJoinRequest.objects.filter(pk=waiting.pk, status="pending").exists()

    pages = {
        people.member_a: [reverse("bulletins:inbox"), bulletin.get_absolute_url(), reverse("bulletins:incident_list"),
                          reverse("bulletins:incident_detail", args=[incident.pk]), reverse("dashboard"),
                          reverse("sectors:detail", args=[sector_a.slug]),
                          reverse("sectors:organisation", args=[people.member_a.organisation.pk]),
                          reverse("sectors:join_requests"), reverse("sectors:join_refuse", args=[waiting.pk])],
        people.officer: [reverse("bulletins:officer_list"), reverse("bulletins:report", args=[bulletin.pk]),
                         reverse("bulletins:feedback_list"), bulletin.get_absolute_url()],
        people.lead_a: [reverse("sectors:queue") + "?status=refused", reverse("sectors:queue"),
                        reverse("sectors:join_requests")],
        people.applicant: [reverse("sectors:mine"), reverse("dashboard")],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert executable_markup(response.content.decode()) == [], url
    client.force_login(people.member_a)
    page = client.get(reverse("sectors:organisation", args=[organisation.pk])).content.decode()
    assert reverse("sectors:person_remove", args=[organisation.pk, colleague.pk]) in page  # the buttons were there
    # E-mails are plain text only: nothing in them can run.
    assert mail.outbox
    assert all(not getattr(message, "alternatives", None) for message in mail.outbox)
