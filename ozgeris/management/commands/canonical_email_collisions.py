"""List the accounts whose stored canonical email is not what ``canonical_email`` gives today:
canonical_email_collisions. The rule is ozgeris.emails.canonical_email; the list is
``User.objects.stale_canonical_emails``."""

from django.core.management.base import BaseCommand

from ozgeris.models import User


class Command(BaseCommand):
    help = ("List accounts whose stored canonical email differs from today's rules: a second "
            "account for a mailbox that already has one (kept by migration 0013 for staff to "
            "review), or forms a change of the rules left behind. Changes nothing.")

    def handle(self, *args, **options):
        stale = User.objects.stale_canonical_emails()
        if not stale:
            self.stdout.write(self.style.SUCCESS("Every account's canonical email is current."))
            return
        for user, form, holder in stale:
            held = (f"held by account {holder.pk} <{holder.email}>, joined "
                    f"{holder.date_joined:%Y-%m-%d}" if holder
                    else "held by nobody: a migration for the new rules stores it")
            self.stdout.write(
                f"account {user.pk} <{user.email}>, joined {user.date_joined:%Y-%m-%d}: stored "
                f"{user.canonical_email!r}, today {form!r} ({held})")
        self.stdout.write(self.style.WARNING(
            f"{len(stale)} account(s) to review. A second account for one mailbox is a second "
            "vote: decide which one the person keeps."))
