"""The staff admin for the spine: users, programmes with their nominations, regions, the audit
log and the outbox (both read-only: they are written by services only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Nomination, OutboxMessage, Programme, Region, User

admin.site.site_header = _("Ozgeris Ustasy — staff")
admin.site.site_title = _("Ozgeris Ustasy")
admin.site.index_title = _("Programme administration")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups", "preferred_language"]
    search_fields = ["email", "canonical_email", "display_name"]
    readonly_fields = ["canonical_email", "date_joined", "last_login", "anonymised_at"]
    fieldsets = [
        (None, {"fields": ["email", "canonical_email", "password"]}),
        (
            _("Person"),
            {"fields": ["display_name", "preferred_language", "personal_data_consent_at"]},
        ),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["date_joined", "last_login", "anonymised_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class NominationInline(admin.TabularInline):
    model = Nomination
    extra = 0
    fields = ["order", "code", "kind", "title_ru", "title_kk", "title_en"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
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


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "name_kk", "name_en", "kind", "centre_ru"]
    list_filter = ["kind"]
    search_fields = ["name_ru", "name_kk", "name_en"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline of records written by services: shown, never edited here."""

    extra = 0
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
    list_display = ["created_at", "subject", "purpose", "attempts", "sent_at", "failed_at"]
    list_filter = ["purpose", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject"]
