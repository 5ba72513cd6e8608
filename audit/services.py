from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEntry


def record(actor, action: str, target: models.Model | None = None, reason: str = "", **data: Any) -> AuditEntry:
    """Write one audit entry: who (None for the system) did what to which object, and why."""
    known = getattr(actor, "is_authenticated", False)
    entry = AuditEntry(actor=actor if known else None, actor_repr=actor.email if known else "", action=action,
                       reason=reason, data=data)
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:200]
    entry.save()
    return entry
