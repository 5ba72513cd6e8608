from django import template
from django.utils.safestring import SafeString

from common import once

register = template.Library()


@register.simple_tag(takes_context=True)
def once_token(context) -> SafeString:
    """{% once_token %} inside a <form>: a hidden field with a fresh one-time token (see common.once)."""
    return once.hidden_field(context["request"])
