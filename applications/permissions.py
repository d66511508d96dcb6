"""Who may see and do what with organisations, applications and their documents.

Reading starts from ``applications_for`` (staff, members); changing from
``own_applications`` (members only). A person without the right gets a 404, so URLs
reveal nothing. Jurors read the applications they score, and their documents, in the jury
panel, which knows their seat and their conflicts of interest (``jury.permissions``).
"""

from ozgeris.permissions import is_programme_staff

from .models import Application, Organisation


def organisations_for(user):
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(membership__user=user)


def applications_for(user, programme=None):
    """The applications ``user`` may read here: staff all, applicants their organisations'."""
    queryset = Application.objects.all()
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if is_programme_staff(user):
        return queryset
    return queryset.filter(organisation__membership__user=user)


def own_applications(user):
    """The applications ``user`` may fill in, submit and withdraw: their organisations'."""
    return Application.objects.filter(organisation__in=organisations_for(user))
