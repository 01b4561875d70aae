"""One factory per audit event type (P4), as Saleor's ``giftcard/events.py``.

Each writes one ``AuditEvent`` and returns it. Callers run it inside the transaction
of the change it records, after the change succeeded: a refused change leaves no
event, and an event that cannot be written undoes the change.

The programs know their own rows; they pass the states to record (plain JSON-able
dicts, decimals as text) so this layer imports nothing above the ledger.
"""

from collections.abc import Mapping
from datetime import datetime

from django.utils import timezone

from ..ledger import Actor, Posting
from ..ledger.models import Account, Entry, Program
from .models import AuditEvent, AuditEventType, AuditSubject


def _event(
    type, program, subject_type, subject_id, before, after, actor: Actor, at: datetime | None
) -> AuditEvent:
    return AuditEvent.objects.create(
        created_at=at or timezone.now(),
        actor_type=actor.type,
        actor_id=actor.id or "",
        type=type,
        program=program,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=before,
        after=after,
    )


def program_settings_changed_event(
    program: Program,
    before: Mapping[str, Mapping],
    after: Mapping[str, Mapping],
    *,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    """Per changed setting, ``{"value": text, "overridden": bool}`` before and after."""
    return _event(
        AuditEventType.PROGRAM_SETTINGS_CHANGED,
        program,
        AuditSubject.PROGRAM,
        program.id,
        dict(before),
        dict(after),
        actor,
        at,
    )


def plugin_settings_changed_event(
    plugin_id: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
    *,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    """The plugin's own configuration (``pluginUpdate``): per changed setting (and
    ``active``), its value before and after. No program: it is every channel's."""
    return _event(
        AuditEventType.PLUGIN_SETTINGS_CHANGED,
        None,
        AuditSubject.PLUGIN,
        plugin_id,
        dict(before),
        dict(after),
        actor,
        at,
    )


def tier_created_event(
    program: Program, tier_id: int, tier: Mapping, *, actor: Actor, at: datetime | None = None
) -> AuditEvent:
    return _event(
        AuditEventType.TIER_CREATED,
        program,
        AuditSubject.TIER,
        tier_id,
        None,
        dict(tier),
        actor,
        at,
    )


def tier_updated_event(
    program: Program,
    tier_id: int,
    before: Mapping,
    after: Mapping,
    *,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    """The fields that changed, before and after."""
    return _event(
        AuditEventType.TIER_UPDATED,
        program,
        AuditSubject.TIER,
        tier_id,
        dict(before),
        dict(after),
        actor,
        at,
    )


def tier_deleted_event(
    program: Program, tier_id: int, tier: Mapping, *, actor: Actor, at: datetime | None = None
) -> AuditEvent:
    return _event(
        AuditEventType.TIER_DELETED,
        program,
        AuditSubject.TIER,
        tier_id,
        dict(tier),
        None,
        actor,
        at,
    )


def review_approved_event(
    program: Program,
    review_id: int,
    *,
    points: int,
    note: str,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    return _event(
        AuditEventType.REVIEW_APPROVED,
        program,
        AuditSubject.REVIEW,
        review_id,
        {"status": "pending"},
        {"status": "approved", "points": points, "note": note},
        actor,
        at,
    )


def review_rejected_event(
    program: Program, review_id: int, *, note: str, actor: Actor, at: datetime | None = None
) -> AuditEvent:
    return _event(
        AuditEventType.REVIEW_REJECTED,
        program,
        AuditSubject.REVIEW,
        review_id,
        {"status": "pending"},
        {"status": "rejected", "note": note},
        actor,
        at,
    )


def balance_adjusted_event(
    account: Account, posting: Posting, *, actor: Actor, at: datetime | None = None
) -> AuditEvent:
    """The account's balances before and after one staff adjustment (U3).

    The reason stays on the ledger entry (``entry_id``) only: it is free text that
    erasure (P2) may redact, and one copy is easier to redact than two.
    """
    entry = Entry.objects.get(id=posting.entry_id)
    # A credit to a member who owes first pays the debt (L3): "after" is what the
    # member is left with, and the event says how much went to the debt.
    after = (posting.available - posting.settled, posting.pending, posting.held)
    delta = (entry.available_delta - posting.settled, entry.pending_delta, entry.held_delta)
    before = tuple(value - change for value, change in zip(after, delta, strict=True))
    paid = {"debt_paid": _plain(posting.settled)} if posting.settled else {}
    return _event(
        AuditEventType.BALANCE_ADJUSTED,
        account.program,
        AuditSubject.ACCOUNT,
        account.id,
        _balances(account, before),
        {
            **_balances(account, after),
            "amount": _plain(posting.amount),
            "entry_id": posting.entry_id,
            **paid,
        },
        actor,
        at,
    )


def _plain(value) -> str:
    return format(value.normalize(), "f")


def _balances(account: Account, values) -> dict:
    # Exact and without the columns' trailing zeros: 150 points, not 150.000.
    available, pending, held = (format(value.normalize(), "f") for value in values)
    return {
        "kind": account.kind,
        "currency": account.currency,
        "available": available,
        "pending": pending,
        "held": held,
    }


def member_restricted_event(
    member_id: int, *, restricted: bool, was: bool, actor: Actor, at: datetime | None = None
) -> AuditEvent:
    """A restriction set or lifted (P5). The reason stays on the restriction row:
    an audit event is never erased, the member's data may be (P2)."""
    return _event(
        AuditEventType.MEMBER_RESTRICTED if restricted else AuditEventType.MEMBER_UNRESTRICTED,
        None,
        AuditSubject.MEMBER,
        member_id,
        {"restricted": was},
        {"restricted": restricted},
        actor,
        at,
    )


def member_erased_event(
    member_id: int, *, actor: Actor, at: datetime | None = None, again: bool = False
) -> AuditEvent:
    """That the member's personal data was erased (P2), never what it was; ``again``:
    a repeated request that found everything erased already (before = after)."""
    return _event(
        AuditEventType.MEMBER_ERASED,
        None,
        AuditSubject.MEMBER,
        member_id,
        {"personal_data": "erased" if again else "held"},
        {"personal_data": "erased"},
        actor,
        at,
    )


def _withdrawal_event(type, program, withdrawal_id, before, after, actor, at) -> AuditEvent:
    return _event(type, program, AuditSubject.WITHDRAWAL, withdrawal_id, before, after, actor, at)


def withdrawal_approved_event(
    program: Program,
    withdrawal_id: int,
    *,
    before: Mapping,
    after: Mapping,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    """W5: states as ``{"status", "amount", "currency", ...}``; never the details."""
    return _withdrawal_event(
        AuditEventType.WITHDRAWAL_APPROVED, program, withdrawal_id, before, after, actor, at
    )


def withdrawal_rejected_event(
    program: Program,
    withdrawal_id: int,
    *,
    before: Mapping,
    after: Mapping,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    return _withdrawal_event(
        AuditEventType.WITHDRAWAL_REJECTED, program, withdrawal_id, before, after, actor, at
    )


def withdrawal_paid_event(
    program: Program,
    withdrawal_id: int,
    *,
    before: Mapping,
    after: Mapping,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    return _withdrawal_event(
        AuditEventType.WITHDRAWAL_PAID, program, withdrawal_id, before, after, actor, at
    )


def withdrawal_failed_event(
    program: Program,
    withdrawal_id: int,
    *,
    before: Mapping,
    after: Mapping,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    return _withdrawal_event(
        AuditEventType.WITHDRAWAL_FAILED, program, withdrawal_id, before, after, actor, at
    )


def payout_file_created_event(
    program: Program | None,
    file_name: str,
    *,
    withdrawal_ids: list[int],
    file_format: str,
    totals: Mapping[str, str],
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    """W6: which withdrawals a payout file carries and its total per currency; no
    details (they are in the file only)."""
    return _event(
        AuditEventType.PAYOUT_FILE_CREATED,
        program,
        AuditSubject.PAYOUT_FILE,
        file_name,
        None,
        {
            "format": file_format,
            "withdrawal_ids": list(withdrawal_ids),
            "totals": dict(totals),
        },
        actor,
        at,
    )


_AFFILIATE_EVENT_TYPES = {
    "approve": AuditEventType.AFFILIATE_APPROVED,
    "reject": AuditEventType.AFFILIATE_REJECTED,
    "suspend": AuditEventType.AFFILIATE_SUSPENDED,
}


def affiliate_decided_event(
    program: Program,
    affiliate_id: int,
    action: str,
    before: Mapping,
    after: Mapping,
    *,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    """A1: an application approved or rejected, an affiliate suspended; ``before`` and
    ``after`` hold the status, the code and the commission percent."""
    return _event(
        _AFFILIATE_EVENT_TYPES[action],
        program,
        AuditSubject.AFFILIATE,
        affiliate_id,
        dict(before),
        dict(after),
        actor,
        at,
    )
