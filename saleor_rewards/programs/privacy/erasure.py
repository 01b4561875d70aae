"""Erasure (P2): the member's personal data goes, the accounting stays.

Each feature's part deletes or blanks what is personal in its tables and cuts the
member's id off what must stay (ledger accounts and their entries, order awards,
redemptions: ``member_id`` set to NULL, amounts untouched, so every liability total
is what it was). The member's codes stop resolving (their rows are deleted). One
audit event records that an erasure happened, not what it erased.

Replay-safe: Saleor may fire its hook twice and staff may ask again. A second
erasure finds nothing left; from the hook it then writes nothing at all, from staff
it records the request (every staff mutation leaves one audit event, P4).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ...events.events import member_erased_event
from ...events.models import AuditEvent, AuditEventType, AuditSubject
from ...ledger import SYSTEM, Actor
from .. import locks
from ..redemption.models import Redemption, RedemptionStatus
from ..redemption.ports import GiftCards
from ..redemption.services import release_abandoned
from .parts import discover


@dataclass
class Erasure:
    member_id: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    recorded: bool = False  # an audit event was written

    @property
    def erased(self) -> int:
        return sum(sum(part.values()) for part in self.counts.values())


def erased_before(member_id: int) -> bool:
    return AuditEvent.objects.filter(
        type=AuditEventType.MEMBER_ERASED,
        subject_type=AuditSubject.MEMBER,
        subject_id=str(member_id),
    ).exists()


def release_held_points(member_id: int, *, cards: GiftCards, now: datetime | None = None) -> int:
    """Before the erasure: the member's points still held on a checkout go back.

    Each open redemption is released as S2 releases an abandoned one (its card
    emptied and deactivated, its hold released), each in its own transaction with
    the redemption's locks (``locks.py`` 1-3, 11, 12): so no open redemption is left
    without its member, and the erasure's own transaction takes its locks in order.
    Returns how many were released (a card already paying an order is left to it).
    """
    held = Redemption.objects.filter(member_id=member_id, status=RedemptionStatus.HELD)
    ids = list(held.order_by("id").values_list("id", flat=True))
    return sum(release_abandoned(redemption_id, cards=cards, now=now) for redemption_id in ids)


def erase_member(
    member_id: int,
    *,
    email_hash: str | None = None,
    actor: Actor = SYSTEM,
    forget_codes: Callable[[list[str]], None] | None = None,
    forget_member: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> Erasure:
    """Erase the member's personal data from every feature, in one transaction.

    Call ``release_held_points`` first. ``actor`` SYSTEM is Saleor's hook: a replay
    (erased before, nothing left) writes nothing. Staff and Apps always leave their
    one audit event. ``forget_codes``: the shop deletes its codes of the member's
    tier discounts (T4) in the same transaction, after their tier rows are locked
    (``locks.py`` 6), so no code of theirs is left that anyone could use;
    ``forget_member``: the shop's other records naming the member (its vouchers).

    Locks: the member's (0b), their tier rows (6), then each part writes its rows
    set-based in the order of ``locks.py`` (``parts.discover``), the accounts last.
    """
    now = now or timezone.now()
    result = Erasure(member_id)
    with transaction.atomic():
        locks.member(member_id)
        tiers = locks.member_tiers().filter(member_id=member_id).exclude(discount_code="")
        codes = [row.discount_code for row in tiers]
        if codes and forget_codes is not None:
            forget_codes(codes)
        if forget_member is not None:
            forget_member(member_id)
        for part in discover():
            result.counts[part.NAME] = dict(part.erase_member(member_id, email_hash=email_hash))
        again = not result.erased and erased_before(member_id)
        if actor != SYSTEM or not again:
            member_erased_event(member_id, actor=actor, at=now, again=again)
            result.recorded = True
    return result
