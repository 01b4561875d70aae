"""A member's request to be paid their cash balance (W1-W5)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ...ledger.models import AMOUNT, Account, Program
from ...money import MAX_KEY_LENGTH


class WithdrawalStatus:
    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"
    CHOICES = [
        (REQUESTED, "Requested"),
        (APPROVED, "Approved"),
        (PAID, "Paid"),
        (REJECTED, "Rejected"),
        (FAILED, "Failed"),
        (CANCELLED, "Cancelled"),
    ]
    ALL = tuple(value for value, _ in CHOICES)
    OPEN = (REQUESTED, APPROVED)  # W4: at most one of these per member
    CLOSED = (PAID, REJECTED, FAILED, CANCELLED)


class WithdrawalMethod:
    BANK_TRANSFER = "bank_transfer"
    PAYPAL = "paypal"
    ALIPAY = "alipay"
    CHOICES = [(BANK_TRANSFER, "Bank transfer"), (PAYPAL, "PayPal"), (ALIPAY, "Alipay")]
    ALL = tuple(value for value, _ in CHOICES)


class Withdrawal(models.Model):
    """One request; its amount is held on the member's cash account from the start
    (``hold_id``, W5) until it is paid (captured) or closed otherwise (released).

    ``details`` is a Fernet token (``crypto.py``), never the details themselves;
    ``details_masked`` is what anyone is ever shown. Both are blanked by the purge
    ``retention_days`` after ``closed_at`` (``purge_after``) and by erasure (P2).
    """

    id = models.BigAutoField(primary_key=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)  # NULL once the member is erased (P2)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=MAX_KEY_LENGTH)  # the ledger's key
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=WithdrawalMethod.CHOICES)
    details = models.TextField(blank=True, default="")  # ciphertext; "" once purged
    details_masked = models.CharField(max_length=128, blank=True, default="")
    hold_id = models.BigIntegerField(unique=True)
    status = models.CharField(
        max_length=16, choices=WithdrawalStatus.CHOICES, default=WithdrawalStatus.REQUESTED
    )
    payout_reference = models.CharField(max_length=128, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rewards_withdrawal"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"], name="rewards_withdrawal_key"
            ),
            # W4 in the database: a second open request of one member cannot commit.
            models.UniqueConstraint(
                fields=["member_id"],
                condition=Q(status__in=WithdrawalStatus.OPEN),
                name="rewards_withdrawal_one_open",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="rewards_withdrawal_positive"),
            models.CheckConstraint(
                condition=Q(status__in=WithdrawalStatus.ALL), name="rewards_withdrawal_status"
            ),
            models.CheckConstraint(
                condition=Q(method__in=WithdrawalMethod.ALL), name="rewards_withdrawal_method"
            ),
            # Closed exactly when in a final state; paid only with a reference.
            models.CheckConstraint(
                condition=Q(status__in=WithdrawalStatus.OPEN, closed_at__isnull=True)
                | Q(status__in=WithdrawalStatus.CLOSED, closed_at__isnull=False),
                name="rewards_withdrawal_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status=WithdrawalStatus.PAID) | ~Q(payout_reference=""),
                name="rewards_withdrawal_paid_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "-id"], name="rewards_withdrawal_list"),
            models.Index(
                fields=["purge_after"],
                condition=~Q(details=""),
                name="rewards_withdrawal_purge",
            ),
        ]

    def __str__(self):
        return f"Withdrawal {self.id} ({self.status})"
