"""System checks of the portal's own settings (``manage.py check``).

PORTAL_URL is the origin every mailed link starts with (ozgeris.links): the path after it comes
from the URL conf, which already carries a sub-path set by FORCE_SCRIPT_NAME. A PORTAL_URL with
a path of its own would print that path twice in every link, so it is refused at start; in
production it must also be an https address people can reach, not the default of `make run`.
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
