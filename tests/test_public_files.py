"""Public files are what they claim (issue 15). An attacker's "PDF" named ``regulations.html`` (a
PDF header, markup after the first 2 KB) passed the upload check and was served inline as
``text/html`` from the portal's origin, linked from the home page.

The corpus here goes through the real admin change forms as staff (the regulations, a press
release) and through the finalist's profile page and the admin's approval (the photo): each
polyglot is refused with a message and nothing reaches the public store; what is accepted is
stored under a server-chosen name with the extension of its content and served with that
content's type, ``nosniff`` and a sandboxing policy, never as ``text/html``. Files published
before the fix are served the same way, and ``recheck_public_files`` renames or unpublishes them.
Every file is generated here.
"""

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pikepdf
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from applications import services
from applications.models import Application
from events.models import Ceremony
from ozgeris.models import AuditEvent, Programme
from ozgeris.public_files import PUBLIC_FILE_FIELDS, SANDBOX_POLICY
from ozgeris.storage import PublicStorage
from ozgeris.uploads import check_public_file

from .factories import ApplicationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def published(media):
    root = Path(media) / "public"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) \
        if root.exists() else []


# ---------------------------------------------------------------------------
# The corpus, generated
# ---------------------------------------------------------------------------

def pdf_bytes(*streams, pages=2, **save):
    """A PDF that opens whole; each of ``streams`` is stored as an object of its own,
    uncompressed, in the order given. The same arguments give the same bytes (a fixed /ID: by
    default qpdf derives it from the clock, and a test comparing two makings would flicker)."""
    save.setdefault("static_id", True)
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    pdf.Root.Extra = pikepdf.Array([pdf.make_indirect(pdf.make_stream(data)) for data in streams])
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False, **save)
    return buffer.getvalue()


def pdf_with_html_after_2_kb():
    """The attacker's file: a valid PDF whose bytes, past the 2 KB the type check reads, hold a
    web page (the old check passed it, and the old server sent it as text/html)."""
    data = pdf_bytes(b"%" + b"0" * 3000, SCRIPT)
    assert data.startswith(b"%PDF-") and data.index(b"<html") > 2048
    with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
        assert pdf.check_pdf_syntax() == []  # nothing wrong with it but the markup
    return data


def jpeg_bytes(size=(64, 48), comment=None):
    image = Image.effect_noise(size, 60).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **({"comment": comment} if comment else {}))
    return buffer.getvalue()


def jpeg_html_polyglot():
    """A JPEG that decodes, with a web page in its comment segment."""
    data = jpeg_bytes(comment=SCRIPT)
    Image.open(io.BytesIO(data)).load()
    return data


def gif_with_script():
    buffer = io.BytesIO()
    Image.new("P", (8, 8)).save(buffer, "GIF", comment=b"<script>alert(1)</script>")
    return buffer.getvalue()


def zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", SCRIPT)
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'

# name, content, what the refusal says
PDF_CORPUS = {
    "PDF with HTML after 2 KB named .html": ("regulations.html", pdf_with_html_after_2_kb,
                                              "markup"),
    "PDF with HTML after 2 KB named .pdf": ("regulations.pdf", pdf_with_html_after_2_kb,
                                            "markup"),
    "JPEG/HTML polyglot": ("regulations.jpg", jpeg_html_polyglot, "JPEG file is not accepted"),
    "SVG with a script named .png": ("regulations.png", lambda: SVG, "not a PDF"),
    "GIF with a script": ("regulations.gif", gif_with_script, "not a PDF"),
    "truncated PDF": ("regulations.pdf", lambda: pdf_bytes()[:400], "damaged"),
    "PDF that is really a ZIP": ("regulations.pdf", zip_bytes, "ZIP archive"),
    "PDF with a ZIP appended": ("regulations.pdf", lambda: pdf_bytes() + zip_bytes(),
                                "also a ZIP archive"),
    "encrypted PDF": ("regulations.pdf", lambda: pdf_bytes(
        encryption=pikepdf.Encryption(owner="owner", user="")), "encrypted"),
    "PDF without pages": ("regulations.pdf", lambda: pdf_bytes(pages=0), "no pages"),
}


# ---------------------------------------------------------------------------
# The admin's change form, posted as staff would
# ---------------------------------------------------------------------------

class _ChangeForm(HTMLParser):
    """The values an admin change form (``<form id="…_form">``) would submit as rendered."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data, self.inside, self.select, self.textarea = [], False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (attrs.get("id") or "").endswith("_form")
        elif not self.inside or not attrs.get("name") and tag != "option":
            return
        elif tag == "input" and attrs.get("type") not in ("file", "submit", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.data.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.append((self.textarea[0], self.textarea[1].removeprefix("\n")))
            self.textarea = None


def post_change_form(client, url, **files):
    """GET the admin change form at ``url`` and POST it back as rendered, with ``files``."""
    parser = _ChangeForm()
    parser.feed(client.get(url, **EN).content.decode())
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return client.post(url, {**data, **files}, **EN)


@pytest.fixture
def staff_client(client, staff):
    staff.preferred_language = "en"
    staff.save()
    client.force_login(staff)
    return client


@pytest.fixture
def records(demo_programme, open_programme):
    """The record of each public PDF field the admin edits: the current programme's
    regulations, and a press release of a ceremony with no guests yet (the demo's, with its
    200 guests, is more than a form may post: DATA_UPLOAD_MAX_NUMBER_FIELDS)."""
    ceremony = Ceremony.objects.create(programme=open_programme, city="Астана",
                                       held_at=open_programme.ceremony_at)
    return {"regulations": demo_programme, "press_release_ru": ceremony}


ADMIN_URLS = {"regulations": "admin:ozgeris_programme_change",
              "press_release_ru": "admin:events_ceremony_change"}


def upload(staff_client, records, field, name, content):
    record = records[field]
    url = reverse(ADMIN_URLS[field], args=[record.pk])
    response = post_change_form(staff_client, url, **{field: SimpleUploadedFile(
        name, content, content_type="application/pdf")})
    record.refresh_from_db()
    return response, getattr(record, field)


def assert_served_sandboxed(response, content_type):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX_POLICY


@pytest.mark.parametrize("field", list(ADMIN_URLS))
@pytest.mark.parametrize("label", list(PDF_CORPUS))
def test_a_polyglot_is_refused_by_the_admin_form_and_nothing_is_published(
    staff_client, records, media, field, label
):
    name, make, message = PDF_CORPUS[label]
    before = getattr(records[field], field).name

    response, stored = upload(staff_client, records, field, name, make())

    assert response.status_code == 200  # the form again, with the message
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors.get(field, []))
    assert message in errors
    assert stored.name == before
    assert published(media) == []


@pytest.mark.parametrize("field", list(ADMIN_URLS))
def test_a_real_pdf_named_html_is_published_as_a_pdf_under_a_name_the_server_chose(
    staff_client, client, records, media, field
):
    content = pdf_bytes(b"BT (Regulations of the award) Tj ET")

    response, stored = upload(staff_client, records, field, "Regulations 2019.html", content)

    assert response.status_code == 302, response.context["adminform"].form.errors
    folder = "regulations" if field == "regulations" else "press"
    assert re.fullmatch(rf"{folder}/regulations-2019-[a-z0-9]{{8}}\.pdf", stored.name)
    assert published(media) == [stored.name]
    served = client.get(stored.url)
    assert_served_sandboxed(served, "application/pdf")
    assert served["Content-Disposition"] == (
        f'attachment; filename="{Path(stored.name).name}"')
    assert b"".join(served.streaming_content) == content


def test_the_home_page_links_the_regulations_as_published(staff_client, client, demo_programme,
                                                          media):
    _response, stored = upload(staff_client, {"regulations": demo_programme}, "regulations",
                               "regulations.html", pdf_bytes())

    assert Programme.objects.current() == demo_programme
    page = client.get(reverse("home")).content.decode()
    assert f'href="{stored.url}"' in page
    assert stored.url.endswith(".pdf")


# ---------------------------------------------------------------------------
# The finalist's photo: checked whole at upload and again when staff publish it
# ---------------------------------------------------------------------------

@pytest.fixture
def finalist(client, make_user, open_programme, media):
    owner = make_user(email="owner@example.kz", preferred_language="en")
    client.force_login(owner)
    return ApplicationFactory(programme=open_programme, status="finalist",
                              organisation=OrganisationFactory(members=[owner]))


PHOTO_CORPUS = {
    "JPEG/HTML polyglot": ("photo.jpg", jpeg_html_polyglot, "markup"),
    "JPEG with a page after its end": ("photo.jpg", lambda: jpeg_bytes() + SCRIPT, "markup"),
    "truncated JPEG": ("photo.jpg", lambda: jpeg_bytes((400, 300))[:3000], "damaged"),
    "SVG with a script named .png": ("photo.png", lambda: SVG, "Upload a valid image"),
    "GIF with a script": ("photo.gif", gif_with_script, "not a PDF"),
}


@pytest.mark.parametrize("label", list(PHOTO_CORPUS))
def test_a_polyglot_photo_is_refused_on_the_profile_page(client, finalist, media, label):
    name, make, message = PHOTO_CORPUS[label]

    response = client.post(reverse("applications:profile", args=[finalist.pk]), {
        "pending_photo": SimpleUploadedFile(name, make(), "image/jpeg"),
        "public_text_ru": "Текст"}, **EN)

    assert response.status_code == 200
    assert message in response.content.decode()
    finalist.refresh_from_db()
    assert not finalist.pending_photo
    assert not any(Path(media).rglob("*.*"))


def approve(client, staff, application):
    staff.preferred_language = "en"
    staff.save()
    client.force_login(staff)
    application.refresh_from_db()
    return client.post(
        reverse("admin:applications_application_approve_profile", args=[application.pk]),
        {"seen_version": application.profile_updated_at.isoformat()}, follow=True, **EN)


def test_an_approved_photo_is_published_as_a_jpeg_and_served_inline(
    client, finalist, staff, media
):
    photo = jpeg_bytes((320, 240))
    client.post(reverse("applications:profile", args=[finalist.pk]), {
        "pending_photo": SimpleUploadedFile("portrait.jpeg", photo, "image/jpeg"),
        "public_text_ru": "Текст"}, **EN)

    approve(client, staff, finalist)

    finalist.refresh_from_db()
    assert finalist.profile_approved_at is not None
    assert re.fullmatch(r"finalists/portrait-[a-z0-9]{8}\.jpg",
                        finalist.public_photo.name)
    served = client.get(finalist.public_photo.url)
    assert_served_sandboxed(served, "image/jpeg")
    assert served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content) == photo


def test_a_polyglot_photo_uploaded_before_the_check_is_not_published(
    client, finalist, staff, media
):
    """A pending photo the profile page would refuse today (stored by an older version):
    staff approving it get a message, and nothing is published."""
    finalist.pending_photo.save("photo.jpg", ContentFile(jpeg_html_polyglot()), save=False)
    finalist.profile_updated_at = timezone.now()
    finalist.save()

    response = approve(client, staff, finalist)

    assert "The photo cannot be published" in response.content.decode()
    finalist.refresh_from_db()
    assert finalist.profile_approved_at is None
    assert not finalist.public_photo
    assert published(media) == []


def test_approve_profile_turns_the_refusal_into_an_application_error(finalist, staff, media):
    finalist.pending_photo.save("photo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + SCRIPT),
                                save=False)
    finalist.profile_updated_at = timezone.now()
    finalist.save()

    with pytest.raises(services.ApplicationError, match="cannot be published"):
        services.approve_profile(application=finalist, by=staff,
                                 seen_version=finalist.profile_updated_at.isoformat())
    assert published(media) == []


# ---------------------------------------------------------------------------
# The public store's gate, and what is served from it
# ---------------------------------------------------------------------------

def test_every_public_file_field_is_listed():
    public = {(model._meta.app_label, model.__name__, field.name)
              for model in apps.get_models() for field in model._meta.get_fields()
              if isinstance(field, models.FileField) and isinstance(field.storage, PublicStorage)}
    assert public == set(PUBLIC_FILE_FIELDS)


@pytest.mark.parametrize(("name", "content"), [
    ("press/page.html", SCRIPT),
    ("regulations/regulations.html", pdf_with_html_after_2_kb()),
    ("finalists/logo.svg", SVG),
])
def test_the_public_store_refuses_what_the_check_refuses_however_it_is_saved(
    media, name, content
):
    with pytest.raises(ValidationError):
        storages["public"].save(name, ContentFile(content))
    assert published(media) == []


def write_public(media, name, content):
    """A file as an older version stored it: under the uploaded name, unchecked."""
    path = Path(media) / "public" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name


def test_a_polyglot_published_before_the_fix_is_served_only_as_a_sandboxed_pdf(
    client, demo_programme, media
):
    name = write_public(media, "regulations/regulations.html", pdf_with_html_after_2_kb())
    Programme.objects.filter(pk=demo_programme.pk).update(regulations=name)

    served = client.get(f"/media/public/{name}")

    assert_served_sandboxed(served, "application/pdf")
    assert served["Content-Disposition"] == 'attachment; filename="regulations.pdf"'


@pytest.mark.parametrize(("name", "content"), [
    ("press/page.html", SCRIPT),
    ("finalists/logo.svg", SVG),
    ("finalists/photo.png", SVG),
    ("press/archive.pdf", zip_bytes()),
])
def test_a_stored_file_of_no_public_type_is_not_served(client, media, name, content):
    write_public(media, name, content)
    assert client.get(f"/media/public/{name}").status_code == 404


def test_markup_inside_a_compressed_stream_is_not_a_polyglot():
    """The scan reads the bytes a browser would see: markup compressed inside a PDF stream
    is not there, and a PDF holding it (a web designer's handout) is published."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Extra = pdf.make_stream(SCRIPT * 50)
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=True)
    assert b"<html" not in buffer.getvalue()

    assert check_public_file(ContentFile(buffer.getvalue(), name="handout.pdf")) == "pdf"


def test_the_demo_regulations_and_a_camera_sized_photo_pass_the_whole_check(demo_programme):
    with demo_programme.regulations.open("rb") as regulations:
        assert check_public_file(ContentFile(regulations.read(), name="r.pdf")) == "pdf"
    assert check_public_file(ContentFile(jpeg_bytes((2000, 1500)), name="p.jpg")) == "jpeg"


def test_a_photo_over_the_pixel_limit_is_refused_before_it_is_decoded():
    buffer = io.BytesIO()
    Image.new("L", (8000, 5001)).save(buffer, "PNG")  # 40 000 800 pixels, a few KB
    with pytest.raises(ValidationError, match="megapixels"):
        check_public_file(ContentFile(buffer.getvalue(), name="p.png"))


# ---------------------------------------------------------------------------
# Files published before the fix: recheck_public_files
# ---------------------------------------------------------------------------

@pytest.fixture
def legacy(demo_programme, media):
    """The regulations (the attacker's polyglot), the Russian press release (a real PDF under
    .html) and the Kazakh one (a real PDF, well named), as an older version stored them."""
    ceremony = Ceremony.objects.get(programme=demo_programme)
    release = pdf_bytes(b"BT (Press release) Tj ET")
    Programme.objects.filter(pk=demo_programme.pk).update(
        regulations=write_public(media, "regulations/regulations.html",
                                 pdf_with_html_after_2_kb()))
    Ceremony.objects.filter(pk=ceremony.pk).update(
        press_release_ru=write_public(media, "press/release.html", release),
        press_release_kk=write_public(media, "press/release-kk.pdf", release))
    return demo_programme, ceremony, release


def test_recheck_unpublishes_a_polyglot_and_renames_a_misnamed_pdf(
    legacy, media, client, django_capture_on_commit_callbacks
):
    programme, ceremony, _release = legacy
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("recheck_public_files", stdout=out)

    programme.refresh_from_db()
    ceremony.refresh_from_db()
    assert not programme.regulations
    assert (Path(media) / "private/quarantine/regulations/regulations.html").read_bytes() \
        == pdf_with_html_after_2_kb()
    assert re.fullmatch(r"press/release-[a-z0-9]{8}\.pdf", ceremony.press_release_ru.name)
    assert ceremony.press_release_kk.name == "press/release-kk.pdf"
    assert published(media) == sorted([ceremony.press_release_ru.name, "press/release-kk.pdf"])
    assert_served_sandboxed(client.get(ceremony.press_release_ru.url), "application/pdf")
    assert set(AuditEvent.objects.filter(action__startswith="public_file.")
               .values_list("action", "details__old")) == {
        ("public_file.unpublished", "regulations/regulations.html"),
        ("public_file.renamed", "press/release.html")}
    report = out.getvalue()
    assert "unpublished: ozgeris.Programme.regulations" in report
    assert "1 kept, 1 renamed, 1 unpublished" in report


def test_recheck_dry_run_changes_nothing(legacy, media):
    programme, ceremony, _release = legacy
    before = published(media)
    out = io.StringIO()

    call_command("recheck_public_files", "--dry-run", stdout=out)

    assert "Dry run, nothing changed: 1 kept, 1 renamed, 1 unpublished." in out.getvalue()
    assert published(media) == before
    programme.refresh_from_db()
    assert programme.regulations.name == "regulations/regulations.html"
    assert not AuditEvent.objects.filter(action__startswith="public_file.").exists()


def test_the_public_photo_field_is_rechecked_as_a_photo(finalist, media):
    name = write_public(media, "finalists/photo.html", jpeg_bytes())
    Application.objects.filter(pk=finalist.pk).update(public_photo=name)

    call_command("recheck_public_files", stdout=io.StringIO())

    finalist.refresh_from_db()
    assert re.fullmatch(r"finalists/photo-[a-z0-9]{8}\.jpg", finalist.public_photo.name)
