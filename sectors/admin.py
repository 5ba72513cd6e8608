from django import forms
from django.contrib import admin
from django.db import models
from guardian.shortcuts import get_users_with_perms

from accounts import roles
from accounts.models import User
from sectors.models import Borough, Membership, Organisation, Sector

# Sector slugs are also forum slugs: they must not shadow the fixed pages under /sectors/ and /forums/.
RESERVED_SLUGS = {"mine", "apply", "applications", "organisations", "moderation", "threads", "posts", "reports",
                  "hub"}


class SectorAdminForm(forms.ModelForm):
    leads = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True), required=False,
        widget=admin.widgets.FilteredSelectMultiple("leads", is_stacked=False),
        help_text="Sector leads approve, refuse and suspend this sector's members (they must set up two-factor "
                  "authentication).",
    )

    class Meta:
        model = Sector
        fields = ["name", "slug", "description"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"“{slug}” is a page of the portal; choose another slug.")
        return slug


@admin.register(Sector)
# Roles are granted through the leads/moderators field, which also sets the role's group (and so its
# two-factor requirement); no raw object-permissions page.
class SectorAdmin(admin.ModelAdmin):
    form = SectorAdminForm
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["leads"].initial = list(self._leads(obj)) if obj else []
        return form

    @staticmethod
    def _leads(sector: Sector):
        return get_users_with_perms(sector, only_with_perms_in=["manage_membership"], with_superusers=False,
                                    with_group_users=False)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sector, wanted = form.instance, set(form.cleaned_data["leads"])
        current = set(self._leads(sector))
        for user in wanted - current:
            roles.make_sector_lead(user, sector)
        for user in current - wanted:
            roles.remove_sector_lead(user, sector)


@admin.register(Borough)
class BoroughAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "registered_number", "verified", "created_at"]
    list_filter = ["verified", "boroughs"]
    search_fields = ["name", "registered_number"]
    filter_horizontal = ["boroughs"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


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
