"""The daily cap on activity points (B3).

``daily_points_cap`` (0 = none) limits the points a member earns from activities
(the e-mail bonus, reviews) per channel per calendar day; an award is cut to what is
left of the day's cap. Purchase points count, and are cut, only when
``daily_cap_includes_purchases`` is on (the order code calls ``capped`` then).

The day is the UTC calendar day, the same in every channel: a channel has no time
zone in Saleor 3.23, and a fixed day keeps the count independent of the server's.

What a day already earned is the sum of the account's lots of the counted sources
created that day (lots taken back later still count: they were earned that day).
The count and the credit happen in one transaction under the member's account row
lock, so two awards at once cannot both see the same room left.

An award cut to 0 records nothing in the ledger; the caller records what it got
(a review stores 0 points).
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ...ledger import (
    SYSTEM,
    Actor,
    Kind,
    LotSource,
    Reference,
    credit,
    lock_account,
    open_account,
)
from ...ledger.models import Account, Entry, Lot, Program
from ..channel.restrictions import is_restricted

ACTIVITY_SOURCES = (LotSource.BONUS, LotSource.REVIEW)
PURCHASE_SOURCES = (LotSource.LOYALTY,)


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar day containing ``now``: [start, end)."""
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def counted_sources(settings: dict) -> tuple[str, ...]:
    """The lot sources whose points count against the daily cap."""
    if settings["daily_cap_includes_purchases"]:
        return ACTIVITY_SOURCES + PURCHASE_SOURCES
    return ACTIVITY_SOURCES


def cut(amount: int, cap: int, earned_today: int) -> int:
    """``amount`` cut to what is left of ``cap`` after ``earned_today``; 0 cap = none."""
    if amount <= 0:
        return 0
    if cap <= 0:
        return amount
    return max(0, min(amount, cap - earned_today))


def earned_today(account: Account, sources, now: datetime) -> int:
    start, end = day_bounds(now)
    total = Lot.objects.filter(
        account_id=account.id,
        source__in=sources,
        created_at__gte=start,
        created_at__lt=end,
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def capped(account: Account, amount: int, sources, settings: dict, now: datetime) -> int:
    """What of ``amount`` the member may still earn today (B3).

    Call it inside the transaction that credits, after ``lock_account(account)``
    (the ledger's credit then takes the lock this transaction already holds).
    """
    cap = settings["daily_points_cap"]
    if cap <= 0 or amount <= 0:
        return max(amount, 0)
    return cut(amount, cap, earned_today(account, sources, now))


def credit_activity(
    program: Program,
    member_id: int,
    amount: int,
    *,
    key: str,
    source: str,
    settings: dict,
    expires_in_days: int,
    reference: Reference,
    reason: str,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> int:
    """Credit activity points, available at once, cut by the daily cap.

    Returns the points credited under ``key``: a replay returns the first credit's
    amount without counting the cap again; 0 when the cap left nothing (and then
    nothing is recorded, so a later call with the same key may still credit).
    """
    now = now or timezone.now()
    if is_restricted(member_id):
        return 0  # P5: nothing recorded, as when the cap leaves nothing
    with transaction.atomic():
        account = open_account(program, member_id, Kind.POINTS)
        lock_account(account)
        done = Entry.objects.filter(account=account, idempotency_key=key).first()
        if done is not None:
            return int(done.amount)
        points = capped(account, amount, counted_sources(settings), settings, now)
        if points <= 0:
            return 0
        credit(
            account,
            points,
            key=key,
            source=source,
            expires_in_days=expires_in_days,
            reference=reference,
            actor=actor,
            reason=reason,
            now=now,
        )
        return points
