"""What a refund gives back of the points that paid an order (S3, S4): pure arithmetic.

S4: the buyer gets back, money and points together, exactly the value paid for what
is returned. Saleor decides the money; the points return only the rest:

- Refunds that name lines return those lines' value, what was paid for them by any
  means (their share of the lines' gross, the part paid with the card included).
  The points make up what their money, shipping left out, did not pay back: Saleor
  refunding a line's full price in money returns no points for it.
- What Saleor refunds onto the plugin's gift card without naming lines (the gift
  card gateway's transaction) is the points' part given back: the plugin empties
  the card again and returns that value as points.
- Money refunded without naming lines refunds its share of what those refunds left
  of the money paid, and the same share of what they left of the points. So money
  refunded + points returned stays that share of the value paid; all the money paid
  back is the whole order, and every point comes back.

Everything is computed from the order's cumulative refunds, so each sync computes the
same target again (U6); the caller gives back only what the target adds.
"""

from decimal import Decimal

from ..loyalty.earning import OrderSnapshot, money_only_share, refunded_lines_total

ZERO = Decimal(0)
ONE = Decimal(1)


def rewards_value_to_return(order: OrderSnapshot) -> Decimal:
    """The value (in the order's currency) of what the plugin's gift cards paid that
    cancellation (S3) or refunds (S4) give back so far; at most what they paid."""
    paid = order.paid_with_rewards
    if paid <= 0:
        return ZERO
    if order.cancelled:
        return paid
    value = refunded_lines_total(order, lambda line: line.gross_total)
    money = max(ZERO, order.refunded_with_lines - order.refunded_shipping)
    by_lines = min(paid, max(ZERO, value - money))
    to_card = min(paid - by_lines, max(ZERO, order.refunded_to_rewards))
    by_money = (paid - by_lines - to_card) * money_only_share(order)
    return min(paid, by_lines + to_card + by_money)


def returned_share(order: OrderSnapshot) -> Decimal:
    """The share (0..1) of the points captured for the order that come back."""
    if order.cancelled:
        return ONE
    paid = order.paid_with_rewards
    if paid <= 0:
        return ZERO
    return min(ONE, rewards_value_to_return(order) / paid)
