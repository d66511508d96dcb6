"""Reminders to organisations with an unsubmitted draft, a week and a day before their own
deadline (an extension moves it), run hourly by beat."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from ozgeris import outbox
from ozgeris.models import User

from .intake import deadlines_for
from .models import Application, Status
from .services import missing_items

WEEK, DAY = timedelta(days=7), timedelta(days=1)


def send_draft_reminders(now=None):
    """Remind organisations with an unsubmitted draft a week and a day before their deadline
    (an extension moves it). Each reminder goes once; a draft first seen within the last day
    gets only the last-day one. Returns how many reminders were queued.

    The queries do not grow with the drafts: the drafts with their documents and members,
    the deadlines per programme, one claim per kind of reminder, one statement of mail."""
    now = now or timezone.now()
    drafts = list(Application.objects.filter(
        status=Status.DRAFT, programme__intake_opens_at__lte=now,
        reminded_day_before_at__isnull=True,
    ).select_related("programme", "organisation", "nomination").prefetch_related(
        "documents", Prefetch("organisation__members", to_attr="active_members",
                              queryset=User.objects.filter(is_active=True))))
    deadlines = {}
    for programme in {draft.programme for draft in drafts}:
        organisations = [draft.organisation for draft in drafts if draft.programme == programme]
        deadlines[programme.pk] = deadlines_for(programme, organisations)
    due = {"day": [], "week": []}
    for draft in drafts:
        left = deadlines[draft.programme_id][draft.organisation_id] - now
        if timedelta(0) < left <= DAY:
            due["day"].append(draft)
        elif DAY < left <= WEEK and draft.reminded_week_before_at is None:
            due["week"].append(draft)
    marks = {"day": ({"reminded_day_before_at": now, "reminded_week_before_at": now},
                     Q(reminded_day_before_at__isnull=True)),
             "week": ({"reminded_week_before_at": now}, Q(reminded_week_before_at__isnull=True))}
    recipients, reminded = [], 0
    with transaction.atomic():
        for kind, applications in due.items():
            if not applications:
                continue
            fields, pending = marks[kind]
            # Claimed under a row lock: a second run at the same moment finds them marked.
            claimed = set(Application.objects.select_for_update().filter(
                pending, pk__in=[draft.pk for draft in applications]).values_list("pk", flat=True))
            Application.objects.filter(pk__in=claimed).update(**fields)
            for draft in applications:
                if draft.pk not in claimed:
                    continue
                reminded += 1
                context = {"application": draft,
                           "deadline": deadlines[draft.programme_id][draft.organisation_id],
                           "missing": missing_items(draft)}
                recipients += [(member.email, member.preferred_language, context)
                               for member in draft.organisation.active_members]
        outbox.queue_templated_emails(template="applications/email/draft_reminder",
                                      purpose="applications:reminder", recipients=recipients,
                                      render_now=True)
    return reminded
