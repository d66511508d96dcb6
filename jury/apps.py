from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JuryConfig(AppConfig):
    name = "jury"
    verbose_name = _("Jury")

    def ready(self):
        from ozgeris import registries

        from . import (  # noqa: F401 - exporters register on import
            calendar,
            copying,
            dashboard,
            exporters,
            indicators,
            reader_overview,
            segments,
        )
        from .demo import live as demo_live
        from .demo import seed as demo_seed

        indicators.register()
        dashboard.register()
        segments.register()
        registries.register_calendar_source("sittings", calendar.sittings)
        registries.register_application_overview("jury.applications",
                                                  reader_overview.application_overview)
        registries.register_copy_step("jury", order=10, run=copying.copy_jury_setup)
        registries.register_demo_step("jury", order=20, run=demo_seed.seed, reset=demo_seed.reset)
        registries.register_live_step("jury", order=20, run=demo_live.run)
