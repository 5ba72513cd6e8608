"""Bulletin data leaving the portal as files (the delivery report's CSV). OFFICIAL-SENSITIVE content never does:
the report holds who received and acknowledged, not what, and its bulletin column names a sensitive bulletin by
SENSITIVE_PLACEHOLDER (Bulletin.title_outside), never by its title."""

import unicodedata
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from messaging.bulletins.models import Bulletin, Delivery

DELIVERY_REPORT_COLUMNS = ["bulletin", "organisation", "member", "email", "emailed_at", "read_at", "acknowledged_at"]


# Spreadsheets run a cell that starts with one of these as a formula (or as the start of one); tab, CR and LF
# can shift what a program takes for the start of the cell.
_FORMULA_STARTS = frozenset("=+-@\t\r\n")


def _looks_like_a_formula_start(char: str) -> bool:
    # NFKC has already turned full-width and small forms (＝ ＋ － ＠, U+FE62, U+FE63...) into ASCII; the minus
    # sign U+2212 (what superscript and subscript minus fold to) and the other dashes have no ASCII form,
    # and some programs read them as a minus too.
    return char in _FORMULA_STARTS or char == "\u2212" or unicodedata.category(char) == "Pd"


def csv_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading apostrophe if it could start a formula.

    The text is checked as a spreadsheet might read it: compatibility forms folded (NFKC, so "＝" is "="), and
    invisible characters (zero-width spaces, byte-order marks) and leading blanks skipped. The cell keeps the
    original text after the apostrophe."""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    first = folded[:1]
    first_visible = visible.lstrip()[:1]
    if any(_looks_like_a_formula_start(char) for char in (first, first_visible) if char):
        return f"'{text}"
    return text


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def write_delivery_report(writer: Any, deliveries: QuerySet[Delivery], *, bulletin: Bulletin) -> None:
    """The header and one row per delivery of ``bulletin``, to a csv.writer; ``deliveries`` with their users'
    organisations, read in chunks so that a large audience is never all in memory at once. Each row names the
    bulletin, so that rows pasted into another sheet still say what they are about."""
    writer.writerow(DELIVERY_REPORT_COLUMNS)
    title = csv_safe(bulletin.title_outside)
    for delivery in deliveries.iterator(chunk_size=2000):
        user = delivery.user
        writer.writerow([
            title, csv_safe(user.organisation.name if user.organisation else ""), csv_safe(user.display_name),
            csv_safe(user.email), iso(delivery.emailed_at), iso(delivery.read_at), iso(delivery.acknowledged_at),
        ])
