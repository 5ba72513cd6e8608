"""A bridge call from start to finish in real browsers, each person in their own: an officer schedules a call on
an incident through the form; the sector's bridge representative, with a page open, gets the live toast, and
answers from the link in the e-mail the server sent; the chair ticks them attended and the co-chair's open roll
call follows; the chair records a decision and an action and publishes the summary to the incident's audience; a
member with the incident room open sees the summary arrive on the timeline and the calls part refreshed."""

import email
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from messaging.bridge.models import BridgeCall, Invitation, Outcome
from messaging.bulletins import services as bulletin_services
from messaging.bulletins.models import Bulletin
from sectors.services import name_representative
from tests.browser.servers import DaphneServer
from tests.browser.test_live import log_in
from tests.factories import OrganisationFactory, member_of, officer_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Generous: a loaded two-core machine runs daphne, the e-mail task and four Chromium pages at once.
WAIT = 20_000
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture
def mail_server(monkeypatch, tmp_path):
    """A daphne of its own that writes its e-mail to files here (the shared test server prints it to nowhere),
    so that the test can follow the link the invitee was actually sent."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    monkeypatch.setenv("EMAIL_BACKEND", FILE_BACKEND)
    monkeypatch.setenv("EMAIL_FILE_PATH", str(mail_dir))
    server = DaphneServer().start()
    yield server, mail_dir
    server.stop()


def sent_messages(mail_dir: Path) -> list[email.message.Message]:
    """Every message the file backend wrote (it separates the messages of one connection by a line of dashes)."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.lstrip()))
    return messages


def plain_text(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def rsvp_path_sent_to(page, mail_dir: Path, address: str, choice: str) -> str:
    """The path of the one-click answer link (``choice``: Accept, Decline...) in the invitation e-mail to
    ``address``; the e-mail task runs in the server after the commit, so it is waited for."""
    pattern = re.compile(rf"^{choice}: (\S+)$", re.MULTILINE)
    for _ in range(100):  # up to 20 s on a loaded machine; usually there by the time the page has loaded
        for message in sent_messages(mail_dir):
            if address in message.get("To", "") and (found := pattern.search(plain_text(message))):
                link = urlsplit(found.group(1))
                return f"{link.path}?{link.query}" if link.query else link.path
        page.wait_for_timeout(200)
    raise AssertionError(f"no invitation e-mail with an {choice} link reached {address}")


# Every toast live.js shows on the page, as text, in the order they came.
TOAST_RECORDER = """() => {
  window.toastsSeen = [];
  new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
    if (node.classList?.contains("toast")) window.toastsSeen.push(node.innerText);
  }))).observe(document.getElementById("live-toasts"), { childList: true });
}"""


def london_input(moment) -> str:
    """A time as the form's datetime-local field takes it (London time)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_call_is_scheduled_answered_held_and_summarised_live(browser, mail_server, sector_a, westminster):
    server, mail_dir = mail_server
    chair = officer_user(display_name="Inspector Chair")
    co_chair = officer_user(display_name="Sergeant Cochair")
    shop = OrganisationFactory(name="Regent Street Shops Ltd", boroughs=[westminster])
    representative = member_of(sector_a, organisation=shop, display_name="Rita Representative")
    name_representative(sector_a, person=representative, by=chair)
    member = member_of(sector_a, display_name="Mina Member")
    incident = bulletin_services.open_incident(title="Water main burst on Oxford Street", sectors=[sector_a],
                                               boroughs=[], by=chair)

    contexts = []

    def open_page(user, path: str):
        context, page = log_in(browser, server.url, user)
        contexts.append(context)
        page.goto(path)
        page.wait_for_selector('#live-status[data-state="live"]', state="attached", timeout=WAIT)
        return page

    try:
        invitee_page = open_page(representative, "/dashboard/")
        # Toasts fade after 15 s, which a loaded machine can spend on the scheduling request: keep what arrives.
        invitee_page.evaluate(TOAST_RECORDER)
        member_page = open_page(member, incident.get_absolute_url())
        expect(member_page.locator(f'[data-live-part="incident-{incident.pk}-calls"]')).to_contain_text(
            "No call is scheduled.")

        # The officer schedules the call from the incident room: its sectors come chosen.
        chair_page = open_page(chair, incident.get_absolute_url())
        chair_page.get_by_role("link", name="Schedule a bridge call").click()
        chair_page.wait_for_url(f"**/bridge/new/?incident={incident.pk}")
        assert chair_page.get_by_label("Retail", exact=True).is_checked()
        chair_page.get_by_label("Title").fill("Oxford Street: reopening plan")
        chair_page.get_by_label("Start (London time)").fill(london_input(timezone.now() + timedelta(minutes=20)))
        chair_page.get_by_label("Dial-in number(s)").fill("+44 20 7946 0000")
        chair_page.get_by_label("Access PIN").fill("482913")
        chair_page.locator("#id_co_chairs").get_by_label(re.compile("Sergeant Cochair")).check()
        chair_page.get_by_label("Agenda").fill("1. Which shops may **open**\n2. Deliveries")
        chair_page.get_by_role("button", name="Check invitees").click()
        expect(chair_page.locator("[data-invitee-count]")).to_contain_text("This will invite 1 person",
                                                                           timeout=WAIT)
        expect(chair_page.locator(".invitee-preview")).to_contain_text("Rita Representative")
        chair_page.get_by_role("button", name="Schedule and send the invitations").click()
        chair_page.wait_for_url(re.compile(r"/bridge/\d+/$"), timeout=WAIT)
        call = BridgeCall.objects.get(incident=incident)
        invitation = Invitation.objects.get(call=call)
        assert invitation.user == representative
        assert list(call.co_chairs.all()) == [co_chair]
        expect(chair_page.locator(".alert-success")).to_contain_text("1 person invited")

        # The representative's open page gets the invitation toast (when and what, never how to join).
        invitee_page.wait_for_function("window.toastsSeen.some((text) => text.includes('reopening plan'))",
                                       timeout=WAIT)
        toast = next(text for text in invitee_page.evaluate("window.toastsSeen") if "reopening plan" in text)
        assert "Oxford Street: reopening plan" in toast and "Invitation" in toast
        assert "482913" not in toast and "7946" not in toast
        # The member's open incident room lists the call, without the PIN.
        calls_part = member_page.locator(f'[data-live-part="incident-{incident.pk}-calls"]')
        expect(calls_part.locator(f'[data-call="{call.pk}"]')).to_contain_text("Oxford Street: reopening plan",
                                                                            timeout=WAIT)
        assert "482913" not in calls_part.inner_text()

        # The chair and the co-chair open the roll call: not answered yet.
        chair_page.goto(f"/bridge/{call.pk}/roll-call/")
        co_chair_page = open_page(co_chair, f"/bridge/{call.pk}/roll-call/")
        row = co_chair_page.locator(f"#invitation-{invitation.pk}")
        expect(row).to_contain_text("Not answered")

        # The representative answers from the e-mail's link, signed in nowhere: a confirmation page, then the POST.
        path = rsvp_path_sent_to(invitee_page, mail_dir, representative.email, "Accept")
        anonymous = browser.new_context(base_url=server.url, viewport={"width": 375, "height": 812})
        contexts.append(anonymous)
        link_page = anonymous.new_page()
        link_page.goto(path)
        expect(link_page.get_by_label("Accept")).to_be_checked()
        invitation.refresh_from_db()
        assert invitation.response == Invitation.Response.PENDING  # following the link changed nothing
        link_page.get_by_role("button", name="Confirm my answer").click()
        expect(link_page.locator(".alert-success")).to_contain_text("your answer is recorded", timeout=WAIT)
        invitation.refresh_from_db()
        assert invitation.response == Invitation.Response.ACCEPTED
        assert invitation.responded_by == representative
        # The co-chair's open roll call shows the answer without a reload.
        expect(row).to_contain_text("Accepted", timeout=WAIT)

        # The call begins (the form would not take a start in the past, so the clock is moved instead).
        started = timezone.now() - timedelta(minutes=2)
        BridgeCall.objects.filter(pk=call.pk).update(starts_at=started, ends_at=started + timedelta(minutes=60))

        # The chair ticks the representative attended; the co-chair's page follows.
        tick = chair_page.locator(f"#invitation-{invitation.pk}").get_by_role("button", name=re.compile("Attended"))
        tick.click()
        expect(tick).to_have_attribute("aria-pressed", "true", timeout=WAIT)
        expect(co_chair_page.locator("[data-attended-count]")).to_have_text("1", timeout=WAIT)
        expect(row.get_by_role("button")).to_have_attribute("aria-pressed", "true")
        invitation.refresh_from_db()
        assert invitation.attended and invitation.attendance_marked_by == chair

        # A decision, then an action owned by the sector, due in two hours.
        chair_page.get_by_label("Decision", exact=True).check()
        chair_page.get_by_label("What was decided, or who is to do what").fill("Shops east of Regent Street reopen")
        chair_page.get_by_role("button", name="Record it").click()
        expect(chair_page.locator(".alert-success")).to_contain_text("Decision recorded.", timeout=WAIT)
        chair_page.get_by_label("Action", exact=True).check()
        chair_page.get_by_label("What was decided, or who is to do what").fill("Tell members the delivery times")
        chair_page.get_by_label("Owner: a sector").select_option(label="Retail")
        chair_page.get_by_label("Due (London time)").fill(london_input(timezone.now() + timedelta(hours=2)))
        chair_page.get_by_role("button", name="Record it").click()
        expect(chair_page.locator(".alert-success")).to_contain_text("Action recorded.", timeout=WAIT)
        assert list(Outcome.objects.filter(call=call).values_list("kind", flat=True)) == ["decision", "action"]
        expect(co_chair_page.locator("#outcomes")).to_contain_text("Tell members the delivery times", timeout=WAIT)

        # The summary, to everyone the incident reaches.
        chair_page.get_by_role("link", name="Publish the summary…").click()
        chair_page.get_by_label(re.compile("Everyone the incident's updates reach")).check()
        chair_page.get_by_role("button", name="Publish the summary").click()
        chair_page.wait_for_url(f"**{incident.get_absolute_url()}", timeout=WAIT)
        summary = Bulletin.objects.get(summary_of_call=call)
        assert summary.incident_id == incident.pk and summary.kind == Bulletin.Kind.INCIDENT_UPDATE

        # The member's open incident room: the summary on the timeline, the call's decisions in the calls part.
        timeline = member_page.locator("#incident-timeline")
        expect(timeline).to_contain_text("Bridge call summary: Oxford Street: reopening plan", timeout=WAIT)
        expect(timeline).to_contain_text("Shops east of Regent Street reopen")
        expect(calls_part.get_by_role("link", name=re.compile("^Read the published summary"))).to_be_visible(
            timeout=WAIT)
        expect(calls_part).to_contain_text("Decisions and actions (2)")
        # Once, not twice: the live insert and the refreshed calls part do not race into a duplicate.
        expect(timeline.locator(f'[data-bulletin="{summary.pk}"]')).to_have_count(1)
        # The co-chair's open roll call closes its minutes: the decisions and actions can no longer be deleted.
        expect(co_chair_page.locator(f'#outcomes [data-live-part="roll-call-{call.pk}"] button')).to_have_count(
            0, timeout=WAIT)

        for page in (invitee_page, member_page, chair_page, co_chair_page):
            assert page.csp_errors == [], page.csp_errors
    finally:
        for context in contexts:
            context.close()
