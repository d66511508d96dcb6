"""The spine's programme-copy step: nominations carry over to next year's edition."""

from .models import Nomination


def copy_nominations(*, source, target):
    Nomination.objects.bulk_create(
        Nomination(
            programme=target,
            code=nomination.code,
            kind=nomination.kind,
            order=nomination.order,
            title_ru=nomination.title_ru,
            title_kk=nomination.title_kk,
            title_en=nomination.title_en,
            description_ru=nomination.description_ru,
            description_kk=nomination.description_kk,
            description_en=nomination.description_en,
        )
        for nomination in source.nominations.all()
    )
