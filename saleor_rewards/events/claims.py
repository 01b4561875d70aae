"""Audit event factories of guarantee claims, the merchant deposit and the return
addresses (C2, C3, C5; P4). Same rules as ``events.py``: one event per staff change,
written in the change's transaction; the callers pass plain JSON-able states."""

from collections.abc import Mapping
from datetime import datetime

from ..ledger import Actor
from ..ledger.models import Program
from .events import _event
from .models import AuditEvent, AuditEventType, AuditSubject


def claim_info_requested_event(
    program: Program, claim_id: int, before: Mapping, *, note: str, actor: Actor, at=None
) -> AuditEvent:
    return _event(
        AuditEventType.CLAIM_INFO_REQUESTED,
        program,
        AuditSubject.CLAIM,
        claim_id,
        dict(before),
        {"status": "info_requested", "note": note},
        actor,
        at,
    )


def claim_approved_event(
    program: Program, claim_id: int, before: Mapping, after: Mapping, *, actor: Actor, at=None
) -> AuditEvent:
    """``after``: the amounts granted, refunded and compensated, the shop's refund."""
    return _event(
        AuditEventType.CLAIM_APPROVED,
        program,
        AuditSubject.CLAIM,
        claim_id,
        dict(before),
        {"status": "approved", **after},
        actor,
        at,
    )


def claim_rejected_event(
    program: Program, claim_id: int, before: Mapping, *, note: str, actor: Actor, at=None
) -> AuditEvent:
    return _event(
        AuditEventType.CLAIM_REJECTED,
        program,
        AuditSubject.CLAIM,
        claim_id,
        dict(before),
        {"status": "rejected", "note": note},
        actor,
        at,
    )


def deposit_adjusted_event(
    program: Program,
    account_id: int,
    before: Mapping,
    after: Mapping,
    *,
    actor: Actor,
    at: datetime | None = None,
) -> AuditEvent:
    return _event(
        AuditEventType.DEPOSIT_ADJUSTED,
        program,
        AuditSubject.DEPOSIT,
        account_id,
        dict(before),
        dict(after),
        actor,
        at,
    )


def return_address_set_event(
    program: Program, address_id: int, before: Mapping | None, after: Mapping, *, actor, at=None
) -> AuditEvent:
    return _event(
        AuditEventType.RETURN_ADDRESS_SET,
        program,
        AuditSubject.RETURN_ADDRESS,
        address_id,
        dict(before) if before is not None else None,
        dict(after),
        actor,
        at,
    )


def return_address_deleted_event(
    program: Program, address_id: int, before: Mapping, *, actor: Actor, at=None
) -> AuditEvent:
    return _event(
        AuditEventType.RETURN_ADDRESS_DELETED,
        program,
        AuditSubject.RETURN_ADDRESS,
        address_id,
        dict(before),
        None,
        actor,
        at,
    )
