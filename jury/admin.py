"""The staff admin for the jury (/admin/): members, criteria, jury settings,
sittings with their attendance and the supporting-organisation nominees are edited here.

Conflicts of interest, score sheets, eligibility decisions, tie-breaks and nominee votes are
shown read-only: they change only through ``jury.services`` (and ``jury.supporting``). Two
of those services are reachable from here, each through a page asking for the reason:
reopening submitted score sheets and confirming or dismissing possible conflicts. The
jurors' own panel is at /jury/, not here.
"""

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ozgeris.admin import (
    CountColumnsAdmin,
    NoEmptyRows,
    ReadOnlyAdmin,
    ReadOnlyInline,
    count_column,
)
from ozgeris.admin_services import apply_through_service
from ozgeris.admin_widgets import ValidAutocompleteMixin
from ozgeris.permissions import is_programme_staff

from . import configuration, models, services
from .permissions import sheets_visible_to


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (recorded in the audit log)"),
                             widget=forms.Textarea(attrs={"rows": 4}), max_length=1000)


def reason_action(modeladmin, request, queryset, *, action, title, act):
    """An admin action that asks for a reason on an intermediate page, then calls
    ``act(obj, reason)`` (a service) for each selected object and reports what was done and
    what the service refused. Returns None (back to the list) once applied."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                act(obj, form.cleaned_data["reason"])
            except services.JuryError as error:
                modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(request, ngettext(
                "Done for %(count)d record: %(title)s.", "Done for %(count)d records: %(title)s.",
                done) % {"count": done, "title": title}, messages.SUCCESS)
        return None
    return TemplateResponse(request, "admin/jury/action.html", {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "objects": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    })


# ---------------------------------------------------------------------------
# The jury: members, criteria, settings
# ---------------------------------------------------------------------------

class ServiceCheckedForm(forms.ModelForm):
    """A change form whose object a ``jury.configuration`` rule checks before it is saved
    (``refusal(obj)``: why not, or ""), so a refusal shows on the form in the admin's language
    instead of failing the save."""

    refusal = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = copy.copy(self.instance)
        for name, value in cleaned.items():
            setattr(candidate, name, value)
        refusal = type(self).refusal(candidate)
        if refusal:
            raise forms.ValidationError(refusal)
        return cleaned


class FixedFieldsAdmin(admin.ModelAdmin):
    """The admin of a part of the jury's configuration that is fixed once the jury has
    started: ``fixed_note(obj)`` says why (or ""), shown above the form while
    ``fixed_fields`` are read-only; ``always_fixed`` are read-only on any saved object. Deleting
    an object ``deletion_refusal`` refuses (by default a fixed one) says why instead."""

    fixed_fields = ()
    always_fixed = ()

    def fixed_note(self, obj):
        return ""

    def deletion_refusal(self, obj):
        return self.fixed_note(obj)  # fixed, it is not deleted either

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += self.always_fixed
            if self.fixed_note(obj):
                fields += self.fixed_fields
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        note = obj is not None and self.fixed_note(obj)
        if not note:
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "description": note}), *rest]

    def get_actions(self, request):
        """No bulk deletion: each object is deleted from its own page, which says why not."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return (super().has_delete_permission(request, obj)
                and (obj is None or not self.deletion_refusal(obj)))

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        refusal = obj is not None and self.deletion_refusal(obj)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)


@admin.register(models.JuryMember)
class JuryMemberAdmin(ValidAutocompleteMixin, FixedFieldsAdmin):
    list_display = ["name", "programme", "role", "affiliation", "email_domain", "order"]
    list_editable = ["order"]
    list_filter = ["programme", "role"]
    search_fields = ["user__display_name", "user__email", "affiliation"]
    list_select_related = ["user", "programme"]
    autocomplete_fields = ["user"]
    fields = ["programme", "user", "role", "affiliation", "email_domain", "order"]
    always_fixed = ["programme", "user"]

    def fixed_note(self, member):
        return configuration.seat_fixed_note()

    def deletion_refusal(self, member):
        return configuration.seat_deletion_refusal(member)

    @admin.display(description=_("name"), ordering="user__display_name")
    def name(self, member):
        return member.user.get_full_name()

    def save_model(self, request, obj, form, change):
        apply_through_service(request, configuration.seat_juror, services.JuryError, member=obj)


class CriterionForm(ServiceCheckedForm):
    refusal = staticmethod(configuration.criterion_refusal)


@admin.register(models.Criterion)
class CriterionAdmin(FixedFieldsAdmin):
    form = CriterionForm
    list_display = ["title_ru", "title_en", "code", "programme", "weight", "order"]
    list_editable = ["order"]
    list_filter = ["programme"]
    search_fields = ["code", "title_ru", "title_kk", "title_en"]
    list_select_related = ["programme"]
    fieldsets = [
        (None, {"fields": ["programme", "code", "order", "weight"]}),
        (_("Titles"), {"fields": ["title_ru", "title_kk", "title_en"]}),
        (_("Scale"), {"fields": ["scale_labels", "scale_labels_kk", "scale_labels_en"]}),
    ]
    fixed_fields = list(configuration.FIXED_CRITERION)

    def fixed_note(self, criterion):
        return configuration.criteria_fixed(criterion)

    def save_model(self, request, obj, form, change):
        apply_through_service(request, configuration.save_criterion, services.JuryError,
                              criterion=obj)

    def delete_model(self, request, obj):
        apply_through_service(request, configuration.delete_criterion, services.JuryError,
                              criterion=obj)


class JurySettingsForm(ServiceCheckedForm):
    refusal = staticmethod(configuration.settings_refusal)


@admin.register(models.JurySettings)
class JurySettingsAdmin(FixedFieldsAdmin):
    form = JurySettingsForm
    list_display = ["programme", "others_scores_visible", "ranking", "feedback_shows_scores"]
    list_select_related = ["programme"]
    fields = ["programme", "others_scores_visible", "ranking", "feedback_shows_scores"]
    fixed_fields = list(configuration.FIXED_SETTINGS)
    always_fixed = ["programme"]

    def fixed_note(self, settings):
        return configuration.settings_fixed(settings)

    def save_model(self, request, obj, form, change):
        apply_through_service(request, configuration.save_settings, services.JuryError,
                              settings=obj)


# ---------------------------------------------------------------------------
# Sittings and attendance
# ---------------------------------------------------------------------------

class AttendanceForm(forms.ModelForm):
    class Meta:
        model = models.Attendance
        fields = ["member", "presence"]

    def clean(self):
        cleaned = super().clean()
        member = cleaned.get("member")
        sitting = getattr(self.instance, "sitting", None)
        if (member is not None and sitting is not None and sitting.programme_id
                and member.programme_id != sitting.programme_id):
            raise forms.ValidationError(
                _("This person sits on the jury of another programme."))
        return cleaned


class AttendanceInline(NoEmptyRows, admin.TabularInline):
    model = models.Attendance
    form = AttendanceForm
    fields = ["member", "presence"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member__user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            members = models.JuryMember.objects.select_related("user")
            sitting_id = request.resolver_match.kwargs.get("object_id")
            if sitting_id:
                members = members.filter(programme__in=models.Sitting.objects.filter(
                    pk=sitting_id).values("programme_id"))
            kwargs["queryset"] = members
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(models.Sitting)
class SittingAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "subject", "programme", "place", "present"]
    list_filter = ["programme", "subject"]
    search_fields = ["place", "agenda", "decisions"]
    date_hierarchy = "starts_at"
    list_select_related = ["programme"]
    inlines = [AttendanceInline]
    fieldsets = [
        (None, {"fields": ["programme", "subject", "starts_at", "place"],
                "description": _("Date and time in Asia/Almaty.")}),
        (_("Agenda and decisions (shown in the protocol)"), {"fields": ["agenda", "decisions"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            present_count=Count("attendance", filter=Q(attendance__presence__in=models.PRESENT)))

    @admin.display(description=_("present"), ordering="present_count")
    def present(self, sitting):
        return sitting.present_count


# ---------------------------------------------------------------------------
# Conflicts of interest (read-mostly: confirmed or dismissed through the service)
# ---------------------------------------------------------------------------

class ApplicationColumns:
    """The organisation and nomination columns of a juror's record about one application (a
    conflict of interest, a score sheet)."""

    @admin.display(description=_("organisation"), ordering="application__organisation__name")
    def organisation(self, record):
        return record.application.organisation

    @admin.display(description=_("nomination"))
    def nomination(self, record):
        return record.application.nomination


@admin.register(models.Conflict)
class ConflictAdmin(ApplicationColumns, ReadOnlyAdmin):
    list_display = ["juror", "organisation", "nomination", "kind", "state", "match",
                    "decided_by", "decided_at"]
    list_filter = ["juror__programme", "kind", "state"]
    search_fields = ["juror__user__display_name", "juror__user__email",
                     "application__organisation__name", "reason", "match"]
    list_select_related = ["juror__user", "application__organisation", "application__nomination",
                           "decided_by"]
    actions = ["confirm_conflicts", "dismiss_conflicts"]

    def has_resolve_permission(self, request):
        return is_programme_staff(request.user)

    def _resolve(self, request, queryset, *, confirm, action, title):
        possible = queryset.filter(kind=models.Conflict.Kind.POSSIBLE).select_related(
            "juror__user", "application__organisation")
        if not possible.exists():
            self.message_user(request, _("Only possible conflicts (found by a matching "
                                         "affiliation) are confirmed or dismissed here."),
                              messages.WARNING)
            return None
        return reason_action(
            self, request, possible, action=action, title=title,
            act=lambda conflict, reason: services.resolve_conflict(
                conflict=conflict, confirm=confirm, reason=reason, by=request.user))

    @admin.action(description=_("Confirm the selected possible conflicts"),
                  permissions=["resolve"])
    def confirm_conflicts(self, request, queryset):
        return self._resolve(request, queryset, confirm=True, action="confirm_conflicts",
                             title=_("confirm possible conflicts of interest"))

    @admin.action(description=_("Dismiss the selected possible conflicts"),
                  permissions=["resolve"])
    def dismiss_conflicts(self, request, queryset):
        return self._resolve(request, queryset, confirm=False, action="dismiss_conflicts",
                             title=_("dismiss possible conflicts of interest"))


# ---------------------------------------------------------------------------
# Score sheets (read-only: jurors score in their panel; staff may reopen a sheet)
# ---------------------------------------------------------------------------

class ScoreInline(ReadOnlyInline):
    model = models.Score
    fields = ["criterion", "value", "comment"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion").order_by(
            "criterion__order", "criterion_id")


@admin.register(models.ScoreSheet)
class ScoreSheetAdmin(ApplicationColumns, ReadOnlyAdmin):
    list_display = ["juror", "organisation", "nomination", "state", "submitted_at",
                    "updated_at"]
    list_filter = ["juror__programme", "state", "application__nomination"]
    search_fields = ["juror__user__display_name", "juror__user__email",
                     "application__organisation__name"]
    list_select_related = ["juror__user", "application__organisation", "application__nomination"]
    fields = ["juror", "application", "state", "overall_comment", "submitted_at", "updated_at"]
    inlines = [ScoreInline]
    actions = ["reopen"]

    def get_queryset(self, request):
        """Blind scoring binds whoever sits on the jury, staff included."""
        return sheets_visible_to(request.user, super().get_queryset(request))

    def has_reopen_permission(self, request):
        return is_programme_staff(request.user)

    @admin.action(description=_("Reopen the selected submitted sheets (back to the juror)"),
                  permissions=["reopen"])
    def reopen(self, request, queryset):
        submitted = queryset.filter(state=models.ScoreSheet.State.SUBMITTED).select_related(
            "juror__user", "application__organisation")
        if not submitted.exists():
            self.message_user(request, _("None of the selected sheets is submitted."),
                              messages.WARNING)
            return None
        return reason_action(
            self, request, submitted, action="reopen", title=_("reopen submitted score sheets"),
            act=lambda sheet, reason: services.reopen_sheet(sheet=sheet, reason=reason,
                                                            by=request.user))


# ---------------------------------------------------------------------------
# Decisions recorded by the services (read-only)
# ---------------------------------------------------------------------------

@admin.register(models.EligibilityDecision)
class EligibilityDecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "eligible", "overridden", "reason", "decided_by",
                    "decided_at"]
    list_filter = ["application__programme", "eligible", "overridden"]
    search_fields = ["application__organisation__name", "reason"]
    list_select_related = ["application__organisation", "application__nomination", "decided_by"]


@admin.register(models.TieBreak)
class TieBreakAdmin(ReadOnlyAdmin):
    list_display = ["application", "priority", "reason", "decided_by", "decided_at"]
    list_filter = ["application__programme"]
    search_fields = ["application__organisation__name", "reason"]
    list_select_related = ["application__organisation", "application__nomination", "decided_by"]


# ---------------------------------------------------------------------------
# Supporting-organisation nominations: nominees are edited, votes only shown
# ---------------------------------------------------------------------------

@admin.register(models.Nominee)
class NomineeAdmin(CountColumnsAdmin):
    list_display = ["name", "nomination", "order", "vote_count"]
    list_editable = ["order"]
    list_filter = ["nomination__programme", "nomination"]
    search_fields = ["name", "description"]
    list_select_related = ["nomination"]
    fields = ["nomination", "name", "description", "order"]
    vote_count = count_column("votes", _("votes"))


@admin.register(models.NomineeVote)
class NomineeVoteAdmin(ReadOnlyAdmin):
    list_display = ["nomination", "juror", "nominee", "abstention_reason", "cast_at"]
    list_filter = ["nomination__programme", "nomination"]
    search_fields = ["juror__user__display_name", "nominee__name", "abstention_reason"]
    list_select_related = ["nomination", "juror__user", "nominee"]
