"""One home per rule (issue 17): who is a finalist, how a file field checks a file and how a
link in mail is made are each decided in one place; each test here changes or moves that place
and sees every consumer follow it."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import clear_script_prefix, set_script_prefix
from django.utils import timezone, translation
from django.utils.http import urlencode
from openpyxl import load_workbook

from applications import models as application_models
from applications import organisations as application_organisations
from applications import services as application_services
from applications.models import Application, Status
from events import services as event_services
from jury import exporters
from jury import services as jury_services
from ozgeris import outbox, registries
from ozgeris.links import portal_link
from ozgeris.registries import no_progress
from voting import checkpoints
from voting import services as voting_services

from .factories import ApplicationFactory, OrganisationFactory, juror

# ---------------------------------------------------------------------------
# Finalists: ApplicationQuerySet.finalists
# ---------------------------------------------------------------------------


@pytest.fixture
def one_in_each_status(programme):
    return {status: ApplicationFactory(programme=programme, status=status) for status in Status}


def finalists_as_counted(programme):
    """Who the grant report's indicator, the finalists export and the jury's minutes count
    as finalists: (count, exported organisations, organisations in the minutes)."""
    count = registries.indicator_sources.get("applications.finalists")(programme)
    with translation.override("en"):
        _name, _type, content = exporters.render_finalists(programme, {}, no_progress)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    column = header.index("Organisation")
    exported = {row[column] for row in rows}
    minutes = {result.application.organisation.name
               for group in exporters.protocol_context(programme)["decision_groups"]
               for result in group["finalists"]}
    return count, exported, minutes


def names(*applications):
    return {application.organisation.name for application in applications}


@pytest.mark.django_db
def test_the_finalists_are_the_jurys_finalists_and_the_votes_winners(programme,
                                                                     one_in_each_status):
    finalist, winner = one_in_each_status[Status.FINALIST], one_in_each_status[Status.WINNER]

    assert set(Application.objects.finalists(programme)) == {finalist, winner}
    assert finalists_as_counted(programme) == (2, names(finalist, winner),
                                               names(finalist, winner))


@pytest.mark.django_db
def test_the_indicator_and_the_jury_exports_follow_the_querysets_rule(programme,
                                                                      one_in_each_status,
                                                                      monkeypatch):
    """Were the rule to change in its one home, every count and list changes with it."""
    monkeypatch.setattr(application_models, "FINALIST_STATUSES", (Status.WINNER,))
    winner = one_in_each_status[Status.WINNER]

    assert finalists_as_counted(programme) == (1, names(winner), names(winner))


# ---------------------------------------------------------------------------
# File fields: ozgeris.uploads.check_new_file
# ---------------------------------------------------------------------------

FILE_FIELDS = [field for model in apps.get_models() for field in model._meta.get_fields()
               if isinstance(field, models.FileField) and field.validators]


@pytest.mark.parametrize("field", FILE_FIELDS, ids=lambda field: str(field))
def test_a_file_field_refuses_a_renamed_script_and_leaves_a_stored_file_alone(field):
    renamed_script = SimpleUploadedFile("agenda.pdf", b"<script>alert(1)</script>")
    with pytest.raises(ValidationError):
        field.run_validators(renamed_script)
    # Saving a form that keeps the stored file must not read it back (it is not there).
    field.run_validators(field.attr_class(field.model(), field, "nowhere/kept.pdf"))


def test_the_outreach_and_programme_files_are_checked_by_the_upload_validators():
    """events and ozgeris name their field validators in ozgeris.uploads, not a copy."""
    places = {(field.model._meta.label, field.name): {validator.__module__
                                                      for validator in field.validators}
              for field in FILE_FIELDS if field.model._meta.app_label in {"events", "ozgeris"}}

    assert {module for modules in places.values() for module in modules} == {"ozgeris.uploads"}


# ---------------------------------------------------------------------------
# Links in mail: ozgeris.links.portal_link
# ---------------------------------------------------------------------------

PORTAL = "https://ozgeris.kz"


def test_a_portal_link_is_the_portals_address_the_views_path_and_the_query(settings):
    settings.PORTAL_URL = PORTAL

    assert portal_link("voting:checkpoints", args=[2031]) == f"{PORTAL}/vote/2031/checkpoints/"
    assert portal_link("voting:receipt", query={"code": "AB12 CD34"}) == (
        f"{PORTAL}/vote/receipt/?code=AB12+CD34")
    set_script_prefix("/portal/")  # served under a sub-path (FORCE_SCRIPT_NAME in tasks)
    try:
        assert portal_link("jury_panel:index") == f"{PORTAL}/portal/jury/"
    finally:
        clear_script_prefix()


@pytest.fixture
def moved(settings):
    """Every page of the portal served under /moved/: where the mailed links must go."""
    settings.PORTAL_URL = PORTAL
    settings.ROOT_URLCONF = "tests.moved_urls"
    return f"{PORTAL}/moved"


def mailed():
    """The outbox sent now: each recipient's body."""
    mail.outbox.clear()
    outbox.drain()
    return {message.to[0]: message.body for message in mail.outbox}


@pytest.mark.django_db
def test_the_jurors_reminder_links_the_panel_where_the_url_conf_serves_it(
        moved, programme, make_user, time_machine):
    member = juror(programme, make_user, "Busy")
    ApplicationFactory(programme=programme, status=Status.ELIGIBLE)
    time_machine.move_to(programme.scoring_closes_at - timedelta(days=2))

    assert jury_services.send_scoring_reminders() == 1
    assert f"{moved}/jury/" in mailed()[member.user.email]


@pytest.mark.django_db
def test_the_extension_mail_links_the_applicants_dashboard(moved, programme, make_user, staff):
    member = make_user(email="member@example.kz")
    organisation = OrganisationFactory(members=[member])

    application_services.grant_extension(
        programme=programme, organisation=organisation, reason="The bank is late",
        until=timezone.now() + timedelta(days=3), by=staff)

    assert f"{moved}/apply/" in mailed()[member.email]


@pytest.mark.django_db
def test_the_invitation_links_its_acceptance(moved, make_user):
    owner = make_user(email="owner@example.kz")

    invitation = application_organisations.invite_member(
        organisation=OrganisationFactory(members=[owner]), email="colleague@example.kz",
        by=owner)

    assert f"{moved}/apply/invitations/{invitation.token}/" in mailed()["colleague@example.kz"]


@pytest.mark.django_db
def test_the_contract_mail_links_the_contract(moved, programme, make_user, staff):
    member = make_user(email="member@winner.kz")
    ApplicationFactory(programme=programme, status=Status.WINNER,
                       organisation=OrganisationFactory(members=[member]))

    [contract] = event_services.create_contracts(programme=programme, by=staff)

    assert f"{moved}/apply/contracts/{contract.pk}/" in mailed()[member.email]


@pytest.mark.django_db
def test_the_receipt_mail_links_the_check_page_with_the_code(moved, finalists, voter):
    ballot = voting_services.cast_vote(voter=voter, finalist=finalists[0])

    voting_services.seal_and_email_receipts(finalists[0].programme_id)

    link = f"{moved}/vote/receipt/?{urlencode({'code': ballot.receipt})}"
    assert link in mailed()[voter.email]


@pytest.mark.django_db
def test_the_checkpoint_mail_links_the_checkpoints_page(moved, finalists, voter, staff,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the vote sealed in the ledger
        voting_services.cast_vote(voter=voter, finalist=finalists[0])

    assert checkpoints.make_checkpoint(finalists[0].programme) is not None
    assert f"{moved}/vote/2031/checkpoints/" in mailed()[staff.email]
