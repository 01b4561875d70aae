"""What the shop owes its members in one channel (O3).

Now: from the accounts' balance columns (which the ledger's triggers keep equal to
their entries, lots and holds, and which ``rewards_audit`` recomputes from scratch,
``ledger.audit.channel_totals``) and, for what expires within 30 days, from the
lots. The daily series: from the entries, summed per day in one query and carried
forward, and the expiring points per day in a second query over the lots and
their allocations. Never per member, never per day per query.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from ...ledger.constants import Kind, LotStatus
from ...ledger.models import Program
from ...money import quantize
from ..claims.deposit import deposit_balance as claims_deposit_balance

ZERO = Decimal(0)
EXPIRING_WINDOW = timedelta(days=30)
MAX_DAYS = 366


@dataclass(frozen=True)
class Totals:
    outstanding: Decimal = ZERO  # available: spendable now (and withdrawable for cash)
    pending: Decimal = ZERO
    held: Decimal = ZERO
    debt: Decimal = ZERO


@dataclass(frozen=True)
class Day:
    date: date
    points_outstanding: int
    points_pending: int
    points_expiring: int  # within 30 days of that day's end
    cash_outstanding: Decimal
    cash_pending: Decimal


@dataclass(frozen=True)
class Liability:
    program: Program
    at: datetime
    points: Totals
    points_expiring: int
    points_value: Decimal  # the outstanding points in the channel's currency
    cash: Totals
    deposit: Decimal
    series: list[Day]

    @property
    def currency(self) -> str:
        return self.program.currency


def deposit_balance(program: Program) -> Decimal:
    """The merchant's security deposit in the channel (C3): what it holds less what
    the merchant owes it (a negative deposit, when the shop allows one)."""
    return claims_deposit_balance(program).amount


def totals(program: Program) -> dict[str, Totals]:
    """kind -> the sums of the program's accounts' balance columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, SUM(available), SUM(pending), SUM(held), SUM(debt) "
            "FROM rewards_account WHERE program_id = %s GROUP BY kind",
            [program.id],
        )
        found = {row[0]: Totals(*row[1:]) for row in cursor.fetchall()}
    return {kind: found.get(kind, Totals()) for kind in Kind.ALL}


def expiring_points(program: Program, now: datetime) -> int:
    """Points of available lots that expire in ``(now, now + 30 days]``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(l.remaining), 0) FROM rewards_lot l "
            "JOIN rewards_account a ON a.id = l.account_id "
            "WHERE a.program_id = %s AND a.kind = %s AND l.status = %s "
            "AND l.remaining > 0 AND l.expires_at > %s AND l.expires_at <= %s",
            [program.id, Kind.POINTS, LotStatus.AVAILABLE, now, now + EXPIRING_WINDOW],
        )
        return int(cursor.fetchone()[0])


def _day_ends(days: int, now: datetime) -> list[tuple[date, datetime]]:
    """The last ``days`` days up to today, each ending at midnight after it, today
    at ``now``: so the series' last point is the report's own "now"."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    ends = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
        ends.append((day, min(end, now)))
    return ends


def _balances_by_day(program, ends) -> dict[tuple[date, str], tuple[Decimal, Decimal]]:
    """(day, kind) -> (available, pending) at the day's end: each day's changes in
    one query, carried forward."""
    bounds = [end for _day, end in ends]
    with connection.cursor() as cursor:
        # width_bucket: 0 before the first day's end (the opening balance and the
        # first day), i for [end of day i-1, end of day i); nothing after "now".
        cursor.execute(
            """
            SELECT width_bucket(e.created_at, %s::timestamptz[]) AS bucket, a.kind,
                   SUM(e.available_delta), SUM(e.pending_delta)
            FROM rewards_entry e JOIN rewards_account a ON a.id = e.account_id
            WHERE a.program_id = %s AND e.created_at < %s
            GROUP BY 1, 2
            """,
            [bounds, program.id, bounds[-1]],
        )
        changes = {
            (bucket, kind): (available, pending)
            for bucket, kind, available, pending in cursor.fetchall()
        }
    result = {}
    for kind in Kind.ALL:
        available = pending = ZERO
        for index, (day, _end) in enumerate(ends):
            change = changes.get((index, kind), (ZERO, ZERO))
            available += change[0]
            pending += change[1]
            result[(day, kind)] = (available, pending)
    return result


_EXPIRING_LOTS = """
    SELECT width_bucket(l.expires_at, %(expiry_bounds)s::timestamptz[]),
           width_bucket(l.available_at, %(ends)s::timestamptz[]), SUM(l.remaining)
    FROM rewards_lot l JOIN rewards_account a ON a.id = l.account_id
    WHERE a.program_id = %(program)s AND a.kind = %(kind)s AND l.status <> %(void)s
      AND l.expires_at > %(first_end)s AND l.expires_at <= %(last_window_end)s
      AND l.available_at < %(last_end)s
    GROUP BY 1, 2
"""

_ALLOCATED_SINCE = """
    SELECT width_bucket(l.expires_at, %(expiry_bounds)s::timestamptz[]),
           width_bucket(l.available_at, %(ends)s::timestamptz[]),
           width_bucket(e.created_at, %(ends)s::timestamptz[]), SUM(x.amount)
    FROM rewards_allocation x
    JOIN rewards_entry e ON e.id = x.entry_id
    JOIN rewards_lot l ON l.id = x.lot_id
    JOIN rewards_account a ON a.id = l.account_id
    WHERE a.program_id = %(program)s AND a.kind = %(kind)s AND l.status <> %(void)s
      AND l.expires_at > %(first_end)s AND l.expires_at <= %(last_window_end)s
      AND l.available_at < %(last_end)s AND e.created_at >= %(first_end)s
    GROUP BY 1, 2, 3
"""


def _expiring_by_day(program, ends) -> dict[date, int]:
    """day -> points that, at the day's end, sat in available lots expiring within
    30 days: a lot's remainder then is its amount plus its allocations up to then,
    which is what it has left now less what was allocated to it since (the audit
    holds every lot to ``remaining = amount + its allocations``).

    Two queries, each grouped into a small grid instead of a row per lot and day:
    the remainders of the lots that expire in some day's window, by the bucket of
    their expiry and of their ``available_at``; and the allocations to those lots
    since the first day's end, by the same buckets and the bucket of their entry's
    time. The buckets' bounds are the days' ends and the ends plus 30 days, so each
    day's window is a set of whole buckets, summed here."""
    day_ends = [end for _day, end in ends]
    # width_bucket counts the bounds <= the value; "expires after the end, by the end
    # plus 30 days" needs the bounds < the value: the same bounds, a microsecond on.
    bounds = sorted({end for end in day_ends} | {end + EXPIRING_WINDOW for end in day_ends})
    position = {bound: index for index, bound in enumerate(bounds)}
    params = {
        "expiry_bounds": [bound + timedelta(microseconds=1) for bound in bounds],
        "ends": day_ends,
        "program": program.id,
        "kind": Kind.POINTS,
        "void": LotStatus.VOID,
        "first_end": day_ends[0],
        "last_end": day_ends[-1],
        "last_window_end": day_ends[-1] + EXPIRING_WINDOW,
    }
    with connection.cursor() as cursor:
        cursor.execute(_EXPIRING_LOTS, params)
        lots = cursor.fetchall()
        cursor.execute(_ALLOCATED_SINCE, params)
        allocated = cursor.fetchall()
    result = {}
    for index, (day, end) in enumerate(ends):
        # expiry bucket c: bounds[c-1] < expires_at <= bounds[c]; available_at bucket
        # k: ends[k-1] <= available_at < ends[k]; likewise the entry's time.
        low, high = position[end] + 1, position[end + EXPIRING_WINDOW]
        total = sum(
            remaining
            for expiry, available, remaining in lots
            if low <= expiry <= high and available <= index
        )
        total -= sum(
            amount
            for expiry, available, created, amount in allocated
            if low <= expiry <= high and available <= index and created > index
        )
        if total:
            result[day] = int(total)
    return result


def series(program: Program, days: int, now: datetime) -> list[Day]:
    ends = _day_ends(days, now)
    balances = _balances_by_day(program, ends)
    expiring = _expiring_by_day(program, ends)
    return [
        Day(
            date=day,
            points_outstanding=int(balances[(day, Kind.POINTS)][0]),
            points_pending=int(balances[(day, Kind.POINTS)][1]),
            points_expiring=expiring.get(day, 0),
            cash_outstanding=balances[(day, Kind.CASH)][0],
            cash_pending=balances[(day, Kind.CASH)][1],
        )
        for day, _end in ends
    ]


def liability(
    program: Program, *, points_per_unit: int, days: int = 30, now: datetime | None = None
) -> Liability:
    """The channel's liability now and over the last ``days`` days (1..366)."""
    now = now or timezone.now()
    days = max(1, min(days, MAX_DAYS))
    by_kind = totals(program)
    points = by_kind[Kind.POINTS]
    value = quantize(
        points.outstanding / Decimal(points_per_unit), program.currency, rounding=ROUND_HALF_UP
    )
    return Liability(
        program=program,
        at=now,
        points=points,
        points_expiring=expiring_points(program, now),
        points_value=value,
        cash=by_kind[Kind.CASH],
        deposit=deposit_balance(program),
        series=series(program, days, now),
    )
