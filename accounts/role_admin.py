"""Granting a scoped role (sector lead, moderator) from the admin page of its object."""

from django import forms
from django.contrib import admin
from guardian.shortcuts import get_users_with_perms

from accounts import roles
from accounts.models import User


def role_holders_field(name: str, help_text: str) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, help_text=help_text,
        widget=admin.widgets.FilteredSelectMultiple(name, is_stacked=False),
    )


class ScopedRoleAdmin(admin.ModelAdmin):
    """The form's `role_field` lists who holds `role` on the object; saving grants and withdraws through
    accounts.roles, which also sets the role's group (and so its two-factor requirement). Roles are granted
    only here: there is no raw object-permissions page."""

    role: str
    role_field: str

    def holders(self, obj):
        codename = roles.SCOPED_ROLES[self.role].split(".")[1]
        return get_users_with_perms(obj, only_with_perms_in=[codename], with_superusers=False,
                                    with_group_users=False)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields[self.role_field].initial = list(self.holders(obj)) if obj else []
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj, wanted = form.instance, set(form.cleaned_data[self.role_field])
        current = set(self.holders(obj))
        for user in wanted - current:
            roles.grant_scoped_role(user, self.role, obj)
        for user in current - wanted:
            roles.revoke_scoped_role(user, self.role, obj)
