"""What the access logs keep of a request's path: not the secret a link carries in it.

A personal calendar feed, an unsubscribe link, an invitation and allauth's confirmation and
password-reset links carry their token in the path, which an access log would keep next to
the client's address: whoever reads the logs could follow a juror's sittings, opt someone out
or confirm their address. Query strings and referrers are left out of both logs already (a
receipt's code). gunicorn logs through ``Logger`` (``--logger-class``); nginx's ``map`` in
deploy/nginx/ozgeris.conf masks the same paths (tests/test_access_log.py holds them alike).
"""

import re

from gunicorn import glogging

MASK = "-"
# (a path holding a token, its parts kept): the token becomes MASK, with or without the slash
# after it (a mail client may cut a link there).
SECRET_PATHS = (
    re.compile(r"^(/calendar/\d+/)[^/]+(\.ics)$"),
    re.compile(r"^(/unsubscribe/)[^/]+(/.*)?$"),
    re.compile(r"^(/apply/invitations/)[^/]+(/.*)?$"),
    re.compile(r"^(/accounts/confirm-email/)[^/]+(/.*)?$"),
    re.compile(r"^(/accounts/password/reset/key/)[^/]+(/.*)?$"),
)


def private_path(path):
    """``path`` as an access log keeps it: a token it carries replaced by MASK."""
    for pattern in SECRET_PATHS:
        found = pattern.match(path or "")
        if found:
            return f"{found[1]}{MASK}{found[2] or ''}"
    return path


class Logger(glogging.Logger):
    """gunicorn's logger, whose ``%(U)s`` (the path) keeps no token (``private_path``)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = private_path(atoms["U"])
        return atoms
