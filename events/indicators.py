"""What the grant report can count (indicator sources) and show (table sources) about the
outreach. A document indicator's value is ``{"exists": bool, "evidence": text}``: whether the
document is recorded, and where (its appendix or file)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from ozgeris.emails import canonical_email
from ozgeris.models import Programme
from ozgeris.registries import register_indicator, register_table

from .models import (
    Ceremony,
    CeremonyGuest,
    Certificate,
    ChannelSnapshot,
    Contract,
    EvidenceFile,
    GuestFeedback,
    InfoMeeting,
    Letter,
    MailingCampaign,
    ParticipantCategory,
    PartnerMeeting,
    Publication,
    RosterEntry,
    Video,
    VideoReach,
)
from .segments import contact_email


def _evidence(programme, kinds, models=(InfoMeeting, Ceremony, Video, Publication),
              activities=None):
    """Evidence of ``kinds`` attached to ``programme``'s records of ``models``, or to the
    programme itself (evidence of a whole activity) for ``activities`` (None: any)."""
    on_programme = Q(content_type=ContentType.objects.get_for_model(Programme),
                     object_id=programme.pk)
    if activities is not None:
        on_programme &= Q(activity__in=activities)
    query = on_programme
    for model in models:
        query |= Q(content_type=ContentType.objects.get_for_model(model),
                   object_id__in=model.objects.filter(programme=programme).values("pk"))
    return EvidenceFile.objects.filter(query, kind__in=kinds)


# The records that document each activity, beside the evidence of the activity as a whole
# attached to the programme (the public vote has none of its own here).
ACTIVITY_RECORDS = {
    EvidenceFile.Activity.MEETINGS: (InfoMeeting,),
    EvidenceFile.Activity.ONLINE: (Video,),
    EvidenceFile.Activity.CEREMONY: (Ceremony,),
    EvidenceFile.Activity.VOTE: (),
}


def _activity_evidence(programme, kind, activity):
    """Evidence of ``kind`` about ``activity``: on its records, or on the programme."""
    return _evidence(programme, [kind], models=ACTIVITY_RECORDS[activity],
                     activities=[activity])


def _count(files):
    return files.aggregate(n=Sum("count"))["n"] or 0


def _roster(programme):
    return RosterEntry.objects.filter(meeting__programme=programme)


def info_meetings(programme):
    return InfoMeeting.objects.filter(programme=programme).count()


def meeting_cities(programme):
    return InfoMeeting.objects.filter(programme=programme).values("city").distinct().count()


def meeting_regions(programme):
    return InfoMeeting.objects.filter(programme=programme).values("region").distinct().count()


def _person(name, organisation, contact):
    """Who a roster entry is, across meetings: the mailbox of an email contact, else the name
    and organisation (case and spacing aside)."""
    email = contact_email(contact)
    if email:
        return ("email", canonical_email(email))
    return ("name", " ".join(name.split()).casefold(), " ".join(organisation.split()).casefold())


def participants(programme):
    """People at the programme's information meetings: one person at two meetings is one (the
    report states it in people, "N человек"). The meetings' attendances are
    ``participants_by_city``."""
    return len({_person(*row) for row in
                _roster(programme).values_list("name", "organisation", "contact")})


def photos(programme):
    return _count(_evidence(programme, [EvidenceFile.Kind.PHOTO]))


def meeting_photos(programme):
    return _count(_activity_evidence(programme, EvidenceFile.Kind.PHOTO,
                                     EvidenceFile.Activity.MEETINGS))


def ceremony_photos(programme):
    return _count(_activity_evidence(programme, EvidenceFile.Kind.PHOTO,
                                     EvidenceFile.Activity.CEREMONY))


def testimonials(programme):
    """Video testimonials of the meetings' participants (counted evidence or video records)."""
    files = _activity_evidence(programme, EvidenceFile.Kind.VIDEO,
                               EvidenceFile.Activity.MEETINGS)
    return _count(files) + Video.objects.filter(programme=programme,
                                                kind=Video.Kind.TESTIMONIAL).count()


def viewer_testimonials(programme):
    """Video testimonials of the promo videos' viewers (counted evidence on the promo videos)."""
    return _count(EvidenceFile.objects.filter(
        content_type=ContentType.objects.get_for_model(Video), kind=EvidenceFile.Kind.VIDEO,
        object_id__in=Video.objects.filter(programme=programme,
                                           kind=Video.Kind.PROMO).values("pk")))


def guest_testimonials(programme):
    """What the ceremony's guests said (one feedback record per guest)."""
    return GuestFeedback.objects.filter(ceremony__programme=programme).count()


def _page_counters(programme, field):
    """The programme's own pages' counter ``field``, each platform at its latest snapshot
    that gives it, summed over the platforms."""
    latest = {}
    for platform, value in (ChannelSnapshot.objects.filter(programme=programme,
                                                           **{f"{field}__isnull": False})
                            .order_by("taken_on").values_list("platform", field)):
        latest[platform] = value
    return sum(latest.values()) if latest else None


def posts(programme):
    """Posts on the programme's own pages as the pages count them (every post, whether or not
    it is recorded with its link); without such a count, the social posts recorded one by
    one."""
    counted = _page_counters(programme, "posts")
    if counted is not None:
        return counted
    return Publication.objects.filter(programme=programme,
                                      kind=Publication.Kind.SOCIAL_POST).count()


def press_items(programme):
    return Publication.objects.filter(programme=programme).exclude(
        kind=Publication.Kind.SOCIAL_POST).count()


def _latest_views(snapshots, parent):
    """Views of each item at its latest snapshot that gives them (reach where views are not
    given: the original often reports one for the other), by item id."""
    latest = {}
    for parent_id, views, reach in snapshots.order_by("taken_at").values_list(
            parent, "views", "reach"):
        value = views if views is not None else reach
        if value is not None:
            latest[parent_id] = value
    return latest


def page_reach(programme):
    """People reached by the programme's own pages: each platform's reach at its latest
    snapshot that gives one, summed. Views of videos and posts are not people and are not
    added in (they are their own indicators)."""
    return _page_counters(programme, "page_reach") or 0


def followers(programme):
    """Followers across platforms at each platform's latest snapshot that counts them."""
    return _page_counters(programme, "followers") or 0


def letters_sent(programme):
    return Letter.objects.filter(programme=programme).count()


def letters_answered(programme):
    return Letter.objects.filter(programme=programme, answers__isnull=False).distinct().count()


def partner_meetings(programme):
    return PartnerMeeting.objects.filter(programme=programme).count()


def meeting_posts(programme):
    """Social posts about the information meetings."""
    return Publication.objects.filter(programme=programme, kind=Publication.Kind.SOCIAL_POST,
                                      subject=Publication.Subject.MEETING).count()


def videos(programme):
    return Video.objects.filter(programme=programme).count()


def promo_videos(programme):
    """The online campaign's promo videos (the vote's own promo is a voting video)."""
    return Video.objects.filter(programme=programme, kind=Video.Kind.PROMO).count()


VOTING_VIDEO_KINDS = (Video.Kind.FINALIST, Video.Kind.SOCIAL_ENTREPRENEUR, Video.Kind.VOTE_PROMO)


def voting_videos(programme):
    """The videos made for the public vote: finalists', fair participants' and its promo."""
    return Video.objects.filter(programme=programme, kind__in=VOTING_VIDEO_KINDS).count()


def _video_views(programme, kinds):
    return _latest_views(VideoReach.objects.filter(video__programme=programme,
                                                   video__kind__in=kinds), "video_id")


def voting_video_views(programme):
    """Views of the vote's videos (finalists', fair participants' and its promo), each at its
    latest snapshot."""
    return sum(_video_views(programme, VOTING_VIDEO_KINDS).values())


def _promo_video_views(position):
    """The views of the promo video at ``position`` (1 = the first published)."""
    def views(programme):
        videos = list(Video.objects.filter(programme=programme, kind=Video.Kind.PROMO)
                      .order_by("published_on", "pk").values_list("pk", flat=True))
        if len(videos) < position:
            return None
        return _video_views(programme, [Video.Kind.PROMO]).get(videos[position - 1])
    views.__doc__ = f"Views (or reach) of promo video {position} in order of publication."
    return views


def _channels(programme, subject):
    """The outlets (pages, sites, channels) that carried publications about ``subject``."""
    return (Publication.objects.filter(programme=programme, subject=subject)
            .exclude(outlet="").values("outlet").distinct().count())


def promo_video_channels(programme):
    """Outlets that carried the promo videos (the programme's pages, partners', heroes')."""
    return _channels(programme, Publication.Subject.PROMO_VIDEO)


def voting_video_channels(programme):
    """Outlets that carried the vote's videos: the pages that published them, and the vote's
    own site (this portal), which shows the finalists' videos."""
    own_site = Video.objects.filter(programme=programme, kind=Video.Kind.FINALIST).exists()
    return _channels(programme, Publication.Subject.VOTE) + int(own_site)


def finalist_videos(programme):
    """The finalists' videos: the materials about them the site publishes."""
    return Video.objects.filter(programme=programme, kind=Video.Kind.FINALIST).count()


def press_releases(programme):
    """Press releases: one per record that has one, whatever the number of its languages."""
    with_files = Ceremony.objects.filter(programme=programme).filter(
        ~Q(press_release_ru="") | ~Q(press_release_kk="")).values_list("pk", flat=True)
    evidence = _evidence(programme, [EvidenceFile.Kind.PRESS_RELEASE])
    records = set(evidence.values_list("content_type", "object_id").distinct())
    ceremony_type = ContentType.objects.get_for_model(Ceremony).pk
    records |= {(ceremony_type, pk) for pk in with_files}
    return len(records)


def mailings(programme):
    return MailingCampaign.objects.filter(programme=programme).aggregate(
        n=Sum("messages_sent"))["n"] or 0


def ceremony_guests(programme):
    return CeremonyGuest.objects.filter(ceremony__programme=programme).count()


def certificates(programme):
    return Certificate.objects.filter(programme=programme).count()


def contracts(programme):
    return Contract.objects.filter(programme=programme).count()


def contracts_total(programme):
    return Contract.objects.filter(programme=programme).aggregate(n=Sum("amount"))["n"] or 0


def prizes_paid(programme):
    """The prize money the winners' contracts record as paid, ₸ (the report's budget)."""
    return (Contract.objects.filter(programme=programme, payment=Contract.Payment.PAID)
            .aggregate(n=Sum("amount"))["n"] or 0)


def _document(programme, kind, activity, holders=None):
    """Whether a document about ``activity`` is recorded, and where: the first of
    ``holders`` (records that hold it in their own fields: a meeting's agenda), named by its
    appendix; else the first evidence of ``kind`` about the activity."""
    holder = holders.first() if holders is not None else None
    if holder is not None:
        return {"exists": True, "evidence": holder.appendix or str(holder)}
    item = _activity_evidence(programme, kind, activity).first()
    if item is None:
        return {"exists": False, "evidence": ""}
    where = item.file.name if item.file else item.archive_reference
    if item.appendix and not where.startswith(item.appendix):
        where = f"{item.appendix}, {where}" if where else item.appendix
    return {"exists": True, "evidence": where}


def participant_list(programme):
    """The list of the meetings' participants: their roster (exporter ``participants``)."""
    meeting = InfoMeeting.objects.filter(programme=programme, roster__isnull=False).first()
    return {"exists": meeting is not None, "evidence": meeting.appendix if meeting else ""}


def guest_list(programme):
    """The ceremony's guest list (exporter ``ceremony-guests``)."""
    ceremony = Ceremony.objects.filter(programme=programme, guests__isnull=False).first()
    return {"exists": ceremony is not None, "evidence": ceremony.appendix if ceremony else ""}


def platform_concept(programme):
    """The concept of the online voting platform, attached as a document."""
    return _document(programme, EvidenceFile.Kind.CONCEPT, EvidenceFile.Activity.VOTE)


def meeting_programme(programme):
    return _document(programme, EvidenceFile.Kind.AGENDA, EvidenceFile.Activity.MEETINGS,
                     holders=InfoMeeting.objects.filter(programme=programme).filter(
                         ~Q(agenda="") | ~Q(agenda_document="")))


def promo_script(programme):
    return _document(programme, EvidenceFile.Kind.SCRIPT, EvidenceFile.Activity.ONLINE,
                     holders=Video.objects.filter(programme=programme, kind=Video.Kind.PROMO)
                     .filter(~Q(script="") | ~Q(script_document="")))


def ceremony_script(programme):
    return _document(programme, EvidenceFile.Kind.SCRIPT, EvidenceFile.Activity.CEREMONY)


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

def participants_by_city(programme):
    rows = (InfoMeeting.objects.filter(programme=programme)
            .annotate(n=Count("roster")).select_related("region").order_by("held_on", "city"))
    return ([_("City"), _("Region"), _("Date"), _("Participants")],
            [(m.city_name, m.region.name, m.held_on, m.n) for m in rows])


def participants_by_category(programme):
    counts = dict(_roster(programme).values_list("category").annotate(n=Count("id")))
    return ([_("Category"), _("Participants")],
            [(label, counts.get(code, 0)) for code, label in ParticipantCategory.choices])


def publications_by_platform(programme):
    rows = (Publication.objects.filter(programme=programme)
            .values("kind", "platform").annotate(n=Count("id")).order_by("kind", "platform"))
    kinds, platforms = dict(Publication.Kind.choices), dict(Publication._meta.get_field(
        "platform").choices)
    return ([_("Kind"), _("Platform"), _("Items")],
            [(kinds[r["kind"]], platforms.get(r["platform"], "—"), r["n"]) for r in rows])


def followers_table(programme):
    rows = ChannelSnapshot.objects.filter(programme=programme).order_by("taken_on", "platform")
    return ([_("Platform"), _("On"), _("Followers"), _("Posts"), _("Page reach"),
             _("Engagement")],
            [(s.get_platform_display(), s.period or s.taken_on, s.followers, s.posts,
              s.page_reach, s.engagement) for s in rows])


def letters_table(programme):
    rows = (Letter.objects.filter(programme=programme).values("recipient_kind")
            .annotate(sent=Count("id", distinct=True),
                      answered=Count("id", filter=Q(answers__isnull=False), distinct=True))
            .order_by("recipient_kind"))
    kinds = dict(Letter.RecipientKind.choices)
    return ([_("Recipient"), _("Letters sent"), _("Answered")],
            [(kinds[r["recipient_kind"]], r["sent"], r["answered"]) for r in rows])


def contracts_table(programme):
    rows = (Contract.objects.filter(programme=programme)
            .select_related("application__organisation").order_by("number"))
    return ([_("Contract No."), _("Organisation"), _("Amount, ₸"), _("Payment")],
            [(c.number, c.application.organisation.name, c.amount, c.get_payment_display())
             for c in rows])


def register():
    for name, function in {
        "events.info_meetings": info_meetings,
        "events.meeting_cities": meeting_cities,
        "events.meeting_regions": meeting_regions,
        "events.participants": participants,
        "events.photos": photos,
        "events.meeting_photos": meeting_photos,
        "events.ceremony_photos": ceremony_photos,
        "events.testimonials": testimonials,
        "events.viewer_testimonials": viewer_testimonials,
        "events.guest_testimonials": guest_testimonials,
        "events.posts": posts,
        "events.meeting_posts": meeting_posts,
        "events.press_items": press_items,
        "events.page_reach": page_reach,
        "events.followers": followers,
        "events.letters_sent": letters_sent,
        "events.letters_answered": letters_answered,
        "events.partner_meetings": partner_meetings,
        "events.videos": videos,
        "events.promo_videos": promo_videos,
        "events.voting_videos": voting_videos,
        "events.voting_video_views": voting_video_views,
        "events.promo_video_1_views": _promo_video_views(1),
        "events.promo_video_2_views": _promo_video_views(2),
        "events.promo_video_channels": promo_video_channels,
        "events.voting_video_channels": voting_video_channels,
        "events.finalist_videos": finalist_videos,
        "events.press_releases": press_releases,
        "events.mailings": mailings,
        "events.ceremony_guests": ceremony_guests,
        "events.certificates": certificates,
        "events.contracts": contracts,
        "events.contracts_total": contracts_total,
        "events.prizes_paid": prizes_paid,
        "events.participant_list": participant_list,
        "events.guest_list": guest_list,
        "events.platform_concept": platform_concept,
        "events.meeting_programme": meeting_programme,
        "events.promo_script": promo_script,
        "events.ceremony_script": ceremony_script,
    }.items():
        register_indicator(name, function)
    for name, function in {
        "events.participants_by_city": participants_by_city,
        "events.participants_by_category": participants_by_category,
        "events.publications_by_platform": publications_by_platform,
        "events.followers": followers_table,
        "events.letters": letters_table,
        "events.contracts": contracts_table,
    }.items():
        register_table(name, function)
