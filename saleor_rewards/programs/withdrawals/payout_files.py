"""Payout files (W6): staff pay a batch of approved withdrawals in one upload.

- SEPA_XML: the approved EUR bank transfers as a SEPA credit transfer initiation
  (ISO 20022 pain.001.001.03, built and checked against its XSD by ``sepaxml``),
  debited from the shop's account: ``SALEOR_REWARDS_SEPA_DEBTOR_NAME``, ``_IBAN``
  and ``_BIC`` (Django settings or environment variables).
- PAYPAL_CSV: the approved PayPal withdrawals as a PayPal Payouts batch file, one
  row per payment and no header (PayPal's Payouts Web format): recipient e-mail,
  amount, currency (one per file), customer id, note to the recipient, wallet.

A file changes no withdrawal: staff upload it, then mark the batch paid with the
bank's or PayPal's reference (``services.process_withdrawals``). Creating one is
recorded in the audit trail (which withdrawals, the totals), as it reveals details.
"""

import csv
import io
import os
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

from ... import money
from ...events.events import payout_file_created_event
from ...ledger import SYSTEM, Actor
from ...ledger.errors import InvalidInput, ProgramDisabled
from . import crypto
from .models import Withdrawal, WithdrawalMethod, WithdrawalStatus
from .services import batch_ids, lock_batch


class PayoutFormat:
    SEPA_XML = "sepa_xml"
    PAYPAL_CSV = "paypal_csv"
    CHOICES = [(SEPA_XML, "SEPA credit transfer (pain.001)"), (PAYPAL_CSV, "PayPal Payouts CSV")]


SEPA_SCHEMA = "pain.001.001.03"
_METHOD = {
    PayoutFormat.SEPA_XML: WithdrawalMethod.BANK_TRANSFER,
    PayoutFormat.PAYPAL_CSV: WithdrawalMethod.PAYPAL,
}


@dataclass(frozen=True)
class PayoutFile:
    filename: str
    content_type: str
    content: bytes
    withdrawal_ids: tuple[int, ...]
    totals: dict[str, Decimal]


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str


def _setting(name: str) -> str:
    from django.conf import settings

    return str(getattr(settings, name, None) or os.environ.get(name) or "").strip()


def sepa_debtor() -> Debtor:
    """The shop's account the SEPA file debits, from settings."""
    name = _setting("SALEOR_REWARDS_SEPA_DEBTOR_NAME")
    iban = _setting("SALEOR_REWARDS_SEPA_DEBTOR_IBAN")
    bic = _setting("SALEOR_REWARDS_SEPA_DEBTOR_BIC")
    if not (name and iban and bic):
        raise ProgramDisabled(
            "SEPA files need SALEOR_REWARDS_SEPA_DEBTOR_NAME, _IBAN and _BIC in the "
            "shop's settings.",
            field="format",
        )
    try:
        return Debtor(name=name, iban=IBAN(iban).compact, bic=str(BIC(bic)))
    except SchwiftyException:
        raise ProgramDisabled(
            "SALEOR_REWARDS_SEPA_DEBTOR_IBAN or _BIC is not valid.", field="format"
        ) from None


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def sepa_xml(rows: list[tuple[Withdrawal, dict]], debtor: Debtor, *, on: date) -> bytes:
    transfer = SepaTransfer(
        {
            "name": debtor.name,
            "IBAN": debtor.iban,
            "BIC": debtor.bic,
            "batch": True,
            "currency": "EUR",
        },
        schema=SEPA_SCHEMA,
        clean=True,
    )
    for withdrawal, details in rows:
        payment = {
            "name": details["accountHolder"],
            "IBAN": details["iban"],
            "amount": _cents(withdrawal.amount),
            "execution_date": on,
            "description": f"Withdrawal {withdrawal.id}",
            "endtoend_id": f"RW{withdrawal.id}",
        }
        if details.get("bic"):
            payment["BIC"] = details["bic"]
        transfer.add_payment(payment)
    return transfer.export(validate=True)


def paypal_csv(rows: list[tuple[Withdrawal, dict]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for withdrawal, details in rows:
        writer.writerow(
            [
                details["email"],
                format(
                    money.quantize(withdrawal.amount, withdrawal.currency, rounding="ROUND_DOWN"),
                    "f",
                ),
                withdrawal.currency,
                f"withdrawal-{withdrawal.id}",
                "Your rewards withdrawal",
                "PAYPAL",
            ]
        )
    return out.getvalue().encode()


def _checked(withdrawal: Withdrawal, method: str, file_format: str) -> None:
    if withdrawal.status != WithdrawalStatus.APPROVED:
        raise InvalidInput(
            f"Withdrawal {withdrawal.id} is {withdrawal.status}; only approved ones are paid.",
            field="ids",
        )
    if withdrawal.method != method:
        raise InvalidInput(
            f"Withdrawal {withdrawal.id} is not paid by {dict(PayoutFormat.CHOICES)[file_format]}.",
            field="ids",
        )
    if file_format == PayoutFormat.SEPA_XML and withdrawal.currency != "EUR":
        raise InvalidInput(f"Withdrawal {withdrawal.id} is not in EUR.", field="ids")
    if not withdrawal.details:
        raise InvalidInput(f"Withdrawal {withdrawal.id} has no payout details left.", field="ids")


def create_payout_file(
    withdrawal_ids,
    file_format: str,
    *,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> PayoutFile:
    """The file paying these approved withdrawals; INVALID naming the first that
    does not belong (another state, method or currency)."""
    if file_format not in _METHOD:
        raise InvalidInput(f"Unknown payout file format {file_format!r}.", field="format")
    ids = batch_ids(withdrawal_ids)
    now = now or timezone.now()
    with transaction.atomic():
        # Locked so that no decision lands between reading and recording the file.
        found = lock_batch(ids)
        for withdrawal in found:
            _checked(withdrawal, _METHOD[file_format], file_format)
        if len({withdrawal.currency for withdrawal in found}) > 1:
            # PayPal takes one currency per file (and SEPA is EUR only).
            raise InvalidInput("A payout file holds one currency; split the batch.", field="ids")
        rows = [(withdrawal, crypto.decrypt(withdrawal.details)) for withdrawal in found]
        stamp = now.strftime("%Y%m%d-%H%M%S")
        if file_format == PayoutFormat.SEPA_XML:
            content = sepa_xml(rows, sepa_debtor(), on=now.date())
            name, content_type = f"withdrawals-{stamp}.xml", "application/xml"
        else:
            content = paypal_csv(rows)
            name, content_type = f"withdrawals-{stamp}.csv", "text/csv"
        totals: dict[str, Decimal] = {}
        for withdrawal, _ in sorted(rows, key=lambda row: row[0].currency):
            totals[withdrawal.currency] = (
                totals.get(withdrawal.currency, Decimal(0)) + withdrawal.amount
            )
        totals = {
            code: money.quantize(total, code, rounding=ROUND_HALF_UP)
            for code, total in totals.items()
        }
        programs = {withdrawal.program_id for withdrawal, _ in rows}
        payout_file_created_event(
            rows[0][0].program if len(programs) == 1 else None,
            name,
            withdrawal_ids=ids,
            file_format=file_format,
            totals={code: format(total.normalize(), "f") for code, total in totals.items()},
            actor=actor,
            at=now,
        )
        return PayoutFile(name, content_type, content, tuple(ids), totals)
