"""Deployment checks of the vote's own keys (``manage.py check --deploy``).

Without its key a production portal would fail only at the close, when the final checkpoint
is signed; and a mailbox hash keyed by SECRET_KEY changes whenever that key is rotated, which
during a vote would let every mailbox vote again. Both are said before the first request.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def vote_keys(app_configs, **kwargs):
    from .checkpoints import signing_key

    found = []
    if settings.PRODUCTION:
        try:
            signing_key()
        except ImproperlyConfigured as error:
            found.append(Error(str(error), id="voting.E001"))
        if settings.VOTE_MAILBOX_KEY == settings.SECRET_KEY:
            found.append(Warning(
                "VOTE_MAILBOX_KEY is not set, so the vote's mailbox hash is keyed by SECRET_KEY: "
                "rotating SECRET_KEY during a vote would let every mailbox vote again.",
                hint="Set VOTE_MAILBOX_KEY to a random value of its own and keep it.",
                id="voting.W001"))
    return found
