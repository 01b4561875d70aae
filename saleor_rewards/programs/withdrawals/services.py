"""Withdrawals of the cash balance (W1, W3-W5), as a two-phase transfer.

A request holds its amount on the member's cash account at once (the ledger's
``hold``): the held cash can be spent by nothing else, and two requests at once can
never hold more than the balance (the account's lock decides). Paid captures the
hold; rejected, failed or cancelled releases it. Each step happens once, under the
withdrawal's row lock (``locks.withdrawals``, above the account's), and each staff
step writes one audit event and mails the member after the commit.

Points are never withdrawn (W1): a withdrawal only ever touches the CASH account.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ... import money
from ...events import events
from ...ledger import (
    SYSTEM,
    Actor,
    ActorType,
    Kind,
    Reference,
    ReferenceType,
    capture,
    hold,
    lock_account,
    open_account,
    release,
)
from ...ledger.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    LimitExceeded,
    NotEligible,
    NotFound,
    PermissionDenied,
    ProgramDisabled,
)
from ...ledger.models import Program
from ...ledger.posting import parse_amount
from .. import locks
from . import crypto
from .details import clean_details, mask
from .models import Withdrawal, WithdrawalMethod, WithdrawalStatus
from .ports import WithdrawalMail


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
SettingsFor = Callable[[Program], Mapping]

MAX_REFERENCE_LENGTH = 128
MAX_NOTE_LENGTH = 500


def check_amount(amount, currency: str, settings: dict) -> Decimal:
    """W3: a positive amount in the currency's smallest unit, within min and max."""
    value = parse_amount(amount, Kind.CASH)
    if not money.fits(value, currency):
        raise InvalidInput(f"amount has more decimals than {currency} allows.", field="amount")
    maximum = settings["withdrawal_max"].get(currency)
    if maximum is not None and value > maximum:
        raise LimitExceeded(
            f"At most {maximum} {currency} can be withdrawn at once.", field="amount"
        )
    if value < settings["withdrawal_min"]:
        raise LimitExceeded(
            f"At least {settings['withdrawal_min']} {currency} must be withdrawn.",
            field="amount",
        )
    return value


def _next_id() -> int:
    # The id is the hold's reference, so it is known before the row is written.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('rewards_withdrawal', 'id'))")
        return cursor.fetchone()[0]


def _notify(mail: WithdrawalMail | None, withdrawal: Withdrawal, subject: str, body: str):
    if mail is None or withdrawal.member_id is None:
        return
    member_id = withdrawal.member_id
    transaction.on_commit(lambda: mail.notify_member(member_id, subject, body))


def _same_request(earlier: Withdrawal, amount: Decimal, method: str, details: dict) -> None:
    same_details = bool(earlier.details) and crypto.decrypt(earlier.details) == details
    if (earlier.amount, earlier.method) != (amount, method) or not same_details:
        raise Conflict(
            "This idempotency key was used for another withdrawal.", field="idempotencyKey"
        )


def request_withdrawal(
    program: Program,
    member_id: int,
    amount,
    method: str,
    details,
    settings: dict,
    *,
    mail: WithdrawalMail | None = None,
    idempotency_key: str | None = None,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> Withdrawal:
    """Hold ``amount`` of the member's cash and record the request (W1-W5).

    LIMIT_EXCEEDED outside ``withdrawal_min``..``withdrawal_max``; ALREADY_EXISTS
    while the member has an open request (W4); INSUFFICIENT_BALANCE beyond the
    available cash. The same ``idempotency_key`` returns the first request; sent
    with another amount, method or account it is a CONFLICT (I2).
    """
    if not settings["program_enabled"]:
        raise ProgramDisabled("The rewards program is switched off in this channel.")
    if method not in WithdrawalMethod.ALL:
        raise InvalidInput(f"Unknown payout method {method!r}.", field="method")
    value = check_amount(amount, program.currency, settings)
    cleaned = clean_details(method, details)
    masked = mask(method, cleaned)
    key = money.client_key("withdrawal:", idempotency_key)
    now = now or timezone.now()
    account = open_account(program, member_id, Kind.CASH)
    with transaction.atomic():
        # One member's requests one at a time: the open-request check and the
        # hold then see every earlier request (locks.py, 0).
        locks.client_request("withdrawal", str(member_id))
        earlier = Withdrawal.objects.filter(account=account, idempotency_key=key).first()
        if earlier is not None:
            _same_request(earlier, value, method, cleaned)
            return earlier
        if Withdrawal.objects.filter(
            member_id=member_id, status__in=WithdrawalStatus.OPEN
        ).exists():
            raise AlreadyExists(
                "You have a withdrawal in progress; wait until it is paid or closed.",
                field="amount",
            )
        withdrawal_id = _next_id()
        posting = hold(
            account,
            value,
            key=key,
            reference=Reference(ReferenceType.WITHDRAWAL, str(withdrawal_id)),
            actor=actor,
            reason="Withdrawal",
            now=now,
        )
        withdrawal = Withdrawal.objects.create(
            id=withdrawal_id,
            program=program,
            member_id=member_id,
            account=account,
            idempotency_key=key,
            amount=value,
            currency=program.currency,
            method=method,
            details=crypto.encrypt(cleaned),
            details_masked=masked,
            hold_id=posting.hold_id,
            created_at=now,
        )
        _notify(
            mail,
            withdrawal,
            "We received your withdrawal request",
            f"Your request to withdraw {value} {program.currency} to {masked} is being "
            "reviewed. The amount is reserved from your cash balance until then.",
        )
        return withdrawal


def cancel_withdrawal(
    withdrawal_id: int,
    member_id: int,
    settings_for: SettingsFor,
    *,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> Withdrawal:
    """The member withdraws their own request while it is not approved (W5)."""
    now = now or timezone.now()
    with transaction.atomic():
        withdrawal = (
            locks.withdrawals()
            .select_related("program")
            .filter(id=withdrawal_id, member_id=member_id)
            .first()
        )
        if withdrawal is None:  # someone else's looks like none (I3)
            raise NotFound("Withdrawal not found among yours.", field="id")
        if withdrawal.status != WithdrawalStatus.REQUESTED:
            raise Conflict(
                f"Only a requested withdrawal can be cancelled; this one is {withdrawal.status}.",
                field="id",
            )
        release(withdrawal.hold_id, actor=actor, reason="Withdrawal cancelled", now=now)
        _close(withdrawal, WithdrawalStatus.CANCELLED, settings_for(withdrawal.program), now)
        withdrawal.save(update_fields=["status", "closed_at", "purge_after"])
        return withdrawal


def _close(withdrawal: Withdrawal, status: str, settings: Mapping, now: datetime) -> None:
    withdrawal.status = status
    withdrawal.closed_at = now
    withdrawal.purge_after = now + timedelta(days=settings["retention_days"])


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
            f"Withdrawal {withdrawal.id} is {withdrawal.status}; it cannot be "
            f"{dict(WithdrawalAction.CHOICES)[action].lower()}ed now.",
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
        _close(withdrawal, target, settings_for(withdrawal.program), now)
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
    _notify(
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
    ids = sorted(set(withdrawal_ids))
    if not ids:
        raise InvalidInput("Name at least one withdrawal.", field="ids")
    now = now or timezone.now()
    with transaction.atomic():
        rows = {w.id: w for w in locks.withdrawals().select_related("program").filter(id__in=ids)}
        if missing := [i for i in ids if i not in rows]:
            raise NotFound(f"Withdrawal {missing[0]} does not exist.", field="ids")
        return [
            _step(
                rows[i],
                action,
                settings_for=settings_for,
                reference=reference,
                note=note,
                actor=actor,
                mail=mail,
                now=now,
            )
            for i in ids
        ]
