import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...programs.retention import discover, run_purges


class Command(BaseCommand):
    help = (
        "Delete what is kept longer than its purpose needs: every retention purge the "
        "features register, or the one named by --only (SPEC P3, O2)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count; delete nothing.")
        parser.add_argument("--only", metavar="NAME", help="Run this purge only.")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows per statement (default 1000)."
        )

    def handle(self, *args, dry_run, only, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if only is not None and only not in discover():
            known = ", ".join(discover()) or "none"
            raise CommandError(f"No purge is named {only!r}; known: {known}.")
        clock = time.monotonic()
        verb = "would remove" if dry_run else "removed"

        def started(name, description):
            self.stdout.write(f"{name}: {description}")

        def progress(name, count):
            self.stdout.write(
                f"  {name}: {count} row(s) {verb} so far ({time.monotonic() - clock:.2f}s)"
            )

        done = run_purges(
            timezone.now(),
            only=only,
            batch_size=batch_size,
            dry_run=dry_run,
            started=started,
            progress=progress,
        )
        for name, count in done.items():
            self.stdout.write(f"{name}: {count} row(s) {verb}.")
        prefix = "Dry run: would remove" if dry_run else "Removed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} {sum(done.values())} row(s) in {len(done)} purge(s), "
                f"{time.monotonic() - clock:.2f}s."
            )
        )
