"""The applications' part of the live edition to try (``ozgeris.demo.live``).

When the live edition reaches the jury phase, a few of the 2019 demo organisations apply to
it again with their 2019 texts and documents: each application is started, filled in,
submitted inside this year's application window (the services take the moment) and screened
by the demo staff account, so the jury has something to score. Their project titles
say they are demo copies. The demo applicant's organisation is left out: it is the
newcomer's own to try.

A second run adds nothing: an organisation that already applied to the live edition is
skipped.
"""

from datetime import timedelta

from django.core.files.base import ContentFile

from ozgeris.demo.programme import facts as programme_facts
from ozgeris.models import Programme, User

from .. import services
from ..models import Application
from .seed import APPLICATION_FIELDS

PER_NOMINATION = 3
# The statuses of 2019 applications that reached the jury: worth scoring again.
DEMO_MARK = "Демо: "


def demo_title(title):
    """A copied project's title, marked as the demo's."""
    return title if title.startswith(DEMO_MARK) else f"{DEMO_MARK}{title}"


def sources(source_programme):
    """The 2019 applications the live edition copies: up to ``PER_NOMINATION`` of each
    nomination that reached the jury, by organisation name, never the demo
    applicant's organisation."""
    applicant = programme_facts()["demo_accounts"]["applicant"]["email"]
    chosen, per_nomination = [], {}
    queryset = (Application.objects.filter(programme=source_programme).eligible()
                .exclude(organisation__members__email=applicant)
                .select_related("organisation", "nomination")
                .order_by("nomination__order", "organisation__name"))
    for application in queryset:
        count = per_nomination.get(application.nomination.code, 0)
        if count < PER_NOMINATION:
            per_nomination[application.nomination.code] = count + 1
            chosen.append(application)
    return chosen


def run(*, programme, phase, log=print):
    if phase != "jury":
        return
    source_programme = Programme.objects.get(year=programme_facts()["programme"]["year"])
    staff = User.objects.get(email=programme_facts()["demo_accounts"]["staff"]["email"])
    nominations = {n.code: n for n in programme.nominations.all()}
    already = set(Application.objects.filter(programme=programme)
                  .values_list("organisation_id", flat=True))
    copied = 0
    for index, source in enumerate(sources(source_programme)):
        if source.organisation_id in already:
            continue
        _apply_again(source, programme=programme, nomination=nominations[source.nomination.code],
                     moment=programme.intake_opens_at + timedelta(days=1, hours=index),
                     staff=staff)
        copied += 1
    log(f"applications {programme.year}: {copied} copied from {source_programme.year} "
        "and screened")


def _apply_again(source, *, programme, nomination, moment, staff):
    """One organisation's path into the live edition, each step at a moment inside its
    application window: started, filled in with the 2019 texts, its documents uploaded,
    submitted, screened."""
    organisation = source.organisation
    member = organisation.members.order_by("pk").first()
    application, _created = services.start_application(
        programme=programme, organisation=organisation, nomination=nomination, by=member,
        now=moment)
    for field in (*APPLICATION_FIELDS, "video_url", "financial_year"):
        setattr(application, field, getattr(source, field))
    application.project_title = demo_title(source.project_title)
    services.save_draft(application=application, by=member, now=moment,
                        fields=[*APPLICATION_FIELDS, "video_url", "financial_year"])
    for document in source.documents.order_by("pk"):
        with document.file.open("rb") as stored:
            content = stored.read()
        services.upload_document(application=application, kind=document.kind, by=member,
                                 now=moment, file=ContentFile(content, name=document.original_name))
    services.submit_application(application=application, by=member,
                                now=moment + timedelta(minutes=30))
    services.screen_application(application=application, by=staff,
                                now=programme.intake_closes_at + timedelta(days=1))
