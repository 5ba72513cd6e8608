"""{% object_url "board:post_report" post.pk %}: the address of a view that takes one object id, the same as
{% url "board:post_report" post.pk %} gives, reversed once per process (common.urls) instead of once per row."""

from django import template

from common.urls import object_url

register = template.Library()
register.simple_tag(object_url, name="object_url")
