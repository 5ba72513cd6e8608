import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString

from common.text import plain_summary, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """{{ post.body|markdown }}: the only way templates show user-written Markdown."""
    return render_markdown(text)


@register.filter(name="summary")
def summary_filter(text: str, length: int = 200) -> str:
    return plain_summary(text, length)


@register.filter(name="json_attribute")
def json_attribute_filter(value) -> str:
    """{{ data|json_attribute }}: data as JSON for a data-* attribute (escaped by the template like any text), so
    a script loaded from static/ can read it without an inline <script> block (the CSP forbids them)."""
    return json.dumps(value, cls=DjangoJSONEncoder)
