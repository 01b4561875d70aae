"""The channel's merchant security deposit (C3): a ledger account of its own.

Staff top it up (or correct it down, never below zero) with a reason; each change is
a ledger entry and a DEPOSIT_ADJUSTED audit event (P4). Every approved claim draws
the compensation it pays into the buyer's cash balance from it, so the cash a claim
creates is always matched by the deposit it came from. Too little deposit refuses
the approval, unless the channel allows a negative deposit: the draw then takes the
deposit to zero and the rest is owed (the account's ``debt``), paid by the next
top-up before anything else.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ...events.claims import deposit_adjusted_event
from ...ledger import (
    EntryType,
    Reference,
    ReferenceType,
    adjust,
    balance,
    debit,
    lock_account,
    open_deposit,
    revoke,
)
from ...ledger.errors import Conflict, InsufficientBalance, InvalidInput
from ...ledger.models import Account, Program
from ...ledger.posting import Actor, parse_amount
from ...money import MAX_CLIENT_KEY_LENGTH, fits

ZERO = Decimal(0)


@dataclass(frozen=True)
class DepositBalance:
    currency: str
    available: Decimal
    debt: Decimal

    @property
    def amount(self) -> Decimal:
        """What the deposit holds; negative while it owes (a negative deposit)."""
        return self.available - self.debt


def deposit_account(program: Program) -> Account:
    return open_deposit(program)


def deposit_balance(program: Program) -> DepositBalance:
    account = Account.objects.filter(program=program, kind="deposit").first()
    if account is None:
        return DepositBalance(program.currency, ZERO, ZERO)
    now = balance(account)
    return DepositBalance(program.currency, now.available, now.debt)


def _state(account: Account) -> dict:
    account.refresh_from_db(fields=["available", "debt"])
    return {
        "currency": account.currency,
        "available": format(account.available.normalize(), "f"),
        "debt": format(account.debt.normalize(), "f"),
    }


def adjust_deposit(
    program: Program,
    amount,
    *,
    reason: str,
    actor: Actor,
    key: str | None = None,
    now: datetime | None = None,
):
    """Top the deposit up (positive) or correct it down (negative, never below zero)."""
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_CLIENT_KEY_LENGTH):
        raise InvalidInput("idempotencyKey must have 1 to 100 characters.", field="idempotencyKey")
    try:
        signed = Decimal(str(amount))
    except ArithmeticError:
        raise InvalidInput("amount is not a number.", field="amount") from None
    if not signed.is_finite() or signed == 0 or not fits(abs(signed), program.currency):
        raise InvalidInput(
            f"amount must be a non-zero amount of {program.currency}.", field="amount"
        )
    parse_amount(abs(signed), "deposit")
    now = now or timezone.now()
    with transaction.atomic():
        account = open_deposit(program)
        lock_account(account)
        before = _state(account)
        try:
            posting = adjust(
                account,
                signed,
                key=f"deposit:{key or uuid.uuid4().hex}",
                reason=reason,
                actor=actor,
                now=now,
            )
        except InsufficientBalance:
            raise InsufficientBalance(
                f"The deposit holds {before['available']} {program.currency}: "
                "it cannot be lowered below zero.",
                field="amount",
            ) from None
        if posting.replayed:
            if posting.amount != signed:
                raise Conflict(
                    "This idempotencyKey was used for another deposit change.",
                    field="idempotencyKey",
                )
            return posting
        deposit_adjusted_event(
            program,
            account.id,
            before,
            {
                **_state(account),
                "amount": format(signed.normalize(), "f"),
                "entry_id": posting.entry_id,
            },
            actor=actor,
            at=now,
        )
        return posting


def draw_for_claim(
    account: Account,
    claim_id: int,
    amount: Decimal,
    *,
    allow_negative: bool,
    actor: Actor,
    now: datetime,
):
    """Book a claim's compensation against the deposit (C3); the account is locked.

    Refused with INSUFFICIENT_BALANCE when the deposit cannot cover it, unless the
    merchant allows a negative deposit.
    """
    reference = Reference(ReferenceType.CLAIM, str(claim_id))
    key = f"claim:{claim_id}:deposit"
    available = balance(account, now=now).available
    if available >= amount:
        return debit(
            account,
            amount,
            key=key,
            entry_type=EntryType.CLAIM_PAYOUT,
            reference=reference,
            actor=actor,
            reason=f"Guarantee claim {claim_id}",
            now=now,
        )
    if not allow_negative:
        raise InsufficientBalance(
            f"The merchant deposit holds {available} {account.currency}, less than the "
            f"{amount} this approval pays out; top it up (rewardsDepositAdjust) or allow "
            "a negative deposit (allow_negative_deposit).",
            field="compensation",
        )
    return revoke(
        account,
        amount,
        key=key,
        reference=reference,
        actor=actor,
        reason=f"Guarantee claim {claim_id} (deposit short)",
        now=now,
    )
