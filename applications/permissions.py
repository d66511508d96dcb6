"""Who may see and do what with organisations, applications and their documents.

Every list starts from ``applications_for``; every detail view checks ``can_view``.
A person without the right gets a 404, so URLs reveal nothing.
"""

from ozgeris.permissions import is_juror, is_programme_staff

from .models import Application, Organisation, Status

HIDDEN_FROM_JURY = (Status.DRAFT, Status.WITHDRAWN)


def organisations_for(user):
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(membership__user=user)


def is_member(user, organisation):
    return organisations_for(user).filter(pk=organisation.pk).exists()


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
        return (own | queryset.exclude(status__in=HIDDEN_FROM_JURY)).distinct()
    return own


def can_view(user, application):
    return applications_for(user).filter(pk=application.pk).exists()


def can_edit(user, application):
    """Only the organisation's members fill in and submit its applications."""
    return is_member(user, application.organisation)
