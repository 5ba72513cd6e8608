"""Template comments stay out of the pages: Django's ``{# #}`` ends on its own line, and one that runs on to the
next is printed as text (an officer's grid once showed its author's note)."""

from pathlib import Path

from django.conf import settings


def template_files() -> list[Path]:
    roots = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    return sorted(path for root in roots for path in root.rglob("*") if path.suffix in {".html", ".txt"})


def test_no_template_comment_runs_past_its_line():
    files = template_files()
    assert files  # the templates were found
    running_on = [f"{path.relative_to(settings.BASE_DIR)}:{number}"
                  for path in files
                  for number, line in enumerate(path.read_text().splitlines(), start=1)
                  if line.count("{#") > line.count("#}")]
    assert running_on == []
