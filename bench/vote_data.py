"""Data of the vote load bench, made in bulk before any load: a programme whose vote is open,
its finalists, and verified voters who are already signed in.

Voter ``i`` has the session key ``benchsession`` + i (20 digits) and the CSRF secret
``benchcsrf`` + i (23 digits): bench/wrk/vote.lua derives both from the index, so the load
generator reads no file. Sessions are rows of the database session backend holding what
``django.contrib.auth.login`` would store; every voter shares one unusable password (as an
account made through a social login has), so the session hash is computed once.
"""

from datetime import timedelta

BATCH = 5000
FINALISTS = 19


def session_key(index):
    return f"benchsession{index:020d}"


def csrf_secret(index):
    return f"benchcsrf{index:023d}"


def voter_email(index):
    return f"voter{index:06d}@bench.example.kz"


def create_programme():
    """The current programme, its vote open since yesterday, and its finalists' pks."""
    from django.utils import timezone

    from applications.models import Application, Organisation, Status
    from ozgeris.models import Nomination, Programme, Region

    now = timezone.now()
    programme = Programme.objects.create(
        year=2040, title_ru="Бенчмарк", title_kk="Бенчмарк", title_en="Bench",
        intake_opens_at=now - timedelta(days=90), intake_closes_at=now - timedelta(days=60),
        scoring_opens_at=now - timedelta(days=50), scoring_closes_at=now - timedelta(days=20),
        voting_opens_at=now - timedelta(days=1), voting_closes_at=now + timedelta(days=10),
        ceremony_at=now + timedelta(days=20))
    nominations = [
        Nomination.objects.create(programme=programme, code=f"bench{i}", order=i,
                                  title_ru=f"Номинация {i}", title_kk=f"Номинация {i}",
                                  title_en=f"Nomination {i}")
        for i in range(3)
    ]
    region = Region.objects.first()
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Bench finalist {i}", legal_form="OO", bin=f"98{i:010d}",
                     region=region, city="Алматы", contact_person="-",
                     contact_email="bench@example.kz", phone="-", year_founded=2015)
        for i in range(FINALISTS))
    finalists = Application.objects.bulk_create(
        Application(programme=programme, organisation=organisation, status=Status.FINALIST,
                    nomination=nominations[i % len(nominations)], submitted_at=now,
                    project_title=f"Bench project {i}")
        for i, organisation in enumerate(organisations))
    return programme, [application.pk for application in finalists]


def create_voters(number):
    """``number`` verified, signed-in voters. Returns {user pk: voter index}."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from ozgeris.emails import canonical_email

    User = get_user_model()
    now = timezone.now()
    password = make_password(None)
    users = User.objects.bulk_create(
        (User(email=voter_email(i), canonical_email=canonical_email(voter_email(i)),
              password=password, personal_data_consent_at=now, preferred_language="ru")
         for i in range(number)),
        batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=user, email=user.email, verified=True, primary=True)
         for user in users),
        batch_size=BATCH)
    auth_hash = users[0].get_session_auth_hash()
    store = SessionStore()
    expires = now + timedelta(days=1)
    Session.objects.bulk_create(
        (Session(session_key=session_key(i), expire_date=expires,
                 session_data=store.encode({
                     "_auth_user_id": str(user.pk),
                     "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                     "_auth_user_hash": auth_hash,
                 }))
         for i, user in enumerate(users)),
        batch_size=BATCH)
    return {user.pk: i for i, user in enumerate(users)}
