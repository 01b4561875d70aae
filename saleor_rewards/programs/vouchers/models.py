"""Voucher codes bought with points (S5)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ...ledger.models import AMOUNT, ZERO, Account, Entry, Program
from ...money import MAX_KEY_LENGTH


class VoucherConversion(models.Model):
    """Points a member turned into a single-use voucher code of the shop (S5).

    The id is chosen before the debit and is the debit's reference (VOUCHER), so
    the member's history points here without showing the code itself. One row per
    (member account, idempotency key): asking again with the key returns this row.
    """

    id = models.UUIDField(primary_key=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=MAX_KEY_LENGTH)  # the ledger's key
    points = models.BigIntegerField()
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    # The voucher's minimum spend (S5: amount x 100 / the member's cap); 0 for
    # conversions made before the cap applied to vouchers.
    min_spent = models.DecimalField(**AMOUNT, default=ZERO)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="+")
    voucher_id = models.CharField(max_length=64)  # the shop's voucher (Saleor pk)
    code = models.CharField(max_length=255, unique=True)
    valid_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_voucher_conversion"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"],
                name="rewards_voucher_conversion_key",
            ),
            models.CheckConstraint(
                condition=Q(points__gt=0) & Q(amount__gt=0),
                name="rewards_voucher_conversion_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_spent__gte=0), name="rewards_voucher_conversion_min_spent"
            ),
        ]
