"""Staff edit the grant, the indicator framework, the appendices and the narratives here.
A manual value goes through ``services.set_manual_value`` (logged with its reason); issued
versions are read-only."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ozgeris.permissions import is_programme_staff
from ozgeris.registry import exporters, indicator_sources

from . import narrative, services
from .models import Activity, Appendix, Contradiction, Grant, Indicator, ReportVersion, Task


class StaffOnly:
    def has_module_permission(self, request):
        return is_programme_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_programme_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return is_programme_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return is_programme_staff(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_programme_staff(request.user)


@admin.register(Grant)
class GrantAdmin(StaffOnly, admin.ModelAdmin):
    list_display = ["programme", "donor", "topic", "amount", "period_start", "period_end"]


class ActivityInline(StaffOnly, admin.StackedInline):
    model = Activity
    extra = 0
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


class IndicatorInline(StaffOnly, admin.TabularInline):
    model = Indicator
    form = IndicatorForm
    extra = 0
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
        """A manual value and its reason are logged through the service."""
        manual_changed = {"manual_value", "manual_reason"} & set(form.changed_data)
        value, reason = obj.manual_value, obj.manual_reason
        if manual_changed and change:
            obj.manual_value = form.initial.get("manual_value")
            obj.manual_reason = form.initial.get("manual_reason", "")
        super().save_model(request, obj, form, change)
        if manual_changed:
            try:
                services.set_manual_value(indicator=obj, value=value, reason=reason,
                                          by=request.user)
            except services.ReportError as error:
                messages.error(request, str(error))


class AppendixForm(forms.ModelForm):
    exporters = forms.MultipleChoiceField(label=_("exporters"), required=False,
                                          widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Appendix
        fields = ["programme", "number", "title_ru", "title_kk", "title_en", "exporters",
                  "held_elsewhere"]

    def __init__(self, *args, **kwargs):
        from .exporters import NEVER_ATTACHED

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
    search_fields = ["what", "note"]


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
