"""Who may see and fill in a winner's contract: the members of the winning organisation.
Anyone else gets a 404, so contract URLs reveal nothing."""

from applications.permissions import organisations_for

from .models import Contract


def contracts_for(user):
    """The contracts ``user`` may read and fill in: their organisations' ones."""
    return (Contract.objects.filter(application__organisation__in=organisations_for(user))
            .select_related("programme", "application__organisation",
                            "application__nomination"))
