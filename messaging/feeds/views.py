"""The calendar page, the feeds' settings page and the feeds themselves. Who may see what is never decided here:
``permissions`` says who may open a page or whose feed a token is, ``selectors`` (through the audience rule)
what they read."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.generic import TemplateView, View

from common.views import LoadingMixin
from messaging.bulletins.models import Bulletin
from messaging.feeds import ical, permissions, selectors, services
from messaging.feeds.forms import CalendarFilterForm
from messaging.feeds.ical import site_url
from messaging.feeds.times import event_times

PAGE_SIZE = 20
# A month view lists at most this many events (a month of the partnership's pre-planning has a few dozen).
MONTH_LIMIT = 400


class CalendarUserMixin(LoadingMixin):
    """Approved members (of any sector) and officers."""

    def test_func(self) -> bool:
        return permissions.can_use_calendar(self.request.user)


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    events: list[Bulletin] = field(default_factory=list)


def month_bounds(first: date) -> tuple[date, date]:
    """The month grid's first Monday and the Monday after its last week (weeks run Monday to Sunday)."""
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    end = next_month + timedelta(days=(7 - next_month.weekday()) % 7)
    return start, end


def month_grid(first: date, events: list[Bulletin], today: date) -> list[list[Day]]:
    """The weeks of the month, each day with the events that take place on it (an event of several days is
    listed on each of them)."""
    start, end = month_bounds(first)
    by_day: dict[date, list[Bulletin]] = defaultdict(list)
    for event in events:
        day, last = max(event.when.first_day, start), min(event.when.last_day, end - timedelta(days=1))
        while day <= last:
            by_day[day].append(event)
            day += timedelta(days=1)
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    cells = [Day(day=day, in_month=day.month == first.month, is_today=day == today, events=by_day[day])
             for day in days]
    return [cells[n:n + 7] for n in range(0, len(cells), 7)]


class CalendarView(CalendarUserMixin, TemplateView):
    """Upcoming pre-planned events addressed to the user (officers: every one), as a list (paginated) or a
    month's grid; past events on their own list (?past=1); filters by sector and borough."""

    template_name = "feeds/calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CalendarFilterForm(self.request.GET)
        now = timezone.now()
        today = selectors.today_in_london(now)
        events = selectors.events_for(self.request.user)
        sector, borough = form.choice("sector"), form.choice("borough")
        if sector is not None:
            events = selectors.for_sector(events, sector)
        if borough is not None:
            events = selectors.for_borough(events, borough)
        filters = {key: value for key, value in (("sector", sector and sector.slug),
                                                 ("borough", borough and borough.slug)) if value}
        context.update(form=form, filters=filters, sector=sector, borough=borough, today=today,
                       feeds_url=reverse("feeds:index"))
        if form.choice("view") == "month":
            context.update(self.month_context(form, events, today, filters))
        else:
            context.update(self.list_context(form, events, now, filters))
        return context

    def list_context(self, form, events, now, filters) -> dict:
        past = bool(form.choice("past"))
        rows = selectors.archived(events, now) if past else selectors.upcoming(events, now)
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        for event in page.object_list:
            event.when = event_times(event)
        query = {**filters, **({"past": "1"} if past else {})}
        return {"view": "list", "past": past, "page_obj": page, "events": page.object_list,
                "query_string": urlencode(query),
                "other_list_query": urlencode({**filters, **({} if past else {"past": "1"})}),
                "month_query": urlencode({**filters, "view": "month"})}

    def month_context(self, form, events, today, filters) -> dict:
        first = form.choice("month") or today.replace(day=1)
        start, end = month_bounds(first)
        rows = list(selectors.overlapping(events, selectors.start_of_day(start), selectors.start_of_day(end))
                    [:MONTH_LIMIT + 1])
        for event in rows:
            event.when = event_times(event)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        in_month = [event for event in rows[:MONTH_LIMIT]
                    if event.when.last_day >= first and event.when.first_day < following]

        def month_query(month: date) -> str:
            return urlencode({**filters, "view": "month", "month": month.strftime("%Y-%m")})

        return {"view": "month", "month": first, "weeks": month_grid(first, rows[:MONTH_LIMIT], today),
                "month_has_events": bool(in_month), "truncated": len(rows) > MONTH_LIMIT,
                "previous_query": month_query(previous), "next_query": month_query(following),
                "this_month_query": month_query(today.replace(day=1)), "list_query": urlencode(filters)}


class FeedSettingsView(CalendarUserMixin, TemplateView):
    """The user's private feed URLs (the token is made on the first visit) and the button that replaces them."""

    template_name = "feeds/settings.html"

    def get_context_data(self, **kwargs):
        token = services.token_for(self.request.user)
        return super().get_context_data(
            token=token, events_url=site_url(reverse("feeds:events", args=[token.key])),
            bulletins_url=site_url(reverse("feeds:bulletins", args=[token.key])), **kwargs)


class RegenerateView(CalendarUserMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        services.regenerate_token(request.user)
        messages.success(request, "Your feeds have new addresses. The old ones no longer work: add the new ones "
                                  "to your calendar app and feed reader.")
        return redirect("feeds:index")


class EventsFeedView(View):
    """The iCalendar feed: no session (a calendar app cannot sign in); the token in the URL is the credential."""

    http_method_names = ["get", "head"]

    def get(self, request, token: str):
        user = permissions.access_feed_owner(token)
        response = HttpResponse(ical.calendar_for(selectors.feed_events(user)),
                                content_type="text/calendar; charset=utf-8")
        patch_cache_control(response, private=True)
        response.headers["Content-Disposition"] = 'inline; filename="hub-events.ics"'
        response.headers["X-Robots-Tag"] = "noindex"
        return response
