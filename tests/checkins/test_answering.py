"""Answering for an organisation: one current answer per organisation, every change kept, changes until the close
and none after; a double click records one answer; members see their own organisation's answer only; closing
freezes the tally, which the incident room shows."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from messaging.bulletins import transport
from messaging.checkins import services
from messaging.checkins.models import Answer, AnswerChange
from messaging.checkins.services import ChoiceSpec
from sectors.models import Borough
from tests.checkins.asking import answer, ask_incident, choice, once_token
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(sector_a, westminster, camden):
    """Two members of one retail organisation with premises in Westminster and Camden."""
    organisation = OrganisationFactory(name="Oxford Street Stores", boroughs=[westminster, camden])
    return {"ann": member_of(sector_a, organisation=organisation, display_name="Ann Able"),
            "bob": member_of(sector_a, organisation=organisation, display_name="Bob Baker")}


@pytest.fixture
def other(sector_a):
    return member_of(sector_a, organisation=OrganisationFactory(name="Regent Street Hotels"), display_name="Olly")


@pytest.fixture
def hackney(db):
    """A borough where neither organisation has premises."""
    return Borough.objects.get(slug="hackney")


@pytest.fixture
def check_in(officer, sector_a, firm, other, django_capture_on_commit_callbacks):
    return ask_incident(officer, [sector_a], capture=django_capture_on_commit_callbacks)


@pytest.fixture
def announced(monkeypatch):
    sent = []
    monkeypatch.setattr(transport, "announce",
                        lambda audience, payload, follow=None: sent.append((audience, payload, follow)))
    return sent


def post_answer(client, check_in, label, *, note="", borough=None, token=None):
    if token is None:
        token = once_token(client.get(reverse("checkins:answer", args=[check_in.pk])
                                      + f"?choice={choice(check_in, label).pk}"))
    return client.post(reverse("checkins:answer", args=[check_in.pk]),
                       {"choice": choice(check_in, label).pk, "note": note, "borough": borough.pk if borough else "",
                        "once_token": token})


def test_one_answer_per_organisation_by_any_member_with_every_change_kept(check_in, firm, camden):
    answer(check_in, firm["ann"], "Not affected")
    answer(check_in, firm["bob"], "Closed or evacuated", note="Evacuated at 10:05", borough=camden)
    current = Answer.objects.get()
    assert (current.choice.label, current.answered_by, current.note, current.borough) == (
        "Closed or evacuated", firm["bob"], "Evacuated at 10:05", camden)
    history = list(AnswerChange.objects.order_by("at", "pk").values_list("choice__label", "by__display_name"))
    assert history == [("Not affected", "Ann Able"), ("Closed or evacuated", "Bob Baker")]
    assert AuditEntry.objects.filter(action="checkin.answer").count() == 2


def test_the_same_answer_again_writes_nothing(check_in, firm):
    first = answer(check_in, firm["ann"], "Not affected", note="All fine")
    again = answer(check_in, firm["ann"], "Not affected", note="All fine")
    assert (first.outcome, again.outcome) == (services.Outcome.RECORDED, services.Outcome.UNCHANGED)
    assert Answer.objects.count() == AnswerChange.objects.count() == 1


def test_a_double_click_records_one_answer_and_one_history_row(client, check_in, firm, westminster):
    client.force_login(firm["ann"])
    token = once_token(client.get(check_in.get_absolute_url()))
    first = post_answer(client, check_in, "Affected, still operating", borough=westminster, token=token)
    second = post_answer(client, check_in, "Affected, still operating", borough=westminster, token=token)
    assert first.status_code == second.status_code == 302
    assert Answer.objects.count() == AnswerChange.objects.count() == 1
    # Two renders of the form (two tabs) sending the same answer: the service's rule, one row still.
    post_answer(client, check_in, "Affected, still operating", borough=westminster)
    assert AnswerChange.objects.count() == 1


def test_the_answer_can_change_until_the_close_and_not_after(client, check_in, firm, officer):
    client.force_login(firm["ann"])
    post_answer(client, check_in, "Not affected")
    post_answer(client, check_in, "Need police contact", note="Suspicious van outside")
    assert Answer.objects.get().choice.label == "Need police contact"
    services.close_check_in(check_in, by=officer)
    with pytest.raises(services.CheckInError, match="closed"):
        answer(check_in, firm["bob"], "Not affected")
    refused = client.post(reverse("checkins:answer", args=[check_in.pk]),
                          {"choice": choice(check_in, "Not affected").pk})
    assert refused.status_code == 302 and refused["Location"] == check_in.get_absolute_url()
    page = client.get(check_in.get_absolute_url())
    assert "form" not in page.context and b"has closed" in page.content
    assert AnswerChange.objects.count() == 2 and Answer.objects.get().choice.label == "Need police contact"


def test_an_answer_from_another_check_in_is_refused(check_in, firm, officer, sector_a):
    second = ask_incident(officer, [sector_a])
    with pytest.raises(services.CheckInError, match="not one of"):
        services.answer(check_in, firm["ann"].organisation, second.choices.first(), "", None, firm["ann"])


def test_a_member_sees_only_their_own_organisations_answer_and_history(client, check_in, firm, other):
    answer(check_in, other, "Need police contact", note="Broken window, ring Olly")
    answer(check_in, firm["ann"], "Not affected", note="Doors shut as advised")
    client.force_login(firm["bob"])
    page = client.get(check_in.get_absolute_url())
    html = page.content.decode()
    assert "Doors shut as advised" in html and "Ann Able" in html
    assert "Broken window" not in html and "Olly" not in html and "Regent Street Hotels" not in html
    assert [change.by for change in page.context["history"]] == [firm["ann"]]


def test_a_member_of_another_sector_can_neither_see_nor_answer(client, check_in, sector_b):
    outsider = member_of(sector_b)
    client.force_login(outsider)
    assert client.get(check_in.get_absolute_url()).status_code == 404
    assert client.post(reverse("checkins:answer", args=[check_in.pk]),
                       {"choice": check_in.choices.first().pk}).status_code == 404
    assert Answer.objects.count() == 0


def test_the_toasts_button_opens_the_form_with_that_answer_chosen(client, check_in, firm, westminster, camden):
    client.force_login(firm["ann"])
    wanted = choice(check_in, "Closed or evacuated")
    page = client.get(reverse("checkins:answer", args=[check_in.pk]) + f"?choice={wanted.pk}")
    assert page.status_code == 200 and page.context["form"]["choice"].value() == wanted.pk
    assert page.context["form"].fields["borough"].choices == [  # its premises only
        ("", "Not given"), (str(camden.pk), "Camden"), (str(westminster.pk), "Westminster")]
    assert Answer.objects.count() == 0  # a GET records nothing


def test_the_form_starts_from_the_organisations_current_answer(client, check_in, firm, camden):
    answer(check_in, firm["ann"], "Closed or evacuated", note="Evacuated at 10:05", borough=camden)
    client.force_login(firm["bob"])
    html = client.get(reverse("checkins:answer", args=[check_in.pk])).content.decode()
    closed = choice(check_in, "Closed or evacuated")
    assert f'value="{closed.pk}" class="btn-check" autocomplete="off" id="id_choice_2" required checked' in html
    assert f'<option value="{camden.pk}" selected>Camden</option>' in html and "Evacuated at 10:05</textarea>" in html


def test_an_answer_without_a_choice_comes_back_with_the_error_and_the_note(client, check_in, firm):
    client.force_login(firm["ann"])
    token = once_token(client.get(check_in.get_absolute_url()))
    response = client.post(reverse("checkins:answer", args=[check_in.pk]),
                           {"note": "Typed before choosing", "once_token": token})
    assert response.status_code == 200 and "Choose one of the answers." in response.content.decode()
    assert "Typed before choosing" in response.content.decode() and Answer.objects.count() == 0


def test_an_answer_from_a_page_left_open_too_long_comes_back_with_what_was_typed(client, check_in, firm, camden):
    client.force_login(firm["ann"])
    closed = choice(check_in, "Closed or evacuated")
    response = client.post(reverse("checkins:answer", args=[check_in.pk]), {
        "choice": closed.pk, "borough": camden.pk, "note": "Evacuated at 10:05", "once_token": "expired-token"})
    html = response.content.decode()
    assert response.status_code == 200 and "nothing was done yet" in html
    assert "Evacuated at 10:05</textarea>" in html and f'value="{closed.pk}" class="btn-check"' in html
    assert Answer.objects.count() == 0
    # The form came back with a fresh token: sending it again records the answer.
    response = client.post(reverse("checkins:answer", args=[check_in.pk]), {
        "choice": closed.pk, "borough": camden.pk, "note": "Evacuated at 10:05", "once_token": once_token(response)})
    assert response.status_code == 302 and Answer.objects.get().note == "Evacuated at 10:05"


def test_each_answer_tells_the_officers_grid_after_the_commit(check_in, firm, announced,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, firm["ann"], "Not affected")
    audience, payload, follow = announced[-1]
    part = f"checkin-{check_in.pk}-grid"
    assert payload == {"type": "news", "toast": False, "refresh": [part], "coalesce": f"checkin-{check_in.pk}",
                       "versions": {part: payload["versions"][part]}}
    assert follow["part"] == part  # the processes follow the grid's version counter after it
    assert not audience.everyone and not audience.sector_ids and not audience.user_ids  # officers only


def test_closing_keeps_the_final_tally_in_the_incident_room(client, check_in, firm, other, officer, announced,
                                                            django_capture_on_commit_callbacks):
    answer(check_in, firm["ann"], "Not affected")
    answer(check_in, other, "Need police contact")
    client.force_login(officer)
    page = client.get(check_in.get_absolute_url())
    assert 'data-confirm="Close this check-in? Answers can no longer be given or changed' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("checkins:close", args=[check_in.pk]), {"once_token": once_token(page)})
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert not check_in.is_open and check_in.closed_by == officer
    asked = 2  # the firm and the other
    assert check_in.final_tally["answered"] == 2 and check_in.final_tally["asked"] == asked
    assert {c["label"]: c["count"] for c in check_in.final_tally["choices"]} == {
        "Not affected": 1, "Affected, still operating": 0, "Closed or evacuated": 0, "Need police contact": 1}
    assert f"incident-{check_in.incident_id}-checkins" in announced[-1][1]["refresh"]
    assert AuditEntry.objects.filter(action="checkin.close").exists()
    client.force_login(firm["bob"])
    room = client.get(check_in.incident.get_absolute_url()).content.decode()
    assert f"<strong>2</strong> of <strong>{asked}</strong> organisations answered" in room
    with pytest.raises(services.CheckInError, match="closed already"):
        services.close_check_in(check_in, by=officer)


def test_the_incident_room_shows_the_organisations_answer_and_the_buttons_in_constant_queries(
        client, officer, sector_a, firm, django_assert_max_num_queries, django_capture_on_commit_callbacks):
    check_ins = [ask_incident(officer, [sector_a], capture=django_capture_on_commit_callbacks)]
    incident = check_ins[0].incident
    answer(check_ins[0], firm["ann"], "Not affected")
    client.force_login(firm["bob"])
    part = reverse("checkins:incident_part", args=[incident.pk])
    with django_assert_max_num_queries(20) as one:
        html = client.get(part).content.decode()
    assert "Your organisation answered <strong>Not affected</strong>" in html
    for _ in range(4):
        check_ins.append(services.open_check_in(by=officer, question="And now?", incident=incident,
                                                choices=[services.ChoiceSpec("Yes"), services.ChoiceSpec("No")]))
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(part).content.decode()
    assert html.count("checkins/") >= 5 * 2 and "has not answered yet" in html
    for check_in in check_ins[1:]:
        assert f'{reverse("checkins:answer", args=[check_in.pk])}?choice=' in html


# A valid answer's queries: the session, the user, their roles and their sectors (every member's page asks them),
# the loader's one (the check-in, whether it asked the user, its choices, the organisation and its premises'
# boroughs), then the service's: a savepoint here (BEGIN in production), the check-in held open, the answer, its
# history row, the audit entry, the savepoint released (COMMIT).
ANSWER_POST_QUERIES = 11


def test_a_valid_answer_costs_one_query_to_load_and_check_then_the_writes(client, check_in, firm, westminster,
                                                                          django_assert_max_num_queries):
    client.force_login(firm["ann"])
    url, token = reverse("checkins:answer", args=[check_in.pk]), once_token(client.get(check_in.get_absolute_url()))
    closed = choice(check_in, "Closed or evacuated")
    with django_assert_max_num_queries(ANSWER_POST_QUERIES):
        response = client.post(url, {"choice": closed.pk, "note": "Evacuated", "borough": westminster.pk,
                                     "once_token": token})
    assert response.status_code == 302 and response["Location"] == check_in.get_absolute_url()
    answer = Answer.objects.get()
    assert (answer.choice, answer.note, answer.borough, answer.organisation, answer.answered_by) == (
        closed, "Evacuated", westminster, firm["ann"].organisation, firm["ann"])
    assert AuditEntry.objects.get(action="checkin.answer").target_repr == check_in.question


def _send_answer(client, check_in, member, *, before=None, **fields):
    """Post member's answer ("Not affected" with a note unless ``fields`` say otherwise) from the form the page
    rendered; ``before``: what happens between the render and the post."""
    client.force_login(member)
    token = once_token(client.get(check_in.get_absolute_url()))
    if before is not None:
        before()
    data = {"choice": choice(check_in, "Not affected").pk, "note": "Typed with care", "once_token": token, **fields}
    return client.post(reverse("checkins:answer", args=[check_in.pk]), data)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("choice", "999999", "Choose one of the answers shown."),
    ("choice", "not-a-number", "Choose one of the answers shown."),
    ("choice", "another check-in's", "Choose one of the answers shown."),
    ("borough", "elsewhere", "Select a valid choice. That choice is not one of the available choices."),
    ("borough", "not-a-number", "Select a valid choice. That choice is not one of the available choices."),
])
def test_an_answer_outside_what_the_form_offers_comes_back_with_the_error(client, check_in, firm, officer,
                                                                         sector_a, hackney, field, value, message):
    if value == "another check-in's":
        value = ask_incident(officer, [sector_a]).choices.first().pk
    elif value == "elsewhere":
        value = hackney.pk  # the firm's premises are in Westminster and Camden
    response = _send_answer(client, check_in, firm["ann"], **{field: value})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    # The whole page comes back, with what was typed.
    assert check_in.question in html and "Typed with care" in html and "Oxford Street Stores" in html
    assert response.context["form"].errors[field] == [message] and Answer.objects.count() == 0


def test_an_organisation_without_premises_recorded_may_name_any_borough(client, check_in, other, hackney):
    response = _send_answer(client, check_in, other, borough=hackney.pk)
    assert response.status_code == 302 and Answer.objects.get().borough == hackney


def test_an_answer_sent_after_the_check_in_closed_is_refused_on_its_page_with_the_reason(client, check_in, firm,
                                                                                       officer):
    response = _send_answer(client, check_in, firm["ann"], before=lambda: services.close_check_in(check_in, by=officer))
    assert response.status_code == 302 and response["Location"] == check_in.get_absolute_url()
    assert Answer.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "This check-in closed before your answer arrived: it was not recorded" in page
    assert "This check-in has closed: answers can no longer be given or changed." in page


def test_an_answer_from_someone_the_check_in_did_not_ask_is_refused(client, check_in, firm, officer, sector_a):
    not_asked = "This check-in did not ask your organisation, or you cannot answer for it."
    url = reverse("checkins:answer", args=[check_in.pk])
    data = {"choice": choice(check_in, "Not affected").pk}
    client.force_login(officer)  # sees every check-in, was not asked
    response = client.post(url, data)
    assert response.status_code == 403 and not_asked in response.content.decode()
    latecomer = member_of(sector_a)  # approved after the question went out: never asked, sees nothing
    client.force_login(latecomer)
    assert client.post(url, data).status_code == 404
    leaver = firm["bob"]  # asked, but no longer with an organisation to answer for
    leaver.organisation = None
    leaver.save(update_fields=["organisation"])
    client.force_login(leaver)
    response = client.post(url, data)
    assert response.status_code == 403 and not_asked in response.content.decode()
    client.force_login(firm["ann"])
    for missing in (check_in.pk + 1000, 2**63, 10**30):  # the last two: more than an id column holds
        assert client.post(reverse("checkins:answer", args=[missing]), data).status_code == 404
    assert Answer.objects.count() == 0


def test_the_tally_marks_the_answer_that_needs_police_contact_unless_its_label_says_so(client, officer, sector_a,
                                                                                     firm):
    client.force_login(officer)
    default = ask_incident(officer, [sector_a])
    page = client.get(default.get_absolute_url()).content.decode()
    assert "Need police contact: <strong>0</strong>" in page and "needs police contact</span>" not in page
    custom = ask_incident(officer, [sector_a], choices=[ChoiceSpec("All fine"), ChoiceSpec("Call us", True)])
    page = client.get(custom.get_absolute_url()).content.decode()
    assert 'Call us: <strong>0</strong> <span class="badge text-bg-warning">needs police contact</span>' in page
