"""WCAG 2.0, 2.1 and 2.2 A and AA, measured: axe-core (the npm package `make test` installs into node_modules/)
runs on a representative page of every kind, as every role sees it, at desktop and phone width, with the live
toasts open. Also what axe does not measure: form controls' borders (non-text contrast) and how toasts stack."""

from pathlib import Path

import pytest
from django.db.models import Max

from accounts import roles
from messaging.board import services as board_services
from messaging.board.models import Forum
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from messaging.bulletins.payloads import make_cursor
from tests.browser.test_live import log_in
from tests.browser.test_reconnect import off_the_event_loop
from tests.factories import BulletinFactory, MembershipFactory, UserFactory, member_of, officer_user, with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# axe's violations, flattened to what a failure must say: the rule, the element and what to change.
RUN_AXE = """async (tags) => {
  const results = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
  });
  return results.violations.flatMap((rule) => rule.nodes.map((node) => ({
    rule: rule.id, target: node.target.join(" "),
    why: (node.failureSummary || rule.help).replace(/\\s+/g, " ").slice(0, 300),
  })));
}"""

# WCAG 1.4.11: a form control's boundary needs 3:1 against what is behind it. axe has no rule for it.
BORDER_CONTRAST = """() => {
  const rgb = (colour) => (colour.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const backdrop = (element) => {
    for (let node = element.parentElement; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] === 1) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const controls = document.querySelectorAll(".form-control, .form-select, .form-check-input");
  return Array.from(controls).filter((control) => control.checkVisibility() && !control.disabled).flatMap((control) => {
    const [a, b] = [luminance(rgb(getComputedStyle(control).borderTopColor)), luminance(backdrop(control))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    return ratio >= 3 ? [] : [{ rule: "non-text-contrast (form control border)",
      target: control.id ? `#${control.id}` : control.name || control.className,
      why: `border ${ratio.toFixed(2)}:1 against its background, 3:1 needed` }];
  });
}"""


def cursor_before_now() -> str:
    """Where the stream stands before the test publishes: pages replay everything after it, as toasts."""
    return make_cursor(Bulletin.objects.aggregate(last=Max("sequence"))["last"] or 0)


def open_as(browser, live_server_url, user, cursor: str | None):
    """A context for the user (anonymous when None) in which axe is loaded into every page and, when cursor is
    given, every page starts as if the user had last seen the stream at cursor, so live.js replays what came
    after it and toasts it. Init scripts run through the DevTools protocol: the pages' CSP still applies to
    everything else, and the pages themselves are unchanged."""
    if user is None:
        context = browser.new_context(base_url=live_server_url, viewport=DESKTOP)
        page = context.new_page()
    else:
        context, page = log_in(browser, live_server_url, user)
        page.set_viewport_size(DESKTOP)
    context.add_init_script(path=str(AXE))
    if cursor is not None and user is not None:
        context.add_init_script(f"window.localStorage.setItem('hub.live.cursor.{user.pk}', '{cursor}');")
    return context, page


def violations_on(page, label: str) -> list[str]:
    found = page.evaluate(RUN_AXE, WCAG_A_AA) + page.evaluate(BORDER_CONTRAST)
    return [f"{label}: {v['rule']} at {v['target']}: {v['why']}" for v in found]


def audit(page, path: str, role: str, *, toasts: bool, status: int = 200) -> list[str]:
    """axe on one page at desktop width, then at phone width (the same page, reflowed), toasts open if any."""
    response = page.goto(path)
    assert response.status == status, f"{role} {path}: {response.status}"
    if toasts:
        page.locator("#live-toasts > .toast").first.wait_for(timeout=10_000)
    where = path if page.url.endswith(path) else f"{path} (led to {page.url})"
    problems = violations_on(page, f"{role} {where} at {DESKTOP['width']}px")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)  # one frame for the reflow and live.js's stacking to follow the width
    problems += violations_on(page, f"{role} {where} at {PHONE['width']}px")
    page.set_viewport_size(DESKTOP)
    return problems


@pytest.fixture
def portal(sector_a):
    """One person per role and one object of each kind they open, with bulletins (by another officer) published
    after `cursor`, so that every signed-in member's page opens with live toasts."""
    forum = Forum.objects.get(sector=sector_a)
    member = member_of(sector_a, display_name="Mina Member")
    reporter = member_of(sector_a, display_name="Rita Reporter")
    lead = with_mfa(member_of(sector_a, display_name="Lena Lead"))
    roles.make_sector_lead(lead, sector_a)
    moderator = with_mfa(member_of(sector_a, display_name="Morgan Moderator"))
    roles.make_moderator(moderator, forum)
    officer = officer_user()
    colleague = officer_user(display_name="PC Colleague")
    admin = with_mfa(UserFactory(verified=True, display_name="Ada Admin", is_staff=True, is_superuser=True))
    applicant = UserFactory(verified=True, display_name="Andy Applicant")
    MembershipFactory(user=applicant, sector=sector_a, status="applied")

    thread = board_services.start_thread(forum, author=officer, title="Road closures", body="**Regent Street**")
    post = board_services.reply(thread, author=member, body="Thanks, we will *plan* for it.")
    board_services.edit_post(post, by=member, body="Thanks, we will plan for it today.")
    board_services.report_post(post, by=reporter, reason="Off topic")
    board_services.start_thread(forum, author=member, title="Bag checks at the door", body="Who does them?")

    cursor = cursor_before_now()
    incident = services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[], by=colleague)
    bulletins = [
        BulletinFactory(title="March on Saturday", body="Expect closures.", author=colleague, sectors=[sector_a],
                        ack_requested=True),
        BulletinFactory(title="Suspicious packages", body="Report them.", author=colleague, sectors=[sector_a],
                        severity=Bulletin.Severity.CRITICAL),
    ]
    for bulletin in bulletins:
        off_the_event_loop(services.publish_bulletin, bulletin, by=colleague)
    off_the_event_loop(services.post_incident_update, incident, title="Power back on Dean Street",
                       body="Shops may open.", severity=Bulletin.Severity.ADVISORY, by=colleague)
    return {"forum": forum, "thread": thread, "post": post, "bulletin": bulletins[0], "incident": incident,
            "cursor": cursor, "member": member, "lead": lead, "moderator": moderator, "officer": officer,
            "admin": admin, "applicant": applicant, "sector": sector_a}


def test_every_page_kind_for_every_role_meets_wcag_a_and_aa_at_desktop_and_phone_width_with_toasts_open(
        browser, live_server_url, portal):
    p = portal
    forum, thread, post, bulletin, incident = p["forum"], p["thread"], p["post"], p["bulletin"], p["incident"]
    account = ["/accounts/2fa/", "/accounts/email/", "/accounts/password/change/", "/accounts/sessions/"]
    # (who, signed-in user or None, expects toasts, [(path, status)])
    visits = [
        ("anonymous", None, False, ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
                                    "/sectors/"]),
        ("applicant", p["applicant"], False, ["/dashboard/", "/sectors/mine/", ("/forums/", 403),
                                              "/accounts/email/"]),
        ("member", p["member"], True, ["/dashboard/", "/forums/", f"/forums/{forum.slug}/",
                                       f"/forums/threads/{thread.pk}/", f"/forums/{forum.slug}/new/",
                                       "/bulletins/", f"/bulletins/{bulletin.pk}/", "/bulletins/incidents/",
                                       f"/bulletins/incidents/{incident.pk}/", f"/sectors/{p['sector'].slug}/",
                                       "/accounts/2fa/totp/activate/", *account]),
        ("sector lead", p["lead"], True, ["/dashboard/", "/sectors/applications/"]),
        ("moderator", p["moderator"], True, ["/forums/moderation/", f"/forums/{forum.slug}/log/",
                                             f"/forums/posts/{post.pk}/history/",
                                             f"/forums/threads/{thread.pk}/"]),
        ("officer", p["officer"], True, ["/dashboard/", "/bulletins/manage/", "/bulletins/manage/new/",
                                         f"/bulletins/{bulletin.pk}/", f"/bulletins/manage/{bulletin.pk}/report/",
                                         "/bulletins/manage/feedback/", "/bulletins/incidents/new/",
                                         f"/bulletins/incidents/{incident.pk}/", "/accounts/2fa/",
                                         "/accounts/2fa/reauthenticate/"]),
        ("admin", p["admin"], False, ["/dashboard/", "/accounts/2fa/"]),
    ]
    problems = []
    for role, user, toasts, paths in visits:
        context, page = open_as(browser, live_server_url, user, p["cursor"])
        try:
            for entry in paths:
                path, status = entry if isinstance(entry, tuple) else (entry, 200)
                problems += audit(page, path, role, toasts=toasts, status=status)
        finally:
            context.close()

    # The second step of logging in, which only a role holder's password leads to.
    context, page = open_as(browser, live_server_url, None, None)
    try:
        page.goto("/accounts/login/")
        page.locator("#id_login").fill(p["officer"].email)
        page.locator("#id_password").fill("correct-horse-battery")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/2fa/authenticate/")
        problems += audit(page, "/accounts/2fa/authenticate/", "officer logging in", toasts=False)
    finally:
        context.close()

    assert problems == [], "WCAG A/AA violations:\n" + "\n".join(problems)


def test_a_phone_shows_two_toasts_and_collapses_the_rest_into_n_more(browser, live_server_url, portal):
    context, page = open_as(browser, live_server_url, portal["member"], portal["cursor"])
    try:
        page.set_viewport_size(PHONE)
        page.goto("/dashboard/")
        more = page.locator("#live-toasts > .toast-more")
        more.wait_for(timeout=10_000)
        shown = page.locator("#live-toasts > .toast:visible")
        assert shown.count() == 2
        assert more.inner_text() == "1 more"
        # The critical bulletin is among those shown, whatever came after it.
        assert shown.filter(has_text="Suspicious packages").count() == 1
        # Toasts are opaque: nothing of the page shows through them.
        assert shown.first.evaluate("(t) => getComputedStyle(t).backgroundColor") == "rgb(255, 255, 255)"
        more.click()
        assert page.locator("#live-toasts > .toast:visible").count() == 3
        assert more.count() == 0
    finally:
        context.close()


def test_a_replay_does_not_toast_an_officers_own_updates(browser, live_server_url, portal):
    officer = portal["officer"]
    own = BulletinFactory(title="My own notice", author=officer, sectors=[portal["sector"]])
    off_the_event_loop(services.publish_bulletin, own, by=officer)
    context, page = open_as(browser, live_server_url, officer, portal["cursor"])
    try:
        page.goto("/dashboard/")
        # The colleague's bulletins arrive by the same replay, so by then the officer's own would have too.
        page.locator("#live-toasts > .toast", has_text="Suspicious packages").wait_for(timeout=10_000)
        assert page.locator(f'#live-toasts [data-bulletin="{own.pk}"]').count() == 0
        assert page.locator(f'#live-toasts [data-bulletin="{portal["bulletin"].pk}"]').count() == 1
    finally:
        context.close()
