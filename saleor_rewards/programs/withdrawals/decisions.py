"""Staff decide withdrawals (W5, W6): approve, mark paid, reject, mark failed.

Each step happens once, under the withdrawal's row lock (``locks.withdrawals``,
above the account's), moves the held cash (paid captures the hold; rejected and
failed release it), writes one audit event with the masked details only, and mails
the member after the commit. A batch (a payout file paid at once) is all or nothing.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ...events import events
from ...ledger import SYSTEM, Actor, ActorType, capture, lock_account, release
from ...ledger.errors import Conflict, InvalidInput, NotEligible, PermissionDenied
from .models import Withdrawal, WithdrawalStatus
from .ports import WithdrawalMail
from .services import SettingsFor, batch_ids, close, lock_batch, notify_after_commit


class WithdrawalAction:
    APPROVE = "approve"
    MARK_PAID = "mark_paid"
    REJECT = "reject"
    MARK_FAILED = "mark_failed"
    CHOICES = [
        (APPROVE, "Approve"),
        (MARK_PAID, "Mark paid"),
        (REJECT, "Reject"),
        (MARK_FAILED, "Mark failed"),
    ]


# action -> (states it applies to, state it leads to, ledger step, audit factory)
_STEPS = {
    WithdrawalAction.APPROVE: (
        (WithdrawalStatus.REQUESTED,),
        WithdrawalStatus.APPROVED,
        None,
        events.withdrawal_approved_event,
    ),
    WithdrawalAction.MARK_PAID: (
        (WithdrawalStatus.APPROVED,),
        WithdrawalStatus.PAID,
        "capture",
        events.withdrawal_paid_event,
    ),
    WithdrawalAction.REJECT: (
        (WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED),
        WithdrawalStatus.REJECTED,
        "release",
        events.withdrawal_rejected_event,
    ),
    WithdrawalAction.MARK_FAILED: (
        (WithdrawalStatus.APPROVED,),
        WithdrawalStatus.FAILED,
        "release",
        events.withdrawal_failed_event,
    ),
}

# A program's effective settings (retention_days when a withdrawal closes).
MAX_REFERENCE_LENGTH = 128
MAX_NOTE_LENGTH = 500


def _state(withdrawal: Withdrawal) -> dict:
    # What the audit trail keeps: never the details, only their masked form.
    return {
        "status": withdrawal.status,
        "amount": format(withdrawal.amount.normalize(), "f"),
        "currency": withdrawal.currency,
        "method": withdrawal.method,
        "details": withdrawal.details_masked,
        "payout_reference": withdrawal.payout_reference,
        "note": withdrawal.note,
    }


_MAILS = {
    WithdrawalStatus.APPROVED: (
        "Your withdrawal was approved",
        "Your withdrawal of {amount} {currency} to {to} was approved and will be paid soon.",
    ),
    WithdrawalStatus.PAID: (
        "Your withdrawal was paid",
        "We paid {amount} {currency} to {to} (reference {reference}).",
    ),
    WithdrawalStatus.REJECTED: (
        "Your withdrawal was declined",
        "Your withdrawal of {amount} {currency} was declined; the amount is back in "
        "your cash balance. {note}",
    ),
    WithdrawalStatus.FAILED: (
        "Your withdrawal could not be paid",
        "The payment of {amount} {currency} to {to} failed; the amount is back in your "
        "cash balance. Please check your payout details. {note}",
    ),
}


def _step(
    withdrawal: Withdrawal,
    action: str,
    *,
    settings_for: SettingsFor,
    reference: str,
    note: str,
    actor: Actor,
    mail: WithdrawalMail | None,
    now: datetime,
) -> Withdrawal:
    sources, target, ledger_step, event = _STEPS[action]
    if actor.type == ActorType.STAFF and actor.id == str(withdrawal.member_id):
        raise PermissionDenied("Nobody decides their own withdrawal.", field="id")
    if withdrawal.status not in sources:
        raise Conflict(
            f"Withdrawal {withdrawal.id} is {withdrawal.status}; it cannot become {target} now.",
            field="id",
        )
    if target in (WithdrawalStatus.APPROVED, WithdrawalStatus.PAID):
        _refuse_while_in_debt(withdrawal)
    before = _state(withdrawal)
    if ledger_step == "capture":
        capture(withdrawal.hold_id, actor=actor, reason="Withdrawal paid", now=now)
        withdrawal.payout_reference = reference
    elif ledger_step == "release":
        release(withdrawal.hold_id, actor=actor, reason=f"Withdrawal {target}", now=now)
    if target in WithdrawalStatus.CLOSED:
        close(withdrawal, target, settings_for(withdrawal.program), now)
    else:
        withdrawal.status = target
        withdrawal.approved_at = now
    withdrawal.note = note or withdrawal.note
    withdrawal.save(
        update_fields=[
            "status",
            "payout_reference",
            "note",
            "approved_at",
            "closed_at",
            "purge_after",
        ]
    )
    event(
        withdrawal.program,
        withdrawal.id,
        before=before,
        after=_state(withdrawal),
        actor=actor,
        at=now,
    )
    subject, body = _MAILS[target]
    notify_after_commit(
        mail,
        withdrawal,
        subject,
        body.format(
            amount=withdrawal.amount,
            currency=withdrawal.currency,
            to=withdrawal.details_masked,
            reference=withdrawal.payout_reference,
            note=withdrawal.note,
        ).strip(),
    )
    return withdrawal


def _refuse_while_in_debt(withdrawal: Withdrawal) -> None:
    """A commission taken back after the request was held leaves a debt (L3, U8: a
    hold is not reached into). Paying out would pay what the member owes: refuse,
    so staff reject it (the release pays the debt first) or wait."""
    owed = lock_account(withdrawal.account_id).debt
    if owed > 0:
        raise NotEligible(
            f"The member owes {owed.normalize():f} {withdrawal.currency} (a take-back after "
            "the request); reject this withdrawal or wait until the debt is paid.",
            field="id",
        )


def _text(value, field: str, limit: int) -> str:
    text = " ".join((value or "").split()) if isinstance(value, str | type(None)) else None
    if text is None or len(text) > limit:
        raise InvalidInput(f"{field} must be text of at most {limit} characters.", field=field)
    return text


def process_withdrawal(
    withdrawal_id: int,
    action: str,
    *,
    settings_for: SettingsFor,
    payout_reference: str | None = None,
    note: str | None = None,
    actor: Actor = SYSTEM,
    mail: WithdrawalMail | None = None,
    now: datetime | None = None,
) -> Withdrawal:
    """Staff decide one withdrawal (W5); each step is final and audited."""
    return process_withdrawals(
        [withdrawal_id],
        action,
        settings_for=settings_for,
        payout_reference=payout_reference,
        note=note,
        actor=actor,
        mail=mail,
        now=now,
    )[0]


def process_withdrawals(
    withdrawal_ids: Iterable[int],
    action: str,
    *,
    settings_for: SettingsFor,
    payout_reference: str | None = None,
    note: str | None = None,
    actor: Actor = SYSTEM,
    mail: WithdrawalMail | None = None,
    now: datetime | None = None,
) -> list[Withdrawal]:
    """One action on a batch (W6: a payout file paid at once), all or nothing.

    The rows are locked in ascending id, then each steps as ``process_withdrawal``;
    one that cannot (another state, unknown id) fails the whole batch. MARK_PAID
    needs the payout reference (the bank's or PayPal's batch id).
    """
    if action not in _STEPS:
        raise InvalidInput(f"Unknown action {action!r}.", field="action")
    reference = _text(payout_reference, "payoutReference", MAX_REFERENCE_LENGTH)
    note = _text(note, "note", MAX_NOTE_LENGTH)
    if action == WithdrawalAction.MARK_PAID and not reference:
        raise InvalidInput("A payout reference is required to mark paid.", field="payoutReference")
    ids = batch_ids(withdrawal_ids)
    now = now or timezone.now()
    with transaction.atomic():
        return [
            _step(
                withdrawal,
                action,
                settings_for=settings_for,
                reference=reference,
                note=note,
                actor=actor,
                mail=mail,
                now=now,
            )
            for withdrawal in lock_batch(ids)
        ]
