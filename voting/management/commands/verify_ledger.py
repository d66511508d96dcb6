"""Recompute the vote's chain and tally from the stored votes: verify_ledger --programme YEAR."""

from django.core.management.base import BaseCommand, CommandError

from ozgeris.models import Programme
from voting import ledger


class Command(BaseCommand):
    help = "Verify the ledger of a programme's public vote; exits non-zero on any mismatch."

    def add_arguments(self, parser):
        parser.add_argument("--programme", type=int, required=True)

    def handle(self, *args, programme, **options):
        try:
            edition = Programme.objects.get(year=programme)
        except Programme.DoesNotExist as exc:
            raise CommandError(f"There is no programme {programme}.") from exc
        problems, head, tally = ledger.verify(edition)
        self.stdout.write(f"head digest: {head}")
        self.stdout.write(f"votes in the ledger: {sum(tally.values())}")
        for finalist_id, votes in sorted(tally.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  finalist {finalist_id}: {votes}")
        if problems:
            raise CommandError("The ledger does not verify:\n" + "\n".join(problems))
        self.stdout.write(self.style.SUCCESS("The ledger verifies."))
