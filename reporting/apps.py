from django.utils.translation import gettext_lazy as _

from ozgeris.apps import PortalAppConfig


class ReportingConfig(PortalAppConfig):
    name = "reporting"
    verbose_name = _("Grant report")
    registering_on_import = ("exporters",)
    registering_modules = ("dashboard", "opendata")
    copy_step = (40, "copying.copy_framework")
    demo_step_order = 50
