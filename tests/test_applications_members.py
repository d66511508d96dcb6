"""Inviting a colleague to act for an organisation, and the finalist's public profile."""

import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from applications import organisations, services
from applications.models import Status

from .factories import ApplicationFactory, OrganisationFactory


@pytest.fixture
def owner(make_user, client):
    user = make_user(email="owner@example.kz", preferred_language="en")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_an_invited_colleague_joins_with_the_invited_address_only(
    client, owner, make_user, demo_programme, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(members=[owner])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:invite", args=[organisation.pk]),
                    {"invite-email": "colleague@example.kz"})
    link = re.search(re.escape(settings.PORTAL_URL) + r"(/apply/invitations/[^/\s]+/)",
                     mail.outbox[-1].body)
    assert link and organisation.name in mail.outbox[-1].body

    stranger = make_user(email="stranger@example.kz")
    client.force_login(stranger)
    client.post(link.group(1))
    assert not organisation.members.filter(pk=stranger.pk).exists()

    colleague = make_user(email="colleague@example.kz")
    client.force_login(colleague)
    response = client.post(link.group(1))
    assert response.url == reverse("applications:dashboard")
    assert organisation.members.filter(pk=colleague.pk).exists()
    assert client.post(link.group(1)).status_code == 200  # used once only


@pytest.mark.django_db
def test_a_non_member_cannot_open_or_invite_to_an_organisation(client, owner, make_user):
    organisation = OrganisationFactory(members=[make_user(email="other@example.kz")])

    assert client.get(reverse("applications:organisation", args=[organisation.pk])
                      ).status_code == 404
    assert client.post(reverse("applications:invite", args=[organisation.pk]),
                       {"invite-email": "x@example.kz"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["applications:pdf", "applications:profile",
                                  "applications:withdraw"])
def test_another_organisations_application_is_404_by_every_url(client, owner, make_user,
                                                                open_programme, name):
    other = ApplicationFactory(programme=open_programme, status="submitted",
                               organisation=OrganisationFactory(
                                   members=[make_user(email="other@example.kz")]))
    method = client.post if name.endswith("withdraw") else client.get
    assert method(reverse(name, args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (11, 95, 134)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_the_public_profile_is_published_only_as_staff_approved_it(client, owner, open_programme,
                                                                  make_user):
    application = ApplicationFactory(programme=open_programme, status="finalist",
                                     organisation=OrganisationFactory(members=[owner]))
    url = reverse("applications:profile", args=[application.pk])

    forged = client.post(url, {"public_text_ru": "Текст", "pending_photo": SimpleUploadedFile(
        "photo.png", b"<svg onload=alert(1)>", "image/png")})
    assert forged.status_code == 200
    application.refresh_from_db()
    assert not application.pending_photo

    client.post(url, {"public_text_ru": "Мы учим ремеслу", "public_text_kk": "Қолөнерге үйретеміз",
                      "pending_photo": SimpleUploadedFile("photo.png", png_bytes(),
                                                          "image/png")})
    application.refresh_from_db()
    assert application.public_text_kk == "Қолөнерге үйретеміз"
    assert not application.public_photo  # nothing public before approval
    photo_url = reverse("applications:profile_photo", args=[application.pk])
    assert client.get(photo_url).status_code == 200
    client.logout()
    assert client.get(photo_url).status_code == 302

    staff = make_user(email="s@example.kz")
    seen = application.profile_updated_at.isoformat()
    application.public_text_ru = "Changed after the review started"
    services.update_profile(application=application, by=owner)
    with pytest.raises(services.ApplicationError):
        services.approve_profile(application=application, seen_version=seen, by=staff)

    application.refresh_from_db()
    services.approve_profile(application=application,
                             seen_version=application.profile_updated_at.isoformat(), by=staff)
    application.refresh_from_db()
    assert application.profile_approved_at is not None
    assert application.public_photo.url.startswith("/media/public/finalists/")
    assert client.get(application.public_photo.url).status_code == 200


@pytest.mark.django_db
def test_the_profile_is_only_for_the_final_round(client, owner, open_programme):
    application = ApplicationFactory(programme=open_programme, status="submitted",
                                     organisation=OrganisationFactory(members=[owner]))
    assert client.get(reverse("applications:profile", args=[application.pk])).status_code == 404


@pytest.mark.django_db
def test_the_invitation_form_mails_an_address_once_a_day(
        client, owner, django_capture_on_commit_callbacks):
    """The form mails the organisation's name, which its members choose, in the portal's own
    name: twenty posts would have sent twenty letters to whoever was named."""
    organisation = OrganisationFactory(members=[owner])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            client.post(reverse("applications:invite", args=[organisation.pk]),
                        {"invite-email": "victim@example.kz"})

    assert len([sent for sent in mail.outbox if "victim@example.kz" in sent.to]) == 1


@pytest.mark.django_db
def test_a_person_sends_only_so_many_invitations_a_day(owner, monkeypatch):
    monkeypatch.setattr(organisations, "INVITATIONS_PER_DAY", 3)
    organisation = OrganisationFactory(members=[owner])
    for number in range(3):
        organisations.invite_member(organisation=organisation, email=f"c{number}@example.kz",
                                    by=owner)

    with pytest.raises(services.ApplicationError):
        organisations.invite_member(organisation=organisation, email="c4@example.kz", by=owner)


@pytest.mark.django_db
def test_an_invitation_expires_after_two_weeks(owner, make_user, english):
    from datetime import timedelta

    from django.utils import timezone

    from applications.models import Invitation

    organisation = OrganisationFactory(members=[owner])
    invitation = organisations.invite_member(organisation=organisation, email="late@example.kz",
                                        by=owner)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - organisations.INVITATION_VALID - timedelta(minutes=1))
    invitation.refresh_from_db()
    late = make_user(email="late@example.kz")

    with pytest.raises(services.ApplicationError, match="expired"):
        organisations.accept_invitation(invitation=invitation, user=late)
    assert not organisation.members.filter(pk=late.pk).exists()
