"""The error pages with DEBUG off: the portal's own layout, what to do in an emergency, never a traceback."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import path
from django.views import defaults

import hub.urls


def bad_request(request):
    raise SuspiciousOperation("malformed thing the attacker sent")


def forbidden(request):
    raise PermissionDenied


def not_found(request):
    raise Http404("internal lookup detail")


def broken(request):
    raise RuntimeError("database password is hunter2")


# The portal's URLs and error handlers, plus views that fail on purpose.
urlpatterns = [
    path("fail/400", bad_request),
    path("fail/403", forbidden),
    path("fail/404", not_found),
    path("fail/500", broken),
    *hub.urls.urlpatterns,
]
handler400 = getattr(hub.urls, "handler400", defaults.bad_request)
handler403 = getattr(hub.urls, "handler403", defaults.permission_denied)
handler404 = getattr(hub.urls, "handler404", defaults.page_not_found)
handler500 = getattr(hub.urls, "handler500", defaults.server_error)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def assert_error_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert heading in page
    assert 'class="navbar-brand fw-semibold" href="/">The Hub</a>' in page  # the portal's layout
    # What to do if it is urgent (the footer's "call 999" alone is on every page).
    assert "If you need the police now" in page and "police liaison contact" in page
    assert "Traceback" not in page
    return page


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("status", "heading", "hidden"), [
    (400, "The Hub could not understand that request", "malformed thing"),
    (403, "You can't open this page", "Traceback"),
    (404, "Page not found", "internal lookup detail"),
])
def test_error_pages_are_in_the_portals_layout_with_what_to_do(client, status, heading, hidden):
    page = assert_error_page(client.get(f"/fail/{status}"), status, heading)
    assert hidden not in page
    assert 'href="/"' in page


@override_settings(DEBUG=False)
def test_a_host_outside_allowed_hosts_gets_the_400_page(client):
    assert_error_page(client.get("/", HTTP_HOST="evil.example"), 400, "could not understand that request")


@override_settings(DEBUG=False)
def test_the_500_page_says_what_to_do_and_shows_nothing_of_the_error():
    client = Client(raise_request_exception=False)
    page = assert_error_page(client.get("/fail/500"), 500, "Something went wrong on our side")
    assert "hunter2" not in page and "RuntimeError" not in page
    assert "before you send it again" in page


def test_the_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    """Django's server_error renders it with no request (no context processors): it must need nothing."""
    with django_assert_num_queries(0):
        page = render_to_string("500.html")
    assert "If you need the police now" in page and "<title>Something went wrong" in page
