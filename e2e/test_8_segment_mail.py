"""Staff write to a group (issue 18): a finalist unsubscribes through the link of an earlier
message; staff open "Messages to groups" from their dashboard, write to the finalists in Russian
and Kazakh, preview the message with a real recipient's values, and send it. The worker delivers
each person the text in their language; the unsubscribed finalist gets nothing. The pages are
photographed in Russian and Kazakh at 1280 and 390 px (var/e2e/screens/8-segment-mail-*/) and
must not scroll sideways."""

import re

import pytest
from playwright.sync_api import expect

from . import stages
from .helpers import log_in, press, wait_for

WIDTHS = {1280: 900, 390: 844}
SEGMENT = "jury.finalists"


def finalists_with_people():
    """Three 2031 finalists, each with one member who consented: Russian, Kazakh, and one who
    will unsubscribe."""
    from django.utils import timezone

    from tests.factories import OrganisationFactory

    people = {}
    for key, language, organisation in [("ru", "ru", "ОО «Жолдас E2E»"),
                                        ("kk", "kk", "ҚБ «Қамқор E2E»"),
                                        ("off", "ru", "ОО «Тыныштық E2E»")]:
        user = stages.person(f"segment-{key}-e2e@example.kz", f"Finalist {key}",
                             preferred_language=language,
                             personal_data_consent_at=timezone.now())
        application = stages.applications("finalist", count=1).get()
        application.organisation = OrganisationFactory(name=organisation, members=[user])
        application.save(update_fields=["organisation"])
        people[key] = user
    return people


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def fill_message(page, programme):
    page.select_option("select[name=programme]", str(programme.pk))
    page.select_option("select[name=segment]", SEGMENT)
    page.fill("input[name=subject_ru]", "Финалистам: {organisation}")
    page.fill("textarea[name=body_ru]", "Голосование идёт до {deadline}.\nПрофиль: {link}")
    page.fill("input[name=subject_kk]", "Финалистерге: {organisation}")
    page.fill("textarea[name=body_kk]", "Дауыс беру {deadline} дейін жүреді.\nПрофиль: {link}")


def test_staff_write_to_finalists_in_two_languages_and_each_reads_their_own(new_page, stack):
    from ozgeris import segment_mail
    from ozgeris.models import MailOptOut, OutboxMessage, SegmentMessage

    programme = stages.vote()
    staff = stages.staff_member()
    # The journeys before this file made finalists of their own: set aside, so that the
    # segment holds exactly the three made here.
    stages.move(["finalist", "winner"], "not_selected")
    people = finalists_with_people()

    # The unsubscribe link (no sign-in): a page that asks, then a button that records it.
    visitor, shots = new_page("8-segment-mail-unsubscribe")
    token = segment_mail.unsubscribe_token(people["off"].email)
    visitor.goto(f"/unsubscribe/{token}/")
    shots(visitor, "unsubscribe-asks")
    assert not MailOptOut.objects.exists()
    press(visitor, "main form button[type=submit]")
    expect(visitor.locator(".message-success")).to_be_visible()
    shots(visitor, "unsubscribe-done")
    assert MailOptOut.objects.count() == 1
    assert visitor.goto(f"/unsubscribe/{token[:-3]}abc/").status == 400

    page, shots = new_page("8-segment-mail-send")
    log_in(page, email=staff.email, password=stages.PASSWORD, next_url="/staff/")
    page.click("a[href='/staff/messages/']")
    page.click("a[href='/staff/messages/new/']")
    fill_message(page, programme)
    press(page, "button[name=action][value=preview]")
    samples = page.locator(".message-sample")
    expect(samples).to_have_count(2)
    expect(samples.nth(0)).to_contain_text("Финалистам: ОО «Жолдас E2E»")
    expect(samples.nth(1)).to_contain_text("Финалистерге: ҚБ «Қамқор E2E»")
    expect(samples.nth(1)).to_contain_text("жылғы")  # the deadline written the Kazakh way
    expect(page.locator(".message-audience")).to_contain_text("Сообщение получат 2 человека.")
    shots(page, "preview")
    assert not SegmentMessage.objects.exists()

    press(page, "button[name=action][value=send]")
    page.wait_for_url(re.compile(r"/staff/messages/\d+/$"))
    message = SegmentMessage.objects.get()
    assert (message.recipients_count, message.left_out_count) == (2, 1)

    def delivered():
        rows = list(OutboxMessage.objects.filter(purpose=segment_mail.PURPOSE,
                                                 sent_at__isnull=False))
        return rows if len(rows) == 2 else None

    mail = {row.to[0]: row for row in wait_for(delivered, "the two messages to be sent")}
    assert set(mail) == {people["ru"].email, people["kk"].email}  # the unsubscribed: nothing
    assert mail[people["ru"].email].subject == "Финалистам: ОО «Жолдас E2E»"
    assert mail[people["kk"].email].subject == "Финалистерге: ҚБ «Қамқор E2E»"
    assert mail[people["kk"].email].body.startswith("Дауыс беру ")
    assert "/unsubscribe/" in mail[people["kk"].email].body
    page.reload()
    # recipients, sent, waiting, failed, left out: each figure as the staff member reads it
    expect(page.locator(".figure-grid .figure-value")).to_have_text(["2", "2", "0", "0", "1"])
    shots(page, "detail")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_message_pages_in_each_language_and_width(new_page, stack, language):
    from ozgeris import segment_mail

    programme = stages.vote()
    staff = stages.staff_member()
    finalists_with_people()
    page, shots = new_page(f"8-segment-mail-{language}", language=language)
    log_in(page, email=staff.email, password=stages.PASSWORD, next_url="/staff/messages/")
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/staff/messages/new/")
        fill_message(page, programme)
        press(page, "button[name=action][value=preview]")
        expect(page.locator(".message-preview")).to_be_visible()
        assert page.locator("html").get_attribute("lang") == language
        no_sideways_scroll(page, width)
        shots(page, f"compose-preview-{width}")
        page.goto("/staff/messages/")
        no_sideways_scroll(page, width)
        shots(page, f"list-{width}")
        page.goto(f"/unsubscribe/{segment_mail.unsubscribe_token('nobody@example.kz')}/")
        no_sideways_scroll(page, width)
        shots(page, f"unsubscribe-{width}")
