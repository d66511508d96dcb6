"""Every change to the outreach records that is more than a staff edit in the admin: roster
and guest-list imports, certificates and contracts for the winners, the winners' contract
details and the staff check. Each is one transaction with an audit entry."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Status
from applications.services import email_members
from ozgeris import audit
from ozgeris.links import portal_link

from .models import (
    DEFAULT_AMOUNT,
    CeremonyGuest,
    Certificate,
    Contract,
    ContractTerms,
    RosterEntry,
)
from .validators import without_bidi_controls

PERSON_FIELDS = ("name", "organisation", "category", "contact", "consent")


class EventsError(Exception):
    """A change the rules refuse; the message is for the person who asked."""


def _people(model, parent_field, parent, rows):
    return [model(**{parent_field: parent}, **{name: row[name] for name in PERSON_FIELDS})
            for row in rows]


def _import(model, parent_field, parent, rows, by, action, now):
    """All rows or none: one bulk insert in one transaction; a clash with an entry added
    since the preview rolls the whole file back. The bulk insert checks no choices: a row of
    a category the list does not take refuses the file."""
    categories = {value for value, _label in model._meta.get_field("category").choices}
    if any(row["category"] not in categories for row in rows):
        raise EventsError(_("Nothing was imported: a row has a category this list does not "
                            "take. Upload the file again."))
    try:
        with transaction.atomic():
            created = model.objects.bulk_create(_people(model, parent_field, parent, rows))
            audit.record(by, action, parent, at=now, rows=len(created))
    except IntegrityError as exc:
        raise EventsError(_("Nothing was imported: some people were added to the list since "
                            "the preview. Upload the file again.")) from exc
    return len(created)


def import_roster(*, meeting, rows, by, now=None):
    """Add the confirmed preview ``rows`` to ``meeting``'s roster. Side effects: the roster
    entries, an audit entry ``events.roster_imported``. Raises EventsError, saving nothing."""
    return _import(RosterEntry, "meeting", meeting, rows, by, "events.roster_imported", now)


def import_guests(*, ceremony, rows, by, now=None):
    """Add the confirmed preview ``rows`` to the ceremony's guest list (as import_roster)."""
    return _import(CeremonyGuest, "ceremony", ceremony, rows, by, "events.guests_imported", now)


# ---------------------------------------------------------------------------
# Certificates and contracts for the winners
# ---------------------------------------------------------------------------

def winners(programme):
    return (Application.objects.filter(programme=programme, status=Status.WINNER)
            .select_related("organisation", "nomination").order_by("nomination__order",
                                                                    "organisation__name"))


def contract_terms(programme):
    """The programme's contract terms (created with the defaults when missing)."""
    terms, _created = ContractTerms.objects.get_or_create(
        programme=programme,
        defaults={"amount": DEFAULT_AMOUNT,
                  "grantor_ru": "Корпоративный фонд «Act for Impact»",
                  "grantor_kk": "«Act for Impact» корпоративтік қоры",
                  "grantor_signatory_ru": "директора, действующего на основании Устава",
                  "grantor_signatory_kk": "Жарғы негізінде әрекет ететін директор",
                  "grantor_details": "г. Алматы"})
    return terms


def create_contracts(*, programme, by, now=None, notify=True):
    """A contract, with the programme's amount, for every winner that has none yet.
    Side effects: the contracts, an audit entry ``events.contracts_created`` and, unless
    ``notify`` is off (the demo replaying 2019), an email through the outbox to each winning
    organisation's members asking for their contract details. Returns the contracts."""
    now = now or timezone.now()
    with transaction.atomic():
        terms = contract_terms(programme)
        have = set(Contract.objects.filter(programme=programme)
                   .values_list("application_id", flat=True))
        numbers = set(Contract.objects.filter(programme=programme)
                      .values_list("number", flat=True))
        new, serial = [], 0
        for application in winners(programme):
            if application.pk in have:
                continue
            serial += 1
            while (number := f"{terms.number_prefix}-{programme.year}-{serial:03d}") in numbers:
                serial += 1
            numbers.add(number)
            new.append(Contract(programme=programme, application=application, number=number,
                                amount=terms.amount))
        Contract.objects.bulk_create(new)
        if new:
            audit.record(by, "events.contracts_created", programme, at=now, count=len(new))
        if notify:
            for contract in new:
                _ask_for_details(contract)
    return new


def _ask_for_details(contract):
    """Each active member of the winning organisation is asked for the contract's details."""
    email_members(contract.application, "events/email/contract_ready", {
        "organisation": contract.application.organisation.name,
        "programme": contract.programme, "number": contract.number,
        "url": portal_link("events:contract", args=[contract.pk]),
    }, "events:contract_ready")


def issue_certificates(*, programme, by, issued_on=None, now=None):
    """A numbered certificate for every winner without one. Side effects: the certificates,
    an audit entry ``events.certificates_issued``. Returns them."""
    with transaction.atomic():
        existing = Certificate.objects.filter(programme=programme)
        have = set(existing.values_list("application_id", flat=True))
        number = max(existing.values_list("number", flat=True), default=0)
        new = []
        for application in winners(programme):
            if application.pk in have:
                continue
            number += 1
            new.append(Certificate(
                programme=programme, kind=Certificate.Kind.WINNER, number=number,
                application=application, laureate=application.organisation.name,
                nomination=application.nomination.title_ru, issued_on=issued_on))
        Certificate.objects.bulk_create(new)
        if new:
            audit.record(by, "events.certificates_issued", programme, at=now, count=len(new))
    return new


def submit_contract_details(*, contract, details, by, now=None):
    """The winning organisation's signatory and bank details, without direction controls
    (``validators.without_bidi_controls``). Side effects: the contract's details and state (to
    be checked), an audit entry. Raises EventsError once staff have checked them."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if not locked.editable_by_organisation:
            raise EventsError(_("The details were checked by the programme staff and can no "
                                "longer be changed; write to them if something is wrong."))
        for name in Contract.DETAIL_FIELDS:
            setattr(locked, name, without_bidi_controls(details[name]))
        locked.state = Contract.State.DETAILS_SUBMITTED
        locked.details_submitted_at = now
        locked.details_submitted_by = by
        locked.save()
        audit.record(by, "events.contract_details", locked, at=now)
    return locked


def check_contract_details(*, contract, by, approved, note="", now=None):
    """Staff accept the details (the contract can be signed) or return them with a note."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.state == Contract.State.AWAITING_DETAILS or not locked.details_complete:
            raise EventsError(_("The organisation has not filled in its details yet."))
        if not approved and not note.strip():
            raise EventsError(_("Say what the organisation must correct."))
        locked.state = Contract.State.CHECKED if approved else Contract.State.RETURNED
        locked.checked_at = now if approved else None
        locked.checked_by = by if approved else None
        locked.check_note = note
        locked.save()
        audit.record(by, "events.contract_checked", locked, at=now, approved=approved,
                     note=note)
    return locked


def record_payment(*, contract, payment, paid_on, by, now=None):
    """Staff record whether the contract's amount was paid, and when. Side effects: the
    contract's payment fields, an audit entry ``events.contract_payment``. A payment needs its
    date; a contract marked unpaid has none."""
    if payment == Contract.Payment.PAID and paid_on is None:
        raise EventsError(_("Give the date of the payment."))
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        previous = locked.payment
        locked.payment = payment
        locked.paid_on = paid_on if payment == Contract.Payment.PAID else None
        locked.save(update_fields=["payment", "paid_on"])
        audit.record(by, "events.contract_payment", locked, at=now, previous=previous,
                     payment=payment, paid_on=str(locked.paid_on or ""))
    return locked
