"""The public pages a person meets first, and the profile with account deletion."""

import io
import shutil
import subprocess
from datetime import timedelta

import pikepdf
import pytest
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ozgeris.models import AuditEvent, User


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/",
                                  "/healthz", "/privacy/", "/vote/", "/apply/"])
def test_the_entry_pages_answer(client, demo_programme, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_home_shows_the_programme_nominations_and_highlights_the_current_stage(
    client, demo_programme, time_machine
):
    time_machine.move_to(demo_programme.voting_opens_at + timedelta(days=1))

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for nomination in demo_programme.nominations.all():
        assert nomination.title_en in page
    assert 'class="timeline-step is-current" aria-current="step"' in page
    current = page.split('aria-current="step"')[1].split("</h3>")[0]
    assert "Public vote" in current
    assert reverse("voting:finalists") in page


@pytest.mark.django_db
def test_home_offers_the_regulations_download_once_published(client, demo_programme):
    pdf, buffer = pikepdf.new(), io.BytesIO()
    pdf.add_blank_page()
    pdf.save(buffer)  # the public store takes only a PDF that opens whole
    demo_programme.regulations = SimpleUploadedFile(
        "polozhenie.pdf", buffer.getvalue(), content_type="application/pdf"
    )
    demo_programme.save()

    page = client.get("/").content.decode()
    url = demo_programme.regulations.url
    assert url.startswith("/media/public/regulations/")
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_public_media_never_serves_a_private_file(client):
    storages["default"].save("documents/balance.pdf", ContentFile(b"%PDF-1.4 secret"))

    for path in ("../private/documents/balance.pdf", "..%2Fprivate/documents/balance.pdf",
                 "/etc/passwd"):
        assert client.get(f"/media/public/{path}").status_code == 404


@pytest.mark.django_db
def test_the_profile_needs_a_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


@pytest.mark.django_db
def test_deleting_an_account_erases_personal_data_and_keeps_the_row(client, make_user):
    user = make_user(email="aizhan@example.kz", password="Correct-horse-7",
                     display_name="Айжан")
    client.force_login(user)

    response = client.post(reverse("delete_account"),
                           {"password": "Correct-horse-7", "confirm": "on"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email.endswith("@deleted.invalid")
    assert user.display_name == ""
    assert not user.is_active
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="account.deleted", object_id=str(user.pk)).exists()
    assert "_auth_user_id" not in client.session
    # The address is free again for a new account.
    assert not User.objects.filter(email="aizhan@example.kz").exists()


@pytest.mark.django_db
def test_deleting_an_account_needs_the_password(client, make_user):
    user = make_user(email="aizhan@example.kz", password="Correct-horse-7",
                     preferred_language="en")
    client.force_login(user)

    response = client.post(reverse("delete_account"), {"password": "wrong", "confirm": "on"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.django_db
def test_user_text_is_escaped(client, make_user):
    user = make_user(email="x@example.kz", display_name="<script>alert(1)</script>")
    client.force_login(user)

    page = client.get(reverse("profile")).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.django_db
def test_programme_staff_manage_programmes_in_the_admin_and_only_read_the_audit_log(client,
                                                                                     demo_programme):
    staff = User.objects.get(email="staff@demo.ozgeris.kz")
    client.force_login(staff)

    assert client.get(reverse("admin:ozgeris_programme_change", args=[demo_programme.pk])
                      ).status_code == 200
    assert client.get(reverse("admin:ozgeris_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:ozgeris_auditevent_add")).status_code == 403


@pytest.mark.django_db
def test_jurors_and_applicants_cannot_enter_the_staff_admin(client, demo_programme):
    for email in ("zh.asanova@jury.demo.ozgeris.kz", "applicant@demo.ozgeris.kz"):
        client.force_login(User.objects.get(email=email))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert reverse("admin:login") in response.url


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdffonts"), reason="needs poppler-utils (.ci/run has it)")
def test_the_demo_regulations_are_a_pdf_with_embedded_fonts(client, demo_programme, tmp_path):
    response = client.get(demo_programme.regulations.url)
    pdf = tmp_path / "regulations.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows
    assert all(" yes " in row for row in rows)  # every font embedded
    assert all("NotoSans" in row.replace("-", "") for row in rows)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Положение Премии Ozgeris Ustasy" in text
    assert "20 августа 2019" in text
