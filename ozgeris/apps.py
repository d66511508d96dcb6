from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class OzgerisConfig(AppConfig):
    name = "ozgeris"
    verbose_name = _("Portal")

    def ready(self):
        from allauth.account.signals import email_confirmed
        from django.db.models.signals import post_migrate

        from . import accounts, calendars, copying, reader_seats, registries, staff_grants
        from .demo import programme

        email_confirmed.connect(accounts.note_email_confirmed,
                                dispatch_uid="ozgeris-email-confirmed")
        accounts.keep_sign_in_limits_in_the_database()

        # Every app's post_migrate: the permissions of apps migrated after this one exist by then.
        post_migrate.connect(
            staff_grants.grant_staff_permissions, dispatch_uid="ozgeris-staff-permissions"
        )
        post_migrate.connect(reader_seats.create_reader_groups,
                             dispatch_uid="ozgeris-reader-groups")

        registries.register_demo_step(
            "programme", order=0, run=programme.seed, reset=programme.reset
        )
        registries.register_copy_step("nominations", order=0, run=copying.copy_nominations)
        registries.register_calendar_source("intake", calendars.application_window)


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's site (ozgeris.admin_site) as the default one."""

    default_site = "ozgeris.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()
        from . import admin_wording

        admin_wording.install()
