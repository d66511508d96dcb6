"""The Content-Security-Policy: every HTML page carries it, and nothing the site renders needs
an exception to it (no inline script, inline style, event-handler attribute or javascript: URL).
"""

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from applications.models import Application

from .factories import ApplicationFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered by WeasyPrint (server-side PDFs) or sent as mail: no browser applies the policy.
NOT_BROWSER_PAGES = {"pdf", "email"}
POLICY = {
    "default-src": {"'self'"},
    "frame-src": {"https://www.youtube-nocookie.com"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},  # no social provider is switched on in the tests
    "frame-ancestors": {"'none'"},
}
_TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
_TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}", re.S)


class _InlineFinder(HTMLParser):
    """Collects what a policy without 'unsafe-inline' refuses in a page's markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        attributes = dict(attrs)
        if tag == "style":
            self.found.append((line, "<style> element"))
        if (tag == "script" and "src" not in attributes
                and (attributes.get("type") or "").strip().lower() != "application/json"):
            self.found.append((line, "inline <script>"))
        for name, value in attrs:
            if name == "style":
                self.found.append((line, f"style attribute on <{tag}>"))
            elif name.startswith("on"):
                self.found.append((line, f"event handler {name}= on <{tag}>"))
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append((line, f"javascript: URL in {name}= on <{tag}>"))

    handle_startendtag = handle_starttag


def inline_content(markup):
    """(line, what) for each inline script or style in ``markup``, a template or a page.

    Template comments are dropped and template code is blanked out (its ``>`` would end a tag
    early), keeping the lines where they were."""
    markup = _TEMPLATE_COMMENT.sub(lambda match: "\n" * match.group().count("\n"), markup)
    markup = _TEMPLATE_CODE.sub(lambda match: " X " + "\n" * match.group().count("\n"), markup)
    finder = _InlineFinder()
    finder.feed(markup)
    finder.close()
    return finder.found


def browser_templates():
    return sorted(path for path in TEMPLATES.rglob("*.html")
                  if not NOT_BROWSER_PAGES & set(path.relative_to(TEMPLATES).parts))


def policy_of(response):
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


@pytest.mark.parametrize(("markup", "what"), [
    ('<p style="color:red">', "style attribute on <p>"),
    ("<style>p {}</style>", "<style> element"),
    ("<script>alert(1)</script>", "inline <script>"),
    ('<script type="module">go()</script>', "inline <script>"),
    ('<button onclick="go()">', "event handler onclick= on <button>"),
    ('<a href="javascript:go()">', "javascript: URL in href= on <a>"),
    ('<div {% if x %}style="{{ y }}"{% endif %}>', "style attribute on <div>"),
    ('<svg><rect style="fill:red"/></svg>', "style attribute on <rect>"),
])
def test_the_scan_finds_each_kind_of_inline_content(markup, what):
    assert inline_content(markup) == [(1, what)]


def test_the_scan_lets_external_scripts_json_and_template_code_through():
    markup = """{% load static %}{# style="in a comment" #}
<script src="{% static 'js/video.js' %}" defer></script>
<script type="application/json" id="data">{"a": 1}</script>
<p class="{% if a > b %}x{% endif %}" data-on="y">{{ text }}</p>"""

    assert inline_content(markup) == []


def test_no_template_the_browser_renders_has_inline_script_or_style():
    found = [f"{path.relative_to(TEMPLATES)}:{line}: {what}"
             for path in browser_templates()
             for line, what in inline_content(path.read_text(encoding="utf-8"))]

    assert len(browser_templates()) > 40  # the scan did find the templates
    assert found == []


@pytest.mark.django_db
def test_every_html_page_carries_the_policy_and_needs_no_exception_to_it(client, demo_programme,
                                                                         staff):
    finalist, with_photo = Application.objects.finalists(demo_programme)[:2]
    photo = io.BytesIO()
    Image.new("RGB", (1, 1)).save(photo, "PNG")
    with_photo.pending_photo.save("photo.png", ContentFile(photo.getvalue()), save=False)
    with_photo.profile_updated_at, with_photo.profile_approved_at = timezone.now(), None
    with_photo.save()
    public = [reverse("home"), reverse("voting:finalists"),
              reverse("voting:finalist", args=[finalist.pk]), reverse("voting:receipt"),
              reverse("registry:list"), reverse("account_login")]
    staff_pages = [reverse("admin:index"), reverse("jury_panel:index"),
                   reverse("admin:applications_application_change", args=[with_photo.pk]),
                   reverse("admin:applications_application_approve_profile",
                           args=[with_photo.pk])]

    pages = [(url, client.get(url)) for url in public]
    client.force_login(staff)
    pages += [(url, client.get(url)) for url in staff_pages]

    for url, response in pages:
        assert response.status_code == 200, url
        assert policy_of(response) == POLICY, url
        assert inline_content(response.content.decode()) == [], url


def test_form_action_allows_the_sign_in_page_of_each_social_provider():
    """A social login posts to the portal, which redirects to the provider; the browser checks
    that redirect against form-action. The origins kept in settings are allauth's own."""
    from allauth.socialaccount.providers.facebook.views import FacebookOAuth2Adapter
    from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
    from allauth.socialaccount.providers.mailru.views import MailRuOAuth2Adapter
    from allauth.socialaccount.providers.vk.views import VKOAuth2Adapter
    from allauth.socialaccount.providers.yandex.views import YandexOAuth2Adapter

    adapters = {"google": GoogleOAuth2Adapter, "facebook": FacebookOAuth2Adapter,
                "mailru": MailRuOAuth2Adapter, "yandex": YandexOAuth2Adapter,
                "vk": VKOAuth2Adapter}

    for name, adapter in adapters.items():
        parts = urlsplit(adapter.authorize_url)
        assert settings.SOCIAL_LOGIN_ORIGINS[name] == f"{parts.scheme}://{parts.netloc}", name
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] == [
        "'self'", *(settings.SOCIAL_LOGIN_ORIGINS[name]
                    for name in settings.SOCIALACCOUNT_PROVIDERS)]


@pytest.mark.django_db
def test_the_finalists_page_answered_early_carries_the_policy(client, open_programme):
    ApplicationFactory(programme=open_programme, status="finalist")
    url = reverse("voting:finalists")
    rendered = client.get(url)
    client.cookies.clear()

    kept = client.get(url)

    assert kept.content == rendered.content
    # Answered early (voting.middleware), before authentication ever ran on the request.
    assert hasattr(rendered.wsgi_request, "user") and not hasattr(kept.wsgi_request, "user")
    assert policy_of(kept) == policy_of(rendered) == POLICY


def test_no_admin_list_turns_off_both_action_bars():
    """Django's change list prints an inline <style> when a ModelAdmin turns off both of its
    action bars (actions_on_top and actions_on_bottom): the policy would refuse it."""
    from django.contrib import admin

    from jury.panel import jury_panel

    both_off = [model._meta.label for site in (admin.site, jury_panel)
                for model, model_admin in site._registry.items()
                if not (model_admin.actions_on_top or model_admin.actions_on_bottom)]

    assert len(admin.site._registry) > 10  # the admin was discovered
    assert both_off == []
