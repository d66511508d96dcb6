"""System checks of the portal's own settings (``manage.py check``).

PORTAL_URL is the origin every mailed link starts with (ozgeris.links): the path after it comes
from the URL conf, which already carries a sub-path set by FORCE_SCRIPT_NAME. A PORTAL_URL with
a path of its own would print that path twice in every link, so it is refused at start.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register


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
