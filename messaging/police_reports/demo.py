"""Demo reports to the police: SPOCs for several boroughs (two more demo officers), and reports from the demo
members in each status, with a message or two. Idempotent: a report already there (by title) is left alone."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth.models import Group
from django.db.models import Q

from accounts import roles
from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from accounts.models import User
from messaging.bulletins.models import Incident
from messaging.police_reports import services
from messaging.police_reports.models import PoliceReport
from sectors.models import Borough, BoroughSpoc

OFFICERS = [
    ("spoc", "spoc@hub.example", "PS Sam Singh (Westminster SPOC)"),
    ("spoc2", "spoc2@hub.example", "DC Priya Patel (Camden and Islington SPOC)"),
]


def _officer(email: str, display_name: str, organisation) -> User:
    user, _ = User.objects.update_or_create(email=email, defaults={"display_name": display_name, "is_active": True,
                                                                   "organisation": organisation})
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    Authenticator.objects.update_or_create(user=user, type=Authenticator.Type.TOTP,
                                           defaults={"data": {"secret": encrypt(DEMO_TOTP_SECRET)}})
    user.groups.add(Group.objects.get(name=roles.OFFICERS))
    return user


def _spoc(slug: str, officer: User, role: str, *, by: User, phone: str = "") -> None:
    borough = Borough.objects.get(slug=slug)
    taken = Q(officer=officer) | Q(role=BoroughSpoc.Role.SPOC) if role == BoroughSpoc.Role.SPOC else Q(officer=officer)
    if BoroughSpoc.objects.filter(taken, borough=borough).exists():
        return
    BoroughSpoc.objects.create(borough=borough, officer=officer, role=role, public_phone=phone, appointed_by=by)


def run(context: dict) -> None:
    people = context["people"]
    officer, admin, member, member2 = people["officer"], people["admin"], people["member"], people["member2"]
    added = []
    for key, email, name in OFFICERS:
        people[key] = _officer(email, name, officer.organisation)
        added.append(("police officer (SPOC)", email, DEMO_PASSWORD))
    spoc, spoc2 = people["spoc"], people["spoc2"]
    context["logins"].extend(added)

    _spoc("westminster", spoc, "spoc", by=admin, phone="020 7946 0100")
    _spoc("westminster", officer, "deputy", by=admin)
    _spoc("camden", spoc2, "spoc", by=admin)
    _spoc("islington", spoc2, "spoc", by=admin)
    _spoc("islington", spoc, "deputy", by=admin)
    _spoc("city-of-london", officer, "spoc", by=admin)

    westminster, camden = Borough.objects.get(slug="westminster"), Borough.objects.get(slug="camden")
    hackney = Borough.objects.get(slug="hackney")  # no SPOC: its reports go to the central team
    incident = Incident.objects.filter(title="Suspicious package, Oxford Circus").first()
    reports = [
        (member, PoliceReport.Kind.SUSPICIOUS_ACTIVITY, "Man photographing the staff entrance, Oxford Street",
         "Twice this week (Tuesday about 14:00, Thursday about 16:30) a man in a grey hooded top photographed our "
         "staff entrance on **Poland Street** and the delivery bay for several minutes.\n\n- White, about 30\n"
         "- Black rucksack\n- Left towards Oxford Circus on foot\n\nOur CCTV has both visits.",
         [westminster], None, PoliceReport.Status.NEW, []),
        (member, PoliceReport.Kind.INCIDENT_INFORMATION, "Footage of the area before the package was found",
         "Our camera over the Regent Street entrance covers the corner where the package was left. We have kept "
         "the footage from 06:00 to 10:00 and can provide it.", [westminster], incident,
         PoliceReport.Status.ACKNOWLEDGED,
         [(spoc, "Thank you. Please keep the footage: an officer will collect it tomorrow morning.")]),
        (member2, PoliceReport.Kind.CRIME_TREND, "Card skimmers found on two ATMs in Camden Town",
         "Our branch staff found skimming devices on the ATMs outside 12 and 40 Camden High Street within a "
         "week, both fitted overnight. Other banks nearby may be affected.", [camden], None,
         PoliceReport.Status.IN_PROGRESS,
         [(spoc2, "We are looking at this with the Dedicated Card and Payment Crime Unit. Could you tell us the "
                  "exact dates and times the devices were found?"),
          (member2, "Found on Monday 07:40 (number 12) and Sunday 08:15 (number 40).")]),
        (member2, PoliceReport.Kind.QUESTION, "Can we share CCTV stills with neighbouring businesses?",
         "A shoplifter has targeted several shops on Mare Street. Are we allowed to share stills from our CCTV "
         "with the other shops to warn them?", [hackney], None, PoliceReport.Status.CLOSED,
         [(officer, "Please do not circulate images yourselves: send them to us through a report and we will "
                    "issue a bulletin to the businesses nearby if appropriate. Closing this one; thank you.")]),
    ]
    for author, kind, title, body, boroughs, linked, status, thread in reports:
        if PoliceReport.objects.filter(title=title).exists():
            continue
        report = services.submit_report(author=author, kind=kind, title=title, body=body, boroughs=boroughs,
                                        incident=linked)
        for writer, text in thread:
            services.post_message(report, by=writer, body=text)
        if status != PoliceReport.Status.NEW:
            handler = next((writer for writer, _ in thread if writer != author), None)
            PoliceReport.objects.filter(pk=report.pk).update(status=status, assigned_to=handler)
