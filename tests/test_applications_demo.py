"""The applications part of ``seed_demo``: the 2019 applications as the final grant report
counts them (47 received, 46 screened, 1 rejected, 25 below the 80/20 line, 19 finalists among
the 21 above it, 15 of them winners), recorded through the services and leaving no email behind.
"""

import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from applications.demo import seed
from applications.models import (
    REQUIRED_DOCUMENTS,
    Application,
    ApplicationDocument,
    ApplicationVersion,
    LegalForm,
    Organisation,
    Status,
)
from applications.validators import bin_checksum_ok
from ozgeris.demo.programme import facts as programme_facts
from ozgeris.models import AuditEvent, OutboxMessage, User
from ozgeris.registries import demo_steps, ordered

ALMATY = ZoneInfo("Asia/Almaty")
ORGANISATIONS = seed.facts()["organisations"]
FINALISTS = [item for item in ORGANISATIONS if "finalist" in item]
WINNERS = [item for item in FINALISTS if item["winner"]]
# The ceremony's headings (report lines 459, 463, 467) and the NGO nominations they name.
HEADINGS = {459: "education", 463: "ecology", 467: "vulnerable-groups"}
PREFIXES = {"ОО": LegalForm.OO, "ОФ": LegalForm.OF, "ОБФ": LegalForm.OF, "Оф": LegalForm.OF,
            "КФ": LegalForm.KF, "ҚФ": LegalForm.KF, "ЧФ": LegalForm.CHF,
            "Частный": LegalForm.CHF, "ОЮЛ": LegalForm.OYUL, "ЮЛ": LegalForm.OYUL}


@pytest.fixture
def applications(demo_programme):
    return Application.objects.filter(programme=demo_programme).select_related(
        "organisation", "nomination"
    )


def _almaty(*args):
    return datetime(*args, tzinfo=ALMATY)


@pytest.mark.django_db
def test_47_applications_were_submitted_within_the_2019_intake(applications):
    assert applications.submitted().count() == 47
    assert set(applications.values_list("nomination__code", flat=True)) == {
        "education", "health", "ecology", "culture", "vulnerable-groups", "territories"}
    assert applications.filter(registry_consent=True).count() == 40
    assert all(
        _almaty(2019, 8, 20) <= application.submitted_at < _almaty(2019, 9, 24)
        and application.created_at <= application.submitted_at
        for application in applications
    )


@pytest.mark.django_db
def test_46_were_screened_and_1_rejected_before_the_sitting_of_1_october(applications):
    decisions = AuditEvent.objects.filter(
        action="application.status",
        content_type__model="application",
        object_id__in=[str(pk) for pk in applications.values_list("pk", flat=True)],
        details__to__in=[Status.SCREENED, Status.DOCUMENTS_REJECTED],
    )
    assert decisions.filter(details__to=Status.SCREENED).count() == 46
    rejected = decisions.get(details__to=Status.DOCUMENTS_REJECTED)
    assert rejected.details["reason"] == seed.facts()["rejection"]["reason"]
    assert all(event.created_at < _almaty(2019, 10, 1) for event in decisions)
    assert applications.filter(status=Status.DOCUMENTS_REJECTED).count() == 1


@pytest.mark.django_db
def test_25_of_the_screened_fail_the_80_20_rule_and_21_pass(applications):
    screened = applications.exclude(status=Status.DOCUMENTS_REJECTED)
    assert screened.filter(passes_80_20=False).count() == 25
    assert screened.filter(passes_80_20=True).count() == 21
    assert all(
        (application.income_share >= 20) == application.passes_80_20
        and application.financial_year == 2018
        for application in screened
    )


@pytest.mark.django_db
def test_the_19_finalists_carry_the_reports_names_and_pass_80_20(applications):
    assert len({item["name"] for item in FINALISTS}) == 19
    by_name = {application.organisation.name: application for application in applications}
    for item in FINALISTS:
        application = by_name[item["name"]]
        assert application.passes_80_20, item["name"]
        assert application.status != Status.DOCUMENTS_REJECTED
        assert application.nomination.code == item["nomination"]
        if "nomination_line" in item:
            assert HEADINGS[item["nomination_line"]] == item["nomination"]
        else:
            assert item["nomination"] in {"health", "culture", "territories"}
            assert item["nomination_reconstructed"]
        assert application.video_url


@pytest.mark.django_db
def test_the_15_winners_are_finalists_flagged_with_the_ceremony_lines():
    assert len(WINNERS) == 15
    assert all(459 < item["winner"]["line"] <= 482 for item in WINNERS)
    headed = [item for item in WINNERS if "nomination_line" in item]
    assert len(headed) == 9


def test_the_json_marks_what_the_report_does_not_give():
    for item in FINALISTS:
        assert "region_from_name" in item or "region_reconstructed" in item
        prefix = item["name"].split()[0]
        if prefix in PREFIXES:
            assert item["legal_form"] == PREFIXES[prefix], item["name"]
        else:
            assert item["legal_form"] == LegalForm.OF and item["legal_form_reconstructed"]
    fictional = [item for item in ORGANISATIONS if "finalist" not in item]
    assert len(fictional) == 28
    # Invented, but named as an organisation would be: nothing marked "demo" reaches a report.
    assert not any("демо" in item["name"].lower() for item in ORGANISATIONS)
    counts = seed.facts()["counts"]
    assert counts["received"]["value"] == len(ORGANISATIONS) == 47


@pytest.mark.django_db
def test_every_application_has_the_three_documents_and_one_version(applications):
    for application in applications:
        documents = list(application.documents.all())
        assert sorted(document.kind for document in documents) == sorted(REQUIRED_DOCUMENTS)
        assert all(document.file.storage.exists(document.file.name) for document in documents)
        assert application.versions.count() == 1
        application.full_clean()


@pytest.mark.django_db
def test_bins_are_valid_and_unique(applications):
    bins = [application.organisation.bin for application in applications]
    assert len(set(bins)) == 47
    assert all(bin_checksum_ok(value) for value in bins)


@pytest.mark.django_db
def test_a_second_run_adds_nothing(applications):
    models = (Application, Organisation, ApplicationDocument, ApplicationVersion, User,
              OutboxMessage, AuditEvent)
    before = [model.objects.count() for model in models]

    seed.seed(log=lambda message: None)

    assert [model.objects.count() for model in models] == before


@pytest.mark.django_db
def test_the_demo_applicant_belongs_to_one_organisation_with_a_passing_application(
    applications,
):
    applicant = User.objects.get(email=programme_facts()["demo_accounts"]["applicant"]["email"])
    organisation = applicant.organisations.get()
    item = next(item for item in ORGANISATIONS if item.get("applicant_account"))
    assert organisation.name == item["name"] and "finalist" not in item
    application = applications.get(organisation=organisation)
    assert application.passes_80_20 and application.status != Status.DOCUMENTS_REJECTED


@pytest.mark.django_db
def test_every_other_organisation_has_its_own_verified_member(applications):
    for application in applications.exclude(organisation__members__email__startswith="applicant"):
        member = application.organisation.members.get()
        assert member.email.endswith("@demo.ozgeris.kz")
        assert not member.has_usable_password()
        assert member.emailaddress_set.get().verified


@pytest.mark.django_db
def test_no_email_of_the_demo_is_left_to_send(applications):
    members = {member.email for application in applications
               for member in application.organisation.members.all()}
    unsent = [message for message in OutboxMessage.objects.filter(sent_at__isnull=True)
              if members & set(message.to)]
    assert unsent == []
    assert OutboxMessage.objects.filter(last_error=seed.NOT_SENT).count() >= 47


@pytest.fixture
def media_restored(tmp_path):
    """Reset deletes files that the rolled-back test database still points to: put them back."""
    media = settings.MEDIA_ROOT
    shutil.copytree(media, tmp_path / "media")
    yield
    shutil.rmtree(media)
    shutil.copytree(tmp_path / "media", media)


def _steps_from_applications_on():
    """This step and the later ones, whose rows (scores, votes) protect the applications."""
    steps = ordered(demo_steps)
    names = [step.name for step in steps]
    return steps[names.index("applications"):]


@pytest.mark.django_db
def test_reset_removes_what_seed_made_and_seed_rebuilds_it(
    applications, media_restored, django_capture_on_commit_callbacks
):
    files = [document.file for document in
             ApplicationDocument.objects.filter(application__in=applications)]
    applicant_email = programme_facts()["demo_accounts"]["applicant"]["email"]
    steps = _steps_from_applications_on()

    with django_capture_on_commit_callbacks(execute=True):
        for step in reversed(steps):
            if step.reset:
                step.reset(log=lambda message: None)

    assert not applications.exists()
    assert not Organisation.objects.filter(bin__in=seed.demo_bins().values()).exists()
    assert not User.objects.filter(email__regex=r"^org\d\d@demo\.ozgeris\.kz$").exists()
    assert User.objects.filter(email=applicant_email).exists()
    assert not any(file.storage.exists(file.name) for file in files)

    for step in steps:
        step.run(log=lambda message: None)

    assert applications.submitted().count() == 47
