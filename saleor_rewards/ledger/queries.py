"""Reading balances and history (no locks; what a member or staff sees)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from .constants import Kind, LotStatus
from .models import Account, Entry, Lot

ZERO = Decimal(0)


@dataclass(frozen=True)
class Balance:
    kind: str
    currency: str | None
    available: Decimal  # spendable now: excludes lots already past their expiry
    pending: Decimal
    held: Decimal
    # Owed from take-backs the balance could not cover; paid by the next points
    # that become spendable (L3, U8). Not part of any balance above.
    debt: Decimal = ZERO


def balance(account: Account | None, *, now: datetime | None = None) -> Balance:
    """Balance of an account; ``None`` (no account yet) reads as zero."""
    if account is None:
        return Balance(Kind.POINTS, None, ZERO, ZERO, ZERO)
    now = now or timezone.now()
    # The caller's object may predate later postings: read the columns afresh.
    account.refresh_from_db(fields=["available", "pending", "held", "debt"])
    # Lots past expiry that the job has not swept yet are no longer spendable.
    overdue = (
        Lot.objects.filter(
            account=account,
            status=LotStatus.AVAILABLE,
            remaining__gt=0,
            expires_at__lte=now,
        ).aggregate(total=Sum("remaining"))["total"]
        or ZERO
    )
    return Balance(
        kind=account.kind,
        currency=account.currency,
        available=account.available - overdue,
        pending=account.pending,
        held=account.held,
        debt=account.debt,
    )


EXPIRING_SOON_LIMIT = 50


def expiring_soon(
    account: Account | None,
    *,
    days: int = 30,
    now: datetime | None = None,
    limit: int = EXPIRING_SOON_LIMIT,
) -> list[tuple[Decimal, datetime]]:
    """(amount, expires_at) of available lots expiring within ``days``, soonest first:
    the first ``limit`` dates (a member with a thousand lots still gets a bounded
    answer, issue 14)."""
    if account is None:
        return []
    now = now or timezone.now()
    rows = (
        Lot.objects.filter(
            account=account,
            status=LotStatus.AVAILABLE,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=days),
        )
        .values("expires_at")
        .annotate(total=Sum("remaining"))
        .order_by("expires_at")[:limit]
    )
    return [(row["total"], row["expires_at"]) for row in rows]


def history(accounts) -> QuerySet[Entry]:
    """Entries of the given accounts, newest first."""
    return Entry.objects.filter(Q(account__in=accounts)).order_by("-id")
