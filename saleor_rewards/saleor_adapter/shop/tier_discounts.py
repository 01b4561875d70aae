"""The tier discount as Saleor's own voucher machinery (T4).

Each tier has one Saleor ``Voucher`` (entire order, percentage = the tier's discount,
listed in the program's channel, found by its private metadata). Each member gets a
personal ``VoucherCode`` of the voucher of their current tier: when their tier
changes the code moves to the other voucher, so checkouts holding it follow. A code
is inactive while its member has no discount (Unverified, a 0 % tier, the program
off), and Saleor ignores an inactive code.

The plugin's checkout hooks put the member's code on their checkout (a Celery task),
unless the checkout already holds another voucher: a checkout carries one voucher
code and the customer's own code wins. A code on someone else's checkout is taken
off by the same task and refused at completion (``refuse_foreign_tier_code``).
Checked against Saleor 3.23.28 (``saleor/checkout/utils.py``: ``add_voucher_to_checkout``,
``remove_voucher_from_checkout``, ``invalidate_checkout``).
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from saleor.channel.models import Channel
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.fetch import fetch_checkout_info, fetch_checkout_lines
from saleor.checkout.models import Checkout
from saleor.checkout.utils import (
    add_voucher_to_checkout,
    invalidate_checkout,
    remove_voucher_from_checkout,
)
from saleor.discount import DiscountValueType, VoucherType
from saleor.discount.models import (
    NotApplicable,
    Voucher,
    VoucherChannelListing,
    VoucherCode,
)
from saleor.plugins.manager import get_plugins_manager

from ... import money
from ...ledger.models import Program
from ...programs import locks
from ...programs.tiers import services as tiers
from ...programs.tiers.models import MemberTier, Tier
from ..settings import program_settings
from . import channels
from . import locks as shop_locks
from .checkouts import payment_started

METADATA_KEY = "saleor_rewards.tier"
CODE_PREFIX = "MEMBER-"
CODE_LENGTH = 12  # of the house alphabet: 60 bits


def tier_voucher(tier: Tier) -> Voucher:
    """The tier's voucher, created on first use and kept in line with the tier."""
    voucher = Voucher.objects.filter(
        private_metadata__contains={METADATA_KEY: str(tier.id)}
    ).first()
    name = f"{tier.name} membership discount"
    if voucher is None:
        voucher = Voucher.objects.create(
            type=VoucherType.ENTIRE_ORDER,
            name=name,
            discount_value_type=DiscountValueType.PERCENTAGE,
            private_metadata={METADATA_KEY: str(tier.id)},
        )
    elif voucher.name != name:
        voucher.name = name
        voucher.save(update_fields=["name"])
    channel = Channel.objects.get(slug=tier.program.channel_slug)
    VoucherChannelListing.objects.update_or_create(
        voucher=voucher,
        channel=channel,
        defaults={"discount_value": tier.discount_percent, "currency": channel.currency_code},
    )
    return voucher


def _has_discount(tier: Tier | None, settings: dict) -> bool:
    return bool(settings["program_enabled"] and tier and tier.discount_percent > 0)


def sync_member_discount(
    program: Program, member_id: int, settings: dict | None = None
) -> VoucherCode | None:
    """Put the member's code on their tier's voucher; the code while it discounts."""
    settings = settings or program_settings(program)
    with transaction.atomic():
        row = (
            locks.member_tiers()
            .select_related("tier__program")
            .filter(program=program, member_id=member_id)
            .first()
        )
        if row is None or (not row.discount_code and not _has_discount(row.tier, settings)):
            return None
        if not row.discount_code:
            row.discount_code = CODE_PREFIX + money.new_code(CODE_LENGTH)
            row.save(update_fields=["discount_code"])
        active = _has_discount(row.tier, settings)
        code = VoucherCode.objects.filter(code=row.discount_code).first()
        voucher = tier_voucher(row.tier) if row.tier else None
        if code is None:
            if voucher is None:
                return None
            code = VoucherCode.objects.create(
                code=row.discount_code, voucher=voucher, is_active=active
            )
        elif (voucher and code.voucher_id != voucher.id) or code.is_active != active:
            code.voucher = voucher or code.voucher
            code.is_active = active
            code.save(update_fields=["voucher", "is_active"])
    return code if active else None


_MOVE_CODES = """
UPDATE discount_vouchercode vc
SET voucher_id = v.id, is_active = (%(enabled)s AND t.discount_percent > 0)
FROM rewards_member_tier mt
JOIN rewards_tier t ON t.id = mt.tier_id
JOIN discount_voucher v ON v.private_metadata ->> %(key)s = t.id::text
WHERE mt.program_id = %(program)s AND mt.discount_code <> ''
  AND vc.code = mt.discount_code
  AND (vc.voucher_id <> v.id OR vc.is_active <> (%(enabled)s AND t.discount_percent > 0))
"""
_DEACTIVATE_TIERLESS = """
UPDATE discount_vouchercode vc SET is_active = FALSE
FROM rewards_member_tier mt
WHERE mt.program_id = %(program)s AND mt.tier_id IS NULL AND mt.discount_code <> ''
  AND vc.code = mt.discount_code AND vc.is_active
"""


def sync_program_discounts(program: Program, settings: dict | None = None) -> int:
    """Every tier's voucher and every member's code in line (set-based); returns
    how many codes changed. Vouchers of deleted tiers go."""
    settings = settings or program_settings(program)
    tier_ids = set()
    for tier in tiers.tiers_of(program):
        tier_voucher(tier)
        tier_ids.add(str(tier.id))
    params = {
        "program": program.id,
        "key": METADATA_KEY,
        "enabled": bool(settings["program_enabled"]),
    }
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_CODES, params)
        changed = cursor.rowcount
        cursor.execute(_DEACTIVATE_TIERLESS, params)
        changed += cursor.rowcount
    channel_vouchers = Voucher.objects.filter(
        private_metadata__has_key=METADATA_KEY,
        channel_listings__channel__slug=program.channel_slug,
    )
    orphans = [
        v.id
        for v in channel_vouchers
        if v.private_metadata[METADATA_KEY] not in tier_ids
        and not VoucherCode.objects.filter(voucher=v).exists()
    ]
    Voucher.objects.filter(id__in=orphans).delete()
    return changed


def checkouts_holding_codes(program: Program, member_id: int | None = None) -> list[str]:
    """Tokens of checkouts that hold a member code of the program (of one member).

    Saleor stores a voucher's discount amount on the checkout and recomputes it only
    when a checkout mutation does, so these need ``apply_to_checkout`` after a tier
    or its value changed.
    """
    rows = MemberTier.objects.filter(program=program).exclude(discount_code="")
    if member_id is not None:
        rows = rows.filter(member_id=member_id)
    tokens = Checkout.objects.filter(voucher_code__in=rows.values("discount_code"))
    return [str(token) for token in tokens.values_list("token", flat=True)]


def tier_code_owner(code: str | None) -> int | None:
    """The member whose personal tier code this is; None for any other code."""
    if not code:
        return None
    return MemberTier.objects.filter(discount_code=code).values_list("member_id", flat=True).first()


def _checkout_info(checkout):
    manager = get_plugins_manager(allow_replica=False)
    lines, _ = fetch_checkout_lines(checkout)
    return manager, lines, fetch_checkout_info(checkout, lines, manager)


def _take_off(checkout) -> None:
    remove_voucher_from_checkout(checkout)
    manager, lines, info = _checkout_info(checkout)
    invalidate_checkout(info, lines, manager, save=True)


def apply_to_checkout(token) -> str:
    """Bring the checkout's tier discount in line with its customer (T4); says what
    it did: applied, kept, removed, own-code, paying, none."""
    with transaction.atomic():
        checkout = (
            shop_locks.checkouts().select_related("channel", "user").filter(token=token).first()
        )
        if checkout is None:
            return "none"
        if payment_started(checkout):
            # The discount is settled before payment: changing the total of a
            # checkout being paid would leave it over- or under-paid.
            return "paying"
        owner = tier_code_owner(checkout.voucher_code)
        user = checkout.user
        removed = owner is not None and (user is None or owner != user.pk)
        if removed:
            _take_off(checkout)  # someone else's membership discount
        if user is None:
            return "removed" if removed else "none"
        if checkout.voucher_code and not removed and owner is None:
            return "own-code"
        program = channels.program(checkout.channel.slug)
        if program is None:
            return "removed" if removed else "none"
        settings = program_settings(program)
        row = tiers.member_tier(program, user.pk)
        if row is None or row.verified != user.is_confirmed:
            tiers.recompute_member(program, user.pk, settings, verified=user.is_confirmed)
        code = sync_member_discount(program, user.pk, settings)
        if code is None:
            if checkout.voucher_code:
                _take_off(checkout)
                return "removed"
            return "none"
        manager, lines, info = _checkout_info(checkout)
        if checkout.voucher_code == code.code:
            invalidate_checkout(info, lines, manager, save=True)  # the value may differ
            return "kept"
        try:
            add_voucher_to_checkout(manager, info, lines, code.voucher, code)
        except NotApplicable:
            return "none"
        invalidate_checkout(info, lines, manager, recalculate_discount=False, save=True)
        return "applied"


def refuse_foreign_tier_code(checkout) -> None:
    """At completion: a member's personal code on another customer's checkout is
    refused, whatever reached the checkout first (T4 "cannot be used by a non-member")."""
    owner = tier_code_owner(checkout.voucher_code)
    if owner is not None and owner != checkout.user_id:
        raise ValidationError(
            {
                "voucher_code": ValidationError(
                    "This membership discount belongs to another customer.",
                    code=CheckoutErrorCode.VOUCHER_NOT_APPLICABLE.value,
                )
            }
        )
