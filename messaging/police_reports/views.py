"""Members' reports to the police, their messages and files, and the borough SPOC directory. Each view asks
``permissions`` for its object (one loader) and writes through ``services`` (one action). The officers' triage
is in ``triage_views``."""

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView, View

from accounts import roles
from common import once
from common.once import OnceFormMixin
from common.params import object_id
from common.ratelimits import LIMITED_MESSAGE, RateLimitedFormMixin, limit_reached
from common.views import LoadingMixin
from messaging.bulletins.audience import visible_incidents
from messaging.police_reports import attachments, permissions, services
from messaging.police_reports.forms import FILES_AGAIN, MessageForm, ReportForm
from messaging.police_reports.models import PoliceReport
from sectors.models import Borough, BoroughSpoc

MESSAGES_PER_PAGE = 50


class SignedInMixin(LoadingMixin):
    """Anyone signed in; the loader decides (a report is its author's and the officers', 404 for anyone else,
    so an author whose membership has since ended still reads their own reports)."""

    def test_func(self) -> bool:
        return self.request.user.is_authenticated


class ReporterOrOfficerMixin(LoadingMixin):
    def test_func(self) -> bool:
        user = self.request.user
        return permissions.can_report(user) or permissions.can_triage(user)


class ReporterMixin(LoadingMixin):
    def test_func(self) -> bool:
        return permissions.can_report(self.request.user)


# Members ---------------------------------------------------------------------------------------------------------


class MyReportsView(ReporterOrOfficerMixin, ListView):
    """A member's own reports with their status (officers go to the triage list). ``?fragment=list`` is the list
    alone, for the live refresh when an officer changes a status."""

    template_name = "police_reports/list.html"
    paginate_by = 20
    context_object_name = "reports"

    def get(self, request, *args, **kwargs):
        if permissions.can_triage(request.user):
            return redirect("police_reports:triage")
        if request.GET.get("fragment") == "list":
            self.template_name = "police_reports/_list.html"
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return (PoliceReport.objects.filter(author=self.request.user)
                .select_related("assigned_to")
                .annotate(message_count=Count("messages"))
                .only("pk", "title", "kind", "status", "created_at", "updated_at", "assigned_to__display_name")
                .order_by("-created_at", "-pk"))


class ReportCreateView(OnceFormMixin, RateLimitedFormMixin, ReporterMixin, FormView):
    """The report form. ``?incident=<id>`` (a link from an incident's page) and ``?borough=<id>`` (from the SPOC
    directory) prefill it; an id that is not one the member can see is said so, never a 500 or a 404. A form that
    comes back with errors keeps what was typed; files must be chosen again, and the errors say so."""

    form_class = ReportForm
    template_name = "police_reports/form.html"
    rate_limit_action = "police_report"

    def load(self, request, **kwargs) -> None:
        self.prefill_problem = ""
        self.prefill_incident = None
        self.prefill_borough = None
        if request.method != "GET":
            return
        raw_incident = request.GET.get("incident")
        if raw_incident:
            pk = object_id(raw_incident)
            self.prefill_incident = (visible_incidents(request.user).filter(pk=pk).first() if pk is not None
                                     else None)
            if self.prefill_incident is None:
                self.prefill_problem = ("The incident in the link you followed does not exist or is not one you "
                                        "can see, so it is not filled in: choose one below, or none.")
        raw_borough = request.GET.get("borough")
        if raw_borough:
            pk = object_id(raw_borough)
            self.prefill_borough = Borough.objects.filter(pk=pk).first() if pk is not None else None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        if self.prefill_incident is not None:
            initial.update(incident=self.prefill_incident, kind=PoliceReport.Kind.INCIDENT_INFORMATION)
            initial["boroughs"] = list(self.prefill_incident.boroughs.all())
        if self.prefill_borough is not None:
            initial["boroughs"] = [self.prefill_borough]
        return initial

    def once_redirect_url(self) -> str:
        return reverse("police_reports:list")  # where the report the first submit sent is listed

    def get_context_data(self, **kwargs):
        return super().get_context_data(prefill_problem=self.prefill_problem, **kwargs)

    def form_invalid(self, form):
        if self.request.FILES:
            # Browsers never send a file input's files back: say so where the member looks (the error summary).
            if "files" in form.errors:
                form.errors["files"].append(FILES_AGAIN)
            else:
                form.add_error("files", FILES_AGAIN)
        return super().form_invalid(form)

    def act_once(self, form):
        data = form.cleaned_data
        try:
            report = services.submit_report(author=self.request.user, kind=data["kind"], title=data["title"],
                                            body=data["body"], boroughs=data["boroughs"], incident=data["incident"],
                                            files=data["files"])
        except services.ReportError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Your report has gone to the police. You will be told here and by e-mail "
                                       "when they write to you. In an emergency, call 999.")
        return redirect(report)


class ReportPageMixin:
    """A report's page: the report, its files, its messages (a page of them: the newest by default) with the
    message form, and for officers the triage controls (``_triage_controls.html``, posting to ``triage_views``).
    ``?fragment=messages`` is the thread alone, for the live refresh when a message arrives."""

    template_name = "police_reports/detail.html"

    def load(self, request, **kwargs) -> None:
        self.report = permissions.access_report(request.user, kwargs["pk"])

    def messages_page(self):
        thread = self.report.messages.select_related("author").order_by("created_at", "pk")
        paginator = Paginator(thread, MESSAGES_PER_PAGE)
        return paginator.get_page(self.request.GET.get("messages") or paginator.num_pages)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.report, self.request.user
        is_officer = permissions.can_triage(user)
        page = self.messages_page()
        context.update(
            report=report, is_officer=is_officer, is_author=report.author_id == user.pk,
            boroughs=list(report.boroughs.all()), files=list(report.attachments.all()),
            page_obj=page, thread=page.object_list, messages_part=services.messages_part(report),
            message_form=kwargs.get("message_form") or MessageForm(),
        )
        if is_officer:
            context["routed_to"] = list(report.routed_to.all())
        return context


class ReportDetailView(ReportPageMixin, SignedInMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "messages":
            page = self.messages_page()
            return self.response_class(request, ["police_reports/_messages.html"],
                                       {"report": self.report, "thread": page.object_list, "page_obj": page})
        return super().get(request, *args, **kwargs)


class ReportMessageView(ReportPageMixin, SignedInMixin, TemplateView):
    """A message from the author or an officer; one that will not do comes back on the report's page, beside the
    field, with what was typed. Rate-limited like forum replies, and sent once per rendered form."""

    def get(self, request, *args, **kwargs):
        return redirect(self.report)

    def post(self, request, pk: int):
        form = MessageForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(message_form=form))
        if limit_reached(request, "post"):
            form.add_error(None, LIMITED_MESSAGE)
            response = self.render_to_response(self.get_context_data(message_form=form))
            response.status_code = 429
            return response
        target = self.report.get_absolute_url() + "#messages"
        if refusal := once.refuse_unless_claimed(request, redirect_to=target):
            return refusal
        try:
            services.post_message(self.report, by=request.user, body=form.cleaned_data["body"])
        except services.ReportError as error:
            messages.error(request, str(error))
            return redirect(target)
        messages.success(request, "Message sent." if permissions.can_triage(request.user)
                         else "Message sent to the police.")
        return redirect(target)


class AttachmentView(SignedInMixin, View):
    """A report's file, as a download only: the stored type (one of three), never sniffed, never cached."""

    def load(self, request, **kwargs) -> None:
        self.attachment = permissions.access_attachment(request.user, kwargs["pk"], kwargs["attachment_pk"])

    def get(self, request, *args, **kwargs):
        attachment = self.attachment
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404("This file is no longer stored.") from error
        content_type = (attachment.content_type if attachment.content_type in attachments.CONTENT_TYPES
                        else "application/octet-stream")
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = content_disposition(attachment.original_name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        # Should a browser ever show it anyway: no scripts, no plugins, its own origin.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


def content_disposition(name: str) -> str:
    """``attachment`` with the (already clean) name, as RFC 6266 asks: an ASCII fallback, and the exact name
    percent-encoded in UTF-8."""
    name = attachments.clean_name(name)
    fallback = "".join(char if " " <= char < "\x7f" and char not in '"\\%' else "_" for char in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# The SPOC directory ----------------------------------------------------------------------------------------------


class SpocDirectoryView(ReporterOrOfficerMixin, TemplateView):
    """Every borough (a fixed list of 33: one page) with its single point of contact and deputies: name, role,
    the phone number they chose to publish (if any), and a link to write to them through a report."""

    template_name = "police_reports/spocs.html"

    def get_context_data(self, **kwargs):
        contacts = (BoroughSpoc.objects.filter(officer__is_active=True, officer__groups__name=roles.OFFICERS)
                    .select_related("officer").only("borough_id", "role", "public_phone", "officer__display_name")
                    .order_by("-role", "officer__display_name"))  # "spoc" before "deputy"
        boroughs = Borough.objects.order_by("name").prefetch_related(
            Prefetch("spocs", queryset=contacts, to_attr="contacts"))
        return super().get_context_data(boroughs=boroughs, can_report=permissions.can_report(self.request.user),
                                        **kwargs)
