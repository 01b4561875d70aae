"""Erasure's part of the ledger (P2): the person goes, the amounts stay.

``unlink_member`` cuts ``rewards_account.member_id`` (NULL), so every account keeps
its lots, holds and entries and every channel's liability is unchanged; the
deferred balance checks of migration 0002 pass as before, and ``rewards_audit``
reports the accounts as "(erased)". What is personal in an entry goes: the
free-text reason of a staff adjustment (a note about the customer) and the member's
own id as the entry's actor. The append-only trigger guards amounts, balances, lots,
holds and keys, not those columns.
"""

from .constants import ActorType, EntryType
from .models import Account, Entry

ERASED_REASON = "(erased)"


def unlink_member(member_id: int) -> dict[str, int]:
    """Counts of what was cut; a second call finds nothing (all 0)."""
    entries = Entry.objects.filter(account__member_id=member_id)
    reasons = (
        entries.filter(type=EntryType.ADJUST)
        .exclude(reason__in=["", ERASED_REASON])
        .update(reason=ERASED_REASON)
    )
    actors = entries.filter(actor_type=ActorType.CUSTOMER, actor_id=str(member_id)).update(
        actor_id=""
    )
    accounts = Account.objects.filter(member_id=member_id).update(member_id=None)
    return {"accounts_unlinked": accounts, "adjustment_reasons": reasons, "entry_actors": actors}
