from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from ...ledger import audit
from ...ledger.audit import channel_totals
from ...programs.withdrawals.audit import withdrawal_disagreements


def card_disagreements() -> list[str] | None:
    """Card by card (S6), where Saleor runs the plugin: each rewards gift card paid
    on orders what its captured points are worth, and nothing once released. None
    without Saleor (the Saleor-independent suite audits the ledger alone)."""
    if not apps.is_installed("saleor.giftcard"):
        return None
    from ...saleor_adapter.shop.gift_cards import redemption_disagreements

    return redemption_disagreements()


class Command(BaseCommand):
    help = (
        "Recompute every rewards balance from its entries, lots, allocations and "
        "holds, check every rewards gift card against the points captured for it and "
        "every withdrawal against its hold; exit non-zero, naming each member, card or "
        "withdrawal, on any drift (SPEC U5, S6, W5)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--totals",
            action="store_true",
            help="Also print each channel's totals recomputed from the entries alone "
            "(what rewards_liability must show, O3).",
        )

    def handle(self, *args, totals=False, **options):
        counts, drifts = audit()
        checked = card_disagreements()
        cards = checked or []
        withdrawals = withdrawal_disagreements()
        summary = ", ".join(f"{value} {name}" for name, value in counts.items())
        self.stdout.write(f"Audited {summary}.")
        if totals:
            for (channel, kind), sums in sorted(channel_totals().items()):
                figures = " ".join(f"{name}={value.normalize():f}" for name, value in sums.items())
                self.stdout.write(f"TOTAL {channel} {kind} {figures}")
        for drift in drifts:
            self.stderr.write(f"DRIFT {drift}")
        for problem in cards:
            self.stderr.write(f"CARD {problem}")
        for problem in withdrawals:
            self.stderr.write(f"WITHDRAWAL {problem}")
        if drifts:
            raise CommandError(
                f"{len(drifts)} drift(s) found in "
                f"{len({d.account_id for d in drifts})} account(s)"
                + (f", and {len(cards)} gift card problem(s)." if cards else ".")
            )
        if cards:
            raise CommandError(f"{len(cards)} gift card problem(s) found.")
        if withdrawals:
            raise CommandError(f"{len(withdrawals)} withdrawal(s) disagree with their holds.")
        self.stdout.write(self.style.SUCCESS("No drift: every balance is proven."))
        if checked is not None:
            self.stdout.write(
                self.style.SUCCESS("Every rewards gift card paid what its points are worth.")
            )
