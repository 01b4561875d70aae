import pathlib

from django.core.management.base import BaseCommand, CommandError

from ...ledger.errors import RewardsError
from ...programs.withdrawals.models import Withdrawal, WithdrawalStatus
from ...programs.withdrawals.payout_files import PayoutFormat, create_payout_file

_FORMATS = {"sepa": PayoutFormat.SEPA_XML, "paypal": PayoutFormat.PAYPAL_CSV}
_METHODS = {"sepa": "bank_transfer", "paypal": "paypal"}


class Command(BaseCommand):
    help = (
        "Write the payout file of approved withdrawals (W6): a SEPA credit transfer "
        "(pain.001, EUR bank transfers) or a PayPal Payouts batch CSV. Without ids, "
        "every approved withdrawal of that kind (in --channel if given). The file "
        "changes nothing; mark the batch paid once it was executed."
    )

    def add_arguments(self, parser):
        parser.add_argument("format", choices=sorted(_FORMATS))
        parser.add_argument("ids", nargs="*", type=int, help="Withdrawal ids (numbers).")
        parser.add_argument("--channel", help="Only this channel's withdrawals.")
        parser.add_argument("--output", help="Where to write; default: the file's name.")

    def handle(self, *args, format, ids, channel=None, output=None, **options):
        if not ids:
            approved = Withdrawal.objects.filter(
                status=WithdrawalStatus.APPROVED, method=_METHODS[format]
            )
            if format == "sepa":
                approved = approved.filter(currency="EUR")
            if channel:
                approved = approved.filter(program__channel_slug=channel)
            ids = list(approved.order_by("id").values_list("id", flat=True))
        if not ids:
            self.stdout.write("No approved withdrawals to pay.")
            return
        try:
            payout = create_payout_file(ids, _FORMATS[format])
        except RewardsError as error:
            raise CommandError(error.message) from None
        path = pathlib.Path(output or payout.filename)
        path.write_bytes(payout.content)
        totals = ", ".join(f"{total} {code}" for code, total in sorted(payout.totals.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {len(payout.withdrawal_ids)} withdrawal(s), {totals} "
                f"(ids {' '.join(map(str, payout.withdrawal_ids))})."
            )
        )
