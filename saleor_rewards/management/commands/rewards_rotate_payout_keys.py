from django.core.management.base import BaseCommand

from ...programs.withdrawals.crypto import rotate_stored_details


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored payout detail under the first key of "
        "SALEOR_REWARDS_FERNET_KEYS (W2). Roll a key out by putting the new key first, "
        "keeping the old ones, running this, then dropping the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--from-secret-key",
            action="store_true",
            help="Also decrypt with the key derived from SECRET_KEY (a shop that stored "
            "details before it set SALEOR_REWARDS_FERNET_KEYS).",
        )

    def handle(self, *args, batch_size, from_secret_key, **options):
        count = rotate_stored_details(
            batch_size=batch_size,
            with_secret_key=from_secret_key,
            progress=lambda done: self.stdout.write(f"{done} re-encrypted..."),
        )
        self.stdout.write(self.style.SUCCESS(f"{count} payout details re-encrypted."))
