from django.core.management.base import BaseCommand

from ...saleor_adapter.use_cases.programs import create_missing_codes, create_missing_programs


class Command(BaseCommand):
    help = (
        "Give every Saleor channel without a rewards program its program and default "
        "tiers (T1), and every active customer without a referral code a code (R1). "
        "Switching the plugin on does the same; run it after installing or upgrading "
        "the plugin if it was switched on another way. Idempotent."
    )

    def handle(self, *args, **options):
        created = create_missing_programs()
        for slug in created:
            self.stdout.write(f"  program created: {slug}")
        codes = create_missing_codes()
        self.stdout.write(
            self.style.SUCCESS(f"Created {len(created)} program(s) and {codes} referral code(s).")
        )
