import time

from django.core.management.base import CommandError

from ...saleor_adapter.use_cases.operations import send_reminders
from ..jobs import JobCommand


class Command(JobCommand):
    help = (
        "Mail every member who switched expiry reminders on and has points expiring "
        "within reminder_days_before days, once per lot (SPEC O1, O2, P6)."
    )

    def handle(self, *args, batch_size, now, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        now = self._parse_now(now)
        started = time.monotonic()
        verb = "would send" if dry_run else "sent"

        def progress(run):
            self.stdout.write(
                f"  {run.members_due} member(s) due so far, {run.mails} mail(s) {verb}, "
                f"{run.skipped} without consent or address, {run.failed} failed "
                f"({time.monotonic() - started:.2f}s)"
            )

        self.stdout.write(
            f"Reminders due at {now.isoformat()}" + (" (dry run)." if dry_run else ".")
        )
        run = send_reminders(now, batch_size=batch_size, dry_run=dry_run, progress=progress)
        summary = (
            f"{'Dry run: would send' if dry_run else 'Sent'} {run.mails} reminder(s) about "
            f"{run.lots} lot(s) to {run.mails} of {run.members_due} member(s) due; "
            f"{run.skipped} skipped, {run.failed} failed, {time.monotonic() - started:.2f}s."
        )
        if run.failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
