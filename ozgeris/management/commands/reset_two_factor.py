"""Reset a person's two-factor sign-in after they lost their phone and their recovery codes:
reset_two_factor EMAIL. The rule is ozgeris.two_factor.reset_two_factor."""

from django.core.management.base import BaseCommand, CommandError

from ozgeris.accounts import mailbox_owner
from ozgeris.two_factor import reset_two_factor


class Command(BaseCommand):
    help = ("Remove a person's authenticator app and recovery codes (check who is asking first). "
            "Their next sign-in asks for the password, then for a new app where it is required.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="the account's email address")

    def handle(self, *args, email, **options):
        user = mailbox_owner(email.strip())  # any spelling of the mailbox, as sign-in finds it
        if user is None:
            raise CommandError(f"No account has the email address {email}.")
        removed = reset_two_factor(user=user)
        self.stdout.write(self.style.SUCCESS(
            f"Two-factor sign-in of {user.email} reset ({removed} authenticator(s) removed)."))
