"""A member asks for their cash (W1, W3-W5) and may cancel while it is requested.

A withdrawal is a two-phase transfer: the request holds its amount on the member's
cash account at once (the ledger's ``hold``), so nothing else can spend it and two
requests at once never hold more than the balance (the account's lock decides).
Staff then pay it (capture) or close it (release): ``decisions.py``.

Points are never withdrawn (W1): a withdrawal only ever touches the CASH account.
"""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ... import money
from ...ledger import (
    SYSTEM,
    Actor,
    Kind,
    Reference,
    ReferenceType,
    hold,
    open_account,
    release,
)
from ...ledger.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    LimitExceeded,
    NotFound,
    ProgramDisabled,
)
from ...ledger.models import Program
from ...ledger.posting import parse_amount
from .. import locks
from ..channel.restrictions import refuse_if_restricted
from . import crypto
from .details import clean_details, mask
from .models import Withdrawal, WithdrawalMethod, WithdrawalStatus
from .ports import WithdrawalMail

# A program's effective settings (retention_days when a withdrawal closes).
SettingsFor = Callable[[Program], Mapping]


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


def notify_after_commit(
    mail: WithdrawalMail | None, withdrawal: Withdrawal, subject: str, body: str
):
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
        refuse_if_restricted(member_id, field="amount")  # no spending while restricted (P5)
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
        notify_after_commit(
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
        close(withdrawal, WithdrawalStatus.CANCELLED, settings_for(withdrawal.program), now)
        withdrawal.save(update_fields=["status", "closed_at", "purge_after"])
        return withdrawal


def close(withdrawal: Withdrawal, status: str, settings: Mapping, now: datetime) -> None:
    withdrawal.status = status
    withdrawal.closed_at = now
    withdrawal.purge_after = now + timedelta(days=settings["retention_days"])


def batch_ids(withdrawal_ids) -> list[int]:
    """A batch's ids, ascending (the lock order), at least one."""
    ids = sorted(set(withdrawal_ids))
    if not ids:
        raise InvalidInput("Name at least one withdrawal.", field="ids")
    return ids


def lock_batch(ids: list[int]) -> list[Withdrawal]:
    """The withdrawals of ``batch_ids``, locked in that order; NOT_FOUND naming the
    first id that does not exist. Inside the caller's transaction."""
    rows = {w.id: w for w in locks.withdrawals().select_related("program").filter(id__in=ids)}
    if missing := [i for i in ids if i not in rows]:
        raise NotFound(f"Withdrawal {missing[0]} does not exist.", field="ids")
    return [rows[i] for i in ids]
