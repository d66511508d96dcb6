from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Grant report")

    def ready(self):
        from ozgeris import registries

        from . import copying, dashboard, exporters  # noqa: F401 - exporters register on import
        from .demo import seed as demo_seed

        dashboard.register()
        from . import opendata  # the open data of /open/

        opendata.register()
        registries.register_copy_step("reporting", order=40, run=copying.copy_framework)
        registries.register_demo_step("reporting", order=50, run=demo_seed.seed,
                                    reset=demo_seed.reset)
