"""Saleor's permission codes that guard the staff operations (SPEC §0).

Saleor ignores custom permissions, so staff operations map to these: reading members,
affiliates and reviews needs MANAGE_USERS; whatever creates value needs the permission
Saleor itself guards its money-like instruments with: balance credits MANAGE_GIFT_CARD
(as a gift card's balance), tier discounts and caps MANAGE_DISCOUNTS (as vouchers and
promotions); program settings MANAGE_PLUGINS; withdrawals HANDLE_PAYMENTS (W5).
"""

MANAGE_USERS = "account.manage_users"
MANAGE_PLUGINS = "plugins.manage_plugins"
MANAGE_GIFT_CARD = "giftcard.manage_gift_card"
MANAGE_DISCOUNTS = "discount.manage_discounts"
HANDLE_PAYMENTS = "payment.handle_payments"
MANAGE_ORDERS = "order.manage_orders"  # claims and the merchant deposit (C2, C3)
