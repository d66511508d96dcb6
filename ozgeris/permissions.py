"""Roles are groups: programme staff and jury. Applicants belong to an organisation;
voters are users with a verified email."""

STAFF_GROUP = "Programme staff"
JURY_GROUP = "Jury"


def _in_group(user, name):
    if not getattr(user, "is_authenticated", False):
        return False
    cache = getattr(user, "_ozgeris_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._ozgeris_groups = cache
    return name in cache


def is_programme_staff(user):
    return bool(getattr(user, "is_superuser", False)) or (
        getattr(user, "is_staff", False) and _in_group(user, STAFF_GROUP)
    )


def is_juror(user):
    return _in_group(user, JURY_GROUP)


def can_vote(user):
    """Only a signed-in user whose email we verified may vote."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_verified_email
