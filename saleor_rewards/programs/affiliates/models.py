"""Affiliates, their tracked visits and their commissions (A1-A4).

Saleor objects are named by their ids without foreign keys (``member_id`` = Saleor
User pk, ``product_id`` = Product pk as text, ``order_id`` = Order UUID as text), as
everywhere in the programs; erasure (P2) nulls or blanks what names a person.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ...ledger.models import AMOUNT, ZERO, Lot, Program


class AffiliateStatus:
    PENDING = "pending"  # applied, not decided yet
    APPROVED = "approved"  # earns commissions (A1)
    REJECTED = "rejected"
    SUSPENDED = "suspended"  # earns nothing new; what was earned stays (A1)
    CHOICES = [
        (PENDING, "Pending"),
        (APPROVED, "Approved"),
        (REJECTED, "Rejected"),
        (SUSPENDED, "Suspended"),
    ]


class Affiliate(models.Model):
    """A member's application to the affiliate program of one channel, and its state.

    One row per (program, member): applying again after a rejection reopens it. The
    code exists from the first approval on and never changes (links stay valid
    across a suspension).
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)
    # Keyed hash of the member's canonical e-mail (P3): a guest checkout with the
    # affiliate's own address is still their own order (A3).
    email_hash = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=AffiliateStatus.CHOICES, default=AffiliateStatus.PENDING
    )
    code = models.CharField(max_length=32, null=True, unique=True)
    website = models.CharField(max_length=500, blank=True, default="")
    social_profiles = models.JSONField(default=list, blank=True)
    audience = models.TextField(blank=True, default="")
    message = models.TextField(blank=True, default="")
    # Per-affiliate override of ``affiliate_commission_percent`` (A3); None = the
    # channel's setting.
    commission_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True)
    note = models.TextField(blank=True, default="")  # the last decision's note
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "rewards_affiliate"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "member_id"], name="rewards_affiliate_member_unique"
            ),
            models.CheckConstraint(
                condition=Q(commission_percent__isnull=True)
                | (Q(commission_percent__gte=0) & Q(commission_percent__lte=100)),
                name="rewards_affiliate_commission_percent",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(status="rejected") | Q(code__isnull=False),
                name="rewards_affiliate_code_when_approved",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"], name="rewards_affiliate_status")]


class AffiliateVisit(models.Model):
    """A storefront reported a visit through an affiliate link (A2).

    The client is kept only as a keyed hash of its address (P3), blanked by the
    retention purge once the attribution window is long over.
    """

    affiliate = models.ForeignKey(Affiliate, on_delete=models.CASCADE, related_name="visits")
    product_id = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64, blank=True, default="")
    checkout_token = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_affiliate_visit"
        indexes = [
            models.Index(fields=["affiliate", "created_at"], name="rewards_aff_visit_affiliate"),
            models.Index(fields=["created_at"], name="rewards_aff_visit_created"),
        ]


class AffiliateCommission(models.Model):
    """What one attributed order earned its affiliate, and how much was taken back.

    One row per (program, order), created the first time the order is seen fully
    paid with a valid attribution; its row lock serialises every later sync of the
    order (U6). ``amount - taken_back`` stands after cancellations and refunds.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    order_id = models.CharField(max_length=64)
    affiliate = models.ForeignKey(Affiliate, on_delete=models.PROTECT, related_name="commissions")
    member_id = models.BigIntegerField(null=True)  # the affiliate's, for the ledger
    visit = models.ForeignKey(AffiliateVisit, null=True, on_delete=models.SET_NULL)
    line_ids = models.JSONField(default=list)  # the affiliate-product lines (A3)
    basis = models.DecimalField(**AMOUNT)
    percent = models.DecimalField(max_digits=7, decimal_places=3)
    amount = models.DecimalField(**AMOUNT)
    refunded_basis = models.DecimalField(**AMOUNT, default=ZERO)
    taken_back = models.DecimalField(**AMOUNT, default=ZERO)
    lot = models.ForeignKey(Lot, null=True, on_delete=models.PROTECT, related_name="+")
    reversed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rewards_affiliate_commission"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "order_id"], name="rewards_aff_commission_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(taken_back__gte=0) & Q(taken_back__lte=F("amount")),
                name="rewards_aff_commission_taken_back",
            ),
            models.CheckConstraint(
                condition=Q(basis__gte=0)
                & Q(refunded_basis__gte=0)
                & Q(refunded_basis__lte=F("basis")),
                name="rewards_aff_commission_basis",
            ),
        ]
        indexes = [
            models.Index(fields=["affiliate", "created_at"], name="rewards_aff_commission_aff")
        ]

    @property
    def standing(self):
        return self.amount - self.taken_back
