"""The applicants' mail segments (ozgeris.segment_mail): the members of the organisations whose
applications are drafts, submitted, or waiting for requested documents. Jury and voting build
their finalists' and winners' segments with ``members_of``."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from ozgeris import registries
from ozgeris.links import portal_link
from ozgeris.models import User
from ozgeris.segment_mail import user_recipient

from .intake import deadlines_for
from .models import Application, Status


def members_of(applications, *, deadline=None, link=None):
    """A recipient for every member of each application's organisation, in three queries
    whatever their number. ``{organisation}`` is the organisation's name; ``{deadline}`` is
    ``deadline(programme)`` or, by default, the organisation's own application deadline (an
    extension moves it); ``{link}`` is ``link(application)`` or, by default, the application."""
    applications = list(applications.select_related("programme", "organisation").prefetch_related(
        Prefetch("organisation__members", to_attr="segment_members",
                 queryset=User.objects.order_by("pk"))).order_by("organisation__name", "pk"))
    if not applications:
        return []
    programme = applications[0].programme
    organisations = [application.organisation for application in applications]
    deadlines = (deadlines_for(programme, organisations) if deadline is None
                 else dict.fromkeys((organisation.pk for organisation in organisations),
                                    deadline(programme)))
    link = link or (lambda application: portal_link("applications:edit", args=[application.pk]))
    return [user_recipient(member, organisation=application.organisation.name,
                           deadline=deadlines[application.organisation_id],
                           link=link(application))
            for application in applications for member in application.organisation.segment_members]


def drafts(programme):
    return members_of(Application.objects.filter(programme=programme, status=Status.DRAFT))


def submitted(programme):
    return members_of(Application.objects.submitted().filter(programme=programme))


def documents_requested(programme):
    return members_of(Application.objects.filter(programme=programme,
                                                 status=Status.DOCUMENTS_REQUESTED))


def register():
    registries.register_mail_segment("applications.drafts", _("Drafts not submitted"), drafts,
                                     order=10)
    registries.register_mail_segment("applications.submitted",
                                     _("Submitted applications (all that reached the jury)"),
                                     submitted, order=20)
    registries.register_mail_segment("applications.documents_requested",
                                     _("Applications with documents requested"),
                                     documents_requested, order=30)
