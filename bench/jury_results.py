"""Benchmark: the jury's results table for 1,000 applications × 6 jurors.

Prints `jury_results_1000x6_ms` (median of five computations of jury.results.results, on the
throw-away database bench/__main__.py prepared) and `jury_results_queries`."""

import statistics
import time
from datetime import timedelta


def run():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from applications.models import Application, Organisation
    from jury.copying import ensure_default_criteria
    from jury.models import Criterion, JuryMember, Score, ScoreSheet
    from jury.results import results
    from ozgeris.models import Programme, Region
    from ozgeris.services import copy_programme

    now = timezone.now()
    programme = copy_programme(source_year=2019, target_year=2040)
    Programme.objects.filter(pk=programme.pk).update(
        scoring_opens_at=now - timedelta(days=1), scoring_closes_at=now + timedelta(days=1))
    ensure_default_criteria(programme)
    criteria = list(Criterion.objects.filter(programme=programme))
    nominations = list(programme.nominations.filter(kind="ngo"))
    region = Region.objects.first()
    User = get_user_model()
    members = [
        JuryMember.objects.create(
            programme=programme, affiliation="bench",
            user=User.objects.create_user(email=f"bench-juror{i}@bench.example.kz"))
        for i in range(6)
    ]
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Bench {i}", legal_form="OO", bin=f"99{i:010d}", region=region,
                     city="Алматы", contact_person="-", contact_email="b@example.kz",
                     phone="-", year_founded=2015) for i in range(1000))
    applications = Application.objects.bulk_create(
        Application(programme=programme, organisation=organisation, status="eligible",
                    nomination=nominations[i % len(nominations)])
        for i, organisation in enumerate(organisations))
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(juror=member, application=application, state="submitted")
        for application in applications for member in members)
    Score.objects.bulk_create(
        Score(sheet=sheet, criterion=criterion, value=1 + (sheet.pk * 7 + criterion.pk) % 5)
        for sheet in sheets for criterion in criteria)

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        rows = results(programme)
        timings.append((time.perf_counter() - started) * 1000)
    assert len(rows) == 1000
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql)
                                    or execute(sql, *args)):
        results(programme)
    print(f"jury_results_1000x6_ms={statistics.median(timings):.0f}")
    print(f"jury_results_queries={len(queries)}")
