"""Members' replies reach someone: officers answer them privately (on the bulletin's page and by e-mail, the
answer stored cooked like every user text), mark them handled, and the unanswered ones are counted."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from common.text import PIPELINE_VERSION, render_markdown
from messaging.bulletins import selectors, services
from messaging.bulletins.models import Feedback
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(audience, sector_a, publish):
    bulletin = publish(title="Road closures on Saturday", sectors=[sector_a])
    mail.outbox.clear()  # the bulletin's own e-mails
    return services.leave_feedback(bulletin, user=audience["retail_camden"], body="Will **Regent Street** reopen?")


def _answer(client, officer, reply, text: str, **extra):
    client.force_login(officer)
    prefix = f"feedback-{reply.pk}"
    return client.post(reverse("bulletins:feedback_answer", args=[reply.pk]), {f"{prefix}-answer": text, **extra})


def test_an_officer_answers_a_reply_from_the_reply_inbox_and_the_member_reads_it_on_the_bulletin_and_by_email(
        client, officer, audience, reply, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://hub.example.org"
    client.force_login(officer)
    inbox = client.get(reverse("bulletins:feedback_list")).content.decode()
    assert "Will <strong>Regent Street</strong> reopen?" in inbox
    assert f'name="feedback-{reply.pk}-answer"' in inbox and ">Send the answer</button>" in inbox

    with django_capture_on_commit_callbacks(execute=True):
        response = _answer(client, officer, reply, "Yes, from *18:00*.")
    assert response.status_code == 302 and response["Location"] == reverse("bulletins:feedback_list")
    reply.refresh_from_db()
    assert (reply.answer, reply.answered_by, reply.handled_by) == ("Yes, from *18:00*.", officer, officer)
    assert (reply.answer_html, reply.answer_html_version) == (str(render_markdown("Yes, from *18:00*.")),
                                                              PIPELINE_VERSION)
    assert AuditEntry.objects.filter(action="feedback.answer", actor=officer, target_id=str(reply.pk)).exists()

    (message,) = mail.outbox
    assert message.to == [reply.author.email]
    assert message.subject == "[The Hub] Answer to your reply: Road closures on Saturday"
    assert "Yes, from *18:00*." in message.body
    assert f"https://hub.example.org{reply.bulletin.get_absolute_url()}#your-replies" in message.body
    assert "127.0.0.1" not in message.body and "example.com" not in message.body

    client.force_login(reply.author)
    page = client.get(reply.bulletin.get_absolute_url()).content.decode()
    assert "Will <strong>Regent Street</strong> reopen?" in page  # their own reply
    assert "Yes, from <em>18:00</em>." in page  # and the answer, from the stored HTML


def test_only_the_member_who_replied_sees_the_reply_and_its_answer(client, officer, audience, reply):
    services.answer_feedback(reply, by=officer, answer="Private answer for Cathy")
    other = audience["retail_westminster"]  # received the same bulletin
    client.force_login(other)
    page = client.get(reply.bulletin.get_absolute_url()).content.decode()
    assert "Regent Street" not in page and "Private answer for Cathy" not in page


def test_an_answer_about_an_official_sensitive_bulletin_is_not_emailed_in_clear(
        client, officer, audience, sector_a, publish, django_capture_on_commit_callbacks):
    bulletin = publish(title="Secret route", sectors=[sector_a], marking="official_sensitive")
    reply = services.leave_feedback(bulletin, user=audience["retail_camden"], body="Which gate?")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_feedback(reply, by=officer, answer="Gate 4 on the east side")
    (message,) = mail.outbox
    assert "Gate 4" not in message.body and "Secret route" not in message.subject + message.body
    assert bulletin.get_absolute_url() in message.body


def test_a_reply_is_answered_once(officer, people, reply):
    services.answer_feedback(reply, by=officer, answer="First")
    with pytest.raises(services.BulletinError, match="already answered"):
        services.answer_feedback(reply, by=people.officer, answer="Second")
    assert Feedback.objects.get(pk=reply.pk).answer == "First"


def test_an_empty_answer_comes_back_with_the_reason_and_nothing_is_sent(client, officer, reply):
    response = _answer(client, officer, reply, "   ")
    assert response.status_code == 200
    assert "Write an answer, or mark the reply handled instead." in response.content.decode()
    assert not Feedback.objects.get(pk=reply.pk).is_answered and not mail.outbox


def test_marking_handled_takes_a_reply_off_the_queue_and_the_count(client, officer, audience, reply):
    other = services.leave_feedback(reply.bulletin, user=audience["retail_westminster"], body="Thanks")
    assert selectors.unanswered_feedback_count() == 2
    client.force_login(officer)
    response = client.post(reverse("bulletins:feedback_handled", args=[other.pk]))
    assert response.status_code == 302
    assert selectors.unanswered_feedback_count() == 1
    assert AuditEntry.objects.filter(action="feedback.handle", target_id=str(other.pk)).exists()
    waiting = client.get(reverse("bulletins:feedback_list")).content.decode()
    assert "Regent Street" in waiting and "Thanks" not in waiting
    assert "Thanks" in client.get(reverse("bulletins:feedback_list") + "?show=all").content.decode()
    services.answer_feedback(reply, by=officer, answer="Yes")
    assert selectors.unanswered_feedback_count() == 0


def test_the_unanswered_count_is_one_query(officer, reply, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.unanswered_feedback_count() == 1


def test_the_reply_inbox_reads_a_bounded_number_of_queries(client, officer, audience, reply,
                                                            django_assert_max_num_queries):
    for n in range(30):
        services.leave_feedback(reply.bulletin, user=audience["retail_westminster"], body=f"Reply {n}")
    client.force_login(officer)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("bulletins:feedback_list")).status_code == 200


@pytest.mark.parametrize("payload", CORPUS[:8])
def test_an_answer_is_shown_sanitised(client, officer, reply, payload):
    services.answer_feedback(reply, by=officer, answer=payload)
    client.force_login(reply.author)
    page = client.get(reply.bulletin.get_absolute_url()).content.decode()
    assert not executable_markup(page.split('id="your-replies"')[1].split("</section>")[0])


def test_bulk_and_queryset_writes_of_an_answer_store_its_html(reply):
    Feedback.objects.filter(pk=reply.pk).update(answer="**bold**")
    assert Feedback.objects.get(pk=reply.pk).answer_html == str(render_markdown("**bold**"))
