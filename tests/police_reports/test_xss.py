"""The XSS corpus through every field a member or officer fills in (title, body, message) and through file
names: on the pages that show them and in the e-mails that name them, nothing runs."""

import pytest
from django.core import mail
from django.urls import reverse

from messaging.police_reports import services
from messaging.police_reports.attachments import check_upload
from tests.police_reports.conftest import png_bytes, submit, upload
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", CORPUS)
def test_the_corpus_through_every_field_and_file_name_runs_nowhere(client, people, spoc, westminster, payload,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(people.member_a, [westminster], title=payload[:200], body=payload,
                        files=[check_upload(upload(payload[:100] + ".png", png_bytes()))])
        services.post_message(report, by=spoc, body=payload)
        services.post_message(report, by=people.member_a, body=payload)
    pages = []
    for user in (people.member_a, spoc):
        client.force_login(user)
        pages.append(client.get(report.get_absolute_url()).content.decode())
        pages.append(client.get(report.get_absolute_url() + "?fragment=messages").content.decode())
    client.force_login(people.member_a)
    pages.append(client.get(reverse("police_reports:list")).content.decode())
    for page in pages:
        assert executable_markup(page) == []
    assert mail.outbox
    for message in mail.outbox:
        assert "\n" not in message.subject
        assert executable_markup(message.alternatives[0][0], allowed_tags=frozenset({"meta"})) == []


@pytest.mark.parametrize("payload", CORPUS)
def test_the_corpus_in_a_file_name_is_only_text_in_the_download_header(client, people, westminster, payload):
    report = submit(people.member_a, [westminster], files=[check_upload(upload(payload + ".png", png_bytes()))])
    attachment = report.attachments.get()
    client.force_login(people.member_a)
    response = client.get(reverse("police_reports:attachment", args=[report.pk, attachment.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and "\n" not in disposition
    fallback = disposition.split('filename="', 1)[1].split('"; filename*=', 1)[0]
    assert '"' not in fallback and "\\" not in fallback


def test_the_dashboard_tag_and_directory_escape_what_they_show(client, people, westminster):
    from django.template import Context, Template
    submit(people.member_a, [westminster], title=CORPUS[0])
    html = Template("{% load police_reports %}{% my_open_reports user %}").render(Context({"user": people.member_a}))
    assert executable_markup(html, allowed_tags=frozenset()) == [] and "&lt;script&gt;" in html
