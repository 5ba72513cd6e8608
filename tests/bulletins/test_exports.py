"""The delivery report's CSV: no cell a spreadsheet would run as a formula, look-alike characters included."""

import pytest

from messaging.bulletins.exports import csv_safe


@pytest.mark.parametrize("text", [
    "=HYPERLINK(\"http://evil.example\")", "+1+1", "-1+1", "@SUM(A1)", "\tcmd", "\rcmd", "\ncmd",
    "\uff1d1+1",  # FULLWIDTH EQUALS SIGN
    "\uff0b1", "\uff0d1", "\uff20SUM(A1)",  # FULLWIDTH PLUS SIGN, HYPHEN-MINUS, COMMERCIAL AT
    "\ufe62 1", "\ufe63 1", "\ufe66 1", "\ufe6b x",  # SMALL PLUS SIGN, HYPHEN-MINUS, EQUALS SIGN, COMMERCIAL AT
    "\u22121",  # MINUS SIGN
    "\u207c1", "\u208a1", "\u207b1",  # superscript/subscript equals, plus, minus
    "\u200b=1+1", "\ufeff=1+1", " =1+1", "\u00a0=1+1",  # hidden or blank characters first
])
def test_cells_that_could_start_a_formula_are_neutralised(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["Acme Retail Ltd", "Sam Patel", "sam@example.org", "", "1-2 Oxford Street",
                                  "Ｓａｍ"])
def test_ordinary_cells_are_left_as_they_are(text):
    assert csv_safe(text) == text
