from django.utils.translation import gettext_lazy as _

from ozgeris.apps import PortalAppConfig


class ReportingConfig(PortalAppConfig):
    name = "reporting"
    verbose_name = _("Grant report")
    registering_on_import = ("exporters",)
    registering_modules = ("dashboard", "opendata")
    copy_step = (40, "copying.copy_framework")
    demo_step_order = 50

    def ready(self):
        super().ready()
        from ozgeris import registries

        from . import jobs

        registries.register_background_wait(
            "exports", age_name="oldest_queued_export_age", since=jobs.oldest_queued_export,
            max_age=jobs.queued_export_max_age)
