"""Bulletins, incidents, deliveries and replies in the admin, for support: to look things up. What the services
own (publishing, scheduling, withdrawing, deliveries, acknowledgements, answers) is read-only here: an edit in the
admin would skip their checks, their audit entries, the e-mails and the live push."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse

from messaging.bulletins import partners
from messaging.bulletins.models import Bulletin, Delivery, Feedback, Incident, NoticeTemplate, PartnerToken


class ReadOnlyAdmin(admin.ModelAdmin):
    """List, search and view; no add, change or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "severity", "marking", "status", "author", "scheduled_for", "published_at",
                    "recipient_count", "incident"]
    list_filter = ["status", "kind", "severity", "marking", "ack_requested"]
    search_fields = ["title"]
    list_select_related = ["author", "incident"]
    date_hierarchy = "created_at"
    exclude = ["body_html", "body_html_version"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "opened_by", "opened_at", "resolved_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["opened_by"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["bulletin", "user", "created_at", "emailed_at", "read_at", "acknowledged_at"]
    list_filter = [("emailed_at", admin.EmptyFieldListFilter), ("read_at", admin.EmptyFieldListFilter),
                   ("acknowledged_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "bulletin__title"]
    list_select_related = ["bulletin", "user"]
    raw_id_fields = ["bulletin", "user"]
    # The table is the largest in the portal: no full count on every list page.
    show_full_result_count = False


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_at", "answered_at", "handled_at"]
    list_filter = [("handled_at", admin.EmptyFieldListFilter), ("answered_at", admin.EmptyFieldListFilter)]
    search_fields = ["author__email", "bulletin__title"]
    list_select_related = ["bulletin", "author"]
    exclude = ["body_html", "body_html_version", "answer_html", "answer_html_version"]


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    """Templates change nothing anyone has received: support may tidy or remove them."""

    list_display = ["name", "kind", "severity", "marking", "created_by", "created_at"]
    search_fields = ["name", "title"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # officers save them on the site, from a bulletin or the template form


@admin.register(PartnerToken)
class PartnerTokenAdmin(admin.ModelAdmin):
    """Partner systems' keys to the CAP documents. "Add" makes the key and shows it once, on the page that
    follows; only its digest is kept. Untick "active" to revoke a key (it answers 404 at once)."""

    list_display = ["name", "active", "created_by", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name"]
    list_select_related = ["created_by"]
    fields = ["name", "active", "created_by", "created_at", "last_used_at"]
    readonly_fields = ["created_by", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.new_key = partners.create_token(obj, by=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(obj, "new_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "token": obj, "key": key,
                   "title": f"Key for {obj.name}", "changelist_url": reverse("admin:bulletins_partnertoken_changelist")}
        response = TemplateResponse(request, "admin/bulletins/partnertoken/key_created.html", context)
        response["Cache-Control"] = "private, no-store"
        return response
