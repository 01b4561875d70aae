"""Restriction of processing (P5): THE check every earning, spending and mail path asks.

A restricted member earns nothing (order points, bonuses, review points, referral
rewards: their order award is recorded at 0 points, so lifting the restriction does
not pay an order of the restricted time later), spends nothing (paying with points,
vouchers) and is sent no mail (invitations they ask for, expiry reminders). Their
data stays. Staff restrict and lift (``rewardsMemberRestrict``), on the member's
request or their own decision; each change is one audit event, its reason stays on
the restriction row only (an audit event cannot be erased, P2).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ...events.events import member_restricted_event
from ...ledger import Actor
from ...ledger.errors import InvalidInput, NotEligible
from .. import locks
from .models import MemberRestriction


def is_restricted(member_id: int | None) -> bool:
    if member_id is None:
        return False
    return MemberRestriction.objects.filter(member_id=member_id, restricted=True).exists()


def restricted_among(member_ids) -> set[int]:
    """Of ``member_ids``, those whose processing is restricted now (one query)."""
    return set(
        MemberRestriction.objects.filter(
            member_id__in=list(member_ids), restricted=True
        ).values_list("member_id", flat=True)
    )


def refuse_if_restricted(member_id: int | None, *, field: str | None = None) -> None:
    """NOT_ELIGIBLE while the member's processing is restricted (API.md)."""
    if is_restricted(member_id):
        raise NotEligible(
            "The processing of this member's rewards is restricted: no earning, "
            "spending or mail until it is lifted.",
            field=field,
        )


def restrict_member(
    member_id: int,
    restricted: bool,
    *,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> MemberRestriction:
    """Restrict (or lift) the member's processing; one audit event either way."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for the restriction.", field="reason")
    now = now or timezone.now()
    with transaction.atomic():
        locks.member(member_id)
        row = MemberRestriction.objects.filter(member_id=member_id).first()
        was = bool(row and row.restricted)
        if row is None:
            row = MemberRestriction(member_id=member_id)
        row.restricted = restricted
        row.reason = reason
        row.changed_by = f"{actor.type}:{actor.id}" if actor.id else actor.type
        row.changed_at = now
        row.save()
        member_restricted_event(member_id, restricted=restricted, was=was, actor=actor, at=now)
    return row
