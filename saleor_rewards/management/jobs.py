"""What the scheduled-job commands share: ``--now``, ``--batch-size``, ``--dry-run``
and progress output (batches, running counts, elapsed time) (O2)."""

import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class JobCommand(BaseCommand):
    """A command around a set-based ledger job ``run(now, batch_size, progress)``.

    Subclasses set ``verb`` ("activate"), ``done`` ("Activated"), ``run`` and
    ``due`` (``due(now) -> (accounts, lots, amount)``, for ``--dry-run``).
    """

    verb: str
    done: str
    run: Callable[..., int]
    due: Callable[[datetime], tuple[int, int, Decimal]]

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Accounts per transaction (default 2000).",
        )
        parser.add_argument(
            "--now",
            help="Run as if it were this ISO 8601 time (default: now).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only report what would change; write nothing.",
        )

    def handle(self, *args, batch_size, now, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        now = self._parse_now(now)
        if dry_run:
            accounts, lots, amount = type(self).due(now)
            self.stdout.write(
                f"Dry run: would {self.verb} {lots} lot(s) of {accounts} account(s), "
                f"{amount.normalize():f} in total, due at {now.isoformat()}."
            )
            return
        self.stdout.write(f"Lots due at {now.isoformat()}, {batch_size} account(s) per batch.")
        started = time.monotonic()
        batches = accounts_done = 0

        def progress(accounts, lots):
            nonlocal batches, accounts_done
            batches += 1
            accounts_done = accounts
            self.stdout.write(
                f"  batch {batches}: {accounts} accounts, {lots} lots "
                f"{self.done.lower()} so far ({time.monotonic() - started:.2f}s)"
            )

        total = type(self).run(now, batch_size=batch_size, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{self.done} {total} lot(s) of {accounts_done} account(s) in "
                f"{batches} batch(es), {time.monotonic() - started:.2f}s."
            )
        )

    @staticmethod
    def _parse_now(value) -> datetime:
        if value is None:
            return timezone.now()
        parsed = parse_datetime(value)
        if parsed is None:
            raise CommandError(f"--now {value!r} is not an ISO 8601 date and time.")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        return parsed
