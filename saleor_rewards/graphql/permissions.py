"""Saleor's permission codes that guard the staff operations (SPEC §0).

Saleor ignores custom permissions, so staff operations map to these.
"""

MANAGE_USERS = "account.manage_users"
HANDLE_PAYMENTS = "payment.handle_payments"
MANAGE_ORDERS = "order.manage_orders"
MANAGE_PLUGINS = "plugins.manage_plugins"
