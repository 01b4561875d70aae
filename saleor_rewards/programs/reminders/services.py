"""The reminder pass (O1): set-based selection, one mail per member and run.

A lot is due when it is available, has points left, and expires within the
program's ``reminder_days_before`` days, and no reminder named it yet. The pass
reads every due lot of a program in one query, keeps the members who consented
and are not restricted, and then, member by member, records their lots and sends
one mail in the same transaction: the unique lot of ``rewards_expiry_reminder``
makes a lot reminded once even when two runs overlap (the second run's insert
waits for the first's commit and then inserts nothing, so it sends nothing), and
a mail that fails rolls its rows back for the next run to try again.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction

from ...ledger.constants import Kind, LotStatus
from ...ledger.models import Program
from .ports import ReminderShop

logger = logging.getLogger(__name__)


@dataclass
class DueMember:
    member_id: int
    lots: list[tuple[int, int, datetime]] = field(default_factory=list)  # id, points, expiry

    @property
    def points(self) -> int:
        return sum(points for _lot, points, _at in self.lots)

    @property
    def soonest(self) -> datetime:
        return min(at for _lot, _points, at in self.lots)


@dataclass
class ReminderRun:
    members_due: int = 0
    mails: int = 0
    lots: int = 0
    skipped: int = 0  # no consent, restricted, or no address
    failed: int = 0


def due_members(program: Program, days: int, now: datetime) -> list[DueMember]:
    """Members of ``program`` with points expiring in ``(now, now + days]`` that no
    reminder named yet, their lots soonest first; one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.member_id, l.id, l.remaining, l.expires_at
            FROM rewards_lot l JOIN rewards_account a ON a.id = l.account_id
            WHERE a.program_id = %s AND a.kind = %s AND a.member_id IS NOT NULL
              AND l.status = %s AND l.remaining > 0
              AND l.expires_at > %s AND l.expires_at <= %s
              AND NOT EXISTS (SELECT 1 FROM rewards_expiry_reminder r WHERE r.lot_id = l.id)
            ORDER BY a.member_id, l.expires_at, l.id
            """,
            [program.id, Kind.POINTS, LotStatus.AVAILABLE, now, now + timedelta(days=days)],
        )
        members: dict[int, DueMember] = {}
        for member_id, lot_id, remaining, expires_at in cursor.fetchall():
            due = members.setdefault(member_id, DueMember(member_id))
            due.lots.append((lot_id, int(remaining), expires_at))
    return list(members.values())


def _record(program: Program, due: DueMember, now: datetime) -> DueMember:
    """Insert the member's reminder rows; what was not reminded before (by a run
    that overlapped this one) comes back."""
    lots = {lot_id: (points, at) for lot_id, points, at in due.lots}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_expiry_reminder (program_id, lot_id, expires_at, sent_at) "
            "SELECT %s, lot_id, expires_at, %s FROM unnest(%s::bigint[], %s::timestamptz[]) "
            "AS due(lot_id, expires_at) ON CONFLICT (lot_id) DO NOTHING RETURNING lot_id",
            [program.id, now, list(lots), [at for _points, at in lots.values()]],
        )
        inserted = sorted(row[0] for row in cursor.fetchall())
    return DueMember(due.member_id, [(lot, *lots[lot]) for lot in inserted])


def reminder_mail(shop_name: str, due: DueMember) -> tuple[str, str]:
    """Subject and text of one member's reminder."""
    soonest = due.soonest.date().isoformat()
    subject = f"Your {shop_name} points expire soon"
    body = (
        f"Hello,\n\n{due.points} of your points at {shop_name} expire soon, the first "
        f"on {soonest}. Use them on your next order before they are gone.\n\n"
        "You receive this mail because you switched expiry reminders on; switch them "
        "off in your account at any time.\n"
    )
    return subject, body


def send_expiry_reminders(
    now: datetime,
    *,
    programs: Iterable[Program],
    settings_for: Callable[[Program], dict],
    shop: ReminderShop,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Callable[[ReminderRun], None] | None = None,
) -> ReminderRun:
    """Remind every due member of ``programs`` once (O1); with ``dry_run`` only
    count who would get a mail."""
    run = ReminderRun()
    for program in programs:
        settings = settings_for(program)
        days = settings["reminder_days_before"]
        if not days or not settings["program_enabled"]:
            continue
        due = due_members(program, days, now)
        run.members_due += len(due)
        ids = [member.member_id for member in due]
        allowed = shop.consenting_member_ids(program, ids) - shop.restricted_member_ids(
            program, ids
        )
        emails = shop.member_emails(allowed)
        name = shop.shop_name()
        for start in range(0, len(due), batch_size):
            for member in due[start : start + batch_size]:
                email = emails.get(member.member_id)
                if not email:
                    run.skipped += 1
                    continue
                if dry_run:
                    run.mails += 1
                    run.lots += len(member.lots)
                    continue
                _remind(program, member, email, name, shop, now, run)
            if progress:
                progress(run)
    return run


def _remind(program, member, email, name, shop, now, run: ReminderRun) -> None:
    try:
        with transaction.atomic():
            recorded = _record(program, member, now)
            if not recorded.lots:
                return  # an overlapping run reminded them already
            shop.send_expiry_reminder(email, *reminder_mail(name, recorded))
    except Exception:  # noqa: BLE001 - one member's mail must not stop the others
        logger.exception("saleor-rewards: reminder to member %s failed", member.member_id)
        run.failed += 1
        return
    run.mails += 1
    run.lots += len(recorded.lots)
