"""Reading the officer's forms as a browser would: each publishing form carries a one-time token."""

import re

from common import once


def once_token(page: str, action: str | None = None) -> str:
    """The one-time token of the form posting to ``action`` (or of the page's only such form)."""
    for tag, inner in re.findall(r"(<form[^>]*>)(.*?)</form>", page, flags=re.S):
        form_action = re.search(r'action="([^"]*)"', tag)
        if action is None or (form_action and form_action.group(1) == action):
            match = re.search(rf'name="{once.FIELD}" value="([^"]+)"', inner)
            if match:
                return match.group(1)
    raise AssertionError(f"no one-time token in a form posting to {action!r}")


def submit(client, page_url: str, action: str, data: dict | None = None):
    """Open the page, then post its form (to ``action``) with the token it rendered."""
    token = once_token(client.get(page_url).content.decode(), action)
    return client.post(action, {**(data or {}), once.FIELD: token})
