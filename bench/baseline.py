"""The bare Django view the vote is compared with, and its urlconf (bench/settings.py).

It does the least a vote must do: take the same POST (same session and CSRF cookies, the
same middleware) and insert one row with a unique key, then redirect like the vote does.
The key is the session cookie, unique per request since each voter is used once per run.
"""

from django.db import IntegrityError, connection
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

TABLE = "bench_baseline_row"
CREATE_TABLE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, "
                "key varchar(64) NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now())")


@require_POST
def insert(request, pk):
    key = request.COOKIES.get("sessionid", "")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE} (key) VALUES (%s)", [key])  # noqa: S608
    except IntegrityError:
        return HttpResponse(status=409)
    return HttpResponseRedirect(f"/bench/receipt/?code={key[:16]}")  # shaped like the vote's


urlpatterns = [path("bench/insert/<int:pk>/", insert)]
