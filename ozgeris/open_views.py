"""The open data pages: the list of datasets at /open/, each dataset's schema as JSON and its
files (``ozgeris.open_data``). The spine imports no app: it reads what the apps registered."""

from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from . import open_data
from .models import Programme

# Public data: anyone may read it from a page of their own.
_OPEN_HEADERS = {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}


@require_safe
def index(request):
    return render(request, "ozgeris/open/index.html", {
        "catalogue": open_data.catalogue(),
        "licence": open_data.LICENCE,
    })


def _dataset_or_404(name):
    dataset = open_data.dataset(name)
    if dataset is None:
        raise Http404("No such dataset.")
    return dataset


@require_safe
def schema(request, name):
    response = JsonResponse(open_data.table_schema(_dataset_or_404(name)),
                            json_dumps_params={"ensure_ascii": False, "indent": 1})
    patch_vary_headers(response, ("Cookie", "Accept-Language"))  # descriptions in a language
    for header, value in _OPEN_HEADERS.items():
        response[header] = value
    return response


@require_safe
def download(request, name, fmt, year=None):
    """A dataset's file: 404 for an unknown dataset or edition and while the data is not
    public; 304 when the reader's copy (its ETag) is current. Readers revalidate every time
    (``no-cache``), so a file that stops being public is gone at once."""
    dataset = _dataset_or_404(name)
    if dataset.per_edition != (year is not None):
        raise Http404("No such file.")
    programme = Programme.objects.published_or_404(year) if year is not None else None
    found = open_data.open_file(dataset, programme, fmt)
    if found is None:
        raise Http404("Not published yet.")
    if found.etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(found.content, content_type=found.content_type)
        disposition = "attachment" if fmt == "csv" else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{found.filename}"'
    response["ETag"] = found.etag
    patch_cache_control(response, public=True, no_cache=True)
    for header, value in _OPEN_HEADERS.items():
        response[header] = value
    return response
