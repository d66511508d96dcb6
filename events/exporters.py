"""The outreach exporters: ``participants``, ``letters``, ``partner-meetings``,
``publications``, ``videos``, ``ceremony-guests`` and ``contracts`` (XLSX, user text as string
cells through ``ozgeris.xlsx``) and ``certificates`` (one PDF, a page per laureate).

Registered when this module is imported (from ``EventsConfig.ready()``). Each reads a fixed
number of queries whatever the number of rows; texts are in the active language.
"""

from django.db.models import F, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris.registries import register_exporter
from ozgeris.uploads import CONTENT_TYPES, PDF, XLSX
from ozgeris.xlsx import workbook_bytes

from . import models
from .documents import certificates_pdf
from .models.common import lines


def _xlsx(name, programme, title, header, rows):
    content = workbook_bytes([(title, header, rows)])
    return f"{name}-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


def _reach(snapshot):
    if snapshot is None:
        return [None] * 7
    return [snapshot.taken_at, snapshot.views, snapshot.reach, snapshot.interactions,
            snapshot.shares, snapshot.comments, snapshot.likes]


def _reach_header():
    return [_("Figures taken at"), _("Views"), _("Reach"), _("Interactions"), _("Shares"),
            _("Comments"), _("Likes")]


def participants_rows(programme):
    entries = (models.RosterEntry.objects.filter(meeting__programme=programme)
               .select_related("meeting", "meeting__region")
               .order_by(F("meeting__held_on").asc(nulls_last=True), "meeting_id", "id"))
    for number, entry in enumerate(entries, start=1):
        meeting = entry.meeting
        yield [number, meeting.city_name, meeting.region.name, meeting.held_on, entry.name,
               entry.organisation, entry.get_category_display(), entry.contact,
               _("yes") if entry.consent else _("no")]


def render_participants(programme, options, progress):
    header = [_("No."), _("City"), _("Region"), _("Meeting date"), _("Name"),
              _("Organisation"), _("Category"), _("Contact"), _("Consent")]
    return _xlsx("participants", programme, _("Participants"), header,
                 participants_rows(programme))


def letters_rows(programme):
    letters = (models.Letter.objects.filter(programme=programme)
               .prefetch_related(Prefetch("answers", models.LetterAnswer.objects.order_by(
                   "received_on", "id"))).order_by("sent_on", "id"))
    for number, letter in enumerate(letters, start=1):
        answers = list(letter.answers.all())
        yield [number, letter.recipient, letter.get_recipient_kind_display(), letter.sent_on,
               letter.outgoing_number, "; ".join(letter.purposes()),
               "; ".join(a.get_kind_display() for a in answers),
               "; ".join(a.received_on.strftime("%d.%m.%Y") for a in answers if a.received_on),
               "; ".join(a.reference for a in answers if a.reference),
               "\n".join(a.text for a in answers if a.text), letter.appendix]


def render_letters(programme, options, progress):
    header = [_("No."), _("Recipient"), _("Kind"), _("Sent on"), _("Outgoing number"),
              _("Purposes"), _("Answers"), _("Answer dates"), _("Reference numbers"),
              _("What was said"), _("Appendix")]
    return _xlsx("letters", programme, _("Letters"), header, letters_rows(programme))


def render_partner_meetings(programme, options, progress):
    meetings = (models.PartnerMeeting.objects.filter(programme=programme)
                .prefetch_related("agreements").order_by("first_date", "id"))
    rows = ([number, m.title, m.first_date, m.last_date, m.place,
             "\n".join(lines(m.our_representatives)), "\n".join(lines(m.their_representatives)),
             "\n".join(a.text for a in m.agreements.all()), m.appendix]
            for number, m in enumerate(meetings, start=1))
    header = [_("No."), _("Meeting"), _("Date"), _("Last date"), _("Place"),
              _("Our representatives"), _("Their representatives"), _("Agreements reached"),
              _("Appendix")]
    return _xlsx("partner-meetings", programme, _("Partner meetings"), header, rows)


def render_publications(programme, options, progress):
    """One row per publication with its latest reach snapshot."""
    publications = (models.Publication.objects.filter(programme=programme)
                    .prefetch_related(Prefetch("reach", models.PublicationReach.objects.order_by(
                        "-taken_at"))).order_by("published_on", "id"))
    rows = ([number, p.get_kind_display(), p.get_platform_display(), p.outlet,
             ", ".join(lines(p.journalists)), p.title, p.url, p.published_on,
             p.get_language_display(), p.get_subject_display(),
             *_reach(next(iter(p.reach.all()), None)), p.appendix]
            for number, p in enumerate(publications, start=1))
    header = [_("No."), _("Kind"), _("Platform"), _("Outlet or page"), _("Journalists"),
              _("Title"), _("Link"), _("Published on"), _("Language"), _("About"),
              *_reach_header(), _("Appendix")]
    return _xlsx("publications", programme, _("Publications"), header, rows)


def render_videos(programme, options, progress):
    videos = (models.Video.objects.filter(programme=programme)
              .prefetch_related(Prefetch("reach", models.VideoReach.objects.order_by("-taken_at")))
              .order_by("kind", "published_on", "id"))
    rows = ([number, v.title, v.get_kind_display(), v.url, v.published_on,
             *_reach(next(iter(v.reach.all()), None)), v.appendix]
            for number, v in enumerate(videos, start=1))
    header = [_("No."), _("Title"), _("Kind"), _("Link"), _("Published on"),
              *_reach_header(), _("Appendix")]
    return _xlsx("videos", programme, _("Videos"), header, rows)


def render_ceremony_guests(programme, options, progress):
    guests = (models.CeremonyGuest.objects.filter(ceremony__programme=programme).order_by("id"))
    rows = ([number, g.name, g.organisation, g.get_category_display(), g.contact,
             _("yes") if g.consent else _("no")]
            for number, g in enumerate(guests, start=1))
    header = [_("No."), _("Name"), _("Organisation"), _("Category"), _("Contact"),
              _("Consent")]
    return _xlsx("ceremony-guests", programme, _("Ceremony guests"), header, rows)


def contracts_rows(programme):
    contracts = list(models.Contract.objects.filter(programme=programme)
                     .select_related("application__organisation", "application__nomination")
                     .order_by("number"))
    for number, c in enumerate(contracts, start=1):
        organisation = c.application.organisation
        yield [number, c.number, organisation.name, organisation.bin,
               c.application.nomination.title, c.amount, c.signed_on, c.get_state_display(),
               c.get_payment_display(), c.paid_on, c.signatory_name, c.signatory_position,
               c.authority_basis, c.iik, c.bank_name, c.bik, c.kbe, c.appendix]
    paid = sum(c.amount for c in contracts if c.payment == models.Contract.Payment.PAID)
    yield []
    yield [None, _("Total"), _("%(count)d contracts") % {"count": len(contracts)}, None, None,
           sum(c.amount for c in contracts)]
    yield [None, _("Paid"), None, None, None, paid]


def render_contracts(programme, options, progress):
    header = [_("No."), _("Contract No."), _("Organisation"), _("BIN"), _("Nomination"),
              _("Amount, ₸"), _("Signed on"), _("Details"), _("Payment"), _("Paid on"),
              _("Signatory"), _("Signatory's position"), _("Acting on the basis of"),
              _("IIK"), _("Bank"), _("BIK"), _("KBe"), _("Appendix")]
    return _xlsx("contracts", programme, _("Contracts"), header, contracts_rows(programme))


def render_certificates(programme, options, progress):
    certificates = list(models.Certificate.objects.filter(programme=programme).order_by("number"))
    content = certificates_pdf(programme, certificates)
    return f"certificates-{programme.year}.pdf", CONTENT_TYPES[PDF], content


register_exporter("participants", title=gettext_lazy("Information meeting participants"),
                  formats=["xlsx"], render=render_participants)
register_exporter("letters", title=gettext_lazy("Letters and answers"), formats=["xlsx"],
                  render=render_letters)
register_exporter("partner-meetings", title=gettext_lazy("Partner meetings"),
                  formats=["xlsx"], render=render_partner_meetings)
register_exporter("publications", title=gettext_lazy("Publications and reach"),
                  formats=["xlsx"], render=render_publications)
register_exporter("videos", title=gettext_lazy("Videos"), formats=["xlsx"],
                  render=render_videos, personal_data=False)
register_exporter("ceremony-guests", title=gettext_lazy("Ceremony guests"), formats=["xlsx"],
                  render=render_ceremony_guests)
register_exporter("contracts", title=gettext_lazy("Winners' contracts"), formats=["xlsx"],
                  render=render_contracts)
register_exporter("certificates", title=gettext_lazy("Certificates"), formats=["pdf"],
                  render=render_certificates)
