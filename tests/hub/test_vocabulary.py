"""One vocabulary on every page: "Log in" and "Sign up" (never "Sign in", "Sign out" or "Register" for them),
"e-mail" (the portal's word, never "email" or "Email") and real button labels ("Submit" nowhere).

The pages are rendered as each role sees them, allauth's included, and read as a person reads them: the text,
and the attributes that are shown or spoken (placeholders, labels, titles, button values)."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts import roles
from messaging.board import services as board_services
from messaging.board.models import Forum
from messaging.bulletins import services
from tests.conftest import client_as
from tests.factories import BulletinFactory, officer_user

FORBIDDEN = {
    "Sign in / Sign out (say Log in / Log out)": re.compile(r"\bsign[ -]?(in|out)\b", re.IGNORECASE),
    "Register (say Sign up)": re.compile(r"\bregister\b(?! (an|your|the|another) organisation)", re.IGNORECASE),
    "email (say e-mail)": re.compile(r"(?<![-@.\w])email\b", re.IGNORECASE),
    "Submit (name the action)": re.compile(r"\bsubmit\b", re.IGNORECASE),
}
SPOKEN_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt", "aria-description"}


class ReadableText(HTMLParser):
    """What a reader meets on a page: text outside scripts and styles, plus spoken attributes and the value of
    submit buttons."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self.hidden_depth += 1
        attributes = dict(attrs)
        self.parts += [value for name, value in attrs if name in SPOKEN_ATTRIBUTES and value]
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"} and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def forbidden_words(html: str) -> list[str]:
    reader = ReadableText()
    reader.feed(html)
    found = []
    for part in reader.parts:
        text = " ".join(part.split())
        found += [f"{rule}: {match.group(0)!r} in {text[:80]!r}" for rule, pattern in FORBIDDEN.items()
                  for match in pattern.finditer(text)]
    return found


def test_the_reader_finds_each_forbidden_word_where_a_person_would_meet_it():
    html = ('<h1>Sign In</h1><p>Register now</p><input placeholder="Email address"><input type="submit" '
            'value="Submit"><script>const email = 1;</script><a href="mailto:a@b.example">Your e-mail</a>'
            "<p>Register an organisation</p>")
    assert [finding.split(":")[0] for finding in forbidden_words(html)] == [
        "Sign in / Sign out (say Log in / Log out)", "Register (say Sign up)", "email (say e-mail)",
        "Submit (name the action)"]


@pytest.fixture
def pages(people, sector_a, officer):
    forum = Forum.objects.get(sector=sector_a)
    roles.make_moderator(people.moderator_a, forum)
    thread = board_services.start_thread(forum, author=officer, title="Road closures", body="Regent Street")
    post = board_services.reply(thread, author=people.member_a, body="Thanks.")
    bulletin = BulletinFactory(title="March on Saturday", author=officer, sectors=[sector_a], ack_requested=True)
    services.publish_bulletin(bulletin, by=officer)
    incident = services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[], by=officer)
    account = ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/accounts/sessions/"]
    return {
        "anonymous": ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/sectors/"],
        "applicant": ["/dashboard/", "/sectors/mine/", "/sectors/apply/", *account],
        "member_a": ["/dashboard/", "/forums/", f"/forums/{forum.slug}/", f"/forums/threads/{thread.pk}/",
                     f"/forums/{forum.slug}/new/", f"/forums/posts/{post.pk}/edit/", f"/forums/posts/{post.pk}/report/",
                     "/bulletins/", f"/bulletins/{bulletin.pk}/", "/bulletins/incidents/",
                     f"/bulletins/incidents/{incident.pk}/", f"/sectors/{sector_a.slug}/",
                     "/accounts/2fa/totp/activate/", *account],
        "lead_a": ["/sectors/applications/"],
        "moderator_a": ["/forums/moderation/", f"/forums/{forum.slug}/log/", f"/forums/posts/{post.pk}/history/"],
        "officer": ["/dashboard/", "/bulletins/manage/", "/bulletins/manage/new/", f"/bulletins/{bulletin.pk}/",
                    f"/bulletins/manage/{bulletin.pk}/report/", "/bulletins/manage/feedback/",
                    "/bulletins/incidents/new/", f"/bulletins/incidents/{incident.pk}/",
                    f"/bulletins/incidents/{incident.pk}/update/", "/accounts/2fa/reauthenticate/", *account],
    }


def test_every_page_says_log_in_sign_up_e_mail_and_names_its_buttons(client, people, pages):
    found = []
    for role, paths in pages.items():
        client.logout()
        client_as(client, people, role)
        for path in paths:
            response = client.get(path, follow=True)  # a page that asks to re-authenticate first: read that
            assert response.status_code == 200, f"{role} {path}: {response.status_code}"
            found += [f"{role} {path}: {finding}" for finding in forbidden_words(response.content.decode())]
    assert found == [], "Words outside the portal's vocabulary:\n" + "\n".join(found)


@pytest.mark.django_db
def test_the_second_login_step_says_log_in_too(db):
    officer = officer_user()
    client = Client()
    response = client.post("/accounts/login/", {"login": officer.email, "password": "correct-horse-battery"},
                           follow=True)
    assert response.request["PATH_INFO"] == "/accounts/2fa/authenticate/"
    assert forbidden_words(response.content.decode()) == []
