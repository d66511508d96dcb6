"""Staff edit the grant, the indicator framework, the appendices, the narratives and the
budget here. A manual value goes through ``services.set_manual_value`` (logged with its
reason), a budget line through ``budget.save_line`` (logged) or the import; issued versions
are read-only."""

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ozgeris.admin import NoEmptyRows
from ozgeris.admin_services import apply_through_service, hold_back
from ozgeris.formats import format_tenge
from ozgeris.models import Programme
from ozgeris.permissions import is_programme_staff
from ozgeris.registries import exporters, indicator_sources, table_sources

from . import budget, narrative, services
from .companion import NEVER_ATTACHED
from .models import (
    Activity,
    Appendix,
    BudgetLine,
    Contradiction,
    Grant,
    IllustrativeFigure,
    Indicator,
    ReportVersion,
    Task,
)


class StaffOnly:
    """The report's admin is the programme staff's, whole: one rule for every permission,
    whatever model permissions an account holds."""

    def _programme_staff(self, request, obj=None):
        return is_programme_staff(request.user)

    has_module_permission = has_view_permission = has_change_permission = _programme_staff
    has_add_permission = has_delete_permission = _programme_staff


@admin.register(Grant)
class GrantAdmin(StaffOnly, admin.ModelAdmin):
    list_display = ["programme", "donor", "topic", "amount", "period_start", "period_end"]
    fieldsets = [
        (None, {"fields": ["programme", "amount", "agreement_number", "period_start",
                           "period_end"]}),
        (_("Cover"), {"fields": ["grantee", "grantee_kk", "grantee_en", "donor", "donor_kk",
                                 "donor_en", "topic", "topic_kk", "topic_en"]}),
        (_("Outcomes and lessons"), {"fields": ["outcomes_ru", "outcomes_kk", "outcomes_en",
                                                "lessons_ru", "lessons_kk", "lessons_en"]}),
        (_("Approval of the issued report"), {"fields": [
            "approved_by", "approver_position_ru", "approver_position_kk",
            "approver_position_en"]}),
    ]


class ActivityInline(NoEmptyRows, StaffOnly, admin.StackedInline):
    model = Activity
    fields = ["number", "title_ru", "title_kk", "title_en"]


@admin.register(Task)
class TaskAdmin(StaffOnly, admin.ModelAdmin):
    list_display = ["number", "title_ru", "programme"]
    list_filter = ["programme"]
    inlines = [ActivityInline]


class IndicatorForm(forms.ModelForm):
    source = forms.ChoiceField(label=_("source"), required=False)

    class Meta:
        model = Indicator
        fields = ["activity", "order", "title_ru", "title_kk", "title_en", "unit_ru", "unit_kk",
                  "unit_en", "kind",
                  "target", "target_note", "direction", "source", "manual_value",
                  "manual_reason", "manual_evidence", "appendix"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "—")] + [
            (name, name) for name in sorted(indicator_sources.names())]


class IndicatorInline(NoEmptyRows, StaffOnly, admin.TabularInline):
    model = Indicator
    form = IndicatorForm
    fields = ["order", "title_ru", "unit_ru", "kind", "target", "direction", "source", "appendix"]


class ActivityForm(forms.ModelForm):
    """Refuses a narrative whose placeholders would not print (a mistyped source would
    otherwise show up as braces in the donor's report)."""

    class Meta:
        model = Activity
        fields = ["task", "number", "title_ru", "title_kk", "title_en", "narrative_ru",
                  "narrative_kk", "narrative_en"]

    def clean(self):
        cleaned = super().clean()
        for name in ("narrative_ru", "narrative_kk", "narrative_en"):
            found = narrative.mistakes(cleaned.get(name))
            if found:
                self.add_error(name, found)
        return cleaned


@admin.register(Activity)
class ActivityAdmin(StaffOnly, admin.ModelAdmin):
    form = ActivityForm
    list_display = ["__str__", "task"]
    list_filter = ["task__programme"]
    fields = ["task", "number", "title_ru", "title_kk", "title_en", "narrative_ru",
              "narrative_kk", "narrative_en"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(StaffOnly, admin.ModelAdmin):
    form = IndicatorForm
    list_display = ["title_ru", "activity", "target", "source", "manual_value", "appendix"]
    list_filter = ["activity__task__programme", "kind"]
    search_fields = ["title_ru", "title_kk", "title_en", "source"]

    def save_model(self, request, obj, form, change):
        """A manual value and its reason are logged through the service, on a new indicator
        too: it is saved without them first, so the entry reads from nothing to the value."""
        typed = hold_back(obj, form, ("manual_value", "manual_reason"))
        super().save_model(request, obj, form, change)
        if typed:
            apply_through_service(request, services.set_manual_value, services.ReportError,
                                  indicator=obj, value=typed["manual_value"],
                                  reason=typed["manual_reason"])


class AppendixForm(forms.ModelForm):
    exporters = forms.MultipleChoiceField(label=_("exporters"), required=False,
                                          widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Appendix
        fields = ["programme", "number", "title_ru", "title_kk", "title_en", "exporters",
                  "held_elsewhere", "held_elsewhere_kk", "held_elsewhere_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exporters"].choices = [
            (item.name, f"{item.name} — {item.title}") for item in sorted(
                exporters, key=lambda item: item.name)
            if item.name not in NEVER_ATTACHED and "xlsx" in item.formats]


@admin.register(Appendix)
class AppendixAdmin(StaffOnly, admin.ModelAdmin):
    form = AppendixForm
    list_display = ["number", "title_ru", "programme", "held_elsewhere"]
    list_filter = ["programme"]


@admin.register(Contradiction)
class ContradictionAdmin(StaffOnly, admin.ModelAdmin):
    list_display = ["what", "programme", "source"]
    list_filter = ["programme"]
    search_fields = ["what", "what_kk", "what_en", "note", "note_kk", "note_en"]
    fields = ["programme", "order", "what", "what_kk", "what_en", "figures", "lines", "source",
              "note", "note_kk", "note_en"]


@admin.register(ReportVersion)
class ReportVersionAdmin(StaffOnly, admin.ModelAdmin):
    list_display = ["programme", "number", "issued_at", "issued_by", "note"]
    readonly_fields = ["programme", "number", "issued_at", "issued_by", "note", "values",
                       "figures"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _source_choices(*registries):
    names = sorted({name for registry in registries for name in registry.names()})
    return [("", "—")] + [(name, name) for name in names]


class BudgetLineForm(forms.ModelForm):
    spent_source = forms.ChoiceField(label=_("source of the amount spent"), required=False)

    class Meta:
        model = BudgetLine
        fields = ["programme", "number", "title_ru", "title_kk", "title_en", "planned", "spent",
                  "spent_source", "illustrative", "note_ru", "note_kk", "note_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spent_source"].choices = _source_choices(indicator_sources)
        self.fields["spent_source"].help_text = BudgetLine._meta.get_field(
            "spent_source").help_text


BUDGET_IMPORT_SALT = "reporting.budget-import"


class BudgetImportForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("programme"), queryset=Programme.objects.all())
    file = forms.FileField(
        label=_("XLSX or CSV file"),
        help_text=_("Columns: number, title, planned, spent (or source), note; the first row "
                    "names them. Amounts in whole tenge."))


@admin.register(BudgetLine)
class BudgetLineAdmin(StaffOnly, admin.ModelAdmin):
    """Budget lines: typed here or imported; every change is logged (``budget``)."""

    form = BudgetLineForm
    list_display = ["number", "title_ru", "programme", "planned_tenge", "spent_tenge",
                    "illustrative"]
    list_display_links = ["number", "title_ru"]
    list_filter = ["programme", "illustrative"]
    change_list_template = "reporting/admin/budget_change_list.html"

    @admin.display(description=_("planned, ₸"), ordering="planned")
    def planned_tenge(self, line):
        return format_tenge(line.planned)

    @admin.display(description=_("spent, ₸"), ordering="spent")
    def spent_tenge(self, line):
        return format_tenge(line.spent) if line.spent_source == "" else line.spent_source

    def save_model(self, request, obj, form, change):
        budget.save_line(line=obj, by=request.user, changed=form.changed_data)

    def delete_model(self, request, obj):
        budget.delete_line(line=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for line in queryset:
            budget.delete_line(line=line, by=request.user)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view),
                     name="reporting_budgetline_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload → preview (every bad row with its line and reasons) → confirm. The good
        rows travel to the confirmation signed (nothing is stored meanwhile)."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        back_url = reverse("admin:reporting_budgetline_changelist")
        back = redirect(back_url)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": gettext("Import the budget"), "back_url": back_url,
                   "back_title": capfirst(self.model._meta.verbose_name_plural)}
        if request.method == "POST" and "payload" in request.POST:
            try:
                data = signing.loads(request.POST["payload"], salt=BUDGET_IMPORT_SALT,
                                     max_age=60 * 60)
            except signing.BadSignature:
                messages.error(request, gettext("The preview has expired; upload the file "
                                                "again."))
                return back
            if data.get("by") != request.user.pk:  # a preview is confirmed by whoever made it
                messages.error(request, gettext("This preview was made by another account; "
                                                "upload the file yourself."))
                return back
            programme = Programme.objects.filter(pk=data["programme"]).first()
            if programme is None:  # deleted between the preview and the confirmation
                messages.error(request, gettext("The preview has expired; upload the file "
                                                "again."))
                return back
            try:
                count = budget.import_budget(programme=programme, rows=data["rows"],
                                             by=request.user)
            except ValidationError as error:  # e.g. a line number taken meanwhile
                messages.error(request, "; ".join(error.messages))
                return back
            messages.success(request, gettext("%(count)d budget lines were imported.")
                             % {"count": count})
            return back
        form = BudgetImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                preview = budget.read_budget(form.cleaned_data["file"])
            except budget.UnreadableFile as error:
                form.add_error("file", error.messages[0])
            else:
                programme = form.cleaned_data["programme"]
                payload = signing.dumps(
                    {"programme": programme.pk, "by": request.user.pk, "rows": preview.rows},
                    salt=BUDGET_IMPORT_SALT, compress=True)
                context.update(preview=preview, rows=preview.rows, programme=programme,
                               payload=payload)
        context["form"] = form
        return TemplateResponse(request, "reporting/admin/import_budget.html", context)


class IllustrativeFigureForm(forms.ModelForm):
    source = forms.ChoiceField(label=_("source"))

    class Meta:
        model = IllustrativeFigure
        fields = ["programme", "source", "note_ru", "note_kk", "note_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = _source_choices(indicator_sources, table_sources)
        self.fields["source"].help_text = IllustrativeFigure._meta.get_field(
            "source").help_text


@admin.register(IllustrativeFigure)
class IllustrativeFigureAdmin(StaffOnly, admin.ModelAdmin):
    form = IllustrativeFigureForm
    list_display = ["source", "programme", "note_ru"]
    list_filter = ["programme"]
