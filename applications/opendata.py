"""The registry of social enterprises as open data (/open/registry.csv and .json).

The rows are the organisations of the public registry page (``directory``): only those with an
application that carries the consent to be listed, with what the page shows (name, legal form,
region, city, website, nominations, years) and nothing else: never a contact person, an email,
a phone, a BIN or an address.
"""

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from ozgeris.open_data import in_languages
from ozgeris.registries import OpenField, register_open_dataset

from . import directory
from .models import LegalForm

SCHEMA = (
    OpenField("organisation", "string", _("The organisation's name."), required=True),
    OpenField("legal_form", "string", _("Legal form, as a code (OO, OF, KF, CHF, OYUL, NAO, "
                                        "TOO, IP, OTHER)."), required=True),
    OpenField("legal_form_ru", "string", _("Legal form in Russian.")),
    OpenField("legal_form_kk", "string", _("Legal form in Kazakh.")),
    OpenField("legal_form_en", "string", _("Legal form in English.")),
    OpenField("region", "string", _("Region, as a code."), required=True),
    OpenField("region_ru", "string", _("Region in Russian.")),
    OpenField("region_kk", "string", _("Region in Kazakh.")),
    OpenField("region_en", "string", _("Region in English.")),
    OpenField("city", "string", _("City or settlement.")),
    OpenField("website", "string", _("The organisation's website (http or https), if any.")),
    OpenField("nominations", "array", _("Codes of the nominations it applied in.")),
    OpenField("nominations_ru", "array", _("Titles of those nominations in Russian.")),
    OpenField("nominations_kk", "array", _("Titles of those nominations in Kazakh.")),
    OpenField("nominations_en", "array", _("Titles of those nominations in English.")),
    OpenField("years", "array", _("Years of the editions it took part in.")),
)


def rows(_programme=None):
    """The registry's organisations in name order: three queries for any number."""
    labels = {value: in_languages(label) for value, label in LegalForm.choices}
    organisations = directory.with_registry_details(directory.registry_organisations())
    for organisation in organisations:
        nominations = {}
        for application in organisation.registry_applications:
            nominations.setdefault(application.nomination.code, application.nomination)
        legal_form = labels.get(organisation.legal_form, {})
        region = organisation.region
        href, _text = directory._website(organisation.website)  # the page's own rule
        yield {
            "organisation": organisation.name,
            "legal_form": organisation.legal_form,
            **{f"legal_form_{lang}": legal_form.get(lang, "") for lang in ("ru", "kk", "en")},
            "region": region.code,
            "region_ru": region.name_ru, "region_kk": region.name_kk, "region_en": region.name_en,
            "city": organisation.city,
            "website": href,
            "nominations": list(nominations),
            **{f"nominations_{lang}": [getattr(n, f"title_{lang}") or n.title_ru
                                       for n in nominations.values()]
               for lang in ("ru", "kk", "en")},
            "years": sorted({a.programme.year for a in organisation.registry_applications}),
        }


def version(_programme=None):
    """Changes when a listed application is added, changed or leaves the registry."""
    found = directory.listed_applications().aggregate(n=Count("pk"), last=Max("updated_at"))
    return f"{found['n']}:{found['last']}"


def register():
    register_open_dataset(
        "registry", title=_("Registry of social enterprises"),
        description=_("NGOs that took part in the award and agreed to appear in the public "
                      "registry, as on the registry page."),
        schema=SCHEMA, rows=rows, is_public=lambda _programme: True, version=version,
        per_edition=False, order=10)
