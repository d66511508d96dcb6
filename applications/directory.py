"""The public registry of social enterprises (/registry/).

An organisation is listed when at least one of its applications, in any programme, had its
documents checked by staff (``CHECKED_STATUSES``: not one just submitted, nor one whose
documents were rejected) and carries the applicant's consent to be shown in the registry
(``Application.registry_consent``). The page lists them with their nominations and years,
filters them by region, nomination and legal form, and draws the counts of the filtered set
as three bar charts. Every figure is counted by the database, and the page runs the same
number of queries whatever the number of organisations.
"""

from urllib.parse import urlencode, urlsplit

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from ozgeris.charts import bar_chart
from ozgeris.collation import collation_key
from ozgeris.models import Nomination, Region

from .models import CHECKED_STATUSES, Application, LegalForm, Organisation

PER_PAGE = 25

# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


def listed_applications():
    """The applications that put their organisation in the registry: their documents checked
    by staff (``CHECKED_STATUSES``), with the consent to be listed."""
    return Application.objects.filter(status__in=CHECKED_STATUSES, registry_consent=True)


def registry_organisations(*, region=None, nomination=None, legal_form=None):
    """The listed organisations, filtered by a Region code, a Nomination code (a nomination of
    any programme that one of their listed applications was in) and a LegalForm value."""
    applications = listed_applications()
    if nomination:
        applications = applications.filter(nomination__code=nomination)
    organisations = Organisation.objects.filter(pk__in=applications.values("organisation_id"))
    if region:
        organisations = organisations.filter(region__code=region)
    if legal_form:
        organisations = organisations.filter(legal_form=legal_form)
    return organisations


def with_registry_details(organisations):
    """``organisations`` in name order with their region and, as ``registry_applications``,
    their listed applications with nomination and programme: two queries for any number."""
    applications = listed_applications().select_related("nomination", "programme").order_by(
        "programme__year", "nomination__kind", "nomination__order", "pk"
    )
    return (
        organisations.select_related("region")
        .prefetch_related(
            Prefetch("applications", queryset=applications, to_attr="registry_applications")
        )
        .order_by("name", "pk")
    )


def _language():
    language = (get_language() or "ru").split("-")[0]
    return language if language in {"ru", "kk", "en"} else "ru"


def counts_by_region(organisations):
    """``[(region name, number of organisations)]``, largest first."""
    language = _language()
    names = dict.fromkeys(["region__name_ru", f"region__name_{language}"])
    rows = (
        organisations.order_by()
        .values("region__code", *names)
        .annotate(count=Count("pk", distinct=True))
    )
    items = [
        (row[f"region__name_{language}"] or row["region__name_ru"], row["count"]) for row in rows
    ]
    return sorted(items, key=lambda item: (-item[1], collation_key(item[0])))


def counts_by_legal_form(organisations):
    """``[(legal form label, number of organisations)]``, largest first."""
    rows = organisations.order_by().values("legal_form").annotate(count=Count("pk", distinct=True))
    order = {value: rank for rank, value in enumerate(LegalForm.values)}
    labels = dict(LegalForm.choices)
    rows = sorted(rows, key=lambda row: (-row["count"], order.get(row["legal_form"], 99)))
    return [(str(labels.get(row["legal_form"], row["legal_form"])), row["count"]) for row in rows]


def counts_by_nomination(organisations, titles):
    """``[(nomination title, number of organisations)]``, largest first: how many of
    ``organisations`` had a listed application in each nomination (grouped by code across
    programmes, so an organisation in two nominations counts in both). ``titles`` maps a
    nomination code to the title shown."""
    rows = (
        listed_applications()
        .filter(organisation__in=organisations)
        .order_by()
        .values("nomination__code")
        .annotate(count=Count("organisation", distinct=True))
    )
    items = [
        (titles.get(row["nomination__code"], row["nomination__code"]), row["count"])
        for row in rows
    ]
    return sorted(items, key=lambda item: (-item[1], collation_key(item[0])))


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------

_UNKNOWN = _("There is no such choice here; this filter was not applied.")


class RegistryFilterForm(forms.Form):
    """The registry's GET filters. A value that does not validate is left out of the query
    and the form shows why."""

    region = forms.ChoiceField(label=_("Region"), required=False,
                               error_messages={"invalid_choice": _UNKNOWN})
    nomination = forms.ChoiceField(label=_("Nomination"), required=False,
                                   error_messages={"invalid_choice": _UNKNOWN})
    legal_form = forms.ChoiceField(label=_("Legal form"), required=False,
                                   error_messages={"invalid_choice": _UNKNOWN})

    def __init__(self, *args, regions, nominations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + [
            (region.code, region.name) for region in regions
        ]
        self.fields["nomination"].choices = [("", _("All nominations")), *nominations]
        self.fields["legal_form"].choices = [("", _("All legal forms")), *LegalForm.choices]

    def filters(self):
        """The filters that validated, without the empty ones."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


def nomination_choices():
    """``(choices, titles)``: the NGO nominations' codes with their titles (the latest
    programme's title for a code used in several years), and every code's title."""
    nominations = Nomination.objects.order_by("-programme__year", "kind", "order", "pk")
    titles, choices = {}, []
    for nomination in nominations:
        if nomination.code in titles:
            continue
        titles[nomination.code] = nomination.title
        if nomination.kind == Nomination.Kind.NGO:
            choices.append((nomination.code, nomination.title))
    return choices, titles


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def _website(url):
    """``(href, text)`` for an http(s) website, ``("", url)`` for anything else."""
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return "", url or ""
    text = parts.netloc.removeprefix("www.") + parts.path.rstrip("/")
    return url, text


def _row(organisation):
    nominations = {}
    for application in organisation.registry_applications:
        nominations.setdefault(application.nomination.code, application.nomination.title)
    href, text = _website(organisation.website)
    return {
        "organisation": organisation,
        "nominations": list(nominations.values()),
        "years": sorted({a.programme.year for a in organisation.registry_applications}),
        "website_href": href,
        "website_text": text,
    }


def _page_links(path, filters, page):
    def url(number):
        query = {**filters, **({"page": number} if number > 1 else {})}
        return f"?{urlencode(query)}" if query else path

    paginator = page.paginator
    links = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == paginator.ELLIPSIS:
            links.append({"ellipsis": True})
        else:
            links.append({"number": number, "url": url(number), "current": number == page.number})
    return {
        "pages": links,
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


@require_safe
def registry_list(request):
    regions = sorted(Region.objects.all(), key=lambda region: collation_key(region.name))
    choices, titles = nomination_choices()
    form = RegistryFilterForm(request.GET, regions=regions, nominations=choices)
    filters = form.filters()
    organisations = registry_organisations(**filters)

    paginator = Paginator(with_registry_details(organisations), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [_row(organisation) for organisation in page.object_list]

    no_data = gettext("No organisations.")
    charts = [
        {
            "key": key,
            "title": title,
            "svg": bar_chart(items, title=title, chart_id=f"registry-chart-{key}",
                             empty_text=no_data),
        }
        for key, title, items in (
            ("region", gettext("Organisations by region"), counts_by_region(organisations)),
            ("nomination", gettext("Organisations by nomination"),
             counts_by_nomination(organisations, titles)),
            ("legal-form", gettext("Organisations by legal form"),
             counts_by_legal_form(organisations)),
        )
    ]
    active_filters = [
        (form.fields[name].label, dict(form.fields[name].choices).get(value, value))
        for name, value in filters.items()
    ]
    return render(request, "applications/registry.html", {
        "form": form,
        "filters": filters,
        "active_filters": active_filters,
        "rows": rows,
        "page": page,
        "total": paginator.count,
        "pagination": _page_links(request.path, filters, page),
        "charts": charts,
    })
