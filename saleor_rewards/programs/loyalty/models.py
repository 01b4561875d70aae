"""What paid orders earned: one award per order and kind (L1-L3, R6, R7).

Saleor objects are referred to by their ids (``member_id`` = Saleor User pk,
``order_id`` = Saleor Order UUID as text) without foreign keys: the programs do not
depend on Saleor, and erasure (P2) nulls the links to a person.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ...ledger.models import AMOUNT, ZERO, Lot, Program


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
                condition=Q(points__gte=0) & Q(taken_back__gte=0) & Q(taken_back__lte=F("points")),
                name="rewards_order_award_taken_back",
            ),
            models.CheckConstraint(
                condition=Q(basis__gte=0)
                & Q(refunded_basis__gte=0)
                & Q(refunded_basis__lte=F("basis")),
                name="rewards_order_award_basis",
            ),
        ]

    @property
    def standing(self) -> int:
        return self.points - self.taken_back


class DeliveryConfirmation(models.Model):
    """The customer confirmed that an order arrived (L2, seed 001 "Confirm Delivery").

    One row per order, written once by the order's customer; the order's awards are
    delivered from ``confirmed_at`` (plus ``hold_days``), and every later sync of the
    order reads it as part of the order's state (``OrderSnapshot``), so a replay
    delivers nothing twice. The database refuses to change or delete it
    (migration 0011); erasure (P2) may only unlink the member.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    order_id = models.CharField(max_length=64, unique=True)
    member_id = models.BigIntegerField(null=True)  # the order's customer, who confirmed
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_delivery_confirmation"
