"""The staff admin for the spine: users, programmes with their nominations, regions, the audit
log and the outbox (both read-only: they are written by services only).

Accounts and their privileges are the superusers' (issue 15): staff may look people up, but
only a superuser edits groups or an account's access, email address or password.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from . import outbox
from .models import AuditEvent, Nomination, OutboxMessage, Programme, Region, User
from .permissions import (
    AUDITOR_GROUP,
    JURY_GROUP,
    OBSERVER_GROUP,
    STAFF_GROUP,
    may_administer_accounts,
    may_manage_account,
)
from .vote_window import StoredVoteWindow, vote_window_fixed

# The site's titles and its index grouped by stage: ozgeris/admin_site.py.


class NoEmptyRows:
    """An inline that lists what is recorded and no blank forms under it (Django adds three,
    which on a long record read as missing data): staff add a row with "Add another"."""

    extra = 0


# What only a superuser changes on an account: its access and its credentials. Anyone else
# sees them read-only (the password through its own read-only widget, never as its hash; its
# page is refused below), and save_model/save_related refuse them whatever a crafted request
# carries.
SUPERUSER_FIELDS = ["email", "is_staff", "is_superuser", "groups"]
GUARDED_VALUES = ["email", "password", "is_staff", "is_superuser"]
GUARDED_RELATIONS = ["groups", "user_permissions"]
ACCESS = (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]})
# The roles' groups are named in English in the database (the code looks them up by name);
# the admin shows them in the reader's language.
GROUP_LABELS = {STAFF_GROUP: _("Programme staff"), JURY_GROUP: _("Jury"),
                OBSERVER_GROUP: _("Observer"), AUDITOR_GROUP: _("Auditor")}


def group_label(name):
    return GROUP_LABELS.get(name, name)


class GroupListFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(pk, group_label(name))
                for pk, name in super().field_choices(field, request, model_admin)]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts. Programme staff may only look people up (ozgeris.staff_grants); someone given the
    right to change users changes ordinary accounts, but never an account's access or
    credentials, nor an account with admin access: those are for superusers."""

    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", ("groups", GroupListFilter), "preferred_language"]
    search_fields = ["email", "canonical_email", "display_name"]
    readonly_fields = ["canonical_email", "date_joined", "last_login", "anonymised_at"]
    fieldsets = [
        (None, {"fields": ["email", "canonical_email", "password"]}),
        (
            _("Person"),
            {"fields": ["display_name", "preferred_language", "personal_data_consent_at"]},
        ),
        ACCESS,
        (_("Dates"), {"fields": ["date_joined", "last_login", "anonymised_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or may_administer_accounts(request.user):
            return fieldsets
        note = _("Only a superuser changes an account's access, email address and password.")
        fields = ["group_names" if name == "groups" else name for name in ACCESS[1]["fields"]]
        return [(ACCESS[0], {"fields": fields, "description": note}) if fieldset is ACCESS
                else fieldset for fieldset in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or may_administer_accounts(request.user):
            return fields
        return fields + SUPERUSER_FIELDS + ["group_names"]

    @admin.display(description=_("groups"))
    def group_names(self, user):
        return ", ".join(str(group_label(name)) for name in
                         user.groups.order_by("name").values_list("name", flat=True)) or "-"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label_from_instance = lambda group: group_label(group.name)
        return field

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or may_manage_account(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or may_manage_account(request.user, obj))

    def user_change_password(self, request, id, form_url=""):
        if not may_administer_accounts(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        if not may_administer_accounts(request.user):
            if change:
                before = User.objects.get(pk=obj.pk)
                touched = any(getattr(obj, name) != getattr(before, name)
                              for name in GUARDED_VALUES)
            else:
                touched = obj.is_staff or obj.is_superuser
            if touched:
                raise PermissionDenied
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not may_administer_accounts(request.user) and set(form.changed_data) & set(
                GUARDED_RELATIONS):
            raise PermissionDenied
        super().save_related(request, form, formsets, change)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Only superusers edit groups: whoever edits one can give it, and so its members and
    themselves, any permission."""

    def has_add_permission(self, request):
        return may_administer_accounts(request.user)

    def has_change_permission(self, request, obj=None):
        return may_administer_accounts(request.user)

    def has_delete_permission(self, request, obj=None):
        return may_administer_accounts(request.user)


class NominationInline(NoEmptyRows, admin.TabularInline):
    model = Nomination
    fields = ["order", "code", "kind", "title_ru", "title_kk", "title_en"]


class ProgrammeAdminForm(forms.ModelForm):
    def clean(self):
        """The window's rule again, on the row as stored when the form is saved: a field shown
        editable may have become fixed since the page was opened."""
        cleaned = super().clean()
        window = StoredVoteWindow.of(self.instance)
        if window is None:
            return cleaned
        # A field left as it was keeps its stored value (the page shows it to the second, the
        # row may hold microseconds); a read-only one is not in the form at all, an invalid
        # one has its own error.
        new = {}
        for name in ("opens_at", "closes_at"):
            posted = cleaned.get(f"voting_{name}")
            changed = f"voting_{name}" in self.changed_data and posted is not None
            new[name] = posted if changed else getattr(window, name)
        refused = window.refusals(**new)
        for field, message in refused.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeAdminForm
    list_display = ["year", "title_ru", "intake_opens_at", "voting_opens_at", "is_published"]
    list_filter = ["is_published"]
    inlines = [NominationInline]
    fieldsets = [
        (None, {"fields": ["year", "is_published"]}),
        (_("Titles"), {"fields": ["title_ru", "title_kk", "title_en"]}),
        (_("About the award"), {"fields": ["about_ru", "about_kk", "about_en"]}),
        (_("Regulations"), {"fields": ["regulations", "regulations_approved_on"]}),
        (
            _("Stages (Asia/Almaty time)"),
            {
                "fields": [
                    ("intake_opens_at", "intake_closes_at"),
                    ("scoring_opens_at", "scoring_closes_at"),
                    ("voting_opens_at", "voting_closes_at"),
                    "ceremony_at",
                ]
            },
        ),
        (_("Contacts"), {"fields": ["contact_email", "contact_phone"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        """The vote's window as far as it is fixed (``StoredVoteWindow``), for everyone."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            if not hasattr(obj, "_fixed_vote_window"):  # asked several times per page
                obj._fixed_vote_window = vote_window_fixed(obj)
            fields += obj._fixed_vote_window
        return fields


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "name_kk", "name_en", "kind", "centre_ru"]
    list_filter = ["kind"]
    search_fields = ["name_ru", "name_kk", "name_en"]


def count_column(relation, description):
    """A change-list column: how many ``relation`` rows each record has. ``CountColumnsAdmin``
    counts them in the list's own query for every such column of ``list_display``, so the
    column sorts and costs no query per row."""
    total = f"{relation}_total"

    @admin.display(description=description, ordering=total)
    def column(self, record):
        return getattr(record, total)

    column.counts, column.total = relation, total
    return column


class CountColumnsAdmin(admin.ModelAdmin):
    """Counts the ``count_column`` columns of ``list_display`` in the list's query."""

    def get_queryset(self, request):
        columns = [getattr(self, name) for name in self.list_display
                   if isinstance(name, str) and hasattr(getattr(self, name, None), "counts")]
        return super().get_queryset(request).annotate(
            **{column.total: Count(column.counts, distinct=True) for column in columns})


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(NoEmptyRows, admin.TabularInline):
    """An inline of records written by services: shown, never edited here."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["action", "object_repr", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Who a message is for, what about and how its delivery went, never its text, HTML or
    context: account mail carries a password-reset link or a sign-in code until it is sent."""

    fields = ["to", "subject", "purpose", "language", "created_at", "available_at", "attempts",
              "last_error", "sent_at", "failed_at"]
    list_display = ["created_at", "recipients", "subject", "purpose", "state", "attempts"]
    list_filter = ["purpose", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject"]

    @admin.display(description=_("recipients"))
    def recipients(self, message):
        return ", ".join(message.to)

    @admin.display(description=_("state"))
    def state(self, message):
        if message.sent_at:
            return _("Sent")
        if message.failed_at and message.last_error == outbox.UNSUBSCRIBED:
            return _("unsubscribed")
        if message.failed_at:
            return _("Given up")
        return _("Waiting")

    def lookup_allowed(self, lookup, value, request=None):
        """Filters on what the page shows only: a filter on the text or the context
        (``?context__icontains=…``) would let whoever sees the list guess a queued link one
        character at a time by the rows it matches."""
        return lookup.split(LOOKUP_SEP)[0] in self.fields and super().lookup_allowed(
            lookup, value, request)
