"""The body of the officers' grid, rendered in Python: at 10,000 organisations the grid has hundreds of cells
(25 sectors x 33 boroughs) and thousands of links, fetched again by every officer's page about once a second
while answers come in. The template language took a second to render them and format_html a quarter of one;
plain string building with html.escape on every text (each answer's label escaped once per grid, not once per
cell) takes a few milliseconds."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

EMPTY = '<span class="text-muted">—</span>'


@register.simple_tag
def grid_body(grid, grid_url: str) -> SafeString:
    """The table's rows: per sector its name and share answered, its counts over every borough, then one cell per
    borough column (counts per answer, each a link to the organisations behind it; the first organisations by
    name, a note as their title; "and N more")."""
    url = escape(grid_url)
    labels = {choice.pk: escape(choice.label) for choice in grid.choices}
    parts: list[str] = []
    for line in grid.table():
        row = line["row"]
        parts.append(f'<tr><th scope="row">{escape(row.name)}<div class="small fw-normal text-muted">'
                     f'{row.answered} of {row.asked} answered ({row.share}%)</div></th><td class="small">')
        if line["tallies"]:
            parts.extend(f'<div><a href="{url}?sector={row.sector_id}&amp;choice={choice.pk}">{labels[choice.pk]}'
                         f'</a>: {count}</div>' for choice, count in line["tallies"])
        else:
            parts.append(EMPTY)
        parts.append("</td>")
        for _, borough_param, cell in line["cells"]:
            parts.append('<td class="small">')
            _cell(parts, cell, f"{url}?sector={row.sector_id}&amp;borough={borough_param}", labels)
            parts.append("</td>")
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it went through escape()


def _cell(parts: list[str], cell, base: str, labels: dict[int, str]) -> None:
    if not cell.total:
        parts.append(EMPTY)
        return
    parts.extend(f'<div><a href="{base}&amp;choice={choice.pk}">{labels[choice.pk]}</a>: <strong>{count}</strong>'
                 f'</div>' for choice, count in cell.tallies)
    parts.append('<ul class="list-unstyled mb-0 mt-1 text-muted">')
    for _, name, note, choice in cell.organisations:
        title = f' title="{escape(note)}"' if note else ""
        label = labels[choice.pk] if choice else ""
        parts.append(f'<li{title}>{escape(name)} <span class="visually-hidden">({label})</span></li>')
    parts.append("</ul>")
    if cell.more:
        parts.append(f'<a href="{base}">and {cell.more} more</a>')
