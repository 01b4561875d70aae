"""The table of paying with points (S1-S4): one row per amount applied to a checkout.

A redemption ties together the ledger hold that reserves the points (or cash), the
shop's gift card that carries their value into the checkout, and later the order
that used it. ``member_id``, ``checkout_token``, ``order_id`` and the gift card are
the shop's ids, without foreign keys (the programs do not depend on Saleor).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ...ledger.constants import Kind
from ...ledger.models import AMOUNT, ZERO, Hold, Program


class RedemptionStatus:
    HELD = "held"  # applied to a checkout: the hold is open, the card is live
    RELEASED = "released"  # replaced, removed, abandoned (S2), or unused by the order
    CAPTURED = "captured"  # the order used it; ``returned`` may be part of it (S4)
    RETURNED = "returned"  # all of the captured amount came back (S3, S4)
    CHOICES = [
        (HELD, "Held"),
        (RELEASED, "Released"),
        (CAPTURED, "Captured"),
        (RETURNED, "Returned"),
    ]


class Redemption(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)
    checkout_token = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.MEMBER_CHOICES)
    hold = models.OneToOneField(Hold, on_delete=models.PROTECT, related_name="+")
    units = models.DecimalField(**AMOUNT)  # points (whole) or cash held in the ledger
    amount = models.DecimalField(**AMOUNT)  # the gift card's value
    currency = models.CharField(max_length=3)
    gift_card_id = models.BigIntegerField(null=True)
    gift_card_code = models.CharField(max_length=16, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=RedemptionStatus.CHOICES, default=RedemptionStatus.HELD
    )
    order_id = models.CharField(max_length=64, blank=True, default="")
    used_amount = models.DecimalField(**AMOUNT, default=ZERO)  # paid on the order
    captured = models.DecimalField(**AMOUNT, default=ZERO)  # units captured
    returned = models.DecimalField(**AMOUNT, default=ZERO)  # units given back so far
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)  # released or captured
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rewards_redemption"
        indexes = [
            models.Index(fields=["order_id"], name="rewards_redemption_order"),
            models.Index(fields=["status", "id"], name="rewards_redemption_status"),
        ]
        constraints = [
            # One amount applied per checkout at a time (S1: applying again replaces).
            models.UniqueConstraint(
                fields=["checkout_token"],
                condition=Q(status=RedemptionStatus.HELD),
                name="rewards_redemption_one_open_per_checkout",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s for s, _ in RedemptionStatus.CHOICES]),
                name="rewards_redemption_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(units__gt=0) & Q(amount__gt=0), name="rewards_redemption_positive"
            ),
            models.CheckConstraint(
                condition=Q(captured__gte=0)
                & Q(captured__lte=F("units"))
                & Q(returned__gte=0)
                & Q(returned__lte=F("captured"))
                & Q(used_amount__gte=0)
                & Q(used_amount__lte=F("amount")),
                name="rewards_redemption_amounts",
            ),
        ]

    @property
    def points(self) -> int | None:
        return int(self.units) if self.kind == Kind.POINTS else None
