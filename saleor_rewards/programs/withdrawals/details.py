"""Payout details by method (W2): what each needs, validated, and how it is shown.

BANK_TRANSFER ``{"iban", "bic" (optional), "accountHolder"}``: the IBAN and BIC are
checked with ``schwifty`` (checksum, length and bank registry per country); without
a BIC, the one ``schwifty`` derives from the IBAN's bank code is used when known.
PAYPAL ``{"email"}``. ALIPAY ``{"accountId", "accountHolder"}``.

Nothing here ever puts a detail into an error message or a log line: an error names
the field, not its value. ``mask`` is the only form anyone is shown.
"""

import json
import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from ...ledger.errors import InvalidInput
from .models import WithdrawalMethod

FIELDS = {
    WithdrawalMethod.BANK_TRANSFER: ({"iban", "accountHolder"}, {"bic"}),
    WithdrawalMethod.PAYPAL: ({"email"}, set()),
    WithdrawalMethod.ALIPAY: ({"accountId", "accountHolder"}, set()),
}
MAX_FIELD_LENGTH = 70  # SEPA's name length; longer than any IBAN, e-mail local part
_ALIPAY_ID = re.compile(r"[A-Za-z0-9@._+-]{4,70}")


def _invalid(message: str, field: str = "details") -> InvalidInput:
    return InvalidInput(message, field=field)


def _as_mapping(details) -> Mapping:
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except ValueError:
            raise _invalid("details must be a JSON object.") from None
    if not isinstance(details, Mapping):
        raise _invalid("details must be a JSON object.")
    return details


def clean_details(method: str, details) -> dict[str, str]:
    """The details ``method`` needs, trimmed and validated; INVALID naming the field."""
    if method not in FIELDS:
        raise _invalid(f"Unknown payout method {method!r}.", "method")
    details = _as_mapping(details)
    required, optional = FIELDS[method]
    if unknown := set(details) - required - optional:
        raise _invalid(f"Unknown details for this method: {', '.join(sorted(unknown))}.")
    cleaned = {}
    for name in sorted(required | optional):
        value = details.get(name)
        if value is None and name in optional:
            continue
        if not isinstance(value, str) or not value.strip():
            raise _invalid(f"details.{name} is required.", f"details.{name}")
        value = " ".join(value.split())
        if len(value) > MAX_FIELD_LENGTH:
            raise _invalid(
                f"details.{name} has more than {MAX_FIELD_LENGTH} characters.",
                f"details.{name}",
            )
        cleaned[name] = value
    return _checked(method, cleaned)


def _checked(method: str, details: dict[str, str]) -> dict[str, str]:
    if method == WithdrawalMethod.BANK_TRANSFER:
        try:
            iban = IBAN(details["iban"])
        except SchwiftyException:
            raise _invalid("details.iban is not a valid IBAN.", "details.iban") from None
        details["iban"] = iban.compact
        if "bic" in details:
            try:
                details["bic"] = str(BIC(details["bic"]))
            except SchwiftyException:
                raise _invalid("details.bic is not a valid BIC.", "details.bic") from None
        elif iban.bic is not None:
            details["bic"] = str(iban.bic)
    elif method == WithdrawalMethod.PAYPAL:
        email = details["email"].lower()
        try:
            validate_email(email)
        except ValidationError:
            raise _invalid("details.email is not an e-mail address.", "details.email") from None
        details["email"] = email
    elif not _ALIPAY_ID.fullmatch(details["accountId"]):
        raise _invalid("details.accountId is not an Alipay account id.", "details.accountId")
    return details


def _hide(text: str, keep_start: int, keep_end: int) -> str:
    if len(text) <= keep_start + keep_end + 2:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def mask(method: str, details: Mapping[str, str]) -> str:
    """What a member or staff member is shown: enough to recognise the account.

    IBAN ``DE89 **** **** **** **30 00`` (country, check digits, last four),
    e-mail ``j***@example.com``, Alipay id ``13******89``; holder initials only.
    """
    holder = details.get("accountHolder", "")
    initials = " ".join(f"{part[0]}." for part in holder.split() if part)
    if method == WithdrawalMethod.BANK_TRANSFER:
        hidden = _hide(details["iban"], 4, 4)
        shown = " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))
    elif method == WithdrawalMethod.PAYPAL:
        local, _, domain = details["email"].rpartition("@")
        shown = f"{local[:1]}***@{domain}"
    else:
        shown = _hide(details["accountId"], 2, 2)
    return f"{shown} ({initials})" if initials else shown
