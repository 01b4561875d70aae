"""W2, P3: payout details are kept only ``retention_days`` after a withdrawal closes.

Closing a withdrawal stamps ``purge_after`` from its channel's ``retention_days``, so
the purge itself needs no settings: it blanks the ciphertext and the masked form of
every closed withdrawal past that date, set-based, in batches. The amounts, states
and payout references stay (accounting).
"""

from django.db import transaction

from ..retention import purge
from .models import Withdrawal, WithdrawalStatus


def _due(now):
    return Withdrawal.objects.filter(
        status__in=WithdrawalStatus.CLOSED, purge_after__lte=now
    ).exclude(details="", details_masked="")


@purge("withdrawal-details", "payout details of withdrawals closed retention_days ago (W2)")
def purge_withdrawal_details(now, *, dry_run, batch_size, progress) -> int:
    if dry_run:
        count = _due(now).count()
        progress(count)
        return count
    done = 0
    while True:
        with transaction.atomic():
            batch = list(_due(now).order_by("id").values_list("id", flat=True)[:batch_size])
            if not batch:
                return done
            done += Withdrawal.objects.filter(id__in=batch).update(details="", details_masked="")
        progress(done)
