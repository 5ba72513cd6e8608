"""The shared helpers every app relies on: one-line e-mail subjects, plain ids, NUL-free text."""

import pytest

from common.params import object_id
from common.text import clean_text, email_subject


@pytest.mark.parametrize("title", ["Road\r\nclosed", "Road\nBcc: victim@example.org", "  Road \t closed  "])
def test_an_email_subject_is_one_line_whatever_the_text_holds(title):
    subject = email_subject(title)
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("[The Hub] Road ")


def test_a_long_email_subject_is_cut_with_an_ellipsis():
    subject = email_subject("x" * 500, length=120)
    assert len(subject) == len("[The Hub] ") + 120 and subject.endswith("…")


@pytest.mark.parametrize("value, expected", [
    ("42", 42), ("0", 0), ("9" * 18, int("9" * 18)),
    ("-1", None), ("1e9", None), ("²", None), (" 4", None), ("9" * 19, None), ("", None), (None, None),
])
def test_only_plain_digits_are_read_as_an_object_id(value, expected):
    assert object_id(value) == expected


def test_typed_text_loses_nul_characters_and_surrounding_space():
    assert clean_text("  a\x00b \n") == "ab"
