from django import forms
from django.contrib import admin

from accounts import roles
from accounts.role_admin import ScopedRoleAdmin, role_holders_field
from messaging.board.models import Forum, Post, ProposedEdit, Report, Thread


class ForumAdminForm(forms.ModelForm):
    moderators = role_holders_field("moderators", "They approve threads, handle reports, hide, lock, pin and "
                                                  "move (two-factor authentication required).")

    class Meta:
        model = Forum
        fields = ["name", "slug", "description"]


@admin.register(Forum)
class ForumAdmin(ScopedRoleAdmin):
    role = roles.MODERATORS
    role_field = "moderators"
    form = ForumAdminForm
    list_display = ["name", "sector", "thread_count", "post_count", "last_activity_at"]
    list_select_related = ["sector"]
    search_fields = ["name"]


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


@admin.register(ProposedEdit)
class ProposedEditAdmin(admin.ModelAdmin):
    """For looking things up; moderators approve and reject edits in their queue, where it is audited."""

    list_display = ["__str__", "proposed_by", "proposed_at", "status", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["proposed_by", "decided_by"]
    readonly_fields = ["post", "title", "body", "proposed_by", "proposed_at", "status", "decided_by", "decided_at",
                       "reason"]

    def has_add_permission(self, request) -> bool:
        return False
