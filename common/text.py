"""The one pipeline for user text: Markdown -> HTML -> nh3 allow-list. Nothing else renders user HTML.

Text is rendered when it is written, not when it is read ("cooked", as Discourse calls it): the models that keep
user Markdown store its HTML beside it with the PIPELINE_VERSION that made it (``cook_on_save``), templates
output the stored HTML, and `manage.py recook` renders again whatever an older version made.
"""

import html
import threading
from collections.abc import Mapping
from typing import Any

import markdown
import nh3
from django.db import connections, models, transaction
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Headings in user text start at h3 so they never compete with the page's own h1/h2.
_HEADING_SHIFT = 2

# The version of render_markdown's output. Bump it with any change that could change what render_markdown returns
# for some text (the allow-lists above, the extensions, the heading shift, an upgrade of markdown or nh3 that
# changes their output), then run `manage.py recook` after deploying: stored HTML of an older version is
# rendered again. Until then pages show the older, still sanitised, HTML.
PIPELINE_VERSION = 1

_EXTENSIONS = ["extra", "sane_lists", "nl2br"]
# Building a Markdown instance loads its extensions: a third of the cost of rendering a post. One instance per
# thread (an instance keeps state while converting), reset before each use; the output is markdown.markdown()'s.
_local = threading.local()


def _markdown_to_html(text: str) -> str:
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    return converter.reset().convert(text or "")


def render_markdown(text: str) -> SafeString:
    """Render user Markdown to sanitised HTML: raw HTML is stripped, links get rel="nofollow noopener", no images."""
    rendered = _markdown_to_html(text)
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


def cook_on_save(instance: Any, save_kwargs: Mapping[str, Any], *, source: str = "body", html_field: str = "body_html",
                 version_field: str = "body_html_version") -> dict[str, Any]:
    """For a model's save(): store the sanitised HTML of ``source`` (and the pipeline version that made it) on
    every save that writes ``source``, so no path that saves the text can leave stale HTML behind. Returns the
    keyword arguments for Model.save, with the HTML fields added to ``update_fields`` if it was given."""
    kwargs = dict(save_kwargs)
    update_fields = kwargs.get("update_fields")
    if update_fields is None or source in update_fields:
        setattr(instance, html_field, str(render_markdown(getattr(instance, source))))
        setattr(instance, version_field, PIPELINE_VERSION)
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, html_field, version_field}
    return kwargs


def cook_many(instances: list[Any], *, source: str = "body", html_field: str = "body_html",
              version_field: str = "body_html_version") -> None:
    """cook_on_save for many unsaved or changed instances at once (bulk_create, bulk_update): each distinct text is
    rendered once."""
    rendered: dict[str, str] = {}
    for instance in instances:
        text = getattr(instance, source)
        if text not in rendered:
            rendered[text] = str(render_markdown(text))
        setattr(instance, html_field, rendered[text])
        setattr(instance, version_field, PIPELINE_VERSION)


class CookedQuerySet(models.QuerySet):
    """The manager of a model that stores its ``body``'s HTML (cook_on_save in its save()): the bulk writes, which
    skip save(), store the HTML too, so that no write path can leave a body without its HTML or with another
    body's."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        cook_many(objs)
        update_fields = kwargs.get("update_fields")
        if update_fields and "body" in update_fields:  # an upsert that rewrites the body rewrites its HTML
            kwargs["update_fields"] = [*update_fields, "body_html", "body_html_version"]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "body" in fields:
            objs = list(objs)
            cook_many(objs)
            fields = [*fields, "body_html", "body_html_version"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if "body" in kwargs and "body_html" not in kwargs:  # bulk_update's own update() sets both
            if not isinstance(kwargs["body"], str):
                raise TypeError("A body set by an SQL expression would have no HTML: save() or bulk_update() it.")
            kwargs.update(body_html=str(render_markdown(kwargs["body"])), body_html_version=PIPELINE_VERSION)
        return super().update(**kwargs)


def recook(queryset: Any, *, batch_size: int = 1000, everything: bool = False, source: str = "body",
           html_field: str = "body_html", version_field: str = "body_html_version") -> int:
    """Store ``source``'s HTML afresh on the rows of a model's queryset whose HTML an older pipeline made (all of
    them with ``everything``); returns how many. For `manage.py recook` and the data migrations that add the
    columns (historical models work too: only the manager and the field names are used).

    Walks the table in primary-key order, a batch at a time: each batch's rows are locked while they are rendered
    and written, so an edit saved meanwhile waits and is never overwritten with HTML of the text it replaced.
    Each distinct text is rendered once per batch (replies that quote nothing often repeat). The rows are written
    with one prepared UPDATE run for the whole batch (executemany), not bulk_update's CASE per row, whose cost
    grows with the batch."""
    database = queryset.db
    meta, quote = queryset.model._meta, connections[database].ops.quote_name
    table, html_column = quote(meta.db_table), quote(meta.get_field(html_field).column)
    version_column, pk_column = quote(meta.get_field(version_field).column), quote(meta.pk.column)
    # Only the model's own names, quoted, go into the statement; the values are parameters.
    update = f"UPDATE {table} SET {html_column} = %s, {version_column} = %s WHERE {pk_column} = %s"  # noqa: S608
    pending = queryset if everything else queryset.filter(**{f"{version_field}__lt": PIPELINE_VERSION})
    done, last_pk = 0, None
    while True:
        with transaction.atomic(using=database):
            batch = pending.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch.select_for_update().values_list("pk", source)[:batch_size])
            if not rows:
                return done
            rendered: dict[str, str] = {}
            for _pk, text in rows:
                if text not in rendered:
                    rendered[text] = str(render_markdown(text))
            with connections[database].cursor() as cursor:
                cursor.executemany(update, [(rendered[text], PIPELINE_VERSION, pk) for pk, text in rows])
        done += len(rows)
        last_pk = rows[-1][0]


class Cooked:
    """A second stored text of a model (an answer, an agenda) in the shape the ``cooked`` template filter reads
    (``body_html``): ``{{ call.agenda_text|cooked }}``."""

    def __init__(self, html: str) -> None:
        self.body_html = html


def stored_html(value: str) -> SafeString:
    """HTML that render_markdown made and a model stored (``cook_on_save``, `recook`), for a template: it was
    sanitised when it was written, so it is output as it is."""
    return mark_safe(value or "")  # noqa: S308 - written only by render_markdown: the columns are not editable


def plain_summary(text: str, length: int = 200) -> str:
    """User Markdown as plain text (no markup at all), cut to length: for e-mails, toasts and previews."""
    # nh3 leaves entities escaped; unescape so a plain-text e-mail reads "A & B" (templates escape again).
    flat = " ".join(html.unescape(nh3.clean(markdown.markdown(text or ""), tags=set())).split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def clean_text(value: str) -> str:
    """Text as typed, without NUL characters (PostgreSQL refuses them) or surrounding white space."""
    return value.replace("\x00", "").strip()


def possessive(name: str) -> str:
    """"Acme's", but "Carnaby Street Traders'": a name ending in s takes the apostrophe alone."""
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


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
