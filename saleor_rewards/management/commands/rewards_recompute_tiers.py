from django.core.management.base import BaseCommand

from ...saleor_adapter.tasks.tiers import recompute_all_tiers


class Command(BaseCommand):
    help = (
        "Re-level every member of every channel from their consumption (SPEC T2, T3) "
        "and move their tier discount codes; what the scheduled job does."
    )

    def handle(self, *args, **options):
        def progress(program, changed, done, total):
            self.stdout.write(
                f"  [{done}/{total}] {program.channel_slug}: {changed} member(s) changed"
            )

        totals = recompute_all_tiers(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed tiers in {totals['programs']} channel(s): "
                f"{totals['members_changed']} member(s) changed, "
                f"{totals['codes_changed']} discount code(s) moved."
            )
        )
