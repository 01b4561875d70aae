"""Tables of the programs built on the ledger: order awards, referrals, reviews.

Saleor objects are referred to by their ids (``member_id`` = Saleor User pk,
``order_id`` = Saleor Order UUID as text) without foreign keys: the programs do not
depend on Saleor, and erasure (P2) nulls the links to a person.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..ledger.models import AMOUNT, ZERO, Account, Entry, Lot, Program


class AwardKind:
    LOYALTY = "loyalty"  # the buyer's purchase points (L1)
    REFERRAL = "referral"  # the sponsor's reward on a friend's first order (R6)
    WELCOME = "welcome"  # the referred friend's own bonus on that order (R6)
    CHOICES = [(LOYALTY, "Loyalty"), (REFERRAL, "Referral"), (WELCOME, "Welcome")]


class OrderAward(models.Model):
    """What one paid order earned for one member, and how much was taken back.

    One row per (program, order, kind), created the first time the order is seen
    fully paid; the row lock serialises every later sync of the order (U6), and
    ``points - taken_back`` is what still stands after cancellations and refunds.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    order_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=AwardKind.CHOICES)
    member_id = models.BigIntegerField(null=True)
    basis = models.DecimalField(**AMOUNT)  # earn basis when the order was paid (L1)
    percent = models.DecimalField(max_digits=7, decimal_places=3)
    points = models.BigIntegerField()
    refunded_basis = models.DecimalField(**AMOUNT, default=ZERO)
    taken_back = models.BigIntegerField(default=0)
    lot = models.ForeignKey(Lot, null=True, on_delete=models.PROTECT, related_name="+")
    reversed = models.BooleanField(default=False)  # cancelled / fully refunded
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rewards_order_award"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "order_id", "kind"], name="rewards_order_award_unique"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0)
                & Q(taken_back__gte=0)
                & Q(taken_back__lte=F("points")),
                name="rewards_order_award_taken_back",
            ),
            models.CheckConstraint(
                condition=Q(basis__gte=0) & Q(refunded_basis__gte=0)
                & Q(refunded_basis__lte=F("basis")),
                name="rewards_order_award_basis",
            ),
        ]  # fmt: skip

    @property
    def standing(self) -> int:
        return self.points - self.taken_back


class ReferralCode(models.Model):
    """A member's referral code (R1); one per member, shared by every channel."""

    member_id = models.BigIntegerField(null=True, unique=True)
    code = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_referral_code"


class ReferralSource:
    REGISTRATION = "registration"  # account metadata read by customer_created (R3)
    CLAIM = "claim"  # rewardsReferralClaim (R3)
    CHOICES = [(REGISTRATION, "Registration"), (CLAIM, "Claim")]


class Referral(models.Model):
    """A friend named a sponsor (R3). One sponsor per friend, for good."""

    sponsor_id = models.BigIntegerField(null=True)
    friend_id = models.BigIntegerField(null=True, unique=True)
    source = models.CharField(max_length=16, choices=ReferralSource.CHOICES)
    # The friend's order whose reward stands (R6); cleared again when that order
    # is cancelled or refunded in full, so that a later order counts (R7).
    rewarded_order_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_referral"
        indexes = [models.Index(fields=["sponsor_id"], name="rewards_referral_sponsor")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sponsor_id=F("friend_id")), name="rewards_referral_not_self"
            )
        ]


class ReferralInvite(models.Model):
    """An invitation e-mail a sponsor sent (R2); only a hash of the address is kept (P3)."""

    sponsor_id = models.BigIntegerField(null=True)
    email_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_referral_invite"
        constraints = [
            models.UniqueConstraint(
                fields=["sponsor_id", "email_hash"], name="rewards_referral_invite_unique"
            )
        ]
        indexes = [
            models.Index(fields=["sponsor_id", "sent_at"], name="rewards_invite_sent")
        ]


class ReviewStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHOICES = [(PENDING, "Pending"), (APPROVED, "Approved"), (REJECTED, "Rejected")]


class Review(models.Model):
    """A customer's review of a line of their own fulfilled order (B2)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)
    order_id = models.CharField(max_length=64)
    order_line_id = models.CharField(max_length=64, unique=True)  # once per line
    product_id = models.CharField(max_length=64, blank=True, default="")
    text = models.TextField()
    photo_urls = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.CHOICES, default=ReviewStatus.PENDING
    )
    points = models.BigIntegerField(default=0)  # awarded on approval, after the cap
    moderated_by = models.CharField(max_length=64, blank=True, default="")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rewards_review"
        indexes = [
            models.Index(fields=["status", "id"], name="rewards_review_status"),
            models.Index(fields=["member_id"], name="rewards_review_member"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s for s, _ in ReviewStatus.CHOICES]),
                name="rewards_review_status_valid",
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="rewards_review_points"),
        ]


# --- Voucher codes (S5) -------------------------------------------------------------


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
    idempotency_key = models.CharField(max_length=255)
    points = models.BigIntegerField()
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
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
        ]
