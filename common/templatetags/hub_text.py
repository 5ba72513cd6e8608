import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString

from common.text import plain_summary, possessive, stored_html

register = template.Library()


@register.filter(name="cooked")
def cooked_filter(obj) -> SafeString:
    """{{ post|cooked }}: the only way templates show user-written Markdown: the sanitised HTML the object stored
    when its text was written (common.text.cook_on_save). It takes the object, not a string, so that it can
    never be handed the raw text. Templates never render Markdown themselves."""
    return stored_html(obj.body_html)


@register.filter(name="summary")
def summary_filter(text: str, length: int = 200) -> str:
    return plain_summary(text, length)


@register.filter(name="possessive")
def possessive_filter(name) -> str:
    """{{ organisation.name|possessive }}: "Acme's", "Carnaby Street Traders'"."""
    return possessive(str(name))


@register.filter(name="json_attribute")
def json_attribute_filter(value) -> str:
    """{{ data|json_attribute }}: data as JSON for a data-* attribute (escaped by the template like any text), so
    a script loaded from static/ can read it without an inline <script> block (the CSP forbids them)."""
    return json.dumps(value, cls=DjangoJSONEncoder)
