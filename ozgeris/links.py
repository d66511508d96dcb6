"""Absolute links to the portal, for mail.

Mail is often written where no request exists (a Celery task, the outbox, a management
command), so a link in it cannot come from ``request.build_absolute_uri``: it is
``settings.PORTAL_URL`` (where the portal is reached, the port ``make run`` serves by default)
followed by the path the URL conf gives the view's name. Every service that mails a link asks
here, so a moved page moves every link to it.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode


def portal_link(viewname, *, args=(), kwargs=None, query=None):
    """The absolute address of the view named ``viewname`` (``"jury_panel:index"``), with
    ``query`` (a mapping) as its query string. The path includes the script prefix, as every
    ``reverse`` does: behind a sub-path, ``FORCE_SCRIPT_NAME`` keeps tasks' links right."""
    link = settings.PORTAL_URL + reverse(viewname, args=args, kwargs=kwargs)
    return f"{link}?{urlencode(query)}" if query else link


def portal_address(url):
    """The absolute form of ``url``, a path on the portal (a stored file's ``url``); an
    address that is absolute already (a file on another host) is left as it is."""
    return url if "://" in url else settings.PORTAL_URL + url
