"""The notifications pages and actions: the list, the bell's live fragment, opening one (marks it read), marking
all read, and the level and "mark all read" controls of the forum and thread pages. Each view finds its objects
with one loader (permissions.py) and writes through one service; actions are POST."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import ListView, TemplateView, View

from common.views import LoadingMixin
from notifications import permissions, selectors, services
from notifications.forms import LevelForm
from notifications.models import Level

PER_PAGE = 25


class NotificationsMixin(LoadingMixin):
    def test_func(self) -> bool:
        return permissions.can_use(self.request.user)


class NotificationListView(NotificationsMixin, ListView):
    template_name = "notifications/list.html"
    context_object_name = "notes"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return selectors.notifications_of(self.request.user)


class BellView(NotificationsMixin, TemplateView):
    """The bell's badge, fetched again by live.js when a notification arrives or is read (data-live-part)."""

    template_name = "notifications/_bell.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(count=selectors.unread_count(self.request.user), **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["Cache-Control"] = "no-store"
        return response


def _on_site(url: str) -> str:
    """Where a notification leads, if it is a path on this site; the list otherwise."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return reverse("notifications:list")


class OpenView(NotificationsMixin, View):
    """A click on a notification (a form's button, so that reading changes nothing on a GET): read, then off to
    what it is about."""

    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.note = permissions.access_own_notification(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        services.open_notification(self.note, by=request.user)
        return redirect(_on_site(self.note.url))


class ReadAllView(NotificationsMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        count = services.mark_all_read(request.user)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read." if count
                         else "Nothing was unread.")
        return redirect("notifications:list")


def _level_label(level: str) -> str:
    return Level(level).label.split(":")[0].lower()


class ForumLevelView(NotificationsMixin, View):
    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.forum = permissions.access_forum(request.user, kwargs["slug"])

    def post(self, request, slug: str):
        form = LevelForm(request.POST)
        if form.is_valid():
            services.set_forum_level(request.user, self.forum, form.cleaned_data["level"])
            messages.success(request, f"{self.forum.name}: you are now {_level_label(form.cleaned_data['level'])}"
                                      " (threads with a level of their own keep it).")
        else:
            messages.error(request, "Choose one of the notification levels.")
        return redirect(self.forum)


class ThreadLevelView(NotificationsMixin, View):
    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.thread = permissions.access_thread(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        form = LevelForm(request.POST)
        if form.is_valid():
            services.set_thread_level(request.user, self.thread, form.cleaned_data["level"])
            messages.success(request, f"This thread: you are now {_level_label(form.cleaned_data['level'])}.")
        else:
            messages.error(request, "Choose one of the notification levels.")
        return redirect(self.thread)


class ForumReadView(NotificationsMixin, View):
    """"Mark all read" on a forum's page."""

    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.forum = permissions.access_forum(request.user, kwargs["slug"])

    def post(self, request, slug: str):
        services.mark_forum_read(request.user, self.forum)
        messages.success(request, f"Every thread in {self.forum.name} is marked read.")
        return redirect(self.forum)
