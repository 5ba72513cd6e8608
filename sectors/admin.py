from django import forms
from django.contrib import admin
from django.db import models

from accounts import roles
from accounts.role_admin import ScopedRoleAdmin, role_holders_field
from sectors import services
from sectors.models import (
    Borough,
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
