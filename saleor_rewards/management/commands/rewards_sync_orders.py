"""Re-sync Saleor orders with the rewards ledger (catch-up after a queue outage).

Syncing is idempotent: an order already in step posts nothing.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Sync orders Saleor changed in the last N hours with the rewards ledger."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=48, help="Orders updated in the last N hours (default 48)."
        )
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, hours, batch_size, **options):
        from saleor_rewards.saleor_adapter.tasks.orders import sync_orders_updated_since

        if hours <= 0 or batch_size <= 0:
            raise CommandError("--hours and --batch-size must be positive.")
        started = timezone.now()

        def progress(done, total, totals):
            self.stdout.write(
                f"{done}/{total} orders synced; purchase points standing "
                f"{totals['loyalty_points']}, referral {totals['referral_points']}, "
                f"taken back now {totals['taken_back']} "
                f"({(timezone.now() - started).total_seconds():.1f} s)"
            )

        totals = sync_orders_updated_since(
            started - timedelta(hours=hours), batch_size=batch_size, progress=progress
        )
        self.stdout.write(self.style.SUCCESS(f"Done: {totals['orders']} orders synced."))
