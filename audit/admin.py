from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, nobody edits or deletes history."""

    list_display = ["created_at", "actor_repr", "action", "target_repr", "reason"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["target_repr", "reason", "actor_repr", "actor__display_name"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
