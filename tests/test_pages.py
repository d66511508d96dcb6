"""The public pages a person meets first, and the profile with account deletion."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ozgeris.models import AuditEvent, User


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/admin/login/",
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
    demo_programme.regulations = SimpleUploadedFile(
        "polozhenie.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
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
def test_public_media_never_serves_a_private_file(client, settings):
    private = settings.PRIVATE_MEDIA_ROOT / "documents" / "balance.pdf"
    private.parent.mkdir(parents=True, exist_ok=True)
    private.write_bytes(b"%PDF-1.4 secret")

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
