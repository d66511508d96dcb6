from django.utils.translation import gettext_lazy as _

from ozgeris.apps import PortalAppConfig


class JuryConfig(PortalAppConfig):
    name = "jury"
    verbose_name = _("Jury")
    registering_on_import = ("exporters",)
    registering_modules = ("indicators", "dashboard", "segments")
    calendar_sources = {"sittings": "calendar.sittings"}
    copy_step = (10, "copying.copy_jury_setup")
    demo_step_order = 20
    live_step_order = 20

    def ready(self):
        super().ready()
        from ozgeris import registries

        from . import reader_overview

        registries.register_application_overview("jury.applications",
                                                  reader_overview.application_overview)
