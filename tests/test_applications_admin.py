"""Staff screening in the admin: the actions go through the status service and are logged."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from applications.models import Status
from ozgeris.models import AuditEvent

from .factories import ApplicationFactory, OrganisationFactory


@pytest.fixture
def staff(client, make_user):
    user = make_user(email="staff@example.kz", is_staff=True)
    user.groups.add(Group.objects.get(name="Programme staff"))
    client.force_login(user)
    return user


@pytest.fixture
def submitted(open_programme, make_user):
    member = make_user(email="ngo@example.kz", preferred_language="ru")
    return ApplicationFactory(programme=open_programme, status="submitted",
                              organisation=OrganisationFactory(members=[member]))


@pytest.mark.django_db
def test_the_change_page_shows_the_actions_and_the_status_history(client, staff, submitted):
    page = client.get(reverse("admin:applications_application_change", args=[submitted.pk]))

    html = page.content.decode()
    assert reverse("admin:applications_application_screen", args=[submitted.pk]) in html
    assert reverse("admin:applications_application_reject_documents", args=[submitted.pk]) in html


@pytest.mark.django_db
def test_staff_screen_an_application(client, staff, submitted):
    client.post(reverse("admin:applications_application_screen", args=[submitted.pk]))

    submitted.refresh_from_db()
    assert submitted.status == Status.SCREENED
    assert AuditEvent.objects.get(action="application.status",
                                  object_id=str(submitted.pk)).actor == staff


@pytest.mark.django_db
def test_staff_request_documents_and_the_applicant_is_emailed(
    client, staff, submitted, django_capture_on_commit_callbacks
):
    url = reverse("admin:applications_application_request_documents", args=[submitted.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"kinds": ["tax_certificate"], "message": "Справка устарела"})

    submitted.refresh_from_db()
    assert submitted.status == Status.DOCUMENTS_REQUESTED
    assert mail.outbox[-1].to == ["ngo@example.kz"]
    assert "Справка устарела" in mail.outbox[-1].body


@pytest.mark.django_db
def test_rejecting_documents_needs_a_reason_in_the_form(client, staff, submitted):
    url = reverse("admin:applications_application_reject_documents", args=[submitted.pk])

    assert client.post(url, {"reason": ""}).status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED

    client.post(url, {"reason": "Нет справки об отсутствии налоговой задолженности"})
    submitted.refresh_from_db()
    assert submitted.status == Status.DOCUMENTS_REJECTED
    history = client.get(reverse("admin:applications_application_change", args=[submitted.pk]))
    assert "Нет справки" in history.content.decode()


@pytest.mark.django_db
def test_the_status_cannot_be_edited_as_a_field(client, staff, submitted):
    url = reverse("admin:applications_application_change", args=[submitted.pk])
    client.post(url, {"status": "winner"})

    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


@pytest.mark.django_db
def test_jurors_cannot_use_the_screening_actions(client, make_user, submitted):
    juror = make_user(email="juror@example.kz", is_staff=True)  # even with admin access
    juror.groups.add(Group.objects.get(name="Jury"))
    client.force_login(juror)

    client.post(reverse("admin:applications_application_screen", args=[submitted.pk]))

    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


@pytest.mark.django_db
def test_applications_cannot_be_deleted_in_the_admin(client, staff, submitted):
    response = client.post(reverse("admin:applications_application_delete", args=[submitted.pk]),
                           {"post": "yes"})

    assert response.status_code == 403
    assert type(submitted).objects.filter(pk=submitted.pk).exists()


@pytest.mark.django_db
def test_the_rejection_reason_is_shown_to_the_applicant(client, staff, submitted):
    client.post(reverse("admin:applications_application_reject_documents", args=[submitted.pk]),
                {"reason": "Справка выдана на другой БИН"})
    client.force_login(submitted.organisation.members.get())

    page = client.get(reverse("applications:edit", args=[submitted.pk])).content.decode()
    assert "Справка выдана на другой БИН" in page
