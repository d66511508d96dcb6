"""The staff admin for the outreach records: each record with its short parts as inlines and
its long lists (a meeting's roster, the ceremony's guests) on pages of their own, its
evidence, filters and search; the roster and guest-list imports, the sign-in sheet and the
contract check."""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ozgeris.admin import CountColumnsAdmin, NoEmptyRows, count_column
from ozgeris.admin_services import apply_through_service, hold_back
from ozgeris.admin_widgets import ValidAutocompleteMixin
from ozgeris.models import Programme

from . import models, services
from .admin_files import FILE_WIDGETS, record_file
from .admin_imports import people_import_view
from .documents import contract_pdf, sign_in_sheet_pdf


class EvidenceInline(NoEmptyRows, GenericTabularInline):
    model = models.EvidenceFile
    formfield_overrides = FILE_WIDGETS
    fields = ["kind", "title", "file", "count", "archive_reference", "appendix"]


@admin.register(models.EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):
    """All evidence, including that of a whole activity, attached to the programme itself
    (the 72 photos of the meetings): pick the programme's type and id to add such evidence."""

    list_display = ["__str__", "kind", "activity", "content_type", "object_id", "appendix",
                    "count"]
    list_filter = ["kind", "activity", "content_type"]
    search_fields = ["title", "archive_reference", "appendix"]
    formfield_overrides = FILE_WIDGETS

    def get_urls(self):
        return [path("file/<path:name>", self.admin_site.admin_view(record_file),
                     name="events_record_file")] + super().get_urls()
    fields = ["content_type", "object_id", "kind", "activity", "title", "file", "count",
              "archive_reference", "appendix"]


def _pdf_response(filename, content):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class RecordAdmin(CountColumnsAdmin):
    """Shared by every per-programme record: filter by programme, evidence inline, the
    permission check of its own pages."""

    list_filter = ["programme"]
    list_select_related = ["programme"]
    formfield_overrides = FILE_WIDGETS

    def get_inlines(self, request, obj):
        return [*self.inlines, EvidenceInline]

    def _record(self, request, pk, *, change=False, queryset=None):
        """The record at ``pk`` for a page of this admin's own (an import, a PDF): 404 without
        one, 403 unless the person may change it (``change``) or at least see it."""
        record = get_object_or_404(self.model if queryset is None else queryset, pk=pk)
        allowed = (self.has_change_permission(request, record) if change
                   else self.has_view_permission(request, record))
        if not allowed:
            raise PermissionDenied
        return record


class HasListsAdmin(admin.ModelAdmin):
    """A record whose long lists (the ceremony's 200 guests, a meeting's roster) have pages of
    their own, filtered by the record and linked from its page with their counts, and an
    import, instead of inlines: as inlines they made the ceremony's form post some 1,500
    fields, more than Django accepts (DATA_UPLOAD_MAX_NUMBER_FIELDS), so it could not be saved.
    ``related_lists``: (model, its foreign key to the record, title); the change form template
    includes ``events/admin/related_lists.html``."""

    related_lists = ()

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None:
            context["related_lists"] = self._related_lists(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _related_lists(self, request, record):
        """Each list the person may see: its title, count, page and the link to add one."""
        lists = []
        for model, key, title in self.related_lists:
            model_admin = self.admin_site.get_model_admin(model)
            if not model_admin.has_view_permission(request):
                continue
            prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            lists.append({
                "title": title, "count": model._default_manager.filter(**{key: record}).count(),
                "url": f"{reverse(prefix + '_changelist')}?{key}__id__exact={record.pk}",
                "add_url": f"{reverse(prefix + '_add')}?{key}={record.pk}"
                if model_admin.has_add_permission(request) else ""})
        return lists


class ListPageAdmin(admin.ModelAdmin):
    """One of those lists: paginated, filtered by its record."""

    list_per_page = 50


# ---------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------

class QuestionInline(NoEmptyRows, admin.TabularInline):
    model = models.MeetingQuestion


@admin.register(models.InfoMeeting)
class InfoMeetingAdmin(HasListsAdmin, RecordAdmin):
    list_display = ["city", "region", "held_on", "partner_organisation", "participants",
                    "appendix"]
    list_filter = ["programme", "region"]
    search_fields = ["city", "venue", "partner_organisation", "roster__name"]
    inlines = [QuestionInline]
    related_lists = [(models.RosterEntry, "meeting", _("Participants"))]
    change_form_template = "events/admin/meeting_change_form.html"
    participants = count_column("roster", _("participants"))

    def get_urls(self):
        own = [
            path("<int:pk>/import/", self.admin_site.admin_view(self.import_roster),
                 name="events_infomeeting_import"),
            path("<int:pk>/sign-in-sheet.pdf", self.admin_site.admin_view(self.sign_in_sheet),
                 name="events_infomeeting_sign_in_sheet"),
        ]
        return own + super().get_urls()

    def _may_see_roster(self, request):
        return self.admin_site.get_model_admin(models.RosterEntry).has_view_permission(request)

    def render_change_form(self, request, context, *args, **kwargs):
        context["may_print_sign_in_sheet"] = self._may_see_roster(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def import_roster(self, request, pk):
        meeting = self._record(request, pk, change=True)
        return people_import_view(
            self, request, meeting, categories=models.ParticipantCategory.choices,
            existing=meeting.roster.values_list("name", "organisation"),
            save=lambda rows: services.import_roster(meeting=meeting, rows=rows,
                                                     by=request.user),
            title=_("Import the roster"))

    def sign_in_sheet(self, request, pk):
        """The roster as a PDF: each participant's name, contact and consent, so for those who
        may see the roster (its own permission), not only the meeting."""
        meeting = self._record(request, pk)
        if not self._may_see_roster(request):
            raise PermissionDenied
        return _pdf_response(f"sign-in-sheet-{meeting.pk}.pdf", sign_in_sheet_pdf(meeting))


@admin.register(models.RosterEntry)
class RosterEntryAdmin(ListPageAdmin):
    list_display = ["name", "organisation", "category", "meeting", "consent"]
    list_filter = ["meeting__programme", "meeting", "category", "consent"]
    search_fields = ["name", "organisation", "contact"]
    list_select_related = ["meeting"]
    fields = ["meeting", "name", "organisation", "category", "contact", "consent"]


@admin.register(models.FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question_ru", "order", "is_published"]
    list_filter = ["programme", "is_published"]
    list_editable = ["order", "is_published"]
    search_fields = ["question_ru", "question_kk", "question_en", "answer_ru"]
    filter_horizontal = ["asked_at"]


class AgreementInline(NoEmptyRows, admin.TabularInline):
    model = models.PartnerAgreement


@admin.register(models.PartnerMeeting)
class PartnerMeetingAdmin(RecordAdmin):
    list_display = ["title", "first_date", "place", "appendix"]
    search_fields = ["title", "place", "our_representatives", "their_representatives",
                     "agreements__text"]
    inlines = [AgreementInline]


# ---------------------------------------------------------------------------
# Letters
# ---------------------------------------------------------------------------

class AnswerInline(NoEmptyRows, admin.StackedInline):
    model = models.LetterAnswer
    formfield_overrides = FILE_WIDGETS
    fields = [("kind", "received_on", "reference"), "text", "scan"]


@admin.register(models.Letter)
class LetterAdmin(RecordAdmin):
    list_display = ["recipient", "recipient_kind", "sent_on", "outgoing_number", "answer_count"]
    list_filter = ["programme", "recipient_kind", "answers__kind"]
    search_fields = ["recipient", "outgoing_number", "answers__reference"]
    inlines = [AnswerInline]
    fieldsets = [
        (None, {"fields": ["programme", ("recipient", "recipient_kind"),
                           ("sent_on", "outgoing_number"), "scan", "appendix", "notes"]}),
        (_("Purposes"), {"fields": ["purpose_inform", "purpose_partnership",
                                    "purpose_ceremony", "purpose_media"]}),
    ]
    answer_count = count_column("answers", _("answers"))


# ---------------------------------------------------------------------------
# Publications, videos, mailings, channels
# ---------------------------------------------------------------------------

class PublicationReachInline(NoEmptyRows, admin.TabularInline):
    model = models.PublicationReach


class VideoReachInline(NoEmptyRows, admin.TabularInline):
    model = models.VideoReach


@admin.register(models.Publication)
class PublicationAdmin(ValidAutocompleteMixin, RecordAdmin):
    list_display = ["__str__", "kind", "platform", "outlet", "published_on", "language",
                    "subject"]
    list_filter = ["programme", "kind", "platform", "language", "subject"]
    search_fields = ["title", "outlet", "journalists", "url"]
    inlines = [PublicationReachInline]
    autocomplete_fields = ["meeting"]


@admin.register(models.Video)
class VideoAdmin(RecordAdmin):
    list_display = ["title", "kind", "published_on", "url"]
    list_filter = ["programme", "kind"]
    search_fields = ["title", "url"]
    inlines = [VideoReachInline]
    raw_id_fields = ["application"]


@admin.register(models.MailingCampaign)
class MailingCampaignAdmin(RecordAdmin):
    list_display = ["title", "channel", "list_owner", "messages_sent", "at_least", "sent_on"]
    list_filter = ["programme", "channel"]
    search_fields = ["title", "list_owner", "audience"]


@admin.register(models.ChannelSnapshot)
class ChannelSnapshotAdmin(admin.ModelAdmin):
    list_display = ["platform", "taken_on", "followers", "posts", "page_reach", "engagement"]
    list_filter = ["programme", "platform"]
    date_hierarchy = "taken_on"


# ---------------------------------------------------------------------------
# The ceremony and certificates
# ---------------------------------------------------------------------------

@admin.register(models.Ceremony)
class CeremonyAdmin(HasListsAdmin, RecordAdmin):
    list_display = ["__str__", "programme", "venue", "guest_count"]
    change_form_template = "events/admin/ceremony_change_form.html"
    related_lists = [
        (models.CeremonyGuest, "ceremony", _("Guests")),
        (models.GuestFeedback, "ceremony", _("Guests' feedback")),
        (models.FairExhibitor, "ceremony", _("Exhibitors at the fair")),
    ]
    guest_count = count_column("guests", _("guests"))

    def get_urls(self):
        return [path("<int:pk>/import/", self.admin_site.admin_view(self.import_guests),
                     name="events_ceremony_import")] + super().get_urls()

    def import_guests(self, request, pk):
        ceremony = self._record(request, pk, change=True)
        return people_import_view(
            self, request, ceremony, categories=models.GuestCategory.choices,
            existing=ceremony.guests.values_list("name", "organisation"),
            save=lambda rows: services.import_guests(ceremony=ceremony, rows=rows,
                                                     by=request.user),
            title=_("Import the guest list"))


class CeremonyListAdmin(ListPageAdmin):
    list_filter = ["ceremony__programme", "ceremony"]
    list_select_related = ["ceremony"]


@admin.register(models.CeremonyGuest)
class CeremonyGuestAdmin(CeremonyListAdmin):
    list_display = ["name", "organisation", "category", "consent", "ceremony"]
    list_filter = [*CeremonyListAdmin.list_filter, "category", "consent"]
    search_fields = ["name", "organisation", "contact"]
    fields = ["ceremony", "name", "organisation", "category", "contact", "consent"]


@admin.register(models.GuestFeedback)
class GuestFeedbackAdmin(CeremonyListAdmin):
    list_display = ["person", "role", "ceremony"]
    search_fields = ["person", "role", "quote"]


@admin.register(models.FairExhibitor)
class FairExhibitorAdmin(CeremonyListAdmin):
    list_display = ["name", "ceremony"]
    search_fields = ["name", "description"]


@admin.register(models.Certificate)
class CertificateAdmin(RecordAdmin):
    list_display = ["number", "laureate", "kind", "nomination", "issued_on"]
    list_filter = ["programme", "kind"]
    search_fields = ["laureate", "nomination"]
    raw_id_fields = ["application"]


# ---------------------------------------------------------------------------
# Contracts
# ---------------------------------------------------------------------------

@admin.register(models.ContractTerms)
class ContractTermsAdmin(admin.ModelAdmin):
    list_display = ["programme", "amount", "grantor_ru"]


class WinnersForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=_("programme"))


@admin.register(models.Contract)
class ContractAdmin(RecordAdmin):
    list_display = ["number", "organisation", "amount", "state", "payment", "signed_on",
                    "pdf_link"]
    list_filter = ["programme", "state", "payment"]
    search_fields = ["number", "application__organisation__name", "signatory_name", "iik"]
    list_select_related = ["programme", "application__organisation"]
    readonly_fields = ["application", "details_submitted_at", "details_submitted_by",
                       "checked_at", "checked_by", "state"]
    actions = ["accept_details"]
    fieldsets = [
        (None, {"fields": ["programme", "application", "number", "amount", "signed_on",
                           ("payment", "paid_on"), "appendix", "notes"]}),
        (_("The organisation's details"), {"fields": [
            "signatory_name", "signatory_position", "authority_basis", "iik", "bank_name",
            "bik", "kbe", "details_submitted_at", "details_submitted_by"]}),
        (_("Staff check"), {"fields": ["state", "check_note", "checked_at", "checked_by"]}),
    ]

    def has_add_permission(self, request):
        return False  # contracts are created for the winners by the service

    @admin.display(description=_("organisation"), ordering="application__organisation__name")
    def organisation(self, contract):
        return contract.application.organisation

    @admin.display(description="PDF")
    def pdf_link(self, contract):
        url = reverse("admin:events_contract_pdf", args=[contract.pk])
        return format_html('<a href="{}">PDF (ru)</a> · <a href="{}?language=kk">PDF (kk)</a>',
                           url, url)

    change_list_template = "events/admin/contract_change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "may_create_for_winners": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [path("<int:pk>/contract.pdf", self.admin_site.admin_view(self.pdf),
                     name="events_contract_pdf"),
                path("for-winners/", self.admin_site.admin_view(self.for_winners),
                     name="events_contract_for_winners")] + super().get_urls()

    def for_winners(self, request):
        """Contracts and certificates for the winners of a programme who have none yet. Creating
        them (and mailing the winners) is a change: the page is for those who may change
        contracts."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = WinnersForm(request.POST or None,
                           initial={"programme": Programme.objects.current()})
        if request.method == "POST" and form.is_valid():
            programme = form.cleaned_data["programme"]
            contracts = services.create_contracts(programme=programme, by=request.user)
            certificates = services.issue_certificates(programme=programme, by=request.user)
            messages.success(request, _("%(contracts)d contracts and %(certificates)d "
                                        "certificates were created.")
                             % {"contracts": len(contracts), "certificates": len(certificates)})
            return redirect("admin:events_contract_changelist")
        return TemplateResponse(request, "events/admin/for_winners.html", {
            **self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
            "title": _("Contracts and certificates for the winners"),
            "back_url": reverse("admin:events_contract_changelist"),
            "back_title": capfirst(self.model._meta.verbose_name_plural)})

    def pdf(self, request, pk):
        contract = self._record(request, pk, queryset=models.Contract.objects.select_related(
            "programme", "application__organisation"))
        language = "kk" if request.GET.get("language") == "kk" else "ru"
        return _pdf_response(f"contract-{contract.number}-{language}.pdf",
                             contract_pdf(contract, language))

    @admin.action(description=_("Accept the organisations' details"), permissions=["change"])
    def accept_details(self, request, queryset):
        for contract in queryset:
            try:
                services.check_contract_details(contract=contract, by=request.user,
                                                approved=True)
            except services.EventsError as exc:
                messages.error(request, f"{contract}: {exc}")
            else:
                messages.success(request, _("%(contract)s: details accepted.")
                                 % {"contract": contract})

    def save_model(self, request, obj, form, change):
        """A note typed while the details await the check returns them for correction; the
        payment is recorded through the service (logged); the rest is a staff edit."""
        payment = hold_back(obj, form, ("payment", "paid_on"))
        super().save_model(request, obj, form, change)
        if ("check_note" in form.changed_data and obj.check_note.strip()
                and obj.state == models.Contract.State.DETAILS_SUBMITTED):
            services.check_contract_details(contract=obj, by=request.user, approved=False,
                                            note=obj.check_note)
        if payment:
            apply_through_service(request, services.record_payment, services.EventsError,
                                  contract=obj, **payment)
