"""Sponsorship contracts with the winners, and the programme's contract terms."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from ozgeris.models import Programme

from ..validators import validate_bik, validate_iik, validate_kbe
from .common import OutreachRecord

DEFAULT_AMOUNT = 500_000


class ContractTerms(models.Model):
    """What every winner's contract of a programme says: the amount and the grantor.
    Carried over to next year's edition."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("programme"))
    amount = models.PositiveBigIntegerField(_("amount per winner, ₸"), default=DEFAULT_AMOUNT)
    grantor_ru = models.CharField(_("grantor (Russian)"), max_length=300)
    grantor_kk = models.CharField(_("grantor (Kazakh)"), max_length=300)
    grantor_signatory_ru = models.CharField(_("grantor's signatory (Russian)"), max_length=300)
    grantor_signatory_kk = models.CharField(_("grantor's signatory (Kazakh)"), max_length=300)
    grantor_details = models.TextField(_("grantor's address and bank details"))
    city = models.CharField(_("city of signing"), max_length=100, default="Алматы")
    number_prefix = models.CharField(_("number prefix"), max_length=20, default="OU")

    class Meta:
        verbose_name = _("contract terms")
        verbose_name_plural = _("contract terms")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0),
                                   name="contract_terms_amount_positive"),
        ]

    def __str__(self):
        return str(self.programme)


class Contract(OutreachRecord):
    """A winner's sponsorship contract. The organisation fills in its signatory and bank
    details in the portal; staff check them before the contract is signed and paid."""

    class State(models.TextChoices):
        AWAITING_DETAILS = "awaiting_details", _("awaiting the organisation's details")
        DETAILS_SUBMITTED = "details_submitted", _("details submitted, to be checked")
        CHECKED = "checked", _("details checked")
        RETURNED = "returned", _("details returned for correction")

    class Payment(models.TextChoices):
        NOT_PAID = "not_paid", _("not paid")
        PAID = "paid", _("paid")

    application = models.OneToOneField(Application, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("winning application"))
    number = models.CharField(_("number"), max_length=40)
    amount = models.PositiveBigIntegerField(_("amount, ₸"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    state = models.CharField(_("details"), max_length=20, choices=State.choices,
                             default=State.AWAITING_DETAILS)
    payment = models.CharField(_("payment"), max_length=10, choices=Payment.choices,
                               default=Payment.NOT_PAID)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    # The organisation's details, filled in by its members
    signatory_name = models.CharField(_("signatory's full name"), max_length=200, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=200,
                                          blank=True)
    authority_basis = models.CharField(
        _("acting on the basis of"), max_length=200, blank=True,
        help_text=_("E.g. the charter, or a power of attorney with its number and date."))
    iik = models.CharField(_("IIK (IBAN)"), max_length=34, blank=True, validators=[validate_iik])
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bik = models.CharField(_("BIK"), max_length=11, blank=True, validators=[validate_bik])
    kbe = models.CharField(_("KBe"), max_length=2, blank=True, validators=[validate_kbe])
    details_submitted_at = models.DateTimeField(_("details submitted"), null=True, blank=True,
                                                editable=False)
    details_submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                             null=True, blank=True, editable=False,
                                             related_name="+",
                                             verbose_name=_("details submitted by"))
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True, editable=False)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, editable=False, related_name="+",
                                   verbose_name=_("checked by"))
    check_note = models.TextField(_("note to the organisation"), blank=True)

    dated_fields = ("signed_on", "paid_on")

    DETAIL_FIELDS = ("signatory_name", "signatory_position", "authority_basis", "iik",
                     "bank_name", "bik", "kbe")

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"],
                                    name="contract_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(condition=Q(payment="not_paid") | Q(paid_on__isnull=False),
                                   name="paid_contract_has_date",
                                   violation_error_message=_("Give the date of the payment.")),
        ]

    def __str__(self):
        return f"№{self.number}"

    @property
    def details_complete(self):
        return all(getattr(self, name) for name in self.DETAIL_FIELDS)

    @property
    def editable_by_organisation(self):
        return self.state != self.State.CHECKED
