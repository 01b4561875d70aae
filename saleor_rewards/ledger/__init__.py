"""The ledger: balances as append-only entries over expiring lots (SPEC §1).

Public functions only; programs and fronts use these, never the tables directly
for writing, and take an account's lock only through ``lock_account(s)``.
"""

from .activation import activate_at, activate_due_lots, due_for_activation
from .audit import Drift, audit
from .constants import (
    ActorType,
    EntryType,
    HoldStatus,
    Kind,
    LotSource,
    LotStatus,
    ReferenceType,
)
from .errors import RewardsError
from .expiry import due_for_expiry, expire_due_lots
from .locks import lock_account, lock_accounts
from .operations import (
    activate,
    adjust,
    capture,
    credit,
    debit,
    hold,
    open_account,
    open_deposit,
    release,
    return_debit,
    revoke,
    void,
)
from .posting import NO_REFERENCE, SYSTEM, Actor, Posting, Reference
from .queries import Balance, balance, expiring_soon, history

__all__ = [
    "NO_REFERENCE",
    "SYSTEM",
    "Actor",
    "ActorType",
    "Balance",
    "Drift",
    "EntryType",
    "HoldStatus",
    "Kind",
    "LotSource",
    "LotStatus",
    "Posting",
    "Reference",
    "ReferenceType",
    "RewardsError",
    "activate",
    "activate_at",
    "activate_due_lots",
    "adjust",
    "audit",
    "balance",
    "capture",
    "credit",
    "debit",
    "due_for_activation",
    "due_for_expiry",
    "expire_due_lots",
    "expiring_soon",
    "history",
    "hold",
    "lock_account",
    "lock_accounts",
    "open_account",
    "open_deposit",
    "release",
    "return_debit",
    "revoke",
    "void",
]
