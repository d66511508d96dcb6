"""Staff's messages to segments (issue 18): who may write, who receives (in which language, with
which placeholders), who is left out, the unsubscribe link, the guard against double sends,
header injection, the audit entry, the delivery counts and the send's query count."""

import datetime
import re
from datetime import timedelta
from functools import partial

import pytest
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Status
from events.models import InfoMeeting, RosterEntry
from ozgeris import outbox, segment_mail
from ozgeris.models import AuditEvent, MailOptOut, OutboxMessage, Region, SegmentMessage
from tests.at_once import run_at_once
from tests.factories import ApplicationFactory, OrganisationFactory, juror

TEXTS = {
    "subject_ru": "Финалистам: {organisation}", "body_ru": "Голосование до {deadline}. {link}",
    "subject_kk": "Финалистерге: {organisation}", "body_kk": "Дауыс беру {deadline} дейін. {link}",
    "subject_en": "", "body_en": "",
}


@pytest.fixture
def person(make_user):
    """An account that consented to the processing of its personal data."""
    def make(email, language="ru", **fields):
        fields.setdefault("personal_data_consent_at", timezone.now())
        return make_user(email=email, preferred_language=language, **fields)
    return make


def finalist(programme, *members, status=Status.FINALIST, name=None):
    organisation = OrganisationFactory(members=list(members),
                                       **({"name": name} if name else {}))
    return ApplicationFactory(programme=programme, organisation=organisation, status=status)


def send(programme, staff, segment="jury.finalists", texts=TEXTS, **options):
    return segment_mail.send_segment_message(programme=programme, segment_name=segment,
                                             texts=texts, by=staff, **options)


def post_form(client, programme, action, segment="jury.finalists", **fields):
    data = {"programme": programme.pk, "segment": segment, "action": action, **TEXTS, **fields}
    return client.post(reverse("segment_mail:compose"), data)


# Who may write ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_pages_refuse_visitors_voters_and_jurors(client, open_programme, make_user, staff):
    message = SegmentMessage.objects.create(programme=open_programme, segment="jury.finalists",
                                            author=staff, subject_ru="s", body_ru="b")
    seat = juror(open_programme, make_user, "Juror")
    seat.user.groups.add(Group.objects.get(name="Jury"))
    pages = [reverse("segment_mail:list"), reverse("segment_mail:compose"),
             reverse("segment_mail:detail", args=[message.pk])]
    for page in pages:
        assert "login" in client.get(page)["Location"]
    for user in (make_user(email="voter@example.kz"), seat.user):
        client.force_login(user)
        assert [client.get(page).status_code for page in pages] == [403, 403, 403]


@pytest.mark.django_db
def test_a_juror_posting_the_send_form_sends_nothing(client, vote_programme, make_user, person):
    finalist(vote_programme, person("a@example.kz"))
    seat = juror(vote_programme, make_user, "Juror")
    seat.user.groups.add(Group.objects.get(name="Jury"))
    client.force_login(seat.user)

    assert post_form(client, vote_programme, "send").status_code == 403
    assert not OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE).exists()
    assert not SegmentMessage.objects.exists()


@pytest.mark.django_db
def test_a_staff_member_of_the_admin_without_the_staff_group_is_refused(client, make_user):
    client.force_login(make_user(email="admin-only@example.kz", is_staff=True))
    assert client.get(reverse("segment_mail:compose")).status_code == 403


# Languages and placeholders -----------------------------------------------------------------

@pytest.mark.django_db
def test_each_recipient_reads_their_language_with_their_values(
        vote_programme, staff, person, django_capture_on_commit_callbacks):
    application = finalist(vote_programme, person("ru@example.kz"), person("kk@example.kz", "kk"),
                           person("en@example.kz", "en"), name="ОО «Жолдас»")
    with django_capture_on_commit_callbacks(execute=True):
        message = send(vote_programme, staff)

    assert message.recipients_count == 3
    sent = {email.to[0]: email for email in mail.outbox}
    assert sent["ru@example.kz"].subject == "Финалистам: ОО «Жолдас»"
    assert sent["kk@example.kz"].subject == "Финалистерге: ОО «Жолдас»"
    assert sent["en@example.kz"].subject == "Финалистам: ОО «Жолдас»"  # no English: Russian
    closes = timezone.localtime(vote_programme.voting_closes_at)
    assert sent["kk@example.kz"].body.startswith(
        f"Дауыс беру {closes:%Y} жылғы {closes.day} ")
    assert f"{closes:%H:%M}" in sent["kk@example.kz"].body
    profile = reverse("applications:profile", args=[application.pk])
    assert all(profile in email.body for email in mail.outbox)
    # The footer is in the recipient's language too, with their own unsubscribe link.
    assert "Ozgeris Ustasy" in sent["kk@example.kz"].body
    # The token is signed with the second it was made: read it back rather than remake it.
    tokens = re.findall(r"/unsubscribe/([^/\s]+)/", sent["kk@example.kz"].body)
    assert [segment_mail.read_unsubscribe_token(token) for token in tokens] == [
        segment_mail.address_hash("kk@example.kz")]
    assert {row.language for row in message.outbox_messages.all()} == {"ru", "kk", "en"}


@pytest.mark.django_db
def test_an_unknown_placeholder_is_refused_with_its_name(vote_programme, staff, person):
    finalist(vote_programme, person("a@example.kz"))
    texts = {**TEXTS, "body_kk": "Құрметті {organization}!"}
    with pytest.raises(segment_mail.SegmentMailError, match=r"\{organization\}"):
        send(vote_programme, staff, texts=texts)
    assert not OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE).exists()


@pytest.mark.django_db
def test_the_form_names_the_unknown_placeholder(client, vote_programme, staff, person):
    finalist(vote_programme, person("a@example.kz"))
    client.force_login(staff)
    response = post_form(client, vote_programme, "send", body_ru="До {дедлайн}")
    assert response.status_code == 200
    assert "{дедлайн}" in response.content.decode()
    assert not OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE).exists()


@pytest.mark.django_db
def test_a_line_break_in_the_subject_is_refused_header_injection(client, vote_programme, staff,
                                                                 person):
    finalist(vote_programme, person("a@example.kz"))
    client.force_login(staff)
    for subject in ("Привет\r\nBcc: everyone@evil.example", "Hi\nX-Spam: yes", "Hi\u2028there"):
        response = post_form(client, vote_programme, "send", subject_kk=subject)
        assert response.status_code == 200
        assert response.context["form"].errors["subject_kk"]
        with pytest.raises(segment_mail.SegmentMailError):
            send(vote_programme, staff, texts={**TEXTS, "subject_ru": subject})
    assert not OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE).exists()


# Who is left out ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_people_without_consent_or_unsubscribed_are_left_out(vote_programme, staff, person):
    finalist(vote_programme, person("yes@example.kz"),
             person("never@example.kz", personal_data_consent_at=None),
             person("off@example.kz", is_active=False),
             person("gone@example.kz", anonymised_at=timezone.now()),
             person("Unsub@Example.kz"))
    MailOptOut.objects.create(address_hash=segment_mail.address_hash("unsub@example.kz"))

    message = send(vote_programme, staff)

    assert [row.to for row in message.outbox_messages.all()] == [["yes@example.kz"]]
    assert (message.recipients_count, message.left_out_count) == (1, 4)


@pytest.mark.django_db
def test_meeting_participants_only_with_consent_and_an_email(vote_programme, staff):
    meeting = InfoMeeting.objects.create(programme=vote_programme, city="Тараз",
                                         region=Region.objects.get(code="jambyl"),
                                         held_on=datetime.date(2031, 1, 20))
    for name, contact, consent in [("Айжан", "aizhan@example.kz", True),
                                   ("Болат", "bolat@example.kz", False),
                                   ("Сәуле", "+7 701 111 22 33", True)]:
        RosterEntry.objects.create(meeting=meeting, name=name, contact=contact, consent=consent)

    message = send(vote_programme, staff, segment="events.meeting_participants")

    assert [row.to for row in message.outbox_messages.all()] == [["aizhan@example.kz"]]
    assert message.left_out_count == 1  # Болат; Сәуле has no address to write to
    assert message.outbox_messages.get().language == "ru"


@pytest.mark.django_db
def test_a_participant_who_agreed_at_one_meeting_of_two_is_written_to(vote_programme, staff):
    for day, consent in [(20, False), (21, True)]:
        meeting = InfoMeeting.objects.create(programme=vote_programme, city="Тараз",
                                             region=Region.objects.get(code="jambyl"),
                                             held_on=datetime.date(2031, 1, day))
        RosterEntry.objects.create(meeting=meeting, name="Айжан", contact="aizhan@example.kz",
                                   consent=consent)

    message = send(vote_programme, staff, segment="events.meeting_participants")

    assert [row.to for row in message.outbox_messages.all()] == [["aizhan@example.kz"]]
    assert message.left_out_count == 0


@pytest.mark.django_db
def test_a_subject_filled_with_a_long_name_is_cut_to_what_a_mail_holds(vote_programme, staff,
                                                                      person):
    finalist(vote_programme, person("long@example.kz"), name="Общественное объединение " * 10)
    texts = {**TEXTS, "subject_ru": "Напоминание " * 15 + "{organisation}"}

    message = send(vote_programme, staff, texts=texts)

    subject = message.outbox_messages.get().subject
    assert len(subject) == OutboxMessage._meta.get_field("subject").max_length
    assert subject.startswith("Напоминание Напоминание") and subject.endswith("…")


@pytest.mark.django_db
def test_one_mail_per_address_even_in_two_organisations(vote_programme, staff, person):
    both = person("both@example.kz")
    finalist(vote_programme, both)
    finalist(vote_programme, both)
    assert send(vote_programme, staff).outbox_messages.count() == 1


# The segments ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_each_segment_reaches_its_own_people(open_programme, staff, person, make_user):
    statuses = {"draft": Status.DRAFT, "submitted": Status.SUBMITTED,
                "documents": Status.DOCUMENTS_REQUESTED, "finalist": Status.FINALIST,
                "winner": Status.WINNER, "withdrawn": Status.WITHDRAWN}
    for name, status in statuses.items():
        finalist(open_programme, person(f"{name}@example.kz"), status=status)
    seat = juror(open_programme, make_user, "Juror", affiliation="Eurasia")
    seat.user.personal_data_consent_at = timezone.now()
    seat.user.save()

    def reached(segment):
        return sorted(r.email.split("@")[0] for r in
                      segment_mail.audience(open_programme, segment).recipients)

    assert reached("applications.drafts") == ["draft"]
    assert reached("applications.submitted") == ["documents", "finalist", "submitted", "winner"]
    assert reached("applications.documents_requested") == ["documents"]
    assert reached("jury.finalists") == ["finalist", "winner"]
    assert reached("voting.winners") == ["winner"]
    assert reached("jury.jurors") == ["juror"]
    juror_recipient = segment_mail.audience(open_programme, "jury.jurors").recipients[0]
    assert juror_recipient.organisation == "Eurasia"
    assert juror_recipient.link.endswith(reverse("jury_panel:index"))


@pytest.mark.django_db
def test_a_draft_reads_its_organisations_own_extended_deadline(open_programme, staff, person):
    from applications.models import DeadlineExtension

    application = finalist(open_programme, person("late@example.kz"), status=Status.DRAFT)
    until = open_programme.intake_closes_at + timedelta(days=3)
    DeadlineExtension.objects.create(programme=open_programme, until=until, reason="flood",
                                     organisation=application.organisation)
    (recipient,) = segment_mail.audience(open_programme, "applications.drafts").recipients
    assert recipient.deadline == until


# The unsubscribe link -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_unsubscribe_link_asks_then_records_and_the_next_message_leaves_them_out(
        client, vote_programme, staff, person):
    finalist(vote_programme, person("reader@example.kz"), person("other@example.kz"))
    first = send(vote_programme, staff)
    body = first.outbox_messages.get(to=["reader@example.kz"]).body
    link = next(line for line in body.splitlines() if "/unsubscribe/" in line)
    path = link.removeprefix(segment_mail.settings.PORTAL_URL)

    page = client.get(path)
    assert page.status_code == 200 and b'method="post"' in page.content
    assert not MailOptOut.objects.exists()  # a link scanner's GET unsubscribes no one
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200  # twice: still one record
    assert MailOptOut.objects.count() == 1
    assert AuditEvent.objects.filter(action="segment_mail.unsubscribed").count() == 1

    second = send(vote_programme, staff, confirm_repeat=True)
    assert [row.to for row in second.outbox_messages.all()] == [["other@example.kz"]]


@pytest.mark.django_db
def test_a_forged_unsubscribe_token_is_refused(client):
    someone = segment_mail.address_hash("victim@example.kz")
    forged = [
        signing.dumps(someone, salt="another.salt"),  # signed for something else
        signing.dumps(someone, salt="ozgeris.segment-mail.unsubscribe", key="not-our-key"),
        segment_mail.unsubscribe_token("victim@example.kz")[:-2] + "xx",  # tampered
        "victim@example.kz",
    ]
    for token in forged:
        path = reverse("segment_mail:unsubscribe", args=[token])
        assert client.get(path).status_code == 400
        assert client.post(path).status_code == 400
        assert segment_mail.unsubscribe(token=token) is False
    assert not MailOptOut.objects.exists()


# Double sends ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_same_segment_again_within_minutes_needs_a_confirmation(vote_programme, staff, person,
                                                                    settings):
    settings.SEGMENT_MAIL_REPEAT_MINUTES = 10
    finalist(vote_programme, person("a@example.kz"))
    now = timezone.now()
    send(vote_programme, staff, now=now)

    with pytest.raises(segment_mail.SegmentMailError) as refused:
        send(vote_programme, staff, now=now + timedelta(minutes=9))
    assert refused.value.needs_confirmation
    assert OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE).count() == 1
    # Another segment, or the same one confirmed, or later: sent.
    send(vote_programme, staff, segment="applications.submitted", now=now + timedelta(minutes=9))
    again = send(vote_programme, staff, now=now + timedelta(minutes=9), confirm_repeat=True)
    assert again.repeat_confirmed
    assert not send(vote_programme, staff, now=now + timedelta(minutes=20)).repeat_confirmed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_at_once_make_one_message(vote_programme, staff):
    """A double click from two tabs: the programme's row lock serialises them, the second one
    sees the first and asks for the confirmation."""
    from ozgeris.models import User

    member = User.objects.create_user(email="race@example.kz", password="Steppe-sunrise-2019",
                                      personal_data_consent_at=timezone.now())
    finalist(vote_programme, member)

    outcomes = run_at_once([partial(send, vote_programme, staff)] * 3)

    refusals = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(refusals) == 2, outcomes
    assert all(isinstance(refused, segment_mail.SegmentMailError)
               and refused.needs_confirmation for refused in refusals), refusals
    assert OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE).count() == 1


@pytest.mark.django_db
def test_the_page_asks_for_the_confirmation_before_a_repeat(client, vote_programme, staff, person):
    finalist(vote_programme, person("a@example.kz"))
    client.force_login(staff)
    client.cookies["ozgeris_language"] = "en"
    assert post_form(client, vote_programme, "send").status_code == 302

    response = post_form(client, vote_programme, "send")
    assert response.status_code == 200
    assert "confirm_repeat" in response.context["form"].errors
    assert SegmentMessage.objects.count() == 1
    shown = response.context["repeat_of"]
    assert f'name="repeat_of" value="{shown}"' in response.content.decode()
    assert post_form(client, vote_programme, "send", confirm_repeat="on",
                     repeat_of=shown).status_code == 302
    assert SegmentMessage.objects.count() == 2

    # A double-click on the confirmed send: the second click finds a message sent since.
    again = post_form(client, vote_programme, "send", confirm_repeat="on", repeat_of=shown)
    assert again.status_code == 200
    assert any("went out while you were confirming" in error
               for error in again.context["form"].errors["confirm_repeat"])
    assert SegmentMessage.objects.count() == 2


# The page, the audit log and the counts -------------------------------------------------------

@pytest.mark.django_db
def test_preview_shows_a_real_recipients_values_and_sends_nothing(client, vote_programme, staff,
                                                                  person):
    finalist(vote_programme, person("kk@example.kz", "kk", display_name="Әсел"),
             name="ОО «Қамқор» <script>alert(1)</script>")
    client.force_login(staff)
    response = post_form(client, vote_programme, "preview")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Финалистерге: ОО «Қамқор» &lt;script&gt;" in text and "kk@example.kz" in text
    assert "<script>alert(1)" not in text
    assert 'name="action" value="send"' in text
    assert not OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE).exists()


@pytest.mark.django_db
def test_the_send_is_audited_and_its_delivery_counted(client, vote_programme, staff, person,
                                                      django_capture_on_commit_callbacks):
    finalist(vote_programme, person("a@example.kz"), person("b@example.kz"),
             person("c@example.kz"))
    message = send(vote_programme, staff)
    event = AuditEvent.objects.get(action="segment_mail.sent")
    assert (event.actor, event.object_id) == (staff, str(message.pk))
    assert event.details["recipients"] == 3 and event.details["segment"] == "jury.finalists"

    rows = list(message.outbox_messages.order_by("pk"))
    rows[0].sent_at = timezone.now()
    rows[0].save()
    rows[1].failed_at = timezone.now()
    rows[1].save()
    counted = segment_mail.with_delivery_counts(SegmentMessage.objects).get()
    assert (counted.sent, counted.failed, counted.queued) == (1, 1, 1)

    client.force_login(staff)
    listing = client.get(reverse("segment_mail:list")).content.decode()
    assert "отправлено: 1 · ждут: 1 · не доставлено: 1" in listing
    assert client.get(reverse("segment_mail:detail", args=[message.pk])).status_code == 200


@pytest.mark.django_db
def test_staff_writing_through_the_page_lands_on_the_message(client, vote_programme, staff,
                                                             person):
    finalist(vote_programme, person("a@example.kz"))
    client.force_login(staff)
    response = post_form(client, vote_programme, "send")
    message = SegmentMessage.objects.get()
    assert response["Location"] == reverse("segment_mail:detail", args=[message.pk])
    assert message.author == staff and message.outbox_messages.count() == 1


@pytest.mark.django_db
def test_the_send_takes_the_same_queries_at_two_segment_sizes(vote_programme, staff, person):
    def queries_for(size, year_offset):
        for number in range(size):
            finalist(vote_programme, person(f"p{year_offset}-{number}@example.kz"),
                     person(f"q{year_offset}-{number}@example.kz", "kk"))
        with CaptureQueriesContext(connection) as queries:
            send(vote_programme, staff, confirm_repeat=True)
        return len(queries)

    small = queries_for(1, 0)
    assert queries_for(5, 1) == small


@pytest.mark.django_db
def test_the_outbox_sends_the_rendered_mail_as_written(vote_programme, staff, person):
    finalist(vote_programme, person("a@example.kz"), name="ОО «<b>Жол</b>» & Co")
    send(vote_programme, staff)
    outbox.drain()
    (email,) = [email for email in mail.outbox if email.to == ["a@example.kz"]]
    assert email.subject == "Финалистам: ОО «<b>Жол</b>» & Co"  # plain text, not escaped
    assert not email.alternatives  # no HTML part: nothing staff typed is rendered as markup
