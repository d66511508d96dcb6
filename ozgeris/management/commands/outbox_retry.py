"""Queue again the mail the outbox gave up on: outbox_retry [--purpose P] [--since DATE].

Run it once the mail server is back after an outage longer than the outbox retries
(``OUTBOX_GIVE_UP_HOURS``): a vote's receipts, among others, are still waiting whole. Each
message gets ``OUTBOX_MAX_ATTEMPTS`` more attempts; the run is audited (``outbox.requeued``).
Account mail (a password-reset link, a sign-in code) is left: its link is gone, the person
asks again; so is mail never written whose context is gone (``outbox.retry``).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ozgeris import outbox


def moment(value):
    """A date (midnight, local time) or a date and time, for ``--since``."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        parsed = datetime.datetime.combine(day, datetime.time())
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "Queue again the mail the outbox gave up on."

    def add_arguments(self, parser):
        parser.add_argument("--purpose", default="",
                            help="Only the messages of this purpose (voting:receipt, ...).")
        parser.add_argument("--since",
                            help="Only those given up at or after this date (YYYY-MM-DD) or time.")

    def handle(self, *args, purpose, since, **options):
        try:
            since = moment(since) if since else None
        except ValueError:
            raise CommandError(f"--since: not a date: {since!r}") from None
        queued, left = outbox.retry(purpose=purpose, since=since)
        if left:
            self.stdout.write(f"{left} messages left: what they needed is gone (an account's "
                              "link, a receipt given up before receipts kept their code).")
        self.stdout.write(self.style.SUCCESS(f"{queued} messages queued again."))
