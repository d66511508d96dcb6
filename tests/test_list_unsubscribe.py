"""The mail client's own "Unsubscribe" button: a message to a segment carries its recipient's
unsubscribe link in ``List-Unsubscribe`` and RFC 8058's ``List-Unsubscribe-Post``; the link takes
the mail provider's one-click POST (no cookie, no CSRF token) and stays CSRF-protected for
everything else; other mail carries no such header, and the outbox sends no other header."""

import email
import email.policy
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db.models import Max
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from ozgeris import outbox, segment_mail
from ozgeris.models import AuditEvent, MailOptOut, OutboxMessage
from tests.factories import ApplicationFactory, OrganisationFactory

TEXTS = {"subject_ru": "Финалистам", "body_ru": "Голосование открыто. {link}"}
ONE_CLICK = "List-Unsubscribe=One-Click"
LINK = re.compile(r"^<(.+)>$")


@pytest.fixture
def finalists_with(vote_programme, make_user):
    """finalists_with(*addresses): one finalist organisation of ``vote_programme`` with these
    members, who consented to the processing of their personal data."""
    def make(*addresses):
        members = [make_user(email=address, personal_data_consent_at=timezone.now())
                   for address in addresses]
        ApplicationFactory(programme=vote_programme, status="finalist",
                           organisation=OrganisationFactory(members=members))

    return make


@pytest.fixture
def send(vote_programme, staff, django_capture_on_commit_callbacks):
    def send_now(**options):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            message = segment_mail.send_segment_message(
                programme=vote_programme, segment_name="jury.finalists", texts=TEXTS, by=staff,
                **options)
        return message, {sent.to[0]: sent for sent in mail.outbox}

    return send_now


def one_click_path(sent):
    """The path of the link in a sent mail's ``List-Unsubscribe`` header."""
    url = LINK.match(sent.extra_headers["List-Unsubscribe"]).group(1)
    return url.removeprefix(segment_mail.settings.PORTAL_URL)


def provider():
    """A mail provider's request: no cookie, and CSRF enforced as for any cross-site POST."""
    return Client(enforce_csrf_checks=True)


def post_one_click(path):
    return provider().post(path, ONE_CLICK, content_type="application/x-www-form-urlencoded")


# The headers ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_segment_mail_carries_its_recipients_own_one_click_headers(finalists_with, send,
                                                                     settings):
    settings.PORTAL_URL = "https://ozgeris.example.kz"
    finalists_with("a@example.kz", "b@example.kz")

    _message, sent = send()

    for address in ("a@example.kz", "b@example.kz"):
        headers = sent[address].extra_headers
        assert set(headers) == {"List-Unsubscribe", "List-Unsubscribe-Post"}
        assert headers["List-Unsubscribe-Post"] == ONE_CLICK
        link = LINK.match(headers["List-Unsubscribe"]).group(1)
        # On PORTAL_URL, with a token naming this recipient (signed with the second it was
        # made, so read back rather than made again).
        token = resolve(link.removeprefix("https://ozgeris.example.kz")).kwargs["token"]
        assert link == "https://ozgeris.example.kz" + reverse("segment_mail:unsubscribe",
                                                              args=[token])
        assert segment_mail.read_unsubscribe_token(token) == segment_mail.address_hash(address)
        assert link in sent[address].body  # the same link as the text's
        # As it leaves: each header once, as written (a long one folded before its "<").
        parsed = email.message_from_bytes(sent[address].message().as_bytes(),
                                          policy=email.policy.default)
        assert [value.strip() for value in parsed.get_all("List-Unsubscribe")] == [f"<{link}>"]
        assert parsed.get_all("List-Unsubscribe-Post") == [ONE_CLICK]
    assert (sent["a@example.kz"].extra_headers["List-Unsubscribe"]
            != sent["b@example.kz"].extra_headers["List-Unsubscribe"])


@pytest.mark.django_db
def test_a_receipt_and_a_password_reset_carry_no_unsubscribe_header(client, make_user,
                                                                    finalists, cast):
    make_user(email="reset@example.kz")
    # The test database may hold the demo's mail: only what this test queues is looked at.
    queued = OutboxMessage.objects.filter(pk__gt=OutboxMessage.objects.aggregate(
        last=Max("pk"))["last"] or 0)
    cast(finalists[0])
    assert client.post(reverse("account_reset_password"),
                       {"email": "reset@example.kz"}).status_code == 302
    outbox.drain()

    purposes = set(queued.values_list("purpose", flat=True))
    assert {"voting:receipt", "account:password_reset_key"} <= purposes
    assert len(mail.outbox) == queued.count() >= 2
    assert [sent.extra_headers for sent in mail.outbox] == [{}] * len(mail.outbox)
    assert all(headers == {} for headers in queued.values_list("headers", flat=True))


# Header injection -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("headers", [
    {"List-Unsubscribe": "<https://ozgeris.kz/u/>\r\nBcc: everyone@example.kz"},
    {"List-Unsubscribe": "<https://ozgeris.kz/u/>\nX-Spam: no"},
    {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click\r"},
    {"Bcc": "everyone@example.kz"},
    {"Reply-To": "thief@example.kz"},
    {"List-Unsubscribe": ""},
])
def test_an_unsafe_header_is_refused_and_nothing_is_queued(headers):
    before = OutboxMessage.objects.count()  # the test database may hold the demo's mail
    with pytest.raises(outbox.UnsafeHeader):
        outbox.queue_email(to=["a@example.kz"], subject="Тема", body="Текст", headers=headers)
    with pytest.raises(outbox.UnsafeHeader):
        outbox.queue_templated_emails(
            template="ozgeris/messages/email/segment_message", purpose="test", render_now=True,
            recipients=[("b@example.kz", "ru", {"subject": "Т", "body": "Т",
                                                "unsubscribe_url": "https://ozgeris.kz/u/"}),
                        ("c@example.kz", "ru", {"subject": "Т", "body": "Т",
                                                "unsubscribe_url": "https://ozgeris.kz/u/"},
                         headers)])
    assert OutboxMessage.objects.count() == before


@pytest.mark.django_db
def test_a_header_changed_in_the_row_after_it_was_queued_is_not_sent():
    message = outbox.queue_email(to=["a@example.kz"], subject="Тема", body="Текст",
                                 headers={"List-Unsubscribe": "<https://ozgeris.kz/u/>"})
    OutboxMessage.objects.filter(pk=message.pk).update(headers={"Bcc": "everyone@example.kz"})

    assert outbox.drain() == 0
    message.refresh_from_db()
    assert mail.outbox == [] and "Bcc" in message.last_error


@pytest.mark.django_db
def test_headers_go_with_the_text_after_the_keeping_period(settings):
    message = outbox.queue_email(to=["a@example.kz"], subject="Тема", body="Текст",
                                 headers={"List-Unsubscribe": "<https://ozgeris.kz/u/>"})
    outbox.drain()
    later = timezone.now() + timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS + 1)

    assert outbox.forget_old_messages(now=later) >= 1  # the demo's old mail may go too
    message.refresh_from_db()
    assert (message.body, message.headers) == ("", {})
    assert outbox.forget_old_messages(now=later) == 0


# The one-click request ------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_one_click_post_records_the_opt_out_and_no_more_segment_mail_comes(
        finalists_with, send):
    finalists_with("reader@example.kz", "other@example.kz")
    _message, sent = send()
    path = one_click_path(sent["reader@example.kz"])

    response = post_one_click(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert not response.cookies  # nothing for the provider to keep
    assert MailOptOut.objects.get().address_hash == segment_mail.address_hash("reader@example.kz")
    assert AuditEvent.objects.filter(action="segment_mail.unsubscribed").count() == 1
    assert post_one_click(path).status_code == 200  # a second click: fine, still one record
    assert MailOptOut.objects.count() == 1
    assert AuditEvent.objects.filter(action="segment_mail.unsubscribed").count() == 1

    second, sent = send(confirm_repeat=True)
    assert set(sent) == {"other@example.kz"} and second.left_out_count == 1


@pytest.mark.django_db
def test_the_one_click_post_as_multipart_form_data_is_taken_too():
    path = reverse("segment_mail:unsubscribe",
                   args=[segment_mail.unsubscribe_token("reader@example.kz")])

    assert provider().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert MailOptOut.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"List-Unsubscribe": "Yes"}, {"unsubscribe": "1"}])
def test_a_post_without_the_one_click_body_and_without_a_csrf_token_is_refused(data):
    path = reverse("segment_mail:unsubscribe",
                   args=[segment_mail.unsubscribe_token("reader@example.kz")])

    assert provider().post(path, data).status_code == 403
    assert not MailOptOut.objects.exists()


@pytest.mark.django_db
def test_a_tampered_or_forged_token_records_nothing():
    token = segment_mail.unsubscribe_token("victim@example.kz")
    for forged in (token[:-2] + "xx", token.replace(token[1], "Z" if token[1] != "Z" else "Y", 1),
                   signing.dumps(segment_mail.address_hash("victim@example.kz"),
                                 salt="ozgeris.segment-mail.unsubscribe", key="not-our-key"),
                   "victim@example.kz"):
        response = post_one_click(reverse("segment_mail:unsubscribe", args=[forged]))
        assert response.status_code == 400, forged
    assert not MailOptOut.objects.exists()
    assert not AuditEvent.objects.filter(action="segment_mail.unsubscribed").exists()


@pytest.mark.django_db
def test_the_pages_button_still_works_with_its_csrf_token(finalists_with, send):
    finalists_with("reader@example.kz")
    _message, sent = send()
    path = one_click_path(sent["reader@example.kz"])
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(path)
    assert page.status_code == 200 and b'method="post"' in page.content
    assert not MailOptOut.objects.exists()  # a link scanner's GET unsubscribes no one
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)

    response = browser.post(path, {"csrfmiddlewaretoken": token.decode()})

    assert response.status_code == 200 and b'method="post"' not in response.content
    assert MailOptOut.objects.count() == 1
