"""Deployment checks of the vote's own keys (``manage.py check --deploy``).

Without its key a production portal would fail only at the close, when the final checkpoint
is signed; and a mailbox hash keyed by SECRET_KEY changes whenever that key is rotated, which
during a vote would let every mailbox vote again. Both are said before the first request.

The mailbox hash (voting/mailbox.py) is an HMAC of a verified email address: with a short or
guessable key, anyone holding a database dump could hash candidate addresses and link the
vote's rows back to voters. Its key is held to at least MAILBOX_KEY_MIN_LENGTH characters, not
all alike (the rule Django applies to SECRET_KEY, at a length fit for an HMAC key), and, unlike
Django's warning, at the error level that stops the migrate service's gate.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

MAILBOX_KEY_MIN_LENGTH = 32
MAILBOX_KEY_MIN_UNIQUE_CHARACTERS = 5


@register(Tags.security, deploy=True)
def vote_keys(app_configs, **kwargs):
    from .checkpoints import signing_key

    found = []
    if settings.PRODUCTION:
        try:
            signing_key()
        except ImproperlyConfigured as error:
            found.append(Error(str(error), id="voting.E001"))
        key = settings.VOTE_MAILBOX_KEY
        own = key != settings.SECRET_KEY
        if (len(key) < MAILBOX_KEY_MIN_LENGTH
                or len(set(key)) < MAILBOX_KEY_MIN_UNIQUE_CHARACTERS):
            found.append(Error(
                f"{'VOTE_MAILBOX_KEY' if own else 'SECRET_KEY, which keys the mailbox hash,'} is "
                f"too weak ({len(key)} characters): it needs at least {MAILBOX_KEY_MIN_LENGTH} "
                "random characters, or anyone with a database dump could link the vote's "
                "mailbox hashes back to voters' email addresses.",
                hint="Generate one with: python -c \"import secrets; "
                     "print(secrets.token_urlsafe(48))\" (set it before the vote opens and keep "
                     "it: changing it during a vote lets every mailbox vote again).",
                id="voting.E002"))
        if not own:
            found.append(Warning(
                "VOTE_MAILBOX_KEY is not set, so the vote's mailbox hash is keyed by SECRET_KEY: "
                "rotating SECRET_KEY during a vote would let every mailbox vote again.",
                hint="Set VOTE_MAILBOX_KEY to a random value of its own and keep it.",
                id="voting.W001"))
    return found
