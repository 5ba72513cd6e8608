from django import forms
from django.contrib import admin
from guardian.shortcuts import get_users_with_perms

from accounts import roles
from accounts.models import User
from messaging.board.models import Forum, Post, Report, Thread


class ForumAdminForm(forms.ModelForm):
    moderators = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True), required=False,
        widget=admin.widgets.FilteredSelectMultiple("moderators", is_stacked=False),
        help_text="They approve threads, handle reports, hide, lock, pin and move (two-factor authentication "
                  "required).",
    )

    class Meta:
        model = Forum
        fields = ["name", "slug", "description"]


@admin.register(Forum)
# Roles are granted through the leads/moderators field, which also sets the role's group (and so its
# two-factor requirement); no raw object-permissions page.
class ForumAdmin(admin.ModelAdmin):
    form = ForumAdminForm
    list_display = ["name", "sector", "thread_count", "post_count", "last_activity_at"]
    list_select_related = ["sector"]
    search_fields = ["name"]

    @staticmethod
    def _moderators(forum: Forum):
        return get_users_with_perms(forum, only_with_perms_in=["moderate_forum"], with_superusers=False,
                                    with_group_users=False)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["moderators"].initial = list(self._moderators(obj)) if obj else []
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        forum, wanted = form.instance, set(form.cleaned_data["moderators"])
        current = set(self._moderators(forum))
        for user in wanted - current:
            roles.make_moderator(user, forum)
        for user in current - wanted:
            roles.remove_moderator(user, forum)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """For looking things up; moderation itself happens on the site, where it is audited."""

    list_display = ["title", "forum", "author", "status", "pinned", "locked", "reply_count", "last_activity_at"]
    list_filter = ["status", "forum"]
    search_fields = ["title"]
    list_select_related = ["forum", "author"]
    readonly_fields = ["forum", "title", "author", "status", "rejection_reason", "pinned", "locked", "created_at",
                       "last_activity_at", "reply_count"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # moderators hide posts; deleting would also put the forum's counters wrong


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "created_at", "hidden"]
    list_filter = ["hidden"]
    list_select_related = ["author"]
    readonly_fields = ["thread", "author", "body", "created_at", "edited_at", "hidden", "hidden_reason"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # moderators hide posts; deleting would also put the forum's counters wrong


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reporter", "created_at", "status", "resolved_by"]
    list_filter = ["status"]
    list_select_related = ["reporter", "resolved_by"]
    readonly_fields = ["post", "reporter", "reason", "created_at", "status", "resolved_by", "resolved_at", "outcome"]
