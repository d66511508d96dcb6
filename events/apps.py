from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Outreach")

    def ready(self):
        from ozgeris import registries

        from . import calendar, copying, exporters, indicators, segments  # noqa: F401 - exporters register on import
        from .demo import seed as demo_seed

        indicators.register()
        segments.register()
        registries.register_calendar_source("ceremony", calendar.ceremony)
        registries.register_copy_step("events", order=40, run=copying.copy_outreach_setup)
        registries.register_demo_step("events", order=40, run=demo_seed.seed,
                                    reset=demo_seed.reset)
