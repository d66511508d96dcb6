"""System checks of the portal's own settings (``manage.py check``).

PORTAL_URL is the origin every mailed link starts with (ozgeris.links): the path after it comes
from the URL conf, which already carries a sub-path set by FORCE_SCRIPT_NAME. A PORTAL_URL with
a path of its own would print that path twice in every link, so it is refused at start; in
production it must also be an https address people can reach, not the default of `make run`.

Django's own deployment checks only warn about DEBUG, and say nothing of a host wildcard, while
the migrate service's gate (`check --deploy --fail-level ERROR`) stops only on errors: in
production DEBUG on (tracebacks with settings to anyone) and an ALLOWED_HOSTS of ``*`` (any Host
header believed) are errors of the portal's own here.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register()
def portal_url_is_an_origin(app_configs, **kwargs):
    parts = urlsplit(settings.PORTAL_URL)
    if parts.scheme in ("http", "https") and parts.netloc and not (
            parts.path or parts.query or parts.fragment):
        return []
    return [Error(
        f"PORTAL_URL must be the portal's origin (scheme and host, such as "
        f"https://ozgeris.kz), not {settings.PORTAL_URL!r}.",
        hint="Serve a sub-path with FORCE_SCRIPT_NAME; the links take it from the URL conf.",
        id="ozgeris.E001")]


@register(Tags.security, deploy=True)
def portal_url_is_public(app_configs, **kwargs):
    parts = urlsplit(settings.PORTAL_URL)
    if not settings.PRODUCTION or (parts.scheme == "https" and parts.hostname not in (
            "127.0.0.1", "localhost", "::1")):
        return []
    return [Error(
        f"PORTAL_URL is {settings.PORTAL_URL!r}: mailed links (password resets among them) "
        "would point there.",
        hint="Set PORTAL_URL to the https address people reach the portal at.",
        id="ozgeris.E002")]


@register(Tags.security, deploy=True)
def production_is_not_debugging(app_configs, **kwargs):
    if not (settings.PRODUCTION and settings.DEBUG):
        return []
    return [Error(
        "DEBUG is on with DJANGO_ENV=production: error pages would show the settings and the "
        "code to anyone.",
        hint="Unset DEBUG (production turns it off), or set DJANGO_ENV=development.",
        id="ozgeris.E003")]


@register(Tags.security, deploy=True)
def production_names_its_hosts(app_configs, **kwargs):
    if not settings.PRODUCTION or (settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS):
        return []
    return [Error(
        f"ALLOWED_HOSTS is {settings.ALLOWED_HOSTS!r} with DJANGO_ENV=production: the portal "
        "must name the hosts it answers, not accept any Host header.",
        hint="Set ALLOWED_HOSTS to the portal's host names, such as ozgeris.kz.",
        id="ozgeris.E004")]
