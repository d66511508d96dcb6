from django.utils.translation import gettext_lazy as _

from ozgeris.apps import PortalAppConfig


class EventsConfig(PortalAppConfig):
    name = "events"
    verbose_name = _("Outreach")
    registering_on_import = ("exporters",)
    registering_modules = ("indicators", "segments")
    calendar_sources = {"ceremony": "calendar.ceremony"}
    copy_step = (40, "copying.copy_outreach_setup")
    demo_step_order = 40
