"""The audit log's one-line helper, called by every service that changes something."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import AuditEvent


def record(actor, action, obj=None, *, at=None, **details):
    """Write an audit entry: ``record(by, "application.submitted", application, reason=...)``.

    ``actor`` may be None for the system (a periodic task). Details must be JSON-serialisable.
    ``at`` records when it happened if not now (the demo replays 2019 with its dates).
    """
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None, action=action, details=details,
        created_at=at or timezone.now(),
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(obj)
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:200]
    event.save()
    return event


def history(obj):
    """Audit entries about ``obj``, newest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
