"""The applications changelist's filters: a nomination named alike in two editions is told
apart by its year, and regions follow the alphabet of the page's language."""

import pytest
from django.urls import reverse

from ozgeris.models import Nomination, Region
from tests.factories import past_programme


def _choices(response, field_path):
    spec = next(spec for spec in response.context["cl"].filter_specs
                if spec.field_path == field_path)
    return [choice["display"] for choice in spec.choices(response.context["cl"])][1:]


@pytest.mark.django_db
def test_nominations_of_two_editions_are_told_apart(client, staff):
    staff.preferred_language = "en"
    staff.save()
    older = past_programme(2029)
    past_programme(2030)
    Nomination.objects.create(programme=older, code="ecology", order=2, title_ru="ecology",
                              title_kk="ecology", title_en="ecology")
    client.force_login(staff)
    url = reverse("admin:applications_application_changelist")

    every = _choices(client.get(url), "nomination")
    assert "education (2030)" in every and "education (2029)" in every
    assert every.index("education (2030)") < every.index("education (2029)")

    chosen = _choices(client.get(url, {"programme__id__exact": older.pk}), "nomination")
    assert chosen == ["education", "ecology"]  # that edition's alone, without the year


@pytest.mark.django_db
def test_regions_follow_the_kazakh_alphabet(client, staff):
    staff.preferred_language = "kk"
    staff.save()
    # Code points, and the Russian names, put Ш before Қ.
    for code, name in (("t1", "Шығыс тест"), ("t2", "Қостанай тест"), ("t3", "Атырау тест")):
        Region.objects.create(code=code, kind=Region.Kind.REGION, name_ru=f"{code} {name}",
                              name_kk=name, name_en=name)
    client.force_login(staff)

    regions = _choices(client.get(reverse("admin:applications_application_changelist")),
                       "organisation__region")
    ours = [name for name in regions if name.endswith(" тест")]
    assert ours == ["Атырау тест", "Қостанай тест", "Шығыс тест"]
