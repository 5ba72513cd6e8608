"""The bridge call pages and the incident room, measured as test_accessibility.py measures the rest of the portal:
axe-core (WCAG 2.0, 2.1 and 2.2 A and AA) and the form controls' borders, as each role sees them, at desktop width
and at 375 px (the narrowest phone in common use), where nothing may spill sideways out of the page either."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from messaging.bridge import links, minutes
from messaging.bridge import services as bridge_services
from messaging.bridge.models import BridgeCall, Invitation, Outcome
from messaging.bulletins import services as bulletin_services
from sectors.services import name_representative
from tests.browser.test_accessibility import DESKTOP, open_as, violations_on
from tests.browser.test_reconnect import off_the_event_loop
from tests.factories import OrganisationFactory, member_of, officer_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")

# What spills out sideways at this width: the page scrolls horizontally, or an element reaches past the viewport.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = Array.from(document.querySelectorAll("main *")).filter((element) => {
    const box = element.getBoundingClientRect();
    return element.checkVisibility() && box.width > 0 && (box.right > width + 1 || box.left < -1)
      && !element.closest(".visually-hidden, .table-responsive, .multiselect-box");
  });
  const scrolled = document.documentElement.scrollWidth;
  const spill = scrolled > width ? [`page scrolls sideways: ${scrolled}px`] : [];
  const named = (element) => `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}`;
  return spill.concat(wide.slice(0, 5).map((element) =>
    `${named(element)} reaches ${Math.round(element.getBoundingClientRect().right)}px`));
}"""


def audit(page, path: str, role: str, *, status: int = 200, screenshot: str = "") -> list[str]:
    """axe on one page at desktop width, then at 375 px (the same page, reflowed), and what overflows there."""
    if path:
        response = page.goto(path)
        assert response.status == status, f"{role} {path}: {response.status}"
    where = path or page.url
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(50)
    problems = violations_on(page, f"{role} {where} at {DESKTOP['width']}px")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)  # one frame for the reflow
    problems += violations_on(page, f"{role} {where} at {PHONE['width']}px")
    problems += [f"{role} {where} at {PHONE['width']}px: overflow: {found}" for found in page.evaluate(OVERFLOW)]
    if screenshot and SCREENSHOTS:  # to look at the phone layout: SCREENSHOT_DIR=/tmp/shots pytest ...
        page.screenshot(path=str(Path(SCREENSHOTS) / f"bridge-{screenshot}-375.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    return problems


def started(call: BridgeCall, minutes_ago: int, length: int = 60) -> None:
    """Move a call's start into the past (scheduling refuses a past start; time passing is what moves it)."""
    start = timezone.now() - timedelta(minutes=minutes_ago)
    BridgeCall.objects.filter(pk=call.pk).update(starts_at=start, ends_at=start + timedelta(minutes=length))
    call.refresh_from_db()


@pytest.fixture
def room(sector_a, westminster):
    """An incident with a call under way (answered, one attended, a decision and an action recorded) and a call
    held earlier whose summary went to the incident's audience; long names and text, as real ones can be."""
    chair = officer_user(display_name="Detective Chief Inspector Chair")
    colleague = officer_user(display_name="PC Colleague")
    shop = OrganisationFactory(name="Regent Street and Oxford Circus Retailers' Association Ltd",
                               boroughs=[westminster])
    representative = member_of(sector_a, organisation=shop, display_name="Rita Representative-Longname")
    deputy = member_of(sector_a, organisation=shop, display_name="Dave Deputy")
    name_representative(sector_a, person=representative, by=chair, deputy=deputy)
    member = member_of(sector_a, display_name="Mina Member")
    incident = bulletin_services.open_incident(
        title="Water main burst on Oxford Street between Regent Street and Tottenham Court Road",
        sectors=[sector_a], boroughs=[], by=chair)
    fields = {"duration_minutes": 60, "dial_in": "+44 20 7946 0000\n+44 20 7946 0999", "access_pin": "482913",
              "join_url": "https://meet.example.org/bridge/a-very-long-meeting-identifier-0123456789abcdefghij",
              "chair": chair, "agenda": "1. Which shops may **open**\n2. Deliveries", "capacity": 50,
              "incident": incident}
    soon = (timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    calls = {}

    def schedule(title: str) -> None:
        calls[title] = bridge_services.schedule_call(by=chair, sectors=[sector_a], title=title, starts_at=soon,
                                                     **fields)

    off_the_event_loop(schedule, "Earlier call: the first assessment of the damage")
    off_the_event_loop(schedule, "Oxford Street reopening plan and deliveries for the weekend")
    held, current = calls.values()
    started(held, minutes_ago=180)
    off_the_event_loop(minutes.record_outcome, held, kind=Outcome.Kind.DECISION,
                       text="Close the street until **Monday**", by=chair)
    off_the_event_loop(minutes.publish_summary, held, by=chair, audience=minutes.Audiences.INCIDENT)

    started(current, minutes_ago=10)
    invitation = Invitation.objects.get(call=current, user=representative)
    off_the_event_loop(bridge_services.respond, invitation, by=representative, response=Invitation.Response.ACCEPTED)
    off_the_event_loop(minutes.mark_attended, invitation, True, by=chair)
    off_the_event_loop(minutes.record_outcome, current, kind=Outcome.Kind.DECISION,
                       text="Shops east of Regent Street reopen", by=chair)
    off_the_event_loop(minutes.record_outcome, current, kind=Outcome.Kind.ACTION,
                       text="Tell members the delivery times", owner_sector=sector_a,
                       due_at=timezone.now() + timedelta(hours=2), by=chair)
    return {"chair": chair, "colleague": colleague, "representative": representative, "member": member,
            "incident": incident, "call": current, "held": held, "invitation": invitation}


def test_the_bridge_pages_and_the_incident_room_meet_wcag_a_and_aa_at_desktop_and_phone_width(
        browser, live_server_url, room):
    incident, call, invitation = room["incident"], room["call"], room["invitation"]
    rsvp = links.rsvp_url(call, invitation.pk, room["representative"].pk, "delegate")
    rsvp_path = rsvp[rsvp.index("/bridge/"):]
    # (who, user or None, [(path, status, screenshot name)])
    visits = [
        ("member", room["member"], [("/bridge/", 200, "list"), (f"/bridge/{call.pk}/", 200, ""),
                                    (incident.get_absolute_url(), 200, "room-member")]),
        ("invitee", room["representative"], [(f"/bridge/{call.pk}/", 200, "call-invitee"),
                                             (incident.get_absolute_url(), 200, "")]),
        ("chair", room["chair"], [("/bridge/", 200, ""), (f"/bridge/{call.pk}/", 200, "call-chair"),
                                  (f"/bridge/{call.pk}/roll-call/", 200, "roll-call"),
                                  (f"/bridge/{call.pk}/summary/", 200, "summary"),
                                  (f"/bridge/{room['held'].pk}/roll-call/", 200, ""),
                                  (incident.get_absolute_url(), 200, "room-officer")]),
        ("other officer", room["colleague"], [(f"/bridge/{call.pk}/roll-call/", 200, "")]),
        ("e-mail link", None, [(rsvp_path, 200, "rsvp-link")]),
    ]
    problems = []
    for role, user, paths in visits:
        context, page = open_as(browser, live_server_url, user, None)
        try:
            for path, status, screenshot in paths:
                problems += audit(page, path, role, status=status, screenshot=screenshot)
        finally:
            context.close()

    # The schedule form, sent back with its errors beside the fields (and the error summary on top).
    context, page = open_as(browser, live_server_url, room["chair"], None)
    try:
        page.goto(f"/bridge/new/?incident={incident.pk}")
        page.get_by_label("Access PIN").fill("12ab")
        page.get_by_label("Join link").fill("http://insecure.example.org/")
        page.get_by_role("button", name="Schedule and send the invitations").click()
        page.wait_for_load_state()
        assert page.locator("#id_access_pin").get_attribute("aria-invalid") == "true"
        problems += audit(page, "", "chair: schedule form with errors", screenshot="form-errors")
    finally:
        context.close()

    assert problems == [], "WCAG A/AA violations or overflow:\n" + "\n".join(problems)
