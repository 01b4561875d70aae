"""A member's balances in one channel's program (U1), and staff corrections of them
(U3), each with its audit event (P4)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ...events.events import balance_adjusted_event
from ...ledger import Kind, Posting, adjust, open_account
from ...ledger.models import Account, Program
from ...ledger.posting import Actor


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
) -> Posting:
    """A staff correction of a member's points or cash, with a reason (U3).

    Writes a BALANCE_ADJUSTED audit event with it; a replay of the same ``key``
    returns the first posting and records nothing more.
    """
    if kind == Kind.CASH:
        expires_in_days = None  # cash never expires
    with transaction.atomic():
        account = open_account(member.program, member.member_id, kind)
        posting = adjust(
            account, amount, key=key, reason=reason, actor=actor,
            expires_in_days=expires_in_days, now=member.now,
        )  # fmt: skip
        if not posting.replayed:
            balance_adjusted_event(account, posting, actor=actor, at=member.at)
    return posting
