"""Factories for the tests: valid organisations (BIN with its check digit) and applications."""

import io
import zipfile

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from applications.models import Application, Organisation
from applications.validators import bin_checksum_ok
from ozgeris.models import Region

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def valid_bin(n):
    """A 12-digit BIN whose check digit is right, from a sequence number."""
    for extra in range(10):
        stem = f"19{(n * 10 + extra):09d}"
        for digit in "0123456789":
            if bin_checksum_ok(stem + digit):
                return stem + digit
    raise ValueError(n)


def pdf_upload(name="document.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def xlsx_upload(rows, name="table.xlsx"):
    """An uploaded XLSX file whose first sheet holds ``rows``."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def xlsx_with_parts(parts, name="table.xlsx"):
    """An uploaded XLSX file built by openpyxl, with ``parts`` ({name in the ZIP: bytes})
    added to it or put in place of its own (a VBA project, an external link, another
    [Content_Types].xml ...)."""
    base = io.BytesIO(xlsx_upload([["a", 1]]).read())
    buffer = io.BytesIO()
    with zipfile.ZipFile(base) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in parts:
                target.writestr(item, source.read(item.filename))
        for part, data in parts.items():
            target.writestr(part, data)
    return SimpleUploadedFile(name, buffer.getvalue())


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"ОО «Тест {n}: Әлеуметтік шеберхана»")
    legal_form = "OO"
    bin = factory.Sequence(valid_bin)
    region = factory.LazyFunction(lambda: Region.objects.get(code="almaty"))
    city = "Алматы"
    contact_person = "Айгүл Серікқызы"
    contact_email = factory.Sequence(lambda n: f"org{n}@example.kz")
    phone = "+7 701 000 00 00"
    year_founded = 2015

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for user in extracted or []:
            self.membership_set.create(user=user)


COMPLETE_FIELDS = {
    "project_title": "Шеберхана «Қолөнер»",
    "social_problem": "Young people with disabilities have few jobs.",
    "solution": "A workshop that trains and employs them.",
    "beneficiaries": "Young people with disabilities in Almaty",
    "beneficiaries_count": 40,
    "impact_evidence": "12 graduates employed in 2018.",
    "products": "Felt souvenirs",
    "customers": "Tourists and companies",
    "prices": "2 000–15 000 ₸",
    "sales_channels": "Shops, Instagram",
    "years_in_operation": 4,
    "team": "Five staff",
    "financial_year": 2018,
    "total_income": 10_000_000,
    "entrepreneurial_income": 3_000_000,
}


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    organisation = factory.SubFactory(OrganisationFactory)
    nomination = factory.LazyAttribute(lambda a: a.programme.nominations.get(code="education"))
    status = "draft"


def started_application(programme, member, **organisation):
    """A draft in the education nomination of ``programme``, started through the service by
    ``member`` for a new organisation of theirs (``organisation``: its fields)."""
    from applications import services

    application, _created = services.start_application(
        programme=programme, organisation=OrganisationFactory(members=[member], **organisation),
        nomination=programme.nominations.get(code="education"), by=member)
    return application


def complete_application(application, by):
    """Fill ``application`` with COMPLETE_FIELDS and upload its three required documents, as
    its member ``by`` would: ready to submit."""
    from applications import services

    for name, value in COMPLETE_FIELDS.items():
        setattr(application, name, value)
    services.save_draft(application=application, fields=list(COMPLETE_FIELDS), by=by)
    for kind in ("balance_sheet", "tax_certificate", "creditor_certificate"):
        services.upload_document(application=application, kind=kind, file=pdf_upload(), by=by)
    return application


def signed_in_session(user):
    """A stored session signed in as ``user`` and a CSRF token, for a drill whose HTTP client
    has no browser to sign in with: ``(user.pk, session_key, csrf_token)``."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    session = SessionStore()
    session.update({"_auth_user_id": str(user.pk),
                    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                    "_auth_user_hash": user.get_session_auth_hash()})
    session.create()
    return user.pk, session.session_key, _get_new_csrf_string()


def juror(programme, make_user, name, **fields):
    """A seat on ``programme``'s jury for a new user ``name``@``name``.example.kz."""
    from jury.models import JuryMember

    slug = name.lower()
    user = make_user(email=f"{slug}@{slug}.example.kz", display_name=name)
    return JuryMember.objects.create(programme=programme, user=user,
                                     affiliation=fields.pop("affiliation", "Independent"),
                                     **fields)


def seat(programme, user, role="member"):
    """A seat on ``programme``'s jury for ``user``, in the Jury group the panel's pages ask
    for."""
    from django.contrib.auth.models import Group

    from jury.models import JuryMember

    user.groups.add(Group.objects.get(name="Jury"))
    return JuryMember.objects.create(programme=programme, user=user, role=role,
                                     affiliation="Independent")


def score(member, application, social, business, submit=True, comment=""):
    """``member``'s sheet for ``application`` through ``jury.services.save_sheet``: ``social``
    and ``business`` on the two default criteria, ``comment`` on the first."""
    from jury import services
    from jury.models import Criterion

    criteria = {c.code: c.pk for c in Criterion.objects.filter(programme=application.programme)}
    return services.save_sheet(
        juror=member, application=application, submit=submit, by=member.user,
        values={criteria["social-impact"]: (social, comment),
                criteria["business-model"]: (business, "")})


def bulk_scored(members, applications):
    """A submitted sheet of each of ``members`` for each of ``applications``, scored on every
    criterion; bulk-created, past the services, for the query-count tests of large editions."""
    from jury.models import Criterion, Score, ScoreSheet

    criteria = list(Criterion.objects.filter(programme=members[0].programme))
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(juror=member, application=application, state="submitted")
        for application in applications for member in members)
    Score.objects.bulk_create(Score(sheet=sheet, criterion=criterion, value=1 + i % 5)
                              for i, sheet in enumerate(sheets) for criterion in criteria)


#: Each stage of an edition whose application window is open, in days from now: opened twenty
#: days ago, closing in ten, the jury, the public vote and the ceremony ahead in their order.
OPEN_STAGE_DAYS = {"intake_opens_at": -20, "intake_closes_at": 10, "scoring_opens_at": 11,
                   "scoring_closes_at": 20, "voting_opens_at": 30, "voting_closes_at": 40,
                   "ceremony_at": 50}


def intake_open_programme(year=2031):
    """An edition whose application window is open now (``OPEN_STAGE_DAYS``), with no
    nominations yet: the ``open_programme`` fixture, the access matrix's world and the browser
    journeys each add their own."""
    from datetime import timedelta

    from django.utils import timezone

    from ozgeris.models import Programme

    now = timezone.now()
    return Programme.objects.create(
        year=year, title_ru=f"Премия {year}", title_kk=f"Сыйлық {year}", title_en=f"Award {year}",
        **{stage: now + timedelta(days=days) for stage, days in OPEN_STAGE_DAYS.items()})


def past_programme(year):
    """An edition that ended long ago, its dates in their order ten days apart (the ceremony 340
    days back), with one nomination, education, to apply in."""
    from datetime import timedelta

    from django.utils import timezone

    from ozgeris.models import Nomination, Programme

    stages = ("intake_opens_at", "intake_closes_at", "scoring_opens_at", "scoring_closes_at",
              "voting_opens_at", "voting_closes_at", "ceremony_at")
    now = timezone.now()
    programme = Programme.objects.create(
        year=year, title_ru=f"Премия {year}", title_kk=f"Сыйлық {year}", title_en=f"Award {year}",
        **{stage: now - timedelta(days=400 - 10 * step) for step, stage in enumerate(stages)})
    Nomination.objects.create(programme=programme, code="education", order=1,
                              title_ru="education", title_kk="education", title_en="education")
    return programme


def close_vote(programme):
    """Close ``programme``'s public vote now: after every vote cast so far (a vote cast after
    the close would not verify), waiting until the database's clock (milliseconds on SQLite)
    has passed it."""
    import time

    from django.utils import timezone

    from voting.services import voting_closed

    programme.voting_closes_at = timezone.now()
    programme.save(update_fields=["voting_closes_at"])
    for _ in range(100):
        if voting_closed(programme):
            return
        time.sleep(0.001)
    raise AssertionError("the database's clock did not pass the close")


def announce_winners(programme, winners, *, by):
    """Close ``programme``'s vote, release its results and declare ``winners``, as staff do:
    what makes the public pages call them winners."""
    from voting import results

    close_vote(programme)
    results.release_results(programme=programme, by=by)
    results.declare_winners(programme=programme, by=by, winners=winners)
    for winner in winners:
        winner.refresh_from_db()


def as_table_owner(*triggers):
    """What the tables' owner (a database administrator) can do and the portal's role cannot:
    switch triggers off, each named ``"table.trigger"``, for the test's transaction. SQLite has
    none."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER waits for no deferred check
        for name in triggers:
            table, trigger = name.split(".")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")


def admin_change_form_data(response):
    """What the admin's change page would post back unchanged: the form's and its inlines'
    current values with their management forms."""
    from django.forms import MultiWidget

    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value()
                     for name in management.fields})
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(field.widget, MultiWidget):  # a date and a time, each its own input
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{index}"] = part
            else:
                data[form.add_prefix(name)] = value
    return data
