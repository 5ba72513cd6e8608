from django import forms
from django.contrib import admin
from django.db import models, transaction

from accounts import roles
from accounts.role_admin import ScopedRoleAdmin, role_holders_field
from audit.services import record
from sectors import services
from sectors.models import (
    Borough,
    BoroughSpoc,
    BridgeRepresentative,
    Membership,
    Organisation,
    OrganisationAdministrator,
    OrganisationJoinRequest,
    Sector,
)

# Sector slugs are also forum slugs: they must not shadow the fixed pages under /sectors/ and /forums/.
RESERVED_SLUGS = {"mine", "apply", "applications", "organisations", "moderation", "threads", "posts", "reports",
                  "hub"}


class SectorAdminForm(forms.ModelForm):
    leads = role_holders_field("leads", "Sector leads approve, refuse and suspend this sector's members (they "
                                        "must set up two-factor authentication).")

    class Meta:
        model = Sector
        fields = ["name", "slug", "description"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"“{slug}” is a page of the portal; choose another slug.")
        return slug


@admin.register(Sector)
class SectorAdmin(ScopedRoleAdmin):
    role = roles.SECTOR_LEADS
    role_field = "leads"
    form = SectorAdminForm
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Borough)
class BoroughAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class AdministratorInline(admin.TabularInline):
    """Read-only here: administrators are named and withdrawn on the organisation's page, where it is audited."""

    model = OrganisationAdministrator
    fields = readonly_fields = ["user", "appointed_by", "appointed_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "registered_number", "verified", "created_at"]
    list_filter = ["verified", "boroughs"]
    search_fields = ["name", "registered_number"]
    filter_horizontal = ["boroughs"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [AdministratorInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting would silently take its people's premises away from their bulletins (and their sockets),
        # unaudited; remove people through the portal instead.
        return False

    def save_related(self, request, form, formsets, change):
        """An edit here is audited, and a change of premises refreshes its people's sockets, as on the portal."""
        before = set(form.instance.boroughs.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        services.organisation_saved_in_admin(form.instance, by=request.user, created=not change,
                                             changed=list(form.changed_data), boroughs_before=before)


@admin.register(OrganisationJoinRequest)
class OrganisationJoinRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are decided on the portal's page so the person is e-mailed and it is audited."""

    list_display = ["user", "organisation", "status", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__display_name", "organisation__name"]
    list_select_related = ["user", "organisation", "decided_by"]
    readonly_fields = ["user", "organisation", "status", "statement", "requested_at", "decided_by", "decided_at",
                       "reason"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-mostly: decisions go through the application queue so they are e-mailed and audited."""

    list_display = ["user", "sector", "status", "applied_at", "decided_by", "decided_at"]
    list_filter = ["status", "sector"]
    search_fields = ["user__email", "user__display_name", "user__organisation__name"]
    list_select_related = ["user", "sector", "decided_by"]
    readonly_fields = ["user", "sector", "status", "statement", "applied_at", "decided_by", "decided_at", "reason"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # decisions are audited and close live sockets; a delete would do neither


class BridgeRepresentativeAdminForm(forms.ModelForm):
    """Asks the same rules as the lead's page (sectors.services) before saving, so a refusal shows beside the
    form here rather than as an error page; the save itself goes through the services, which ask them again
    under the sector's lock and audit the change."""

    class Meta:
        model = BridgeRepresentative
        fields = ["sector", "user", "deputy"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            if self.instance.pk is None:
                services.check_new_representative(cleaned["sector"], person=cleaned["user"],
                                                  deputy=cleaned.get("deputy"))
            elif "deputy" in self.changed_data:
                services.check_deputy_change(self.instance, deputy=cleaned.get("deputy"))
        except services.RepresentativeError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned


@admin.register(BridgeRepresentative)
class BridgeRepresentativeAdmin(admin.ModelAdmin):
    """Sector leads name representatives on the sector's page; here an administrator does the same, through the
    same services (the limit, the deputy rules, the audit entry)."""

    form = BridgeRepresentativeAdminForm
    list_display = ["user", "sector", "deputy", "appointed_by", "appointed_at"]
    list_filter = ["sector"]
    search_fields = ["user__email", "user__display_name", "deputy__email", "deputy__display_name", "sector__name"]
    list_select_related = ["user", "sector", "deputy", "appointed_by"]
    autocomplete_fields = ["user", "deputy"]
    readonly_fields = ["appointed_by", "appointed_at"]

    def get_readonly_fields(self, request, obj=None):
        # Another person or sector is another representative: remove this one and name the other.
        return [*self.readonly_fields, "sector", "user"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            if "deputy" in form.changed_data:
                services.set_deputy(obj, deputy=obj.deputy, by=request.user)
            return
        created = services.name_representative(obj.sector, person=obj.user, deputy=obj.deputy, by=request.user)
        obj.pk, obj.appointed_by, obj.appointed_at = created.pk, created.appointed_by, created.appointed_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.remove_representative(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for representative in queryset.select_related("user", "sector"):
            services.remove_representative(representative, by=request.user)


class BoroughSpocAdminForm(forms.ModelForm):
    """Only police liaison officers (active, in the officers group) can be a borough's SPOC or deputy; a borough
    has one SPOC. Both are said beside the form rather than as an error page."""

    class Meta:
        model = BoroughSpoc
        fields = ["borough", "officer", "role", "public_phone"]
        help_texts = {"public_phone": "Shown to members in the directory. Leave empty unless the officer chose "
                                      "to publish a number (never a personal one without their agreement)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "officer" in self.fields:
            self.fields["officer"].queryset = (
                self.fields["officer"].queryset.filter(is_active=True, groups__name=roles.OFFICERS)
                .order_by("display_name", "email"))

    def clean_officer(self):
        officer = self.cleaned_data["officer"]
        if not (officer.is_active and officer.groups.filter(name=roles.OFFICERS).exists()):
            raise forms.ValidationError(f"{officer} is not a police liaison officer: only officers can be a "
                                        "borough's SPOC or deputy.")
        return officer

    def clean(self):
        cleaned = super().clean()
        borough, role = cleaned.get("borough") or getattr(self.instance, "borough", None), cleaned.get("role")
        if borough is not None and role == BoroughSpoc.Role.SPOC:
            taken = BoroughSpoc.objects.filter(borough=borough, role=BoroughSpoc.Role.SPOC).exclude(
                pk=self.instance.pk).select_related("officer").first()
            if taken is not None:
                self.add_error("role", f"{borough} already has a SPOC ({taken.officer}): make this officer a deputy, "
                                       "or remove the SPOC first.")
        return cleaned


@admin.register(BoroughSpoc)
class BoroughSpocAdmin(admin.ModelAdmin):
    """Appointing, changing and removing a borough's SPOCs and deputies, each audited on the borough (as the
    bridge representatives are on their sector). Reports about a borough reach its SPOC and deputies first."""

    form = BoroughSpocAdminForm
    list_display = ["borough", "officer", "role", "public_phone", "appointed_by", "appointed_at"]
    list_filter = ["role", "borough"]
    search_fields = ["borough__name", "officer__email", "officer__display_name"]
    list_select_related = ["borough", "officer", "appointed_by"]
    readonly_fields = ["appointed_by", "appointed_at"]

    def get_readonly_fields(self, request, obj=None):
        # Another borough or officer is another appointment: remove this one and appoint the other.
        return [*self.readonly_fields, "borough", "officer"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if not change:
                obj.appointed_by = request.user
            super().save_model(request, obj, form, change)
            record(request.user, "borough_spoc.change" if change else "borough_spoc.appoint", obj.borough,
                   officer=obj.officer_id, role=obj.role, changed=list(form.changed_data))

    def delete_model(self, request, obj):
        with transaction.atomic():
            record(request.user, "borough_spoc.remove", obj.borough, officer=obj.officer_id, role=obj.role)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for spoc in queryset.select_related("borough"):
            self.delete_model(request, spoc)
