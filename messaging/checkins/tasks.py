"""Background work for check-ins (the Tasks API, as the bulletins' e-mail fan-out)."""

import enum
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from common.text import email_subject
from messaging.bulletins.models import SENSITIVE_PLACEHOLDER
from messaging.bulletins.tasks import message_domain
from messaging.checkins.links import answer_url
from messaging.checkins.models import Answer, CheckIn, ReminderSent
from messaging.checkins.selectors import asking_deliveries
from sectors.models import Membership

logger = logging.getLogger(__name__)

# Recipients read at a time (each is claimed, sent and marked on its own).
REMINDER_BATCH = 200
# Runs of one reminder, the first included, while the mail server refuses some of its e-mails.
MAX_ATTEMPTS = 5


def reminder_recipients(check_in: CheckIn):
    """The people a reminder goes to: those through whom the check-in asks their organisation
    (``selectors.asking_deliveries``), still approved members, of an organisation that has not answered yet, not
    e-mailed this reminder already. One each, in id order."""
    return (User.objects.filter(pk__in=asking_deliveries(check_in).values("user_id"))
        .filter(pk__in=Membership.objects.approved().values("user_id"))
        .exclude(organisation__in=Answer.objects.filter(check_in=check_in).values("organisation_id"))
        .exclude(pk__in=ReminderSent.objects.filter(check_in=check_in).values("user_id"))
        .order_by("pk"))


def _one_click_links(check_in: CheckIn, user: User, choices) -> list[tuple[str, str]]:
    """The signed one-click answer links (confirmed on the page they open), one per choice."""
    try:
        return [(choice.label, answer_url(check_in, user.pk, choice.pk)) for choice in choices]
    except Exception:  # a link we cannot make must not stop the reminder: the page link is always there
        logger.warning("Could not make the one-click links of check-in %s", check_in.pk, exc_info=True)
        return []


def render_reminder(check_in: CheckIn, user: User, choices) -> EmailMessage:
    # A question carried by an OFFICIAL-SENSITIVE bulletin never leaves the portal: the reminder only says one
    # is waiting (no question, no answers' labels) and links to it.
    sensitive = check_in.carrier.is_sensitive
    context = {"check_in": check_in, "user": user, "url": settings.SITE_URL + check_in.get_absolute_url(),
               "sensitive": sensitive, "links": [] if sensitive else _one_click_links(check_in, user, choices)}
    question = SENSITIVE_PLACEHOLDER if sensitive else f"are you affected? {check_in.question}"
    return EmailMessage(
        subject=email_subject(f"Reminder: {question}"),
        body=render_to_string("checkins/email/reminder.txt", context), to=[user.email],
        headers={"Message-ID": f"<checkin-{check_in.pk}.reminder.user-{user.pk}@{message_domain()}>"},
    )


class Sent(enum.Enum):
    SENT = "sent"
    REFUSED = "refused"  # by the mail server: not marked, a later run tries again
    TAKEN = "taken"  # another run of the reminder claimed this member first
    CLOSED = "closed"  # the check-in closed: nobody else is reminded


@task()
def send_reminder_emails(check_in_id: int, attempt: int = 1) -> int:
    """The one reminder of a check-in (claimed by ``chasing.send_due_reminders``): an e-mail to each asked
    member of every organisation that has not answered by now, unless a run before this one (its worker killed,
    or the mail server refusing) e-mailed them already. Stops when the check-in closes. Those the mail server
    refused are tried again by a later run (after 2, 4, 8, 16 minutes, where the queue can wait), up to
    MAX_ATTEMPTS runs. Returns how many were sent."""
    check_in = CheckIn.objects.select_related("carrier").filter(pk=check_in_id).first()
    if check_in is None or check_in.carrier_id is None:
        return 0
    choices = list(check_in.choices.all())
    mail = get_connection()
    sent = 0
    refused: set[int] = set()
    outcome = None
    while outcome is not Sent.CLOSED:
        users = list(reminder_recipients(check_in).exclude(pk__in=refused)
                     .only("pk", "email", "display_name")[:REMINDER_BATCH])
        if not users:
            break
        for user in users:
            outcome = _send_one(check_in, user, choices, mail)
            if outcome is Sent.CLOSED:
                break
            sent += outcome is Sent.SENT
            if outcome is Sent.REFUSED:
                refused.add(user.pk)
    if refused and outcome is not Sent.CLOSED and attempt < MAX_ATTEMPTS:
        retry = send_reminder_emails
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + timedelta(minutes=2 ** attempt))
        retry.enqueue(check_in_id, attempt + 1)
    return sent


def _send_one(check_in: CheckIn, user: User, choices, mail) -> Sent:
    """Claim, send and mark one member's reminder in one transaction, as the bulletins' fan-out does (and only
    while the check-in is open). Another run claiming the same member makes this one wait for its commit on the
    unique constraint, then leave the member to it.

    A worker killed after the mail server took the message but before the commit sends that one message again
    (with the same Message-ID, which receiving systems recognise), never the ones before it."""
    try:
        with transaction.atomic():
            if not CheckIn.objects.open().filter(pk=check_in.pk).exists():
                return Sent.CLOSED
            ReminderSent.objects.create(check_in=check_in, user=user)
            if not mail.send_messages([render_reminder(check_in, user, choices)]):
                raise RuntimeError("The mail backend took nothing.")
    except IntegrityError:
        return Sent.TAKEN
    except Exception:  # noqa: BLE001 - one refused address must not hold up the others
        logger.exception("The reminder of check-in %s to user %s was refused", check_in.pk, user.pk)
        return Sent.REFUSED
    return Sent.SENT
