"""The pages' frames are one home each: a PDF document's head (the language, the title, the
embedded fonts) is written once in templates/pdf/document.html; a form page's title, heading
and form markup once in templates/form_page.html; the header of a page of the vote's public
record once in templates/voting/record_page.html. A page's title comes from its view, once.
The header's language switcher writes each language once (templates/includes/language_choices.html),
as a link for a visitor and as a button of a form for a signed-in person."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from applications.models import Status
from voting.services import settings_for

from .factories import ApplicationFactory, OrganisationFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PDF_FRAME = "pdf/document.html"


def ancestors(name):
    """The templates ``name`` extends, nearest first."""
    chain = []
    while True:
        first = get_template(name).template.nodelist[0]
        parent = getattr(first, "parent_name", None)
        if parent is None:
            return chain
        name = parent.var
        chain.append(name)


def pdf_templates():
    return sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.glob("*/pdf/*.html"))


@pytest.mark.parametrize("name", pdf_templates())
def test_a_pdf_document_gets_its_head_from_the_frame(name):
    """A document extends the frame (maybe through one of its own, like the protocols'); a
    part of one (a report's section, the contract's parties) is included and writes no head."""
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert "<head>" not in source and "pdf_fonts.html" not in source
    if source.startswith("{% extends"):
        assert PDF_FRAME in ancestors(name)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_pdf_documents_language_is_the_active_one(programme, language):
    """PDFs are rendered without the request (no context processor sets LANGUAGE_CODE): the
    frame reads the active language, which PDF/A tagging takes from <html lang>."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from voting.exporters import protocol_context

    with translation.override(language):
        markup = render_to_string("voting/pdf/protocol.html", protocol_context(programme))

    assert f'<html lang="{language}">' in markup


def title_and_heading(response, frame):
    """The browser's title and the <h1> of a page built on ``frame``, unescaped."""
    assert response.status_code == 200
    assert frame in [template.name for template in response.templates]
    page = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).strip()
    return html.unescape(title), html.unescape(heading)


def form_page_urls(client, make_user, programme):
    """Each page built on form_page.html, as its user sees it."""
    user = make_user()
    client.force_login(user)
    organisation = OrganisationFactory(members=[user])
    OrganisationFactory(members=[user])  # one with no application yet, to start one for
    finalist = ApplicationFactory(programme=programme, organisation=organisation,
                                  status=Status.FINALIST)
    return [
        reverse("applications:eligibility"), reverse("applications:organisation_create"),
        reverse("applications:organisation", args=[organisation.pk]),
        reverse("applications:start"), reverse("applications:profile", args=[finalist.pk]),
        reverse("profile"), reverse("delete_account"),
    ]


@pytest.mark.django_db
def test_a_form_pages_title_is_its_heading(client, make_user, open_programme):
    for url in form_page_urls(client, make_user, open_programme):
        title, heading = title_and_heading(client.get(url), "form_page.html")
        assert title and title == heading, url


def record_page_urls(client, auditor, programme):
    """The public record of a programme's vote (voting/record_page.html), results released."""
    vote_settings = settings_for(programme)
    vote_settings.results_released_at = timezone.now()
    vote_settings.save()
    client.force_login(auditor)
    return [reverse(name, args=[programme.year]) for name in (
        "voting:ledger", "voting:checkpoints", "voting:results", "voting:audit")]


@pytest.mark.django_db
def test_a_vote_record_pages_title_is_its_heading_with_the_programme(client, auditor,
                                                                    finalists):
    programme = finalists[0].programme
    for url in record_page_urls(client, auditor, programme):
        title, heading = title_and_heading(client.get(url), "voting/record_page.html")
        assert title == f"{heading} — {programme.title}", url


@pytest.mark.django_db
def test_a_messages_pages_title_is_its_heading(client, staff, make_user, vote_programme):
    """The staff's messages to groups (templates/ozgeris/messages/page.html): the title comes
    from the view, once, as the heading and the browser's title."""
    from ozgeris import segment_mail

    member = make_user(email="finalist@example.kz", personal_data_consent_at=timezone.now())
    ApplicationFactory(programme=vote_programme, status=Status.FINALIST,
                       organisation=OrganisationFactory(members=[member]))
    client.force_login(staff)
    message = segment_mail.send_segment_message(
        programme=vote_programme, segment_name="jury.finalists",
        texts={"subject_ru": "Тема письма", "body_ru": "Текст"}, by=staff)
    pages = {reverse("segment_mail:list"): " · Ozgeris Ustasy",
             reverse("segment_mail:compose"): " · Ozgeris Ustasy",
             reverse("segment_mail:detail", args=[message.pk]): " · Сообщения группам"}
    for url, suffix in pages.items():
        title, heading = title_and_heading(client.get(url), "ozgeris/messages/page.html")
        assert heading and title == heading + suffix, url


class Switcher(HTMLParser):
    """The header's language switcher: its frame (the first element of class language-switcher),
    the inputs of that frame and each language in it (an element with a lang attribute), with the
    text it shows."""

    def __init__(self, page):
        super().__init__()
        self.frame, self.inputs, self.choices, self.open, self.inside = None, {}, [], None, False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.frame is None and attrs.get("class") == "language-switcher":
            self.frame, self.inside = (tag, attrs), True
        elif self.inside and tag == "input":
            self.inputs[attrs["name"]] = attrs["value"]
        elif self.inside and "lang" in attrs and self.open is None:
            self.open = tag
            self.choices.append([tag, attrs, ""])

    def handle_data(self, data):
        if self.open:
            self.choices[-1][2] += data

    def handle_endtag(self, tag):
        if tag == self.open:
            self.open = None
        elif self.inside and tag == self.frame[0]:
            self.inside = False


LANGUAGE_NAMES = {"ru": "Рус", "kk": "Қаз", "en": "Eng"}
SWITCHED_PAGE = "/registry/?q=a%26b&page=1"


def switcher_in_kazakh(client):
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    return Switcher(client.get(SWITCHED_PAGE).content.decode())


def current_marks(attrs, code):
    """The current language, and only it, is marked for assistive technology and the eye."""
    current = code == "kk"
    assert (attrs.get("aria-current") == "true") is current, code
    assert (attrs.get("class") == "active") is current, code


@pytest.mark.django_db
def test_a_visitor_switches_language_by_links(client):
    """Plain links keep a visitor's page cacheable: one a language, named in that language,
    not for search engines to follow, back to the same page."""
    switcher = switcher_in_kazakh(client)

    assert switcher.frame[0] == "nav" and switcher.inputs == {}
    assert [(tag, text) for tag, _, text in switcher.choices] == [
        ("a", LANGUAGE_NAMES[code]) for code, _ in settings.LANGUAGES]
    for (code, _), (_, attrs, _) in zip(settings.LANGUAGES, switcher.choices, strict=True):
        next_page = quote(SWITCHED_PAGE, safe="/")
        assert attrs["href"] == f"{reverse('set_language')}?language={code}&next={next_page}"
        assert (attrs["lang"], attrs["hreflang"], attrs["rel"]) == (code, code, "nofollow")
        current_marks(attrs, code)


@pytest.mark.django_db
def test_a_signed_in_person_switches_language_by_a_form(client, make_user):
    """A POST with the CSRF token, so the choice is saved to the account: one submit button a
    language, named in that language, and the way back to the same page."""
    client.force_login(make_user())
    switcher = switcher_in_kazakh(client)

    tag, attrs = switcher.frame
    assert (tag, attrs["method"], attrs["action"]) == ("form", "post", reverse("set_language"))
    assert switcher.inputs["csrfmiddlewaretoken"]
    assert switcher.inputs["next"] == SWITCHED_PAGE
    assert [(tag, text) for tag, _, text in switcher.choices] == [
        ("button", LANGUAGE_NAMES[code]) for code, _ in settings.LANGUAGES]
    for (code, _), (_, attrs, _) in zip(settings.LANGUAGES, switcher.choices, strict=True):
        assert (attrs["type"], attrs["name"], attrs["value"]) == ("submit", "language", code)
        assert attrs["lang"] == code and "hreflang" not in attrs
        current_marks(attrs, code)


@pytest.mark.django_db
@pytest.mark.parametrize(("person", "offered"), [
    ("staff", True), ("observer", True), ("auditor", True), ("make_user", False)])
def test_the_main_menu_offers_the_reports_to_whoever_may_read_them_once(
        client, request, person, offered):
    """The menu asks the same rule as the reports page (permissions.may_read_reports)."""
    user = request.getfixturevalue(person)
    client.force_login(user() if person == "make_user" else user)

    menu = client.get("/").content.decode().split('class="main-nav"')[1].split("</nav>")[0]

    assert menu.count(f'href="{reverse("reporting:index")}"') == (1 if offered else 0)
