"""Context every page's layout needs and that is the same for everyone: no query, no user."""

import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# The navigation's links (templates/includes/nav.html): its name for each -> the URL's name.
NAV_URLS = {
    "home": "home", "sectors": "sectors:directory", "my_sectors": "sectors:mine", "applications": "sectors:queue",
    "forums": "board:forum_list", "moderation": "board:queue", "bulletins": "bulletins:inbox",
    "publish": "bulletins:officer_list", "replies": "bulletins:feedback_list", "incidents": "bulletins:incident_list",
    "triage": "police_reports:triage", "reports": "police_reports:list", "calendar": "calendar:index",
    "search": "search:results", "notifications": "notifications:list", "bell": "notifications:bell",
    "dashboard": "dashboard", "profile": "accounts:profile", "preferences": "preferences:edit",
    "emails": "account_email", "password": "account_change_password", "mfa": "mfa_index",
    "sessions": "usersessions_list", "admin": "admin:index", "login": "account_login", "signup": "account_signup",
    "logout": "account_logout",
}


@functools.cache
def _reversed(prefix: str, urlconf: str) -> dict[str, str]:
    """Every navigation link, reversed once per process, script prefix and URLconf (reverse() writes the prefix),
    where {% url %} ran reverse() twenty-odd times on every page. A link whose app is not installed is "", as
    {% url ... as name %} leaves it, so the navigation leaves it out."""
    urls = {}
    for key, name in NAV_URLS.items():
        try:
            urls[key] = reverse(name, urlconf=urlconf)
        except NoReverseMatch:
            urls[key] = ""
    return urls


def nav_urls(request: HttpRequest) -> dict:
    return {"nav_urls": _reversed(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)}
