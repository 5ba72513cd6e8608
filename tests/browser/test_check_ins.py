"""A check-in from start to finish in real browsers: an officer asks "are you affected?" from the incident room
with the default answers; a member of the incident's sector, with the inbox open, gets the question as a toast
with the answers as buttons, follows one to the answer form (that answer chosen, nothing recorded yet) and sends
it; the officer's grid, open since before the answer, shows it without a reload."""

import re

import pytest
from playwright.sync_api import expect

from messaging.bulletins import services as bulletin_services
from messaging.checkins import services as checkin_services
from messaging.checkins.models import DEFAULT_CHOICES, Answer, CheckIn
from messaging.checkins.services import ChoiceSpec
from sectors.models import Borough
from tests.browser.test_live import log_in
from tests.browser.test_reconnect import off_the_event_loop
from tests.factories import OrganisationFactory, member_of, officer_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Generous: a loaded two-core machine runs daphne and three Chromium pages at once.
WAIT = 20_000
QUESTION = "Are your premises affected by the closure of Oxford Street?"
ANSWER = "Affected, still operating"


def test_officer_asks_member_answers_from_the_toast_and_the_grid_follows_live(browser, live_server_url, sector_a,
                                                                            westminster):
    officer = officer_user(display_name="Inspector Grid")
    shop = OrganisationFactory(name="Regent Street Shops Ltd", boroughs=[westminster])
    member = member_of(sector_a, organisation=shop, display_name="Mina Member")
    # A second organisation in the sector, which does not answer: the share answered goes from 0 to a half.
    member_of(sector_a, organisation=OrganisationFactory(name="Bond Street Jewellers"), display_name="Ollie Other")
    incident = bulletin_services.open_incident(title="Water main burst on Oxford Street", sectors=[sector_a],
                                               boroughs=[], by=officer)

    contexts, pages = [], []

    def open_page(user, path: str):
        context, page = log_in(browser, live_server_url, user)
        contexts.append(context)
        pages.append(page)
        page.page_errors = []
        page.on("pageerror", lambda error: page.page_errors.append(str(error)))
        page.goto(path)
        page.wait_for_selector('#live-status[data-state="live"]', state="attached", timeout=WAIT)
        return page

    try:
        # The member has the inbox open before the question is asked.
        member_page = open_page(member, "/bulletins/")

        # The officer asks from the incident room; the form comes with the four default answers.
        officer_page = open_page(officer, incident.get_absolute_url())
        officer_page.get_by_role("link", name="Ask: are you affected?").click()
        officer_page.wait_for_url(f"**/checkins/new/?incident={incident.pk}", timeout=WAIT)
        for index, label in enumerate(["Not affected", ANSWER, "Closed or evacuated", "Need police contact"],
                                      start=1):
            expect(officer_page.locator(f"#id_choice_{index}")).to_have_value(label)
        officer_page.get_by_label("Question").fill(QUESTION)
        officer_page.get_by_role("button", name="Ask now").click()
        officer_page.wait_for_url(re.compile(r"/checkins/\d+/$"), timeout=WAIT)
        check_in = CheckIn.objects.get(incident=incident)
        assert check_in.question == QUESTION and check_in.carrier is not None
        expect(officer_page.locator(".alert-success")).to_contain_text("the question has gone to 2 members")

        # The officer opens the grid (and keeps it open): nobody has answered.
        officer_page.get_by_role("link", name="The grid: sectors × boroughs").click()
        officer_page.wait_for_url(f"**/checkins/{check_in.pk}/grid/", timeout=WAIT)
        officer_page.wait_for_selector('#live-status[data-state="live"]', state="attached", timeout=WAIT)
        grid = officer_page.locator(f'[data-live-part="checkin-{check_in.pk}-grid"]')
        expect(grid.locator("#checkin-share")).to_have_text("0 of 2 organisations answered (0%)")
        retail_row = grid.locator("tbody tr").filter(has=officer_page.get_by_role("rowheader",
                                                                                  name=re.compile(sector_a.name)))
        expect(retail_row.locator("th")).to_contain_text("0 of 2 answered (0%)")
        expect(retail_row.locator("td").first).to_have_text("—")
        # Set on this document only: still there at the end means the grid changed without a reload.
        officer_page.evaluate("window.gridNeverReloaded = true")

        # The member's open inbox gets the question as a toast, its answers as buttons; one leads to the form
        # with that answer chosen.
        toast = member_page.locator(f'#live-toasts [data-bulletin="{check_in.carrier_id}"]')
        expect(toast).to_be_visible(timeout=WAIT)
        expect(toast).to_contain_text(QUESTION)
        buttons = toast.get_by_label("Answer for your organisation").get_by_role("link")
        expect(buttons).to_have_text(["Not affected", ANSWER, "Closed or evacuated", "Need police contact"])
        # The answers once, as buttons a thumb can hit; not again in a sentence above them.
        expect(toast).not_to_contain_text("Not affected Affected")
        assert min(box["height"] for box in (button.bounding_box() for button in buttons.all())) >= 44
        toast.get_by_role("link", name=ANSWER, exact=True).click()
        chosen = check_in.choices.get(label=ANSWER)
        member_page.wait_for_url(f"**/checkins/{check_in.pk}/answer/?choice={chosen.pk}", timeout=WAIT)
        expect(member_page.get_by_label(ANSWER, exact=True)).to_be_checked()
        expect(member_page.get_by_label("Not affected", exact=True)).not_to_be_checked()
        # The organisation's only premises are in Westminster: that borough comes chosen.
        expect(member_page.get_by_label("Borough of the premises concerned")).to_have_value(str(westminster.pk))
        assert not Answer.objects.filter(check_in=check_in).exists()  # following the button recorded nothing
        member_page.get_by_role("button", name="Send the answer").click()
        member_page.wait_for_url(f"**/checkins/{check_in.pk}/", timeout=WAIT)
        expect(member_page.locator(".alert-success")).to_contain_text(f"“{ANSWER}” is recorded")
        answer = Answer.objects.get(check_in=check_in)
        assert (answer.organisation, answer.choice, answer.answered_by, answer.borough) == (
            shop, chosen, member, westminster)

        # The officer's grid, open all along, follows.
        expect(grid.locator("#checkin-share")).to_have_text("1 of 2 organisations answered (50%)", timeout=WAIT)
        expect(retail_row.locator("th")).to_contain_text("1 of 2 answered (50%)")
        expect(retail_row.locator("td").first).to_have_text(f"{ANSWER}: 1")
        expect(grid.get_by_role("columnheader", name=westminster.name)).to_be_visible()
        expect(retail_row.locator("td").nth(1)).to_contain_text("Regent Street Shops Ltd")
        assert officer_page.evaluate("window.gridNeverReloaded") is True

        for page in pages:
            assert page.csp_errors == [], page.csp_errors
            assert page.page_errors == [], page.page_errors
    finally:
        for context in contexts:
            context.close()


def test_a_wide_grid_scrolls_inside_its_box_on_a_phone(browser, live_server_url, sector_a, sector_b):
    """Many boroughs make the table wider than a phone: it scrolls in its own box, and what its cells say only to
    screen readers stays in that box too (the page itself never scrolls sideways)."""
    officer = officer_user(display_name="Inspector Grid")
    boroughs = list(Borough.objects.order_by("name")[:6])
    members = [member_of(sector, organisation=OrganisationFactory(name=f"Premises {n} of a long name Ltd",
                                                                  boroughs=[borough]))
               for n, (sector, borough) in enumerate((sector, borough) for borough in boroughs
                                                     for sector in (sector_a, sector_b))]
    asked = {}

    def ask_and_answer() -> None:
        incident = bulletin_services.open_incident(title="Cordon", sectors=[sector_a, sector_b], boroughs=[],
                                                   by=officer)
        check_in = checkin_services.open_check_in(
            by=officer, question=QUESTION, incident=incident,
            choices=[ChoiceSpec(label, contact) for label, contact in DEFAULT_CHOICES])
        choices = list(check_in.choices.all())
        for n, member in enumerate(members):
            checkin_services.answer(check_in, member.organisation, choices[n % len(choices)], "", boroughs[n // 2],
                                    member)
        asked["check_in"] = check_in

    off_the_event_loop(ask_and_answer)
    context, page = log_in(browser, live_server_url, officer)
    try:
        assert page.goto(f"/checkins/{asked['check_in'].pk}/grid/").status == 200
        table_box = page.locator(".table-responsive")
        assert table_box.evaluate("box => box.scrollWidth > box.clientWidth")  # wider than the phone: it scrolls
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
