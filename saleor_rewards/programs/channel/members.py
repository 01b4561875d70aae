"""A member's balances in one channel's program (U1), and staff corrections of them
(U3), each with its audit event (P4), within the limits of I2."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ...events.events import balance_adjusted_event
from ...ledger import ActorType, EntryType, Kind, Posting, adjust, open_account
from ...ledger.errors import Conflict, InvalidInput, LimitExceeded, PermissionDenied
from ...ledger.models import Account, Entry, Program
from ...ledger.posting import Actor
from .. import locks


@dataclass
class Member:
    program: Program
    member_id: int
    now: datetime | None = None

    def account(self, kind: str) -> Account | None:
        return Account.objects.filter(
            program=self.program, member_id=self.member_id, kind=kind
        ).first()

    def accounts(self, kind: str | None = None):
        accounts = Account.objects.filter(program=self.program, member_id=self.member_id)
        return accounts.filter(kind=kind) if kind else accounts

    @property
    def at(self) -> datetime:
        return self.now or timezone.now()


def adjust_balance(
    member: Member,
    kind: str,
    amount: Decimal,
    *,
    reason: str,
    actor: Actor,
    key: str,
    expires_in_days: int | None,
    settings: Mapping | None = None,
) -> Posting:
    """A staff correction of a member's points or cash, with a reason (U3).

    Writes a BALANCE_ADJUSTED audit event with it; a replay of the same ``key``
    returns the first posting and records nothing more. Refused (I2): a staff member
    adjusting their own balance (PERMISSION_DENIED); a credit above
    ``settings["adjust_max_points"]``, cash counted by its value in points
    (LIMIT_EXCEEDED); ``key`` used before for another adjustment of this member —
    another channel, kind, amount, reason or expiry (CONFLICT, never the first result).
    """
    if actor.type == ActorType.STAFF and actor.id == str(member.member_id):
        raise PermissionDenied(
            "Nobody adjusts their own balance: ask another staff member.", field="userId"
        )
    if kind not in (Kind.POINTS, Kind.CASH):
        raise InvalidInput(
            "Staff adjust a member's points or cash; the merchant deposit has "
            "rewardsDepositAdjust.",
            field="kind",
        )
    if kind == Kind.CASH:
        expires_in_days = None  # cash never expires
    signed = _number(amount)
    with transaction.atomic():
        # The key's lock first: a concurrent request with the same key on another
        # account (channel, kind) waits, then finds this one's entry (locks.py, 0).
        locks.client_request("adjust", f"{member.member_id}:{key}")
        replay = signed is not None and _earlier_use_of_key(
            member, kind, signed, reason, expires_in_days, key
        )
        # A replay returns the first result, even if the limit changed since.
        if not replay and signed is not None and signed > 0 and settings is not None:
            _check_credit_limit(kind, signed, settings, member.program.currency)
        account = open_account(member.program, member.member_id, kind)
        posting = adjust(
            account,
            amount,
            key=key,
            reason=reason,
            actor=actor,
            expires_in_days=expires_in_days,
            now=member.now,
        )
        if not posting.replayed:
            balance_adjusted_event(account, posting, actor=actor, at=member.at)
    return posting


def _number(amount) -> Decimal | None:
    """``amount`` as a finite Decimal; None lets the ledger refuse it (INVALID)."""
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal | str):
        return None
    try:
        value = Decimal(amount)
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def _check_credit_limit(kind: str, amount: Decimal, settings: Mapping, currency) -> None:
    limit = settings["adjust_max_points"]
    points = amount if kind == Kind.POINTS else amount * settings["points_per_unit"]
    if points <= limit:
        return
    if limit == 0:
        raise LimitExceeded(
            "Staff credits are switched off (adjust_max_points is 0).", field="amount"
        )
    worth = (
        ""
        if kind == Kind.POINTS
        else (f" ({Decimal(limit) / settings['points_per_unit']} {currency} of cash)")
    )
    raise LimitExceeded(
        f"One adjustment may add at most {limit} points{worth} (adjust_max_points).",
        field="amount",
    )


def _earlier_use_of_key(
    member: Member, kind: str, amount: Decimal, reason: str, expires_in_days: int | None, key: str
) -> bool:
    """Whether ``key`` recorded this very adjustment of the member already (a replay);
    CONFLICT when it recorded one that differs."""
    earlier = (
        Entry.objects.filter(account__member_id=member.member_id, idempotency_key=key)
        .select_related("account__program", "lot")
        .first()
    )
    if earlier is None:
        return False
    same = (
        earlier.type == EntryType.ADJUST
        and earlier.account.program_id == member.program.id
        and earlier.account.kind == kind
        and earlier.amount == amount
        and earlier.reason == reason
        and (earlier.lot is None or amount < 0 or earlier.lot.expires_in_days == expires_in_days)
    )
    if not same:
        raise Conflict(
            "This idempotency key was used for another adjustment "
            f"({earlier.account.kind} {earlier.amount.normalize():f}, "
            f"{earlier.account.program.channel_slug}); use a new key.",
            field="idempotencyKey",
        )
    return True
