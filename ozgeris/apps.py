from importlib import import_module

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class PortalAppConfig(AppConfig):
    """An app of the portal, declaring what it contributes to the spine's registries
    (``ozgeris.registries``); ``ready()`` imports and registers it, so that each app's
    ``apps.py`` reads as the list of what the app adds. Module and function paths are relative
    to the app (``"calendar.extensions"``): its modules import models, which cannot be
    imported before Django's app registry is ready. What fits no declaration is registered in the
    app's own ``ready()`` after ``super().ready()``.
    """

    # Modules that register what they hold when imported (exporters, system checks).
    registering_on_import = ()
    # Modules whose ``register()`` is called, in this order (indicators, dashboard, ...).
    registering_modules = ()
    # name -> "module.function(programme, user)" of the programme's calendar feed.
    calendar_sources = {}
    # (order, "module.function") of the programme-copy step named after the app.
    copy_step = None
    # The order of the demo step named after the app: ``demo/seed.py``'s seed and reset.
    demo_step_order = None
    # The order of the live-edition step named after the app: ``demo/live.py``'s run.
    live_step_order = None
    # "module.function(user)" of the account-erasure step named after the app.
    erasure_step = None
    # name -> (age's name, "module.since()", "module.max_age()") of /healthz's background waits.
    background_waits = {}

    def ready(self):
        from . import registries

        for module in self.registering_on_import:
            self.module_of_app(module)
        for module in self.registering_modules:
            self.module_of_app(module).register()
        for name, function in self.calendar_sources.items():
            registries.register_calendar_source(name, self.function_of_app(function))
        if self.copy_step is not None:
            order, function = self.copy_step
            registries.register_copy_step(self.label, order=order,
                                          run=self.function_of_app(function))
        if self.demo_step_order is not None:
            seed = self.module_of_app("demo.seed")
            registries.register_demo_step(self.label, order=self.demo_step_order,
                                          run=seed.seed, reset=seed.reset)
        if self.live_step_order is not None:
            registries.register_live_step(self.label, order=self.live_step_order,
                                          run=self.function_of_app("demo.live.run"))
        if self.erasure_step is not None:
            registries.register_erasure_step(self.label, self.function_of_app(self.erasure_step))
        for name, (age_name, since, max_age) in self.background_waits.items():
            registries.register_background_wait(name, age_name=age_name,
                                                since=self.function_of_app(since),
                                                max_age=self.function_of_app(max_age))

    def module_of_app(self, path):
        return import_module(f"{self.name}.{path}")

    def function_of_app(self, path):
        return import_string(f"{self.name}.{path}")


class OzgerisConfig(AppConfig):
    name = "ozgeris"
    verbose_name = _("Portal")

    def ready(self):
        from allauth.account.signals import email_confirmed
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from . import accounts, calendars, checks, copying, reader_seats, registries, staff_grants  # noqa: F401 - checks register on import
        from .demo import programme
        from .middleware import use_preferred_language

        email_confirmed.connect(accounts.note_email_confirmed,
                                dispatch_uid="ozgeris-email-confirmed")
        user_logged_in.connect(use_preferred_language, dispatch_uid="ozgeris-preferred-language")
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
