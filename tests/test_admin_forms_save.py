"""Every admin change form saves on the demo's real sizes: opened as programme staff, its fields
read from the rendered HTML the way a browser collects them, and posted back unchanged."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericInlineModelAdmin
from django.db.models import Count
from django.forms.models import _get_foreign_key
from django.test import RequestFactory
from django.urls import reverse

from events.admin import CeremonyGuestAdmin
from events.models import Ceremony, InfoMeeting

pytestmark = pytest.mark.django_db

# "A few hundred": far below Django's refusal (DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000).
MAX_FIELDS = 400
NOT_POSTED = {"file", "submit", "button", "image", "reset"}


class FormFields(HTMLParser):
    """The (name, value) pairs a browser posts for the form ``form_id`` of a page: enabled
    controls only, checked boxes, each select's selected options (the first when none is),
    textareas without the newline that follows their opening tag and with CRLF line ends."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields = []
        self.found = False
        self._inside = False
        self._template = 0
        self._select = None  # [name, multiple, options, chosen]
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self._inside = self.found = True
        if not self._inside:
            return
        if tag == "template":
            self._template += 1
        if self._template or "disabled" in attrs or not attrs.get("name", tag == "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in NOT_POSTED:
                self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = [attrs["name"], "multiple" in attrs, [], []]
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), ""]
            self._select[2].append(self._option)
            if "selected" in attrs:
                self._select[3].append(self._option)
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if not self._inside:
            return
        if tag == "template":
            self._template -= 1
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple, options, chosen = self._select
            if not chosen and options and not multiple:
                chosen = options[:1]
            self.fields += [(name, text.strip() if value is None else value)
                            for value, text in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            text = text.removeprefix("\r\n").removeprefix("\n")
            self.fields.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "form":
            self._inside = False


def form_fields(html, form_id):
    parser = FormFields(form_id)
    parser.feed(html)
    assert parser.found, f"no form #{form_id} on the page"
    return parser.fields


def _largest_records(model_admin, request):
    """The demo's records to open: the first, and for each inline the record with the most
    rows in it (the ceremony with all its guests, the meeting with the longest roster)."""
    queryset = model_admin.get_queryset(request)
    first = queryset.order_by("pk").first()
    records = {first.pk} if first else set()
    for inline in model_admin.get_inlines(request, first):
        if issubclass(inline, GenericInlineModelAdmin):
            continue
        fk = _get_foreign_key(model_admin.model, inline.model, fk_name=inline.fk_name)
        biggest = (inline.model._default_manager.values(fk.name).annotate(rows=Count("pk"))
                   .order_by("-rows").first())
        if biggest and queryset.filter(pk=biggest[fk.name]).exists():
            records.add(biggest[fk.name])
    return sorted(records)


MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("language", ["ru", "kk"])  # their own date and number formats
@pytest.mark.parametrize("model, model_admin", MODEL_ADMINS,
                         ids=[model._meta.label for model, _admin in MODEL_ADMINS])
def test_a_change_form_posted_back_unchanged_saves(client, staff, demo_programme, model,
                                                   model_admin, language):
    request = RequestFactory().get("/admin/")
    request.user = staff
    records = _largest_records(model_admin, request)
    if not records:
        pytest.skip(f"the demo has no {model._meta.verbose_name}")
    client.force_login(staff)
    client.cookies["ozgeris_language"] = language
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
    for pk in records:
        url = reverse(name, args=[pk])
        record = model_admin.get_object(request, str(pk))
        page = client.get(url)
        if not model_admin.has_view_or_change_permission(request, record):
            assert page.status_code == 403, url  # not the programme staff's to open
            continue
        assert page.status_code == 200, url
        if not model_admin.has_change_permission(request, record):
            assert 'name="_save"' not in page.content.decode()  # a view-only page
            continue
        fields = form_fields(page.content.decode(), f"{model._meta.model_name}_form")

        assert len(fields) <= MAX_FIELDS < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, url
        data = {}
        for field, value in [*fields, ("_save", "")]:
            data.setdefault(field, []).append(value)
        response = client.post(url, data)
        errors = response.context and [
            response.context["adminform"].form.errors,
            *[formset.formset.errors for formset in response.context["inline_admin_formsets"]]]
        assert response.status_code == 302, (url, errors)


def test_the_field_reader_reads_as_a_browser_does():
    html = """<form id="x_form"><input name="a" value="1"><input type="checkbox" name="b">
    <input type="checkbox" name="c" checked><input name="d" disabled value="no">
    <select name="e"><option value="">--</option><option value="2">two</option></select>
    <select name="f" multiple><option value="3" selected>3</option><option value="4" selected>
    4</option></select><textarea name="g">
line one
line two</textarea><input type="file" name="h"><input type="submit" name="i"></form>
    <input name="outside">"""

    assert form_fields(html, "x_form") == [
        ("a", "1"), ("c", "on"), ("e", ""), ("f", "3"), ("f", "4"), ("g", "line one\r\nline two")]


def _linked_lists(page):
    return re.findall(r'<tr><th scope="row"><a href="([^"]+)">([^<]+)</a></th><td>(\d+)</td>',
                      page.content.decode())


def _list_url(name, key, record):
    return f"{reverse(f'admin:events_{name}_changelist')}?{key}__id__exact={record.pk}"


def test_the_ceremony_page_links_its_lists_with_their_counts(client, staff, demo_programme):
    """The guests, feedback and exhibitors are no inlines but lists of their own, filtered by
    the ceremony and paginated."""
    ceremony = Ceremony.objects.get(programme=demo_programme)
    client.force_login(staff)

    page = client.get(reverse("admin:events_ceremony_change", args=[ceremony.pk]))

    assert _linked_lists(page) == [
        (_list_url("ceremonyguest", "ceremony", ceremony), "Гости",
         str(ceremony.guests.count())),
        (_list_url("guestfeedback", "ceremony", ceremony), "Отзывы гостей",
         str(ceremony.feedback.count())),
        (_list_url("fairexhibitor", "ceremony", ceremony), "Участники ярмарки",
         str(ceremony.exhibitors.count()))]
    assert "guests-TOTAL_FORMS" not in page.content.decode()
    guests = client.get(_list_url("ceremonyguest", "ceremony", ceremony)).context["cl"]
    assert guests.result_count == ceremony.guests.count() > CeremonyGuestAdmin.list_per_page
    assert len(guests.result_list) == CeremonyGuestAdmin.list_per_page
    assert {guest.ceremony_id for guest in guests.result_list} == {ceremony.pk}


def test_a_meeting_page_links_its_roster_with_its_count(client, staff, demo_programme):
    meeting = (InfoMeeting.objects.filter(programme=demo_programme)
               .annotate(people=Count("roster")).order_by("-people").first())
    client.force_login(staff)

    page = client.get(reverse("admin:events_infomeeting_change", args=[meeting.pk]))

    assert _linked_lists(page) == [(_list_url("rosterentry", "meeting", meeting), "Участники",
                                    str(meeting.people))]
    assert "roster-TOTAL_FORMS" not in page.content.decode()
    roster = client.get(_list_url("rosterentry", "meeting", meeting)).context["cl"]
    assert roster.result_count == meeting.people > 0
    assert {person.meeting_id for person in roster.result_list} == {meeting.pk}
