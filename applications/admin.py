"""The staff admin for applications: filters, search, documents, status history and the
screening actions. Statuses change only through ``applications.services``."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ozgeris.admin import NoEmptyRows, ReadOnlyInline
from ozgeris.admin_widgets import ValidAutocompleteMixin
from ozgeris.audit import history
from ozgeris.collation import collation_key
from ozgeris.models import Nomination

from . import models, organisations, services


class NominationFilter(admin.RelatedFieldListFilter):
    """Nominations keep their names from one edition to the next: those of the programme
    chosen in the programme filter, or each with its year."""

    def field_choices(self, field, request, model_admin):
        nominations = Nomination.objects.select_related("programme").order_by(
            "-programme__year", "kind", "order")
        chosen = request.GET.get("programme__id__exact")
        if chosen and chosen.isdigit():
            return [(item.pk, item.title) for item in nominations.filter(programme_id=chosen)]
        return [(item.pk, f"{item.title} ({item.programme.year})") for item in nominations]


class RegionFilter(admin.RelatedFieldListFilter):
    """Regions in the alphabetical order of the page's language."""

    def field_choices(self, field, request, model_admin):
        choices = super().field_choices(field, request, model_admin)
        return sorted(choices, key=lambda choice: collation_key(choice[1]))


def _status_label(value):
    return models.Status(value).label if value in models.Status.values else (value or "—")


class DocumentInline(ReadOnlyInline):
    model = models.ApplicationDocument
    fields = ["kind", "download", "size", "content_type", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, document):
        url = reverse("applications:document", args=[document.application_id, document.pk])
        return format_html('<a href="{}">{}</a>', url, document.original_name)


class VersionInline(ReadOnlyInline):
    model = models.ApplicationVersion
    fields = ["number", "submitted_at", "submitted_by"]
    readonly_fields = fields


class DocumentRequestInline(ReadOnlyInline):
    model = models.DocumentRequest
    fields = ["requested_at", "kinds", "message", "requested_by", "fulfilled_at"]
    readonly_fields = fields


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the applicant is told)"), widget=forms.Textarea,
                             max_length=2000)


class ApproveProfileForm(forms.Form):
    """Carries the version of the profile the reviewer saw, so a later change is not
    published unseen."""

    seen_version = forms.CharField(widget=forms.HiddenInput)


class DocumentRequestForm(forms.Form):
    kinds = forms.MultipleChoiceField(label=_("Documents"), choices=models.DocumentKind.choices,
                                      widget=forms.CheckboxSelectMultiple)
    message = forms.CharField(label=_("What is missing (the applicant is told)"),
                              widget=forms.Textarea, max_length=2000)


@admin.register(models.Application)
class ApplicationAdmin(admin.ModelAdmin):
    # What staff compare at a glance, in one 1280 px screen; the region is a filter.
    list_display = ["organisation", "nomination", "project_title", "status", "income_share",
                    "passes_80_20", "submitted_at"]
    list_filter = ["programme", "status", ("nomination", NominationFilter),
                   ("organisation__region", RegionFilter), "organisation__legal_form",
                   "passes_80_20"]
    search_fields = ["organisation__name", "organisation__bin", "project_title"]
    list_select_related = ["organisation", "organisation__region", "nomination"]
    list_per_page = 50
    date_hierarchy = "submitted_at"
    inlines = [DocumentInline, DocumentRequestInline, VersionInline]
    fieldsets = [
        (None, {"fields": ["programme", "organisation", "nomination", "status", "submitted_at"]}),
        (_("The project"), {"fields": ["project_title", "social_problem", "solution",
                                       "beneficiaries", "beneficiaries_count",
                                       "impact_evidence"]}),
        (_("Business model"), {"fields": ["products", "customers", "prices", "sales_channels",
                                          "years_in_operation", "team"]}),
        (_("Finances and the 80/20 rule"), {"fields": [
            "financial_year", "total_income", "entrepreneurial_income", "income_share",
            "income_share_threshold", "passes_80_20"]}),
        (_("Public profile"), {"fields": ["video_url", "registry_consent", "pending_photo_link",
                                          "public_photo", "public_text_ru", "public_text_kk",
                                          "profile_updated_at", "profile_approved_at"]}),
    ]
    change_form_template = "admin/applications/application/change_form.html"

    @admin.display(description=_("region"), ordering="organisation__region__name_ru")
    def region(self, application):
        return application.organisation.region

    @admin.display(description=_("photo awaiting approval"))
    def pending_photo_link(self, application):
        if not application.pending_photo:
            return "—"
        url = reverse("applications:profile_photo", args=[application.pk])
        return format_html('<a href="{}"><img src="{}" alt="" class="photo-thumb"></a>',
                           url, url)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Applications are withdrawn or rejected through their status, never deleted: the
        # audit log, the files and the report's counts depend on them.
        return False

    def get_readonly_fields(self, request, obj=None):
        # What the applicant wrote is theirs: staff read it, the applicant edits it.
        return [field.name for field in models.Application._meta.fields] + [
            "region", "pending_photo_link"]

    def get_urls(self):
        own = [
            path("<int:pk>/screen/", self.admin_site.admin_view(self.screen_view),
                 name="applications_application_screen"),
            path("<int:pk>/request-documents/",
                 self.admin_site.admin_view(self.request_documents_view),
                 name="applications_application_request_documents"),
            path("<int:pk>/reject-documents/",
                 self.admin_site.admin_view(self.reject_documents_view),
                 name="applications_application_reject_documents"),
            path("<int:pk>/approve-profile/", self.admin_site.admin_view(self.approve_view),
                 name="applications_application_approve_profile"),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "status_history": [
                {"event": event, "from": _status_label(event.details.get("from")),
                 "to": _status_label(event.details.get("to"))}
                for event in history(application).filter(action="application.status")
            ] if application else [],
            "can_screen": application is not None and services.can_transition(
                application.status, models.Status.SCREENED),
            "can_request": application is not None and services.can_transition(
                application.status, models.Status.DOCUMENTS_REQUESTED),
            "can_reject": application is not None and services.can_transition(
                application.status, models.Status.DOCUMENTS_REJECTED),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _action_page(self, request, pk, form_class, title, act, initial=None):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        application = get_object_or_404(models.Application, pk=pk)
        form = form_class(request.POST or None, initial=initial) if form_class else None
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                act(application, form.cleaned_data if form else {})
            except services.ApplicationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Done: %(title)s.") % {"title": title})
            return redirect("admin:applications_application_change", pk)
        return TemplateResponse(request, "admin/applications/application/action.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "application": application, "form": form, "title": title,
        })

    def screen_view(self, request, pk):
        return self._action_page(
            request, pk, None, _("documents checked"),
            lambda app, data: services.screen_application(application=app, by=request.user))

    def request_documents_view(self, request, pk):
        return self._action_page(
            request, pk, DocumentRequestForm, _("request documents"),
            lambda app, data: services.request_documents(application=app, by=request.user,
                                                         **data))

    def reject_documents_view(self, request, pk):
        return self._action_page(
            request, pk, ReasonForm, _("reject the documents"),
            lambda app, data: services.reject_documents(application=app, by=request.user,
                                                        **data))

    def approve_view(self, request, pk):
        application = get_object_or_404(models.Application, pk=pk)
        seen = application.profile_updated_at.isoformat() if application.profile_updated_at else ""
        return self._action_page(
            request, pk, ApproveProfileForm, _("approve the public profile"),
            lambda app, data: services.approve_profile(application=app, by=request.user,
                                                       **data),
            initial={"seen_version": seen})


class MembershipInline(NoEmptyRows, ValidAutocompleteMixin, admin.TabularInline):
    model = models.Membership
    autocomplete_fields = ["user"]


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "legal_form", "bin", "region", "city", "created_at"]
    list_filter = ["legal_form", "region"]
    search_fields = ["name", "bin", "contact_email"]
    list_select_related = ["region"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        """A member taken off in the inline leaves through ``organisations.remove_member``, which
        also revokes the invitations they sent that are still pending. One another staff member
        took off meanwhile (both pages were open) is said so, and the rest is saved."""
        if formset.model is not models.Membership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            try:
                organisations.remove_member(organisation=form.instance, user=membership.user,
                                            by=request.user)
            except services.ApplicationError as error:
                self.message_user(request, f"{membership.user}: {error}", messages.WARNING)
        for membership in memberships:
            membership.save()
        formset.save_m2m()


class ExtensionForm(forms.ModelForm):
    class Meta:
        model = models.DeadlineExtension
        fields = ["programme", "organisation", "until", "reason"]


@admin.register(models.DeadlineExtension)
class DeadlineExtensionAdmin(ValidAutocompleteMixin, admin.ModelAdmin):
    form = ExtensionForm
    list_display = ["organisation", "programme", "until", "granted_by", "granted_at"]
    autocomplete_fields = ["organisation"]

    def save_model(self, request, obj, form, change):
        extension = services.grant_extension(by=request.user, **form.cleaned_data)
        obj.pk = extension.pk
