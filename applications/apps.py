from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from ozgeris import registries

        from . import dashboard, exporters, indicators  # noqa: F401 - exporters register on import
        from .demo import seed

        indicators.register()
        dashboard.register()
        registries.register_demo_step("applications", order=10, run=seed.seed, reset=seed.reset)
