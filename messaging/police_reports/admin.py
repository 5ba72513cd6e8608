"""Reports to the police in the admin, for support: to look things up. Read-only: a report's status, assignment
and messages change on the portal, where each change is audited and the people concerned are told."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from messaging.police_reports.models import Attachment, PoliceReport, ReportMessage


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AttachmentInline(ReadOnlyInline):
    """Each file with its download through the permission-checked view (never a direct link to the store)."""

    model = Attachment
    fields = readonly_fields = ["download", "content_type", "size", "sha256", "uploaded_at"]

    @admin.display(description="file")
    def download(self, attachment: Attachment) -> str:
        url = reverse("police_reports:attachment", args=[attachment.report_id, attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)


class MessageInline(ReadOnlyInline):
    model = ReportMessage
    fields = readonly_fields = ["author", "created_at", "body"]


@admin.register(PoliceReport)
class PoliceReportAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "author", "organisation", "assigned_to", "created_at"]
    list_filter = ["status", "kind", "boroughs"]
    search_fields = ["title", "author__email", "author__display_name", "organisation__name"]
    list_select_related = ["author", "organisation", "assigned_to"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ["kind", "title", "body", "boroughs_list", "incident", "author", "organisation",
                                "status", "assigned_to", "routed_list", "bulletin", "created_at", "updated_at"]
    inlines = [AttachmentInline, MessageInline]

    @admin.display(description="boroughs")
    def boroughs_list(self, report: PoliceReport) -> str:
        return ", ".join(borough.name for borough in report.boroughs.all())

    @admin.display(description="routed to")
    def routed_list(self, report: PoliceReport) -> str:
        return ", ".join(str(officer) for officer in report.routed_to.all())

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
