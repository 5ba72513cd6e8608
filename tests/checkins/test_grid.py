"""The officers' grid: sectors x boroughs with counts per answer and the organisations in each cell, "need police
contact" pinned with who to call, the share answered; the CSV export. Counted in the database: the same few
queries at any size."""

import csv
import io

import pytest
from django.urls import reverse

from messaging.bulletins import services as bulletin_services
from messaging.checkins import live_grid, selectors, services
from messaging.checkins.models import DEFAULT_CHOICES, CheckIn
from messaging.checkins.services import ChoiceSpec
from tests.factories import OrganisationFactory, member_of
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db

GRID_QUERY_BOUND = 12


def main_part(page: str) -> str:
    """The page from its <main> on: what the view renders (the layout's navigation has its own tests, and icons)."""
    return page[page.index('<main id="main"'):] if '<main id="main"' in page else page


def open_check_in(officer, sectors, *, boroughs=(), **fields) -> CheckIn:
    """A check-in on a new incident to these sectors, with the default answers, through the real services."""
    incident = bulletin_services.open_incident(title="Fire at Oxford Circus", sectors=sectors, boroughs=boroughs,
                                               by=officer)
    return services.open_check_in(by=officer, question="Are your premises affected?", incident=incident,
                                  choices=[ChoiceSpec(label, contact) for label, contact in DEFAULT_CHOICES],
                                  **fields)


def choice(check_in: CheckIn, label: str):
    return check_in.choices.get(label=label)


def answer(check_in, member, label, *, borough=None, note="", by_lead=False, by=None):
    return services.answer(check_in, member.organisation, choice(check_in, label), note, borough, by or member,
                           by_lead=by_lead).answer


@pytest.fixture
def known(officer, sector_a, sector_b, westminster, camden):
    """Four organisations: Acme (A), Bolt (A and B), Crane (B, needs police contact), Dune (A, silent)."""
    acme = member_of(sector_a, organisation=OrganisationFactory(name="Acme"), display_name="Ann Acme")
    bolt_retail = member_of(sector_a, organisation=OrganisationFactory(name="Bolt"), display_name="Bob Bolt")
    bolt_bank = member_of(sector_b, organisation=bolt_retail.organisation, display_name="Bea Bolt")
    crane = member_of(sector_b, organisation=OrganisationFactory(name="Crane"), display_name="Cy Crane",
                      phone="+44 20 7946 0000")
    dune = member_of(sector_a, organisation=OrganisationFactory(name="Dune"), display_name="Di Dune")
    check_in = open_check_in(officer, [sector_a, sector_b])
    answer(check_in, acme, "Not affected", borough=westminster)
    answer(check_in, bolt_bank, "Closed or evacuated", borough=camden)
    answer(check_in, crane, "Need police contact", note="Smoke in the stairwell; call Cy")
    return {"check_in": check_in, "acme": acme, "bolt": bolt_retail, "bolt_bank": bolt_bank, "crane": crane,
            "dune": dune}


def cell_counts(grid) -> dict:
    labels = {choice.pk: choice.label for choice in grid.choices}
    return {(row.name, borough_id): {labels[pk]: count for pk, count in cell.counts.items()}
            for row in grid.rows for borough_id, cell in row.cells.items()}


def test_the_grid_counts_each_organisation_in_every_sector_it_was_asked_through(known, sector_a, sector_b,
                                                                               westminster, camden):
    grid = selectors.grid_for(known["check_in"])
    assert [(row.name, row.asked, row.answered) for row in grid.rows] == [
        (sector_b.name, 2, 2), (sector_a.name, 3, 2)]  # Banking (Bolt, Crane), Retail (Acme, Bolt, Dune)
    assert cell_counts(grid) == {
        (sector_a.name, westminster.pk): {"Not affected": 1},
        (sector_a.name, camden.pk): {"Closed or evacuated": 1},
        (sector_b.name, camden.pk): {"Closed or evacuated": 1},
        (sector_b.name, None): {"Need police contact": 1},
    }
    assert grid.boroughs == [(camden.pk, "Camden"), (westminster.pk, "Westminster"), (None, "Borough not given")]
    names = {(row.name, borough_id): [name for _, name, _, _ in cell.organisations]
             for row in grid.rows for borough_id, cell in row.cells.items()}
    assert names[(sector_a.name, camden.pk)] == ["Bolt"] and names[(sector_b.name, camden.pk)] == ["Bolt"]


def test_the_share_answered_is_of_the_asked_organisations(known):
    grid = selectors.grid_for(known["check_in"])
    assert (grid.asked, grid.answered, grid.share) == (4, 3, 75)
    assert {choice.label: count for choice, count in grid.totals()} == {
        "Not affected": 1, "Affected, still operating": 0, "Closed or evacuated": 1, "Need police contact": 1}


def test_a_changed_answer_moves_to_its_new_cell(known, camden):
    answer(known["check_in"], known["acme"], "Affected, still operating", borough=camden)
    grid = selectors.grid_for(known["check_in"])
    retail = next(row for row in grid.rows if row.name == "Retail")
    assert {pk: cell.total for pk, cell in retail.cells.items()} == {camden.pk: 2}
    assert grid.answered == 3


def test_need_police_contact_is_pinned_first_with_the_members_contact_details(client, officer, known):
    client.force_login(officer)
    response = client.get(reverse("checkins:grid", args=[known["check_in"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    pinned = page.index("Need police contact <span")
    assert pinned < page.index("By sector and borough")
    section = page[pinned:page.index("By sector and borough")]
    for expected in ("Crane", "Cy Crane", known["crane"].email, "+44 20 7946 0000", 'href="tel:+442079460000"',
                     "Smoke in the stairwell; call Cy"):
        assert expected in section
    assert "Acme" not in section
    assert "3 of 4 organisations answered (75%)" in page


def test_a_need_for_police_contact_a_lead_recorded_shows_the_organisations_members_to_call(client, officer, known,
                                                                                          sector_a):
    lead = member_of(sector_a, display_name="Lee Retail", phone="020 7946 0999")
    dune = known["dune"]
    type(dune).objects.filter(pk=dune.pk).update(phone="020 7946 0444")
    for n in range(6):  # a big organisation: seven members in all
        member_of(sector_a, organisation=dune.organisation, display_name=f"Dune staff {n}")
    answer(known["check_in"], dune, "Need police contact", by_lead=True, by=lead, note="Called: flooding")
    client.force_login(officer)
    page = client.get(reverse("checkins:grid", args=[known["check_in"].pk])).content.decode()
    section = page[page.index("Need police contact <span"):page.index("By sector and borough")]
    card = section[section.index("<strong>Dune</strong>"):]
    card = card[:card.index("</li>")]
    assert "Recorded by Lee Retail" in card and "Called: flooding" in card
    assert "Di Dune" in card and dune.email in card and 'href="tel:02079460444"' in card
    assert "020 7946 0999" not in card and lead.email not in card  # the lead is not who to call
    assert card.count("mailto:") == 5 and "And 2 more members." in card  # the chase page has them all


def test_the_grid_is_a_live_part_that_can_be_fetched_alone(client, officer, known):
    client.force_login(officer)
    url = reverse("checkins:grid", args=[known["check_in"].pk])
    page = client.get(url).content.decode()
    assert f'data-live-part="checkin-{known["check_in"].pk}-grid"' in page
    assert f'data-part-url="{url}?fragment=grid"' in page
    assert "Fetched again" not in page  # the template's comment stays in the template
    fragment = client.get(url, {"fragment": "grid"})
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content and b"Need police contact" in fragment.content
    assert b'class="table-responsive"' in fragment.content  # the table scrolls sideways on a phone


def test_a_cells_and_n_more_lists_every_organisation_in_it(client, officer, sector_a, westminster):
    members = [member_of(sector_a, organisation=OrganisationFactory(name=f"Shop {n:02}")) for n in range(12)]
    check_in = open_check_in(officer, [sector_a])
    for member in members:
        answer(check_in, member, "Not affected", borough=westminster)
    grid = selectors.grid_for(check_in)
    cell = grid.rows[0].cells[westminster.pk]
    assert len(cell.organisations) == selectors.NAMES_PER_CELL and cell.more == 12 - selectors.NAMES_PER_CELL
    assert [name for _, name, _, _ in cell.organisations] == [f"Shop {n:02}" for n in range(selectors.NAMES_PER_CELL)]
    client.force_login(officer)
    url = reverse("checkins:grid", args=[check_in.pk])
    assert f"and {cell.more} more" in client.get(url).content.decode()
    listed = client.get(url, {"sector": sector_a.pk, "borough": westminster.pk}).content.decode()
    assert all(f"Shop {n:02}" in listed for n in range(12))
    none_given = client.get(url, {"sector": sector_a.pk, "borough": "none"}).content.decode()
    assert "Shop 00" not in none_given


def grid_queries(client, officer, check_in, django_assert_max_num_queries) -> None:
    client.force_login(officer)
    url = reverse("checkins:grid", args=[check_in.pk])
    with django_assert_max_num_queries(GRID_QUERY_BOUND):
        assert client.get(url).status_code == 200
    # An answer since: the fragment is rendered again, not served the page's render (live_grid).
    with django_assert_max_num_queries(GRID_QUERY_BOUND):
        assert client.get(url, {"fragment": "grid", "v": live_grid.bump(check_in.pk)}).status_code == 200


def test_the_grid_page_costs_a_bounded_number_of_queries_small(client, officer, known,
                                                               django_assert_max_num_queries):
    grid_queries(client, officer, known["check_in"], django_assert_max_num_queries)


def test_the_grid_page_costs_the_same_queries_with_many_organisations(client, officer, sector_a, sector_b,
                                                                       westminster, camden,
                                                                       django_assert_max_num_queries):
    members = [member_of(*([sector_a, sector_b] if n % 3 == 0 else [sector_a] if n % 2 else [sector_b]))
               for n in range(60)]
    check_in = open_check_in(officer, [sector_a, sector_b])
    labels = [label for label, _ in DEFAULT_CHOICES]
    for n, member in enumerate(members[:50]):
        answer(check_in, member, labels[n % 4], borough=[westminster, camden, None][n % 3],
               note=f"Note {n}")
    grid_queries(client, officer, check_in, django_assert_max_num_queries)
    grid = selectors.grid_for(check_in)
    assert (grid.asked, grid.answered) == (60, 50)


def test_the_csv_has_every_current_answer_and_every_organisation_that_has_not_answered(client, officer, known):
    client.force_login(officer)
    response = client.get(reverse("checkins:export", args=[known["check_in"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["Organisation", "Sectors", "Borough", "Answer", "Note", "Answered by",
                       "Answered by e-mail", "Answered at", "Recorded by a sector lead"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Acme", "Bolt", "Crane", "Dune"}
    assert by_name["Bolt"][1:5] == ["Banking and finance; Retail", "Camden", "Closed or evacuated", ""]
    assert by_name["Bolt"][5:7] == ["Bea Bolt", known["bolt_bank"].email]
    assert by_name["Crane"][3:5] == ["Need police contact", "Smoke in the stairwell; call Cy"]
    assert by_name["Dune"][1:4] == ["Retail", "", "(no answer)"]
    assert by_name["Acme"][8] == "no"


def test_the_csv_cannot_carry_a_formula(client, officer, sector_a):
    member = member_of(sector_a, organisation=OrganisationFactory(name="=HYPERLINK(\"http://evil\")"),
                       display_name="+Sam")
    other = member_of(sector_a, organisation=OrganisationFactory(name="-2+3"))  # has not answered
    check_in = open_check_in(officer, [sector_a])
    answer(check_in, member, "Not affected", note="@SUM(1+1)")
    client.force_login(officer)
    content = b"".join(client.get(reverse("checkins:export", args=[check_in.pk])).streaming_content).decode()
    rows = {row[0]: row for row in csv.reader(io.StringIO(content))}
    assert rows["'=HYPERLINK(\"http://evil\")"][4:6] == ["'@SUM(1+1)", "'+Sam"]
    assert "'-2+3" in rows and other.organisation.name == "-2+3"


def test_notes_from_the_xss_corpus_are_text_on_the_grid_and_in_the_csv(client, officer, sector_a):
    members = [member_of(sector_a, organisation=OrganisationFactory(name=f"XSS {n} {payload}"))
               for n, payload in enumerate(CORPUS)]
    check_in = open_check_in(officer, [sector_a])
    for member, payload in zip(members, CORPUS, strict=True):
        answer(check_in, member, "Need police contact", note=payload)
    client.force_login(officer)
    url = reverse("checkins:grid", args=[check_in.pk])
    for response in (client.get(url), client.get(url, {"fragment": "grid"}),
                     client.get(url, {"sector": sector_a.pk, "choice": choice(check_in, "Need police contact").pk})):
        assert response.status_code == 200
        assert executable_markup(main_part(response.content.decode())) == []
    content = b"".join(client.get(reverse("checkins:export", args=[check_in.pk])).streaming_content).decode()
    notes = {row[4] for row in csv.reader(io.StringIO(content))}
    assert all(payload in notes or f"'{payload}" in notes for payload in CORPUS if payload.strip())
