from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from ozgeris import registries

        from . import calendar, dashboard, exporters, indicators, segments  # noqa: F401 - exporters register on import
        from .demo import live as demo_live
        from .demo import seed

        indicators.register()
        dashboard.register()
        from . import opendata  # the open data of /open/

        opendata.register()
        segments.register()
        registries.register_calendar_source("extensions", calendar.extensions)
        registries.register_demo_step("applications", order=10, run=seed.seed, reset=seed.reset)
        registries.register_live_step("applications", order=10, run=demo_live.run)
