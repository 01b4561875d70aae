"""Tables of the membership tiers (T1-T4): a channel's levels and each member's level.

Kept apart from ``models.py`` so the tier tables read as one unit; Django finds them
through ``saleor_rewards/models.py``.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ...ledger.models import AMOUNT, ZERO, Program

PERCENT = {"max_digits": 6, "decimal_places": 3}
MULTIPLIER = {"max_digits": 7, "decimal_places": 3}


class Tier(models.Model):
    """One level of a channel's program (T1, T2).

    A verified member is in the tier with the highest ``min_consumption`` they have
    reached; a member whose e-mail is not verified is in the ``for_unverified`` tier
    when the program has one (T1 "Unverified"). ``max_redeem_percent`` NULL follows
    the program's ``max_redeem_percent`` setting (S1).
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=64)
    min_consumption = models.DecimalField(**AMOUNT, default=ZERO)
    discount_percent = models.DecimalField(**PERCENT, default=ZERO)
    max_redeem_percent = models.DecimalField(**PERCENT, null=True, blank=True)
    earn_multiplier = models.DecimalField(**MULTIPLIER, default=1)
    position = models.IntegerField(default=0)
    for_unverified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rewards_tier"
        ordering = ["program", "-for_unverified", "min_consumption", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="rewards_tier_name_unique"),
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(for_unverified=True),
                name="rewards_tier_one_unverified",
            ),
            models.CheckConstraint(
                condition=Q(min_consumption__gte=0), name="rewards_tier_min_consumption"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="rewards_tier_discount_percent",
            ),
            models.CheckConstraint(
                condition=Q(max_redeem_percent__isnull=True)
                | (Q(max_redeem_percent__gte=0) & Q(max_redeem_percent__lte=100)),
                name="rewards_tier_max_redeem_percent",
            ),
            models.CheckConstraint(
                condition=Q(earn_multiplier__gte=0) & Q(earn_multiplier__lte=100),
                name="rewards_tier_earn_multiplier",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="rewards_tier_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class MemberTier(models.Model):
    """A member's current level in one channel and the consumption that put them there.

    Written by ``tiers.recompute_member`` (one member, when an order is paid or
    refunded) and ``tiers.recompute_program`` (one statement for every member).
    ``discount_code`` is the member's personal code of the tier discount in the shop
    (T4); the Saleor adapter creates it.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)
    tier = models.ForeignKey(Tier, null=True, on_delete=models.PROTECT, related_name="+")
    consumption = models.DecimalField(**AMOUNT, default=ZERO)
    verified = models.BooleanField(default=True)
    discount_code = models.CharField(max_length=64, blank=True, default="")
    since = models.DateTimeField(default=timezone.now)  # in this tier since
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_member_tier"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "member_id"], name="rewards_member_tier_unique"
            ),
            models.UniqueConstraint(
                fields=["discount_code"],
                condition=~Q(discount_code=""),
                name="rewards_member_tier_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(consumption__gte=0), name="rewards_member_tier_consumption"
            ),
        ]
        indexes = [models.Index(fields=["tier"], name="rewards_member_tier_tier")]
