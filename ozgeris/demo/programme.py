"""The spine's demo step: the 2019 programme as its report describes it, with its nominations,
the staff and jury accounts, and the demo logins printed by ``make run``.

Facts come from ``programme-2019.json`` beside this file (the project's own copy,
with the report's line numbers). Idempotent: a second run changes nothing.
"""

import json
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from ..models import Nomination, Programme, User
from ..pdf import render_pdf
from ..permissions import AUDITOR_GROUP, JURY_GROUP, OBSERVER_GROUP, STAFF_GROUP

DATA_FILE = Path(__file__).with_name("programme-2019.json")
DEMO_EMAIL_DOMAINS = ("demo.ozgeris.kz", "jury.demo.ozgeris.kz")
# The read-only seats (ozgeris/reader_seats.py), which the 2019 edition did not have: role →
# (email, name, group).
READER_ACCOUNTS = {
    "observer": ("observer@demo.ozgeris.kz", "Наблюдатель грантодателя (демо)", OBSERVER_GROUP),
    "auditor": ("auditor@demo.ozgeris.kz", "Независимый аудитор (демо)", AUDITOR_GROUP),
}


@cache
def facts():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def demo_password():
    return getattr(settings, "DEMO_PASSWORD", "ozgeris-demo")


ALMATY = ZoneInfo("Asia/Almaty")


def almaty(value):
    """A time as the demo's facts files write it (ISO, Almaty wall clock), made aware. Every
    app's demo step reads its dates through this one."""
    return timezone.make_aware(datetime.fromisoformat(value), ALMATY)


def _account(email, name, *, staff=False, groups=(), password=True):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, display_name=name, is_staff=staff)
        if password:
            user.set_password(demo_password())
        else:
            user.set_unusable_password()
        user.personal_data_consent_at = timezone.now()
        user.save()
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed(*, log=print):
    data = facts()
    info = data["programme"]
    stage_fields = {name: almaty(stage["local"]) for name, stage in info["stages"].items()}
    programme, created = Programme.objects.get_or_create(
        year=info["year"],
        defaults={
            **{
                key: info[key]
                for key in (
                    "title_ru",
                    "title_kk",
                    "title_en",
                    "about_ru",
                    "about_kk",
                    "about_en",
                    "contact_email",
                    "contact_phone",
                )
            },
            "regulations_approved_on": date.fromisoformat(info["regulations_approved_on"]),
            **stage_fields,
        },
    )
    if not programme.regulations:
        programme.regulations.save("polozhenie-2019.pdf", ContentFile(_regulations_pdf(info)))
    for order, item in enumerate(data["nominations"], start=1):
        Nomination.objects.get_or_create(
            programme=programme,
            code=item["code"],
            defaults={
                "kind": item["kind"],
                "order": order,
                **{
                    f"{field}_{lang}": item[f"{field}_{lang}"]
                    for field in ("title", "description")
                    for lang in ("ru", "kk", "en")
                },
            },
        )
    accounts = data["demo_accounts"]
    _account(
        accounts["staff"]["email"], accounts["staff"]["name"], staff=True, groups=[STAFF_GROUP]
    )
    for member in data["jury"]:
        _account(member["email"], member["name"], groups=[JURY_GROUP])
    _account(accounts["applicant"]["email"], accounts["applicant"]["name"])
    _account(accounts["voter"]["email"], accounts["voter"]["name"])
    for email, name, group in READER_ACCOUNTS.values():
        _account(email, name, groups=[group])
    log(f"programme {programme.year}: {'created' if created else 'already there'}")
    return programme


def _regulations_pdf(info):
    """The regulations as the portal records them: the report gives their date and sections,
    not their text, so the demo document says where the full text is kept."""
    return render_pdf(
        "ozgeris/pdf/regulations.html",
        {
            "title": "Положение Премии Ozgeris Ustasy",
            "approved": date.fromisoformat(info["regulations_approved_on"]),
            "sections": info["regulations_sections"],
            "note": info["regulations_note"],
        },
    )


def reset(*, log=print):
    """Remove what ``seed`` made: the programme (its nominations cascade) and the demo accounts."""
    year = facts()["programme"]["year"]
    for programme in Programme.objects.filter(year=year):
        programme.regulations.delete(save=False)
        programme.delete()
    for domain in DEMO_EMAIL_DOMAINS:
        User.objects.filter(email__iendswith=f"@{domain}").delete()
    log(f"programme {year}: removed")


def logins():
    """(role, email) of the demo accounts, for ``make run`` to print."""
    accounts = facts()["demo_accounts"]
    return [(role, accounts[role]["email"]) for role in ("staff", "juror", "applicant", "voter")
            ] + [(role, email) for role, (email, _name, _group) in READER_ACCOUNTS.items()]
