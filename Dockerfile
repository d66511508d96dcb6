# The portal's image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

# WeasyPrint's system libraries (Pango and friends) and fonts for the PDFs; pg_dump, pg_restore
# and psql for `manage.py backup` and `restore` (bookworm's 15, the major version compose's
# postgres:15 runs: pg_dump refuses a server newer than itself).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
      fonts-dejavu-core shared-mime-info postgresql-client \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    OZGERIS_VAR_DIR=/data \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .

# Build-time values only: collectstatic and the catalogues need settings, not secrets.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py compile_translations \
 && SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v 0

RUN useradd --create-home --uid 1000 ozgeris && mkdir -p /data && chown ozgeris /data
USER ozgeris
VOLUME ["/data"]
EXPOSE 8000
# The access log leaves out query strings and referrers (a receipt page's address carries the
# receipt's code, which the log would otherwise tie to the voter's address), and the tokens of
# personal links in paths (ozgeris.access_log).
CMD ["gunicorn", "ozgeris.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--logger-class", "ozgeris.access_log.Logger", \
     "--access-logformat", "%(h)s %(t)s %(m)s %(U)s %(s)s %(B)s %(L)s"]
