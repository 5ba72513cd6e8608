"""The one pipeline for user text: Markdown -> HTML -> nh3 allow-list. Nothing else renders user HTML."""

import html

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Headings in user text start at h3 so they never compete with the page's own h1/h2.
_HEADING_SHIFT = 2


def render_markdown(text: str) -> SafeString:
    """Render user Markdown to sanitised HTML: raw HTML is stripped, links get rel="nofollow noopener", no images."""
    rendered = markdown.markdown(text or "", extensions=["extra", "sane_lists", "nl2br"], output_format="html")
    for level in range(6, 0, -1):
        shifted = min(level + _HEADING_SHIFT, 6)
        rendered = rendered.replace(f"<h{level}", f"<h{shifted}").replace(f"</h{level}>", f"</h{shifted}>")
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just sanitised it


def plain_summary(text: str, length: int = 200) -> str:
    """User Markdown as plain text (no markup at all), cut to length: for e-mails, toasts and previews."""
    # nh3 leaves entities escaped; unescape so a plain-text e-mail reads "A & B" (templates escape again).
    flat = " ".join(html.unescape(nh3.clean(markdown.markdown(text or ""), tags=set())).split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def clean_text(value: str) -> str:
    """Text as typed, without NUL characters (PostgreSQL refuses them) or surrounding white space."""
    return value.replace("\x00", "").strip()


def one_line(text: str) -> str:
    """All white space (newlines included) folded to single spaces: for e-mail subjects and other headers."""
    return " ".join(text.split())


def email_subject(text: str, length: int = 250) -> str:
    """Every e-mail the portal sends is subjected "[The Hub] ...", on one line: a newline in a header would
    stop the message altogether, after the change it reports has committed."""
    flat = one_line(text)
    if len(flat) > length:
        flat = flat[: length - 1].rstrip() + "…"
    return f"[The Hub] {flat}"
