"""Staff edit a channel's levels (T2); every change re-levels the members at once.

Field names in errors are the API's input names. The table's CHECK and unique
constraints back every rule checked here. Each change writes its audit event (P4)
in the same transaction: who, and the tier before and after.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from ...events.events import tier_created_event, tier_deleted_event, tier_updated_event
from ...ledger import SYSTEM, Actor
from ...ledger.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from ...ledger.models import Program
from ...money import MAX_AMOUNT
from .. import locks
from . import services as tiers
from .models import MemberTier, Tier

HUNDRED = Decimal(100)
NAME_MAX = Tier._meta.get_field("name").max_length


@dataclass(frozen=True)
class TierInput:
    """What staff send; None leaves a field as it is (update) or at its default."""

    name: str | None = None
    min_consumption: Decimal | None = None
    discount_percent: Decimal | None = None
    max_redeem_percent: Decimal | None = None
    follow_program_max_redeem: bool = False  # set max_redeem_percent back to NULL
    earn_multiplier: Decimal | None = None
    position: int | None = None
    for_unverified: bool | None = None


def _number(value, field: str, label: str, maximum: Decimal | None) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{label} must be a number.", field=field) from None
    if not number.is_finite() or number < 0:
        raise InvalidInput(f"{label} must not be negative.", field=field)
    if maximum is not None and number > maximum:
        raise InvalidInput(f"{label} must be at most {maximum}.", field=field)
    if number >= MAX_AMOUNT:  # beyond the column, and beyond quantize (I3)
        raise InvalidInput(f"{label} is too large.", field=field)
    if number != number.quantize(Decimal("0.001")):
        raise InvalidInput(f"{label} has at most 3 decimal places.", field=field)
    return number


def _apply(tier: Tier, data: TierInput) -> None:
    if data.name is not None:
        name = data.name.strip()
        if not name:
            raise InvalidInput("Name must not be empty.", field="name")
        if len(name) > NAME_MAX:
            raise InvalidInput(f"Name is longer than {NAME_MAX} characters.", field="name")
        tier.name = name
    if data.min_consumption is not None:
        tier.min_consumption = _number(
            data.min_consumption, "minConsumption", "Minimum consumption", None
        )
    if data.discount_percent is not None:
        tier.discount_percent = _number(
            data.discount_percent, "discountPercent", "Discount percent", HUNDRED
        )
    if data.follow_program_max_redeem:
        tier.max_redeem_percent = None
    elif data.max_redeem_percent is not None:
        tier.max_redeem_percent = _number(
            data.max_redeem_percent, "maxRedeemPercent", "Max redeem percent", HUNDRED
        )
    if data.earn_multiplier is not None:
        tier.earn_multiplier = _number(
            data.earn_multiplier, "earnMultiplier", "Earn multiplier", HUNDRED
        )
    if data.position is not None:
        tier.position = data.position
    if data.for_unverified is not None:
        tier.for_unverified = data.for_unverified


def _check_unique(tier: Tier) -> None:
    others = Tier.objects.filter(program_id=tier.program_id).exclude(id=tier.id)
    if others.filter(name__iexact=tier.name).exists():
        raise AlreadyExists(f"A tier named {tier.name!r} already exists.", field="name")
    if tier.for_unverified and others.filter(for_unverified=True).exists():
        raise AlreadyExists(
            "The channel already has a tier for unverified members.",
            field="forUnverified",
        )


def _state(tier: Tier) -> dict:
    """What staff set on a tier, as its audit events record it (decimals as text)."""

    def text(value):
        # Exact and canonical: 100 as typed and 100.000 as stored are one value.
        return None if value is None else format(Decimal(value).normalize(), "f")

    return {
        "name": tier.name,
        "min_consumption": text(tier.min_consumption),
        "discount_percent": text(tier.discount_percent),
        "max_redeem_percent": text(tier.max_redeem_percent),
        "earn_multiplier": text(tier.earn_multiplier),
        "position": tier.position,
        "for_unverified": tier.for_unverified,
    }


def _relevel(program: Program, settings: dict, now: datetime) -> None:
    tiers.recompute_program(program, settings, now)


def locked_tier(tier_id: int) -> Tier:
    tier = locks.tiers().filter(id=tier_id).first()
    if tier is None:
        raise NotFound("Tier does not exist.", field="id")
    return tier


def create_tier(
    program: Program,
    data: TierInput,
    settings: dict,
    now: datetime | None = None,
    *,
    actor: Actor = SYSTEM,
) -> Tier:
    if data.name is None:
        raise InvalidInput("Name is required.", field="name")
    now = now or timezone.now()
    tier = Tier(program=program)
    _apply(tier, data)
    with transaction.atomic():
        _check_unique(tier)
        tier.save()
        _relevel(program, settings, now)
        tier_created_event(program, tier.id, _state(tier), actor=actor, at=now)
    return tier


def update_tier(
    tier_id: int,
    data: TierInput,
    settings: dict,
    now: datetime | None = None,
    *,
    actor: Actor = SYSTEM,
) -> Tier:
    """Change a level; an update that changes nothing records no event."""
    now = now or timezone.now()
    with transaction.atomic():
        tier = locked_tier(tier_id)
        before = _state(tier)
        _apply(tier, data)
        _check_unique(tier)
        tier.save()
        _relevel(tier.program, settings, now)
        after = _state(tier)
        changed = [name for name in before if before[name] != after[name]]
        if changed:
            tier_updated_event(
                tier.program,
                tier.id,
                {name: before[name] for name in changed},
                {name: after[name] for name in changed},
                actor=actor,
                at=now,
            )
    return tier


def delete_tier(
    tier_id: int, settings: dict, now: datetime | None = None, *, actor: Actor = SYSTEM
) -> Tier:
    """Delete a level; its members move to the level their consumption reaches."""
    now = now or timezone.now()
    with transaction.atomic():
        tier = locked_tier(tier_id)
        program = tier.program
        if not Tier.objects.filter(program=program).exclude(id=tier.id).exists():
            raise Conflict("A channel keeps at least one tier.", field="id")
        MemberTier.objects.filter(tier=tier).update(tier=None, since=now)
        deleted_id = tier.id
        tier.delete()
        tier.id = deleted_id
        _relevel(program, settings, now)
        tier_deleted_event(program, deleted_id, _state(tier), actor=actor, at=now)
    return tier
