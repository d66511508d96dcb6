"""A score sheet remembers when it was first submitted, also after staff reopen it: its juror
may have read the others' scores by then, so a conflict they declare afterwards waits for
staff (jury.permissions.once_submitted).

Existing sheets: a submitted one was first submitted no later than its ``submitted_at``; a
sheet reopened before this migration lost that time, and its reopening is in the audit log
(``jury.sheet_reopened``, on the application, naming the juror), whose time stands in."""

from django.db import migrations, models
from django.db.models import F


def remember_first_submissions(apps, schema_editor):
    ScoreSheet = apps.get_model("jury", "ScoreSheet")
    AuditEvent = apps.get_model("ozgeris", "AuditEvent")
    ScoreSheet.objects.filter(submitted_at__isnull=False).update(
        first_submitted_at=F("submitted_at"))
    reopened = AuditEvent.objects.filter(action="jury.sheet_reopened").order_by("created_at")
    for event in reopened.iterator():
        ScoreSheet.objects.filter(
            application_id=event.object_id, juror_id=event.details.get("juror"),
            first_submitted_at__isnull=True).update(first_submitted_at=event.created_at)


class Migration(migrations.Migration):

    dependencies = [
        ("jury", "0005_jury_sitting_labels"),
        ("ozgeris", "0013_refold_canonical_emails"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoresheet",
            name="first_submitted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True,
                                       verbose_name="first submitted"),
        ),
        migrations.RunPython(remember_first_submissions, migrations.RunPython.noop),
    ]
