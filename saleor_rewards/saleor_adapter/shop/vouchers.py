"""S5 voucher codes as Saleor 3.23 vouchers: the ``VoucherIssuer`` port.

What Saleor 3.23 offers, and what a points voucher uses (saleor/discount/models.py,
saleor/discount/utils/voucher.py):

- ``type=ENTIRE_ORDER`` with a ``FIXED`` value in one channel listing: the amount
  comes off the order's subtotal once, never below zero; shipping is not discounted.
- ``apply_once_per_order`` is left off on purpose: in Saleor it does not mean
  "once per order" but "only on the cheapest line" (``is_line_level_voucher``), which
  would cap the voucher at the price of one item.
- ``usage_limit=1`` and ``single_use=True``: checkout completion (with a row lock on
  the code) counts the use and deactivates the code, so a second checkout is
  refused ("Promo code is invalid"). Saleor gives the use back when the order is
  released (draft deleted, checkout not completed).
- Saleor cannot restrict a voucher to one customer: ``apply_once_per_customer`` only
  limits each e-mail to one use and ``only_for_staff`` is for staff. The code is a
  bearer code, like a gift card code without ``assigned_to``; it is long and random
  so it cannot be guessed, and it is shown only to the member who converted points.
- Vouchers are not listed to customers anywhere in Saleor's storefront API; staff
  see them in the Dashboard, named after the conversion.
- The member's cap (S5) is the channel listing's ``min_spent_amount``: Saleor
  refuses the code on a checkout whose products come to less
  (``Voucher.validate_min_spent`` on ``base_checkout_subtotal``), when it is added
  and again whenever the checkout is recalculated and completed.
"""

from saleor.channel.models import Channel
from saleor.discount import DiscountValueType, VoucherType
from saleor.discount.models import Voucher, VoucherChannelListing, VoucherCode

from ...programs.vouchers.ports import NewVoucher

METADATA_KEY = "saleor_rewards.voucher_conversion"


def create_voucher(voucher: NewVoucher) -> str:
    """A single-use fixed voucher code for one order in one channel; its pk."""
    channel = Channel.objects.get(slug=voucher.channel_slug)
    instance = Voucher.objects.create(
        type=VoucherType.ENTIRE_ORDER,
        # No member id in the shop's voucher (P3): the conversion id links it.
        name=f"Rewards: {voucher.points} points",
        usage_limit=1,
        single_use=True,
        apply_once_per_order=False,
        apply_once_per_customer=False,
        only_for_staff=False,
        discount_value_type=DiscountValueType.FIXED,
        end_date=voucher.valid_until,
        private_metadata={METADATA_KEY: voucher.conversion_id},
    )
    VoucherChannelListing.objects.create(
        voucher=instance,
        channel=channel,
        discount_value=voucher.amount,
        min_spent_amount=voucher.min_spent or None,
        currency=voucher.currency,
    )
    VoucherCode.objects.create(voucher=instance, code=voucher.code)
    return str(instance.pk)


def forget_member(member_id: int) -> None:
    """The ``VoucherIssuer`` port (P2): vouchers bought before 0015 named the member."""
    Voucher.objects.filter(name__endswith=f" points of member {member_id}").update(
        name="Rewards: points (member erased)"
    )
