"""The staff admin for the jury: pages load, read-only records stay read-only, and the two
actions (reopen a sheet, resolve a possible conflict) go through jury.services with a reason."""


import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from jury import services
from jury.exporters import protocol_context
from jury.models import Attendance, Conflict, Criterion, JuryMember, ScoreSheet, Sitting
from ozgeris.models import AuditEvent

from .factories import ApplicationFactory, OrganisationFactory, juror


@pytest.fixture
def submitted_sheet(programme, make_user):
    user = make_user(email="juror@example.kz", display_name="Juror One")
    member = JuryMember.objects.create(programme=programme, user=user, affiliation="Independent")
    application = ApplicationFactory(programme=programme, status="eligible",
                                     nomination=programme.nominations.get(code="education"))
    values = {c.pk: (4, "") for c in Criterion.objects.filter(programme=programme)}
    return services.save_sheet(juror=member, application=application, values=values,
                               submit=True, by=user)


def changelist(model):
    return reverse(f"admin:jury_{model}_changelist")


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["jurymember", "criterion", "jurysettings", "sitting",
                                   "conflict", "scoresheet", "eligibilitydecision", "tiebreak",
                                   "nominee", "nomineevote"])
def test_every_jury_admin_page_opens_for_staff(client, staff, submitted_sheet, model):
    client.force_login(staff)

    assert client.get(changelist(model)).status_code == 200
    assert client.get(reverse(f"admin:jury_{model}_add")).status_code in (200, 403)


@pytest.mark.django_db
def test_a_score_sheet_is_read_only_in_the_admin(client, staff, submitted_sheet):
    client.force_login(staff)
    url = reverse("admin:jury_scoresheet_change", args=[submitted_sheet.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:jury_scoresheet_add")).status_code == 403


@pytest.mark.django_db
def test_staff_reopen_a_submitted_sheet_with_a_reason(client, staff, submitted_sheet):
    client.force_login(staff)
    selection = {"action": "reopen", helpers.ACTION_CHECKBOX_NAME: [submitted_sheet.pk]}

    page = client.post(changelist("scoresheet"), {**selection, "index": 0})
    assert page.status_code == 200
    assert b'name="reason"' in page.content
    submitted_sheet.refresh_from_db()
    assert submitted_sheet.state == ScoreSheet.State.SUBMITTED  # not before the reason

    done = client.post(changelist("scoresheet"), {**selection, "apply": "1",
                                                  "reason": "Juror mistyped a score"})
    assert done.status_code == 302
    submitted_sheet.refresh_from_db()
    assert submitted_sheet.state == ScoreSheet.State.DRAFT
    event = AuditEvent.objects.get(action="jury.sheet_reopened",
                                   object_id=str(submitted_sheet.application_id))
    assert event.details["reason"] == "Juror mistyped a score"


@pytest.mark.django_db
def test_staff_dismiss_a_possible_conflict_through_the_service(client, staff, programme,
                                                              make_user):
    user = make_user(email="j@ef-ca.kz", display_name="J")
    member = JuryMember.objects.create(programme=programme, user=user, affiliation="EF",
                                       email_domain="ef-ca.kz")
    ApplicationFactory(programme=programme, status="eligible",
                       organisation=OrganisationFactory(contact_email="info@ef-ca.kz"))
    services.detect_conflicts(programme=programme)
    conflict = Conflict.objects.get(juror=member)
    client.force_login(staff)

    client.post(changelist("conflict"), {"action": "dismiss_conflicts", "apply": "1",
                                         helpers.ACTION_CHECKBOX_NAME: [conflict.pk],
                                         "reason": "Different department"})

    conflict.refresh_from_db()
    assert (conflict.state, conflict.reason) == (Conflict.State.DISMISSED,
                                                 "Different department")


@pytest.mark.django_db
def test_attendance_is_recorded_with_the_sitting(client, staff, submitted_sheet, programme):
    client.force_login(staff)
    member = submitted_sheet.juror
    data = {
        "programme": programme.pk, "subject": "applications",
        "starts_at_0": "2031-10-12", "starts_at_1": "10:00", "place": "Almaty",
        "agenda": "Finalists", "decisions": "",
        "attendance-TOTAL_FORMS": "1", "attendance-INITIAL_FORMS": "0",
        "attendance-0-member": member.pk, "attendance-0-presence": "online",
    }

    response = client.post(reverse("admin:jury_sitting_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    sitting = Sitting.objects.get(programme=programme)
    assert [(a.member, a.presence) for a in sitting.attendance.all()] == [(member, "online")]


@pytest.mark.django_db
def test_a_juror_seated_in_the_admin_can_enter_the_panel(client, programme, staff, make_user):
    person = make_user(email="new.juror@example.kz", display_name="New juror")
    client.force_login(staff)
    client.post(reverse("admin:jury_jurymember_add"), {
        "programme": programme.pk, "user": person.pk, "role": "member",
        "affiliation": "Independent", "email_domain": "", "order": 0})

    assert JuryMember.objects.filter(user=person, programme=programme).exists()
    client.force_login(person)
    assert client.get(reverse("jury_panel:index")).status_code == 200


@pytest.mark.django_db
def test_the_sittings_present_column_counts_whom_the_minutes_list_as_present(
        client, staff, programme, make_user):
    """One rule of who attended a sitting (in person or online) for the admin and the minutes."""
    sitting = Sitting.objects.create(programme=programme, subject=Sitting.Subject.APPLICATIONS,
                                     starts_at=timezone.now())
    for name, presence in (("Here", "in_person"), ("Remote", "online"), ("Away", "absent")):
        Attendance.objects.create(sitting=sitting, member=juror(programme, make_user, name),
                                  presence=presence)
    client.force_login(staff)

    listed = client.get(changelist("sitting")).context["cl"].result_list.get(pk=sitting.pk)
    [minutes] = protocol_context(programme)["sittings"]
    assert listed.present_count == len(minutes["present"]) == 2
    assert [a.member.user.display_name for a in minutes["present"]] == ["Here", "Remote"]
