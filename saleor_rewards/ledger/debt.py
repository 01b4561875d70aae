"""The member's debt: what a take-back could not recover (SPEC L3, U8).

Points held on a checkout or turned into a voucher are no shield. ``revoke`` takes
what is spendable, down to zero, and records the rest twice: as ``unrecovered`` on
its entry (what happened then) and as the account's ``debt`` (what is still owed).

A debt is paid by the next points that become spendable, before the member can
spend them: a credit made available at once, a pending lot that activates (by hand
or by the job), a hold released (the checkout's points come back), a debit given
back (``return_debit``). Each of those operations ends with ``settle``: a
DEBT_SETTLED entry, right after the entry that made the points spendable, takes
them from the lots (soonest-expiring first, U4) and lowers the debt by as much. The
history shows both entries; the posting of the operation says how much was paid
(``Posting.settled``).

What stays as it is: an open hold is not reached into (the checkout keeps its
points; if it is released they pay the debt, if it is captured the debt waits for
later credits), and a voucher's points are already spent (the debt waits for later
credits). A pending lot does not pay a debt until it becomes spendable: it may
still be taken back itself.

Since every path that makes points spendable settles first, an account that owes
something has nothing spendable (``rewards_audit`` checks the debt against its
entries; the deferred triggers of migration 0009 check it at commit).
"""

from datetime import datetime
from decimal import Decimal

from .constants import EntryType
from .locks import LockedAccount, lock_account_row
from .posting import SYSTEM, Actor, Reference, post, spendable_lots, take_fefo

ZERO = Decimal(0)
REASON = "Paid towards the points owed"


def settle(
    cursor,
    account: LockedAccount,
    now: datetime,
    *,
    original_id: int,
    reference: Reference,
    actor: Actor = SYSTEM,
) -> Decimal:
    """Pay the account's debt from what is spendable now; return how much was paid.

    Runs under the account's lock, at the end of the operation whose entry
    ``original_id`` made points spendable. Writes nothing when nothing is owed
    or nothing is spendable.
    """
    if account.debt <= 0:
        return ZERO
    moves, short = take_fefo(spendable_lots(cursor, account.id, now), account.debt)
    paid = account.debt - short
    if paid <= 0:
        return ZERO
    post(
        cursor,
        account,
        EntryType.DEBT_SETTLED,
        now=now,
        key=f"entry:{original_id}:settle",
        d_available=-paid,
        d_debt=-paid,
        moves=moves,
        original_id=original_id,
        reference=reference,
        actor=actor,
        reason=REASON,
    )
    return paid


def settle_after_activation(cursor, account_ids, now: datetime) -> None:
    """``settle`` for the accounts the activation job made points spendable on.

    The job's one statement writes every account's activations; the few accounts
    that owe something then settle one by one, still under the batch's locks, the
    payment following the account's last activation.
    """
    for account_id in sorted(account_ids):
        account = lock_account_row(cursor, account_id)  # held: reads the new balances
        cursor.execute(
            "SELECT id, reference_type, reference_id FROM rewards_entry "
            "WHERE account_id = %s AND type = 'activate' ORDER BY id DESC LIMIT 1",
            [account_id],
        )
        entry_id, ref_type, ref_id = cursor.fetchone()
        settle(cursor, account, now, original_id=entry_id, reference=Reference(ref_type, ref_id))
