"""Roles are groups: programme staff, jury and the two read-only seats (an observer for the
donor or grant operator, an independent auditor; ozgeris/reader_seats.py). Applicants belong
to an organisation; voters are users with a verified email."""

STAFF_GROUP = "Programme staff"
JURY_GROUP = "Jury"
OBSERVER_GROUP = "Observer"
AUDITOR_GROUP = "Auditor"


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


def may_administer_accounts(user):
    """Only superusers decide who has admin access, in which group, with which permission, and
    an account's credentials: whoever sets someone's email address or password holds the
    account, and whoever edits a group or ticks "superuser" can give themselves anything."""
    return bool(getattr(user, "is_superuser", False))


def may_manage_account(user, account):
    """Someone allowed to change users may change an ordinary account; an account with admin
    access (staff, superusers, themselves included) only a superuser changes."""
    return may_administer_accounts(user) or not (account.is_staff or account.is_superuser)


def is_juror(user):
    return _in_group(user, JURY_GROUP)


def is_observer(user):
    """The donor's or grant operator's officer: reads the reports and the exports without
    personal data, changes nothing."""
    return _in_group(user, OBSERVER_GROUP)


def is_auditor(user):
    """The independent auditor: reads what an observer reads, the vote's audit file and the
    ledger's verification; changes nothing."""
    return _in_group(user, AUDITOR_GROUP)


def is_reader(user):
    """A read-only seat (observer or auditor) who is not also programme staff."""
    return (is_observer(user) or is_auditor(user)) and not is_programme_staff(user)


def may_read_reports(user):
    """The reports page (/reports/): staff, and the read-only seats."""
    return is_programme_staff(user) or is_reader(user)


def may_audit_vote(user):
    """The vote's audit page (the ledger's verification): staff and the auditor."""
    return is_programme_staff(user) or is_auditor(user)


def can_vote(user):
    """Only a signed-in user whose email we verified may vote."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_verified_email


def staff_required(view):
    """A view for programme staff: others signed in get 403, anonymous visitors the sign-in."""
    return role_required(is_programme_staff)(view)


def role_required(check):
    """A view for those ``check(user)`` admits: others signed in get 403, anonymous visitors
    the sign-in."""
    return lambda view: _guarded(view, check)


def _guarded(view, check):
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not check(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
