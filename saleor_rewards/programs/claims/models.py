"""Guarantee claims (C1-C6): the claim, its lines, its documents, its story, and the
merchant's return addresses.

The database keeps the rules the code checks (C4): one open claim per order line and
type (a partial unique index), and one approved claim per order line (a line is
refunded and compensated once, whatever the type).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ...ledger.models import AMOUNT, Program


class ClaimType:
    COUNTERFEIT = "counterfeit"
    NOT_DIRECT_SUPPLY = "not_direct_supply"
    CHOICES = [(COUNTERFEIT, "Counterfeit"), (NOT_DIRECT_SUPPLY, "Not direct supply")]


class ClaimStatus:
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHOICES = [
        (SUBMITTED, "Submitted"),
        (INFO_REQUESTED, "Information requested"),
        (APPROVED, "Approved"),
        (REJECTED, "Rejected"),
    ]
    OPEN = (SUBMITTED, INFO_REQUESTED)
    DECIDED = (APPROVED, REJECTED)


class ClaimEventType:
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    RESPONDED = "responded"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHOICES = [
        (SUBMITTED, "Submitted"),
        (INFO_REQUESTED, "Information requested"),
        (RESPONDED, "The buyer responded"),
        (APPROVED, "Approved"),
        (REJECTED, "Rejected"),
    ]


def _money(**kwargs):
    return models.DecimalField(**AMOUNT, **kwargs)


class Claim(models.Model):
    """A buyer's guarantee claim on lines of one of their orders (C1-C3)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)  # NULL once erased (P2)
    order_id = models.CharField(max_length=64)
    type = models.CharField(max_length=24, choices=ClaimType.CHOICES)
    status = models.CharField(
        max_length=16, choices=ClaimStatus.CHOICES, default=ClaimStatus.SUBMITTED
    )
    description = models.TextField()
    currency = models.CharField(max_length=3)
    # The buyer's own costs (C1), in the order's currency.
    delivery_cost = _money(default=0)
    logistics_cost = _money(default=0)
    other_costs = _money(default=0)
    # What the claimed lines cost the buyer in money, and the ceiling, when filed;
    # recomputed at approval from the order as it is then (C2).
    paid = _money()
    ceiling = _money()
    shipping_country = models.CharField(max_length=2, blank=True, default="")
    # The decision (C2, C3): what staff granted, split into the refund through
    # Saleor and the compensation in the buyer's cash balance.
    granted = _money(null=True, blank=True)
    refund_amount = _money(default=0)
    compensation_amount = _money(default=0)
    refund_reference = models.CharField(max_length=128, blank=True, default="")
    note = models.TextField(blank=True, default="")
    decided_by = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rewards_claim"
        indexes = [
            models.Index(fields=["program", "status", "id"], name="rewards_claim_status"),
            models.Index(fields=["member_id"], name="rewards_claim_member"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s for s, _ in ClaimStatus.CHOICES]),
                name="rewards_claim_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(type__in=[t for t, _ in ClaimType.CHOICES]),
                name="rewards_claim_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(delivery_cost__gte=0)
                & Q(logistics_cost__gte=0)
                & Q(other_costs__gte=0)
                & Q(paid__gte=0)
                & Q(ceiling__gte=0)
                & Q(refund_amount__gte=0)
                & Q(compensation_amount__gte=0),
                name="rewards_claim_amounts_not_negative",
            ),
            # Never more than the ceiling; what was granted is refund + compensation.
            models.CheckConstraint(
                condition=Q(granted__isnull=True)
                | (
                    Q(granted__lte=F("ceiling"))
                    & Q(granted=F("refund_amount") + F("compensation_amount"))
                ),
                name="rewards_claim_granted_within_ceiling",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.APPROVED) | Q(granted__isnull=False),
                name="rewards_claim_approved_has_amount",
            ),
        ]


class ClaimLine(models.Model):
    """An order line a claim is about, with what the buyer paid for it (C2)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    order_line_id = models.CharField(max_length=64)
    type = models.CharField(max_length=24, choices=ClaimType.CHOICES)
    open = models.BooleanField(default=True)
    approved = models.BooleanField(default=False)
    quantity = models.PositiveIntegerField()
    paid = _money()
    product_name = models.CharField(max_length=386, blank=True, default="")
    variant_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "rewards_claim_line"
        constraints = [
            # C4: one open claim per line and type.
            models.UniqueConstraint(
                fields=["order_line_id", "type"],
                condition=Q(open=True),
                name="rewards_claim_line_one_open",
            ),
            # A line is refunded and compensated once, whatever the claim's type.
            models.UniqueConstraint(
                fields=["order_line_id"],
                condition=Q(approved=True),
                name="rewards_claim_line_one_approved",
            ),
            models.CheckConstraint(condition=Q(paid__gte=0), name="rewards_claim_line_paid"),
        ]


class ClaimEvent(models.Model):
    """A step of a claim as the buyer and staff read it (``RewardsClaim.events``)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=24, choices=ClaimEventType.CHOICES)
    message = models.TextField(blank=True, default="")
    actor = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_claim_event"
        ordering = ["id"]


class ClaimDocument(models.Model):
    """An evidence document, kept in Saleor's private storage, never public (C1)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents")
    event = models.ForeignKey(
        ClaimEvent, null=True, on_delete=models.SET_NULL, related_name="documents"
    )
    storage_name = models.CharField(max_length=512, unique=True)
    filename = models.CharField(max_length=256)
    content_type = models.CharField(max_length=128, blank=True, default="")
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_claim_document"
        ordering = ["id"]


class ReturnAddress(models.Model):
    """Where buyers of one destination country send claimed goods back (C5)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    country = models.CharField(max_length=2)
    name = models.CharField(max_length=256)
    company = models.CharField(max_length=256, blank=True, default="")
    street_address_1 = models.CharField(max_length=256)
    street_address_2 = models.CharField(max_length=256, blank=True, default="")
    city = models.CharField(max_length=256)
    postal_code = models.CharField(max_length=32, blank=True, default="")
    country_area = models.CharField(max_length=128, blank=True, default="")
    phone = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_return_address"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "country"], name="rewards_return_address_country"
            ),
        ]
