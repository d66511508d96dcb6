"""The applications part of ``seed_demo``: the 47 applications of 2019 as the final grant
report describes them. 47 were received, 46 passed screening and 1 was rejected. Of the 46,
25 fell below the 80/20 line. The 19 finalists are among the 21 above it.

Facts come from ``applications-2019.json`` beside this file (the project's own copy, with the
report's line numbers; what the report does not give is marked "reconstructed" there).
Everything is recorded through ``applications.services`` with the 2019 dates, so the audit log,
the submitted versions and the documents look as if the NGOs had used the portal. The
confirmation emails those services queue are marked sent and never delivered.

Idempotent: a second run changes nothing. The jury and voting steps take the applications on
from "screened"; this step only records the finalist and winner facts in the JSON.
"""

import json
from datetime import timedelta
from functools import cache
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ozgeris.demo.programme import almaty
from ozgeris.demo.programme import facts as programme_facts
from ozgeris.models import AuditEvent, OutboxMessage, Programme, Region, User
from ozgeris.pdf import render_pdf

from .. import organisations, services
from ..models import Application, ApplicationDocument, Organisation
from ..validators import bin_checksum_ok

DATA_FILE = Path(__file__).with_name("applications-2019.json")
YEAR = 2019
MEMBER_DOMAIN = "demo.ozgeris.kz"
DOCUMENT_TEMPLATE = "applications/pdf/demo_document.html"
NOT_SENT = "demo data: not sent"

ORGANISATION_FIELDS = ("name", "legal_form", "city", "contact_person", "phone", "year_founded")
APPLICATION_FIELDS = (
    "project_title", "social_problem", "solution", "beneficiaries", "beneficiaries_count",
    "impact_evidence", "products", "customers", "prices", "sales_channels",
    "years_in_operation", "team", "registry_consent", "total_income", "entrepreneurial_income",
)


@cache
def facts():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))



def demo_bin(number, year_founded):
    """A valid BIN that is the same on every run. The stem is the founding year and a month
    (YYMM), 4 (a resident legal entity), 0 (a head office) and a serial in the 99xxx range. The
    check digit is the one ``bin_checksum_ok`` accepts; a stem with none moves to the next serial.
    """
    month = (number - 1) % 12 + 1
    for serial in range(99000 + number * 10, 99010 + number * 10):
        stem = f"{year_founded % 100:02d}{month:02d}40{serial}"
        for digit in "0123456789":
            if bin_checksum_ok(stem + digit):
                return stem + digit
    raise ValueError(f"no valid BIN for organisation {number}")


def demo_bins():
    """organisation key → BIN, for every organisation in the JSON."""
    return {
        item["key"]: demo_bin(number, item["year_founded"])
        for number, item in enumerate(facts()["organisations"], start=1)
    }


def member_email(item):
    """The member account of an organisation: the demo applicant's for the one marked
    ``applicant_account``, otherwise ``<key>@demo.ozgeris.kz``."""
    if item.get("applicant_account"):
        return programme_facts()["demo_accounts"]["applicant"]["email"]
    return f"{item['key']}@{MEMBER_DOMAIN}"


def _member(email, name, joined):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, display_name=name, date_joined=joined,
                    personal_data_consent_at=joined)
        user.set_unusable_password()
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _document_pdfs(documents):
    """kind → (file name, PDF bytes): rendered once per run and shared by every application,
    since the real documents stay in the programme's archive."""
    return {
        item["kind"]: (
            item["file_name"],
            render_pdf(DOCUMENT_TEMPLATE, {"title": item["title"], "note": documents["note"]}),
        )
        for item in documents["items"]
    }


def seed(*, log=print):
    """Record the 47 applications, unless the demo organisations are already there."""
    data = facts()
    bins = demo_bins()
    if Organisation.objects.filter(bin__in=bins.values()).exists():
        log(f"applications {YEAR}: already there")
        return
    programme = Programme.objects.get(year=YEAR)
    nominations = {nomination.code: nomination for nomination in programme.nominations.all()}
    regions = {region.code: region for region in Region.objects.all()}
    staff = User.objects.get(email=programme_facts()["demo_accounts"]["staff"]["email"])
    pdfs = _document_pdfs(data["documents"])
    with transaction.atomic():
        last_message = OutboxMessage.objects.aggregate(last=Max("id"))["last"] or 0
        recorded = [
            (item, _apply(item, programme=programme, bin_number=bins[item["key"]],
                          nomination=nominations[item["nomination"]],
                          region=regions[item["region"]], financial_year=data["financial_year"],
                          pdfs=pdfs))
            for item in sorted(data["organisations"],
                               key=lambda item: item["application"]["started"])
        ]
        for item, application in sorted(recorded,
                                        key=lambda pair: pair[0]["application"]["screening"]):
            when = almaty(item["application"]["screening"])
            if item["application"]["outcome"] == "documents_rejected":
                services.reject_documents(application=application, by=staff, now=when,
                                          reason=data["rejection"]["reason"])
            else:
                services.screen_application(application=application, by=staff, now=when)
        # The services queued a confirmation per submission; the NGOs of 2019 must not get them.
        OutboxMessage.objects.filter(id__gt=last_message, sent_at__isnull=True).update(
            sent_at=timezone.now(), last_error=NOT_SENT
        )
    log(f"applications {YEAR}: {len(recorded)} recorded")


def _apply(item, *, programme, bin_number, nomination, region, financial_year, pdfs):
    """One organisation's 2019 path: it registers, starts the application, fills it in,
    uploads the three documents and submits, each step at its own 2019 moment."""
    info = item["application"]
    started = almaty(info["started"])
    member = _member(member_email(item), item["contact_person"], started)
    organisation = organisations.create_organisation(
        by=member,
        bin=bin_number,
        region=region,
        contact_email=member.email,
        website=item.get("website", ""),
        social_links="\n".join(item.get("social_links", [])),
        now=started,
        **{field: item[field] for field in ORGANISATION_FIELDS},
    )
    application, _created = services.start_application(
        programme=programme, organisation=organisation, nomination=nomination, by=member,
        now=started,
    )
    for field in APPLICATION_FIELDS:
        setattr(application, field, info[field])
    application.video_url = info.get("video_url", "")
    application.financial_year = financial_year
    moment = started + timedelta(minutes=20)
    services.save_draft(application=application, by=member, now=moment,
                        fields=[*APPLICATION_FIELDS, "video_url", "financial_year"])
    for kind, (file_name, content) in pdfs.items():
        moment += timedelta(minutes=3)
        services.upload_document(application=application, kind=kind, by=member, now=moment,
                                 file=ContentFile(content, name=file_name))
    return services.submit_application(application=application, by=member,
                                       now=almaty(info["submitted"]))


def reset(*, log=print):
    """Remove what ``seed`` made: the demo organisations with all their applications (their
    documents, versions and document requests go with them), the audit entries about them, the
    confirmations it marked as not sent and the member accounts. The demo applicant's account
    stays: it belongs to the programme step. The documents' files are deleted once the deletion
    is committed, so a rollback keeps them."""
    organisations = Organisation.objects.filter(bin__in=demo_bins().values())
    applications = Application.objects.filter(organisation__in=organisations)
    files = [
        (document.file.storage, document.file.name)
        for document in ApplicationDocument.objects.filter(application__in=applications)
    ]
    with transaction.atomic():
        counts = {"applications": applications.count(), "organisations": organisations.count()}
        for model, queryset in ((Application, applications), (Organisation, organisations)):
            AuditEvent.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in queryset.values_list("pk", flat=True)],
            ).delete()
        applications.delete()
        organisations.delete()
        OutboxMessage.objects.filter(purpose__startswith="applications:",
                                     last_error=NOT_SENT).delete()
        User.objects.filter(
            email__in=[member_email(item) for item in facts()["organisations"]
                       if not item.get("applicant_account")]
        ).delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
    log(f"applications {YEAR}: removed {counts['applications']} applications and "
        f"{counts['organisations']} organisations")
