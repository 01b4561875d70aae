"""Points converted into a single-use voucher code of the shop (SPEC S5).

The member's points are debited (REDEEM, soonest-expiring first) and the shop
creates a voucher code worth exactly that much money, in one database transaction:
if the shop cannot create the voucher, nothing is debited. The shop itself is
behind the ``VoucherIssuer`` port (``ports.py``); nothing here knows Saleor.

The member's cap on paying with rewards (S1; the tier lowers it) holds for vouchers
too: the voucher needs a minimum spend of its value x 100 / cap, so it never pays
more of an order than the cap, and a member whose cap is 0 % (Unverified, T1)
cannot convert at all (``redemption/cap.py``).
"""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ... import money
from ...ledger import SYSTEM, Actor, EntryType, Kind, Reference, ReferenceType, debit, open_account
from ...ledger.errors import Conflict, ProgramDisabled
from ...ledger.models import Program
from .. import locks
from ..channel.restrictions import refuse_if_restricted
from ..redemption.cap import member_cap, voucher_min_spent
from .models import VoucherConversion
from .ports import NewVoucher, VoucherIssuer

CODE_PREFIX = "RW-"
# 20 characters of the house alphabet: 100 bits, so a code cannot be guessed.
_CODE_LENGTH = 20


def new_code() -> str:
    return CODE_PREFIX + money.new_code(_CODE_LENGTH)


def _earlier(program: Program, member_id: int, key: str, points: int) -> VoucherConversion | None:
    """The member's conversion under ``key``, in any channel; CONFLICT when it was
    for another channel or another number of points (I2)."""
    conversion = (
        VoucherConversion.objects.filter(
            account__member_id=member_id, account__kind=Kind.POINTS, idempotency_key=key
        )
        .select_related("program")
        .first()
    )
    if conversion is not None and (conversion.program_id, conversion.points) != (
        program.id,
        points,
    ):
        raise Conflict(
            f"This idempotency key already converted {conversion.points} points in "
            f"{conversion.program.channel_slug}, not {points} in {program.channel_slug}.",
            field="idempotencyKey",
        )
    return conversion


def convert_to_voucher(
    program: Program,
    member_id: int,
    points,
    shop: VoucherIssuer,
    settings: dict,
    *,
    idempotency_key: str | None = None,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
    verified: bool | None = None,
) -> VoucherConversion:
    """Debit ``points`` and create a voucher code of their value (S5).

    ``verified``: whether the shop says the member's e-mail is verified (their tier,
    hence their cap, T1); None keeps their stored tier.

    With an ``idempotency_key`` a repeated request (same member, same key) returns
    the first conversion: the same code, no second debit; the key sent again for
    another channel or number of points is a CONFLICT. The key's lock serialises
    two requests with one key; the second sees the first one's conversion once it
    holds the lock.
    """
    if not settings["program_enabled"]:
        raise ProgramDisabled("The rewards program is switched off in this channel.")
    refuse_if_restricted(member_id, field="points")
    key = money.client_key("voucher:", idempotency_key)
    amount = money.money_for_points(points, settings["points_per_unit"], program.currency)
    now = now or timezone.now()
    account = open_account(program, member_id, Kind.POINTS)
    if earlier := _earlier(program, member_id, key, points):
        return earlier
    cap = member_cap(program, member_id, settings, verified=verified)
    min_spent = voucher_min_spent(amount, cap, program.currency)
    conversion_id = uuid.uuid4()
    with transaction.atomic():
        # The key's lock first: the same key sent for another channel at the same
        # moment waits here, then sees this conversion (locks.py, 0).
        locks.client_request("voucher", f"{member_id}:{key}")
        if earlier := _earlier(program, member_id, key, points):
            return earlier
        posting = debit(
            account,
            points,
            key=key,
            entry_type=EntryType.REDEEM,
            reference=Reference(ReferenceType.VOUCHER, str(conversion_id)),
            actor=actor,
            reason="Voucher code",
            now=now,
        )
        if posting.replayed:
            return _earlier(program, member_id, key, points)
        voucher = NewVoucher(
            conversion_id=str(conversion_id),
            code=new_code(),
            channel_slug=program.channel_slug,
            amount=amount,
            currency=program.currency,
            valid_until=now + timedelta(days=settings["voucher_valid_days"]),
            member_id=member_id,
            points=points,
            min_spent=min_spent,
        )
        voucher_id = shop.create_voucher(voucher)
        return VoucherConversion.objects.create(
            id=conversion_id,
            program=program,
            member_id=member_id,
            account=account,
            idempotency_key=key,
            points=points,
            amount=amount,
            currency=program.currency,
            min_spent=min_spent,
            entry_id=posting.entry_id,
            voucher_id=voucher_id,
            code=voucher.code,
            valid_until=voucher.valid_until,
            created_at=now,
        )
