"""The jury part of ``seed_demo``: the 2019 jury as the final grant report
describes it. Six members; the sitting of 1 October 2019 at 15:00 on the NGO applications (46
shortlisted, 25 below the 80/20 line, the other 21 scored on two criteria, 19 finalists and 2
not selected) and the sitting at 16:30 on the supporting-organisation nominations (Chevron,
USAID and Samruk Kazyna Trust; no laureate for the media).

Facts come from ``jury-2019.json`` beside this file (the project's own copy, with the report's
line numbers; what the report does not give, the chair, the scores and the cut among them, is
marked "reconstructed" there). Everything the jury decided goes through
``jury.services`` and ``jury.supporting`` with the 2019 times, so the audit log and the
protocol read as if the jury had used the portal. The decision emails the cut queues are
marked sent and never delivered.

Idempotent: each part runs only while its work is left to do, so a second run changes nothing.
The spine (the programme, the jury accounts) and the applications step run first.
"""

import json
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from applications.demo.seed import demo_bins
from applications.models import Application, Status
from ozgeris.demo.programme import almaty
from ozgeris.models import AuditEvent, Nomination, OutboxMessage, Programme, User

from .. import models, services, supporting
from ..copying import ensure_default_criteria

DATA_FILE = Path(__file__).with_name("jury-2019.json")
YEAR = 2019
NOT_SENT = "demo data: not sent"
# The statuses the jury's decisions (and the vote after them) give a screened application.
DECIDED_STATUSES = (Status.ELIGIBLE, Status.FAILED_80_20, Status.FINALIST, Status.NOT_SELECTED,
                    Status.WINNER)


@cache
def facts():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _text(items):
    return "\n".join(item["text"] for item in items)


def seed(*, log=print):
    """Record the jury and its two sittings, skipping whatever is already recorded."""
    data = facts()
    programme = Programme.objects.get(year=YEAR)
    with transaction.atomic():
        last_message = OutboxMessage.objects.aggregate(last=Max("id"))["last"] or 0
        members = _jury_members(programme, data["members"], data["settings"])
        _sittings(programme, data["sittings"], members)
        chair = members[data["members"]["chair"]]
        decided = _applications(programme, data, members, chair)
        voted = _supporting(programme, data["supporting"], members, chair)
        # The cut queued a decision email per applicant; the NGOs of 2019 must not get them.
        OutboxMessage.objects.filter(id__gt=last_message, sent_at__isnull=True).update(
            sent_at=timezone.now(), last_error=NOT_SENT)
    log(f"jury {YEAR}: " + "; ".join([
        f"{len(members)} members",
        decided or "applications already decided",
        f"{voted} supporting nominations closed" if voted else "supporting votes already closed",
    ]))


def _jury_members(programme, info, settings):
    """The six members (the jury accounts come from the spine), the settings and criteria.
    Returns {juror key: JuryMember}."""
    users = {user.email: user
             for user in User.objects.filter(email__in=[m["email"] for m in info["items"]])}
    members = {}
    for order, item in enumerate(info["items"], start=1):
        members[item["key"]], _created = models.JuryMember.objects.get_or_create(
            programme=programme, user=users[item["email"]],
            defaults={"role": (models.JuryMember.Role.CHAIR if item["key"] == info["chair"]
                               else models.JuryMember.Role.MEMBER),
                      "affiliation": item["affiliation"], "email_domain": item["email_domain"],
                      "order": order})
    models.JurySettings.objects.get_or_create(
        programme=programme, defaults={"others_scores_visible": settings["others_scores_visible"],
                                       "ranking": settings["ranking"]})
    ensure_default_criteria(programme)
    return members


def _sittings(programme, sittings, members):
    for item in sittings:
        sitting, _created = models.Sitting.objects.get_or_create(
            programme=programme, subject=item["subject"], starts_at=almaty(item["local"]),
            defaults={"place": item["place"], "agenda": _text(item["agenda"]),
                      "decisions": _text(item["decisions"])})
        for key, presence in item["attendance"].items():
            models.Attendance.objects.get_or_create(sitting=sitting, member=members[key],
                                                    defaults={"presence": presence})


def _applications(programme, data, members, chair):
    """Conflicts, the 80/20 gate, the score sheets and the cut, while screened applications
    wait for the jury. Returns a summary, or "" when they were decided already."""
    if not Application.objects.filter(programme=programme, status=Status.SCREENED).exists():
        return ""
    decided = almaty(data["eligibility"]["local"])
    _conflicts(programme, data["conflicts"], members, chair, _applications_by_key(programme),
               now=decided - timedelta(minutes=5))
    eligible, failed = services.decide_eligibility(programme=programme, by=chair.user,
                                                   now=decided)
    # Loaded again: scoring checks the statuses the eligibility decision has just set.
    sheets = _score(programme, data["scores"], members, _applications_by_key(programme))
    finalists, not_selected = services.apply_cut(
        programme=programme, by=chair.user, threshold=data["cut"]["threshold"],
        now=decided + timedelta(hours=1))
    return (f"{eligible} eligible, {failed} failed 80/20, {sheets} sheets, "
            f"{finalists} finalists, {not_selected} not selected")


def _applications_by_key(programme):
    """organisation key of the applications JSON → its application."""
    key_of = {bin_number: key for key, bin_number in demo_bins().items()}
    return {key_of[application.organisation.bin]: application
            for application in Application.objects.filter(
                programme=programme, organisation__bin__in=key_of).select_related(
                "organisation", "programme")}


def _conflicts(programme, info, members, chair, by_key, now):
    """The portal's automatic check, each possible match dismissed by its juror (the report
    records none), and the reconstructed declaration."""
    services.detect_conflicts(programme=programme, by=chair.user, now=now)
    pending = models.Conflict.objects.filter(
        juror__programme=programme, kind=models.Conflict.Kind.POSSIBLE,
        state=models.Conflict.State.PENDING).select_related("juror__user")
    for conflict in pending:
        services.resolve_conflict(
            conflict=conflict, confirm=False, by=conflict.juror.user, now=now,
            reason=info["possible_dismissed_reason"])
    for item in info["declared"]:
        juror = members[item["juror"]]
        services.declare_conflict(juror=juror, application=by_key[item["application"]],
                                  reason=item["reason"], by=juror.user, now=now)


def _score(programme, info, members, by_key):
    """Every juror submits their sheet for the n-th application of the JSON at the n-th step
    after the first sheet's time, all inside the jury stage."""
    criteria = dict(models.Criterion.objects.filter(programme=programme).values_list("code", "pk"))
    start = almaty(info["first_sheet_local"])
    step = timedelta(minutes=info["minutes_between_sheets"])
    count = 0
    for position, sheet in enumerate(info["sheets"]):
        application = by_key[sheet["application"]]
        for key, values in sheet["scores"].items():
            juror = members[key]
            services.save_sheet(
                juror=juror, application=application, submit=True, by=juror.user,
                now=start + position * step,
                values={criteria[code]: (value, "")
                        for code, value in zip(info["criteria"], values, strict=True)})
            count += 1
    return count


def _supporting(programme, info, members, chair):
    """Nominees, the sitting's votes and the chair closing each nomination, for those whose
    vote is not closed yet. Returns how many nominations it closed."""
    nominations = {nomination.code: nomination
                   for nomination in supporting.supporting_nominations(programme)}
    closed = 0
    for item in info["nominations"]:
        nomination = nominations[item["code"]]
        if supporting.is_vote_closed(nomination):
            continue
        nominees = {}
        for order, nominee in enumerate(item["nominees"], start=1):
            nominees[nominee["name"]], _created = models.Nominee.objects.get_or_create(
                nomination=nomination, name=nominee["name"], defaults={"order": order})
        when = almaty(info["votes_local"])
        abstaining = item.get("abstentions", {"jurors": []})
        for key in abstaining["jurors"]:
            juror = members[key]
            supporting.cast_nominee_vote(juror=juror, nomination=nomination, by=juror.user,
                                         abstention_reason=abstaining["reason"], now=when)
        for key, name in item["votes"].items():
            juror = members[key]
            supporting.cast_nominee_vote(juror=juror, nomination=nomination, by=juror.user,
                                         nominee=nominees[name], now=when)
        supporting.close_nomination_vote(nomination=nomination, by=chair.user,
                                         now=almaty(info["closed_local"]))
        closed += 1
    return closed


def reset(*, log=print):
    """Remove what ``seed`` made: sheets and scores, conflicts, eligibility decisions,
    tie-breaks, sittings and attendance, nominees and votes, members, settings, criteria, the
    jury's audit entries and the decision emails it marked as not sent; and put the
    applications back to "screened" for the applications step to find them as it left them."""
    programme = Programme.objects.filter(year=YEAR).first()
    if programme is None:
        log(f"jury {YEAR}: nothing to remove")
        return
    applications = Application.objects.filter(programme=programme)
    with transaction.atomic():
        members = models.JuryMember.objects.filter(programme=programme).count()
        _audit_entries(programme, applications).delete()
        # Scores and sheets protect criteria, members and applications: they go first.
        models.Score.objects.filter(sheet__juror__programme=programme).delete()
        models.ScoreSheet.objects.filter(juror__programme=programme).delete()
        for model in (models.TieBreak, models.EligibilityDecision):
            model.objects.filter(application__programme=programme).delete()
        models.NomineeVote.objects.filter(nomination__programme=programme).delete()
        models.Nominee.objects.filter(nomination__programme=programme).delete()
        models.Conflict.objects.filter(juror__programme=programme).delete()
        for model in (models.Sitting, models.JuryMember, models.JurySettings, models.Criterion):
            model.objects.filter(programme=programme).delete()
        # The demo's reset only: the status machine has no way back from a jury decision, so
        # the applications return to "screened" by a direct update, outside the services.
        back = applications.filter(status__in=DECIDED_STATUSES).update(status=Status.SCREENED)
        OutboxMessage.objects.filter(purpose="jury:decision", last_error=NOT_SENT).delete()
    log(f"jury {YEAR}: removed {members} members; {back} applications back to screened")


def _audit_entries(programme, applications):
    """The entries the jury's services wrote: ``jury.*`` on the programme, its applications
    and nominations, and the applications' moves into the jury's statuses."""
    def about(model, ids):
        return Q(content_type=ContentType.objects.get_for_model(model),
                 object_id__in=[str(pk) for pk in ids])

    application_ids = list(applications.values_list("pk", flat=True))
    nomination_ids = Nomination.objects.filter(programme=programme).values_list("pk", flat=True)
    jury_actions = Q(action__startswith="jury.") & (
        about(Programme, [programme.pk]) | about(Application, application_ids)
        | about(Nomination, nomination_ids))
    status_moves = (Q(action="application.status", details__to__in=list(DECIDED_STATUSES))
                    & about(Application, application_ids))
    return AuditEvent.objects.filter(jury_actions | status_moves)
