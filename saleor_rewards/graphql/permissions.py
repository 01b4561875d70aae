"""Saleor's permission codes that guard the staff operations (SPEC §0).

Saleor ignores custom permissions, so staff operations map to these.
"""

MANAGE_USERS = "account.manage_users"
MANAGE_PLUGINS = "plugins.manage_plugins"
