"""Who may see and do what with organisations, applications and their documents.

Reading starts from ``applications_for`` (staff, jurors, members); changing from
``own_applications`` (members only). A person without the right gets a 404, so URLs
reveal nothing.
"""

from ozgeris.permissions import is_juror, is_programme_staff

from .models import Application, Organisation, Status

# What the jury works on: applications past staff screening (documents included).
JURY_STATUSES = (Status.SCREENED, Status.ELIGIBLE, Status.FAILED_80_20, Status.FINALIST,
                 Status.NOT_SELECTED, Status.WINNER)


def organisations_for(user):
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(membership__user=user)


def applications_for(user, programme=None):
    """The applications ``user`` may read: staff all, jurors the submitted ones,
    applicants their organisations'."""
    queryset = Application.objects.all()
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if is_programme_staff(user):
        return queryset
    own = queryset.filter(organisation__membership__user=user)
    if is_juror(user):
        return (own | queryset.filter(status__in=JURY_STATUSES)).distinct()
    return own


def own_applications(user):
    """The applications ``user`` may fill in, submit and withdraw: their organisations'."""
    return Application.objects.filter(organisation__in=organisations_for(user))
