"""Membership tiers (T1-T3, L5): a channel's levels, consumption, and who is where.

Consumption is the paid product basis of a member's orders net of refunds: the
``basis - refunded_basis`` of their loyalty ``OrderAward`` rows that still stand
(cancelled and fully refunded orders are ``reversed``), over the member's lifetime
or the last ``tier_window_days`` (by when the order was paid). One member is
recomputed when their order is paid or refunded (``recompute_member``); a rolling
window also needs the scheduled, set-based ``recompute_program``.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from ...ledger.models import ZERO, Program
from .. import locks
from ..loyalty.models import AwardKind, OrderAward
from .models import MemberTier, Tier

ONE = Decimal(1)


@dataclass(frozen=True)
class DefaultTier:
    name: str
    min_consumption: Decimal
    discount_percent: Decimal
    for_unverified: bool = False
    max_redeem_percent: Decimal | None = None  # None: the program's max_redeem_percent


# T1 (seed 002), in the channel's currency. Unverified members cannot pay with points
# (0 %); the others follow the program's cap until staff set one (seed 002's 2-5 %).
DEFAULT_TIERS = (
    DefaultTier(
        "Unverified", Decimal(0), Decimal(0), for_unverified=True, max_redeem_percent=Decimal(0)
    ),
    DefaultTier("Regular", Decimal(0), Decimal("0.5")),
    DefaultTier("VIP-D", Decimal(200), Decimal(1)),
    DefaultTier("VIP-C", Decimal(800), Decimal(2)),
    DefaultTier("VIP-B", Decimal(1500), Decimal(3)),
    DefaultTier("VIP-A", Decimal(3000), Decimal(4)),
    DefaultTier("Top-VIP", Decimal(5000), Decimal(5)),
)


def tiers_of(program: Program) -> list[Tier]:
    """The program's levels (lowest first); a read. Every program gets the default
    table when it is created (``create_default_tiers``), and keeps at least one tier
    (deleting the last is refused)."""
    return list(Tier.objects.filter(program=program).select_related("program"))


def create_default_tiers(program: Program) -> list[Tier]:
    """Give a new program the default table (T1); a program with tiers keeps its own.

    Defaults earn 1.0x and follow the program's ``max_redeem_percent`` (NULL), but
    for Unverified, whose members cannot pay with points (0 %).
    Idempotent, also when two callers create the same program at once.
    """
    if not Tier.objects.filter(program=program).exists():
        Tier.objects.bulk_create(
            [
                Tier(
                    program=program,
                    name=t.name,
                    min_consumption=t.min_consumption,
                    discount_percent=t.discount_percent,
                    for_unverified=t.for_unverified,
                    max_redeem_percent=t.max_redeem_percent,
                    position=position,
                )
                for position, t in enumerate(DEFAULT_TIERS)
            ],
            ignore_conflicts=True,  # a concurrent creation made them already
        )
    return tiers_of(program)


def tier_for(tiers, consumption: Decimal, verified: bool = True) -> Tier | None:
    """The level of a member with ``consumption`` (T1).

    Unverified members are in the unverified tier when there is one; everyone else
    in the highest tier whose threshold they reached. None below every threshold.
    """
    if not verified:
        for tier in tiers:
            if tier.for_unverified:
                return tier
    reached = [t for t in tiers if not t.for_unverified and t.min_consumption <= consumption]
    if not reached:
        return None
    return max(reached, key=lambda t: (t.min_consumption, -t.position, -t.id))


def next_tier(tiers, current: Tier | None, consumption: Decimal) -> Tier | None:
    """The next level up from ``consumption``: the lowest threshold above it."""
    above = [
        t
        for t in tiers
        if not t.for_unverified
        and t.min_consumption > consumption
        and (
            current is None or current.for_unverified or t.min_consumption > current.min_consumption
        )
    ]
    return min(above, key=lambda t: (t.min_consumption, t.position, t.id), default=None)


def window_start(settings: dict, now: datetime) -> datetime | None:
    days = settings["tier_window_days"]
    return now - timedelta(days=days) if days else None


def consumption(
    program: Program, member_id: int, settings: dict, now: datetime | None = None
) -> Decimal:
    """The member's paid product basis net of refunds (T1, T2)."""
    awards = OrderAward.objects.filter(
        program=program, member_id=member_id, kind=AwardKind.LOYALTY, reversed=False
    )
    since = window_start(settings, now or timezone.now())
    if since is not None:
        awards = awards.filter(created_at__gte=since)
    basis = awards.aggregate(basis=Sum("basis"), refunded=Sum("refunded_basis"))
    return (basis["basis"] or ZERO) - (basis["refunded"] or ZERO)


@dataclass(frozen=True)
class TierStatus:
    program: Program
    tier: Tier | None
    consumption: Decimal
    next_tier: Tier | None
    remaining: Decimal  # consumption still needed for ``next_tier``; 0 at the top


def status(
    program: Program,
    member_id: int,
    settings: dict,
    *,
    verified: bool = True,
    now: datetime | None = None,
) -> TierStatus:
    """Where the member stands now and how far the next level is (``rewardsMe.tier``)."""
    tiers = tiers_of(program)
    spent = consumption(program, member_id, settings, now)
    tier = tier_for(tiers, spent, verified)
    following = next_tier(tiers, tier, spent)
    remaining = following.min_consumption - spent if following else ZERO
    return TierStatus(program, tier, spent, following, remaining)


def recompute_member(
    program: Program,
    member_id: int,
    settings: dict,
    now: datetime | None = None,
    *,
    verified: bool | None = None,
) -> MemberTier:
    """Bring one member's level in line with their consumption (T3).

    ``verified`` None keeps what was known (new members count as verified). Upgrades
    and downgrades alike: it is the same computation after a payment and a refund.
    """
    now = now or timezone.now()
    tiers = tiers_of(program)
    with transaction.atomic():
        row, _ = MemberTier.objects.get_or_create(
            program=program,
            member_id=member_id,
            defaults={
                "verified": True if verified is None else verified,
                "since": now,
                "updated_at": now,
            },
        )
        row = locks.member_tiers().get(id=row.id)
        if verified is not None:
            row.verified = verified
        row.consumption = max(ZERO, consumption(program, member_id, settings, now))
        tier = tier_for(tiers, row.consumption, row.verified)
        if tier is None or row.tier_id != tier.id:
            row.since = now
        row.tier = tier
        row.updated_at = now
        row.save()
    return row


# One statement for every member of a program (STYLE: set-based). The shop may say
# which members' e-mails are verified and which are not (``verified`` and
# ``unverified`` id arrays); for anyone it names in neither, the stored flag counts.
_RECOMPUTE = """
WITH spent AS (
    SELECT member_id, SUM(basis - refunded_basis) AS consumption
    FROM rewards_order_award
    WHERE program_id = %(program)s AND kind = %(kind)s AND NOT reversed
      AND member_id IS NOT NULL
      AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s::timestamptz)
    GROUP BY member_id
), members AS (
    SELECT m.member_id,
           GREATEST(COALESCE(s.consumption, 0), 0) AS consumption,
           COALESCE(CASE WHEN m.member_id = ANY(%(verified)s) THEN TRUE
                         WHEN m.member_id = ANY(%(unverified)s) THEN FALSE END,
                    mt.verified, TRUE) AS verified
    FROM (SELECT member_id FROM spent
          UNION
          SELECT member_id FROM rewards_member_tier
          WHERE program_id = %(program)s AND member_id IS NOT NULL) AS m
    LEFT JOIN spent s ON s.member_id = m.member_id
    LEFT JOIN rewards_member_tier mt
           ON mt.program_id = %(program)s AND mt.member_id = m.member_id
), target AS (
    SELECT members.*, COALESCE(
        (SELECT t.id FROM rewards_tier t
         WHERE t.program_id = %(program)s AND t.for_unverified AND NOT members.verified),
        (SELECT t.id FROM rewards_tier t
         WHERE t.program_id = %(program)s AND NOT t.for_unverified
           AND t.min_consumption <= members.consumption
         ORDER BY t.min_consumption DESC, t.position, t.id LIMIT 1)
    ) AS tier_id
    FROM members
)
INSERT INTO rewards_member_tier AS mt
    (program_id, member_id, tier_id, consumption, verified, discount_code, since,
     updated_at)
SELECT %(program)s, member_id, tier_id, consumption, verified, '', %(now)s, %(now)s
FROM target
ON CONFLICT (program_id, member_id) DO UPDATE SET
    since = CASE WHEN mt.tier_id IS NOT DISTINCT FROM EXCLUDED.tier_id
                 THEN mt.since ELSE EXCLUDED.since END,
    tier_id = EXCLUDED.tier_id,
    consumption = EXCLUDED.consumption,
    verified = EXCLUDED.verified,
    updated_at = EXCLUDED.updated_at
WHERE mt.tier_id IS DISTINCT FROM EXCLUDED.tier_id
   OR mt.consumption <> EXCLUDED.consumption
   OR mt.verified <> EXCLUDED.verified
RETURNING mt.member_id
"""


def member_ids(program: Program) -> list[int]:
    """Everyone the program levels: members with a level or a purchase award."""
    awarded = OrderAward.objects.filter(
        program=program, kind=AwardKind.LOYALTY, member_id__isnull=False
    ).values_list("member_id", flat=True)
    levelled = MemberTier.objects.filter(program=program, member_id__isnull=False).values_list(
        "member_id", flat=True
    )
    return sorted(set(awarded.distinct()) | set(levelled))


def recompute_program(
    program: Program,
    settings: dict,
    now: datetime | None = None,
    *,
    verified: Collection[int] = (),
    unverified: Collection[int] = (),
) -> list[int]:
    """Every member's level in one statement (T3: rolling windows, edited tiers).

    ``verified`` / ``unverified``: members whose e-mail the shop says is (not)
    verified now; the others keep their stored flag. Returns the members whose row
    changed (level, consumption or verification).
    """
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _RECOMPUTE,
            {
                "program": program.id,
                "kind": AwardKind.LOYALTY,
                "now": now,
                "since": window_start(settings, now),
                "verified": list(verified),
                "unverified": list(unverified),
            },
        )
        return [member_id for (member_id,) in cursor.fetchall()]


def member_tier(program: Program, member_id: int) -> MemberTier | None:
    return (
        MemberTier.objects.select_related("tier")
        .filter(program=program, member_id=member_id)
        .first()
    )


def earn_multiplier(program: Program, member_id: int | None) -> Decimal:
    """The member's tier multiplier on purchase points (L5); 1.0 without a tier."""
    if member_id is None:
        return ONE
    row = member_tier(program, member_id)
    return row.tier.earn_multiplier if row and row.tier else ONE


def current_tier(program: Program, member_id: int, verified: bool | None = None) -> Tier | None:
    """The member's level as it stands: the stored one, unless the shop says their
    e-mail verification differs from what was stored (``verified``), or nothing is
    stored yet; then the level their consumption and verification give (T1).

    A member not recomputed yet, of unknown verification, counts as a verified
    member without consumption.
    """
    row = member_tier(program, member_id)
    if row is not None and (verified is None or row.verified == verified):
        return row.tier
    spent = row.consumption if row is not None else ZERO
    return tier_for(tiers_of(program), spent, True if verified is None else verified)


def tier_max_redeem_percent(
    program: Program, member_id: int, verified: bool | None = None
) -> Decimal | None:
    """The member's tier cap on paying with points (S1), or None: the program's cap.

    The redemption code takes the lower of this and ``max_redeem_percent``.
    """
    tier = current_tier(program, member_id, verified)
    return tier.max_redeem_percent if tier else None
