"""Recompute the vote's chain and tally from the stored votes: verify_ledger --programme YEAR.

It prints in English, as the rest of the server's commands and logs (the problems are
``ledger.Problem`` values: the audit page shows the same in its reader's language)."""

from django.core.management.base import BaseCommand, CommandError, no_translations

from ozgeris.models import Programme
from voting import checkpoints, ledger
from voting.models import VoteReview


class Command(BaseCommand):
    help = "Verify the ledger of a programme's public vote; exits non-zero on any mismatch."

    def add_arguments(self, parser):
        parser.add_argument("--programme", type=int, required=True)
        parser.add_argument("--checkpoints", nargs="+", default=[], metavar="FILE",
                            help="saved copies of /vote/YEAR/checkpoints.json to check the chain "
                                 "against (voting/checkpoints.py)")
        parser.add_argument("--public-key", action="append", default=[], dest="public_keys",
                            help="a trusted checkpoint key besides the portal's (hex, base64, PEM "
                                 "or a file holding one); may be repeated")

    @no_translations
    def handle(self, *args, programme, **options):
        try:
            edition = Programme.objects.get(year=programme)
        except Programme.DoesNotExist as exc:
            raise CommandError(f"There is no programme {programme}.") from exc
        problems, head, tally = ledger.verify(edition)
        waiting = ledger.waiting_to_seal(edition)
        if options["checkpoints"]:
            found, kept = checkpoints.verify_files(edition, options["checkpoints"],
                                                   options["public_keys"])
            problems += found
            self.stdout.write(f"kept checkpoints checked: {kept}")
        invalidated = VoteReview.objects.filter(vote__programme=edition).invalidated().count()
        self.stdout.write(f"head digest: {head}")
        self.stdout.write(f"votes in the ledger: {sum(tally.values()) + invalidated}")
        self.stdout.write(f"invalidated: {invalidated}")
        self.stdout.write(f"counted: {sum(tally.values())}")
        for finalist_id, votes in sorted(tally.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  finalist {finalist_id}: {votes}")
        if waiting:
            self.stdout.write(ledger.waiting_line(waiting))
        if problems:
            raise CommandError("The ledger does not verify:\n"
                               + "\n".join(str(problem) for problem in problems))
        self.stdout.write(self.style.SUCCESS("The ledger verifies."))
