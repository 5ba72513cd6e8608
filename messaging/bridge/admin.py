"""Bridge calls in the admin, for support: to look things up. Scheduling, invitations, answers, cancellations and
minutes belong to the services (audited, e-mailed, pushed live): read-only here, as bulletins are."""

from django.contrib import admin

from messaging.bridge.models import BridgeCall, Invitation, Outcome
from messaging.bulletins.admin import ReadOnlyAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class InvitationInline(ReadOnlyInline):
    model = Invitation
    fields = ["user", "sector", "deputy", "response", "delegate", "responded_at", "responded_by", "attended"]
    readonly_fields = fields


class OutcomeInline(ReadOnlyInline):
    model = Outcome
    fields = ["kind", "text", "owner_sector", "owner_organisation", "due_at", "recorded_by", "recorded_at"]
    readonly_fields = fields


@admin.register(BridgeCall)
class BridgeCallAdmin(ReadOnlyAdmin):
    list_display = ["title", "starts_at", "status", "chair", "incident", "capacity", "ics_sequence",
                    "reminder_sent_at", "start_announced_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["chair", "incident"]
    date_hierarchy = "starts_at"
    exclude = ["agenda_html", "agenda_html_version"]
    inlines = [InvitationInline, OutcomeInline]
