"""Every change the jury makes: eligibility, conflicts of interest, score sheets
and the finalist decisions. Application statuses change only through
``applications.services.change_status``.
"""

import hashlib
import re
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlparse

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as applications
from applications.models import Application, Status
from ozgeris import audit, outbox
from ozgeris.links import portal_link
from ozgeris.models import Programme
from ozgeris.permissions import is_programme_staff

from .models import (
    SCORE_MAX,
    SCORE_MIN,
    Conflict,
    Criterion,
    EligibilityDecision,
    JuryMember,
    JurySettings,
    Score,
    ScoreSheet,
    describe_share,
)
from .permissions import (
    conflicted_in,
    in_conflict,
    once_submitted,
    own_conflicts_to_decide,
    progress_of,
)
from .results import results_applied


class JuryError(Exception):
    """A refusal with a message for the person who asked (already translated)."""


def settings_for(programme):
    return JurySettings.objects.get_or_create(programme=programme)[0]


def member_of(user, programme):
    if not getattr(user, "is_authenticated", False):
        return None
    return JuryMember.objects.filter(user=user, programme=programme).select_related(
        "user", "programme").first()


def may_decide(user, programme):
    """Staff and the jury's chair take the jury's decisions."""
    member = member_of(user, programme)
    return is_programme_staff(user) or (member is not None
                                        and member.role == JuryMember.Role.CHAIR)


# ---------------------------------------------------------------------------
# Eligibility: the 80/20 gate
# ---------------------------------------------------------------------------

def decide_eligibility(*, programme, by, now=None):
    """Every screened application becomes eligible or fails the 80/20 rule by the share the
    applications service computed; staff or the chair decide it, until the finalists are
    chosen (``_before_the_cut``: an application screened late must not change status after
    the jury's decision). With none screened it changes nothing and is not refused, so a
    second run of the demo's jury phase stays the no-op it was. Returns (eligible, failed)
    counts."""
    if not may_decide(by, programme):
        raise JuryError(_("Only programme staff or the chair can decide eligibility."))
    counts = {True: 0, False: 0}
    with transaction.atomic():
        screened = list(Application.objects.filter(programme=programme, status=Status.SCREENED)
                        .select_related("programme"))
        if screened:  # checked under the lock the cut takes, so neither slips past the other
            _before_the_cut(programme, _("The finalists are chosen: the 80/20 rule can no "
                                         "longer be applied."))
        for application in screened:
            eligible = application.passes_80_20 is True
            reason = describe_share(application.income_share,
                                    application.income_share_threshold)
            applications.change_status(
                application=application, by=by, now=now, reason=reason,
                to=Status.ELIGIBLE if eligible else Status.FAILED_80_20)
            EligibilityDecision.objects.update_or_create(
                application=application,
                defaults={"eligible": eligible, "overridden": False, "reason": reason,
                          "decided_by": by, "decided_at": now or timezone.now()})
            counts[eligible] += 1
    return counts[True], counts[False]


def override_eligibility(*, application, eligible, reason, by):
    """Staff or the chair overrule the 80/20 result with a written reason (logged); never
    someone who stands aside on the application (``permissions.in_conflict``)."""
    if not may_decide(by, application.programme):
        raise JuryError(_("Only programme staff or the chair can override eligibility."))
    if in_conflict(by, application):
        raise JuryError(_("You have a conflict of interest with this application: someone "
                          "else decides on it."))
    if not reason.strip():
        raise JuryError(_("Give a reason for the override."))
    with transaction.atomic():
        _before_the_cut(application.programme, _(
            "The finalists are chosen: eligibility can no longer be overridden."))
        try:
            applications.change_status(
                application=application, by=by, reason=reason, override=True,
                to=Status.ELIGIBLE if eligible else Status.FAILED_80_20)
        except applications.ApplicationError as error:
            raise JuryError(str(error)) from error
        EligibilityDecision.objects.update_or_create(
            application=application,
            defaults={"eligible": eligible, "overridden": True, "reason": reason,
                      "decided_by": by, "decided_at": timezone.now()})


def _before_the_cut(programme, refusal):
    """The jury decides the finalists once: after the cut, neither an override nor a second
    cut (which would make finalists of applications that became eligible late) is taken, and
    ``refusal`` says so. The cut and the overrides of one edition run one after the other, so
    neither slips in while the other is deciding: the programme's row is their lock (FOR NO KEY
    UPDATE, which leaves rows that point at the programme free to be written; SQLite
    serialises writers anyway)."""
    Programme.objects.select_for_update(no_key=True).only("pk").get(pk=programme.pk)
    if results_applied(programme):
        raise JuryError(refusal)


def reverse_eligibility(*, application, reason, by):
    """The panel's override: the opposite of the 80/20 result the application has (a failed
    one becomes eligible, an eligible one fails), as ``override_eligibility`` does it.
    Refused for an application the gate has not decided or the cut has already moved on."""
    if application.status not in (Status.ELIGIBLE, Status.FAILED_80_20):
        raise JuryError(_("Only an application the 80/20 rule has decided can be "
                          "overridden."))
    override_eligibility(application=application, reason=reason, by=by,
                         eligible=application.status == Status.FAILED_80_20)


# ---------------------------------------------------------------------------
# Conflicts of interest
# ---------------------------------------------------------------------------

GENERIC_DOMAINS = {"gmail.com", "mail.ru", "yandex.ru", "yandex.kz", "inbox.ru", "bk.ru",
                   "list.ru", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"}
_STOPWORDS = {"фонд", "общественное", "объединение", "корпоративный", "частный", "центр",
              "ассоциация", "организация", "развития", "директор", "исполнительный",
              "председатель", "правления", "руководитель", "проекта", "компания", "company"}


def _domain(value):
    value = (value or "").strip().lower()
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    elif "//" in value:
        value = urlparse(value).hostname or ""
    return value.removeprefix("www.")


def _words(text):
    return {word for word in re.findall(r"[\wәғқңөұүһі]{5,}", (text or "").lower())
            if word not in _STOPWORDS}


def possible_conflict(member, organisation, member_emails=()):
    """What links a juror to an organisation, or "": a shared email or web domain, or a
    distinctive word of the organisation's name in the juror's declared affiliation."""
    juror_domains = {_domain(member.email_domain), _domain(member.user.email)} - GENERIC_DOMAINS
    juror_domains.discard("")
    org_domains = {_domain(organisation.website), _domain(organisation.contact_email),
                   *(_domain(email) for email in member_emails)} - GENERIC_DOMAINS
    shared = juror_domains & org_domains
    if shared:
        return _("shared domain %(domain)s") % {"domain": sorted(shared)[0]}
    common = _words(member.affiliation) & _words(organisation.name)
    if common:
        return _("affiliation mentions “%(word)s”") % {"word": sorted(common)[0]}
    return ""


def detect_conflicts(*, programme, by=None, now=None):
    """Flag conflicts for every juror and screened or later application: automatic for a
    member of the applying organisation, possible where affiliations match. Existing
    records (and decisions on them) are kept. Returns how many were added."""
    members = list(JuryMember.objects.filter(programme=programme).select_related("user"))
    candidates = (Application.objects.filter(programme=programme)
                  .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
                  .select_related("organisation")
                  .prefetch_related("organisation__members"))
    existing = set(Conflict.objects.filter(juror__programme=programme)
                   .values_list("juror_id", "application_id"))
    added = []
    for application in candidates:
        organisation = application.organisation
        people = list(organisation.members.all())
        for member in members:
            if (member.pk, application.pk) in existing:
                continue
            if any(person.pk == member.user_id for person in people):
                added.append(Conflict(juror=member, application=application,
                                      kind=Conflict.Kind.AUTOMATIC,
                                      state=Conflict.State.CONFIRMED,
                                      reason=_("The juror is a member of the organisation.")))
                continue
            match = possible_conflict(member, organisation, [p.email for p in people])
            if match:
                added.append(Conflict(juror=member, application=application,
                                      kind=Conflict.Kind.POSSIBLE, state=Conflict.State.PENDING,
                                      match=match, reason=""))
    Conflict.objects.bulk_create(added, ignore_conflicts=True)
    if added:
        audit.record(by, "jury.conflicts_detected", programme, at=now, added=len(added))
    return len(added)


@transaction.atomic
def declare_conflict(*, juror, application, reason, by, now=None):
    """The juror abstains: they cannot score the application or see its scores.

    Before the juror has submitted a sheet on the application the conflict is confirmed at
    once: nothing of theirs counts yet, and a draft is deleted. Once they have, the blind rule
    may have shown them the other jurors' scores, and a conflict that took effect on its own
    would let them pull their sheet out of the results after seeing it move the ranking. The
    declaration is then pending, for programme staff to confirm or dismiss
    (``resolve_conflict``; never the juror, nor staff who are that juror). Like any pending
    conflict it excludes (``Conflict.objects.excluding()``): the juror stands aside at once;
    dismissed, their sheet counts again. A conflict already confirmed stays confirmed.
    Side effects: the conflict record, the draft deleted, an audit entry."""
    if not reason.strip():
        raise JuryError(_("Say why you have a conflict of interest."))
    if application.status not in (Status.SCREENED, Status.ELIGIBLE):
        raise JuryError(_("The jury has decided on this application already."))
    # Under the cut's lock: a declaration and the cut do not interleave.
    _before_the_cut(application.programme,
                    _("The jury has decided on this application already."))
    # Locked, so a sheet submitted in another tab meanwhile is seen here (save_sheet locks it).
    sheet = ScoreSheet.objects.select_for_update().filter(
        juror=juror, application=application).first()
    existing = Conflict.objects.filter(juror=juror, application=application).first()
    if (existing and existing.state == Conflict.State.DISMISSED
            and existing.decided_by_id not in (None, juror.user_id)):
        # Staff weighed it: declaring again would set the sheet aside once more, as often as
        # the juror likes, and hold the cut with it.
        raise JuryError(_("Programme staff have dismissed this conflict of interest: write to "
                          "them if something has changed."))
    confirmed = existing is not None and existing.state == Conflict.State.CONFIRMED
    for_staff = sheet is not None and sheet.submitted_once and not confirmed
    decided = ({"state": Conflict.State.PENDING, "decided_by": None, "decided_at": None}
               if for_staff else
               {"state": Conflict.State.CONFIRMED, "decided_by": by,
                "decided_at": now or timezone.now()})
    conflict, _created = Conflict.objects.update_or_create(
        juror=juror, application=application,
        defaults={"kind": Conflict.Kind.DECLARED, "reason": reason, **decided})
    if sheet is not None and sheet.state == ScoreSheet.State.DRAFT:
        sheet.delete()
    audit.record(by, "jury.conflict_declared", application, at=now, juror=juror.pk,
                 reason=reason, for_staff=for_staff)
    return conflict


def conflicts_awaiting_staff(programme):
    """Pending conflicts that only programme staff decide because their juror has submitted
    a sheet on the application (``declare_conflict``, ``permissions.own_conflicts_to_decide``):
    the sheet is set aside until staff confirm or dismiss them, so the results page asks for
    them before the cut."""
    return Conflict.objects.filter(juror__programme=programme, state=Conflict.State.PENDING,
                                   application__status=Status.ELIGIBLE).filter(once_submitted())


@transaction.atomic
def resolve_conflict(*, conflict, confirm, reason, by, now=None):
    """Confirm or dismiss a conflict, with a reason: the juror decides their own pending
    possible one while they have no submitted sheet on the application
    (``permissions.own_conflicts_to_decide``); staff, never the juror in question, decide the
    rest: a decision to revisit, a declared conflict, one raised after the juror submitted.
    Closed once the application has left the jury's desk, so results cannot move after the
    decision."""
    if conflict.kind == Conflict.Kind.AUTOMATIC:
        raise JuryError(_("A juror who is a member of the organisation is always in conflict."))
    own = by == conflict.juror.user
    own_pending = own and own_conflicts_to_decide(conflict.juror).filter(pk=conflict.pk).exists()
    if own and not own_pending:
        # Staff who sit on the jury do not revisit their own conflict: another person does.
        raise JuryError(_("Another member of the programme staff decides on your own "
                          "conflict of interest."))
    if not (own_pending or is_programme_staff(by)):
        raise JuryError(_("Only programme staff can change this decision."))
    if conflict.application.status not in (Status.SCREENED, Status.ELIGIBLE):
        raise JuryError(_("The jury has decided on this application already."))
    if not reason.strip():
        raise JuryError(_("Give a reason."))
    conflict.state = Conflict.State.CONFIRMED if confirm else Conflict.State.DISMISSED
    conflict.reason = reason
    conflict.decided_by = by
    conflict.decided_at = now or timezone.now()
    conflict.save()
    if confirm:
        ScoreSheet.objects.filter(juror=conflict.juror, application=conflict.application,
                                  state=ScoreSheet.State.DRAFT).delete()
    audit.record(by, "jury.conflict_resolved", conflict.application, at=now,
                 juror=conflict.juror_id, confirmed=confirm, reason=reason)
    return conflict


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------

def scoring_open(programme, now=None):
    now = now or timezone.now()
    return programme.scoring_opens_at <= now < programme.scoring_closes_at


def can_score(juror, application):
    """An eligible application of the juror's programme that the juror does not stand aside
    on (``permissions.in_conflict``: not of their own organisation, no excluding conflict)."""
    return (application.programme_id == juror.programme_id
            and application.status == Status.ELIGIBLE
            and not in_conflict(juror.user, application))


def _validated(values, criteria):
    cleaned = {}
    for criterion in criteria:
        raw = values.get(criterion.pk)
        if raw is None or raw == ("", ""):
            continue
        value, comment = raw
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError) as error:
            raise JuryError(_("A score is a whole number from 1 to 5.")) from error
        if not SCORE_MIN <= number <= SCORE_MAX or str(number) != str(value).strip():
            raise JuryError(_("A score is a whole number from 1 to 5."))
        cleaned[criterion.pk] = (number, (comment or "").strip())
    return cleaned


def save_sheet(*, juror, application, values, overall_comment="", submit=False, by, now=None):
    """Save the juror's scores for an application as a draft, or submit them.

    ``values`` maps criterion ids to (score, comment). Refused outside the jury stage, for an
    application the juror may not score (not eligible, in conflict), for a sheet already
    submitted (only staff reopen it) and for scores outside 1–5; a submission needs every
    criterion. Side effects: the sheet and its scores, an audit entry on submission.
    """
    programme = application.programme
    if not scoring_open(programme, now):
        raise JuryError(_("The jury stage is closed: scores can no longer be changed."))
    if not can_score(juror, application):
        raise JuryError(_("You cannot score this application."))
    criteria = list(Criterion.objects.filter(programme=programme))
    cleaned = _validated(values, criteria)
    if submit and len(cleaned) < len(criteria):
        raise JuryError(_("Score every criterion before submitting."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                sheet, _created = ScoreSheet.objects.get_or_create(juror=juror,
                                                                   application=application)
        except IntegrityError:
            sheet = ScoreSheet.objects.get(juror=juror, application=application)
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.state == ScoreSheet.State.SUBMITTED:
            raise JuryError(_("This sheet is submitted; only staff can reopen it."))
        for criterion_id, (number, comment) in cleaned.items():
            Score.objects.update_or_create(sheet=sheet, criterion_id=criterion_id,
                                           defaults={"value": number, "comment": comment})
        sheet.overall_comment = overall_comment.strip()
        if submit:
            sheet.state = ScoreSheet.State.SUBMITTED
            sheet.submitted_at = now or timezone.now()
            sheet.first_submitted_at = sheet.first_submitted_at or sheet.submitted_at
        sheet.save()
        if submit:
            audit.record(by, "jury.sheet_submitted", application, at=now, juror=juror.pk)
    return sheet


@transaction.atomic
def reopen_sheet(*, sheet, reason, by):
    """Staff return a submitted sheet to its juror as a draft (logged), while the jury stage
    is open and the application still awaits the decision."""
    if not is_programme_staff(by):
        raise JuryError(_("Only programme staff can reopen a submitted sheet."))
    if not reason.strip():
        raise JuryError(_("Give a reason."))
    if (sheet.application.status != Status.ELIGIBLE
            or not scoring_open(sheet.application.programme)):
        raise JuryError(_("The jury stage is closed: scores can no longer be changed."))
    sheet.state = ScoreSheet.State.DRAFT
    sheet.submitted_at = None
    sheet.save(update_fields=["state", "submitted_at", "updated_at"])
    audit.record(by, "jury.sheet_reopened", sheet.application, juror=sheet.juror_id,
                 reason=reason)


def may_see_other_scores(juror, application):
    """Blind scoring: whether this juror may see the other jurors' scores on the application
    (never for one in conflict with it). Binds anyone who sits on the jury, staff included."""
    if in_conflict(juror.user, application):
        return False
    mode = settings_for(application.programme).others_scores_visible
    if mode == JurySettings.Blind.ALWAYS:
        return True
    if mode == JurySettings.Blind.NEVER:
        return False
    return ScoreSheet.objects.filter(juror=juror, application=application,
                                     state=ScoreSheet.State.SUBMITTED).exists()


# ---------------------------------------------------------------------------
# Finalist decisions
# ---------------------------------------------------------------------------

def propose_cut(*, programme, top_n=None, threshold=None):
    """Which eligible applications the cut makes finalists: the top ``top_n`` of each
    nomination or every one whose total reaches ``threshold``, by the ranking the programme
    chose. Returns [(result, becomes_finalist)] in nomination and rank order."""
    from .results import results

    if (top_n is None) == (threshold is None):
        raise JuryError(_("Choose either the top N per nomination or a threshold."))
    normalised = settings_for(programme).ranking == JurySettings.Ranking.NORMALISED
    rows = [r for r in results(programme) if r.application.status == Status.ELIGIBLE]
    unscored = [str(r.application.organisation) for r in rows if r.total is None]
    if unscored:
        raise JuryError(_("Some eligible applications have no complete scores yet: "
                          "%(names)s.") % {"names": "; ".join(unscored)})
    proposal = []
    for result in rows:
        total = result.normalised_total if normalised else result.total
        finalist = result.rank <= top_n if top_n is not None else total >= threshold
        proposal.append((result, finalist))
    if top_n is not None:
        # A group tied at rank r fills places r .. r + size - 1; the line must not cut it.
        groups = defaultdict(list)
        for result, _finalist in proposal:
            groups[result.application.nomination_id, result.rank].append(result)
        split = [r for (_nomination, rank), tied in groups.items()
                 if rank <= top_n < rank + len(tied) - 1 for r in tied]
        if split:
            raise JuryError(_("Tied applications straddle the cut: record the chair's "
                              "tie-break first (%(names)s).")
                            % {"names": "; ".join(str(r.application.organisation)
                                                  for r in split)})
    return proposal


def proposal_signature(proposal):
    """A short fingerprint of a proposed cut, so that what is applied is what was previewed."""
    text = ",".join(f"{r.application.pk}:{int(f)}" for r, f in sorted(
        proposal, key=lambda pair: pair[0].application.pk))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def apply_cut(*, programme, by, top_n=None, threshold=None, now=None, expected=None):
    """Apply the cut in one action: finalist or not selected, through the applications status
    service; each applicant is told by email. Returns (finalists, not selected)."""
    if not may_decide(by, programme):
        raise JuryError(_("Only programme staff or the chair can apply the cut."))
    rule = {"top_n": top_n} if top_n is not None else {"threshold": str(threshold)}
    counts = [0, 0]
    try:
        with transaction.atomic():
            # Proposed under the lock: an override committed a moment before is in it.
            _before_the_cut(programme, _("The finalists are chosen already: the cut is "
                                         "applied once."))
            # A sheet set aside by a conflict declared after scoring waits for staff: cutting
            # first would let the juror's declaration alone take their scores out.
            if conflicts_awaiting_staff(programme).exists():
                raise JuryError(_("Conflicts of interest declared after scoring wait for "
                                  "programme staff: decide them before the cut."))
            proposal = propose_cut(programme=programme, top_n=top_n, threshold=threshold)
            if expected is not None and proposal_signature(proposal) != expected:
                raise JuryError(_("The scores changed since the preview; preview the cut "
                                  "again."))
            _apply_proposal(proposal, counts, rule, by, now)
            audit.record(by, "jury.cut_applied", programme, at=now, **rule,
                         finalists=counts[0], not_selected=counts[1])
    except applications.ApplicationError as error:  # another decision got there first
        raise JuryError(str(error)) from error
    return tuple(counts)


def _apply_proposal(proposal, counts, rule, by, now):
    for result, finalist in proposal:
        application = result.application
        applications.change_status(
            application=application, by=by, reason=_("jury decision"), now=now, **rule,
            to=Status.FINALIST if finalist else Status.NOT_SELECTED)
        counts[0 if finalist else 1] += 1
        for member in application.organisation.members.filter(is_active=True):
            outbox.queue_templated_email(
                to=[member.email], template="jury/email/decision",
                context={"application": application, "finalist": finalist},
                language=member.preferred_language, purpose="jury:decision")


# ---------------------------------------------------------------------------
# Reminders and tie-breaks
# ---------------------------------------------------------------------------

REMIND_BEFORE = timedelta(days=3)
REMIND_EVERY = timedelta(days=1)


def send_scoring_reminders(now=None):
    """As the jury stage's end approaches (three days), remind each juror with unscored
    applications, at most once a day. Returns how many reminders were queued."""
    now = now or timezone.now()
    sent = 0
    members = JuryMember.objects.filter(
        programme__scoring_opens_at__lte=now, programme__scoring_closes_at__gt=now,
        programme__scoring_closes_at__lte=now + REMIND_BEFORE,
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_EVERY)).select_related(
        "user", "programme")
    for member in members:
        done, total = progress_of(member)
        if done >= total:
            continue
        with transaction.atomic():
            claimed = JuryMember.objects.filter(
                Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_EVERY),
                pk=member.pk).update(reminded_at=now)
            if not claimed:  # another run of the task got there first
                continue
            outbox.queue_templated_email(
                to=[member.user.email], template="jury/email/reminder",
                context={"member": member, "done": done, "total": total,
                         "closes": member.programme.scoring_closes_at,
                         "panel_url": portal_link("jury_panel:index")},
                language=member.user.preferred_language, purpose="jury:reminder")
        sent += 1
    return sent


@transaction.atomic
def record_tie_break(*, application, priority, reason, by):
    """The chair's decision between tied applications (a lower priority ranks first; a
    priority is a whole number from 1). Refused to anyone who stands aside
    (``permissions.in_conflict``) on the application or on one it may be tied with."""
    from .models import TieBreak

    if not may_decide(by, application.programme):
        raise JuryError(_("Only programme staff or the chair can break a tie."))
    if in_conflict(by, application):
        raise JuryError(_("You have a conflict of interest with this application: someone "
                          "else decides on it."))
    if conflicted_in(by, application.programme) & _tied_with(application):
        raise JuryError(_("You have a conflict of interest with an application tied with "
                          "this one: someone else breaks the tie."))
    if not isinstance(priority, int) or isinstance(priority, bool) or priority < 1:
        raise JuryError(_("The priority is a whole number from 1."))
    if not reason.strip():
        raise JuryError(_("Give a reason for the decision."))
    # After the cut a new order would change the ranks the decision and its protocol rest on.
    _before_the_cut(application.programme, _("The finalists are chosen: ties can no longer be "
                                             "broken."))
    tie_break, _created = TieBreak.objects.update_or_create(
        application=application,
        defaults={"priority": priority, "reason": reason, "decided_by": by,
                  "decided_at": timezone.now()})
    audit.record(by, "jury.tie_broken", application, priority=priority, reason=reason)
    return tie_break


def _tied_with(application):
    """The ids of the applications a tie break on ``application`` orders it against: those of
    its nomination with the same total (raw or normalised, as the programme ranks). A
    recorded priority parts a tied group's ranks but not its totals, so the group is found
    again when a priority is changed. Wider than the tie when top scores differ: a refusal
    there leaves the decision to someone else, never to a person in conflict."""
    from .results import results

    normalised = settings_for(application.programme).ranking == JurySettings.Ranking.NORMALISED
    rows = [r for r in results(application.programme)
            if r.application.nomination_id == application.nomination_id]

    def total(row):
        return row.normalised_total if normalised else row.total

    own = next((total(r) for r in rows if r.application.pk == application.pk), None)
    if own is None:
        return set()
    return {r.application.pk for r in rows if total(r) == own}
