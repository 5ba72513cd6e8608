from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class Sector(models.Model):
    """One of the partnership's business sectors. Seeded by a data migration; editable in the admin."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_membership", "Can approve, refuse and suspend members of this sector")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sectors:detail", args=[self.slug])


class Borough(models.Model):
    """An area for targeting: London's 32 boroughs and the City of London. Seeded by a data migration."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    # The Office for National Statistics' code (GSS code, E09000001 City of London to E09000033 Westminster): what
    # partner systems match areas on (CAP's geocode). Filled in by migration 0008; blank for an area added later
    # until someone enters it.
    ons_code = models.CharField("ONS code", max_length=9, blank=True, validators=[
        RegexValidator(r"^[EWSN]\d{8}$", "An ONS (GSS) code is a letter and eight digits, such as E09000033.")])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationQuerySet(models.QuerySet):
    def named(self, name: str) -> "OrganisationQuerySet":
        """Organisations with this name, whatever its case: names are unique that way on the Hub."""
        return self.annotate(lower_name=Lower("name")).filter(lower_name=name.strip().lower())


class Organisation(models.Model):
    """A business taking part. Its people are the users whose organisation it is."""

    name = models.CharField(max_length=150, unique=True)
    registered_number = models.CharField(
        "Companies House number", max_length=20, blank=True, help_text="Optional; helps sector leads vet you."
    )
    website = models.URLField(blank=True)
    boroughs = models.ManyToManyField(
        Borough, blank=True, related_name="organisations", help_text="Where the organisation has premises."
    )
    verified = models.BooleanField(default=False, help_text="Checked by a sector lead or an administrator.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sectors:organisation", args=[self.pk])


class MembershipQuerySet(models.QuerySet):
    def approved(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.APPROVED)

    def pending(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.APPLIED)

    def standing(self) -> "MembershipQuerySet":
        """Applications and memberships that block a new application to the same sector: all but refusals."""
        return self.exclude(status=Membership.Status.REFUSED)


class Membership(models.Model):
    """A user's application to, and membership of, one sector."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        SUSPENDED = "suspended", "Suspended"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="memberships")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED, db_index=True)
    statement = models.TextField(
        max_length=2000, help_text="What your organisation does in this sector and why you want to join."
    )
    applied_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was refused or suspended; the applicant sees it.")

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-applied_at"]
        constraints = [
            # A refusal stays in the history and does not stand in the way of a new application to the sector
            # (the refusal tells the applicant what to do first); anything else is one row per person and sector.
            models.UniqueConstraint(fields=["user", "sector"], condition=~models.Q(status="refused"),
                                    name="one_live_membership_per_user_and_sector"),
        ]
        indexes = [models.Index(fields=["sector", "status"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.sector} ({self.get_status_display()})"

    @property
    def is_decided(self) -> bool:
        return self.status != self.Status.APPLIED


class OrganisationAdministrator(models.Model):
    """A person who administers their organisation: edits its profile, decides who joins it, names other
    administrators. Counts only while the person still belongs to the organisation and is an approved member
    of a sector (sectors.permissions); the person who registered the organisation is its first."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="administrator_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["appointed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_administrator_row_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} administers {self.organisation}"


class OrganisationJoinRequestQuerySet(models.QuerySet):
    def pending(self) -> "OrganisationJoinRequestQuerySet":
        return self.filter(status=OrganisationJoinRequest.Status.PENDING)


class OrganisationJoinRequest(models.Model):
    """Someone asking to join an organisation already on the Hub. Until its administrators (or a lead of a
    sector it belongs to) approve, the person has no organisation: no rights over it, none of its premises'
    bulletins. Approval is what sets User.organisation."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the organisation"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="join_requests")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    statement = models.TextField(max_length=2000, blank=True,
                                 help_text="What the person told the organisation about themselves.")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was refused; the person sees it.")

    objects = OrganisationJoinRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(status="pending"),
                                    name="one_pending_join_request_per_user"),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.user} asks to join {self.organisation} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class BridgeRepresentative(models.Model):
    """A member a sector lead names to speak for the sector on Bridge Calls, with a deputy who stands in for
    them. Both are approved members of the sector; a sector has at most settings.BRIDGE_REPRESENTATIVES_PER_SECTOR
    representatives (sectors.services enforces it)."""

    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="bridge_representatives")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bridge_roles")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="bridge_deputy_roles")
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sector__name", "appointed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "user"], name="one_bridge_role_per_person_and_sector"),
        ]

    def __str__(self) -> str:
        return f"{self.user} represents {self.sector} on bridge calls"


class BoroughSpoc(models.Model):
    """An officer who is a borough's single point of contact for business (or its deputy): reports from members
    about the borough reach them first."""

    class Role(models.TextChoices):
        SPOC = "spoc", "Single point of contact"
        DEPUTY = "deputy", "Deputy"

    borough = models.ForeignKey(Borough, on_delete=models.CASCADE, related_name="spocs")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spoc_roles")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.SPOC)
    # Shown to members only if the officer chose to give one (the directory never shows personal numbers else).
    public_phone = models.CharField("phone shown to members", max_length=30, blank=True)
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["borough__name", "role", "pk"]
        verbose_name = "borough SPOC"
        constraints = [
            models.UniqueConstraint(fields=["borough", "officer"], name="one_spoc_role_per_officer_and_borough"),
            models.UniqueConstraint(fields=["borough"], condition=models.Q(role="spoc"), name="one_spoc_per_borough"),
        ]

    def __str__(self) -> str:
        return f"{self.officer} ({self.get_role_display()}, {self.borough})"
