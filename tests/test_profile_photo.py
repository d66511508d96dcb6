"""The finalist's photo awaiting approval (applications.views.profile_photo): stored under a
name the server chooses, with the extension of the type found in its content, and served with
that type, never the one the uploaded name suggests."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from .factories import ApplicationFactory, OrganisationFactory


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (11, 95, 134)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def finalist(make_user, open_programme):
    owner = make_user(email="owner@example.kz", preferred_language="en")
    return ApplicationFactory(programme=open_programme, status="finalist",
                              organisation=OrganisationFactory(members=[owner])), owner


@pytest.mark.django_db
def test_a_png_uploaded_as_eps_is_stored_and_served_as_a_png(client, finalist):
    """Pillow knows .eps: by its name the photo would have been served inline as
    application/postscript."""
    application, owner = finalist
    client.force_login(owner)
    response = client.post(reverse("applications:profile", args=[application.pk]), {
        "public_text_ru": "Текст",
        "pending_photo": SimpleUploadedFile("photo.eps", png_bytes(), "application/postscript")})
    assert response.status_code == 302

    application.refresh_from_db()
    assert re.fullmatch(r"profiles/photo(_\w+)?\.png", application.pending_photo.name)
    served = client.get(reverse("applications:profile_photo", args=[application.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(served.streaming_content) == png_bytes()


@pytest.mark.django_db
def test_a_photo_stored_under_a_misleading_name_is_served_by_its_content(client, finalist):
    """A photo an older version stored by its uploaded name: its type comes from its bytes;
    content that is not a photo is not served at all."""
    application, owner = finalist
    client.force_login(owner)
    url = reverse("applications:profile_photo", args=[application.pk])
    application.pending_photo.save("photo.eps", ContentFile(png_bytes()))
    served = client.get(url)
    assert served["Content-Type"] == "image/png"
    assert 'filename="photo-' in served["Content-Disposition"]
    assert ".png" in served["Content-Disposition"]

    application.pending_photo.save("photo.png", ContentFile(b"%!PS-Adobe-3.0 EPSF-3.0\n"))
    assert client.get(url).status_code == 404
