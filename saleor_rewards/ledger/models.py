"""Ledger tables.

Every balance is an ``Account`` (member x channel x kind). Credits are ``Lot`` rows with
their own expiry; every change is an append-only ``Entry`` whose ``*_after`` columns
carry the running balance; ``Allocation`` rows say which lot paid for (or got back)
how much; ``Hold`` is a two-phase reservation (hold -> capture or release, once).

The cached columns on ``Account`` are never trusted alone: CHECK constraints here and
deferred constraint triggers (migrations 0002, 0009) reject, at commit, any transaction
after which an account differs from the sum of its lots, its open holds or its last
entry. ``rewards_audit`` recomputes everything from scratch.

``debt`` is what a take-back could not recover because the points were held on a
checkout or already spent (L3, U8). It is kept by entries like the balances are
(``debt_delta`` / ``debt_after``) and is never covered by lots: it only shrinks when
points become spendable again and pay it (``DEBT_SETTLED`` entries, ``ledger.debt``).
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .constants import MAX_KEY_LENGTH, ActorType, EntryType, HoldStatus, Kind, LotSource, LotStatus

AMOUNT = {"max_digits": 20, "decimal_places": 3}
ZERO = Decimal(0)


def _amount_field(**kwargs):
    return models.DecimalField(**AMOUNT, **kwargs)


class Program(models.Model):
    """A channel's rewards program; per-channel overrides of the plugin settings."""

    channel_slug = models.SlugField(max_length=255, unique=True)
    currency = models.CharField(max_length=3)
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rewards_program"

    def __str__(self):
        return self.channel_slug


class Account(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    # Saleor's User pk. No foreign key: the ledger does not depend on Saleor, and
    # erasure (P2) sets it to NULL while the amounts stay for accounting.
    member_id = models.BigIntegerField(null=True)
    kind = models.CharField(max_length=16, choices=Kind.CHOICES)
    currency = models.CharField(max_length=3, null=True, blank=True)
    available = _amount_field(default=ZERO)
    pending = _amount_field(default=ZERO)
    held = _amount_field(default=ZERO)
    # Revocations that could not be taken back because the balance was spent (U8):
    # the running record of every shortfall, never paid down.
    unrecovered = _amount_field(default=ZERO)
    # What the member still owes of those shortfalls (L3): raised by ``revoke``,
    # paid down by the next points that become spendable.
    # (A database default too, so rows written by raw SQL that predates it balance.)
    debt = _amount_field(default=ZERO, db_default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_account"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "member_id", "kind"], name="rewards_account_unique"
            ),
            models.CheckConstraint(
                condition=Q(available__gte=0) & Q(pending__gte=0) & Q(held__gte=0),
                name="rewards_account_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(unrecovered__gte=0), name="rewards_account_unrecovered"
            ),
            models.CheckConstraint(condition=Q(debt__gte=0), name="rewards_account_debt"),
            models.CheckConstraint(
                condition=(Q(kind__in=Kind.IN_MONEY) & Q(currency__isnull=False))
                | (Q(kind=Kind.POINTS) & Q(currency__isnull=True)),
                name="rewards_account_currency_for_cash",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.ALL), name="rewards_account_kind"),
            # The merchant deposit belongs to nobody, and a channel has one (C3).
            models.CheckConstraint(
                condition=~Q(kind=Kind.DEPOSIT) | Q(member_id__isnull=True),
                name="rewards_account_deposit_no_member",
            ),
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(kind=Kind.DEPOSIT),
                name="rewards_account_one_deposit",
            ),
        ]

    def __str__(self):
        return f"{self.kind} of member {self.member_id} in {self.program_id}"


class Lot(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    source = models.CharField(max_length=16, choices=LotSource.CHOICES)
    status = models.CharField(max_length=16, choices=LotStatus.CHOICES)
    amount = _amount_field()
    remaining = _amount_field()
    created_at = models.DateTimeField(default=timezone.now)
    # When the lot became (or is scheduled to become) available.
    available_at = models.DateTimeField(null=True, blank=True)
    # Expiry policy, applied when the lot becomes available (L4); NULL = never.
    expires_in_days = models.PositiveIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reference_type = models.CharField(max_length=32, blank=True, default="")
    reference_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        db_table = "rewards_lot"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="rewards_lot_amount"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")),
                name="rewards_lot_remaining_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[LotStatus.EXPIRED, LotStatus.VOID]) | Q(remaining=0),
                name="rewards_lot_closed_is_empty",
            ),
            models.CheckConstraint(
                condition=~Q(status=LotStatus.PENDING) | Q(expires_at__isnull=True),
                name="rewards_lot_pending_has_no_expiry",
            ),
        ]
        indexes = [
            # Soonest-expiring-first spending of one account (U4).
            models.Index(
                fields=["account", "expires_at", "id"],
                name="rewards_lot_fefo",
                condition=Q(status=LotStatus.AVAILABLE, remaining__gt=0),
            ),
            # The set-based expiry job (L4).
            models.Index(
                fields=["expires_at"],
                name="rewards_lot_due",
                condition=Q(status=LotStatus.AVAILABLE, remaining__gt=0),
            ),
            models.Index(
                fields=["account"],
                name="rewards_lot_pending",
                condition=Q(status=LotStatus.PENDING),
            ),
            models.Index(fields=["reference_type", "reference_id"]),
        ]


class Hold(models.Model):
    """A reservation of available balance: captured or released exactly once."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = _amount_field()
    status = models.CharField(max_length=16, choices=HoldStatus.CHOICES, default=HoldStatus.OPEN)
    captured = _amount_field(default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reference_type = models.CharField(max_length=32, blank=True, default="")
    reference_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        db_table = "rewards_hold"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="rewards_hold_amount"),
            models.CheckConstraint(
                condition=Q(captured__gte=0) & Q(captured__lte=F("amount")),
                name="rewards_hold_captured_in_range",
            ),
            models.CheckConstraint(
                condition=(Q(status=HoldStatus.OPEN) & Q(closed_at__isnull=True))
                | (~Q(status=HoldStatus.OPEN) & Q(closed_at__isnull=False)),
                name="rewards_hold_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=HoldStatus.OPEN) | Q(captured=0),
                name="rewards_hold_open_not_captured",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="rewards_hold_stale",
                condition=Q(status=HoldStatus.OPEN),
            ),
            models.Index(fields=["reference_type", "reference_id"]),
        ]


class Entry(models.Model):
    """One append-only line of an account's history (U3)."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    created_at = models.DateTimeField(default=timezone.now)
    type = models.CharField(max_length=16, choices=EntryType.CHOICES)
    # Headline signed amount as the member reads it (+earned, -spent).
    amount = _amount_field()
    available_delta = _amount_field(default=ZERO)
    pending_delta = _amount_field(default=ZERO)
    held_delta = _amount_field(default=ZERO)
    available_after = _amount_field()
    pending_after = _amount_field()
    held_after = _amount_field()
    # The member's debt: raised by a revocation's unrecovered part, lowered by a
    # DEBT_SETTLED entry (L3, U8).
    debt_delta = _amount_field(default=ZERO, db_default=ZERO)
    debt_after = _amount_field(default=ZERO, db_default=ZERO)
    # A revocation's part that the balance could not cover (U8).
    unrecovered = _amount_field(default=ZERO)
    # A return's part that came back to lots which had expired meanwhile (S3).
    expired = _amount_field(default=ZERO)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT)
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.PROTECT)
    # The debit (or hold) a RETURN / RELEASE / CAPTURE entry settles.
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=MAX_KEY_LENGTH, null=True, blank=True)
    reference_type = models.CharField(max_length=32, blank=True, default="")
    reference_id = models.CharField(max_length=128, blank=True, default="")
    actor_type = models.CharField(
        max_length=16, choices=ActorType.CHOICES, default=ActorType.SYSTEM
    )
    actor_id = models.CharField(max_length=128, blank=True, default="")
    reason = models.TextField(blank=True, default="")

    class Meta:
        db_table = "rewards_entry"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"], name="rewards_entry_idempotency"
            ),
            # A hold is captured at most once and released at most once (a partial
            # capture writes both: the captured part and the released rest).
            models.UniqueConstraint(
                fields=["hold"],
                condition=Q(type=EntryType.CAPTURE),
                name="rewards_entry_hold_captured_once",
            ),
            models.UniqueConstraint(
                fields=["hold"],
                condition=Q(type=EntryType.RELEASE),
                name="rewards_entry_hold_released_once",
            ),
            models.CheckConstraint(
                condition=Q(available_after__gte=0)
                & Q(pending_after__gte=0)
                & Q(held_after__gte=0)
                & Q(debt_after__gte=0),
                name="rewards_entry_after_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(available_delta=0)
                | ~Q(pending_delta=0)
                | ~Q(held_delta=0)
                | ~Q(debt_delta=0)
                | Q(unrecovered__gt=0)
                | Q(expired__gt=0),
                name="rewards_entry_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(unrecovered__gte=0) & Q(expired__gte=0),
                name="rewards_entry_rests_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-id"], name="rewards_entry_history"),
            models.Index(fields=["reference_type", "reference_id"]),
            models.Index(fields=["original"], name="rewards_entry_original"),
        ]


class Allocation(models.Model):
    """Which lot paid for a debit (negative) or got an amount back (positive)."""

    id = models.BigAutoField(primary_key=True)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="allocations")
    amount = _amount_field()

    class Meta:
        db_table = "rewards_allocation"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="rewards_allocation_not_zero"),
        ]
