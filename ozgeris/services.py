"""The spine's state changes: account deletion and starting next year's edition."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import Programme
from .registries import copy_steps, erasure_steps, ordered


class ProgrammeCopyError(Exception):
    pass


@transaction.atomic
def delete_account(*, user, by=None):
    """Erase a person's personal data while records others depend on stay, anonymised.

    The user row remains (so an application's author or a vote's link can point at
    it) but holds no email, name or login: email addresses and social logins go,
    and with the password unusable and the account inactive every open session
    ends on its next request. Side effects: an audit entry.
    """
    for step in erasure_steps:
        step(user)
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    placeholder = f"deleted-{user.pk}@deleted.invalid"
    user.email = placeholder
    user.display_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.anonymised_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    audit.record(by or user, "account.deleted", user)


@transaction.atomic
def copy_programme(*, source_year, target_year, by=None):
    """Start ``target_year``'s edition from ``source_year``'s: stage dates move by the
    difference in years, and each registered copy step carries its part over
    (nominations now; jury criteria, indicators, templates as their apps add steps).

    Side effects: a new Programme (unpublished), whatever the steps create, an audit entry.
    """
    try:
        source = Programme.objects.get(year=source_year)
    except Programme.DoesNotExist as exc:
        raise ProgrammeCopyError(f"There is no programme {source_year}.") from exc
    if Programme.objects.filter(year=target_year).exists():
        raise ProgrammeCopyError(f"The programme {target_year} already exists.")
    shift = target_year - source_year
    target = Programme.objects.get(pk=source.pk)
    target.pk = None
    target.year = target_year
    target.is_published = False
    target.regulations = ""
    target.regulations_approved_on = None
    for field in (
        "intake_opens_at",
        "intake_closes_at",
        "scoring_opens_at",
        "scoring_closes_at",
        "voting_opens_at",
        "voting_closes_at",
        "ceremony_at",
    ):
        setattr(target, field, _shift_years(getattr(source, field), shift))
    for language, _name in settings.LANGUAGES:
        title = getattr(source, f"title_{language}")
        setattr(target, f"title_{language}", title.replace(str(source_year), str(target_year)))
    target.save()
    done = []
    for step in ordered(copy_steps):
        step.run(source=source, target=target)
        done.append(step.name)
    audit.record(by, "programme.copied", target, source_year=source_year, steps=done)
    return target


def _shift_years(moment, years):
    """The same local wall-clock time ``years`` later (29 February becomes 28 February)."""
    local = timezone.localtime(moment)
    try:
        shifted = local.replace(year=local.year + years)
    except ValueError:
        shifted = local.replace(year=local.year + years, day=28)
    return timezone.make_aware(shifted.replace(tzinfo=None))
