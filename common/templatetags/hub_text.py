from django import template
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
