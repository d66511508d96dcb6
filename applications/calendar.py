"""The applications' part of a programme's calendar: an organisation's extended deadline, in
the personal feed of that organisation's members only (ozgeris.calendars)."""

from django.utils.translation import gettext as _

from ozgeris.registries import CalendarEvent

from .models import DeadlineExtension
from .permissions import organisations_for


def extensions(programme, user):
    """The extensions staff granted to ``user``'s organisations in ``programme``; nothing in
    the public feed. An extension earlier than the programme's own deadline changes nothing
    (``applications.intake``) and is left out."""
    if user is None:
        return []
    granted = (DeadlineExtension.objects
               .filter(programme=programme, organisation__in=organisations_for(user),
                       until__gt=programme.intake_closes_at)
               .select_related("organisation").order_by("pk"))
    return [CalendarEvent(
        uid=f"extension-{extension.pk}", starts=extension.until,
        summary=_("Extended deadline for %(organisation)s") % {
            "organisation": extension.organisation.name},
        description=_("The programme team extended your organisation's deadline for "
                      "submitting the application."),
    ) for extension in granted]
