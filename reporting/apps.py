from django.utils.translation import gettext_lazy as _

from ozgeris.apps import PortalAppConfig


class ReportingConfig(PortalAppConfig):
    name = "reporting"
    verbose_name = _("Grant report")
    registering_on_import = ("exporters",)
    registering_modules = ("dashboard", "opendata")
    copy_step = (40, "copying.copy_framework")
    demo_step_order = 50
    background_waits = {"exports": ("oldest_queued_export_age", "jobs.oldest_queued_export",
                                    "jobs.queued_export_max_age")}
