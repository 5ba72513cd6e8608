"""Bulletin data leaving the portal as files (the delivery report's CSV). OFFICIAL-SENSITIVE content never does:
the report holds who received and acknowledged, not what."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from messaging.bulletins.models import Delivery

DELIVERY_REPORT_COLUMNS = ["organisation", "member", "email", "emailed_at", "read_at", "acknowledged_at"]


def csv_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: programs run cells that start with these as formulas."""
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def write_delivery_report(writer: Any, deliveries: QuerySet[Delivery]) -> None:
    """The header and one row per delivery, to a csv.writer; ``deliveries`` with their users' organisations,
    read in chunks so that a large audience is never all in memory at once."""
    writer.writerow(DELIVERY_REPORT_COLUMNS)
    for delivery in deliveries.iterator(chunk_size=2000):
        user = delivery.user
        writer.writerow([
            csv_safe(user.organisation.name if user.organisation else ""), csv_safe(user.display_name),
            csv_safe(user.email), iso(delivery.emailed_at), iso(delivery.read_at), iso(delivery.acknowledged_at),
        ])
