from django.core.management.base import BaseCommand

from ...ledger import expire_due_lots


class Command(BaseCommand):
    help = "Expire every available lot past its expiry date (SPEC L4)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size, **options):
        def progress(accounts, lots):
            self.stdout.write(f"  {accounts} accounts, {lots} lots expired so far")

        total = expire_due_lots(batch_size=batch_size, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Expired {total} lot(s)."))
